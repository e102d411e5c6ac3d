"""Rules for NumPy functions that move, copy or regroup elements without arithmetic.

``np.reshape``, ``np.ravel``, ``np.squeeze``, ``np.expand_dims``, ``np.atleast_1d/2d/3d``,
``np.swapaxes``, ``np.moveaxis``, ``np.broadcast_to``, ``np.concatenate``, ``np.stack``,
``np.hstack``, ``np.vstack``, ``np.split``/``np.array_split``, ``np.tile``, ``np.repeat``,
``np.flip``, ``np.roll``, ``np.pad``, ``np.flipud``/``np.fliplr``, ``np.rot90``,
``np.rollaxis``, ``np.hsplit``/``np.vsplit``/``np.dsplit``, ``np.column_stack``,
``np.dstack``, ``np.row_stack``, ``np.append``; methods ``.reshape .ravel .flatten
.squeeze .swapaxes .repeat`` (``np.transpose``/``.T`` live in numpy_rules).

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
adjoint kernel (`tangent_like.runtime.shape`) accepts it.  Vector forward mode
(``jvp_batch``): tangents carry a leading batch axis, so axis arguments are shifted by one
(``batch_shift_axis``) and reshapes keep the batch axis in front.

The methods take NumPy's own forms: ``x.reshape(2, 3)`` and ``x.reshape((2, 3))``,
``x.reshape(-1, order="F")`` (a ``*shape`` parameter, see `registry`).

Limitations: ``np.atleast_*d`` take one array;
``np.pad`` supports the modes that copy elements ("constant" with the tangent of the padding
0, "edge", "reflect", "symmetric", "wrap"); ``constant_values`` is not differentiable.
``np.moveaxis`` takes NumPy's own parameter names, ``source=`` and ``destination=`` included.
"""
import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .kinds import literal, maybe_complex
from .registry import defrule, inactive, lookup, method
from .samples import shape as samples
from .samples import with_defaults

A = lattice.ANY


def _same_kind(arg_kinds, bound):
    k = arg_kinds.get("x")
    return k if lattice.is_array(k) else A


def _same_kind_of(param):
    def kind(arg_kinds, bound):
        k = arg_kinds.get(param)
        return k if lattice.is_array(k) else A
    return kind


def _flat_kind(arg_kinds, bound):
    return A if maybe_complex(arg_kinds.get("x", lattice.INT)) else ("array", 1)


def _split_kind(arg_kinds, bound):
    n = literal(bound, "indices_or_sections", None)
    if type(n) is int and 0 < n <= 32:
        return lattice.tuple_kind([A] * n)
    return A


# ------------------------------------------------------------------------- rules
_RESHAPE = dict(vjp={"x": "reshape_adjoint(g, x, order)"},
                jvp={"x": "reshape_tangent(dx, x, y, order)"},
                jvp_batch={"x": "reshape_tangent(as_batched(dx, x), x, y, order, True)"})
_RESHAPE_C = dict(vjp={"x": "reshape_adjoint(g, x)"},
                  jvp={"x": "reshape_tangent(dx, x, y)"},
                  jvp_batch={"x": "reshape_tangent(as_batched(dx, x), x, y, 'C', True)"})

_reshape = defrule(np.reshape, "x, shape, order='C'", kind=A, samples=samples.reshape,
                   **_RESHAPE)
# x.reshape(2, 3) or x.reshape((2, 3)), order= by keyword: its own rule, whose `*shape`
# parameter takes every positional argument (np.reshape's third positional is `order`).
_ndarray_reshape = defrule(np.ndarray.reshape, "x, *shape, order='C'", name="ndarray.reshape",
                           kind=A, samples=samples.ndarray_reshape, **_RESHAPE)
_ravel = defrule(np.ravel, "x, order='C'", kind=_flat_kind, samples=samples.ravel,
                 **_RESHAPE)
_flatten = defrule(np.ndarray.flatten, "x, order='C'", name="ndarray.flatten",
                   kind=_flat_kind, samples=samples.ravel, **_RESHAPE)
_squeeze = defrule(np.squeeze, "x, axis=None", kind=A, samples=samples.squeeze, **_RESHAPE_C)
defrule(np.expand_dims, "x, axis", kind=A, samples=samples.expand_dims, **_RESHAPE_C)
for _f in (np.atleast_1d, np.atleast_2d, np.atleast_3d):
    # one array: np.atleast_2d(a, b) returns a list and is refused (one parameter)
    defrule(_f, "x", kind=A, samples=samples.atleast, **_RESHAPE_C)

