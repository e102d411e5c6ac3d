"""Rules for NumPy's selection and rearrangement functions, more elementwise ufuncs, copies
and casts.

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
* ``np.fmax``/``np.fmin``: at a tie the first argument gets the derivative; a NaN argument
  gets none (the other one is selected).
* ``np.copysign(a, b)``: derivative ``sign(a) * copysign(1, b)`` for ``a`` (0 at a == 0, as
  for ``abs``); ``b`` only contributes a sign: derivative 0.
* ``np.remainder``/``np.fmod``: the derivative of the piece (jumps where ``a / b`` is an
  integer).
* ``x.astype(dtype)`` and ``np.astype``: the identity for floating and complex dtypes (the
  adjoint is cast back to the argument's dtype); a cast to an integer or boolean dtype gives
  a constant (when the dtype is written literally the result is not differentiated at all;
  otherwise its derivative is 0).

NumPy 2's ``np.clip(x, min=..., max=...)`` keywords are refused (pass ``a_min``/``a_max``);
the in-place ``x.sort()`` has no rule (use ``np.sort``).

The helpers the adjoint templates call are registered with `helper` and have forward rules
of their own, so forward-over-reverse (Hessians) differentiates generated gradient code.
The helpers of tangent templates (``tangent_call``, ``sort_tangent``, ``batch_at``...) have
none: forward mode over generated forward-mode code is not supported through them.
"""
import math

import numpy as np

from ..analysis import lattice
from .numpy_rules import holomorphic
from .registry import defrule, helper, inactive, lookup, lookup_method, method

A = lattice.ANY


# ---------------------------------------------------------------------------- utilities
def _is_zero(v):
    return isinstance(v, float) and v == 0.0 or v is None


def _dense(v, shape):
    """Cotangent `v` (possibly the zero ``0.0`` or broadcastable) as an array of `shape`."""
    if isinstance(v, np.ndarray) and v.shape == tuple(shape):
        return v
    if v is None:
        v = 0.0
    return np.zeros(shape, dtype=np.result_type(v, 1.0)) + v


def _float_zeros(shape, *like):
    return np.zeros(shape, dtype=np.result_type(*like, 1.0))


def _real_like(x, like):
    """`x` as the adjoint of the real argument `like`: its real part (real inner product)."""
    if np.iscomplexobj(x) and not np.iscomplexobj(like):
        return np.real(x)
    return x


@helper
def dense_cotangent(v, like):
    """Cotangent `v` as an array shaped like `like` (``0.0`` becomes zeros); cotangents of
    lists and tuples pass through."""
    if isinstance(v, (tuple, list, dict)) or isinstance(like, (tuple, list, dict)):
        return v
    shape = np.shape(like)
    if isinstance(v, np.ndarray) and v.shape == shape:
        return v
    if shape == () and not isinstance(v, np.ndarray):
        return v
    return _dense(v, shape)


@helper
def batch_at(fn, pos, *args):
    """``fn(*args)`` with ``args[pos]`` a batched tangent: mapped over its leading axis."""
    d = args[pos]
    if _is_zero(d):
        return 0.0
    if np.ndim(d) == 0:         # the same scalar tangent in every direction: it broadcasts
        return fn(*args)
    out = []
    for t in d:
        a = list(args)
        a[pos] = t
        out.append(np.asarray(fn(*a)))
    return np.stack(out)


@helper
def tangent_call(fn, pos, *args):
    """``fn(*args)`` for the tangent ``args[pos]`` of a linear function: 0.0 stays 0.0 (a
    zero tangent may be the float 0.0, which `fn` may not accept)."""
    if _is_zero(args[pos]):
        return 0.0
    return fn(*args)


@helper
def pick_unless(which, k, value):
    """`value`, or 0.0 when ``which == k``: the adjoint of operand `which` of a multilinear
    function does not depend on that operand (it only gives the shape)."""
    return 0.0 if which == k else value


def linear_helper(func, params, samples, batch=True):
    """Forward rules of a helper linear in its first parameter; the others are constant
    (shapes, indices, axes) or only give shapes."""
    from .registry import _parse_params
    names, _ = _parse_params(params)
    first, rest = names[0], names[1:]
    args = ", ".join(rest)
    call = f"{func.__name__}(d{first}{', ' if rest else ''}{args})"
    jvp = {first: call}
    jvp.update({p: "0.0" for p in rest})
    jvp_batch = {first: f"batch_at({func.__name__}, 0, d{first}{', ' if rest else ''}{args})"} \
        if batch else None
    return defrule(func, params, kind=A, jvp=jvp, jvp_batch=jvp_batch, name=func.__name__,
                   samples=samples)


