"""Rules for NumPy's selection and rearrangement functions, copies and casts.

Selections (``where``, ``clip``, ``sort``, ``take``, ``take_along_axis``, ``diag``,
``diagonal``, ``triu``/``tril``, ``trace``) are linear in their data argument: the tangent
applies the same selection to the tangent, the adjoint scatters the cotangent back (adding
where an element was selected several times).  Conventions at non-differentiable points:

* ``np.where(cond, a, b)``: the condition is constant (piecewise constant: derivative 0);
  each element's derivative goes to the branch the condition picks there.
* ``np.clip(a, a_min, a_max)`` = ``minimum(maximum(a, a_min), a_max)``: at a bound the
  derivative goes to ``a`` (the inside piece); ``a_min`` gets it where ``a < a_min``,
  ``a_max`` where the clipped value exceeds ``a_max`` (with ``a_min > a_max``, ``a_max``
  wins, as in NumPy).
* ``np.sort``: ties are broken in stable order (the first of equal elements goes first),
  whatever sorting algorithm NumPy used for the values.
* ``np.take``/``np.take_along_axis``: the indices are constant; repeated indices
  accumulate their cotangents (``np.add.at``).  ``mode="wrap"``/``"clip"`` are honoured.
* ``x.astype(dtype)`` and ``np.astype``: the identity for floating and complex dtypes (the
  adjoint is cast back to the argument's dtype); a cast to an integer or boolean dtype gives
  a constant (when the dtype is written literally the result is not differentiated at all;
  otherwise its derivative is 0).

NumPy 2's ``np.clip(x, min=..., max=...)`` keywords are refused (pass ``a_min``/``a_max``);
the in-place ``x.sort()`` has no rule (use ``np.sort``).

The kernels the adjoint templates call (`tangent_like.runtime.select`) have forward rules
of their own, at the end of this module, so forward-over-reverse (Hessians) differentiates
generated gradient code.  The kernels of tangent templates (``tangent_call``,
``sort_tangent``, ``batch_at``...) have none: forward mode over generated forward-mode code
is not supported through them.
"""
import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .kinds import dtype_kind_of_node
from .registry import (defrule, inactive, linear_helper, lookup, lookup_method, method,
                       partials)
from .samples import kernels as kernel_samples
from .samples import select as samples

A = lattice.ANY


# ------------------------------------------------------------------------------- where
_where = defrule(
    np.where, "cond, a, b", kind=A, broadcast=("a", "b"),
    vjp={"cond": "0.0", "a": "unbroadcast(np.where(cond, g, 0.0), a)",
         "b": "unbroadcast(np.where(cond, 0.0, g), b)"},
    jvp={"cond": "0.0", "a": "np.where(cond, da, 0.0)", "b": "np.where(cond, 0.0, db)"},
    samples=samples.where,
    kink="the condition is constant; each element's derivative goes to the branch taken")


# -------------------------------------------------------------------------------- clip
_clip = defrule(
    np.clip, "a, a_min=None, a_max=None", kind="elementwise",
    broadcast=("a", "a_min", "a_max"),
    vjp={"a": "unbroadcast(g * clip_mask(a, a_min, a_max, 0), a)",
         "a_min": "unbroadcast(g * clip_mask(a, a_min, a_max, 1), a_min)",
         "a_max": "unbroadcast(g * clip_mask(a, a_min, a_max, 2), a_max)"},
    jvp={"a": "da * clip_mask(a, a_min, a_max, 0)",
         "a_min": "da_min * clip_mask(a, a_min, a_max, 1)",
         "a_max": "da_max * clip_mask(a, a_min, a_max, 2)"},
    samples=samples.clip, kink_when="clip_at_bound(a, a_min, a_max)",
    kink="at a bound the derivative goes to a (the inside piece)")
method("clip", _clip, "a")


# -------------------------------------------------------------------------------- sort
_sort = defrule(np.sort, "a, axis=-1, kind=None, order=None, stable=None", kind=A,
                vjp={"a": "sort_adjoint(g, a, axis)"},
                jvp={"a": "sort_tangent(da, a, axis)"},
                jvp_batch={"a": "batch_at(sort_tangent, 0, da, a, axis)"},
                samples=samples.sort, kink_when="sort_has_ties(a, axis)",
                kink="ties are broken in stable order")