_swapaxes = defrule(np.swapaxes, "x, axis1, axis2", kind=_same_kind,
                    samples=samples.swapaxes,
                    vjp={"x": "swapaxes_adjoint(g, x, axis1, axis2)"},
                    jvp={"x": "np.swapaxes(dx, axis1, axis2)"},
                    jvp_batch={"x": "np.swapaxes(as_batched(dx, x), batch_shift_axis(axis1), "
                                    "batch_shift_axis(axis2))"})
defrule(np.moveaxis, "x, source, destination", kind=_same_kind, samples=samples.moveaxis,
        vjp={"x": "moveaxis_adjoint(g, x, source, destination)"},
        jvp={"x": "np.moveaxis(dx, source, destination)"},
        jvp_batch={"x": "np.moveaxis(as_batched(dx, x), batch_shift_axis(source), "
                        "batch_shift_axis(destination))"})
defrule(np.broadcast_to, "x, shape, subok=False", kind=A, samples=samples.broadcast_to,
        vjp={"x": "unbroadcast(g, x)"},
        jvp={"x": "np.broadcast_to(dx, shape)"},
        jvp_batch={"x": "batch_broadcast_to(as_batched(dx, x), x, shape)"})

defrule(np.concatenate, "arrays, axis=0", kind=A, samples=samples.concatenate,
        vjp={"arrays": "concatenate_adjoint(g, arrays, axis)"},
        jvp={"arrays": "concatenate_tangent(darrays, arrays, axis)"},
        jvp_batch={"arrays": "concatenate_tangent(darrays, arrays, axis, True)"})
defrule(np.stack, "arrays, axis=0", kind=A, samples=samples.stack,
        vjp={"arrays": "stack_adjoint(g, arrays, axis)"},
        jvp={"arrays": "stack_tangent(darrays, arrays, axis)"},
        jvp_batch={"arrays": "stack_tangent(darrays, arrays, axis, True)"})
defrule(np.hstack, "tup", kind=A, samples=samples.hstack,
        vjp={"tup": "hstack_adjoint(g, tup)"},
        jvp={"tup": "hstack_tangent(dtup, tup)"},
        jvp_batch={"tup": "hstack_tangent(dtup, tup, True)"})
defrule(np.vstack, "tup", kind=A, samples=samples.vstack,
        vjp={"tup": "vstack_adjoint(g, tup)"},
        jvp={"tup": "vstack_tangent(dtup, tup)"},
        jvp_batch={"tup": "vstack_tangent(dtup, tup, True)"})

for _f in (np.split, np.array_split):
    defrule(_f, "x, indices_or_sections, axis=0", kind=_split_kind, samples=samples.split,
            vjp={"x": "split_adjoint(g, x, indices_or_sections, axis)"},
            jvp={"x": f"np.{_f.__name__}(dx, indices_or_sections, axis)"},
            jvp_batch={"x": f"batch_split(np.{_f.__name__}, as_batched(dx, x), "
                            "indices_or_sections, axis)"})

defrule(np.tile, "x, reps", kind=A, samples=samples.tile,
        vjp={"x": "tile_adjoint(g, x, reps)"},
        jvp={"x": "np.tile(dx, reps)"},
        jvp_batch={"x": "batch_tile(as_batched(dx, x), x, reps)"})
_repeat = defrule(np.repeat, "x, repeats, axis=None", kind=A, samples=samples.repeat,
                  vjp={"x": "repeat_adjoint(g, x, repeats, axis)"},
                  jvp={"x": "np.repeat(dx, repeats, axis)"},
                  jvp_batch={"x": "batch_repeat(as_batched(dx, x), repeats, axis)"})
defrule(np.flip, "x, axis=None", kind=_same_kind, samples=samples.flip,
        vjp={"x": "flip_adjoint(g, x, axis)"},
        jvp={"x": "np.flip(dx, axis)"},
        jvp_batch={"x": "batch_flip(as_batched(dx, x), axis)"})
defrule(np.roll, "x, shift, axis=None", kind=_same_kind, samples=samples.roll,
        vjp={"x": "roll_adjoint(g, x, shift, axis)"},
        jvp={"x": "np.roll(dx, shift, axis)"},
        jvp_batch={"x": "batch_roll(as_batched(dx, x), shift, axis)"})
# constant_values is a keyword of np.pad (**kwargs): bound by the transformer, left out of
# the checker's positional samples, read by no template (the padding carries no derivative)
_pad = defrule(np.pad, "x, pad_width, mode='constant', constant_values=0", kind=_same_kind,
               samples=samples.pad,
               vjp={"x": "pad_adjoint(g, x, pad_width, mode)"},
               jvp={"x": "pad_tangent(dx, x, pad_width, mode)"},
               jvp_batch={"x": "pad_tangent(as_batched(dx, x), x, pad_width, mode, True)"})