def multilinear_helper(func, params, linear, samples, tested_by=None):
    """Forward rules of a helper ``func(v, which, ...operands)`` linear in `v` and in every
    operand in `linear` except operand number ``which`` (which only gives a shape)."""
    from .registry import _parse_params
    names, _ = _parse_params(params)
    first = names[0]
    fname = func.__name__

    def call(sub, dname):
        return f"{fname}({', '.join(dname if n == sub else n for n in names)})"

    jvp = {first: call(first, "d" + first)}
    jvp_batch = {first: f"batch_at({fname}, 0, {', '.join(['d' + first] + names[1:])})"}
    for k, p in enumerate(linear):
        jvp[p] = f"pick_unless(which, {k}, {call(p, 'd' + p)})"
        pos = names.index(p)
        batched = ", ".join("d" + n if n == p else n for n in names)
        jvp_batch[p] = f"pick_unless(which, {k}, batch_at({fname}, {pos}, {batched}))"
    for p in names[1:]:
        jvp.setdefault(p, "0.0")
    return defrule(func, params, kind=A, jvp=jvp, jvp_batch=jvp_batch, name=fname,
                   samples=samples, tested_by=tested_by)


@helper
def batch_dense_cotangent(dv, v, like):
    """`dense_cotangent` of a batched tangent `dv` of `v` (batched when it has one more
    axis than `v`): shaped ``(k,) + like.shape``; tuples pass through."""
    if isinstance(dv, (tuple, list, dict)) or isinstance(like, (tuple, list, dict)):
        return dv
    if _is_zero(dv):
        return 0.0
    dv = np.asarray(dv)
    if dv.ndim <= np.ndim(v):          # the same tangent in every direction
        return dense_cotangent(dv, like)
    shape = np.shape(like)
    dv = dv.reshape(dv.shape[:1] + (1,) * (len(shape) - np.ndim(v)) + dv.shape[1:])
    return np.broadcast_to(dv, dv.shape[:1] + shape) + np.zeros((), dtype=dv.dtype)


linear_helper(dense_cotangent, "v, like", lambda rng: [
    {"v": rng.standard_normal((2, 3)), "like": rng.standard_normal((2, 3))},
    {"v": 0.0, "like": rng.standard_normal(3)},
    {"v": 1.5, "like": 2.0}]).jvp_batch["v"] = "batch_dense_cotangent(dv, v, like)"


# ------------------------------------------------------------------------------- where
def _where_kind(arg_kinds, bound):
    return A


def _where_samples(rng):
    c = rng.standard_normal((2, 3)) > 0
    return [{"cond": c, "a": rng.standard_normal((2, 3)), "b": rng.standard_normal(3)},
            {"cond": c, "a": rng.standard_normal((2, 3)), "b": 0.5},
            {"cond": np.array([True, False, True]), "a": 1.5, "b": rng.standard_normal(3)}]


_where = defrule(
    np.where, "cond, a, b", kind=_where_kind, broadcast=("a", "b"),
    vjp={"cond": "0.0", "a": "unbroadcast(np.where(cond, g, 0.0), a)",
         "b": "unbroadcast(np.where(cond, 0.0, g), b)"},
    jvp={"cond": "0.0", "a": "np.where(cond, da, 0.0)", "b": "np.where(cond, 0.0, db)"},
    samples=_where_samples,
    kink="the condition is constant; each element's derivative goes to the branch taken")


# -------------------------------------------------------------------------------- clip
@helper
def clip_mask(a, lo, hi, which):
    """Where the derivative of ``clip(a, lo, hi)`` goes to `a` (0), `lo` (1) or `hi` (2).

    ``clip`` is ``minimum(maximum(a, lo), hi)``; at a bound the inside piece (`a`) gets it."""
    a = np.asarray(a)
    m = a if lo is None else np.maximum(a, lo)
    below_hi = True if hi is None else (m <= hi)
    if which == 0:
        mask = np.logical_and(below_hi, True if lo is None else a >= lo)
    elif which == 1:
        mask = np.logical_and(below_hi, a < lo)
    else:
        mask = m > hi
    shape = np.broadcast_shapes(np.shape(a), np.shape(lo), np.shape(hi))
    return np.broadcast_to(np.asarray(mask, dtype=np.float64), shape)


