"""A ``torch.nn.Module`` with a run axis (:class:`ModuleModel`), and :func:`to_torch`."""

from __future__ import annotations

import contextlib
import copy
import inspect
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from descend._compile import checking

from .base import OUTPUTS, RunModel, _Base, _choice, _dtype, _positive_int, _seeds
from .dense import _Dense

#: torch's global generator is the process's: every use of it by descend (a module's initialisation from a seed,
#: its dropout while a group trains) holds this lock, so that two fits in two threads neither interleave their
#: draws nor restore each other's states (:func:`global_generator`).
_GLOBAL_GENERATOR = threading.RLock()


@contextlib.contextmanager
def global_generator(seed: int | None = None) -> Iterator[None]:
    """torch's global generator seeded with ``seed`` (None: as it is), for this thread alone, then as it was."""
    with _GLOBAL_GENERATOR, torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.default_generator.manual_seed(seed)
        yield


def draws_random(model: object) -> bool:
    """Whether ``model`` may draw from torch's global generator (a module of one's own: its dropout,
    :class:`ModuleModel`); descend's own models draw nothing, and leave the generator alone (holding it and
    putting it back as it was would take back what the caller's other threads drew meanwhile)."""
    return isinstance(model, ModuleModel)


def guarded(model: object) -> contextlib.AbstractContextManager:
    """:func:`global_generator` for a model that :func:`draws_random`, else nothing."""
    return global_generator() if draws_random(model) else contextlib.nullcontext()

