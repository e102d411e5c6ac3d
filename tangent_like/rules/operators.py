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


def _power(bound, seed):
    """d(a ** b)/da times `seed`, with the exponent folded when it is a literal."""
    b = _number(bound.get("b"))
    if b == 0:
        # a ** 0 is the constant 1: the general form would give 0 * a ** -1, which is nan
        # (arrays) or ZeroDivisionError (floats) at a == 0.
        return f"0.0 * {seed}"
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


defrule(operator.pow, "a, b", name="**", broadcast=BROADCAST,
        vjp={"a": power_vjp, "b": "g * y * log_of(a)"},
        jvp={"a": power_jvp, "b": "db * y * log_of(a)"},
        kink="d/db uses log(a): defined for a > 0 (0 where a == 0)",
        samples=power_samples)
defrule(operator.matmul, "a, b", name="@", kind=lattice.ANY,
        vjp={"a": "matmul_adjoint_a(g, a, b)", "b": "matmul_adjoint_b(g, a, b)"},
        jvp={"a": "da @ b", "b": "a @ db"},
        jvp_batch={"a": "batch_left(np.matmul, da, a, b)",
                   "b": "batch_right(np.matmul, a, db)"},
        samples=matmul_samples)
defrule(operator.neg, "x", name="unary -", vjp={"x": "-g"}, jvp={"x": "-dx"})
defrule(operator.pos, "x", name="unary +", vjp={"x": "g"}, jvp={"x": "dx"})
defrule(abs, "x", name="abs", vjp={"x": "g * np.sign(x)"}, jvp={"x": "dx * np.sign(x)"},
        scalar_vjp={"x": "(g if x > 0 else -g if x < 0 else 0.0)"},
        kink="abs at 0: derivative 0", domain="nonzero")
inactive(operator.floordiv, kind="elementwise", name="//",
         kink="floor division is piecewise constant: derivative 0")