@helper
def clip_at_bound(a, lo, hi):
    """True where ``clip(a, lo, hi)`` sits on a bound exactly (a kink)."""
    out = False
    if lo is not None:
        out = np.logical_or(out, np.asarray(a) == lo)
    if hi is not None:
        out = np.logical_or(out, np.asarray(a) == hi)
    return np.any(out)


inactive(clip_mask, kind=A, name="clip_mask")
inactive(clip_at_bound, kind=lattice.INT, name="clip_at_bound")


def _clip_samples(rng):
    a = np.array([[-1.3, -0.4, 0.1], [0.45, 0.9, 1.6]])
    return [{"a": a, "a_min": -0.5, "a_max": 0.7},
            {"a": a, "a_min": np.array([-1.0, 0.2, 0.0]), "a_max": 1.0},
            {"a": a[0], "a_min": None, "a_max": 0.0},
            {"a": a, "a_min": 0.0, "a_max": None},
            {"a": a, "a_min": 0.8, "a_max": 0.3}]      # a_min > a_max: a_max wins


_clip = defrule(
    np.clip, "a, a_min=None, a_max=None", kind="elementwise",
    broadcast=("a", "a_min", "a_max"),
    vjp={"a": "unbroadcast(g * clip_mask(a, a_min, a_max, 0), a)",
         "a_min": "unbroadcast(g * clip_mask(a, a_min, a_max, 1), a_min)",
         "a_max": "unbroadcast(g * clip_mask(a, a_min, a_max, 2), a_max)"},
    jvp={"a": "da * clip_mask(a, a_min, a_max, 0)",
         "a_min": "da_min * clip_mask(a, a_min, a_max, 1)",
         "a_max": "da_max * clip_mask(a, a_min, a_max, 2)"},
    samples=_clip_samples, kink_when="clip_at_bound(a, a_min, a_max)",
    kink="at a bound the derivative goes to a (the inside piece)")
method("clip", _clip, "a")


# -------------------------------------------------------------------------------- sort
def _sort_index(a, axis):
    a = np.asarray(a)
    if axis is None:
        return np.argsort(a.reshape(-1), kind="stable")
    return np.argsort(a, axis=axis, kind="stable")


@helper
def sort_adjoint(v, a, axis=-1):
    """Adjoint of ``np.sort(a, axis)``: the cotangent put back where each value came from
    (ties in stable order)."""
    a = np.asarray(a)
    idx = _sort_index(a, axis)
    if axis is None:
        out = _float_zeros(a.size, a, v)
        out[idx] = _dense(v, (a.size,))
        return out.reshape(a.shape)
    out = _float_zeros(a.shape, a, v)
    np.put_along_axis(out, idx, _dense(v, a.shape), axis)
    return out


@helper
def sort_tangent(d, a, axis=-1):
    """Tangent of ``np.sort(a, axis)``: the tangent permuted like the values."""
    if _is_zero(d):
        return 0.0
    a = np.asarray(a)
    idx = _sort_index(a, axis)
    if axis is None:
        return _dense(d, a.shape).reshape(-1)[idx]
    return np.take_along_axis(_dense(d, a.shape), idx, axis)


@helper
def sort_has_ties(a, axis=-1):
    s = np.sort(np.asarray(a), axis=axis)
    return s.size > 0 and bool(np.any(np.diff(s, axis=-1 if axis is None else axis) == 0))


inactive(sort_has_ties, kind=lattice.INT, name="sort_has_ties")


def _sort_samples(rng):
    a = rng.standard_normal((3, 4))
    return [{"a": a[0], "axis": -1}, {"a": a, "axis": 0}, {"a": a, "axis": 1},
            {"a": a, "axis": None}]


_sort = defrule(np.sort, "a, axis=-1, kind=None, order=None, stable=None", kind=A,
                vjp={"a": "sort_adjoint(g, a, axis)"},
                jvp={"a": "sort_tangent(da, a, axis)"},
                jvp_batch={"a": "batch_at(sort_tangent, 0, da, a, axis)"},
                samples=_sort_samples, kink_when="sort_has_ties(a, axis)",
                kink="ties are broken in stable order")
linear_helper(sort_adjoint, "v, a, axis=-1", lambda rng: [
    dict(s, v=rng.standard_normal(np.shape(np.sort(s["a"], s["axis"])))) for s in
    [{"a": rng.standard_normal((3, 4)), "axis": ax} for ax in (0, -1, None)]])


