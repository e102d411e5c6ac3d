"""Rules for NumPy functions that move, copy or regroup elements without arithmetic.

``np.reshape``, ``np.ravel``, ``np.squeeze``, ``np.expand_dims``, ``np.atleast_1d/2d/3d``,
``np.swapaxes``, ``np.moveaxis``, ``np.broadcast_to``, ``np.concatenate``, ``np.stack``,
``np.hstack``, ``np.vstack``, ``np.split``/``np.array_split``, ``np.tile``, ``np.repeat``,
``np.flip``, ``np.roll``, ``np.pad``; methods ``.reshape .ravel .flatten .squeeze .swapaxes
.repeat`` (``np.transpose``/``.T`` live in numpy_rules).

All of them are linear, so each tangent is the function applied to the tangent, and each
adjoint is the transposed map applied to the cotangent ``g``: reshapes reshape back,
concatenations split, splits concatenate, copies (tile, repeat, broadcast, pad) sum the
cotangents of the copies back onto their source.  They are smooth everywhere: there are no
non-differentiable points.  dtypes are preserved (a float32 cotangent stays float32).

Sequence parameters (``arrays`` of concatenate/stack, ``tup`` of hstack/vstack): the adjoint
is a TUPLE of per-element adjoints, which the transformer distributes over the elements of
the tuple or list literal; the tangent arrives as a tuple of per-element tangents where an
element that carries no derivative has the zero placeholder ``0.0`` (or, in vector forward
mode, an unbatched zero array) -- the helpers turn those into zeros of the element's shape.
A split's cotangent is likewise a tuple (or list, or stacked array) of per-part cotangents
with ``0.0`` for parts that are not used.

Cotangents may be the zero placeholder ``0.0`` (an adjoint nothing flowed into yet): every
adjoint helper accepts it.  Vector forward mode (``jvp_batch``): tangents carry a leading
batch axis, so axis arguments are shifted by one (``batch_shift_axis``) and reshapes keep
the batch axis in front.

The methods take NumPy's own forms: ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``,
``x.reshape(-1, order="F")`` (a ``*shape`` parameter, see `registry`).

Limitations: ``np.atleast_*d`` take one array;
``np.pad`` supports the modes that copy elements ("constant" with the tangent of the padding
0, "edge", "reflect", "symmetric", "wrap"); ``constant_values`` is not differentiable.
``np.moveaxis`` takes NumPy's own parameter names, ``source=`` and ``destination=`` included.
"""
import numpy as np

from ..analysis import lattice
from ..runtime import re_like
from .numpy_reduce import with_defaults
from .registry import defrule, helper, lookup, method

A = lattice.ANY


def _same_kind(arg_kinds, bound):
    k = arg_kinds.get("x")
    return k if lattice.is_array(k) else A


def _flat_kind(arg_kinds, bound):
    from .numpy_rules import maybe_complex
    return A if maybe_complex(arg_kinds.get("x", lattice.INT)) else ("array", 1)


# ------------------------------------------------------------------------- small helpers
def _dtype(v, x):
    """dtype of an adjoint: x's float dtype, widened by the cotangent's (Python floats weak)."""
    return np.result_type(np.result_type(np.asarray(x).dtype, 1.0), v)


def _is_placeholder(v):
    """The zero placeholder 0.0 of an adjoint or tangent nothing flowed into."""
    return not isinstance(v, (tuple, list, np.ndarray)) and np.ndim(v) == 0 and v == 0.0


def _zeros_like_cot(v, x):
    return np.zeros(np.shape(x), dtype=_dtype(v, x))


@helper
def batch_shift_axis(axis):
    """An axis argument for a tangent with a leading batch axis: nonnegative axes move one
    to the right, negative ones (counted from the end) stay; tuples elementwise."""
    if axis is None:
        return None
    if isinstance(axis, (tuple, list)):
        return type(axis)(batch_shift_axis(a) for a in axis)
    return axis + 1 if axis >= 0 else axis


def _order(order, x):
    """The memory order ('C' or 'F') a reshape with `order` reads x in."""
    if order in ("C", "F"):
        return order
    if order == "A":
        return "F" if np.isfortran(np.asarray(x)) else "C"
    if order == "K":
        x = np.asarray(x)
        if x.flags.c_contiguous:
            return "C"
        if x.flags.f_contiguous:
            return "F"
    raise NotImplementedError(f"order={order!r} of a non-contiguous array: not supported by "
                              "the derivative rule")


@helper
def batch_map_parts(fn, dv, *args):
    """``fn(d, *args)`` for each direction ``d`` of a batched tangent, where `fn` returns a
    tuple: a tuple of stacked parts."""
    if _is_placeholder(dv):
        return 0.0
    results = [fn(d, *args) for d in dv]
    return tuple(np.stack([np.asarray(p) for p in parts]) for parts in zip(*results))


