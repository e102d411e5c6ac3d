"""Rules for the core of NumPy: elementwise functions, sum/mean, dot/matmul, and the
functions and attributes that never carry derivatives (shapes, constructors of constants).

Elementwise binary functions broadcast: adjoints are summed back to each argument's shape.
Conventions: ``np.abs``/``np.sign`` at 0 use sign(0) = 0; ``np.maximum``/``np.minimum`` at a
tie give the adjoint to the first argument; ``np.sqrt`` at 0 has derivative +inf.
"""
import numpy as np

from ..analysis import lattice
from .operators import matmul_samples
from .registry import attribute, defrule, inactive, method, unary

unary(np.sin, "np.cos(x)")
unary(np.cos, "-np.sin(x)")
unary(np.tan, "1.0 + y * y")
unary(np.arcsin, "1.0 / np.sqrt(1.0 - x * x)", domain="unit")
unary(np.arccos, "-1.0 / np.sqrt(1.0 - x * x)", domain="unit")
unary(np.arctan, "1.0 / (1.0 + x * x)")
unary(np.sinh, "np.cosh(x)")
unary(np.cosh, "np.sinh(x)")
unary(np.tanh, "1.0 - y * y")
unary(np.arcsinh, "1.0 / np.sqrt(x * x + 1.0)")
unary(np.arccosh, "1.0 / np.sqrt(x * x - 1.0)", domain="gt1")
unary(np.arctanh, "1.0 / (1.0 - x * x)", domain="unit")
unary(np.exp, "y")
unary(np.exp2, "y * 0.6931471805599453")
unary(np.expm1, "y + 1.0")
unary(np.log, "1.0 / x", kink="log at 0: derivative +inf", domain="positive")
unary(np.log2, "1.0 / (x * 0.6931471805599453)", domain="positive")
unary(np.log10, "1.0 / (x * 2.302585092994046)", domain="positive")
unary(np.log1p, "1.0 / (1.0 + x)", domain="positive")
unary(np.sqrt, "0.5 / y", kink="sqrt at 0: derivative +inf", domain="positive")
unary(np.cbrt, "1.0 / (3.0 * y * y)", domain="nonzero")
unary(np.square, "2.0 * x")
unary(np.reciprocal, "-y * y", domain="nonzero")
unary(np.negative, "-1.0")
unary(np.positive, "1.0")
unary(np.abs, "np.sign(x)", kink="abs at 0: derivative 0", domain="nonzero").jvp["x"] = \
    "abs_tangent(dx, x)"      # complex x: Re(conj(x) dx) / |x|
unary(np.fabs, "np.sign(x)", kink="fabs at 0: derivative 0", domain="nonzero")
unary(np.deg2rad, "0.017453292519943295")
unary(np.rad2deg, "57.29577951308232")
unary(np.degrees, "57.29577951308232")
unary(np.radians, "0.017453292519943295")

B = ("a", "b")
defrule(np.add, "a, b", broadcast=B, vjp={"a": "g", "b": "g"}, jvp={"a": "da", "b": "db"})
defrule(np.subtract, "a, b", broadcast=B, vjp={"a": "g", "b": "-g"},
        jvp={"a": "da", "b": "-db"})
defrule(np.multiply, "a, b", broadcast=B, vjp={"a": "g * cj(b)", "b": "g * cj(a)"},
        real_vjp={"a": "g * b", "b": "g * a"},
        jvp={"a": "da * b", "b": "a * db"})
defrule(np.divide, "a, b", broadcast=B, vjp={"a": "g / cj(b)", "b": "-g * cj(y / b)"},
        real_vjp={"a": "g / b", "b": "-g * y / b"},
        jvp={"a": "da / b", "b": "-db * y / b"}, domain={"a": "any", "b": "nonzero"})
defrule(np.power, "a, b", broadcast=B,
        vjp={"a": "g * b * a ** (b - 1)", "b": "g * y * log_of(a)"},
        jvp={"a": "da * b * a ** (b - 1)", "b": "db * y * log_of(a)"},
        domain={"a": "positive", "b": "any"})
defrule(np.arctan2, "a, b", broadcast=B,
        vjp={"a": "g * b / (a * a + b * b)", "b": "-g * a / (a * a + b * b)"},
        jvp={"a": "da * b / (a * a + b * b)", "b": "-db * a / (a * a + b * b)"})
defrule(np.hypot, "a, b", broadcast=B, vjp={"a": "g * a / y", "b": "g * b / y"},
        jvp={"a": "da * a / y", "b": "db * b / y"})
defrule(np.maximum, "a, b", broadcast=B,
        vjp={"a": "g * (a >= b)", "b": "g * (b > a)"},
        jvp={"a": "da * (a >= b)", "b": "db * (b > a)"},
        kink="maximum at a tie: the first argument gets the derivative")
defrule(np.minimum, "a, b", broadcast=B,
        vjp={"a": "g * (a <= b)", "b": "g * (b < a)"},
        jvp={"a": "da * (a <= b)", "b": "db * (b < a)"},
        kink="minimum at a tie: the first argument gets the derivative")


