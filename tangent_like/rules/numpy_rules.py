"""Rules for the core of NumPy: ``sum``/``mean``, ``dot``, transposes, ``np.float64``, and
the functions and attributes that never carry derivatives (shapes, predicates, constructors
of constants).  Elementwise functions are in `elementwise`, the operators' twins
(``np.add``... ``np.matmul``) in `operators`.

Complex values (see `tangent_like.runtime.core`): reductions and products of possibly
complex values have kind ANY (an array or scalar kind means a real value).
"""
import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .kinds import real_kind
from .registry import attribute, defrule, inactive, method
from .samples import kernels as kernel_samples
from .samples import linalg as product_samples
from .samples import reduce as reduce_samples
from .samples import shape as shape_samples


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
               samples=reduce_samples.reductions)
_mean = defrule(np.mean, "x, axis=None, dtype=None, out=None, keepdims=False",
                kind=real_kind(_reduce_kind, "x"),
                vjp={"x": "mean_adjoint(g, x, axis, keepdims)"},
                jvp={"x": "np.mean(dx, axis=axis, keepdims=keepdims)"},
                jvp_batch={"x": "batch_reduce(np.mean, dx, axis, keepdims)"},
                samples=reduce_samples.reductions)
_dot = defrule(np.dot, "a, b", kind=lambda k, b: (lattice.SCALAR if all(
                   lattice.is_scalar(v) for v in k.values()) else lattice.ANY),
               vjp={"a": "dot_adjoint_a(g, a, b)", "b": "dot_adjoint_b(g, a, b)"},
               jvp={"a": "np.dot(da, b)", "b": "np.dot(a, db)"},
               jvp_batch={"a": "batch_left(np.dot, da, a, b)",
                          "b": "batch_right(np.dot, a, db)"},
               samples=product_samples.dot)
_transpose = defrule(np.transpose, "x, axes=None", kind=lattice.ANY,
                     vjp={"x": "transpose_adjoint(g, axes)"},
                     jvp={"x": "np.transpose(dx, axes)"},
                     jvp_batch={"x": "batch_transpose(dx, axes)"},
                     samples=shape_samples.transpose)
# x.transpose(1, 0), x.transpose((1, 0)), x.transpose(): NumPy's varargs form of the method
_ndarray_transpose = defrule(np.ndarray.transpose, "x, *axes=None", name="ndarray.transpose",
                             kind=lattice.ANY, vjp={"x": "transpose_adjoint(g, axes)"},
                             jvp={"x": "np.transpose(dx, axes)"},
                             jvp_batch={"x": "batch_transpose(dx, axes)"},
                             samples=shape_samples.transpose)
# np.float64 of a complex value keeps its real part (with a ComplexWarning)
_float64 = defrule(np.float64, "x", kind=lattice.SCALAR, vjp={"x": "g"},
                   jvp={"x": "re_like(dx, y)"})

for _f in (np.shape, np.ndim, np.size, np.isnan, np.isinf, np.isfinite, np.argmax, np.argmin,
           np.argsort, np.zeros, np.ones, np.empty, np.eye, np.arange,
           np.zeros_like, np.ones_like, np.empty_like, np.full, np.identity, np.allclose,
           np.isclose, np.array_equal, np.greater, np.less, np.equal, np.not_equal,
           np.greater_equal, np.less_equal, np.logical_and, np.logical_or, np.logical_not,
           np.any, np.all, np.count_nonzero, np.nonzero, np.floor_divide):
    inactive(_f, kind=lattice.INT if _f in (np.ndim, np.size, np.count_nonzero)
             else lattice.ANY)


# Forward rules of the complex kernels templates call (Hessians differentiate them).
defrule(rt.re_like, "v, x", name="re_like", kind=lattice.ANY,
        jvp={"v": "re_like(dv, x)", "x": "0.0"}, samples=kernel_samples.re_like)
defrule(rt.inner_mul, "w, d", name="inner_mul", broadcast=("w", "d"),
        jvp={"w": "inner_mul(dw, d)", "d": "inner_mul(w, dd)"})
defrule(rt.refuse_complex, "name, value, result", name="refuse_complex", kind=lattice.ANY,
        jvp={"name": "0.0", "value": "0.0",
             "result": "refuse_complex(name, value, dresult)"},
        samples=kernel_samples.refuse_complex)
inactive(rt.is_complex, kind=lattice.INT)
inactive(rt.refuse_tangent, kind=lattice.SCALAR, name="refuse_tangent")

method("sum", _sum, "x")
method("mean", _mean, "x")
method("dot", _dot, "a")
method("transpose", _ndarray_transpose, "x")
attribute("T", _transpose)
for _a in ("shape", "ndim", "size", "dtype"):
    attribute(_a, "inactive")
