"""Derivatives of derivatives: forward mode over generated code.

A derivative is differentiated again by forward mode over the generated code that computes
it.  Its value at given arguments is described as `Pieces`: calls of generated functions,
the part of each call's result that matters, and a linear map (stacking, reshaping) that
assembles the parts.  The derivative of the value along a direction is then the same
assembly of the tangents of the parts, each given by the forward mode of its call.
"""
import numpy as np

from .errors import DerivativeUsageError
from .loader import note_origin
from .pipeline import Options, specialize
from .targets import Differentiable
from .runtime import nested
from .values import as_tangent, finalize, shaped_like


class Pieces:
    """The value of a derivative as calls of generated functions.

    `calls` are ``(function, args, kwargs, path, shape)``: the part of ``function(*args,
    **kwargs)`` at `path` (indices into nested tuples) has shape `shape`; `combine` assembles
    the parts (linearly) into a value of shape `shape`."""

    def __init__(self, calls, combine, shape):
        self.calls = calls
        self.combine = combine
        self.shape = shape if isinstance(shape, Structure) else tuple(shape)

    def evaluate(self, paired=False):
        """The value; with `paired`, calls return (value, tangent) pairs and the result is
        ``(value, tangent)``, the value read at the path whose first step is 0 instead."""
        parts, values = [], []
        for fn, args, kwargs, path, shape in self.calls:
            try:
                out = fn(*args, **kwargs)
            except Exception as exc:
                note_origin(exc)
                raise
            parts.append(_part(out, path, shape))
            if paired:
                values.append(_part(out, (0,) + path[1:], shape))
        if paired:
            return self.combine(values), self.combine(parts)
        return self.combine(parts)


class Structure:
    """The "shape" of a piece whose value is a tuple, list or dict of arrays and floats
    (the gradient of a structured argument): the value it is shaped like."""

    def __init__(self, like):
        self.like = like

    def __eq__(self, other):
        return False

    __hash__ = object.__hash__


def shape_of(x):
    """The shape of a piece shaped like argument `x`: an array shape, or a `Structure`."""
    return Structure(x) if isinstance(x, (tuple, list, dict)) else np.shape(x)


def _part(out, path, shape):
    """The part of a generated function's result at `path`, shaped `shape` (an array shape
    or a `Structure`).  A zero tangent (the float 0.0) may stand for a whole tuple of
    tangents, or an array of zeros."""
    for k in path:
        if isinstance(out, (tuple, list)):
            out = out[k]
        else:
            out = 0.0
            break
    if isinstance(shape, Structure):
        return finalize(out, shape.like)
    if isinstance(out, (tuple, list)) and len(shape) and len(out) == shape[0]:
        # the adjoint of an array read as a sequence (np.vstack(x), for v in x): its rows
        out = np.stack([np.broadcast_to(np.asarray(_part(o, (), shape[1:])), shape[1:])
                        for o in out])
    if isinstance(out, (tuple, list, dict)):
        raise DerivativeUsageError("derivatives of derivatives need array or float values, "
                                   "not tuples")
    if np.shape(out) != tuple(shape):
        out = np.broadcast_to(out, shape)
    return out


def array_argument(x, name):
    """`x`, the argument a Jacobian or Hessian of a derivative is taken in: a float or an
    array."""
    if isinstance(x, (tuple, list, dict)) or not _numeric(x):
        raise DerivativeUsageError(
            f"Jacobians and Hessians of derivatives are taken in array or float values, not "
            f"{type(x).__name__}s: '{name}' is a {type(x).__name__} -- pass an array "
            "(np.stack its parts), differentiate with respect to one part, or take "
            "directional derivatives (tl.jvp, tl.hvp), which accept tuples, lists and dicts")
    return x


def nestable_argument(x, name):
    """`x`, the argument a derivative taken again is taken in: a float, an array, or a
    tuple, list or dict of them."""
    if isinstance(x, (tuple, list)):
        for i, v in enumerate(x):
            nestable_argument(v, f"{name}[{i}]")
        return x
    if isinstance(x, dict):
        for k, v in x.items():
            nestable_argument(v, f"{name}[{k!r}]")
        return x
    if not _numeric(x):
        raise DerivativeUsageError(
            f"derivatives of derivatives are taken in floats, arrays, and tuples, lists and "
            f"dicts of them: '{name}' is a {type(x).__name__}")
    return x


def _numeric(x):
    return isinstance(x, (float, int, complex, np.ndarray, np.generic))


def check_nestable(base):
    if not isinstance(base, Differentiable):
        raise DerivativeUsageError(f"{base!r} is not a derivative")
    if not base.nestable:
        raise DerivativeUsageError(
            f"{base!r} cannot be differentiated again: derivatives of derivatives take "
            "tl.grad of one argument")


def gradient_pieces(f, name, args, kwargs, checkpoint=None):
    """``tl.grad(f, wrt=name)`` of a plain function as pieces: its generated gradient entry,
    written to be differentiated again (its loops checkpointed by `checkpoint`)."""
    entry, bound = gradient_entry(f, (name,), args, kwargs, checkpoint)
    x = nestable_argument(bound.arguments[name], name)
    return Pieces([(entry, args, kwargs, (1, 0), shape_of(x))],
                  lambda parts: parts[0], shape_of(x))