# -------------------------------------------------------------------------------- take
def _normalize_indices(indices, n, mode):
    idx = np.asarray(indices)
    if mode == "wrap":
        return idx % n
    if mode == "clip":
        return np.clip(idx, 0, n - 1)
    return idx


@helper
def take_adjoint(v, a, indices, axis=None, mode="raise"):
    """Adjoint of ``np.take(a, indices, axis)``: repeated indices accumulate."""
    shape = np.shape(a)
    if axis is None or not shape:       # (a 0-d `a` takes from its one element)
        size = int(np.prod(shape)) if shape else 1
        idx = _normalize_indices(indices, size, mode)
        out = _float_zeros(size, a, v)
        np.add.at(out, idx, _dense(v, idx.shape))
        return out.reshape(shape)
    ax = axis % len(shape)
    idx = _normalize_indices(indices, shape[ax], mode)
    k = idx.ndim
    y_shape = shape[:ax] + idx.shape + shape[ax + 1:]
    v = _dense(v, y_shape)
    out = _float_zeros(shape, a, v)
    moved = np.moveaxis(out, ax, 0)
    np.add.at(moved, idx, np.moveaxis(v, list(range(ax, ax + k)), list(range(k))))
    return out


def _take_samples(rng):
    a = rng.standard_normal((3, 4))
    return [{"a": a, "indices": np.array([2, 0, 2, 5]), "axis": None, "out": None,
             "mode": "raise"},
            {"a": a, "indices": np.array([[1, 1], [0, 2]]), "axis": 0, "out": None,
             "mode": "raise"},
            {"a": a, "indices": np.array([3, -1, 0, 3]), "axis": 1, "out": None,
             "mode": "raise"},
            {"a": a, "indices": 2, "axis": 1, "out": None, "mode": "raise"},
            {"a": a, "indices": np.array([5, -2]), "axis": 1, "out": None, "mode": "wrap"},
            {"a": a, "indices": np.array([7, -3, 1]), "axis": 0, "out": None,
             "mode": "clip"}]


_take = defrule(np.take, "a, indices, axis=None, out=None, mode='raise'", kind=A,
                vjp={"a": "take_adjoint(g, a, indices, axis, mode)"},
                jvp={"a": "tangent_call(np.take, 0, da, indices, axis, None, mode)"},
                jvp_batch={"a": "batch_at(np.take, 0, da, indices, axis, None, mode)"},
                samples=_take_samples, kink="indices are constant")
method("take", _take, "a")
linear_helper(take_adjoint, "v, a, indices, axis=None, mode='raise'", lambda rng: [
    {"v": rng.standard_normal(np.shape(np.take(s["a"], s["indices"], s["axis"],
                                               mode=s["mode"]))),
     "a": s["a"], "indices": s["indices"], "axis": s["axis"], "mode": s["mode"]}
    for s in _take_samples(rng)])


@helper
def take_along_axis_adjoint(v, arr, indices, axis=-1):
    """Adjoint of ``np.take_along_axis(arr, indices, axis)``: repeated indices accumulate."""
    shape = np.shape(arr)
    idx = np.asarray(indices)
    if axis is None:
        size = int(np.prod(shape))
        out = _float_zeros(size, arr, v)
        np.add.at(out, idx, _dense(v, idx.shape))
        return out.reshape(shape)
    nd = len(shape)
    ax = axis % nd
    index = []
    for d in range(nd):
        if d == ax:
            index.append(idx)
        else:
            index.append(np.arange(shape[d]).reshape([-1 if k == d else 1 for k in range(nd)]))
    y_shape = np.broadcast_shapes(*[np.shape(i) for i in index])
    out = _float_zeros(shape, arr, v)
    np.add.at(out, tuple(index), _dense(v, y_shape))
    return out


def _tala_samples(rng):
    a = rng.standard_normal((3, 4))
    return [{"arr": a, "indices": np.array([[0, 0, 3], [1, 2, 1], [3, 3, 3]]), "axis": 1},
            {"arr": a, "indices": np.array([[2, 0, 0, 1]]), "axis": 0},
            {"arr": a, "indices": np.array([[1], [0], [3]]), "axis": -1},
            {"arr": a, "indices": np.array([11, 0, 0, 5]), "axis": None}]


