"""Rules for order statistics and NaN-ignoring reductions.

``np.median``, ``np.percentile``, ``np.quantile`` and ``np.nanmedian``,
``np.nanpercentile``, ``np.nanquantile`` (the default method, linear interpolation);
``np.nansum``, ``np.nanmean``, ``np.nanprod``, ``np.nanmax``, ``np.nanmin``, ``np.nanvar``,
``np.nanstd``; ``np.nan_to_num``.

A quantile with linear interpolation is ``(1 - t) x_(lo) + t x_(hi)``, two order statistics
of the reduced elements: its derivative flows to the elements at those two positions of the
sorted order, with weights ``1 - t`` and ``t`` (`tangent_like.runtime.stats`), and its
derivative with respect to q is the slope ``(n - 1) (x_(hi) - x_(lo))`` (divided by 100 for
percentiles).  Conventions at non-differentiable points: where two elements are equal, the
stable sort order decides which of them is the order statistic (the derivative goes to one
of them, not shared); where ``q (n - 1)`` is an integer (a knot, where the slope in q jumps)
the derivative with respect to q is the slope of the piece above.  The nan- functions leave
NaNs out (derivative 0 there).  Other ``method=`` values, ``overwrite_input=True`` and
``out=`` are refused; ``weights=`` is not supported.

The NaN-ignoring reductions are the plain ones with NaNs left out: their weights
(`nan_mask`, `nan_mean_weights`, `masked_var_weights`, the products of the other numbers)
are 0 at NaNs, ties of ``nanmax``/``nanmin`` share the derivative equally (as ``np.max``),
``nanstd`` at zero spread has derivative 0.  ``np.nan_to_num`` has derivative 1 where x is
finite and passes the derivative of the replacement values (``nan=``, ``posinf=``,
``neginf=``, real x only) to the elements they replace.
"""
import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from ..errors import NoDerivativeError
from ..runtime.stats import check_quantile_method
from .kinds import literal
from .numpy_reduce import (EXT, RED, VAR, reduce_templates, complex_reduce_kind,
                           reduce_kind)
from .registry import defrule, inactive
from .samples import stats as samples
from .samples import with_defaults

A = lattice.ANY
TESTED_BY = "tests/test_numpy_more.py"


# ------------------------------------------------------------------------------ quantiles
def _quantile_kind(arg_kinds, bound):
    if literal(bound, "overwrite_input", False) not in (False, None):
        raise NoDerivativeError("quantiles with overwrite_input=True have no derivative rule "
                                "(the input is reordered in place)",
                                hint="call it without overwrite_input=")
    if literal(bound, "out", None) is not None:
        raise NoDerivativeError("quantiles with out= have no derivative rule",
                                hint="assign the result instead")
    method = literal(bound, "method", "linear")
    if isinstance(method, str):
        check_quantile_method(method)
    q = arg_kinds.get("q", lattice.SCALAR)
    if "q" in bound and q not in (lattice.SCALAR, lattice.INT):
        return A
    return reduce_kind({"x": arg_kinds.get("a", A)}, bound)


def _quantile_rule(func, scale, nan, median=False):
    name = f"np.{func.__name__}"
    q = "0.5" if median else "q"
    method = "'linear'" if median else "method"
    w = f"quantile_weights(a, {q}, axis, {scale}, 0, {nan}, {method})"
    dw = f"quantile_weights(a, q, axis, {scale}, 1, {nan}, method)"
    vjp = {"a": f"weighted_sum_adjoint(g, {w}, a, axis, keepdims)"}
    da = "nan_zeroed(da, a)" if nan else "da"
    jvp = {"a": f"weighted_sum({w}, {da}, axis, keepdims)"}
    batch = {"a": f"weighted_sum({w}, as_batched({da}, a), axis, keepdims, True)"}
    if not median:
        vjp["q"] = f"weighted_sum_adjoint_q(g, {dw}, a, q, axis, keepdims)"
        jvp["q"] = f"weighted_sum_q(dq, {dw}, a, axis, keepdims)"
        batch["q"] = f"weighted_sum_q(as_batched(dq, q), {dw}, a, axis, keepdims, True)"
    params = ("a, axis=None, out=None, overwrite_input=False, keepdims=False" if median else
              "a, q, axis=None, out=None, overwrite_input=False, method='linear', "
              "keepdims=False")
    kink = ("equal elements: the stable sort order picks the order statistic; "
            + ("" if median else "q at a knot: the slope above; ") + "linear method only")
    return with_defaults(defrule(
        func, params, name=name, kind=_quantile_kind, vjp=vjp, jvp=jvp, jvp_batch=batch,
        samples=samples.median if median else samples.quantile(scale, nan),
        kink=kink + ("; NaNs left out" if nan else "")))