# ------------------------------------------------------------------------- reshapes
@helper
def reshape_adjoint(v, x, order="C"):
    """Adjoint of every reshape of x (reshape, ravel, flatten, squeeze, expand_dims,
    atleast_nd): the cotangent `v` reshaped back to x's shape, in the same order."""
    if np.ndim(v) == 0:
        return np.broadcast_to(np.asarray(v, dtype=_dtype(v, x)), np.shape(x))
    return np.reshape(v, np.shape(x), order=_order(order, x))


@helper
def reshape_tangent(dx, x, result, order="C", batch=False):
    """Tangent of a reshape of x to result's shape (batched: batch axis first)."""
    o = _order(order, x)
    shape = np.shape(result)
    dx = np.asarray(dx)
    if not batch:
        return np.reshape(dx, shape, order=o)
    k = dx.shape[0]
    if o == "C":
        return dx.reshape((k,) + shape)
    moved = np.moveaxis(dx, 0, -1)
    return np.moveaxis(np.reshape(moved, shape + (k,), order="F"), -1, 0)


# Linear in `dx`: forward over forward code (third derivatives) goes through it.
defrule(reshape_tangent, "dx, x, result, order='C', batch=False", kind=lattice.ANY,
        name="reshape_tangent", tested_by="tests/test_trust_api.py",
        jvp={"dx": "reshape_tangent(ddx, x, result, order, batch)", "x": "0.0",
             "result": "0.0", "order": "0.0", "batch": "0.0"})


@helper
def swapaxes_adjoint(v, x, axis1, axis2):
    """Adjoint of ``np.swapaxes(x, axis1, axis2)`` (its own inverse)."""
    if np.ndim(v) == 0 and np.ndim(x):
        return _zeros_like_cot(v, x)
    return np.swapaxes(v, axis1, axis2)


@helper
def moveaxis_adjoint(v, x, source, destination):
    """Adjoint of ``np.moveaxis(x, source, destination)``: the axes moved back."""
    if np.ndim(v) == 0 and np.ndim(x):
        return _zeros_like_cot(v, x)
    return np.moveaxis(v, destination, source)


@helper
def batch_broadcast_to(dx, x, shape):
    """``np.broadcast_to`` of a batched tangent of x: the batch axis stays first."""
    dx = np.asarray(dx)
    shape = (shape,) if np.ndim(shape) == 0 else tuple(shape)
    k = dx.shape[0]
    dx = dx.reshape((k,) + (1,) * (len(shape) - np.ndim(x)) + np.shape(x))
    return np.broadcast_to(dx, (k,) + shape)


# ------------------------------------------------------------------------- joins
def _join_layout(arrays, how, axis=0):
    """(shapes the elements take in the join, join axis) of concatenate/hstack/vstack."""
    shapes = [np.shape(a) for a in arrays]
    if how == "concatenate":
        if axis is None:
            return [(int(np.prod(s, dtype=np.int64)),) for s in shapes], 0
        return shapes, axis
    if how == "hstack":
        eff = [s if len(s) else (1,) for s in shapes]
        return eff, 0 if len(eff[0]) == 1 else 1
    if how == "vstack":
        eff = [s if len(s) >= 2 else ((1,) + s if len(s) == 1 else (1, 1)) for s in shapes]
        return eff, 0
    raise ValueError(how)


def _split_sizes(v, shapes, axis, batch=False):
    """`v` cut along `axis` into the pieces of the given element `shapes`."""
    ax = axis % len(shapes[0])
    bounds = np.cumsum([s[ax] for s in shapes])[:-1]
    return np.split(v, bounds, axis=ax + (1 if batch else 0))


def _join_adjoint(v, arrays, shapes, axis):
    """Adjoint of a join of `arrays` laid out as `shapes` along `axis`: a tuple of parts."""
    if np.ndim(v) == 0:
        return tuple(_zeros_like_cot(v, a) for a in arrays)
    parts = _split_sizes(np.asarray(v), shapes, axis)
    # a real element of a complex join gets the real part (runtime.re_like)
    return tuple(re_like(np.reshape(p, np.shape(a)), a) for p, a in zip(parts, arrays))


def _batch_size(tangents, arrays):
    for d, a in zip(tangents, arrays):
        if np.ndim(d) == np.ndim(a) + 1:
            return np.shape(d)[0]
    return None