def _reduce_samples(rng):
    """np.sum / np.mean samples: every axis form with and without keepdims.

    The check passes the arguments present positionally in parameter order and evaluates the
    templates with the sample as their names, so every parameter is given: ``dtype`` and
    ``out`` as None, which keeps ``keepdims`` in its place."""
    out = []
    cases = [((2, 3), axis) for axis in (None, 0, 1, -1)] + \
        [((2, 3, 4), axis) for axis in (None, (0, 2), (1,), -2)] + [((4,), None), ((4,), 0)]
    for shape, axis in cases:
        x = rng.standard_normal(shape)
        for keepdims in (False, True):
            out.append({"x": x, "axis": axis, "dtype": None, "out": None,
                        "keepdims": keepdims})
    out.append({"x": float(rng.standard_normal()), "axis": None, "dtype": None, "out": None,
                "keepdims": False})                           # a Python float
    return out


# np.dot of scalars (Python floats), vectors, matrices, and an N-D array with a vector.  Not
# sampled: `b` of ndim >= 2 with an operand of ndim > 2 ((2, 2, 3).(3, 2), (3,).(2, 3, 2),
# (2, 3).(2, 3, 4)) -- there `runtime.dot_adjoint_a`/`dot_adjoint_b` fail or are silently
# wrong (reported).
DOT_SHAPES = [((), (3,)), ((2, 3), ()), ((), ()), ((3,), (3,)), ((2, 3), (3,)),
              ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3,))]


def _dot_samples(rng):
    return [{"a": rng.standard_normal(sa) if sa else float(rng.standard_normal()),
             "b": rng.standard_normal(sb) if sb else float(rng.standard_normal())}
            for sa, sb in DOT_SHAPES]


def _transpose_samples(rng):
    x = rng.standard_normal((2, 3, 4))
    return [{"x": x, "axes": axes} for axes in (None, (1, 2, 0), (2, 0, 1), (0, 2, 1))] + \
        [{"x": rng.standard_normal((2, 3)), "axes": None}]


def _reduce_kind(arg_kinds, bound):
    axis = bound.get("axis")
    if axis is None or (type(axis).__name__ == "Constant" and axis.value is None):
        return lattice.SCALAR
    return lattice.ANY


_sum = defrule(np.sum, "x, axis=None, dtype=None, out=None, keepdims=False", kind=_reduce_kind,
               vjp={"x": "sum_adjoint(g, x, axis, keepdims)"},
               jvp={"x": "np.sum(dx, axis=axis, keepdims=keepdims)"},
               jvp_batch={"x": "batch_reduce(np.sum, dx, axis, keepdims)"},
               samples=_reduce_samples)
_mean = defrule(np.mean, "x, axis=None, dtype=None, out=None, keepdims=False",
                kind=_reduce_kind,
                vjp={"x": "mean_adjoint(g, x, axis, keepdims)"},
                jvp={"x": "np.mean(dx, axis=axis, keepdims=keepdims)"},
                jvp_batch={"x": "batch_reduce(np.mean, dx, axis, keepdims)"},
                samples=_reduce_samples)
_dot = defrule(np.dot, "a, b", kind=lambda k, b: (lattice.SCALAR if all(
                   lattice.is_scalar(v) for v in k.values()) else lattice.ANY),
               vjp={"a": "dot_adjoint_a(g, a, b)", "b": "dot_adjoint_b(g, a, b)"},
               jvp={"a": "np.dot(da, b)", "b": "np.dot(a, db)"},
               jvp_batch={"a": "batch_left(np.dot, da, a, b)",
                          "b": "batch_right(np.dot, a, db)"},
               samples=_dot_samples)
defrule(np.matmul, "a, b", kind=lattice.ANY,
        vjp={"a": "matmul_adjoint_a(g, a, b)", "b": "matmul_adjoint_b(g, a, b)"},
        jvp={"a": "da @ b", "b": "a @ db"},
        jvp_batch={"a": "batch_left(np.matmul, da, a, b)",
                   "b": "batch_right(np.matmul, a, db)"},
        samples=matmul_samples)  # 1-D/2-D/stacks, as for @
_transpose = defrule(np.transpose, "x, axes=None", kind=lattice.ANY,
                     vjp={"x": "transpose_adjoint(g, axes)"},
                     jvp={"x": "np.transpose(dx, axes)"},
                     jvp_batch={"x": "batch_transpose(dx, axes)"},
                     samples=_transpose_samples)
_float64 = defrule(np.float64, "x", kind=lattice.SCALAR, vjp={"x": "g"}, jvp={"x": "dx"})

for _f in (np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc):
    inactive(_f, kind="elementwise", kink="piecewise constant: derivative 0")
for _f in (np.shape, np.ndim, np.size, np.isnan, np.isinf, np.isfinite, np.argmax, np.argmin,
           np.argsort, np.zeros, np.ones, np.empty, np.eye, np.arange, np.linspace,
           np.zeros_like, np.ones_like, np.empty_like, np.full, np.identity, np.allclose,
           np.isclose, np.array_equal, np.greater, np.less, np.equal, np.not_equal,
           np.greater_equal, np.less_equal, np.logical_and, np.logical_or, np.logical_not,
           np.any, np.all, np.count_nonzero, np.nonzero, np.floor_divide):
    inactive(_f, kind=lattice.INT if _f in (np.ndim, np.size, np.count_nonzero)
             else lattice.ANY)

method("sum", _sum, "x")
method("mean", _mean, "x")
method("dot", _dot, "a")
method("transpose", _transpose, "x")
attribute("T", _transpose)
for _a in ("shape", "ndim", "size", "dtype"):
    attribute(_a, "inactive")