# flips and rotations: the adjoint is the inverse rearrangement (flips are their own)
def _flip_rule(func, axis):
    name = f"np.{func.__name__}"
    return defrule(func, "m", kind=_same_kind_of("m"), samples=samples.flipud_fliplr,
                   vjp={"m": f"{name}(dense_cotangent(g, y))"},
                   jvp={"m": f"tangent_call({name}, 0, dm)"},
                   jvp_batch={"m": f"batch_flip(as_batched(dm, m), {axis})"})


_flipud = _flip_rule(np.flipud, 0)
_fliplr = _flip_rule(np.fliplr, 1)
_rot90 = defrule(np.rot90, "m, k=1, axes=(0, 1)", kind=_same_kind_of("m"),
                 samples=samples.rot90,
                 vjp={"m": "np.rot90(dense_cotangent(g, y), -k, axes)"},
                 jvp={"m": "tangent_call(np.rot90, 0, dm, k, axes)"},
                 jvp_batch={"m": "np.rot90(as_batched(dm, m), k, batch_shift_axis(axes))"})
# np.rollaxis(a, axis, start) is np.moveaxis(a, source, destination) (`rollaxis_axes`)
_ROLL = "rollaxis_axes(a, axis, start)"
_rollaxis = defrule(np.rollaxis, "a, axis, start=0", kind=_same_kind_of("a"),
                    samples=samples.rollaxis,
                    vjp={"a": f"moveaxis_adjoint(g, a, {_ROLL}[0], {_ROLL}[1])"},
                    jvp={"a": "tangent_call(np.rollaxis, 0, da, axis, start)"},
                    jvp_batch={"a": f"np.moveaxis(as_batched(da, a), {_ROLL}[0] + 1, "
                                    f"{_ROLL}[1] + 1)"})

# hsplit/vsplit/dsplit are np.split along a fixed axis (`split_axis`)
_named_splits = []
for _f, _how in ((np.hsplit, "h"), (np.vsplit, "v"), (np.dsplit, "d")):
    _axis = f"split_axis(ary, {_how!r})"
    _named_splits.append(defrule(
        _f, "ary, indices_or_sections", kind=_split_kind, samples=samples.named_split(_how),
        vjp={"ary": f"split_adjoint(g, ary, indices_or_sections, {_axis})"},
        jvp={"ary": f"tangent_call(np.{_f.__name__}, 0, dary, indices_or_sections)"},
        jvp_batch={"ary": "batch_split(np.split, as_batched(dary, ary), indices_or_sections, "
                          f"{_axis})"}))

# column_stack and dstack join like hstack, after making columns (atleast_3d) of the parts;
# np.row_stack (deprecated in NumPy 2) is vstack
for _f, _how in ((np.column_stack, "column_stack"), (np.dstack, "dstack")):
    defrule(_f, "tup", kind=A, samples=getattr(samples, _how),
            vjp={"tup": f"join_adjoint(g, tup, {_how!r})"},
            jvp={"tup": f"join_tangent(dtup, tup, {_how!r})"},
            jvp_batch={"tup": f"join_tangent(dtup, tup, {_how!r}, True)"})
if hasattr(np, "row_stack") and np.row_stack is not np.vstack:
    defrule(np.row_stack, "tup", kind=A, samples=samples.vstack,
            vjp={"tup": "vstack_adjoint(g, tup)"},
            jvp={"tup": "vstack_tangent(dtup, tup)"},
            jvp_batch={"tup": "vstack_tangent(dtup, tup, True)"})


# np.append(arr, values, axis): concatenate of the two (flattened without axis)
defrule(np.append, "arr, values, axis=None", kind=A, samples=samples.append,
        vjp={"arr": "append_adjoint(g, 0, arr, values, axis)",
             "values": "append_adjoint(g, 1, arr, values, axis)"},
        jvp={"arr": "append_tangent(darr, 0, arr, values, axis)",
             "values": "append_tangent(dvalues, 1, arr, values, axis)"},
        jvp_batch={"arr": "append_tangent(darr, 0, arr, values, axis, True)",
                   "values": "append_tangent(dvalues, 1, arr, values, axis, True)"})


def _SHAPE_RULES():
    return [_reshape, _ndarray_reshape, _ravel, _flatten, _squeeze, lookup(np.expand_dims),
            lookup(np.atleast_1d), lookup(np.atleast_2d), lookup(np.atleast_3d), _swapaxes,
            lookup(np.moveaxis), lookup(np.broadcast_to), lookup(np.concatenate),
            lookup(np.stack), lookup(np.hstack), lookup(np.vstack), lookup(np.split),
            lookup(np.array_split), lookup(np.tile), _repeat, lookup(np.flip),
            lookup(np.roll), _pad, _rot90, _rollaxis, lookup(np.append)]