def _element_tangents(tangents, arrays, shapes, batch):
    """Per-element tangents laid out as `shapes` (batched: with the batch axis first),
    zeros for the elements that carry no derivative (0.0 or, batched, an unbatched zero)."""
    if _is_placeholder(tangents):
        tangents = (0.0,) * len(arrays)
    k = _batch_size(tangents, arrays) if batch else None
    out = []
    for d, a, s in zip(tangents, arrays, shapes):
        dtype = _dtype(d, a)
        if batch and k is not None:
            if np.ndim(d) == np.ndim(a) + 1:
                out.append(np.reshape(d, (k,) + tuple(s)))
            else:
                out.append(np.broadcast_to(np.reshape(np.asarray(d, dtype=dtype),
                                                      np.shape(d) if np.ndim(d) else ()),
                                           np.shape(a)).reshape((1,) + tuple(s))
                           * np.ones((k,) + (1,) * len(s), dtype=dtype))
        else:
            out.append(np.reshape(np.broadcast_to(np.asarray(d, dtype=dtype), np.shape(a)),
                                  s))
    return out, k


def _join_tangent(tangents, arrays, shapes, axis, batch):
    parts, k = _element_tangents(tangents, arrays, shapes, batch)
    if batch and k is not None:
        return np.concatenate(parts, axis=batch_shift_axis(axis))
    return np.concatenate(parts, axis=axis)


@helper
def concatenate_adjoint(v, arrays, axis=0):
    """Adjoint of ``np.concatenate(arrays, axis)``: a tuple of the pieces of `v`."""
    shapes, ax = _join_layout(arrays, "concatenate", axis)
    return _join_adjoint(v, arrays, shapes, ax)


@helper
def concatenate_tangent(darrays, arrays, axis=0, batch=False):
    """Tangent of ``np.concatenate(arrays, axis)`` from per-element tangents."""
    shapes, ax = _join_layout(arrays, "concatenate", axis)
    return _join_tangent(darrays, arrays, shapes, ax, batch)


@helper
def hstack_adjoint(v, tup):
    """Adjoint of ``np.hstack(tup)``: a tuple of the pieces of `v`."""
    shapes, ax = _join_layout(tup, "hstack")
    return _join_adjoint(v, tup, shapes, ax)


@helper
def hstack_tangent(dtup, tup, batch=False):
    shapes, ax = _join_layout(tup, "hstack")
    return _join_tangent(dtup, tup, shapes, ax, batch)


@helper
def vstack_adjoint(v, tup):
    """Adjoint of ``np.vstack(tup)``: a tuple of the pieces of `v`."""
    shapes, ax = _join_layout(tup, "vstack")
    return _join_adjoint(v, tup, shapes, ax)


@helper
def vstack_tangent(dtup, tup, batch=False):
    shapes, ax = _join_layout(tup, "vstack")
    return _join_tangent(dtup, tup, shapes, ax, batch)


@helper
def stack_adjoint(v, arrays, axis=0):
    """Adjoint of ``np.stack(arrays, axis)``: the slices of `v` along the new axis."""
    if np.ndim(v) == 0:
        return tuple(_zeros_like_cot(v, a) for a in arrays)
    v = np.moveaxis(np.asarray(v), axis, 0)
    return tuple(re_like(v[i], a) for i, a in enumerate(arrays))


@helper
def stack_tangent(darrays, arrays, axis=0, batch=False):
    """Tangent of ``np.stack(arrays, axis)`` from per-element tangents."""
    shapes = [np.shape(a) for a in arrays]
    parts, k = _element_tangents(darrays, arrays, shapes, batch)
    if batch and k is not None:
        return np.stack(parts, axis=batch_shift_axis(axis))
    return np.stack(parts, axis=axis)


# ------------------------------------------------------------------------- split
def _part_shapes(x, indices_or_sections, axis):
    return [p.shape for p in np.array_split(np.asarray(x), indices_or_sections, axis=axis)]


@helper
def split_adjoint(v, x, indices_or_sections, axis=0, batch=False):
    """Adjoint of ``np.split(x, indices_or_sections, axis)`` (and array_split): the parts'
    cotangents `v` (a tuple, list or stacked array; 0.0 for unused parts) concatenated.
    With ``batch`` the parts carry a leading batch axis (the tangent of this helper)."""
    shapes = _part_shapes(x, indices_or_sections, axis)
    if _is_placeholder(v):
        if batch:
            return 0.0
        return _zeros_like_cot(v, x)
    parts = [np.empty(s) for s in shapes]
    return _join_tangent(tuple(v), parts, shapes, axis, batch)


@helper
def batch_split(split, dx, indices_or_sections, axis=0):
    """``split(dx, ...)`` of a batched tangent: the batch axis is not split."""
    return split(dx, indices_or_sections, axis=batch_shift_axis(axis))


def _split_kind(arg_kinds, bound):
    from .numpy_reduce import _literal
    n = _literal(bound, "indices_or_sections", None)
    if type(n) is int and 0 < n <= 32:
        return lattice.tuple_kind([A] * n)
    return A


# ------------------------------------------------------------------------- copies
def _tile_layout(x, reps):
    reps = (int(reps),) if np.ndim(reps) == 0 else tuple(int(r) for r in reps)
    d = max(np.ndim(x), len(reps))
    xs = (1,) * (d - np.ndim(x)) + np.shape(x)
    rs = (1,) * (d - len(reps)) + reps
    return xs, rs