for _f, _nan in ((np.median, False), (np.nanmedian, True)):
    _quantile_rule(_f, 1.0, _nan, median=True)
for _f, _scale, _nan in ((np.quantile, 1.0, False), (np.percentile, 0.01, False),
                         (np.nanquantile, 1.0, True), (np.nanpercentile, 0.01, True)):
    _quantile_rule(_f, _scale, _nan)


# ----------------------------------------------------------------- NaN-ignoring reductions
_nansum = defrule(np.nansum, RED, kind=complex_reduce_kind, samples=samples.nan_reduce,
                  kink="NaNs count as 0", **reduce_templates("nan_mask(x)"))
_nanmean = defrule(np.nanmean, RED, kind=complex_reduce_kind, samples=samples.nan_reduce,
                   kink="NaNs left out", **reduce_templates("nan_mean_weights(x, axis)"))
_nanprod = defrule(np.nanprod, RED, kind=complex_reduce_kind, samples=samples.nan_reduce,
                   kink="NaNs count as 1; zeros handled exactly", **reduce_templates(
                       "np.where(np.isnan(x), 0.0, prod_others(np.where(np.isnan(x), 1.0, "
                       "x), axis))"))
_nanmax = defrule(np.nanmax, EXT, kind=complex_reduce_kind, samples=samples.nan_extreme,
                  kink="NaNs left out; at a tie the tied elements share the derivative "
                       "equally", kink_when="reduce_tie(x, axis, 'max')",
                  **reduce_templates("tie_weights(x, y, axis, keepdims)", how="select"))
_nanmin = defrule(np.nanmin, EXT, kind=complex_reduce_kind, samples=samples.nan_extreme,
                  kink="NaNs left out; at a tie the tied elements share the derivative "
                       "equally", kink_when="reduce_tie(x, axis, 'min')",
                  **reduce_templates("tie_weights(x, y, axis, keepdims)", how="select"))
_nanvar = defrule(np.nanvar, VAR, kind=reduce_kind, samples=samples.nan_var,
                  kink="NaNs left out",
                  **reduce_templates("masked_var_weights(x, x, axis, ddof)", how="real"))
_nanstd = defrule(np.nanstd, VAR, kind=reduce_kind, samples=samples.nan_var,
                  kink="NaNs left out; at zero spread derivative 0",
                  **reduce_templates("masked_var_weights(x, x, axis, ddof)",
                                      wrap="std_scale({}, y)", how="real"))
for _rule in (_nansum, _nanmean, _nanprod, _nanmax, _nanmin, _nanvar, _nanstd):
    # the tangents at NaNs may be NaN themselves: left out too
    for _table in (_rule.jvp, _rule.jvp_batch):
        _table["x"] = _table["x"].replace("dx", "nan_zeroed(dx, x)")
    with_defaults(_rule)


# ------------------------------------------------------------------------------ nan_to_num
def _same_kind(arg_kinds, bound):
    if literal(bound, "copy", True) is not True:
        raise NoDerivativeError("np.nan_to_num(..., copy=False) changes x in place: it has no "
                                "derivative rule", hint="call it without copy=")
    k = arg_kinds.get("x", A)
    return k if lattice.is_array(k) or k == lattice.SCALAR else A


def _fill(which):
    return dict(vjp=f"fill_adjoint(g, x, {which!r})", jvp=f"fill_tangent(d{which}, x, "
                f"{which!r})", batch=f"fill_tangent(d{which}, x, {which!r}, True)")


_FILLS = {w: _fill(w) for w in ("nan", "posinf", "neginf")}
with_defaults(defrule(
    np.nan_to_num, "x, copy=True, nan=0.0, posinf=None, neginf=None", kind=_same_kind,
    samples=samples.nan_to_num,
    vjp=dict({"x": "finite_part(g, x)"}, **{w: f["vjp"] for w, f in _FILLS.items()}),
    jvp=dict({"x": "finite_part(dx, x)"}, **{w: f["jvp"] for w, f in _FILLS.items()}),
    jvp_batch=dict({"x": "finite_part(dx, x)"}, **{w: f["batch"] for w, f in _FILLS.items()}),
    kink="derivative 1 where x is finite; the replacement values' derivatives go where "
         "they are put"))


