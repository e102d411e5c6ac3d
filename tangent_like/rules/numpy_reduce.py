"""Rules for NumPy reductions and scans.

``np.prod``, ``np.max``/``np.amax``, ``np.min``/``np.amin``, ``np.var``, ``np.std``,
``np.cumsum``, ``np.cumprod``, ``np.linalg.norm`` (and NumPy 2's ``matrix_norm``,
``vector_norm``, ``svdvals``) and ``np.average``, and the ndarray methods
``.prod .max .min .std .var .cumsum .cumprod``.

Every rule gives its reverse (``vjp``), forward (``jvp``) and vector-forward (``jvp_batch``)
templates side by side.  Most reductions share one shape: the adjoint is
``sum_adjoint(g, x, axis, keepdims) * W`` -- the output cotangent spread back over the
reduced axes, times a weight array ``W`` shaped like ``x`` (the partial derivative of each
output element with respect to each element it reduces) -- and the tangent is
``np.sum(dx * W, axis=axis, keepdims=keepdims)`` (``batch_reduce`` for a batched tangent,
whose leading batch axis the reduction must skip).  The weight kernels (`prod_others`,
`tie_weights`, `var_weights`, `std_scale`, `norm_weights`, `average_weights`) and the
adjoint kernels (`cumsum_adjoint`, `cumprod_adjoint`, `average_adjoint_w`) live in
`tangent_like.runtime.reduce` and `tangent_like.runtime.norm`; their forward rules, at the end
of this module, let Hessians (forward mode over the generated gradient code) differentiate
through them (cumprod's second derivatives only where x has no zero; the SVD-based matrix
norms of real matrices need distinct nonzero singular values).  Batched templates wrap a
tangent in `as_batched`, since in vector forward mode a value recorded by the reverse sweep
may carry an unbatched zero tangent.

Conventions at non-differentiable points:

* ``max``/``min``/``amax``/``amin`` (and the max/min inside the inf-norms and the matrix
  1-norms): at a tie the adjoint is split EQUALLY among the tied elements (each gets
  ``g / number_tied``) and the tangent is the mean of the tied elements' tangents.  It is a
  valid subgradient (the one of least norm) and does not depend on the order of the elements.
  A NaN in a reduced group propagates to the result (as in NumPy); the NaN elements then
  count as the tied maxima.
* ``prod`` is smooth; zeros are handled exactly: the derivative with respect to ``x_i`` is the
  product of the other elements, computed from prefix and suffix products, never by dividing
  by ``x``.
* ``cumprod`` is smooth too and also exact with zeros: it divides only by the elements before
  the first zero along the axis (nonzero by construction); the element at the first zero gets
  the products with that zero left out, and elements after it get 0.
* ``std`` at zero spread (all reduced elements equal: the derivative is infinite): 0.
* ``norm``: the 2-norm and the Frobenius norm at 0 have derivative 0; the 1-norm uses
  ``sign(0) = 0``; general p-norms use 0 where ``x_i == 0``; spectral (``ord=2``/``-2``) and
  nuclear (``"nuc"``) matrix norms use the singular vectors ``np.linalg.svd`` returns (not
  unique when singular values repeat).
* ``average`` divides by the sum of the weights (like NumPy, which refuses a zero sum).

Complex values (see `tangent_like.runtime.core`): ``prod``, ``cumsum``, ``cumprod``, ``average``
are holomorphic (the adjoint conjugates the weights); ``var``, ``std`` and ``norm`` are real
functions of complex values, whose weights already are the adjoint convention's derivative
(the tangent is ``Re(conj(W) dx)``); ``max``/``min`` select elements (NumPy's lexicographic
order of complex values).  Results that may be complex have kind ANY.
"""
import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .kinds import literal, maybe_complex
from .registry import defrule, inactive, lookup, method
from .samples import reduce as samples
from .samples import with_defaults

A = lattice.ANY


# ------------------------------------------------------------------------- kinds
def reduce_kind(arg_kinds, bound):
    """Result kind of a reduction over ``axis`` of ``x`` (``keepdims`` honoured)."""
    axis = literal(bound, "axis", None)
    keep = literal(bound, "keepdims", False)
    xk = arg_kinds.get("x")
    if keep is True:
        return xk if lattice.is_array(xk) else A
    if keep is not False and keep is not None:
        return A
    if axis is None:
        return lattice.SCALAR
    if type(axis) is int and lattice.is_array(xk):
        return lattice.SCALAR if xk[1] == 1 else ("array", xk[1] - 1)
    return A


def _maybe_complex_x(arg_kinds):
    return maybe_complex(arg_kinds.get("x", lattice.INT))


