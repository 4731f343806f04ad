"""A safe parser for cost landscapes typed by a user, such as ``"x**2 + 10*sin(y)"``.

The text is never run: :func:`parse` only asks :func:`ast.parse` for a syntax tree (which does not
execute anything), checks every node of that tree against an explicit whitelist, and builds a
callable that evaluates the formula with torch operations, elementwise, on tensors of any
broadcastable shape (it keeps autograd working and can be used under :func:`torch.func.vmap` and
:func:`torch.func.grad`).

Grammar
-------
A formula is one expression built from:

* **numbers** written in decimal: ``2``, ``0.5``, ``.5``, ``1e-3``, ``2.5E+4``, ``1_000``. Every number
  is a floating-point value of the coordinates' dtype, and all arithmetic is done by torch in that
  dtype, never with Python integers, so ``9**9**9`` is ``inf`` at once instead of hanging.
  Hexadecimal/octal/binary literals, complex numbers (``1j``) and ``True``/``False``/``None`` are
  rejected.
* **variables**: ``x`` and ``y`` by default (``parse(..., variables=("a", "b", "c"))`` changes them).
* **constants**: ``pi`` and ``e`` (see :data:`CONSTANTS`).
* the binary operators ``+ - * / **`` and the unary signs ``+x`` and ``-x``, with Python's
  precedence: ``-x**2`` is ``-(x**2)``, ``2**3**2`` is ``2**(3**2) = 512`` and ``x/y/2`` is
  ``(x/y)/2``. Division by zero gives ``inf`` or ``nan`` as in torch, not an error.
* **parentheses**, nested at most :data:`MAX_DEPTH` deep.
* **calls** of the functions in :data:`FUNCTIONS` with exactly their number of positional
  arguments::

      one argument:   abs acos acosh asin asinh atan atanh cos cosh exp log log10 log2
                      relu sigmoid sign sin sinh softplus sqrt tan tanh
      two arguments:  atan2(y, x)  hypot(a, b)  max(a, b)  min(a, b)

  ``log`` is the natural logarithm; ``min``/``max`` are elementwise (``torch.minimum``/
  ``torch.maximum``); ``sign`` and ``relu`` have a zero gradient where they are flat, as in torch.

Everything else is rejected with a :class:`FormulaError` (a ``ValueError``) that says what is wrong
and points at it, among others: ``^`` (in Python it is bitwise xor; write ``**`` for powers),
implicit multiplication such as ``2x`` or ``2(x + 1)`` (write ``2*x``), ``//``, ``%`` and the other
operators, attribute access (``x.real``, ``torch.exp(x)``), subscripts, calls of other names
(``eval(...)``, ``__import__(...)``), keyword or ``*`` arguments, strings, comparisons, ``and``/
``or``/``not``, ``if``/``else``, lambdas, comprehensions, ``:=``, ``=``, comments (``#``), unknown
names, names or other characters outside printable ASCII (tabs and newlines count as spaces), an
empty text, a text longer than ``max_length`` characters, and nesting deeper than
:data:`MAX_DEPTH` levels (parentheses, or the syntax tree, where a run such as ``a + b - c*d``
counts as one level).

A formula that uses no variable at all, such as ``"3"``, is allowed: it is a flat landscape whose
value has the broadcast shape of the coordinates (and, like any unused variable, gets no gradient
from autograd).

Examples
--------
>>> import torch
>>> f = parse("x**2 + y")
>>> f
Formula('x**2 + y')
>>> f(torch.tensor(2.0), torch.tensor(1.0))
tensor(5.)
>>> parse("(1 - x)**2 + 100*(y - x**2)**2")(torch.tensor([1.0, 0.0]), torch.tensor([1.0, 1.0]))
tensor([  0., 101.])
>>> parse("max(abs(x), abs(y))")(torch.tensor([-3.0, 1.0]), torch.tensor(2.0))
tensor([3., 2.])
>>> parse("3")(torch.zeros(2), torch.zeros(2))
tensor([3., 3.])
>>> parse("a*b - c", variables=("a", "b", "c"))(torch.tensor(2.0), torch.tensor(3.0), torch.tensor(1.0))
tensor(5.)
>>> try:
...     parse("x^2 + y")
... except FormulaError as err:
...     print(err)
formula: '^' is not allowed (in Python it is bitwise xor); use ** for powers, e.g. x**2
  x^2 + y
   ^
>>> try:
...     parse("2x + y")
... except FormulaError as err:
...     print(err)
formula: missing '*' before 'x' (implicit multiplication is not supported); write 2*x
  2x + y
   ^
>>> try:
...     parse("x**2 + z")
... except FormulaError as err:
...     print(err.position, err.reason)
7 'z' is not a variable; use x, y (or the constants pi, e)
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
from torch import Tensor

from descend._checks import close_matches

__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_DEPTH", "Formula", "FormulaError", "Function", "parse"]

#: The deepest nesting allowed, both for parentheses in the text and for the syntax tree (where a
#: left-to-right run of binary operators such as ``a + b - c*d`` counts as one level).
MAX_DEPTH = 50


class FormulaError(ValueError):
    """A formula that cannot be used.

    ``text`` is the formula as given (``None`` when it was not a string), ``position`` the 0-based
    column of the offending token (``None`` when the problem is not at one place), ``end`` the column
    just after it, and ``reason`` the explanation alone. ``str(err)`` shows the reason, then the
    formula with carets under the offending token.
    """

    def __init__(self, text: str | None, position: int | None, reason: str, end: int | None = None):
        self.text = text
        self.position = position
        self.end = end
        self.reason = reason
        super().__init__(_message(text, position, end, reason))

    def __reduce__(self):
        return (type(self), (self.text, self.position, self.reason, self.end))


_WINDOW = 100  # longer formulas are shown as a window of this many characters around the caret


def _message(text: str | None, position: int | None, end: int | None, reason: str) -> str:
    message = f"formula: {reason}"
    if not isinstance(text, str) or position is None:
        return message
    shown = _shown(text)
    position = min(max(position, 0), len(shown))
    width = max(1, (end if end is not None else position + 1) - position)
    width = min(width, max(1, len(shown) - position))
    if len(shown) > _WINDOW:
        start = min(max(0, position - _WINDOW // 2), len(shown) - _WINDOW)
        stop = start + _WINDOW
        head = "..." if start > 0 else ""
        tail = "..." if stop < len(shown) else ""
        shown = head + shown[start:stop] + tail
        position = position - start + len(head)
        width = min(width, stop - position + len(head))
    return f"{message}\n  {shown}\n  {' ' * position}{'^' * width}"


def _shown(text: str) -> str:
    """The text as displayed under an error: whitespace as spaces, other control characters as '?'."""
    return "".join(c if c.isprintable() else " " if c.isspace() else "?" for c in text)


def _spaces(text: str) -> str:
    """The text with every whitespace character (tab, newline, ...) replaced by a space."""
    return re.sub(r"\s", " ", text)


class Function(NamedTuple):
    """An allowed function: the names of its parameters (so its arity), the torch operation, a summary."""

    params: tuple[str, ...]
    apply: Callable[..., Tensor]
    description: str

    @property
    def arity(self) -> int:
        return len(self.params)


def _one(apply: Callable[[Tensor], Tensor], description: str) -> Function:
    return Function(("x",), apply, description)


#: The functions a formula may call, by name (read-only).
FUNCTIONS: Mapping[str, Function] = types.MappingProxyType({
    "abs": _one(torch.abs, "absolute value |x|"),
    "acos": _one(torch.acos, "inverse cosine (nan outside [-1, 1])"),
    "acosh": _one(torch.acosh, "inverse hyperbolic cosine (nan below 1)"),
    "asin": _one(torch.asin, "inverse sine (nan outside [-1, 1])"),
    "asinh": _one(torch.asinh, "inverse hyperbolic sine"),
    "atan": _one(torch.atan, "inverse tangent"),
    "atan2": Function(("y", "x"), torch.atan2, "angle of the point (x, y), in (-pi, pi]"),
    "atanh": _one(torch.atanh, "inverse hyperbolic tangent (nan outside [-1, 1])"),
    "cos": _one(torch.cos, "cosine"),
    "cosh": _one(torch.cosh, "hyperbolic cosine"),
    "exp": _one(torch.exp, "exponential e**x"),
    "hypot": Function(("a", "b"), torch.hypot, "sqrt(a**2 + b**2), without overflow"),
    "log": _one(torch.log, "natural logarithm (nan below 0, -inf at 0)"),
    "log10": _one(torch.log10, "base-10 logarithm"),
    "log2": _one(torch.log2, "base-2 logarithm"),
    "max": Function(("a", "b"), torch.maximum, "elementwise maximum of two values"),
    "min": Function(("a", "b"), torch.minimum, "elementwise minimum of two values"),
    "relu": _one(torch.relu, "max(x, 0)"),
    "sigmoid": _one(torch.sigmoid, "logistic function 1 / (1 + exp(-x))"),
    "sign": _one(torch.sign, "-1, 0 or 1"),
    "sin": _one(torch.sin, "sine"),
    "sinh": _one(torch.sinh, "hyperbolic sine"),
    "softplus": _one(torch.nn.functional.softplus, "log(1 + exp(x)), a smooth relu"),
    "sqrt": _one(torch.sqrt, "square root (nan below 0)"),
    "tan": _one(torch.tan, "tangent"),
    "tanh": _one(torch.tanh, "hyperbolic tangent"),
})

#: The named constants a formula may use (read-only).
CONSTANTS: Mapping[str, float] = types.MappingProxyType({"pi": math.pi, "e": math.e})

# Binary operators: the allowed ones, and a hint for the others (found in the text by their symbol).
_BINARY: dict[type, tuple[str, Callable[[Tensor, Tensor], Tensor]]] = {
    ast.Add: ("+", torch.add),
    ast.Sub: ("-", torch.sub),
    ast.Mult: ("*", torch.mul),
    ast.Div: ("/", torch.div),
    ast.Pow: ("**", torch.pow),
}
_REFUSED_BINARY: dict[type, tuple[str, str]] = {
    ast.BitXor: ("^", "'^' is not allowed (in Python it is bitwise xor); use ** for powers, e.g. x**2"),
    ast.FloorDiv: ("//", "'//' (floor division) is not allowed; use / for division"),
    ast.Mod: ("%", "'%' (remainder) is not allowed"),
    ast.MatMult: ("@", "'@' (matrix product) is not allowed; use * for products"),
    ast.BitAnd: ("&", "'&' is not allowed; the operators are + - * / **"),
    ast.BitOr: ("|", "'|' is not allowed; the operators are + - * / **"),
    ast.LShift: ("<<", "'<<' is not allowed; the operators are + - * / **"),
    ast.RShift: (">>", "'>>' is not allowed; the operators are + - * / **"),
}

# What to call the constructs that are not allowed at all.
_REFUSED_NODES: dict[type, str] = {
    ast.Lambda: "lambda expressions are",
    ast.IfExp: "conditional expressions (if/else) are",
    ast.Compare: "comparisons are",
    ast.BoolOp: "boolean operators (and/or) are",
    ast.NamedExpr: "assignment expressions (:=) are",
    ast.ListComp: "comprehensions are",
    ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are",
    ast.GeneratorExp: "comprehensions are",
    ast.List: "lists are",
    ast.Tuple: "tuples (commas outside a function call) are",
    ast.Set: "sets are",
    ast.Dict: "dicts are",
    ast.JoinedStr: "f-strings are",
    ast.FormattedValue: "f-strings are",
    ast.Starred: "'*' unpacking is",
    ast.Slice: "slices are",
    ast.Await: "'await' is",
    ast.Yield: "'yield' is",
    ast.YieldFrom: "'yield' is",
}

# Typographic characters people paste from documents, with what to type instead.
_UNICODE_HINTS = {
    "\u00b2": "; use ** for powers, e.g. x**2",
    "\u00b3": "; use ** for powers, e.g. x**3",
    "\u00d7": "; use * for products",
    "\u22c5": "; use * for products",
    "\u00b7": "; use * for products",
    "\u00f7": "; use / for division",
    "\u2212": "; use - (the ASCII minus)",
    "\u2013": "; use - (the ASCII minus)",
    "\u03c0": "; write pi",
    "\u221a": "; write sqrt(...)",
}


# --------------------------------------------------------------------------------------------------
# Public API


@dataclass(frozen=True)
class Formula:
    """A parsed formula: call it with one tensor per variable to evaluate it elementwise.

    ``Formula(text, variables)`` parses ``text`` (like :func:`parse`, but without the length limit),
    so every instance is a checked formula. Calling it with real tensors of broadcastable shapes
    returns a new tensor of the broadcast shape and the promoted floating dtype (integer and bool
    tensors, and Python numbers, are converted to torch's default float dtype); constants are made
    in that dtype and on the first coordinate's device. The evaluation uses torch operations only,
    so autograd, ``torch.func.vmap`` and ``torch.func.grad`` work through it.
    """

    text: str
    variables: tuple[str, ...] = ("x", "y")
    _evaluate: Callable[[_Env], Tensor] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise FormulaError(None, None, f"a formula must be a string, not {type(self.text).__name__}")
        variables = _check_variables(self.variables)
        object.__setattr__(self, "variables", variables)
        object.__setattr__(self, "_evaluate", _Compiler(self.text, variables).compile())

    def __call__(self, *coords: Tensor) -> Tensor:
        if len(coords) != len(self.variables):
            raise TypeError(
                f"{self!r} takes {len(self.variables)} coordinate(s) ({', '.join(self.variables)}), "
                f"got {len(coords)}"
            )
        tensors = [c if isinstance(c, Tensor) else torch.as_tensor(c) for c in coords]
        dtype = functools.reduce(torch.promote_types, (t.dtype for t in tensors))
        if dtype.is_complex:
            raise TypeError(f"{self!r} works on real tensors, got {dtype}")
        if not dtype.is_floating_point:
            dtype = torch.get_default_dtype()
        shape = _broadcast_shape([t.shape for t in tensors])
        values = tuple(t.to(dtype) for t in tensors)
        out = self._evaluate(_Env(values, dtype, tensors[0].device))
        if out.shape != shape or any(out is t for t in tensors):
            # A constant, a formula that ignores the larger coordinates, or a bare variable: return a
            # fresh tensor of the broadcast shape rather than a 0-d constant or the caller's tensor.
            out = out.expand(shape).clone()
        return out

    def __repr__(self) -> str:
        if self.variables == ("x", "y"):
            return f"Formula({self.text!r})"
        return f"Formula({self.text!r}, variables={self.variables!r})"

    def __reduce__(self):
        return (type(self), (self.text, self.variables))


def is_name(text: str) -> bool:
    """Whether ``text`` was typed as a name (a task's or a landscape's, perhaps misspelt: close names are then
    suggested) rather than as a formula: one word of letters, digits, ``_`` and ``-``, which is neither ``x`` or
    ``y`` alone nor a formula (``x-y``, ``x-1``, ``e-x``: subtractions typed without spaces). Anything else (an
    operator, a bracket, a number) was meant as a formula, and is refused for what is wrong with it as one. The one
    rule of every interface that takes either (``descend compare``, ``descend tune``, the playground).

    >>> [is_name(t) for t in ("digits", "house-prices", "digts", "x", "x-y", "e-x", "x_1", "x**2")]
    [True, True, True, False, False, False, True, False]
    """
    word = str(text).strip()
    if not re.fullmatch(r"[A-Za-z_][\w-]*", word) or word in ("x", "y"):
        return False
    if "-" not in word:
        return True
    try:
        parse(word)
    except FormulaError:
        return True
    return False


def parse(text: str, *, variables: tuple[str, ...] = ("x", "y"), max_length: int = 200) -> Formula:
    """Parse and check ``text`` (see the module docstring for the grammar) into a :class:`Formula`.

    ``variables`` are the coordinate names, in the order the formula is called with; they must be
    distinct ASCII identifiers other than Python keywords, function names and constants. A text
    longer than ``max_length`` characters is refused before it is parsed. Raises
    :class:`FormulaError` for a formula that is not allowed, and a plain ``ValueError`` for bad
    ``variables`` or ``max_length``.
    """
    if not isinstance(text, str):
        raise FormulaError(None, None, f"a formula must be a string, not {type(text).__name__}")
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ValueError(f"max_length={max_length!r} must be a positive integer")
    if len(text) > max_length:
        raise FormulaError(
            text, None, f"the formula is {len(text)} characters long; at most {max_length} are allowed"
        )
    return Formula(text, _check_variables(variables))


# --------------------------------------------------------------------------------------------------
# Checking and compiling


def _check_variables(variables: object) -> tuple[str, ...]:
    if isinstance(variables, str) or not isinstance(variables, (tuple, list)):
        raise ValueError(f"variables={variables!r} must be a tuple of names such as ('x', 'y')")
    if not variables:
        raise ValueError("variables must name at least one coordinate")
    for name in variables:
        if not isinstance(name, str) or not name.isascii() or not name.isidentifier() or keyword.iskeyword(name):
            raise ValueError(f"variable name {name!r} must be an ASCII identifier that is not a Python keyword")
        if name in FUNCTIONS or name in CONSTANTS:
            raise ValueError(f"variable name {name!r} is already the name of a function or constant")
    if len(set(variables)) != len(variables):
        raise ValueError(f"variables={tuple(variables)!r} has repeated names")
    return tuple(variables)


class _Env(NamedTuple):
    """What an evaluation needs: the coordinate tensors (in variable order), their dtype and device."""

    values: tuple[Tensor, ...]
    dtype: torch.dtype
    device: torch.device


Evaluator = Callable[[_Env], Tensor]

# A small tokenizer, used only to explain syntax errors (implicit multiplication, '=').
_TOKEN = re.compile(
    r"(?P<number>(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<string>'[^']*'?|\"[^\"]*\"?)"
    r"|(?P<space>\s+)"
    r"|(?P<op>\*\*|==|!=|<=|>=|:=|//|<<|>>|.)"
)

_WORD = re.compile(r"[^\s()]+")


class _Compiler:
    """Checks the text and its syntax tree against the whitelist and builds the evaluator."""

    def __init__(self, text: str, variables: tuple[str, ...]):
        self.text = text
        self.variables = variables

    def error(self, position: int | None, reason: str, end: int | None = None) -> FormulaError:
        return FormulaError(self.text, position, reason, end)

    def node_error(self, node: ast.AST, reason: str) -> FormulaError:
        return self.error(node.col_offset, reason, node.end_col_offset)

    # -- before parsing

    def compile(self) -> Evaluator:
        text = self.text
        if not text.strip():
            raise self.error(None, "the formula is empty")
        for i, char in enumerate(text):
            if char.isspace() and char.isascii():
                continue
            if not (char.isascii() and char.isprintable()):
                what = f"non-ASCII character {char!r} (U+{ord(char):04X})" if not char.isascii() else (
                    f"control character {char!r}")
                hint = _UNICODE_HINTS.get(char, "; formulas are written in plain ASCII")
                raise self.error(i, f"{what} is not allowed{hint}")
            if char == "#":
                raise self.error(i, "comments ('#') are not allowed")
        self.check_brackets()
        tree = self.syntax_tree()
        self.check_depth(tree)
        return self.expr(tree.body)

    def check_brackets(self) -> None:
        depth = 0
        for i, char in enumerate(self.text):
            if char in "([{":
                depth += 1
                if depth > MAX_DEPTH:
                    raise self.error(i, f"parentheses are nested more than {MAX_DEPTH} deep")
            elif char in ")]}":
                depth = max(0, depth - 1)

    def syntax_tree(self) -> ast.Expression:
        source = _spaces(self.text)  # a single line, so columns are positions in the text
        indent = len(source) - len(source.lstrip())  # ast.parse refuses leading spaces ("unexpected indent")
        try:
            tree = ast.parse(source[indent:], mode="eval")  # builds the tree only; nothing is compiled or run
        except SyntaxError as err:
            if err.offset:
                err.offset += indent
                err.end_offset = err.end_offset + indent if err.end_offset else None
            raise self.syntax_error(err) from None
        except (RecursionError, MemoryError):
            raise self.error(None, f"the formula nests too deeply (at most {MAX_DEPTH} levels)") from None
        except (ValueError, OverflowError) as err:
            raise self.error(None, f"the formula cannot be parsed: {err}") from None
        if indent:
            for node in ast.walk(tree):  # columns in the text as given
                if hasattr(node, "col_offset"):
                    node.col_offset += indent
                    node.end_col_offset += indent
        return tree

    def syntax_error(self, err: SyntaxError) -> FormulaError:
        """Explain a syntax error, recognising implicit multiplication and '='."""
        hint = self.token_hint()
        if hint is not None:
            return hint
        last = len(self.text.rstrip())
        offset = err.offset or 0
        if offset < 1 or offset - 1 >= last:
            return self.error(last, "the formula ends too early (an operand or ')' is missing)")
        message = str(err.msg or "invalid syntax")
        for python_hint in (". Perhaps", ". Maybe", "; use an 0o prefix"):  # hints that do not apply here
            message = message.split(python_hint)[0]
        end = err.end_offset if err.end_offset and err.end_offset > offset else offset + 1
        reason = "invalid syntax" if message == "invalid syntax" else f"invalid syntax: {message}"
        return self.error(offset - 1, reason, end - 1)

    def token_hint(self) -> FormulaError | None:
        tokens = [m for m in _TOKEN.finditer(_spaces(self.text)) if m.lastgroup != "space"]
        for before, after in zip(tokens, tokens[1:]):
            if after.group() == "=":
                break
            ends_operand = before.lastgroup == "number" or before.group() == ")" or (
                before.lastgroup == "name" and not keyword.iskeyword(before.group()))
            starts_operand = after.lastgroup == "number" or after.group() == "(" or (
                after.lastgroup == "name" and not keyword.iskeyword(after.group()))
            is_call = before.lastgroup == "name" and after.group() == "("
            is_typo = after.group().startswith(".") and after.start() == before.end()  # as in 1..2
            if ends_operand and starts_operand and before.group() in FUNCTIONS and not is_call:  # sin x
                return self.error(after.start(), f"{before.group()!r} is a function: call it with parentheses, "
                                  f"{before.group()}({after.group()})", after.end())
            if ends_operand and starts_operand and not is_call and not is_typo:
                left = before.group() if before.group() != ")" else "(...)"
                right = after.group() if after.group() != "(" else "(...)"
                return self.error(
                    after.start(),
                    f"missing '*' before {after.group()!r} (implicit multiplication is not supported); "
                    f"write {left}*{right}",
                    after.end(),
                )
        for token in tokens:
            if token.group() == "=":
                return self.error(
                    token.start(), "'=' is not allowed; write only the expression, e.g. x**2 + y, not z = x**2 + y")
        return None

    def check_depth(self, tree: ast.Expression) -> None:
        """Refuse a tree deeper than MAX_DEPTH (iteratively, before anything recurses over it)."""
        stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, ast.expr) and depth > MAX_DEPTH:
                raise self.node_error(node, f"the formula nests more than {MAX_DEPTH} levels deep")
            for child in ast.iter_child_nodes(node):
                same_level = not isinstance(child, ast.expr) or (
                    isinstance(node, ast.BinOp) and child is node.left and isinstance(child, ast.BinOp))
                stack.append((child, depth if same_level else depth + 1))

    # -- the whitelist

    def expr(self, node: ast.expr) -> Evaluator:
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Attribute):
            dot = self.text.index(".", node.value.end_col_offset)
            raise self.error(dot, f"attribute access ({self.text[dot:node.end_col_offset]!r}) is not allowed",
                             node.end_col_offset)
        if isinstance(node, ast.Subscript):
            bracket = self.text.index("[", node.value.end_col_offset)
            raise self.error(bracket, "subscripts ('[...]') are not allowed", node.end_col_offset)
        what = _REFUSED_NODES.get(type(node), f"{type(node).__name__} expressions are")
        token = self.refused_token(node)
        if token is None:
            raise self.node_error(node, f"{what} not allowed")
        raise self.error(token[0], f"{what} not allowed", token[1])

    def refused_token(self, node: ast.expr) -> tuple[int, int] | None:
        """The keyword or operator that makes ``node`` a refused construct (``'<'``, ``and``, ``if``, ...)."""
        if isinstance(node, ast.Lambda):
            return node.col_offset, node.col_offset + len("lambda")
        if isinstance(node, ast.Compare):
            return self.between(node.left, node.comparators[0])
        if isinstance(node, ast.BoolOp):
            return self.between(node.values[0], node.values[1])
        if isinstance(node, ast.IfExp):
            return self.between(node.body, node.test)
        if isinstance(node, ast.NamedExpr):
            return self.between(node.target, node.value)
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
            return self.between(node.elt, node.generators[0].target)
        if isinstance(node, ast.DictComp):
            return self.between(node.value, node.generators[0].target)
        if isinstance(node, ast.Tuple) and len(node.elts) > 1:
            return self.between(node.elts[0], node.elts[1])
        return None

    def between(self, left: ast.expr, right: ast.expr) -> tuple[int, int] | None:
        """The span of the first word or symbol between two nodes, skipping spaces and parentheses."""
        found = _WORD.search(self.text, left.end_col_offset, right.col_offset)
        return (found.start(), found.end()) if found else None

    def operator_position(self, start: int, stop: int, symbol: str) -> int:
        """Where ``symbol`` is between two operands (found in the text, outside any parentheses)."""
        found = self.text.find(symbol, start, stop)
        return found if found >= 0 else start

    def binary(self, node: ast.BinOp) -> Evaluator:
        # A left-leaning run such as a + b - c*d is folded in a loop, so long sums do not recurse.
        pending: list[tuple[Callable[[Tensor, Tensor], Tensor], ast.expr]] = []
        while isinstance(node, ast.BinOp):
            op = type(node.op)
            if op not in _BINARY:
                symbol, reason = _REFUSED_BINARY.get(op, ("", f"{op.__name__} is not allowed"))
                at = self.operator_position(node.left.end_col_offset, node.right.col_offset, symbol)
                raise self.error(at, reason, at + max(1, len(symbol)))
            pending.append((_BINARY[op][1], node.right))
            node = node.left
        first = self.expr(node)
        steps = [(apply, self.expr(right)) for apply, right in reversed(pending)]

        def evaluate(env: _Env) -> Tensor:
            value = first(env)
            for apply, right in steps:
                value = apply(value, right(env))
            return value

        return evaluate

    def unary(self, node: ast.UnaryOp) -> Evaluator:
        if isinstance(node.op, ast.Not):
            raise self.error(node.col_offset, "'not' is not allowed", node.col_offset + 3)
        if isinstance(node.op, ast.Invert):
            raise self.error(node.col_offset, "'~' is not allowed; the signs are + and -")
        operand = self.expr(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        return lambda env: torch.neg(operand(env))

    def call(self, node: ast.Call) -> Evaluator:
        func = node.func
        if isinstance(func, (ast.Attribute, ast.Lambda)):
            return self.expr(func)  # reports the attribute access, or the lambda (not a missing '*')
        paren = self.text.find("(", func.end_col_offset)
        name = func.id if isinstance(func, ast.Name) else None
        if name is None or name in self.variables or name in CONSTANTS:
            left = name if name is not None else (
                self.text[func.col_offset:func.end_col_offset] if isinstance(func, ast.Constant) else "(...)")
            what = f"; {name!r} is a {'variable' if name in self.variables else 'constant'}, not a function" if (
                name is not None) else ""
            raise self.error(
                paren, f"missing '*' before '(' (implicit multiplication is not supported){what}; "
                f"write {left}*(...)")
        if name not in FUNCTIONS:
            suggestion = close_matches(name, FUNCTIONS)
            suggestion = f" ({suggestion[2:]})" if suggestion else ""
            allowed = ", ".join(sorted(FUNCTIONS))
            raise self.node_error(func, f"unknown function {name!r}{suggestion}; allowed: {allowed}")
        function = FUNCTIONS[name]
        signature = f"{name}({', '.join(function.params)})"
        for kw in node.keywords:
            if kw.arg is None:
                raise self.node_error(kw, f"'**' unpacking is not allowed; call {signature}")
            raise self.node_error(kw, f"keyword arguments are not allowed; call {signature} with positional arguments")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.node_error(arg, f"'*' unpacking is not allowed; call {signature}")
        if len(node.args) != function.arity:
            plural = "argument" if function.arity == 1 else "arguments"
            raise self.node_error(
                node, f"{name} takes {function.arity} {plural}, got {len(node.args)}; call {signature}")
        args = [self.expr(arg) for arg in node.args]
        apply = function.apply
        if len(args) == 1:
            (only,) = args
            return lambda env: apply(only(env))
        return lambda env: apply(*(arg(env) for arg in args))

    def name(self, node: ast.Name) -> Evaluator:
        name = node.id
        if name in self.variables:
            index = self.variables.index(name)
            return lambda env: env.values[index]
        if name in CONSTANTS:
            return _constant(CONSTANTS[name])
        if name in FUNCTIONS:
            raise self.node_error(node, f"{name!r} is a function; call it, e.g. {name}(x)")
        suggestion = close_matches(name, (*self.variables, *CONSTANTS))
        suggestion = f" ({suggestion[2:]})" if suggestion else ""
        raise self.node_error(
            node,
            f"{name!r} is not a variable{suggestion}; use {', '.join(self.variables)} "
            f"(or the constants {', '.join(CONSTANTS)})",
        )

    def number(self, node: ast.Constant) -> Evaluator:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise self.node_error(node, f"{value!r} is not allowed; only numbers are")
        if isinstance(value, (str, bytes)):
            raise self.node_error(node, f"{'strings' if isinstance(value, str) else 'bytes'} are not allowed")
        if isinstance(value, complex):
            raise self.node_error(node, "complex numbers are not allowed")
        if not isinstance(value, (int, float)):
            raise self.node_error(node, f"{type(value).__name__} values are not allowed")
        literal = self.text[node.col_offset:node.end_col_offset]
        if literal[:2].lower() in ("0x", "0o", "0b"):
            raise self.node_error(node, "write numbers in decimal (0x, 0o and 0b literals are not allowed)")
        try:
            number = float(value)  # only converts the literal; no arithmetic is done in Python
        except OverflowError:
            number = math.inf
        return _constant(number)


def _broadcast_shape(shapes: list[torch.Size]) -> torch.Size:
    """The broadcast shape of ``shapes`` (computed here: the first torch.broadcast_shapes call is slow)."""
    ndim = max(len(shape) for shape in shapes)
    result = [1] * ndim
    for shape in shapes:
        for i, size in enumerate(shape, ndim - len(shape)):
            if size != 1:
                if result[i] not in (1, size):
                    raise RuntimeError(
                        f"the coordinates' shapes {', '.join(str(tuple(s)) for s in shapes)} are not broadcastable")
                result[i] = size
    return torch.Size(result)


def _constant(value: float) -> Evaluator:
    # A 0-d tensor made anew in the coordinates' dtype at every call (too large a value becomes inf).
    return lambda env: torch.tensor(value, dtype=env.dtype, device=env.device)