# ------------------------------------------------------------------------- kernel rules
# Forward rules of the kernels the templates call (second derivatives).  The weights of
# order statistics and the NaN masks are piecewise constant.
for _k in (rt.quantile_weights, rt.nan_mask, rt.nan_mean_weights, rt.replaced_where):
    inactive(_k, kind=A, name=_k.__name__)
_WS = "axis, keepdims"
defrule(rt.weighted_sum, "w, x, axis=None, keepdims=False, batch=False", name="weighted_sum",
        kind=A, samples=samples.weighted_sum,
        jvp={"w": f"weighted_sum(dw, x, {_WS}, batch)", "x": f"weighted_sum(w, dx, {_WS}, batch)",
             "axis": "0.0", "keepdims": "0.0", "batch": "0.0"},
        jvp_batch={"x": f"weighted_sum(w, as_batched(dx, x), {_WS}, True)",
                   "w": f"batch_at(weighted_sum, 0, dw, x, {_WS})"})
defrule(rt.weighted_sum_adjoint, "v, w, x, axis=None, keepdims=False",
        name="weighted_sum_adjoint", kind=A, samples=samples.weighted_sum_adjoint,
        jvp={"v": f"weighted_sum_adjoint(dv, w, x, {_WS})",
             "w": f"weighted_sum_adjoint(v, dw, x, {_WS})", "x": "0.0", "axis": "0.0",
             "keepdims": "0.0"},
        jvp_batch={"v": f"batch_map(weighted_sum_adjoint, dv, w, x, {_WS})",
                   "w": f"batch_at(weighted_sum_adjoint, 1, v, dw, x, {_WS})"})
defrule(rt.weighted_sum_adjoint_q, "v, w, x, q, axis=None, keepdims=False",
        name="weighted_sum_adjoint_q", kind=A, samples=samples.weighted_sum_adjoint_q,
        jvp={"v": f"weighted_sum_adjoint_q(dv, w, x, q, {_WS})",
             "x": f"weighted_sum_adjoint_q(v, w, dx, q, {_WS})", "q": "0.0", "axis": "0.0",
             "keepdims": "0.0"},
        jvp_batch={"v": f"batch_map(weighted_sum_adjoint_q, dv, w, x, q, {_WS})",
                   "x": f"batch_at(weighted_sum_adjoint_q, 2, v, w, dx, q, {_WS})"})
defrule(rt.weighted_sum_q, "dq, w, x, axis=None, keepdims=False, batch=False",
        name="weighted_sum_q", kind=A, tested_by=TESTED_BY,
        jvp={"dq": f"weighted_sum_q(ddq, w, x, {_WS}, batch)",
             "x": f"weighted_sum_q(dq, w, dx, {_WS}, batch)"})
defrule(rt.masked_var_weights, "v, x, axis=None, ddof=0, batch=False",
        name="masked_var_weights", kind=A, samples=samples.masked_var_weights,
        jvp={"v": "masked_var_weights(dv, x, axis, ddof, batch)", "x": "0.0", "axis": "0.0",
             "ddof": "0.0", "batch": "0.0"},
        jvp_batch={"v": "masked_var_weights(as_batched(dv, v), x, axis, ddof, True)"})
defrule(rt.nan_zeroed, "v, x", name="nan_zeroed", kind=A, samples=samples.finite_part,
        jvp={"v": "nan_zeroed(dv, x)", "x": "0.0"})
defrule(rt.finite_part, "v, x", name="finite_part", kind=A, samples=samples.finite_part,
        jvp={"v": "finite_part(dv, x)", "x": "0.0"})
defrule(rt.fill_adjoint, "v, x, which", name="fill_adjoint", kind=A, tested_by=TESTED_BY,
        jvp={"v": "fill_adjoint(dv, x, which)", "x": "0.0", "which": "0.0"},
        jvp_batch={"v": "batch_map(fill_adjoint, dv, x, which)"})
defrule(rt.fill_tangent, "d, x, which, batch=False", name="fill_tangent", kind=A,
        tested_by=TESTED_BY, jvp={"d": "fill_tangent(dd, x, which, batch)", "x": "0.0",
                                  "which": "0.0", "batch": "0.0"})