def complex_reduce_kind(arg_kinds, bound):
    """`reduce_kind` for reductions whose result is complex for complex x (prod, max...)."""
    return A if _maybe_complex_x(arg_kinds) else reduce_kind(arg_kinds, bound)


def scan_kind(arg_kinds, bound):
    """Result kind of cumsum/cumprod: 1-D without axis, else x's own kind."""
    axis = literal(bound, "axis", None)
    if axis is None:
        return A if _maybe_complex_x(arg_kinds) else ("array", 1)
    xk = arg_kinds.get("x")
    return xk if lattice.is_array(xk) else A


# ------------------------------------------------------------------------- rules
RED = "x, axis=None, dtype=None, out=None, keepdims=False"
EXT = "x, axis=None, out=None, keepdims=False"
VAR = "x, axis=None, dtype=None, out=None, ddof=0, keepdims=False"
SCAN = "x, axis=None, dtype=None, out=None"
DX = "as_batched(dx, x)"        # a batched tangent of x (see `as_batched`)


def reduce_templates(weights, wrap="{}", how="holomorphic", axis="axis"):
    """Templates of a reduction whose derivative is the weight array `weights` (an
    expression shaped like x); `wrap` maps the tangent (and, with ``g``, the cotangent).
    `axis` is the template of the reduced axes (the parameter of that name by default).

    For complex x, `how` is "holomorphic" (prod: the adjoint conjugates the weights),
    "real" (a real function of complex values, var/std/norm: the weights are the adjoint
    convention's derivative, the tangent is ``Re(conj(W) dx)``) or "select" (max/min)."""
    plain = f"sum_adjoint({wrap.format('g')}, x, {axis}, keepdims) * {weights}"
    vjp = plain if how != "holomorphic" else \
        f"sum_adjoint({wrap.format('g')}, x, {axis}, keepdims) * cj({weights})"
    term = f"inner_mul({weights}, {{}})" if how == "real" else f"{{}} * {weights}"
    return dict(
        vjp={"x": vjp}, real_vjp={"x": plain},
        jvp={"x": wrap.format(f"np.sum({term.format('dx')}, axis={axis}, "
                              "keepdims=keepdims)")},
        jvp_batch={"x": wrap.format(f"batch_reduce(np.sum, {term.format(DX)}, {axis}, "
                                    "keepdims)")})


_prod = defrule(np.prod, RED, kind=complex_reduce_kind, samples=samples.prod,
                kink="smooth; zeros handled exactly (products of the other elements, no "
                     "division)",
                **reduce_templates("prod_others(x, axis)"))

_EXTREME = dict(kind=complex_reduce_kind, samples=samples.extreme,
                **reduce_templates("tie_weights(x, y, axis, keepdims)", how="select"))
_max = defrule(np.max, EXT, kink="max at a tie: the tied elements share the derivative "
               "equally", kink_when="reduce_tie(x, axis, 'max')", **_EXTREME)
defrule(np.amax, EXT, kink=_max.kink, kink_when=_max.kink_when, **_EXTREME)
_min = defrule(np.min, EXT, kink="min at a tie: the tied elements share the derivative "
               "equally", kink_when="reduce_tie(x, axis, 'min')", **_EXTREME)
defrule(np.amin, EXT, kink=_min.kink, kink_when=_min.kink_when, **_EXTREME)

_var = defrule(np.var, VAR, kind=reduce_kind, samples=samples.var,
               **reduce_templates("var_weights(x, axis, ddof)", how="real"))
# std = sqrt(var): the variance's templates with the (co)tangent scaled by 1 / (2 std)
_std = defrule(np.std, VAR, kind=reduce_kind, samples=samples.var,
               kink="std at zero spread (all elements equal): derivative 0",
               kink_when="zero_spread(x, axis)",
               **reduce_templates("var_weights(x, axis, ddof)", wrap="std_scale({}, y)",
                                   how="real"))

_cumsum = defrule(np.cumsum, SCAN, kind=scan_kind, samples=samples.scan,
                  vjp={"x": "cumsum_adjoint(g, x, axis)"},
                  jvp={"x": "np.cumsum(dx, axis=axis)"},
                  jvp_batch={"x": f"batch_cumulative(np.cumsum, {DX}, axis)"})
_cumprod = defrule(np.cumprod, SCAN, kind=scan_kind,
                   samples=samples.scan_with_zeros,
                   vjp={"x": "cumprod_adjoint(g, x, y, axis)"},
                   jvp={"x": "cumprod_tangent(dx, x, y, axis)"},
                   jvp_batch={"x": f"cumprod_tangent({DX}, x, y, axis, True)"},
                   kink="smooth; zeros handled exactly (division only by elements before "
                        "the first zero)")

