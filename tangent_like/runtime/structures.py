"""Kernels of structured values: items and parts of tuples, lists, dicts and arrays,
writes (``a[i] = v``, ``xs.append(v)``), ``np.array`` of sequences, casts, ``np.linspace``.

Reads ``x[i]`` with repeated positions accumulate their adjoints (`add_at`).  Writes follow
NumPy: the LAST write to a position wins, in the value, the tangent and the adjoint -- the
earlier writes are overwritten and get 0 (`item_adjoint`, `last_writes`).  Tuple and list
adjoints are tuples; a dict's adjoint is a dict of its fields.
"""
import math

import numpy as np

from ..errors import NoDerivativeError
from .batch import as_batched, batch_map
from .core import (cot_add, cot_getitem, foreign_array, is_complex, is_zero, lazy_array,
                   re_like, unbroadcast)
from .kernels import kernel


# ----------------------------------------------------------------------------------- reads
@kernel
def add_at(bx, x, index, g):
    """Adjoint of ``y = x[index]``: add `g` into the `index` part of `bx` (0.0 means zeros)."""
    if isinstance(x, dict):
        parts = dict(bx) if isinstance(bx, dict) else {}
        parts[index] = cot_add(parts.get(index, 0.0), g)
        return parts
    if isinstance(x, (tuple, list)):
        parts = list(bx) if isinstance(bx, (tuple, list)) else [0.0] * len(x)
        if isinstance(index, slice):
            for i, gi in zip(range(*index.indices(len(x))), g):
                parts[i] = cot_add(parts[i], gi)
        else:
            parts[index] = cot_add(parts[index], g)
        return tuple(parts)
    if foreign_array(x) or foreign_array(bx):
        return _add_at_functional(bx, x, index, g)
    if isinstance(bx, float) and bx == 0.0 or bx is None:
        bx = np.zeros_like(x, dtype=np.result_type(x, 1.0))
    else:
        # a new array: `bx` may be shared with other adjoints (or be a view of one)
        bx = np.array(bx, dtype=np.result_type(bx, 1.0), copy=True)
    if may_repeat(index):
        np.add.at(bx, index, g)     # a repeated position receives every read's adjoint
    else:
        bx[index] += g
    return bx


def _library(x):
    return (type(x).__module__ or "").split(".")[0] or type(x).__name__


def _add_at_functional(bx, x, index, g):
    """`add_at` for an array of another library (Dask, CuPy): a new array with the `index`
    part increased by the library's own item assignment, never ``ufunc.at``."""
    if may_repeat(index):
        raise NoDerivativeError(
            f"reading a {_library(x)} array at an index that may repeat a position (an "
            "integer array or list) has no adjoint for arrays without ufunc.at",
            hint="read with slices or masks, or compute that part with NumPy arrays")
    if any(lazy_array(part) for part in (index if isinstance(index, tuple) else (index,))):
        raise NoDerivativeError(
            f"reading a {_library(x)} array through a mask of its own kind (x[x < 0]) has "
            "no adjoint: its parts have sizes known only when it runs",
            hint="write np.where(mask, x, 0.0) instead of x[mask]")
    if isinstance(bx, float) and bx == 0.0 or bx is None:
        bx = np.zeros_like(x, dtype=np.result_type(x.dtype, 1.0))
    else:
        bx = bx.copy()
    bx[index] = bx[index] + g
    return bx


@kernel
def may_repeat(index):
    """Can `index` name one position several times?  Integer arrays and lists can (in any
    part of a tuple index); integers, slices, masks, None and ``...`` cannot."""
    for part in index if isinstance(index, tuple) else (index,):
        if isinstance(part, (list, tuple)):
            return True
        if isinstance(part, np.ndarray) and part.dtype.kind != "b":
            return True
    return False


@kernel
def add_at_zero(v, x, index):
    """Adjoint of ``y = x[index]`` started from zero: `v` placed at `index`."""
    return add_at(0.0, x, index, v)


@kernel
def batch_add_at_zero(dv, x, index):
    """Batched tangent of ``add_at(0.0, x, index, v)``: zeros ``(k,) + x.shape`` with the
    directions of `dv` added at `index` (tuples and lists go one direction at a time)."""
    if is_zero(dv):
        return 0.0
    if isinstance(x, (tuple, list, dict)) or np.ndim(dv) == 0:
        return batch_map(add_at_zero, dv, x, index)
    k = np.shape(dv)[0]
    out = np.zeros((k,) + np.shape(x), dtype=np.result_type(x, dv, 1.0))
    full = (slice(None),) + (index if isinstance(index, tuple) else (index,))
    if may_repeat(index):
        np.add.at(out, full, dv)
    else:
        out[full] += dv
    return out