# -------------------------------------------------------------------------------- take
_take = defrule(np.take, "a, indices, axis=None, out=None, mode='raise'", kind=A,
                vjp={"a": "take_adjoint(g, a, indices, axis, mode)"},
                jvp={"a": "tangent_call(np.take, 0, da, indices, axis, None, mode)"},
                jvp_batch={"a": "batch_at(np.take, 0, da, indices, axis, None, mode)"},
                samples=samples.take, kink="indices are constant")
method("take", _take, "a")
_tala = defrule(np.take_along_axis, "arr, indices, axis=-1", kind=A,
                vjp={"arr": "take_along_axis_adjoint(g, arr, indices, axis)"},
                jvp={"arr": "tangent_call(np.take_along_axis, 0, darr, indices, axis)"},
                jvp_batch={"arr": "batch_at(np.take_along_axis, 0, darr, indices, axis)"},
                samples=samples.take_along_axis, kink="indices are constant")


# ------------------------------------------------------------------ diagonals, triangles
def _trace_kind(arg_kinds, bound):
    return lattice.SCALAR if arg_kinds.get("a") == ("array", 2) else A


_diag = defrule(np.diag, "v, k=0", kind=A, vjp={"v": "diag_adjoint(g, v, k)"},
                jvp={"v": "tangent_call(np.diag, 0, dv, k)"},
                jvp_batch={"v": "batch_at(np.diag, 0, dv, k)"},
                samples=samples.diag)
_diagonal = defrule(np.diagonal, "a, offset=0, axis1=0, axis2=1", kind=A,
                    vjp={"a": "diagonal_adjoint(g, a, offset, axis1, axis2)"},
                    jvp={"a": "tangent_call(np.diagonal, 0, da, offset, axis1, axis2)"},
                    jvp_batch={"a": "batch_at(np.diagonal, 0, da, offset, axis1, axis2)"},
                    samples=samples.diagonal)
_triu = defrule(np.triu, "m, k=0", kind=A, vjp={"m": "tri_adjoint(g, m, k, True)"},
                jvp={"m": "tangent_call(np.triu, 0, dm, k)"},
                jvp_batch={"m": "batch_at(np.triu, 0, dm, k)"},
                samples=samples.tri)
_tril = defrule(np.tril, "m, k=0", kind=A, vjp={"m": "tri_adjoint(g, m, k, False)"},
                jvp={"m": "tangent_call(np.tril, 0, dm, k)"},
                jvp_batch={"m": "batch_at(np.tril, 0, dm, k)"},
                samples=samples.tri)
_trace = defrule(np.trace, "a, offset=0, axis1=0, axis2=1, dtype=None, out=None",
                 kind=_trace_kind,
                 vjp={"a": "trace_adjoint(g, a, offset, axis1, axis2)"},
                 jvp={"a": "tangent_call(np.trace, 0, da, offset, axis1, axis2)"},
                 jvp_batch={"a": "batch_at(np.trace, 0, da, offset, axis1, axis2)"},
                 samples=samples.trace)
method("diagonal", _diagonal, "a")
method("trace", _trace, "a")


# ------------------------------------------------------------- copies, casts, constants
_copy = partials(np.copy, "a, order='K', subok=False", a="1", kind="elementwise",
                 samples=samples.copy)
if lookup_method("copy") is None:
    method("copy", _copy, "a")


def _astype_kind(arg_kinds, bound):
    k = dtype_kind_of_node(bound.get("dtype"))
    if k is not None and k in "iub":
        return lattice.INT
    x = arg_kinds.get("x", A)
    # a complex result has kind ANY (array and scalar kinds are real values)
    return x if (lattice.is_array(x) or x == lattice.SCALAR) and k == "f" else A


_astype_params = "x, dtype, order='K', casting='unsafe', subok=True, copy=True"


