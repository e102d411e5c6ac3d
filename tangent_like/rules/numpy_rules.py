"""Rules for the core of NumPy: elementwise functions, sum/mean, dot/matmul, and the
functions and attributes that never carry derivatives (shapes, constructors of constants).

Elementwise binary functions broadcast: adjoints are summed back to each argument's shape.
Conventions: ``np.abs``/``np.sign`` at 0 use sign(0) = 0; ``np.maximum``/``np.minimum`` at a
tie give the adjoint to the first argument; ``np.sqrt`` at 0 has derivative +inf (and the
other derivatives that are infinite at a point, ``np.log`` at 0..., are IEEE infinities, also
for Python floats).

Complex values (see `tangent_like.runtime`): the holomorphic functions (trigonometric,
hyperbolic, exponentials and logarithms, sqrt, square, reciprocal, power, products) have the
adjoint ``g * conj(f'(z))``; ``real_vjp`` keeps the plain ``g * f'(x)`` for code specialized
to real values.  ``np.abs`` of a complex ``z`` has the adjoint ``g * z / |z|`` (0 at 0) and
the tangent ``Re(conj(z) dz) / |z|``.  Reductions and products of possibly complex values
have kind ANY (an array or scalar kind means a real value).
"""
import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .operators import POWER, matmul_samples
from .registry import attribute, defrule, inactive, method, unary


def holomorphic(func, derivative, safe=None, complex_derivative=None, **options):
    """``y = func(x)`` with ``dy/dx = derivative``, also for complex x: the adjoint
    conjugates the derivative.  `safe` is the derivative written with NumPy's division
    (an IEEE inf at a pole, also for a Python float, where ``1.0 / x`` raises): used for
    scalars, complex values and tangents, `derivative` for real arrays.
    `complex_derivative`, when given, is the same function written so that it holds on the
    principal branches of complex arguments."""
    safe = safe or derivative
    rule = unary(func, safe, scalar_derivative=safe if safe != derivative else None,
                 **options)
    rule.real_vjp = {"x": f"g * ({derivative})"}
    rule.vjp = {"x": f"g * cj({complex_derivative or safe})"}
    return rule


holomorphic(np.sin, "np.cos(x)")
holomorphic(np.cos, "-np.sin(x)")
holomorphic(np.tan, "1.0 + y * y")
holomorphic(np.arcsin, "1.0 / np.sqrt(1.0 - x * x)", domain="unit")
holomorphic(np.arccos, "-1.0 / np.sqrt(1.0 - x * x)", domain="unit")
holomorphic(np.arctan, "1.0 / (1.0 + x * x)")
holomorphic(np.sinh, "np.cosh(x)")
holomorphic(np.cosh, "np.sinh(x)")
holomorphic(np.tanh, "1.0 - y * y")
holomorphic(np.arcsinh, "1.0 / np.sqrt(x * x + 1.0)")
holomorphic(np.arccosh, "1.0 / np.sqrt(x * x - 1.0)",
            complex_derivative="1.0 / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))", domain="gt1")
holomorphic(np.arctanh, "1.0 / (1.0 - x * x)", "np.divide(1.0, 1.0 - x * x)", domain="unit")
holomorphic(np.exp, "y")
holomorphic(np.exp2, "y * 0.6931471805599453")
holomorphic(np.expm1, "y + 1.0")
holomorphic(np.log, "1.0 / x", "np.divide(1.0, x)", kink="log at 0: derivative +inf",
            domain="positive")
holomorphic(np.log2, "1.0 / (x * 0.6931471805599453)",
            "np.divide(1.0, x * 0.6931471805599453)", domain="positive")
holomorphic(np.log10, "1.0 / (x * 2.302585092994046)",
            "np.divide(1.0, x * 2.302585092994046)", domain="positive")
holomorphic(np.log1p, "1.0 / (1.0 + x)", "np.divide(1.0, 1.0 + x)", domain="positive")
holomorphic(np.sqrt, "0.5 / y", kink="sqrt at 0: derivative +inf", domain="positive")
unary(np.cbrt, "1.0 / (3.0 * y * y)", domain="nonzero")
holomorphic(np.square, "2.0 * x")
holomorphic(np.reciprocal, "-y * y", domain="nonzero")
unary(np.negative, "-1.0")
unary(np.positive, "1.0")
# complex x: the adjoint g x / |x| (abs_slope), the tangent Re(conj(x) dx) / |x|
defrule(np.abs, "x", name="np.absolute", vjp={"x": "g * abs_slope(x)"},
        real_vjp={"x": "g * np.sign(x)"}, jvp={"x": "abs_tangent(dx, x)"},
        kink="abs at 0: derivative 0", domain="nonzero")
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
defrule(np.power, "a, b", broadcast=B, **POWER)
defrule(np.arctan2, "a, b", broadcast=B,
        vjp={"a": "g * b / (a * a + b * b)", "b": "-g * a / (a * a + b * b)"},
        jvp={"a": "da * b / (a * a + b * b)", "b": "-db * a / (a * a + b * b)"})
defrule(np.hypot, "a, b", broadcast=B,
        vjp={"a": "g * ratio_or_zero(a, y)", "b": "g * ratio_or_zero(b, y)"},
        jvp={"a": "da * ratio_or_zero(a, y)", "b": "db * ratio_or_zero(b, y)"},
        kink="hypot at (0, 0): derivative 0")