@kernel
def batch_add_at_aligned(dv, v, x, index):
    """Batched tangent of ``add_at(acc, x, index, v)`` in `v`: `batch_add_at_zero`, after
    aligning the batched `dv` with ``x[index]`` -- `v` may be smaller than the part it is
    added to (a scalar adjoint spread over a slice).  Only vector forward code calls it,
    which is never differentiated again: it has no rules of its own."""
    if is_zero(dv):
        return 0.0
    if not isinstance(x, (tuple, list, dict)) and np.ndim(dv) > 0:
        part = np.broadcast_to(np.zeros((), dtype=bool), np.shape(x))[index]
        missing = np.ndim(part) - (np.ndim(dv) - 1)
        if missing > 0:
            dv = np.asarray(dv)
            dv = dv.reshape(dv.shape[:1] + (1,) * missing + dv.shape[1:])
    return batch_add_at_zero(dv, x, index)


@kernel
def field_adjoint(obj, name, g):
    """Adjoint of ``y = obj.name``: a tuple for a NamedTuple, else a dict of fields."""
    fields = getattr(obj, "_fields", None)
    if fields is not None:
        parts = [0.0] * len(fields)
        parts[fields.index(name)] = g
        return tuple(parts)
    return {name: g}


@kernel
def tangent_field(t, name):
    """Tangent of ``obj.name`` from the tangent of ``obj`` (same type, a dict, or zero)."""
    if is_zero(t):
        return 0.0
    if isinstance(t, dict):
        return t.get(name, 0.0)
    return getattr(t, name)


@kernel
def tangent_parts(t, n):
    """The tangents of ``a, b, ... = value`` from the tangent `t` of the value."""
    if isinstance(t, (tuple, list)):
        return tuple(t)
    if isinstance(t, float) and t == 0.0:
        return (0.0,) * n
    return tuple(t[i] for i in range(n))


@kernel
def tangent_item(t, index, batch=False):
    """Tangent of ``x[index]`` from the tangent of ``x`` (a leading batch axis is kept)."""
    if isinstance(t, float) and t == 0.0:
        return 0.0
    if isinstance(t, dict):
        return t.get(index, 0.0)
    if batch and not isinstance(t, (tuple, list)):
        if isinstance(index, tuple):
            return t[(slice(None),) + index]
        return t[:, index]
    return t[index]


@kernel
def unpack_adjoint(x, parts):
    """Adjoint of ``a, b, ... = x`` from the adjoints of the parts."""
    if isinstance(x, (tuple, list)):
        return tuple(parts)
    x = np.asarray(x)
    out = np.zeros(x.shape, dtype=np.result_type(x, 1.0))
    for i, p in enumerate(parts):
        out[i] = out[i] + p
    return out


@kernel
def batch_unpack(x, parts):
    """unpack_adjoint for batched part tangents."""
    if isinstance(x, (tuple, list)):
        return tuple(parts)
    k = next((np.shape(p)[0] for p in parts if np.ndim(p)), 1)
    return np.stack([unpack_adjoint(x, [p[i] if np.ndim(p) else p for p in parts])
                     for i in range(k)])


@kernel
def fill_like(seq, g):
    """Adjoint of ``sum(seq)`` with respect to `seq`: `g` in every position (``sum`` of an
    array adds its items along the first axis)."""
    if isinstance(seq, (tuple, list)):
        return tuple(re_like(g, e) for e in seq)
    shape = np.shape(seq)
    return re_like(np.broadcast_to(g, shape) + np.zeros(shape), seq)


@kernel
def fill_like_v(v, seq):
    return fill_like(seq, v)


@kernel
def sum_tangent(dseq, seq, batch=False):
    """Tangent of ``sum(seq)``: the items' tangents added (an array's along its first
    axis, after the batch axis of a batched tangent)."""
    if is_zero(dseq):
        return 0.0
    if isinstance(dseq, (tuple, list)):
        # Python's sum of no items is the int 0, which is not the zero tangent: a
        # batched tangent must be 0.0 or carry its batch axis.
        return sum(dseq) if len(dseq) else 0.0
    dseq = np.asarray(dseq)
    return np.sum(dseq, axis=1 if batch and dseq.ndim > np.ndim(seq) else 0)


