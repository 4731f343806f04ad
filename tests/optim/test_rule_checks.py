"""The pure rules check what their maths cannot (their switches, and one gradient and state per parameter), and the
classes check a param group's switches at every step: a typo never steps another form of a rule."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import descend
import descend.optim as O
from descend.optim._base import unchecked

W = (torch.zeros(3, dtype=torch.float64),)
G = (torch.tensor([1.0, 0.1, 0.01], dtype=torch.float64),)

RULES = {  # name -> (init, update, a switch and a misspelling of one of its values)
    "adam": (O.adam_init, O.adam_update, "eps_mode", "insid"),
    "adamax": (O.adamax_init, O.adamax_update, "eps_mode", "Inside"),
    "radam": (O.radam_init, O.radam_update, "eps_mode", "outsid"),
    "adagrad": (O.adagrad_init, O.adagrad_update, "eps_mode", "x"),
    "rmsprop": (O.rmsprop_init, O.rmsprop_update, "eps_mode", "INSIDE"),
}


@pytest.mark.parametrize("name", sorted(RULES))
def test_a_misspelt_form_is_refused_with_the_forms_allowed(name):
    init, update, switch, typo = RULES[name]
    with pytest.raises(ValueError, match=rf"{name}_update: {switch}='{typo}' is not allowed; choose one of") as e:
        update(G, init(W), W, lr=0.1, **{switch: typo})
    if typo.lower() in ("inside", "outside"):
        assert "did you mean" in str(e.value) or typo.lower() == typo  # a close match is named
    unchecked(update)(G, init(W), W, lr=0.1)  # the rule itself is still there (the engine's)


def test_adam_eps_mode_typo_used_to_be_keras_form():
    """The regression this guards: 'insid' fell through to the 'uncorrected' (Keras ε-hat) branch, a step 4× smaller."""
    state = O.adam_init(W)
    with pytest.raises(ValueError, match="did you mean 'inside'"):
        O.adam_update(G, state, W, lr=0.1, eps=0.1, eps_mode="insid")
    with pytest.raises(ValueError, match="amsgrad_max='corected'"):
        O.adam_update(G, O.adam_init(W, amsgrad=True), W, lr=0.1, amsgrad=True, amsgrad_max="corected")


@pytest.mark.parametrize("flag, value", [("nesterov", "no"), ("maximize", "no"), ("nesterov", 1), ("maximize", None)])
def test_a_switch_is_true_or_false(flag, value):
    with pytest.raises(TypeError, match=rf"sgd_update: {flag}={value!r} is not allowed; give True or False"):
        O.sgd_update(G, O.sgd_init(W, momentum=0.9), W, lr=0.1, momentum=0.9, **{flag: value})


def test_numpy_bools_and_every_allowed_value_step_as_before():
    """A valid call is the rule's own, bit for bit: NumPy's bools too."""
    state = O.sgd_init(W, momentum=0.9)
    for nesterov in (True, False, np.True_, np.False_):
        checked = O.sgd_update(G, state, W, lr=0.1, momentum=0.9, nesterov=nesterov)
        alone = unchecked(O.sgd_update)(G, state, W, lr=0.1, momentum=0.9, nesterov=bool(nesterov))
        assert torch.equal(checked[0][0], alone[0][0])
    for mode in ("outside", "inside", "uncorrected"):
        checked = O.adam_update(G, O.adam_init(W), W, lr=0.1, eps=0.1, eps_mode=mode)
        assert torch.equal(checked[0][0], unchecked(O.adam_update)(G, O.adam_init(W), W, lr=0.1, eps=0.1,
                                                                     eps_mode=mode)[0][0])


def test_one_gradient_and_one_state_tensor_per_parameter():
    """zip() dropped the parameters beyond the shortest sequence: a parameter silently lost."""
    w = (torch.zeros(2), torch.zeros(3))
    with pytest.raises(ValueError, match="adam_update: 1 gradient for 2 parameters"):
        O.adam_update((torch.ones(2),), O.adam_init(w), w, lr=0.1)
    with pytest.raises(ValueError, match="adam_update: the state's v holds 1 tensor for 2 parameters"):
        O.adam_update((torch.ones(2), torch.ones(3)), O.adam_init(w[:1]), w, lr=0.1)
    with pytest.raises(ValueError, match="sgd_update: 3 gradients for 2 parameters"):
        O.sgd_update((torch.ones(2), torch.ones(3), torch.ones(7)), O.sgd_init(w), w, lr=0.1)
    new, _ = O.adam_update((torch.ones(2), torch.ones(3)), O.adam_init(w), w, lr=0.1)  # an empty moment is no moment
    assert len(new) == 2


def test_the_signature_and_docstring_are_the_rules():
    import inspect

    assert O.adam_update.__doc__ == unchecked(O.adam_update).__doc__
    assert inspect.signature(O.adam_update) == inspect.signature(unchecked(O.adam_update))
    assert O.get("adam").update_args >= {"lr", "eps_mode", "amsgrad_max"}


def test_a_param_group_changed_after_the_constructor_is_checked_at_the_step():
    w = torch.tensor([1.0, 0.1, 0.01, -2.0], dtype=torch.float64, requires_grad=True)
    opt = O.Adam([w], lr=0.05, eps=0.1)
    ((w - 0.3) ** 4).sum().backward()
    opt.step()
    opt.param_groups[0]["eps_mode"] = "insid"
    before = w.detach().clone()
    with pytest.raises(ValueError, match="param group 0: eps_mode='insid' is not allowed"):
        opt.step()
    assert torch.equal(w.detach(), before)  # nothing stepped
    opt.param_groups[0]["eps_mode"] = "inside"
    opt.step()  # a valid form is taken


def test_betas_are_a_pair_in_every_class():
    w = [torch.zeros(2, requires_grad=True)]
    for cls in (O.Adam, O.AdamW, O.NAdam, O.RAdam, O.Adamax):
        for betas in ((0.8, 0.9, 0.99), (0.8,), {"beta1": 0.8, "beta2": 0.99}, "ab"):
            with pytest.raises(TypeError, match=r"betas must be a pair \(β₁, β₂\)"):
                cls(w, betas=betas)


def test_an_optimizer_is_named_by_a_string():
    with pytest.raises(ValueError, match="optimizer None must be a name such as 'adam'"):
        O.get(None)

    def my_rule(grads, state, params, *, lr=0.1):
        return params, state

    # an update rule given where its name goes: how to give it (it said "must be a name such as 'adam'" alone)
    for given in (my_rule, [my_rule, "adam"]):
        with pytest.raises(ValueError, match=r"optimizer=my_rule: an optimizer is given by its name, such as 'adam'; "
                                             r"add a rule of your own with descend\.optim\.register\("):
            descend.fit(task="rosenbrock", optimizer=given, steps=2)