def vjp_pieces(f, name, args, kwargs):
    """The Jacobian of a plain function as pieces: one vector-Jacobian product per element
    of its result (the rows), generated to be differentiated again."""
    out = f(*args, **kwargs)
    if isinstance(out, (tuple, list, dict)):
        raise DerivativeUsageError(
            f"{getattr(f, '__name__', f)} returns a {type(out).__name__}: Jacobians are taken "
            "of functions returning a float or an array")
    compiled, bound = specialize(f, (name,), args, kwargs,
                                 Options(higher_order=True, cotangent=True))
    x = array_argument(bound.arguments[name], name)
    cotangents = directions(out)
    calls = [(compiled.entry, args, {**kwargs, compiled.cotangent: ct}, (1, 0), np.shape(x))
             for ct in cotangents]
    shape = np.shape(out) + np.shape(x)
    return Pieces(calls, lambda parts: np.stack(parts).reshape(shape), shape)


def forward_options(optimize=True, kinks="ignore"):
    """The options of forward mode over generated code (itself differentiated again)."""
    return Options(mode="forward", higher_order=True, optimize=optimize, kinks=kinks)


def gradient_entry(f, names, args, kwargs, checkpoint=None):
    """The generated ``value_and_grad`` function of `f` for these arguments, written to be
    differentiated again, and the bound arguments."""
    compiled, bound = specialize(f, tuple(names), args, kwargs,
                                 Options(higher_order=True, checkpoint=checkpoint))
    return compiled.entry, bound


def forward_calls(pieces, name, options):
    """Forward mode over every call of `pieces` with respect to argument `name`:
    ``(forward function, args, kwargs, tangent parameter or None, path, shape, compiled)``.
    The tangent parameter is None where a call does not depend on `name`."""
    out = []
    for fn, args, kwargs, path, shape in pieces.calls:
        compiled, _ = specialize(fn, (name,), args, kwargs, options)
        out.append((compiled.forward, args, kwargs, compiled.tangent_params.get(name),
                    path, shape, compiled))
    return out


def along_pieces(pieces, name, v, options, forward=None):
    """The derivative of `pieces` along direction `v` of argument `name`, as pieces whose
    calls return (value, tangent) pairs."""
    calls = []
    for fn, args, kwargs, tparam, path, shape, _ in forward or forward_calls(
            pieces, name, options):
        if tparam is not None:
            kwargs = {**kwargs, tparam: v}
        calls.append((fn, args, kwargs, (1,) + path, shape))
    return Pieces(calls, pieces.combine, pieces.shape)


def directions(x):
    """The unit directions of argument `x`, one per element, shaped like `x`."""
    if not isinstance(x, np.ndarray):
        if isinstance(x, (float, int, np.floating, np.integer)):
            return [type(x)(1.0) if isinstance(x, np.floating) else 1.0]
        raise DerivativeUsageError(
            f"derivatives of derivatives are taken with respect to floats and float arrays, "
            f"not {type(x).__name__}")
    n = x.size
    eye = np.eye(n, dtype=np.result_type(x, 1.0))
    return [row.reshape(x.shape) for row in eye]


def jacobian_pieces(pieces, name, x, options):
    """The Jacobian of `pieces` with respect to argument `name` (value `x`), as pieces:
    one forward call per direction, stacked along trailing axes shaped like `x`."""
    if isinstance(pieces.shape, Structure):
        raise DerivativeUsageError(
            "Jacobians and Hessians of derivatives are taken of array or float values; this "
            "derivative's value is a tuple, list or dict (the gradient of one): take "
            "directional derivatives of it (tl.jvp, tl.hvp) instead")
    forward = forward_calls(pieces, name, options)
    dirs = directions(x)
    calls = []
    for v in dirs:
        calls += along_pieces(pieces, name, v, options, forward=forward).calls
    k, shape = len(forward), pieces.shape

    def combine(parts):
        cols = [np.asarray(pieces.combine(parts[i * k:(i + 1) * k])) for i in range(len(dirs))]
        return np.stack(cols, axis=-1).reshape(shape + np.shape(x))

    return Pieces(calls, combine, shape + np.shape(x))


# Calls of gradients inside differentiated code (runtime/nested.py): their derivatives are
# forward mode over the generated gradient code of the function they differentiate.

def _argument_tangent(t, arguments, name):
    """Tangent (or adjoint) `t` of an argument, with the zero 0.0 of any part as zeros."""
    return as_tangent(shaped_like(t, arguments[name]), arguments[name], name)


def gradient_call_vjp(d, g, wrt, p, arguments, along=None):
    """The adjoint of argument `p` of the call ``d(**arguments)`` of the gradient ``d`` (with
    respect to `wrt`) given the adjoint `g` of its value: ``tl.grad(f, p)`` differentiated
    along `g` in `wrt`; with `along` ``(q, dq)``, that differentiated again along `dq` in
    `q` (the tangent of the adjoint: a third derivative)."""
    options = forward_options(d._options.optimize, d._options.kinks)
    pieces = along_pieces(gradient_pieces(d._func, p, (), arguments), wrt,
                          _argument_tangent(g, arguments, wrt), options)
    if along is not None:
        q, dq = along
        pieces = along_pieces(pieces, q, _argument_tangent(dq, arguments, q), options)
    return finalize(pieces.evaluate(paired=True)[1], arguments[p])


def gradient_call_jvp(d, p, dp, arguments):
    """The tangent of the call ``d(**arguments)`` of the gradient `d` along the tangent `dp`
    of argument `p`."""
    options = forward_options(d._options.optimize, d._options.kinks)
    pieces = along_pieces(d._pieces((), arguments), p, _argument_tangent(dp, arguments, p),
                          options)
    return finalize(pieces.evaluate(paired=True)[1], arguments[d._wrt[0]])


nested.install(gradient_call_vjp, gradient_call_jvp)