# ---------------------------------------------------------------------------------- writes
@kernel
def with_item(a, index, v):
    """``a[index] = v`` as a new value (an array copy, a new list or dict); `a` is
    unchanged."""
    if isinstance(a, list):
        b = list(a)
    elif isinstance(a, dict):
        b = dict(a)
    elif isinstance(a, tuple):
        raise TypeError("'tuple' object does not support item assignment")
    else:
        b = np.array(a, copy=True)
    b[index] = v
    return b


@kernel
def appended(xs, v):
    """``xs.append(v)`` as a new list."""
    out = list(xs)
    out.append(v)
    return out


@kernel
def last_writes(shape, index):
    """For ``a[index] = v`` with `a` of `shape`: a boolean array shaped like ``a[index]``,
    True where a write lands last on its position.  NumPy keeps the last of repeated writes,
    so only those reach the result; the earlier ones are overwritten."""
    owner = np.full(shape, -1, dtype=np.intp)
    selected = np.shape(owner[index])
    order = np.arange(int(np.prod(selected, dtype=np.int64)), dtype=np.intp).reshape(selected)
    owner[index] = order
    return owner[index] == order


@kernel
def zero_at(g, index):
    """Adjoint `g` with the part at `index` set to zero (that part was overwritten)."""
    if is_zero(g):
        return 0.0
    if isinstance(g, dict):
        return {k: v for k, v in g.items() if k != index}
    if isinstance(g, (tuple, list)):
        parts = list(g)
        if isinstance(index, slice):
            for i in range(*index.indices(len(parts))):
                parts[i] = 0.0
        else:
            parts[index] = 0.0
        return tuple(parts)
    g = np.array(g, dtype=np.result_type(g, 1.0), copy=True)
    g[index] = 0
    return g


@kernel
def item_adjoint(g, index, v):
    """Adjoint of the value written by ``a[index] = v``: the part of `g` at `index`.  With
    repeated positions only the last write of each reaches the result (NumPy's semantics,
    also of ``a[index] += v``, which is ``a[index] = a[index] + v``): the others get 0."""
    if is_zero(g):
        return 0.0
    if isinstance(g, dict):
        return g.get(index, 0.0)
    part = g[index]
    if isinstance(g, (tuple, list)):
        return tuple(part) if isinstance(index, slice) else part
    if may_repeat(index):
        part = part * last_writes(np.shape(g), index)
    return unbroadcast(re_like(part, v), v)


@kernel
def placed(dv, index, a):
    """Zeros shaped like `a` with `dv` at `index` (the tangent of a written part)."""
    if is_zero(dv):
        return 0.0
    if isinstance(a, dict):
        return {index: dv}
    if isinstance(a, list):
        parts = [0.0] * len(a)
        parts[index] = dv
        return tuple(parts)
    # the written values take a's dtype: a real `a` keeps the real part of a complex `v`
    out = np.zeros(np.shape(a), dtype=np.result_type(a, dv, 1.0) if is_complex(a)
                   else np.result_type(a, 1.0))
    out[index] = re_like(dv, a)
    return out


@kernel
def cot_last(g, xs):
    """Adjoint of the element appended by ``appended(xs, v)``."""
    if is_zero(g):
        return 0.0
    return g[len(xs)] if len(g) > len(xs) else 0.0


@kernel
def cot_drop_last(g, xs):
    """Adjoint of the list before ``appended(xs, v)``."""
    if is_zero(g):
        return 0.0
    return tuple(g[:len(xs)])


@kernel
def tangent_list(t, xs):
    """The tangent of list `xs` as a list (a zero tangent becomes zeros)."""
    if is_zero(t):
        return [0.0] * len(xs)
    return list(t)


# ------------------------------------------------------------------------- np.array, casts
@kernel
def inexact(dtype):
    """Does a cast to `dtype` keep derivatives (None, a float or complex dtype)?  Casts to
    integers and booleans are piecewise constant: derivative 0."""
    return dtype is None or np.issubdtype(np.dtype(dtype), np.inexact)


def _cast_tangent(t, dtype):
    """A tangent cast like its value to `dtype` (a real dtype keeps the real part)."""
    if dtype is None:
        return t
    dtype = np.dtype(dtype)
    if dtype.kind != "c" and is_complex(t):
        t = np.real(t)
    return np.asarray(t, dtype=dtype)