def _astype_method(x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    """``x.astype(...)`` as a function (the rule of the method when NumPy has no np.astype)."""
    return np.asarray(x).astype(dtype, order=order, casting=casting, subok=subok, copy=copy)


_astype = defrule(getattr(np, "astype", _astype_method), _astype_params, kind=_astype_kind,
                  vjp={"x": "astype_adjoint(g, x, dtype)"},
                  jvp={"x": "astype_tangent(dx, dtype)"},
                  jvp_batch={"x": "astype_tangent(dx, dtype)"},
                  samples=samples.astype,
                  kink="identity for float and complex dtypes; integer casts are constant")
method("astype", _astype, "x")
defrule(np.full_like, "a, fill_value, dtype=None, order='K', subok=True, shape=None",
        kind=A, broadcast=("fill_value",),
        vjp={"a": "0.0", "fill_value": "unbroadcast(dense_cotangent(g, y), fill_value)"},
        jvp={"a": "0.0", "fill_value": "re_like(dfill_value + np.zeros(np.shape(y)), y)"},
        samples=samples.full_like, kink="a only gives the shape")

for _f in (np.tri, np.indices, np.diag_indices, np.diag_indices_from, np.tril_indices,
           np.triu_indices, np.tril_indices_from, np.triu_indices_from, np.searchsorted,
           np.digitize, np.argpartition, np.argwhere, np.flatnonzero, np.lexsort,
           np.unravel_index, np.ravel_multi_index, np.iscomplexobj, np.isrealobj,
           np.isneginf, np.isposinf, np.isscalar):
    if lookup(_f) is None:
        inactive(_f, kind=A)


def _cast_kind(arg_kinds, bound):
    """``np.int64(x)``: an int for a number, an array of the same rank for an array (an
    index array, whose repeated entries accumulate: reading it as one int would not)."""
    kind = arg_kinds.get("x", lattice.ANY)
    if lattice.is_array(kind):
        return kind
    return lattice.INT if kind in (lattice.INT, lattice.SCALAR) else lattice.ANY


# casts to NumPy's integer and boolean scalar types: piecewise constant (truncations), with
# jumps at the integers (at 0 for bool)
for _t in (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
           np.intp, np.bool_):
    if lookup(_t) is None:
        inactive(_t, kind=_cast_kind, params="x",
                 kink=f"np.{_t.__name__}() is piecewise constant: derivative 0, jumps at "
                      + ("0" if _t is np.bool_ else "the integers"),
                 kink_when="np.any(np.asarray(x) == 0)" if _t is np.bool_ else
                 "np.any(np.asarray(x) == np.trunc(np.asarray(x)))")
        lookup(_t).discrete = True      # integers (or booleans): piecewise constant


# ------------------------------------------------------------------------- kernel rules
# Forward rules of the adjoint kernels, all linear in the cotangent (Hessians).
inactive(rt.clip_mask, kind=A, name="clip_mask")
inactive(rt.clip_at_bound, kind=lattice.INT, name="clip_at_bound")
inactive(rt.sort_has_ties, kind=lattice.INT, name="sort_has_ties")
linear_helper(rt.dense_cotangent, "v, like", kernel_samples.dense_cotangent,
              batch="batch_dense_cotangent(dv, v, like)")
linear_helper(rt.sort_adjoint, "v, a, axis=-1", samples.sort_adjoint)
linear_helper(rt.take_adjoint, "v, a, indices, axis=None, mode='raise'", samples.take_adjoint)
linear_helper(rt.take_along_axis_adjoint, "v, arr, indices, axis=-1",
              samples.take_along_axis_adjoint)
linear_helper(rt.diagonal_adjoint, "v, a, offset=0, axis1=0, axis2=1", samples.diagonal_adjoint)
linear_helper(rt.trace_adjoint, "v, a, offset=0, axis1=0, axis2=1", samples.trace_adjoint)
linear_helper(rt.diag_adjoint, "u, x, k=0", samples.diag_adjoint)
linear_helper(rt.tri_adjoint, "v, m, k=0, upper=True", samples.tri_adjoint)
linear_helper(rt.astype_adjoint, "v, x, dtype", samples.astype_adjoint)