@helper
def tile_adjoint(v, x, reps):
    """Adjoint of ``np.tile(x, reps)``: the cotangents of all the copies summed."""
    if np.ndim(v) == 0 and np.ndim(x):
        return _zeros_like_cot(v, x)
    xs, rs = _tile_layout(x, reps)
    inter = tuple(n for pair in zip(rs, xs) for n in pair)
    summed = np.sum(np.reshape(v, inter), axis=tuple(range(0, 2 * len(xs), 2)))
    return np.reshape(summed, np.shape(x))


@helper
def batch_tile(dx, x, reps):
    """``np.tile`` of a batched tangent of x: the batch axis is not tiled."""
    dx = np.asarray(dx)
    xs, rs = _tile_layout(x, reps)
    return np.tile(dx.reshape(dx.shape[:1] + xs), (1,) + rs)


@helper
def repeat_adjoint(v, x, repeats, axis=None):
    """Adjoint of ``np.repeat(x, repeats, axis)``: each element gets the summed cotangents
    of its repetitions (repeats may be an int or one count per element, zeros included)."""
    x = np.asarray(x)
    if np.ndim(v) == 0 and (x.ndim or axis is None):
        return _zeros_like_cot(v, x)
    v = np.asarray(v)
    if axis is None:
        ax, n = 0, x.size
    else:
        ax = int(axis) % x.ndim
        n = x.shape[ax]
    vm = np.moveaxis(v, ax, 0)
    r = np.asarray(repeats)
    if r.size == 1:
        out = np.sum(vm.reshape((n, int(r.reshape(-1)[0])) + vm.shape[1:]), axis=1)
    else:
        r = np.broadcast_to(r, (n,))
        out = np.zeros((n,) + vm.shape[1:], dtype=vm.dtype)
        nonzero = r > 0
        if np.any(nonzero):
            starts = np.concatenate([[0], np.cumsum(r)[:-1]])[nonzero]
            out[nonzero] = np.add.reduceat(vm, starts, axis=0)
    out = np.moveaxis(out, 0, ax)
    return out.reshape(x.shape) if axis is None else out


@helper
def batch_repeat(dx, repeats, axis=None):
    """``np.repeat`` of a batched tangent: ``axis=None`` flattens each direction alone."""
    dx = np.asarray(dx)
    if axis is None:
        return np.repeat(dx.reshape(dx.shape[:1] + (-1,)), repeats, axis=1)
    return np.repeat(dx, repeats, axis=batch_shift_axis(axis))


@helper
def flip_adjoint(v, x, axis=None):
    """Adjoint of ``np.flip(x, axis)`` (its own inverse)."""
    if np.ndim(v) == 0 and np.ndim(x):
        return _zeros_like_cot(v, x)
    return np.flip(v, axis)


@helper
def batch_flip(dx, axis=None):
    """``np.flip`` of a batched tangent: the batch axis is not flipped."""
    dx = np.asarray(dx)
    if axis is None:
        return np.flip(dx, tuple(range(1, dx.ndim)))
    return np.flip(dx, batch_shift_axis(axis))


@helper
def roll_adjoint(v, x, shift, axis=None):
    """Adjoint of ``np.roll(x, shift, axis)``: rolled back by ``-shift``."""
    if np.ndim(v) == 0 and np.ndim(x):
        return _zeros_like_cot(v, x)
    return np.roll(v, np.negative(shift), axis)


@helper
def batch_roll(dx, shift, axis=None):
    """``np.roll`` of a batched tangent: ``axis=None`` rolls each flattened direction."""
    dx = np.asarray(dx)
    if axis is None:
        return np.roll(dx.reshape(dx.shape[:1] + (-1,)), shift, axis=1).reshape(dx.shape)
    return np.roll(dx, shift, batch_shift_axis(axis))


_PAD_COPY_MODES = ("edge", "reflect", "symmetric", "wrap")


def _pad_pairs(x, pad_width):
    return np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (np.ndim(x), 2))


def _check_pad_mode(mode):
    if mode != "constant" and mode not in _PAD_COPY_MODES:
        raise NotImplementedError(f"np.pad(mode={mode!r}): the derivative rule supports the "
                                  f"modes 'constant', {', '.join(map(repr, _PAD_COPY_MODES))}")