@kernel
def array_adjoint(g, x, dtype=None):
    """Adjoint of ``np.array(x, dtype)``: for a list or tuple `x` one part per element, for
    a float or an array (a copy) the cotangent itself; 0 for an integer `dtype`."""
    if is_zero(g) or not inexact(dtype):
        return 0.0
    if isinstance(x, (tuple, list)):
        return tuple(re_like(g[i], x[i]) for i in range(len(x)))
    g = re_like(g, x)
    if np.ndim(x) == 0 and isinstance(g, np.ndarray):
        return g[()]
    return g


def _stacked(t, x):
    """The tangent `t` of a (nested) sequence `x` as an array shaped like ``np.array(x)``."""
    if isinstance(x, (tuple, list)):
        if is_zero(t):
            t = (0.0,) * len(x)
        return np.array([_stacked(ti, xi) for ti, xi in zip(t, x)])
    return np.broadcast_to(t, np.shape(x))


@kernel
def stack_tangents(t, x, dtype=None):
    """Tangent of ``np.array(x, dtype)``: the element tangents stacked like the elements
    (the tangent itself for a float or an array); 0 for an integer `dtype`."""
    if is_zero(t) or not inexact(dtype):
        return 0.0
    if isinstance(x, (tuple, list)):
        out = _stacked(t, x)
        return _cast_tangent(out.astype(np.result_type(out, 1.0), copy=False), dtype)
    return _cast_tangent(np.array(t, dtype=np.result_type(t, 1.0)), dtype)


def _leading_batch(t):
    if isinstance(t, (tuple, list)):
        return next((k for k in (_leading_batch(ti) for ti in t) if k is not None), None)
    return None if is_zero(t) or np.ndim(t) == 0 else np.shape(t)[0]


def _all_zero(t):
    if isinstance(t, (tuple, list)):
        return all(_all_zero(ti) for ti in t)
    return is_zero(t)


def _batch_stacked(t, x, k):
    if isinstance(x, (tuple, list)):
        if is_zero(t):
            t = (0.0,) * len(x)
        return np.stack([_batch_stacked(ti, xi, k) for ti, xi in zip(t, x)], axis=1)
    return np.broadcast_to(t, (k,) + np.shape(x))


@kernel
def batch_stack_tangents(t, x, dtype=None):
    """Batched tangent of ``np.array(x, dtype)``: element tangents (batch axis first)
    stacked."""
    if is_zero(t) or not inexact(dtype):
        return 0.0
    if not isinstance(x, (tuple, list)):
        return _cast_tangent(np.array(t, dtype=np.result_type(t, 1.0)), dtype)
    if _all_zero(t):        # a tuple of zero tangents (0.0 each): the zero tangent
        return 0.0
    k = _leading_batch(t) or 1
    out = _batch_stacked(t, x, k)
    return _cast_tangent(out.astype(np.result_type(out, 1.0), copy=False), dtype)


@kernel
def astype_adjoint(v, x, dtype):
    """Adjoint of ``x.astype(dtype)``: `v` cast back to x's dtype (0 for integer casts)."""
    if not inexact(dtype):
        return 0.0
    v = re_like(v, x)
    xd = getattr(x, "dtype", None)
    if isinstance(v, np.ndarray) and xd is not None and inexact(xd):
        return v.astype(xd, copy=False)
    return v


@kernel
def astype_tangent(d, dtype):
    """Tangent of ``x.astype(dtype)``: cast like the value (0 for integer casts)."""
    if not inexact(dtype):
        return 0.0
    if np.dtype(dtype).kind != "c":
        d = np.real(d) if np.iscomplexobj(d) else d     # a real cast keeps the real part
    if isinstance(d, np.ndarray):
        return d.astype(dtype, copy=False)
    return d


# ----------------------------------------------------------------------------- np.linspace
def _linspace_weights(num, endpoint, ndim, axis, which):
    """The weights of `start` (which == 0) or `stop` (1) in each element of
    ``np.linspace``, along the new axis of a result with `ndim` dimensions."""
    div = num - 1 if endpoint else num
    t = np.arange(num, dtype=np.float64) / div if div > 0 else np.zeros(num)
    w = t if which == 1 else 1.0 - t
    shape = [1] * ndim
    shape[axis % ndim] = num
    return w.reshape(shape)