# ---------------------------------------------------------------------------------------------------------
# ModuleModel: a torch.nn.Module of one's own
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, init=False, repr=False)
class ModuleModel(_Base):
    r"""A ``torch.nn.Module`` with a run axis, through ``torch.func.functional_call`` and ``vmap``.

    The module's forward takes x alone (another argument without a default is refused) and must run under
    ``torch.func.vmap``: recurrent layers (``torch.nn.GRU``, ``LSTM``, ``RNN`` and their cells) have no batched
    form there and are refused when training starts, with that cause; x is given in the runs' floating-point
    dtype, so a module of integer ids (``torch.nn.Embedding``) converts them back in forward (``x.long()``).

    The general, slower path: one vmapped ``functional_call`` per step instead of the batched matmuls of
    :class:`Linear`/:class:`MLP`. ``names`` are the module's ``named_parameters()`` names (torch's layout,
    e.g. a weight ``[out, in]``); ``layers`` groups them by their owning submodule (the name without its
    last component).

    ``init="reset"`` (default): for run k, a deep copy of the module (cast to ``dtype``) gets
    ``reset_parameters()`` (else torch's ``_reset_parameters()``, as ``nn.MultiheadAttention`` has) on every
    submodule that has one, each submodule's own submodules before it (as torch's constructors build them),
    under ``torch.manual_seed(seeds[k])`` inside ``torch.random.fork_rng`` (the global RNG is left untouched);
    parameters no such method covers keep the module's values. So a ``Sequential`` of ``nn.Linear`` layers, or a
    ``nn.TransformerEncoderLayer``, gets exactly the parameters torch draws when building it after
    ``torch.manual_seed(seeds[k])``. A parametrized weight (``torch.nn.utils.parametrize``, ``weight_norm``) is
    not covered: ``reset_parameters()`` writes into the weight computed from it, not into what is stored and
    trained (``parametrizations.weight.original``), so that keeps the module's values in every run while the
    rest is drawn per seed; draw it yourself where it should differ per seed. ``init="module"``: the module's
    current values for every run.

    Only the parameters that require a gradient are trained (``names``): a frozen one
    (``requires_grad=False``, a pretrained layer kept as it is) keeps the module's value in every run, is never
    reset, and is shared by all runs like the buffers. A trained parameter the forward does not use (an auxiliary
    head, a parameter used only in evaluation mode) is refused before training (:meth:`check_samples`): torch
    leaves its gradient None and its optimizers skip it, where descend would move it by weight decay or momentum;
    freeze it (``requires_grad=False``) to train the others as torch does. A submodule registered under two names
    (``Sequential(lin, act, lin)``) is refused (register it once and call it twice in forward); a parameter shared
    by two submodules (``b.weight = a.weight``) is one parameter, as in torch. Buffers are taken from the module as
    they are, shared by all runs and never updated: a module whose forward changes buffers (BatchNorm tracking
    running statistics, in training mode) is refused with a ValueError that says what to use instead
    (``track_running_stats=False``, ``module.eval()``, LayerNorm); any other forward that changes a buffer (a
    running statistic of one's own, spectral_norm in training mode) is refused before training by
    :meth:`check_samples`, which runs on a copy: the module itself is never changed. Frozen parameters and
    floating-point buffers are used in the runs' dtype.

    Training steps run the module as it is (``module.training``: dropout active); evaluations run it in
    evaluation mode (:meth:`for_evaluation`: a copy after ``eval()``, dropout off), as a torch loop calls
    ``model.eval()`` before validating (the copy is built anew when the module was edited since: a layer or a
    parameter replaced, a setting changed). Random layers draw independently per run, from torch's generator, which
    :func:`descend.fit` seeds from the runs' seeds for the time of training (and then restores): the same call
    gives the same numbers, and a run's dropout masks depend on the runs it trains with. ``input_ndim`` is the
    number of axes of one run's x (default 2, ``[B, D]``); x with one more axis is per run. The module's output
    per run must be ``[B]`` or ``[B, out]``; ``output`` (an activation applied after the module) lets the module
    return logits. A module ending in ``nn.Sigmoid`` (torch's ``BCELoss`` pattern) trains with ``loss="bce"`` on
    its probabilities; a loss on logits is refused for it, and for one ending in ``nn.Softmax`` (:attr:`ends_in`).
    """

    module: nn.Module
    init_scheme: str
    output: str
    input_ndim: int

    def __init__(
        self, module: nn.Module, init: str = "reset", *, output: str = "identity", input_ndim: int = 2
    ) -> None:
        if not isinstance(module, nn.Module):
            raise ValueError(f"module must be a torch.nn.Module, not {type(module).__name__}")
        if not any(True for _ in module.parameters()):
            raise ValueError("module has no parameters: there is nothing to train")
        if not any(p.requires_grad for p in module.parameters()):
            raise ValueError("every parameter of module has requires_grad=False: there is nothing to train (set "
                             "requires_grad=True on those to train)")
        _check_forward(module)
        _check_buffers(module)
        _check_shared_submodules(module)
        set_ = object.__setattr__
        set_(self, "module", module)
        set_(self, "init_scheme", _choice("init", init, ("reset", "module")))
        set_(self, "output", _choice("output", output, OUTPUTS))
        set_(self, "input_ndim", _positive_int("input_ndim", input_ndim))
        if self.output != "identity" and self.ends_in is not None:  # the activation applied twice
            raise ValueError(f"module ends in nn.{self.ends_in.title()} and output={self.output!r} applies "
                             f"another: take the module's last {self.ends_in} off (output={self.output!r} then "
                             "applies it, and the loss reads the logits before it), or leave output='identity'")

    @property
    def ends_in(self) -> str | None:
        """``"sigmoid"`` or ``"softmax"`` when the module's last layer is ``nn.Sigmoid`` or ``nn.Softmax`` (the
        last of an ``nn.Sequential``, nested ones followed, past layers that change no value such as ``nn.Flatten``):
        its outputs are probabilities already, which a loss on logits would squash again (see
        :func:`descend.problem.problem`). None otherwise, or where the last layer cannot be read from the module (a
        ``forward`` of one's own: a module that ends in a sigmoid there trains as its loss reads it)."""

        def last_of(module: nn.Module) -> nn.Module | None:
            if not isinstance(module, nn.Sequential):
                return None if isinstance(module, _SHAPE_ONLY) else module
            for child in reversed(list(module)):  # (after it, layers that change no value: Flatten, Identity)
                found = last_of(child)
                if found is not None:
                    return found
            return None

        last = last_of(self.module)
        return "sigmoid" if isinstance(last, nn.Sigmoid) else "softmax" if isinstance(last, nn.Softmax) else None

    @property
    def names(self) -> tuple[str, ...]:
        """The trained parameters' names (those that require a gradient), in ``named_parameters()`` order."""
        return tuple(name for name, p in self.module.named_parameters() if p.requires_grad)

    def shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(p.shape) for _, p in self.module.named_parameters() if p.requires_grad)

    def check_samples(self, x: Tensor) -> None:
        """Refuse, before any training, a module that trains differently from a torch loop: one plain forward
        (in the module's own mode) and backward on two samples of the training set ``x``, on a copy of the module
        (the module itself is left untouched). Samples of another number of axes than ``input_ndim`` says are
        refused, naming the ``input_ndim`` they need. A forward that changes a buffer is refused (the runs share
        one set of buffers, never updated: a running statistic of one's own, spectral_norm's power iteration in
        training mode, as BatchNorm's running statistics are, see :func:`_check_buffers`). A trained parameter the
        output does not depend on is refused (torch leaves its gradient None and its optimizers skip it, where
        descend would move it, by weight decay or momentum). A forward that fails here is left to fail where it is
        trained, with its own error. Autograd records here whatever block the fit is called in (under
        ``torch.no_grad()`` the check failed with torch's "element 0 of tensors does not require grad")."""
        with torch.inference_mode(False), torch.enable_grad():
            self._check_samples(x)

    def _check_samples(self, x: Tensor) -> None:
        if x.ndim != self.input_ndim:  # [m, C, L] were read as one batch per run (K = 1 runs, at the first evaluation)
            axes = self.input_ndim - 1
            raise ValueError(
                f"input_ndim={self.input_ndim} takes samples of {axes} ax{'es' if axes != 1 else 'is'} (x [B, ...] of "
                f"{self.input_ndim} axes), but the training x has shape {list(x.shape)}: samples of shape "
                f"{list(x.shape[1:])}; give ModuleModel(module, input_ndim={x.ndim})"
            )
        _check_buffers(self.module)  # BatchNorm's running statistics, with what to use instead
        names = self.names
        module = copy.deepcopy(self.module).to(dtype=x.dtype if x.is_floating_point() else torch.float32)
        before = {name: b.clone() for name, b in module.named_buffers()}
        try:
            with guarded(self), torch.enable_grad():
                out = module(x[:2])
        except Exception:  # noqa: BLE001 - the engine's first call says what is wrong
            return
        after = dict(module.named_buffers())
        changed = [name for name in {**before, **after}
                   if name not in before or name not in after or not torch.equal(before[name], after[name])]
        if changed:
            listed = ", ".join(repr(name) for name in changed)
            raise ValueError(
                f"module's forward changes its buffer{'s' * (len(changed) > 1)} {listed} (in its mode, training "
                f"{'on' if self.module.training else 'off'}); descend trains many runs at once from one set of "
                "buffers, never updated: compute them before training, or put the submodule that updates them in "
                "evaluation mode (module.eval(); spectral_norm's power iteration, a running statistic)"
            )
        if not isinstance(out, Tensor):
            return
        trained = [p for name, p in module.named_parameters() if p.requires_grad]
        grads = (torch.autograd.grad(out.sum(), trained, allow_unused=True) if out.requires_grad
                 else [None] * len(trained))
        unused = [name for name, g in zip(names, grads) if g is None]
        if unused:
            listed = ", ".join(repr(name) for name in unused)
            raise ValueError(
                f"module's forward does not use the trained parameter{'s' * (len(unused) > 1)} {listed}: torch "
                "leaves their gradient None and its optimizers skip them, where descend would still move them (by "
                "weight decay or momentum); freeze them (requires_grad=False) or use them in forward"
            )

    def _fixed(self, dtype: torch.dtype) -> dict[str, Tensor]:
        """The frozen parameters and the buffers, as every run uses them (floating point ones in ``dtype``)."""
        fixed = {name: p.detach() for name, p in self.module.named_parameters() if not p.requires_grad}
        # the buffers copied: a forward that changes them (refused by check_samples) leaves the module's as they are
        fixed.update((name, b.clone()) for name, b in self.module.named_buffers())
        return {name: t.to(dtype) if t.is_floating_point() else t for name, t in fixed.items()}

    def for_evaluation(self) -> ModuleModel:
        """This model with its module in evaluation mode (dropout off; BatchNorm with running statistics reads
        them), for the engine's evaluations; itself when the module is in evaluation mode already."""
        if not any(m.training for m in self.module.modules()):
            return self
        key = _structure(self.module)
        cached = self.__dict__.get("_evaluation")
        if cached is None or cached[0] != key:  # built anew once the module was edited (a layer or parameter swapped)
            # the submodules copied (their modes), the parameters and buffers shared: their values show in both
            shared = {id(t): t for t in (*self.module.parameters(), *self.module.buffers())}
            cached = key, ModuleModel(copy.deepcopy(self.module, shared).eval(), self.init_scheme, output=self.output,
                                      input_ndim=self.input_ndim)
            object.__setattr__(self, "_evaluation", cached)
        return cached[1]

    @property
    def layers(self) -> tuple[str, ...]:
        out: list[str] = []
        for name in self.names:
            layer = name.rpartition(".")[0] or name
            if layer not in out:
                out.append(layer)
        return tuple(out)

    def init(
        self, seeds: Sequence[int], *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> tuple[Tensor, ...]:
        """``[K, ...]`` parameters: reset per run from ``seeds[k]`` (``init="reset"``) or the module's values."""
        seeds, dtype = _seeds(seeds), _dtype(dtype)
        _check_buffers(self.module)  # the module may have been put back in training mode since
        copies = []
        for seed in seeds:
            m = copy.deepcopy(self.module).to(device="cpu", dtype=dtype)
            if self.init_scheme == "reset":
                with global_generator(seed):
                    for sub in _built_order(m):
                        reset = getattr(sub, "reset_parameters", None)
                        reset = reset if callable(reset) else getattr(sub, "_reset_parameters", None)
                        if callable(reset):
                            reset()
            copies.append(m)
        stacked, _ = torch.func.stack_module_state(copies)
        out = tuple(stacked[n].detach().to(device) for n in self.names)
        distinct = list(dict.fromkeys(seeds))
        if self.init_scheme == "reset" and len(distinct) > 1:
            i, j = seeds.index(distinct[0]), seeds.index(distinct[1])
            if all(torch.equal(t[i], t[j]) for t in out) and not self.__dict__.get("_warned_alike"):
                object.__setattr__(self, "_warned_alike", True)  # once per model: every cohort inits again
                warnings.warn(
                    "ModuleModel: every run starts from the same parameters whatever its seed (no submodule's "
                    "reset_parameters() draws them: a module of nn.Parameter of one's own keeps its values), so the "
                    "seeds differ only by their mini-batches and dropout, and with the full batch and no dropout "
                    "give the same run; draw the parameters in a reset_parameters() of the module that holds them, "
                    "or give init='module' to start every run from the module's values knowingly", stacklevel=2)
        return out

    def forward(self, params: Sequence[Tensor], x: Tensor, *, logits: bool = False) -> Tensor:
        """``[K, B, out]``: the module for every run (then ``output`` unless ``logits=True``)."""
        params, k = self._check_params(params)
        x, per_run = self._check_x(x, k, params[0].dtype, in_features=None, sample_ndim=self.input_ndim)
        fixed = self._fixed(params[0].dtype)
        module = self.module

        def one(p: dict[str, Tensor], xx: Tensor) -> Tensor:
            out = torch.func.functional_call(module, (p, fixed), (xx,))
            if not isinstance(out, Tensor):  # (prediction, extra): an AttributeError ('tuple' ... 'ndim') below
                raise ValueError(f"the module's forward returned a {type(out).__name__}, where descend trains a "
                                 "module whose forward returns one tensor, [B] or [B, out]: wrap it in a module that "
                                 "returns the prediction alone")
            return out

        p = dict(zip(self.names, params))
        batched = torch.func.vmap(one, in_dims=(0, 0 if per_run else None), randomness="different")
        if checking():  # a first call: a module that fails says why, in descend's terms where the cause is known
            try:
                y = batched(p, x)
            except RuntimeError as e:
                raise ValueError(_forward_failure(e, x, per_run)) from e
        else:
            y = batched(p, x)
        b = x.shape[1] if per_run else x.shape[0]
        if y.ndim == 2:
            y = y.unsqueeze(-1)
        if y.ndim != 3 or y.shape[1] != b:
            raise ValueError(
                f"module returned shape {list(y.shape[1:])} for one run; expected [B] or [B, out] with B = {b}"
            )
        return self._activate_output(y, logits)

    __call__ = forward

    def valid(self, params: Sequence[Tensor], x: Tensor) -> None:
        """Every sample counts: None."""
        return None

    def to_torch(self, params: Sequence[Tensor], k: int = 0, *, logits: bool = False) -> nn.Module:
        """A deep copy of the module holding run ``k``'s parameters (followed by ``output`` unless logits)."""
        params, n = self._check_params(params)
        k = _Dense._run_index(k, n)
        m = copy.deepcopy(self.module).to(dtype=params[0].dtype, device=params[0].device)
        trained = dict(zip(self.names, params))
        with torch.no_grad():
            for name, p in m.named_parameters():
                if name in trained:
                    p.copy_(trained[name][k])
        if logits or self.output == "identity":
            return m
        return nn.Sequential(m, nn.Sigmoid() if self.output == "sigmoid" else nn.Softmax(dim=-1))

    def describe(self) -> str:
        """The model in words, as a task's card says it."""
        count = sum(p.numel() for p in self.module.parameters() if p.requires_grad)
        return f"a torch.nn module, {self.module.__class__.__name__} ({count:,} trained parameters)"

    def fingerprint(self) -> str:
        """What its runs train from, as a short text to compare (a study resumed with another module is refused by
        it): the module's class and a digest of torch's description of it (its layers and their settings, dropout's
        p among them), the source of its classes of one's own (its forward; for a class of a notebook's cell, whose
        source cannot be read, its functions' compiled code), its modes, the names, shapes and dtypes of its
        parameters and buffers and which are trained, and the values the runs start from or share (seed 0's initial
        parameters, the frozen parameters, the buffers). Two modules that print alike
        (``Sequential(...)``) but train otherwise have different fingerprints; the module is not changed.

        >>> from torch import nn
        >>> a = ModuleModel(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)))
        >>> b = ModuleModel(nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 3)))
        >>> a.fingerprint() == b.fingerprint(), a.fingerprint().startswith("ModuleModel(Sequential#")
        (False, True)
        """
        import hashlib

        h = hashlib.sha256()

        def add(*parts: object) -> None:
            for part in parts:
                h.update(str(part).encode())
                h.update(b"\0")

        def values(t: Tensor) -> None:
            t = t.detach().to("cpu").contiguous()
            add(t.dtype, tuple(t.shape))
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")

        add(repr(self.module), self.init_scheme, self.output, self.input_ndim)
        for cls in dict.fromkeys(type(m) for m in self.module.modules()):
            if not cls.__module__.startswith("torch."):  # a class of one's own: its code says how it trains
                try:
                    add(inspect.getsource(cls))
                except (OSError, TypeError):  # a class of a notebook's cell, or of exec: its functions' code
                    add(cls.__module__, cls.__qualname__)
                    for name, value in sorted(vars(cls).items()):
                        code = getattr(value, "__code__", None)
                        if code is not None:
                            add(name, _code_text(code))
        for name, sub in self.module.named_modules():
            add(name, sub.training)
        for name, p in self.module.named_parameters():
            add(name, p.requires_grad)
            if not p.requires_grad:
                values(p)
        for name, b in self.module.named_buffers():
            add(name)
            values(b)
        for t in self.init([0]):
            values(t)
        return f"ModuleModel({type(self.module).__name__}#{h.hexdigest()[:12]}, init={self.init_scheme!r})"

    def __repr__(self) -> str:
        extra = "" if self.output == "identity" else f", output={self.output!r}"
        extra += "" if self.input_ndim == 2 else f", input_ndim={self.input_ndim}"
        return f"ModuleModel(module={self.module.__class__.__name__}(...), init={self.init_scheme!r}{extra})"


def _forward_failure(error: RuntimeError, x: Tensor, per_run: bool) -> str:
    """What a module's first batched call failing with ``error`` on ``x`` means: its cause where it is known (a
    recurrent layer, integer ids), else the samples it failed on, with the error's first line."""
    line = str(error).splitlines()[0] if str(error) else type(error).__name__
    sample = list(x.shape[2:] if per_run else x.shape[1:])
    if "Batching rule not implemented" in line:
        if any(f"aten::{op}" in line for op in ("gru", "lstm", "rnn_tanh", "rnn_relu")):
            return ("the module has a recurrent layer (torch.nn.GRU, LSTM, RNN or their cells), which torch cannot "
                    "run under torch.func.vmap, through which descend calls the module once for all runs: write "
                    f"the recurrence as a loop over the time steps with torch.nn.Linear layers ({line})")
        return ("an operation of the module's forward has no batched form under torch.func.vmap, through which "
                f"descend calls the module once for all runs ({line})")
    if "'indices'" in line and "Long, Int" in line:
        return ("the module takes integer ids (torch.nn.Embedding), but descend gives it x in the runs' "
                f"floating-point dtype: convert them back at the start of forward, x.long() ({line})")
    return f"the module's forward failed on samples of shape {sample} (x {list(x.shape)}): {line}"


def _code_text(code: object) -> str:
    """A function's compiled code as text that is the same in every process (the code objects of its inner
    functions followed, not shown by their address)."""
    consts = [_code_text(c) if hasattr(c, "co_code") else repr(sorted(map(repr, c))) if isinstance(c, frozenset)
              else repr(c) for c in getattr(code, "co_consts", ())]  # (a set's order follows the strings' hashes)
    return repr((code.co_code.hex(), code.co_names, code.co_varnames, consts))  # type: ignore[attr-defined]


def _structure(module: nn.Module) -> tuple:
    """What an evaluation copy of ``module`` is built from, beyond its tensors' values: its submodules, parameters
    and buffers (which objects, under which names), the submodules' modes and plain settings (numbers, strings)."""
    def settings(sub: nn.Module) -> tuple:
        return tuple((k, v) for k, v in vars(sub).items() if isinstance(v, (bool, int, float, str, type(None))))

    return (tuple((name, id(sub), sub.training, settings(sub)) for name, sub in module.named_modules()),
            tuple((name, id(p), p.requires_grad) for name, p in module.named_parameters()),
            tuple((name, id(b)) for name, b in module.named_buffers()))


def _built_order(module: nn.Module) -> list[nn.Module]:
    """``module``'s submodules in the order torch's constructors draw them: each one's submodules (in order) before
    itself, as a module's ``__init__`` builds its layers and then initialises its own tensors
    (``nn.MultiheadAttention``: its ``out_proj`` drawn, then its ``_reset_parameters``; a ``Sequential``'s layers
    in order either way)."""
    out: list[nn.Module] = []
    seen: set[int] = set()

    def visit(sub: nn.Module) -> None:
        if id(sub) in seen:
            return
        seen.add(id(sub))
        for child in sub.children():
            visit(child)
        out.append(sub)

    visit(module)
    return out


#: Layers that change no value, only a shape (or nothing): what follows a module's last activation may be one.
_SHAPE_ONLY = (nn.Identity, nn.Flatten, nn.Unflatten)


def _check_shared_submodules(module: nn.Module) -> None:
    """Refuse a submodule registered under two names (``Sequential(lin, act, lin)``): torch's functional_call,
    which calls the module with each run's parameters, swaps a tied tensor in under each name, and on the same
    object twice it puts the swapped (batched) tensor back as the module's own, breaking the user's module."""
    seen: dict[int, str] = {}
    for name, sub in module.named_modules(remove_duplicate=False):
        if not any(True for _ in (*sub.parameters(recurse=False), *sub.buffers(recurse=False))):
            continue  # (an activation used twice holds no tensor: harmless)
        if id(sub) in seen:
            raise ValueError(f"module holds the submodule {seen[id(sub)]!r} ({type(sub).__name__}) twice, also as "
                             f"{name!r}: descend calls the module with each run's parameters through torch's "
                             "functional_call, which cannot put a module held under two names back as it was; "
                             "register it once and call it twice in forward (for _ in range(2): h = self.layer(h))")
        seen[id(sub)] = name


def _check_forward(module: nn.Module) -> None:
    """Refuse a module whose forward cannot be called with x alone (as descend calls it): a second argument
    without a default failed at the first step, inside torch's vmap."""
    try:
        signature = inspect.signature(module.forward)
    except (TypeError, ValueError):  # no signature to read: the first call says what is wrong
        return
    kinds = inspect.Parameter
    plain = signature.replace(parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
                              return_annotation=signature.empty)  # its arguments' names, as the user wrote them
    positional = [p for p in signature.parameters.values() if p.kind in (kinds.POSITIONAL_ONLY,
                                                                         kinds.POSITIONAL_OR_KEYWORD)]
    varargs = any(p.kind == kinds.VAR_POSITIONAL for p in signature.parameters.values())
    required = [p.name for p in positional[1:] if p.default is p.empty]
    required += [p.name for p in signature.parameters.values()
                 if p.kind == kinds.KEYWORD_ONLY and p.default is p.empty]
    if required or not (positional or varargs):
        what = (f"requires {', '.join(map(repr, required))} besides the samples" if required
                else "takes no samples")
        raise ValueError(
            f"module's forward{plain} {what}; descend calls forward(x) with the samples x alone: give the "
            "other arguments defaults, or wrap the module in one whose forward takes x alone"
        )


def _check_buffers(module: nn.Module) -> None:
    """Refuse a module whose forward updates its buffers (BatchNorm's running statistics in training mode):
    the runs share one set of buffers, which a vmapped forward cannot update run by run."""
    for name, sub in module.named_modules():
        if isinstance(sub, nn.modules.batchnorm._NormBase) and sub.training and sub.track_running_stats:
            where = f"{type(sub).__name__} {name!r}" if name else type(sub).__name__
            raise ValueError(
                f"module has {where}, whose running mean and variance are updated by every forward in training "
                "mode; descend trains many runs at once from one set of buffers and cannot keep running statistics "
                "per run. Use batch statistics only (track_running_stats=False: normalised by each batch, in "
                "training and evaluation), freeze the statistics (module.eval(), running values as they are), or "
                "a normalisation without running statistics (torch.nn.LayerNorm)"
            )


def to_torch(model: RunModel, params: Sequence[Tensor], k: int = 0, *, logits: bool = False) -> nn.Module:
    """The ``torch.nn`` twin of run ``k`` of ``model`` (:class:`Linear`, :class:`MLP`, :class:`ModuleModel`)."""
    method = getattr(model, "to_torch", None)
    if method is None:
        raise ValueError(f"model={type(model).__name__} has no torch.nn twin (Linear, MLP and ModuleModel have one)")
    return method(params, k, logits=logits)