_norm = defrule(np.linalg.norm, "x, ord=None, axis=None, keepdims=False",
                name="np.linalg.norm", kind=reduce_kind, samples=samples.norm,
                kink="2-norm/Frobenius at 0: derivative 0; 1-norm at x_i = 0: sign 0; "
                     "inf-norms at a tie: shared equally; spectral/nuclear: the singular "
                     "vectors svd returns",
                kink_when="norm_kink(x, ord, axis)",
                **reduce_templates("norm_weights(x, y, ord, axis, keepdims)", how="real"))

# NumPy 2's norms with keyword-only options: matrix_norm is norm over the last two axes,
# vector_norm treats the reduced axes (all of them without axis=) as one vector
_matrix_norm = defrule(
    np.linalg.matrix_norm, "x, *, keepdims=False, ord='fro'", name="np.linalg.matrix_norm",
    kind=lambda k, b: (lattice.SCALAR if k.get("x") == ("array", 2) and
                       literal(b, "keepdims", False) is False else A),
    samples=samples.matrix_norm, kink=_norm.kink,
    **reduce_templates("norm_weights(x, y, ord, (-2, -1), keepdims)", how="real",
                       axis="(-2, -1)"))
_vector_norm = defrule(
    np.linalg.vector_norm, "x, *, axis=None, keepdims=False, ord=2", name="np.linalg.vector_norm",
    kind=reduce_kind, samples=samples.vector_norm, kink=_norm.kink,
    **reduce_templates("vector_norm_weights(x, y, ord, axis, keepdims)", how="real"))
_svdvals = defrule(
    np.linalg.svdvals, "x", name="np.linalg.svdvals", kind=A, samples=samples.svdvals,
    vjp={"x": "svd_values_adjoint(g, x)"}, jvp={"x": "svd_values_tangent(dx, x)"},
    kink="the singular vectors svd returns where singular values repeat")

# np.average: `keepdims` is keyword-only in NumPy and `returned=True` (a tuple result) is
# not supported, so the templates read whether dims were kept from the result's rank.
_KEEP = "np.ndim(y) == np.ndim(x)"
_AVG_W = "average_weights(x, axis, weights)"


def _average_kind(arg_kinds, bound):
    if maybe_complex(arg_kinds.get("weights", lattice.INT)):
        return A
    return complex_reduce_kind(arg_kinds, bound)


_average = defrule(
    np.average, "x, axis=None, weights=None, keepdims=False", kind=_average_kind,
    samples=samples.average,
    vjp={"x": f"re_like(sum_adjoint(g, x, axis, {_KEEP}) * cj({_AVG_W}), x)",
         "weights": "average_adjoint_w(g, x, y, axis, weights)"},
    real_vjp={"x": f"sum_adjoint(g, x, axis, {_KEEP}) * {_AVG_W}"},
    jvp={"x": f"np.sum(dx * {_AVG_W}, axis=axis, keepdims={_KEEP})",
         "weights": "average_tangent_w(dweights, x, y, axis, weights)"},
    jvp_batch={"x": f"batch_reduce(np.sum, {DX} * {_AVG_W}, axis, {_KEEP})",
               "weights": "average_tangent_w(as_batched(dweights, weights), x, y, axis, "
                          "weights, True)"})

for _rule in (_prod, _var, _std, _cumsum, _cumprod, _norm):
    with_defaults(_rule)
for _f in (np.max, np.amax, np.min, np.amin):
    with_defaults(lookup(_f))
with_defaults(_average, omit=("keepdims",))

method("prod", _prod, "x")
method("max", _max, "x")
method("min", _min, "x")
method("var", _var, "x")
method("std", _std, "x")
method("cumsum", _cumsum, "x")
method("cumprod", _cumprod, "x")


# ------------------------------------------------------------------------- kernel rules
# Forward rules of the kernels the adjoint templates call, so forward mode applies to the
# generated gradient code (Hessians).  Parameters named `result` hold a primal output:
# templates reserve `y` for the kernel's own output.
def _kernel_rule(func, params, **options):
    return with_defaults(defrule(func, params, name=func.__name__, kind=A, **options))


inactive(rt.tie_weights, kind=A, name="tie_weights")
inactive(rt.reduce_tie, kind=lattice.INT, name="reduce_tie")
inactive(rt.zero_spread, kind=lattice.INT, name="zero_spread")
inactive(rt.norm_kink, kind=lattice.INT, name="norm_kink")