# (np.greater_equal...: Python complex scalars have no ordering, NumPy's lexicographic one
# is the one np.maximum uses)
defrule(np.maximum, "a, b", broadcast=B,
        vjp={"a": "g * np.greater_equal(a, b)", "b": "g * np.greater(b, a)"},
        jvp={"a": "da * np.greater_equal(a, b)", "b": "db * np.greater(b, a)"},
        kink="maximum at a tie: the first argument gets the derivative")
defrule(np.minimum, "a, b", broadcast=B,
        vjp={"a": "g * np.less_equal(a, b)", "b": "g * np.less(b, a)"},
        jvp={"a": "da * np.less_equal(a, b)", "b": "db * np.less(b, a)"},
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


def maybe_complex(kind):
    """May a value of this kind be complex?  Only ints, scalars and arrays are known real
    (and tuples of them)."""
    if kind in (lattice.INT, lattice.SCALAR, lattice.NONE) or lattice.is_array(kind):
        return False
    if lattice.is_tuple(kind):
        return any(maybe_complex(k) for k in kind[1])
    return True


def real_kind(kind, *params):
    """A kind function returning `kind` (a kind or a kind function) when the arguments
    `params` are known real, else ANY: an array or scalar kind promises a real value."""
    def result(arg_kinds, bound):
        if any(maybe_complex(arg_kinds.get(p, lattice.INT)) for p in params):
            return lattice.ANY
        return kind(arg_kinds, bound) if callable(kind) else kind
    return result


def _reduce_kind(arg_kinds, bound):
    axis = bound.get("axis")
    if axis is None or (type(axis).__name__ == "Constant" and axis.value is None):
        return lattice.SCALAR
    return lattice.ANY


_sum = defrule(np.sum, "x, axis=None, dtype=None, out=None, keepdims=False",
               kind=real_kind(_reduce_kind, "x"),
               vjp={"x": "sum_adjoint(g, x, axis, keepdims)"},
               jvp={"x": "np.sum(dx, axis=axis, keepdims=keepdims)"},
               jvp_batch={"x": "batch_reduce(np.sum, dx, axis, keepdims)"},
               samples=_reduce_samples)
_mean = defrule(np.mean, "x, axis=None, dtype=None, out=None, keepdims=False",
                kind=real_kind(_reduce_kind, "x"),
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
# x.transpose(1, 0), x.transpose((1, 0)), x.transpose(): NumPy's varargs form of the method
_ndarray_transpose = defrule(np.ndarray.transpose, "x, *axes=None", name="ndarray.transpose",
                             kind=lattice.ANY, vjp={"x": "transpose_adjoint(g, axes)"},
                             jvp={"x": "np.transpose(dx, axes)"},
                             jvp_batch={"x": "batch_transpose(dx, axes)"},
                             samples=_transpose_samples)
_ndarray_transpose.view = True      # a view of x, as np.transpose's (rules/views.py)
# np.float64 of a complex value keeps its real part (with a ComplexWarning)
_float64 = defrule(np.float64, "x", kind=lattice.SCALAR, vjp={"x": "g"},
                   jvp={"x": "re_like(dx, y)"})

for _f in (np.sign, np.floor, np.ceil, np.round, np.rint, np.trunc):
    inactive(_f, kind="elementwise", kink="piecewise constant: derivative 0")
for _f in (np.shape, np.ndim, np.size, np.isnan, np.isinf, np.isfinite, np.argmax, np.argmin,
           np.argsort, np.zeros, np.ones, np.empty, np.eye, np.arange,
           np.zeros_like, np.ones_like, np.empty_like, np.full, np.identity, np.allclose,
           np.isclose, np.array_equal, np.greater, np.less, np.equal, np.not_equal,
           np.greater_equal, np.less_equal, np.logical_and, np.logical_or, np.logical_not,
           np.any, np.all, np.count_nonzero, np.nonzero, np.floor_divide):
    inactive(_f, kind=lattice.INT if _f in (np.ndim, np.size, np.count_nonzero)
             else lattice.ANY)

# Forward rules of the complex helpers templates call (Hessians differentiate them).
def _complex_helper_samples(rng):
    r = rng.standard_normal
    return [{"v": r(3), "x": r(3)}, {"v": r((2, 3)), "x": 1.5}, {"v": 0.5, "x": r(2)}]


defrule(rt.re_like, "v, x", name="re_like", kind=lattice.ANY,
        jvp={"v": "re_like(dv, x)", "x": "0.0"}, samples=_complex_helper_samples)
defrule(rt.inner_mul, "w, d", name="inner_mul", broadcast=("w", "d"),
        jvp={"w": "inner_mul(dw, d)", "d": "inner_mul(w, dd)"})
defrule(rt.refuse_complex, "name, value, result", name="refuse_complex", kind=lattice.ANY,
        jvp={"name": "0.0", "value": "0.0",
             "result": "refuse_complex(name, value, dresult)"},
        samples=lambda rng: [{"name": "f", "value": rng.standard_normal(3),
                              "result": rng.standard_normal((2, 3))}])
inactive(rt.is_complex, kind=lattice.INT)
defrule(rt.abs_slope, "x", name="abs_slope", kind="elementwise", domain="nonzero",
        jvp={"x": "abs_slope_tangent(dx, x)"})

method("sum", _sum, "x")
method("mean", _mean, "x")
method("dot", _dot, "a")
method("transpose", _ndarray_transpose, "x")
attribute("T", _transpose)
for _a in ("shape", "ndim", "size", "dtype"):
    attribute(_a, "inactive")
