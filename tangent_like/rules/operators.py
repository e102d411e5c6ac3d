"""Rules for Python's operators (``+ - * / // % ** @``, unary ``- +``, ``abs``) and for the
NumPy functions that are the same operations (``np.add``, ``np.subtract``, ``np.multiply``,
``np.divide``, ``np.power``, ``np.matmul``, ``np.absolute``): an operator and its NumPy
function share one statement.

Operator nodes are looked up through the `operator` module's functions.  Conventions at
non-differentiable points: ``abs`` has derivative 0 at 0; ``//`` and ``%`` are piecewise
linear with the derivative of the piece (``a % b`` has d/da = 1, d/db = -(a // b));
``a ** b`` has d/da = 0 where ``b == 0`` (also at ``a == 0``: ``a ** 0`` is the constant 1)
and an infinite d/da at ``a == 0`` with ``b < 1`` (IEEE inf, also for Python floats).

Complex values (see `tangent_like.runtime.core`): the general templates conjugate the
derivative (``g * conj(f')``); ``real_vjp`` gives the plain ones for code specialized to real
values.  Adjoints of real operands of complex results are made real by ``unbroadcast``, which
the transformer applies wherever the operands' kinds do not prove them real.
"""
import operator

import numpy as np

from ..analysis import lattice
from .kinds import number
from .registry import defrule, inactive, partials
from .samples import elementwise as samples
from .samples import linalg as product_samples

BROADCAST = ("a", "b")

for _op, _ufunc, _name in ((operator.add, np.add, "+"), (operator.sub, np.subtract, "-")):
    for _f, _options in ((_op, dict(name=_name)), (_ufunc, {})):
        partials(_f, "a, b", a="1", b="1" if _op is operator.add else "-1",
                 broadcast=BROADCAST, **_options)
# Complex values: adjoints use the real inner product Re<g, y>, so the adjoint of a in
# a * b is g * conj(b) (`cj` is the identity on real values; code specialized to real
# scalars and arrays skips it).
for _f, _options in ((operator.mul, dict(name="*")), (np.multiply, {})):
    defrule(_f, "a, b", broadcast=BROADCAST,
            vjp={"a": "g * cj(b)", "b": "g * cj(a)"}, jvp={"a": "da * b", "b": "a * db"},
            real_vjp={"a": "g * b", "b": "g * a"}, **_options)
for _f, _options in ((operator.truediv, dict(name="/")), (np.divide, {})):
    defrule(_f, "a, b", broadcast=BROADCAST,
            vjp={"a": "g / cj(b)", "b": "-g * cj(y / b)"},
            jvp={"a": "da / b", "b": "-db * y / b"},
            real_vjp={"a": "g / b", "b": "-g * y / b"},
            domain={"a": "any", "b": "nonzero"}, **_options)
partials(operator.mod, "a, b", name="%", a="1", b="-(a // b)", broadcast=BROADCAST,
         kink="a % b where a / b is an integer: the right piece", kink_when="(a % b) == 0",
         domain={"a": "any", "b": "nonzero"})


def _power(bound, seed, conj=False):
    """d(a ** b)/da times `seed`, with the exponent folded when it is a literal; `conj`
    conjugates the derivative (the adjoint of complex values)."""
    c = "cj" if conj else ""
    b = number(bound.get("b"))
    if b == 0:
        # a ** 0 is the constant 1: the general form would give 0 * a ** -1, which is nan
        # (arrays) or ZeroDivisionError (floats) at a == 0.
        return f"0.0 * {seed}"
    if b == 2:
        return f"2.0 * {seed} * {c}(a)"
    if b == 1:
        return seed
    if b == 0.5:
        return f"fdiv(0.5 * {seed}, {c}(y))"
    if b is not None and (b > 1 or b == int(b)):
        # a ** (b - 1) is finite at a == 0 (or a ** b itself is not)
        return f"{float(b)!r} * {seed} * {c}(a ** {float(b - 1)!r})"
    return f"{seed} * {c}(pow_slope(a, b))"


def power_vjp(bound):
    return _power(bound, "g", conj=True)


def power_real_vjp(bound):
    return _power(bound, "g")


def power_jvp(bound):
    return _power(bound, "da")


_POWER_KINK = ("d/da is 0 where b == 0 and infinite at a == 0 with b < 1; d/db uses log(a): "
               "defined for a > 0 (0 where a == 0)")
for _f, _options in ((operator.pow, dict(name="**", kink="a ** b at a == 0 with b < 1: "
                                         "infinite", kink_when="(a == 0) & (b < 1)")),
                     (np.power, dict(kink=_POWER_KINK))):
    defrule(_f, "a, b", broadcast=BROADCAST,
            vjp={"a": power_vjp, "b": "g * cj(y * log_of(a))"},
            real_vjp={"a": power_real_vjp, "b": "g * y * log_of(a)"},
            jvp={"a": power_jvp, "b": "db * y * log_of(a)"},
            samples=samples.power, **_options)
for _f, _options in ((operator.matmul, dict(name="@")), (np.matmul, {})):
    defrule(_f, "a, b", kind=lambda kinds, bound: lattice.matmul(kinds.get("a"), kinds.get("b")),
            vjp={"a": "matmul_adjoint_a(g, a, b)", "b": "matmul_adjoint_b(g, a, b)"},
            jvp={"a": "da @ b", "b": "a @ db"},
            jvp_batch={"a": "batch_left(np.matmul, da, a, b)",
                       "b": "batch_right(np.matmul, a, db)"},
            samples=product_samples.matmul, **_options)  # 1-D/2-D/stacks
partials(operator.neg, "x", name="unary -", x="-1")
partials(operator.pos, "x", name="unary +", x="1")
# complex x: the adjoint g x / |x| (abs_slope), the tangent Re(conj(x) dx) / |x|
for _f, _options in ((abs, dict(name="abs", scalar_vjp={
                         "x": "(g if x > 0 else -g if x < 0 else 0.0)"})),
                     (np.abs, dict(name="np.absolute"))):
    defrule(_f, "x", vjp={"x": "g * abs_slope(x)"}, real_vjp={"x": "g * np.sign(x)"},
            jvp={"x": "abs_tangent(dx, x)"}, kink="abs at 0: derivative 0", kink_when="x == 0",
            domain="nonzero", **_options)
inactive(operator.floordiv, kind="elementwise", name="//", params="a, b",
         kink="// is piecewise constant: derivative 0", kink_when="(a % b) == 0")