@helper
def pad_adjoint(v, x, pad_width, mode="constant"):
    """Adjoint of ``np.pad(x, pad_width, mode)``: for "constant", the cotangent of the
    interior (the padding is constant); for the copying modes, each element gets the summed
    cotangents of every position that copies it (found by padding an array of indices)."""
    _check_pad_mode(mode)
    x = np.asarray(x)
    if np.ndim(v) == 0 and x.ndim:
        return _zeros_like_cot(v, x)
    v = np.asarray(v)
    if x.ndim == 0:         # np.pad leaves a 0-d array as it is
        return v.astype(_dtype(v, x), copy=True)
    pairs = _pad_pairs(x, pad_width)
    if mode == "constant":
        return v[tuple(slice(int(b), int(b) + n) for (b, _), n in zip(pairs, x.shape))]
    index = np.arange(x.size).reshape(x.shape)
    source = np.pad(index, pairs, mode=mode)
    def total(w):
        return np.bincount(source.reshape(-1), weights=w.reshape(-1), minlength=x.size)
    summed = total(v.real) + 1j * total(v.imag) if np.iscomplexobj(v) else total(v)
    return summed.reshape(x.shape).astype(_dtype(v, x), copy=False)


@helper
def pad_tangent(dx, x, pad_width, mode="constant", batch=False):
    """Tangent of ``np.pad(x, pad_width, mode)``: the tangent padded the same way (with 0:
    the padding constant carries no derivative); batched: the batch axis is not padded."""
    _check_pad_mode(mode)
    if np.ndim(x) == 0:     # np.pad leaves a 0-d array as it is
        return np.array(dx, dtype=np.result_type(dx, 1.0))
    pairs = _pad_pairs(x, pad_width)
    if batch:
        pairs = np.concatenate([np.zeros((1, 2), dtype=np.int64), pairs])
    return np.pad(dx, pairs, mode=mode)


# ------------------------------------------------------------------------- samples
def _rnd(rng, shape):
    return rng.uniform(-1.5, 1.5, shape)


def _reshape_samples(rng):
    x = _rnd(rng, (2, 3))
    return [{"x": x, "shape": (3, 2)}, {"x": x, "shape": (6,)}, {"x": x, "shape": -1},
            {"x": x, "shape": (3, -1), "order": "F"}, {"x": _rnd(rng, (4,)), "shape": (2, 2)}]


def _method_reshape_samples(rng):
    return [{"x": a["x"], "shape": a["shape"], "order": a.get("order", "C")}
            for a in _reshape_samples(rng)]


def _ravel_samples(rng):
    x = _rnd(rng, (2, 3))
    # (orders "A" and "K" depend on the memory layout, which a finite-difference step may
    # change: tests/test_numpy_reduce_shape.py checks them)
    return [{"x": x}, {"x": x, "order": "F"}, {"x": _rnd(rng, (2, 3, 2))}]


def _squeeze_samples(rng):
    x = _rnd(rng, (1, 3, 1))
    return [{"x": x}, {"x": x, "axis": 0}, {"x": x, "axis": (0, 2)}, {"x": x, "axis": -1}]


def _expand_samples(rng):
    x = _rnd(rng, (2, 3))
    return [{"x": x, "axis": 0}, {"x": x, "axis": -1}, {"x": x, "axis": (0, 3)}]


def _atleast_samples(rng):
    return [{"x": float(rng.uniform(-1, 1))}, {"x": _rnd(rng, (3,))}, {"x": _rnd(rng, (2, 3))},
            {"x": _rnd(rng, (2, 3, 2))}]


def _swapaxes_samples(rng):
    x = _rnd(rng, (2, 3, 4))
    return [{"x": x, "axis1": 0, "axis2": 2}, {"x": x, "axis1": -1, "axis2": 1},
            {"x": _rnd(rng, (2, 3)), "axis1": 0, "axis2": 1}]


def _moveaxis_samples(rng):
    x = _rnd(rng, (2, 3, 4))
    return [{"x": x, "source": 0, "destination": 2}, {"x": x, "source": -1, "destination": 0},
            {"x": x, "source": (0, 1), "destination": (2, 0)}]


def _broadcast_samples(rng):
    return [{"x": _rnd(rng, (3,)), "shape": (2, 3)}, {"x": _rnd(rng, (3, 1)), "shape": (2, 3, 4)},
            {"x": float(rng.uniform(-1, 1)), "shape": (2, 2)}, {"x": _rnd(rng, (2, 3)),
                                                                 "shape": (2, 3)}]


def _concat_samples(rng):
    a, b, c = _rnd(rng, (2, 3)), _rnd(rng, (1, 3)), _rnd(rng, (2, 2))
    return [{"arrays": (a, b), "axis": 0}, {"arrays": [a, c], "axis": 1},
            {"arrays": (a, c), "axis": -1}, {"arrays": (a, b, c), "axis": None},
            {"arrays": (_rnd(rng, (3,)), _rnd(rng, (2,)))},
            {"arrays": (a, _rnd(rng, (2, 3))), "axis": 1}, {"arrays": [c, c * 2.0],
                                                            "axis": None}]


def _stack_samples(rng):
    a, b = _rnd(rng, (2, 3)), _rnd(rng, (2, 3))
    return [{"arrays": (a, b)}, {"arrays": [a, b, a * 0.5], "axis": 1},
            {"arrays": (a, b), "axis": -1},
            {"arrays": (float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))}]