method("reshape", _ndarray_reshape, "x")
method("ravel", _ravel, "x")
method("flatten", _flatten, "x")
method("squeeze", _squeeze, "x")
method("swapaxes", _swapaxes, "x")
method("repeat", _repeat, "x")

for _rule in [r for r in _SHAPE_RULES()]:
    with_defaults(_rule, omit=("constant_values",) if _rule is _pad else ())


# ------------------------------------------------------------------------- kernel rules
# Forward rules of the adjoint kernels (all linear in the cotangent `v`; the other
# parameters only give shapes), so forward mode applies to generated gradient code.
def _adjoint_kernel(func, params, primal, batch=None):
    """Register the forward rule of adjoint kernel `func` (params: "v, <primal params>")
    with samples drawn from the `primal` rule's samples."""
    name = func.__name__
    names = [p.split("=")[0].strip() for p in params.split(",")]
    rest = [p for p in names[1:] if p != "batch"]
    args = ", ".join(rest)
    jvp = {"v": f"{name}(dv, {args})"}
    jvp.update({p: "0.0" for p in rest})     # shapes, axes, modes: no derivative
    rule = defrule(func, params, name=name, kind=A, samples=samples.adjoint_of(primal, rest),
                   jvp=jvp,
                   jvp_batch={"v": batch or f"batch_map({name}, as_batched(dv, v), {args})"})
    return with_defaults(rule)


# Linear in `dx`: forward over forward code (third derivatives) goes through it.
defrule(rt.reshape_tangent, "dx, x, result, order='C', batch=False", kind=lattice.ANY,
        name="reshape_tangent", tested_by="tests/test_trust_api.py",
        jvp={"dx": "reshape_tangent(ddx, x, result, order, batch)", "x": "0.0",
             "result": "0.0", "order": "0.0", "batch": "0.0"})
_adjoint_kernel(rt.reshape_adjoint, "v, x, order='C'", _reshape)
_adjoint_kernel(rt.swapaxes_adjoint, "v, x, axis1, axis2", _swapaxes)
_adjoint_kernel(rt.moveaxis_adjoint, "v, x, source, destination", lookup(np.moveaxis))
for _h, _f in ((rt.concatenate_adjoint, np.concatenate), (rt.stack_adjoint, np.stack)):
    _adjoint_kernel(_h, "v, arrays, axis=0", lookup(_f),
                    batch=f"batch_map_parts({_h.__name__}, as_batched(dv, v), arrays, axis)")
for _h, _f in ((rt.hstack_adjoint, np.hstack), (rt.vstack_adjoint, np.vstack)):
    _adjoint_kernel(_h, "v, tup", lookup(_f),
                    batch=f"batch_map_parts({_h.__name__}, as_batched(dv, v), tup)")
_adjoint_kernel(rt.split_adjoint, "v, x, indices_or_sections, axis=0, batch=False",
                lookup(np.split),
                batch="split_adjoint(dv, x, indices_or_sections, axis, True)")
_adjoint_kernel(rt.tile_adjoint, "v, x, reps", lookup(np.tile))
_adjoint_kernel(rt.repeat_adjoint, "v, x, repeats, axis=None", _repeat)
_adjoint_kernel(rt.flip_adjoint, "v, x, axis=None", lookup(np.flip))
_adjoint_kernel(rt.roll_adjoint, "v, x, shift, axis=None", lookup(np.roll))
_adjoint_kernel(rt.pad_adjoint, "v, x, pad_width, mode='constant'", _pad)
defrule(rt.join_adjoint, "v, tup, how", name="join_adjoint", kind=A,
        samples=samples.join_adjoint,
        jvp={"v": "join_adjoint(dv, tup, how)", "tup": "0.0", "how": "0.0"},
        jvp_batch={"v": "batch_map_parts(join_adjoint, as_batched(dv, v), tup, how)"})
with_defaults(defrule(rt.shaped_like, "v, like, batch=False", name="shaped_like", kind=A,
                      samples=samples.shaped_like,
                      jvp={"v": "shaped_like(dv, like, batch)", "like": "0.0", "batch": "0.0"},
                      jvp_batch={"v": "shaped_like(as_batched(dv, v), like, True)"}))
defrule(rt.append_adjoint, "v, which, arr, values, axis=None", name="append_adjoint", kind=A,
        samples=samples.append_adjoint,
        jvp={"v": "append_adjoint(dv, which, arr, values, axis)", "which": "0.0",
             "arr": "0.0", "values": "0.0", "axis": "0.0"},
        jvp_batch={"v": "batch_map(append_adjoint, as_batched(dv, v), which, arr, values, "
                        "axis)"})
for _f in (rt.split_axis, rt.rollaxis_axes, rt.batch_all_axes):
    inactive(_f, kind=A, name=_f.__name__)