def _step_slope(num, endpoint, which):
    """d step / d start (`which` 0) or d stop (1) of ``np.linspace(..., retstep=True)``."""
    div = num - 1 if endpoint else num
    slope = 1.0 / div if div > 0 else math.nan
    return slope if which == 1 else -slope


@kernel
def linspace_adjoint(g, x, result, num=50, endpoint=True, axis=0, which=0, dtype=None,
                     retstep=False):
    """Adjoint of ``result = np.linspace(start, stop, num, endpoint, retstep, axis=axis)``
    with respect to `x`, its start (`which` 0) or stop (1): the weighted sum of `g` over the
    new axis (and, with `retstep`, the step's cotangent times the step's slope)."""
    if not inexact(dtype):
        return 0.0
    if retstep:
        g_step = cot_getitem(g, 1)
        step = 0.0 if is_zero(g_step) else \
            unbroadcast(g_step * _step_slope(num, endpoint, which), x)
        return cot_add(linspace_adjoint(cot_getitem(g, 0), x, result[0], num, endpoint,
                                           axis, which, dtype), step)
    if is_zero(g):
        return 0.0
    y = np.asarray(result)
    w = _linspace_weights(num, endpoint, y.ndim, axis, which)
    return unbroadcast(np.sum(np.broadcast_to(g, y.shape) * w, axis=axis % y.ndim), x)


@kernel
def linspace_tangent(d, x, result, num=50, endpoint=True, axis=0, which=0, dtype=None,
                     batch=False, retstep=False):
    """Tangent of ``result = np.linspace(...)`` from the tangent `d` of `x`, its start
    (`which` 0) or stop (1); with ``batch`` `d` may have a leading batch axis; with
    `retstep` a tuple (tangent of the samples, tangent of the step)."""
    if retstep:
        samples = linspace_tangent(d, x, result[0], num, endpoint, axis, which, dtype, batch)
        if is_zero(d) or not inexact(dtype):
            return samples, 0.0
        step = np.shape(result[1])
        d = np.asarray(d)
        if batch and d.ndim > np.ndim(x):
            d = d.reshape(d.shape[:1] + (1,) * (len(step) - np.ndim(x)) + d.shape[1:])
            return samples, np.broadcast_to(d, d.shape[:1] + step) * \
                _step_slope(num, endpoint, which)
        return samples, np.broadcast_to(d, step) * _step_slope(num, endpoint, which)
    if is_zero(d) or not inexact(dtype):
        return 0.0
    y = np.asarray(result)
    ax = axis % y.ndim
    rest = y.shape[:ax] + y.shape[ax + 1:]
    w = _linspace_weights(num, endpoint, y.ndim, axis, which)
    d = np.asarray(d)
    if batch and d.ndim > np.ndim(x):
        d = d.reshape(d.shape[:1] + (1,) * (len(rest) - np.ndim(x)) + d.shape[1:])
        d = np.expand_dims(np.broadcast_to(d, d.shape[:1] + rest), ax + 1)
        return re_like(d * w[None], y)
    return re_like(np.expand_dims(np.broadcast_to(d, rest), ax) * w, y)


@kernel
def batch_linspace_adjoint(dg, x, result, num=50, endpoint=True, axis=0, which=0, dtype=None,
                           retstep=False):
    """`linspace_adjoint` of a batched tangent `dg` of the cotangent, one direction at a
    time (a tangent without batch axis, the same in every direction, gets one)."""
    if not retstep and not is_zero(dg):
        dg = as_batched(dg, result)
    return batch_map(linspace_adjoint, dg, x, result, num, endpoint, axis, which, dtype,
                        retstep)


@kernel
def tuple_adjoint(g, x):
    """Adjoint of ``tuple(x)``: the parts' adjoints (a tuple, 0.0 for unused parts) as the
    adjoint of x (a tuple or list: the same; an array: its rows)."""
    if is_zero(g):
        return 0.0
    if isinstance(x, (tuple, list)):
        return tuple(g)
    return unpack_adjoint(x, [0.0 if is_zero(p) else p for p in g])


@kernel
def tuple_tangent(dx, x, batch=False):
    """Tangent of ``tuple(x)`` (batched: each part keeps the batch axis)."""
    if is_zero(dx):
        return 0.0
    if isinstance(dx, (tuple, list)):
        return tuple(dx)
    dx = np.asarray(dx)
    n = len(x)
    if batch and dx.ndim > np.ndim(x):
        return tuple(dx[:, i] for i in range(n))
    return tuple(dx[i] for i in range(n))