_tala = defrule(np.take_along_axis, "arr, indices, axis=-1", kind=A,
                vjp={"arr": "take_along_axis_adjoint(g, arr, indices, axis)"},
                jvp={"arr": "tangent_call(np.take_along_axis, 0, darr, indices, axis)"},
                jvp_batch={"arr": "batch_at(np.take_along_axis, 0, darr, indices, axis)"},
                samples=_tala_samples, kink="indices are constant")
linear_helper(take_along_axis_adjoint, "v, arr, indices, axis=-1", lambda rng: [
    dict(s, v=rng.standard_normal(np.shape(np.take_along_axis(s["arr"], s["indices"],
                                                               s["axis"]))))
    for s in _tala_samples(rng)])


# ------------------------------------------------------------------ diagonals, triangles
def _diag_positions(rows, cols, offset):
    """Row and column indices of diagonal `offset` of a rows x cols matrix."""
    if offset >= 0:
        n = max(0, min(rows, cols - offset))
        i = np.arange(n)
        return i, i + offset
    n = max(0, min(rows + offset, cols))
    i = np.arange(n)
    return i - offset, i


@helper
def diagonal_adjoint(v, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.diagonal(a, offset, axis1, axis2)``: `v` written on that diagonal."""
    shape = np.shape(a)
    out = _float_zeros(shape, a, v)
    moved = np.moveaxis(out, (axis1, axis2), (-2, -1))
    r, c = _diag_positions(moved.shape[-2], moved.shape[-1], offset)
    moved[..., r, c] = _dense(v, moved.shape[:-2] + (len(r),))
    return out


@helper
def trace_adjoint(v, a, offset=0, axis1=0, axis2=1):
    """Adjoint of ``np.trace(a, offset, axis1, axis2)``."""
    shape = np.shape(a)
    nd = len(shape)
    ax1, ax2 = axis1 % nd, axis2 % nd
    rest = tuple(n for i, n in enumerate(shape) if i not in (ax1, ax2))
    r, _ = _diag_positions(shape[ax1], shape[ax2], offset)
    v = np.expand_dims(_dense(v, rest), -1)
    return diagonal_adjoint(np.broadcast_to(v, rest + (len(r),)), a, offset, axis1, axis2)


@helper
def diag_adjoint(v, x, k=0):
    """Adjoint of ``np.diag(x, k)``: a diagonal of `v` (vector x) or `v` on a diagonal."""
    if np.ndim(x) == 1:
        n = np.shape(x)[0] + abs(k)
        return np.array(np.diagonal(_dense(v, (n, n)), k))
    return diagonal_adjoint(v, x, k, 0, 1)


@helper
def tri_adjoint(v, m, k=0, upper=True):
    """Adjoint of ``np.triu(m, k)`` (`upper`) or ``np.tril(m, k)``."""
    tri = np.triu if upper else np.tril
    if np.ndim(m) == 1:
        n = np.shape(m)[0]
        return np.sum(tri(_dense(v, (n, n)), k), axis=0)
    return tri(_dense(v, np.shape(m)), k)


def _diag_samples(rng):
    return [{"v": rng.standard_normal(3), "k": 0}, {"v": rng.standard_normal(3), "k": 2},
            {"v": rng.standard_normal(3), "k": -1},
            {"v": rng.standard_normal((3, 4)), "k": 0},
            {"v": rng.standard_normal((3, 4)), "k": 2},
            {"v": rng.standard_normal((4, 3)), "k": -2}]


def _diagonal_samples(rng):
    return [{"a": rng.standard_normal((3, 4)), "offset": 0, "axis1": 0, "axis2": 1},
            {"a": rng.standard_normal((3, 4)), "offset": 1, "axis1": 1, "axis2": 0},
            {"a": rng.standard_normal((2, 3, 4)), "offset": -1, "axis1": 2, "axis2": 1},
            {"a": rng.standard_normal((2, 3, 4)), "offset": 0, "axis1": 0, "axis2": -1}]


def _tri_samples(rng):
    return [{"m": rng.standard_normal((3, 4)), "k": 0}, {"m": rng.standard_normal((4, 3)),
                                                          "k": -1},
            {"m": rng.standard_normal((2, 3, 3)), "k": 1}, {"m": rng.standard_normal(3),
                                                             "k": 0}]


def _trace_kind(arg_kinds, bound):
    return lattice.SCALAR if arg_kinds.get("a") == ("array", 2) else A


_diag = defrule(np.diag, "v, k=0", kind=A, vjp={"v": "diag_adjoint(g, v, k)"},
                jvp={"v": "tangent_call(np.diag, 0, dv, k)"},
                jvp_batch={"v": "batch_at(np.diag, 0, dv, k)"},
                samples=_diag_samples)
_diagonal = defrule(np.diagonal, "a, offset=0, axis1=0, axis2=1", kind=A,
                    vjp={"a": "diagonal_adjoint(g, a, offset, axis1, axis2)"},
                    jvp={"a": "tangent_call(np.diagonal, 0, da, offset, axis1, axis2)"},
                    jvp_batch={"a": "batch_at(np.diagonal, 0, da, offset, axis1, axis2)"},
                    samples=_diagonal_samples)
_triu = defrule(np.triu, "m, k=0", kind=A, vjp={"m": "tri_adjoint(g, m, k, True)"},
                jvp={"m": "tangent_call(np.triu, 0, dm, k)"},
                jvp_batch={"m": "batch_at(np.triu, 0, dm, k)"},
                samples=_tri_samples)
_tril = defrule(np.tril, "m, k=0", kind=A, vjp={"m": "tri_adjoint(g, m, k, False)"},
                jvp={"m": "tangent_call(np.tril, 0, dm, k)"},
                jvp_batch={"m": "batch_at(np.tril, 0, dm, k)"},
                samples=_tri_samples)
_trace = defrule(np.trace, "a, offset=0, axis1=0, axis2=1, dtype=None, out=None",
                 kind=_trace_kind,
                 vjp={"a": "trace_adjoint(g, a, offset, axis1, axis2)"},
                 jvp={"a": "tangent_call(np.trace, 0, da, offset, axis1, axis2)"},
                 jvp_batch={"a": "batch_at(np.trace, 0, da, offset, axis1, axis2)"},
                 samples=lambda rng: [dict(s, dtype=None) for s in _diagonal_samples(rng)])
method("diagonal", _diagonal, "a")
method("trace", _trace, "a")

linear_helper(diagonal_adjoint, "v, a, offset=0, axis1=0, axis2=1", lambda rng: [
    dict(s, v=rng.standard_normal(np.diagonal(s["a"], s["offset"], s["axis1"],
                                              s["axis2"]).shape))
    for s in _diagonal_samples(rng)])
linear_helper(trace_adjoint, "v, a, offset=0, axis1=0, axis2=1", lambda rng: [
    dict(s, v=(lambda t: rng.standard_normal(np.shape(t)) if np.ndim(t) else
               float(rng.standard_normal()))(np.trace(s["a"], s["offset"], s["axis1"],
                                                      s["axis2"])))
    for s in _diagonal_samples(rng)])
linear_helper(diag_adjoint, "u, x, k=0", lambda rng: [
    {"u": rng.standard_normal(np.diag(s["v"], s["k"]).shape), "x": s["v"], "k": s["k"]}
    for s in _diag_samples(rng)])
linear_helper(tri_adjoint, "v, m, k=0, upper=True", lambda rng: [
    {"v": rng.standard_normal(np.triu(s["m"], s["k"]).shape), "m": s["m"], "k": s["k"],
     "upper": up} for s in _tri_samples(rng) for up in (True, False)])


# ---------------------------------------------------------------- more elementwise ufuncs
B2 = ("a", "b")


@helper
def sinc_derivative(x):
    """d sinc(x) / dx, with its series near 0 (where it is 0)."""
    x = np.asarray(x, dtype=np.result_type(x, 1.0))
    small = np.abs(x) < 1e-4
    safe = np.where(small, 1.0, x)
    pi2 = math.pi ** 2
    far = (np.cos(math.pi * safe) - np.sinc(safe)) / safe
    near = -pi2 * x / 3.0 + pi2 * pi2 * x ** 3 / 30.0
    out = np.where(small, near, far)
    return out[()] if out.ndim == 0 else out


@helper
def sinc_second(x):
    """d^2 sinc(x) / dx^2 (from x s'' + 2 s' = -pi^2 x s), with its series near 0."""
    x = np.asarray(x, dtype=np.result_type(x, 1.0))
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x)
    pi2 = math.pi ** 2
    far = -pi2 * np.sinc(safe) - 2.0 * sinc_derivative(safe) / safe
    near = -pi2 / 3.0 + pi2 * pi2 * x * x / 10.0
    out = np.where(small, near, far)
    return out[()] if out.ndim == 0 else out


holomorphic(np.sinc, "sinc_derivative(x)")
holomorphic(sinc_derivative, "sinc_second(x)", name="sinc_derivative")
defrule(np.logaddexp, "a, b", broadcast=B2,
        vjp={"a": "g * np.exp(a - y)", "b": "g * np.exp(b - y)"},
        jvp={"a": "da * np.exp(a - y)", "b": "db * np.exp(b - y)"})
defrule(np.logaddexp2, "a, b", broadcast=B2,
        vjp={"a": "g * np.exp2(a - y)", "b": "g * np.exp2(b - y)"},
        jvp={"a": "da * np.exp2(a - y)", "b": "db * np.exp2(b - y)"})
defrule(np.float_power, "a, b", broadcast=B2,
        vjp={"a": "g * cj(pow_slope(a, b, np.float_power))", "b": "g * cj(y * log_of(a))"},
        real_vjp={"a": "g * pow_slope(a, b, np.float_power)", "b": "g * y * log_of(a)"},
        jvp={"a": "da * pow_slope(a, b, np.float_power)", "b": "db * y * log_of(a)"},
        domain={"a": "positive", "b": "any"}, kink_when="(a == 0) & (b < 1) & (b != 0)",
        kink="d/da is 0 where b == 0, infinite at a == 0 with b < 1; d/db uses log(a) "
             "(0 where a == 0)")
defrule(np.fmax, "a, b", broadcast=B2,
        vjp={"a": "g * np.logical_or(a >= b, np.isnan(b))",
             "b": "g * np.logical_not(np.logical_or(a >= b, np.isnan(b)))"},
        jvp={"a": "da * np.logical_or(a >= b, np.isnan(b))",
             "b": "db * np.logical_not(np.logical_or(a >= b, np.isnan(b)))"},
        kink_when="a == b",
        kink="at a tie the first argument gets the derivative; NaN arguments get none")
defrule(np.fmin, "a, b", broadcast=B2,
        vjp={"a": "g * np.logical_or(a <= b, np.isnan(b))",
             "b": "g * np.logical_not(np.logical_or(a <= b, np.isnan(b)))"},
        jvp={"a": "da * np.logical_or(a <= b, np.isnan(b))",
             "b": "db * np.logical_not(np.logical_or(a <= b, np.isnan(b)))"},
        kink_when="a == b",
        kink="at a tie the first argument gets the derivative; NaN arguments get none")
defrule(np.copysign, "a, b", broadcast=B2,
        vjp={"a": "g * np.sign(a) * np.copysign(1.0, b)", "b": "0.0"},
        jvp={"a": "da * np.sign(a) * np.copysign(1.0, b)", "b": "0.0"},
        domain="nonzero", kink_when="a == 0",
        kink="d/da is 0 at a == 0 (as for abs); b only gives a sign: derivative 0")
defrule(np.remainder, "a, b", broadcast=B2,
        vjp={"a": "g", "b": "-g * np.floor_divide(a, b)"},
        jvp={"a": "da", "b": "-db * np.floor_divide(a, b)"},
        domain={"a": "any", "b": "positive"}, kink_when="np.remainder(a, b) == 0",
        kink="jumps where a / b is an integer; the derivative of the piece is used")
defrule(np.fmod, "a, b", broadcast=B2,
        vjp={"a": "g", "b": "-g * np.trunc(a / b)"},
        jvp={"a": "da", "b": "-db * np.trunc(a / b)"},
        domain={"a": "any", "b": "positive"}, kink_when="np.fmod(a, b) == 0",
        kink="jumps where a / b is an integer; the derivative of the piece is used")
for _f in (np.heaviside, np.signbit):
    if lookup(_f) is None:
        inactive(_f, kind="elementwise", kink="piecewise constant: derivative 0")


# ------------------------------------------------------------- copies, casts, constants
_copy = defrule(np.copy, "a, order='K', subok=False", kind="elementwise",
                vjp={"a": "g"}, jvp={"a": "da"},
                samples=lambda rng: [{"a": rng.standard_normal((2, 3))}, {"a": 0.7}])
if lookup_method("copy") is None:
    method("copy", _copy, "a")


def _dtype_kind_of_node(node):
    """'i', 'f', 'c'... for a dtype written literally (``int``, ``np.float32``, "f8")."""
    import gast
    from ..syntax import nodes
    if node is None:
        return None
    if isinstance(node, gast.Constant) and isinstance(node.value, str):
        try:
            return np.dtype(node.value).kind
        except TypeError:
            return None
    dotted = nodes.dotted_name(node)
    if dotted is None:
        return None
    parts = dotted.split(".")
    if len(parts) == 1 and parts[0] in ("int", "bool", "float", "complex"):
        return {"int": "i", "bool": "b", "float": "f", "complex": "c"}[parts[0]]
    if len(parts) == 2 and parts[0] in ("np", "numpy"):
        obj = getattr(np, parts[1], None)
        try:
            return np.dtype(obj).kind
        except TypeError:
            return None
    return None


def _astype_kind(arg_kinds, bound):
    k = _dtype_kind_of_node(bound.get("dtype"))
    if k is not None and k in "iub":
        return lattice.INT
    x = arg_kinds.get("x", A)
    # a complex result has kind ANY (array and scalar kinds are real values)
    return x if (lattice.is_array(x) or x == lattice.SCALAR) and k == "f" else A


def _inexact(dtype):
    return np.issubdtype(np.dtype(dtype), np.inexact)


@helper
def astype_adjoint(v, x, dtype):
    """Adjoint of ``x.astype(dtype)``: `v` cast back to x's dtype (0 for integer casts)."""
    if not _inexact(dtype):
        return 0.0
    v = _real_like(v, x)
    xd = getattr(x, "dtype", None)
    if isinstance(v, np.ndarray) and xd is not None and _inexact(xd):
        return v.astype(xd, copy=False)
    return v


@helper
def astype_tangent(d, dtype):
    """Tangent of ``x.astype(dtype)``: cast like the value (0 for integer casts)."""
    if not _inexact(dtype):
        return 0.0
    if np.dtype(dtype).kind != "c":
        d = np.real(d) if np.iscomplexobj(d) else d     # a real cast keeps the real part
    if isinstance(d, np.ndarray):
        return d.astype(dtype, copy=False)
    return d


def _astype_samples(rng):
    return [{"x": rng.standard_normal((2, 3)), "dtype": np.float64},
            {"x": rng.standard_normal(3).astype(np.float32), "dtype": np.float64},
            {"x": rng.standard_normal(3), "dtype": "complex128"},
            {"x": rng.standard_normal(3), "dtype": np.int64}]


_astype_params = "x, dtype, order='K', casting='unsafe', subok=True, copy=True"


def _astype_method(x, dtype, order="K", casting="unsafe", subok=True, copy=True):
    """``x.astype(...)`` as a function (the rule of the method when NumPy has no np.astype)."""
    return np.asarray(x).astype(dtype, order=order, casting=casting, subok=subok, copy=copy)


_astype = defrule(getattr(np, "astype", _astype_method), _astype_params, kind=_astype_kind,
                  vjp={"x": "astype_adjoint(g, x, dtype)"},
                  jvp={"x": "astype_tangent(dx, dtype)"},
                  jvp_batch={"x": "astype_tangent(dx, dtype)"},
                  samples=lambda rng: [s for s in _astype_samples(rng)
                                       if np.dtype(s["dtype"]).kind != "c"],
                  kink="identity for float and complex dtypes; integer casts are constant")
method("astype", _astype, "x")
linear_helper(astype_adjoint, "v, x, dtype", lambda rng: [
    {"v": rng.standard_normal(np.shape(s["x"])), "x": s["x"], "dtype": s["dtype"]}
    for s in _astype_samples(rng) if np.dtype(s["dtype"]).kind != "c"
    and s["x"].dtype == np.float64])


def _full_like_samples(rng):
    return [{"a": np.zeros((2, 3)), "fill_value": 0.7},
            {"a": np.zeros((2, 3)), "fill_value": rng.standard_normal(3)}]


defrule(np.full_like, "a, fill_value, dtype=None, order='K', subok=True, shape=None",
        kind=A, broadcast=("fill_value",),
        vjp={"a": "0.0", "fill_value": "unbroadcast(dense_cotangent(g, y), fill_value)"},
        jvp={"a": "0.0", "fill_value": "re_like(dfill_value + np.zeros(np.shape(y)), y)"},
        samples=_full_like_samples, kink="a only gives the shape")

for _f in (np.tri, np.indices, np.diag_indices, np.diag_indices_from, np.tril_indices,
           np.triu_indices, np.tril_indices_from, np.triu_indices_from, np.searchsorted,
           np.digitize, np.argpartition, np.argwhere, np.flatnonzero, np.lexsort,
           np.unravel_index, np.ravel_multi_index, np.iscomplexobj, np.isrealobj,
           np.isneginf, np.isposinf, np.isscalar):
    if lookup(_f) is None:
        inactive(_f, kind=A)
