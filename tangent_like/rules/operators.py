"""Rules for Python's operators (``+ - * / // % ** @``, unary ``- +``, ``abs``).

Operator nodes are looked up through the `operator` module's functions.  Conventions at
non-differentiable points: ``abs`` has derivative 0 at 0; ``//`` and ``%`` are piecewise
linear with the derivative of the piece (``a % b`` has d/da = 1, d/db = -(a // b)).
"""
import operator

from ..analysis import lattice
from .registry import defrule, inactive

BROADCAST = ("a", "b")

defrule(operator.add, "a, b", name="+", broadcast=BROADCAST,
        vjp={"a": "g", "b": "g"}, jvp={"a": "da", "b": "db"})
defrule(operator.sub, "a, b", name="-", broadcast=BROADCAST,
        vjp={"a": "g", "b": "-g"}, jvp={"a": "da", "b": "-db"})
defrule(operator.mul, "a, b", name="*", broadcast=BROADCAST,
        vjp={"a": "g * b", "b": "g * a"}, jvp={"a": "da * b", "b": "a * db"})
defrule(operator.truediv, "a, b", name="/", broadcast=BROADCAST,
        vjp={"a": "g / b", "b": "-g * y / b"}, jvp={"a": "da / b", "b": "-db * y / b"})
defrule(operator.mod, "a, b", name="%", broadcast=BROADCAST,
        vjp={"a": "g", "b": "-g * (a // b)"}, jvp={"a": "da", "b": "-db * (a // b)"},
        kink="jumps where a / b is an integer; the derivative of the piece is used")
def _number(node):
    """The value of a numeric literal node (``2``, ``-0.5``), else None."""
    from ..optimize.fold import _num
    return _num(node) if node is not None else None


def _power(bound, seed):
    """d(a ** b)/da times `seed`, with the exponent folded when it is a literal."""
    b = _number(bound.get("b"))
    if b == 2:
        return f"2.0 * {seed} * a"
    if b == 1:
        return seed
    if b == 0.5:
        return f"0.5 * {seed} / y"
    if b is not None:
        return f"{float(b)!r} * {seed} * a ** {float(b - 1)!r}"
    return f"{seed} * b * a ** (b - 1)"


def power_vjp(bound):
    return _power(bound, "g")


def power_jvp(bound):
    return _power(bound, "da")


defrule(operator.pow, "a, b", name="**", broadcast=BROADCAST,
        vjp={"a": power_vjp, "b": "g * y * log_of(a)"},
        jvp={"a": power_jvp, "b": "db * y * log_of(a)"},
        kink="d/db uses log(a): defined for a > 0 (0 where a == 0)")
defrule(operator.matmul, "a, b", name="@", kind=lattice.ANY,
        vjp={"a": "matmul_adjoint_a(g, a, b)", "b": "matmul_adjoint_b(g, a, b)"},
        jvp={"a": "da @ b", "b": "a @ db"},
        jvp_batch={"a": "batch_left(np.matmul, da, a, b)",
                   "b": "batch_right(np.matmul, a, db)"})
defrule(operator.neg, "x", name="unary -", vjp={"x": "-g"}, jvp={"x": "-dx"})
defrule(operator.pos, "x", name="unary +", vjp={"x": "g"}, jvp={"x": "dx"})
defrule(abs, "x", name="abs", vjp={"x": "g * np.sign(x)"}, jvp={"x": "dx * np.sign(x)"},
        scalar_vjp={"x": "(g if x > 0 else -g if x < 0 else 0.0)"},
        kink="abs at 0: derivative 0")
inactive(operator.floordiv, kind="elementwise", name="//",
         kink="floor division is piecewise constant: derivative 0")