def _hstack_samples(rng):
    return [{"tup": (_rnd(rng, (3,)), _rnd(rng, (2,)))},
            {"tup": (_rnd(rng, (2, 3)), _rnd(rng, (2, 1)))},
            {"tup": (float(rng.uniform(-1, 1)), _rnd(rng, (2,)))},
            {"tup": [_rnd(rng, (2, 1, 2)), _rnd(rng, (2, 3, 2))]},
            {"tup": (_rnd(rng, (2, 3)), _rnd(rng, (2, 3)))}, {"tup": (_rnd(rng, (3,)),
                                                                      _rnd(rng, (3,)))}]


def _vstack_samples(rng):
    return [{"tup": (_rnd(rng, (3,)), _rnd(rng, (3,)))},
            {"tup": (_rnd(rng, (2, 3)), _rnd(rng, (1, 3)))},
            {"tup": (_rnd(rng, (3,)), _rnd(rng, (2, 3)))},
            {"tup": (float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)))},
            {"tup": [_rnd(rng, (2, 3)), _rnd(rng, (2, 3))]}]


def _split_samples(rng):
    # the checker draws the parts' cotangent as one array: parts of equal shapes only
    # (unequal splits are checked end to end in tests/test_numpy_reduce_shape.py)
    x = _rnd(rng, (4, 6))
    return [{"x": x, "indices_or_sections": 2}, {"x": x, "indices_or_sections": 3, "axis": 1},
            {"x": x, "indices_or_sections": [2, 4], "axis": -1},
            {"x": _rnd(rng, (6,)), "indices_or_sections": 3}]


def _tile_samples(rng):
    x = _rnd(rng, (2, 3))
    return [{"x": x, "reps": 2}, {"x": x, "reps": (2, 1)}, {"x": x, "reps": (2, 1, 3)},
            {"x": _rnd(rng, (3,)), "reps": (2, 2)}, {"x": float(rng.uniform(-1, 1)),
                                                      "reps": 3}]


def _repeat_samples(rng):
    x = _rnd(rng, (2, 3))
    return [{"x": x, "repeats": 2}, {"x": x, "repeats": 2, "axis": 1},
            {"x": x, "repeats": [1, 0, 3], "axis": 1}, {"x": x, "repeats": [2, 1], "axis": -2},
            {"x": _rnd(rng, (4,)), "repeats": [0, 2, 1, 0]}]


def _flip_samples(rng):
    x = _rnd(rng, (2, 3, 2))
    return [{"x": x}, {"x": x, "axis": 1}, {"x": x, "axis": (0, -1)}]


def _roll_samples(rng):
    x = _rnd(rng, (3, 4))
    return [{"x": x, "shift": 2}, {"x": x, "shift": -1, "axis": 1},
            {"x": x, "shift": (1, 2), "axis": (0, 1)}, {"x": x, "shift": 5, "axis": 0}]


def _pad_samples(rng):
    x = _rnd(rng, (3, 4))
    return [{"x": x, "pad_width": 1}, {"x": x, "pad_width": ((1, 0), (2, 3))},
            {"x": x, "pad_width": (2, 1), "mode": "constant"},
            {"x": x, "pad_width": ((1, 2), (0, 1)), "mode": "edge"},
            {"x": x, "pad_width": 2, "mode": "reflect"},
            {"x": x, "pad_width": ((3, 1), (1, 2)), "mode": "symmetric"},
            {"x": x, "pad_width": ((4, 1), (1, 5)), "mode": "wrap"}]


# ------------------------------------------------------------------------- rules
_RESHAPE = dict(vjp={"x": "reshape_adjoint(g, x, order)"},
                jvp={"x": "reshape_tangent(dx, x, y, order)"},
                jvp_batch={"x": "reshape_tangent(as_batched(dx, x), x, y, order, True)"})
_RESHAPE_C = dict(vjp={"x": "reshape_adjoint(g, x)"},
                  jvp={"x": "reshape_tangent(dx, x, y)"},
                  jvp_batch={"x": "reshape_tangent(as_batched(dx, x), x, y, 'C', True)"})

_reshape = defrule(np.reshape, "x, shape, order='C'", kind=A, samples=_reshape_samples,
                   **_RESHAPE)
# x.reshape(2, 3) or x.reshape((2, 3)), order= by keyword: its own rule, whose `*shape`
# parameter takes every positional argument (np.reshape's third positional is `order`).
_ndarray_reshape = defrule(np.ndarray.reshape, "x, *shape, order='C'", name="ndarray.reshape",
                           kind=A, samples=_method_reshape_samples, **_RESHAPE)
_ravel = defrule(np.ravel, "x, order='C'", kind=_flat_kind, samples=_ravel_samples,
                 **_RESHAPE)