_kernel_rule(rt.prod_others, "x, axis=None", samples=samples.prod_others,
             jvp={"x": "prod_others_tangent(dx, x, axis)"},
             jvp_batch={"x": f"prod_others_tangent({DX}, x, axis, True)"})
_kernel_rule(rt.var_weights, "x, axis=None, ddof=0, batch=False", samples=samples.var_weights,
             jvp={"x": "var_weights(dx, axis, ddof, batch)"},
             jvp_batch={"x": f"var_weights({DX}, axis, ddof, True)"})
defrule(rt.std_scale, "v, s", name="std_scale", kind="elementwise", broadcast=("v", "s"),
        domain={"v": "any", "s": "positive"},
        jvp={"v": "std_scale(dv, s)", "s": "-2.0 * std_scale(std_scale(v, s), s) * ds"})
_kernel_rule(rt.cumsum_adjoint, "v, x, axis=None", samples=samples.cumsum_adjoint,
             jvp={"v": "cumsum_adjoint(dv, x, axis)", "x": "0.0"},
             jvp_batch={"v": "batch_map(cumsum_adjoint, as_batched(dv, v), x, axis)"})
_CP = "v, x, result, axis"
_kernel_rule(rt.cumprod_adjoint, "v, x, result, axis=None", samples=samples.cumprod_adjoint,
             jvp={"v": "cumprod_adjoint(dv, x, result, axis)",
                  "x": f"cumprod_adjoint_tangent(dx, 0.0, {_CP})",
                  "result": f"cumprod_adjoint_tangent(0.0, dresult, {_CP})"},
             jvp_batch={"v": "batch_map(cumprod_adjoint, as_batched(dv, v), x, result, axis)",
                        "x": f"cumprod_adjoint_tangent({DX}, 0.0, {_CP}, True)",
                        "result": "cumprod_adjoint_tangent(0.0, as_batched(dresult, result), "
                                  f"{_CP}, True)"})
_NW = "x, result, ord, axis, keepdims"
_kernel_rule(rt.norm_weights, "x, result, ord=None, axis=None, keepdims=False",
             samples=samples.norm_weights,
             jvp={"x": f"norm_weights_tangent(dx, 0.0, {_NW})",
                  "result": f"norm_weights_tangent(0.0, dresult, {_NW})"},
             jvp_batch={"x": f"norm_weights_tangent({DX}, 0.0, {_NW}, True)",
                        "result": "norm_weights_tangent(0.0, as_batched(dresult, result), "
                                  f"{_NW}, True)"})
_VW = "x, result, ord, axis, keepdims"
_kernel_rule(rt.vector_norm_weights, "x, result, ord=2, axis=None, keepdims=False",
             samples=samples.vector_norm_weights,
             jvp={"x": f"vector_norm_weights_tangent(dx, 0.0, {_VW})",
                  "result": f"vector_norm_weights_tangent(0.0, dresult, {_VW})"},
             jvp_batch={"x": f"vector_norm_weights_tangent({DX}, 0.0, {_VW}, True)",
                        "result": "vector_norm_weights_tangent(0.0, as_batched(dresult, "
                                  f"result), {_VW}, True)"})
_kernel_rule(rt.average_weights, "x, axis=None, weights=None", samples=samples.average_weights,
             jvp={"x": "0.0", "weights": "average_weights_tangent(dweights, x, axis, weights)"},
             jvp_batch={"weights": "average_weights_tangent(as_batched(dweights, weights), x, "
                                   "axis, weights, True)"})
_AW = "v, x, result, axis, weights"
_DW = "as_batched(dweights, weights)"
_kernel_rule(
    rt.average_adjoint_w, "v, x, result, axis=None, weights=None",
    samples=samples.average_adjoint_w,
    jvp={"v": "average_adjoint_w(dv, x, result, axis, weights)",
         "x": f"average_adjoint_w_tangent(dx, 0.0, 0.0, {_AW})",
         "result": f"average_adjoint_w_tangent(0.0, dresult, 0.0, {_AW})",
         "weights": f"average_adjoint_w_tangent(0.0, 0.0, dweights, {_AW})"},
    jvp_batch={"v": f"batch_map(average_adjoint_w, as_batched(dv, v), {_AW[3:]})",
               "x": f"average_adjoint_w_tangent({DX}, 0.0, 0.0, {_AW}, True)",
               "result": "average_adjoint_w_tangent(0.0, as_batched(dresult, result), 0.0, "
                         f"{_AW}, True)",
               "weights": f"average_adjoint_w_tangent(0.0, 0.0, {_DW}, {_AW}, True)"})
