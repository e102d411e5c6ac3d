"""Rules for Python's operators (``+ - * / // % ** @``, unary ``- +``, ``abs``).

Operator nodes are looked up through the `operator` module's functions.  Conventions at
non-differentiable points: ``abs`` has derivative 0 at 0; ``//`` and ``%`` are piecewise
linear with the derivative of the piece (``a % b`` has d/da = 1, d/db = -(a // b));
``a ** b`` has d/da = 0 where ``b == 0`` (also at ``a == 0``: ``a ** 0`` is the constant 1)
and an infinite d/da at ``a == 0`` with ``b < 1`` (IEEE inf, also for Python floats).

Complex values (see `tangent_like.runtime`): the general templates conjugate the derivative
(``g * conj(f')``); ``real_vjp`` gives the plain ones for code specialized to real values.
Adjoints of real operands of complex results are made real by ``unbroadcast``, which the
transformer applies wherever the operands' kinds do not prove them real.
"""
import operator

import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .registry import defrule, inactive

BROADCAST = ("a", "b")

defrule(operator.add, "a, b", name="+", broadcast=BROADCAST,
        vjp={"a": "g", "b": "g"}, jvp={"a": "da", "b": "db"})
defrule(operator.sub, "a, b", name="-", broadcast=BROADCAST,
        vjp={"a": "g", "b": "-g"}, jvp={"a": "da", "b": "-db"})
# Complex values: adjoints use the real inner product Re<g, y>, so the adjoint of a in
# a * b is g * conj(b) (`cj` is the identity on real values; code specialized to real
# scalars and arrays skips it).
defrule(operator.mul, "a, b", name="*", broadcast=BROADCAST,
        vjp={"a": "g * cj(b)", "b": "g * cj(a)"}, jvp={"a": "da * b", "b": "a * db"},
        real_vjp={"a": "g * b", "b": "g * a"})
defrule(operator.truediv, "a, b", name="/", broadcast=BROADCAST,
        vjp={"a": "g / cj(b)", "b": "-g * cj(y / b)"},
        jvp={"a": "da / b", "b": "-db * y / b"},
        real_vjp={"a": "g / b", "b": "-g * y / b"},
        domain={"a": "any", "b": "nonzero"})
defrule(operator.mod, "a, b", name="%", broadcast=BROADCAST,
        vjp={"a": "g", "b": "-g * (a // b)"}, jvp={"a": "da", "b": "-db * (a // b)"},
        kink="jumps where a / b is an integer; the derivative of the piece is used",
        domain={"a": "any", "b": "nonzero"})
def _number(node):
    """The value of a numeric literal node (``2``, ``-0.5``), else None."""
    from ..optimize.fold import _num
    return _num(node) if node is not None else None


def _power(bound, seed, conj=False):
    """d(a ** b)/da times `seed`, with the exponent folded when it is a literal; `conj`
    conjugates the derivative (the adjoint of complex values)."""
    c = "cj" if conj else ""
    b = _number(bound.get("b"))
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


def power_samples(rng):
    """``a ** b``: a > 0 wherever b varies (d/db is log(a) * y); Python int exponents are
    bound as literals, so they check the folded d/da templates, there on bases of any sign."""
    pos = lambda shape=(): rng.uniform(0.5, 2.0, shape)  # noqa: E731
    out = [{"a": pos((2, 3)), "b": rng.uniform(-1.5, 1.5, 3)},
           {"a": pos(3), "b": float(rng.uniform(-1.5, 1.5))},
           {"a": float(pos()), "b": rng.uniform(-1.5, 1.5, 4)},
           {"a": pos(4), "b": rng.uniform(-1.5, 1.5, 4)},
           {"a": float(pos()), "b": float(rng.uniform(-1.5, 1.5))},
           {"a": pos(3), "b": 0.5}]
    for b in (0, 1, 2, 3, -1, -2):
        signs = rng.choice([-1.0, 1.0], 3)
        out.append({"a": signs * pos(3), "b": b})
        out.append({"a": float(signs[0] * pos()), "b": b})
    return out


# Operand shapes matmul accepts: 1-D and 2-D on either side, and stacks of matrices.  Not
# sampled: a stack (ndim > 2) on the left of a 1-D right operand -- there
# `runtime.matmul_adjoint_b` treats the cotangent as a matrix and is wrong (reported).
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
                 ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)), ((2, 2, 3), (2, 3, 4)),
                 ((2, 1, 3), (2, 3, 2))]