_flatten = defrule(np.ndarray.flatten, "x, order='C'", name="ndarray.flatten",
                   kind=_flat_kind, samples=_ravel_samples, **_RESHAPE)
_squeeze = defrule(np.squeeze, "x, axis=None", kind=A, samples=_squeeze_samples, **_RESHAPE_C)
defrule(np.expand_dims, "x, axis", kind=A, samples=_expand_samples, **_RESHAPE_C)
for _f in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    # one array: np.atleast_2d(a, b) returns a list and is refused (one parameter)
    defrule(_f, "x", kind=A, samples=_atleast_samples, **_RESHAPE_C)

_swapaxes = defrule(np.swapaxes, "x, axis1, axis2", kind=_same_kind,
                    samples=_swapaxes_samples,
                    vjp={"x": "swapaxes_adjoint(g, x, axis1, axis2)"},
                    jvp={"x": "np.swapaxes(dx, axis1, axis2)"},
                    jvp_batch={"x": "np.swapaxes(as_batched(dx, x), batch_shift_axis(axis1), "
                                    "batch_shift_axis(axis2))"})
defrule(np.moveaxis, "x, source, destination", kind=_same_kind, samples=_moveaxis_samples,
        vjp={"x": "moveaxis_adjoint(g, x, source, destination)"},
        jvp={"x": "np.moveaxis(dx, source, destination)"},
        jvp_batch={"x": "np.moveaxis(as_batched(dx, x), batch_shift_axis(source), "
                        "batch_shift_axis(destination))"})
defrule(np.broadcast_to, "x, shape, subok=False", kind=A, samples=_broadcast_samples,
        vjp={"x": "unbroadcast(g, x)"},
        jvp={"x": "np.broadcast_to(dx, shape)"},
        jvp_batch={"x": "batch_broadcast_to(as_batched(dx, x), x, shape)"})

defrule(np.concatenate, "arrays, axis=0", kind=A, samples=_concat_samples,
        vjp={"arrays": "concatenate_adjoint(g, arrays, axis)"},
        jvp={"arrays": "concatenate_tangent(darrays, arrays, axis)"},
        jvp_batch={"arrays": "concatenate_tangent(darrays, arrays, axis, True)"})
defrule(np.stack, "arrays, axis=0", kind=A, samples=_stack_samples,
        vjp={"arrays": "stack_adjoint(g, arrays, axis)"},
        jvp={"arrays": "stack_tangent(darrays, arrays, axis)"},
        jvp_batch={"arrays": "stack_tangent(darrays, arrays, axis, True)"})
defrule(np.hstack, "tup", kind=A, samples=_hstack_samples,
        vjp={"tup": "hstack_adjoint(g, tup)"},
        jvp={"tup": "hstack_tangent(dtup, tup)"},
        jvp_batch={"tup": "hstack_tangent(dtup, tup, True)"})
defrule(np.vstack, "tup", kind=A, samples=_vstack_samples,
        vjp={"tup": "vstack_adjoint(g, tup)"},
        jvp={"tup": "vstack_tangent(dtup, tup)"},
        jvp_batch={"tup": "vstack_tangent(dtup, tup, True)"})

for _f in (np.split, np.array_split):
    defrule(_f, "x, indices_or_sections, axis=0", kind=_split_kind, samples=_split_samples,
            vjp={"x": "split_adjoint(g, x, indices_or_sections, axis)"},
            jvp={"x": f"np.{_f.__name__}(dx, indices_or_sections, axis)"},
            jvp_batch={"x": f"batch_split(np.{_f.__name__}, as_batched(dx, x), "
                            "indices_or_sections, axis)"})

defrule(np.tile, "x, reps", kind=A, samples=_tile_samples,
        vjp={"x": "tile_adjoint(g, x, reps)"},
        jvp={"x": "np.tile(dx, reps)"},
        jvp_batch={"x": "batch_tile(as_batched(dx, x), x, reps)"})
_repeat = defrule(np.repeat, "x, repeats, axis=None", kind=A, samples=_repeat_samples,
                  vjp={"x": "repeat_adjoint(g, x, repeats, axis)"},
                  jvp={"x": "np.repeat(dx, repeats, axis)"},
                  jvp_batch={"x": "batch_repeat(as_batched(dx, x), repeats, axis)"})
defrule(np.flip, "x, axis=None", kind=_same_kind, samples=_flip_samples,
        vjp={"x": "flip_adjoint(g, x, axis)"},
        jvp={"x": "np.flip(dx, axis)"},
        jvp_batch={"x": "batch_flip(as_batched(dx, x), axis)"})
defrule(np.roll, "x, shift, axis=None", kind=_same_kind, samples=_roll_samples,
        vjp={"x": "roll_adjoint(g, x, shift, axis)"},
        jvp={"x": "np.roll(dx, shift, axis)"},
        jvp_batch={"x": "batch_roll(as_batched(dx, x), shift, axis)"})
# constant_values is a keyword of np.pad (**kwargs): bound by the transformer, left out of
# the checker's positional samples, read by no template (the padding carries no derivative)
_pad = defrule(np.pad, "x, pad_width, mode='constant', constant_values=0", kind=_same_kind,
               samples=_pad_samples,
               vjp={"x": "pad_adjoint(g, x, pad_width, mode)"},
               jvp={"x": "pad_tangent(dx, x, pad_width, mode)"},
               jvp_batch={"x": "pad_tangent(as_batched(dx, x), x, pad_width, mode, True)"})


def _SHAPE_RULES():
    return [_reshape, _ndarray_reshape, _ravel, _flatten, _squeeze, lookup(np.expand_dims),
            lookup(np.atleast_1d), lookup(np.atleast_2d), lookup(np.atleast_3d), _swapaxes,
            lookup(np.moveaxis), lookup(np.broadcast_to), lookup(np.concatenate),
            lookup(np.stack), lookup(np.hstack), lookup(np.vstack), lookup(np.split),
            lookup(np.array_split), lookup(np.tile), _repeat, lookup(np.flip),
            lookup(np.roll), _pad]


method("reshape", _ndarray_reshape, "x")
method("ravel", _ravel, "x")
method("flatten", _flatten, "x")
method("squeeze", _squeeze, "x")
method("swapaxes", _swapaxes, "x")
method("repeat", _repeat, "x")

for _rule in [r for r in _SHAPE_RULES()]:
    with_defaults(_rule, omit=("constant_values",) if _rule is _pad else ())


# ------------------------------------------------------------------------- helper rules
# Forward rules of the adjoint helpers (all linear in the cotangent `v`; the other
# parameters only give shapes), so forward mode applies to generated gradient code.
def _random_like(rng, y):
    if isinstance(y, (tuple, list)):
        return [rng.standard_normal(np.shape(p)) for p in y]
    v = rng.standard_normal(np.shape(y))
    return float(v) if np.ndim(y) == 0 else v


def _adjoint_helper(func, params, primal, batch=None):
    """Register the forward rule of adjoint helper `func` (params: "v, <primal params>")
    with samples drawn from the `primal` rule's samples."""
    name = func.__name__
    names = [p.split("=")[0].strip() for p in params.split(",")]
    rest = [p for p in names[1:] if p != "batch"]
    args = ", ".join(rest)
    jvp = {"v": f"{name}(dv, {args})"}
    jvp.update({p: "0.0" for p in rest if p in ("x", "arrays", "tup")})

    def samples(rng):
        out = []
        for a in primal.samples(rng):
            seq = a.get("arrays", a.get("tup"))
            if seq is not None and len({np.shape(e) for e in seq}) > 1:
                continue    # a ragged tuple result: the checker compares stacked outputs
            y = primal.func(*[a[p] for p in primal.params if p in a])
            out.append(dict({"v": _random_like(rng, y)}, **{p: a[p] for p in rest if p in a}))
        return out
    rule = defrule(func, params, name=name, kind=A, samples=samples, jvp=jvp,
                   jvp_batch={"v": batch or f"batch_map({name}, as_batched(dv, v), {args})"})
    return with_defaults(rule)


_adjoint_helper(reshape_adjoint, "v, x, order='C'", _reshape)
_adjoint_helper(swapaxes_adjoint, "v, x, axis1, axis2", _swapaxes)
_adjoint_helper(moveaxis_adjoint, "v, x, source, destination", lookup(np.moveaxis))
for _h, _f in ((concatenate_adjoint, np.concatenate), (stack_adjoint, np.stack)):
    _adjoint_helper(_h, "v, arrays, axis=0", lookup(_f),
                    batch=f"batch_map_parts({_h.__name__}, as_batched(dv, v), arrays, axis)")
for _h, _f in ((hstack_adjoint, np.hstack), (vstack_adjoint, np.vstack)):
    _adjoint_helper(_h, "v, tup", lookup(_f),
                    batch=f"batch_map_parts({_h.__name__}, as_batched(dv, v), tup)")
_adjoint_helper(split_adjoint, "v, x, indices_or_sections, axis=0, batch=False",
                lookup(np.split),
                batch="split_adjoint(dv, x, indices_or_sections, axis, True)")
_adjoint_helper(tile_adjoint, "v, x, reps", lookup(np.tile))
_adjoint_helper(repeat_adjoint, "v, x, repeats, axis=None", _repeat)
_adjoint_helper(flip_adjoint, "v, x, axis=None", lookup(np.flip))
_adjoint_helper(roll_adjoint, "v, x, shift, axis=None", lookup(np.roll))
_adjoint_helper(pad_adjoint, "v, x, pad_width, mode='constant'", _pad)