def matmul_samples(rng):
    return [{"a": rng.standard_normal(sa), "b": rng.standard_normal(sb)}
            for sa, sb in MATMUL_SHAPES]


POWER = dict(vjp={"a": power_vjp, "b": "g * cj(y * log_of(a))"},
             real_vjp={"a": power_real_vjp, "b": "g * y * log_of(a)"},
             jvp={"a": power_jvp, "b": "db * y * log_of(a)"},
             kink="d/da is 0 where b == 0 and infinite at a == 0 with b < 1; d/db uses "
                  "log(a): defined for a > 0 (0 where a == 0)",
             samples=power_samples)
defrule(operator.pow, "a, b", name="**", broadcast=BROADCAST, **POWER)
defrule(operator.matmul, "a, b", name="@", kind=lattice.ANY,
        vjp={"a": "matmul_adjoint_a(g, a, b)", "b": "matmul_adjoint_b(g, a, b)"},
        jvp={"a": "da @ b", "b": "a @ db"},
        jvp_batch={"a": "batch_left(np.matmul, da, a, b)",
                   "b": "batch_right(np.matmul, a, db)"},
        samples=matmul_samples)
defrule(operator.neg, "x", name="unary -", vjp={"x": "-g"}, jvp={"x": "-dx"})
defrule(operator.pos, "x", name="unary +", vjp={"x": "g"}, jvp={"x": "dx"})
# complex x: the adjoint g x / |x| (abs_slope), the tangent Re(conj(x) dx) / |x|
defrule(abs, "x", name="abs", vjp={"x": "g * abs_slope(x)"},
        real_vjp={"x": "g * np.sign(x)"}, jvp={"x": "abs_tangent(dx, x)"},
        scalar_vjp={"x": "(g if x > 0 else -g if x < 0 else 0.0)"},
        kink="abs at 0: derivative 0", domain="nonzero")
inactive(operator.floordiv, kind="elementwise", name="//",
         kink="floor division is piecewise constant: derivative 0")


# Forward rules of the helpers adjoint templates call (Hessians differentiate them).
def _pow_slope_samples(rng):
    pos = lambda shape=(): rng.uniform(0.5, 2.0, shape)  # noqa: E731
    return [{"a": pos(3), "b": rng.uniform(-1.5, 1.5, 3), "power": np.power},
            {"a": pos((2, 3)), "b": float(rng.uniform(-1.5, 1.5)), "power": np.float_power},
            {"a": float(pos()), "b": float(rng.uniform(1.2, 2.5)), "power": np.power},
            {"a": pos(3), "b": 0.0, "power": np.power}]


defrule(rt.fdiv, "a, b", name="fdiv", broadcast=BROADCAST, domain={"a": "any", "b": "nonzero"},
        jvp={"a": "fdiv(da, b)", "b": "-db * fdiv(y, b)"})
defrule(rt.ratio_or_zero, "a, b", name="ratio_or_zero", broadcast=BROADCAST,
        domain={"a": "any", "b": "nonzero"},
        jvp={"a": "ratio_or_zero(da, b)", "b": "-db * ratio_or_zero(y, b)"})
defrule(rt.pow_slope, "a, b, power=np.power", name="pow_slope", broadcast=BROADCAST,
        jvp={"a": "da * pow_curvature(a, b, power)",
             "b": "db * pow_slope_in_b(a, b, power)",
             "power": "0.0"},
        samples=_pow_slope_samples)
_A = "np.where(np.equal(a, 0), 1.0, a)"     # a where a != 0: the terms vanish at a == 0
defrule(rt.pow_slope_in_b, "a, b, power=np.power", name="pow_slope_in_b", broadcast=BROADCAST,
        jvp={"a": f"da * np.where(np.equal(a, 0), 0.0, power({_A}, b - 2.0) * "
                  "((b - 1.0) * (1.0 + b * log_of(a)) + b))",
             "b": f"db * np.where(np.equal(a, 0), 0.0, power({_A}, b - 1.0) * log_of(a) * "
                  "(2.0 + b * log_of(a)))",
             "power": "0.0"},
        samples=_pow_slope_samples)
defrule(rt.pow_curvature, "a, b, power=np.power", name="pow_curvature", broadcast=BROADCAST,
        jvp={"a": "da * b * pow_curvature(a, b - 1, power)",
             "b": f"db * np.where(np.equal(a, 0), 0.0, power({_A}, b - 2.0) * "
                  "((2.0 * b - 1.0) + b * (b - 1.0) * log_of(a)))",
             "power": "0.0"},
        samples=_pow_slope_samples)
