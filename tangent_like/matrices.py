"""Jacobians, Hessians and Hessian-vector products, built on forward and reverse mode.

`jacobian` pulls back one output basis vector at a time (reverse) or pushes every input
direction through vector forward mode in one pass; `hessian` and `hvp` apply forward mode
(vector or plain) to the generated gradient code.
"""
import functools
import inspect

import numpy as np

from .api import GradOf, Partial
from .errors import DerivativeUsageError
from .loader import note_origin
from .nesting import (along_pieces, array_argument, check_nestable, forward_options,
                      gradient_entry, gradient_pieces, jacobian_pieces, vjp_pieces)
from .pipeline import Options, generation, specialize
from .runtime import zero_tangent
from .targets import (WRT_DEFAULT, Differentiable, as_partial, check_function, choose_wrt,
                      derivative_maker, wrt_names)
from .values import (as_tangent, embed, embedded_tangents, fast_kind, finalize,
                     gradient_part, param_of, part_of, path_of, picked_gradients)


def _size(x):
    return int(np.size(x))


@derivative_maker
def jacobian(f, wrt=WRT_DEFAULT, mode="auto", optimize=True, kinks="ignore", *, argnums=None):
    """The Jacobian of `f` with respect to `wrt`: a function returning an array of shape
    ``out.shape + arg.shape`` (a tuple of them when `wrt` is a tuple).

    `mode` is "reverse" (one pullback per output element), "forward" (vector forward mode:
    every input direction in one pass) or "auto" (forward when the inputs have fewer elements
    than the output).  `f` may itself be a derivative (``tl.jacobian(tl.jacobian(f))``): forward
    mode is then applied to its generated code, one direction at a time.  `argnums` is
    another name for `wrt`.
    """
    wrt = choose_wrt(wrt, argnums)
    if mode not in ("auto", "forward", "reverse"):
        raise DerivativeUsageError(f"mode={mode!r}: choose 'auto', 'forward' or 'reverse'")
    f = as_partial(f)
    if isinstance(f, functools.partial):
        return Partial(f, wrt, lambda func, w: jacobian(func, w, mode, optimize, kinks))
    return Jacobian(f, wrt, mode, Options(optimize=optimize, kinks=kinks))


class _Matrix(Differentiable):
    """Common parts of Jacobian, Hessian and Hvp: a user function or a derivative below."""

    _what = "derivative"

    def __init__(self, f, wrt, options):
        if isinstance(f, Differentiable):
            check_nestable(f)
            self._base = f
            self._func = f._func
        else:
            self._base = None
            self._func = check_function(f)
        self._wrt, self._single = wrt_names(self._func, wrt)
        self.nestable = not any(path_of(w) for w in self._wrt)
        self._options = options       # of the reverse mode below
        self._nested = forward_options(options.optimize, options.kinks)   # over its code
        self.__wrapped__ = self._base if self._base is not None else self._func
        self.__name__ = f"{self._what}_{getattr(self.__wrapped__, '__name__', 'derivative')}"

    def _bind(self, args, kwargs):
        if self._base is not None:
            return self._base._bind(args, kwargs)
        return Differentiable._bind(self, args, kwargs)

    def _one_wrt(self):
        if not self._single:
            raise DerivativeUsageError(f"{self!r} has several wrt arguments: derivatives of "
                                       "derivatives take one")
        return self._wrt[0]

    def _gradient_pieces(self, args, kwargs):
        """The gradient of the function (or derivative) below, as pieces."""
        name = self._one_wrt()
        if self._base is None:
            return gradient_pieces(self._func, name, args, kwargs, self._options.checkpoint)
        return GradOf(self._base, name, self._options.optimize,
                      self._options.kinks)._pieces(args, kwargs)

    def __repr__(self):
        below = self._base if self._base is not None else self._func.__qualname__
        return f"<tangent_like {self._what} of {below} with respect to {', '.join(self._wrt)}>"

    def _repr_html_(self):
        from . import display       # (only in notebooks)
        return display.html(repr(self), title=repr(self))


class Jacobian(_Matrix):
    """What `jacobian` returns."""

    _what = "jacobian"

    def __init__(self, f, wrt, mode, options):
        super().__init__(f, wrt, options)
        self._mode = mode

    def __call__(self, *args, **kwargs):
        if self._base is not None:
            return self._pieces(args, kwargs).evaluate()
        f, names = self._func, self._wrt
        bound = self._bind(args, kwargs)
        xs = [part_of(bound.arguments[param_of(w)], path_of(w)) for w in names]
        n_in = sum(_size(x) for x in xs)
        chosen = self._mode
        if chosen == "auto":
            out = f(*args, **kwargs)
            chosen = "forward" if n_in < _size(out) else "reverse"
        if chosen == "reverse":
            result = _jacobian_reverse(f, names, args, kwargs, xs, self._options)
        else:
            result = _jacobian_forward(f, names, args, kwargs, xs,
                                       self._options.replace(mode="forward", batch=True))
        return result[0] if self._single else result

    def _pieces(self, args, kwargs):
        name = self._one_wrt()
        _refuse_parts(self)
        x = self._bind(args, kwargs).arguments[name]
        if self._base is None:      # the rows: vector-Jacobian products
            return vjp_pieces(self._func, name, args, kwargs)
        return jacobian_pieces(self._base._pieces(args, kwargs), name, x, self._nested)


def _jacobian_reverse(f, names, args, kwargs, xs, options):
    compiled, bound = specialize(f, names, args, kwargs, options)
    stack = []
    out = compiled.primal(stack, *args, **kwargs)
    out_arr = np.asarray(out, dtype=np.result_type(out, 1.0))
    rows = [[] for _ in names]
    for i in range(out_arr.size):
        ct = np.zeros(out_arr.shape, dtype=out_arr.dtype)
        ct.reshape(-1)[i] = 1.0
        if out_arr.ndim == 0:
            ct = 1.0 if not isinstance(out, np.ndarray) else ct
        grads = compiled.adjoint(list(stack), ct)
        for j, g in enumerate(picked_gradients(names, compiled.order, grads,
                                               bound.arguments)):
            rows[j].append(np.asarray(g, dtype=np.float64 if not hasattr(g, "dtype")
                                      else g.dtype))
    return tuple(np.stack(r).reshape(out_arr.shape + np.shape(x)) if r else
                 np.zeros(out_arr.shape + np.shape(x)) for r, x in zip(rows, xs))


def _jacobian_forward(f, names, args, kwargs, xs, options):
    compiled, bound = specialize(f, names, args, kwargs, options)
    n = sum(_size(x) for x in xs)
    parts, offset = [], 0
    for x in xs:
        size = _size(x)
        t = np.zeros((n, size), dtype=np.result_type(x, 1.0))
        t[offset:offset + size] = np.eye(size, dtype=t.dtype)
        parts.append(t.reshape((n,) + np.shape(x)))
        offset += size
    tangents = {compiled.tangent_params[p]: t for p, t in
                embedded_tangents(names, parts, bound.arguments, check=False).items()}
    out, dout = compiled.forward(*args, **kwargs, **tangents)
    out_shape = np.shape(out)
    dout = np.asarray(dout, dtype=np.result_type(out, 1.0))
    dout = np.broadcast_to(dout, (n,) + out_shape) if dout.shape != (n,) + out_shape else dout
    full = np.moveaxis(dout.reshape((n, -1)), 0, -1).reshape(out_shape + (n,))
    result, offset = [], 0
    for x in xs:
        size = _size(x)
        part = full[..., offset:offset + size]
        result.append(np.array(part.reshape(out_shape + np.shape(x))))
        offset += size
    return tuple(result)


@derivative_maker
def hvp(f, wrt=WRT_DEFAULT, optimize=True, kinks="ignore", *, argnums=None, checkpoint=None):
    """Hessian-vector products of scalar `f`: a function ``(*args, v) -> H @ v``, computed by
    forward mode over the generated gradient code, without forming the Hessian.  `argnums`
    is another name for `wrt`; `checkpoint` checkpoints the gradient code's loops (see
    `tl.grad`; the binomial schedule becomes equal segments there)."""
    wrt = choose_wrt(wrt, argnums)
    f = as_partial(f)
    if isinstance(f, functools.partial):
        return Partial(f, wrt, lambda func, w: hvp(func, w, optimize, kinks,
                                                   checkpoint=checkpoint))
    return Hvp(f, wrt, Options(optimize=optimize, kinks=kinks, checkpoint=checkpoint))


class Hvp(_Matrix):
    """What `hvp` returns: called as ``(*args, v)``."""

    _what = "hvp"

    def __init__(self, f, wrt, options):
        super().__init__(f, wrt, options)
        self._one_wrt()
        self._cache = {}

    @staticmethod
    def _split(args):
        if not args:
            raise DerivativeUsageError("hvp(f)(*args, v): the direction v comes last")
        return args[:-1], args[-1]

    def _bind(self, args, kwargs):
        return super()._bind(self._split(args)[0], kwargs)

    def _pieces(self, args, kwargs):
        args, v = self._split(args)
        name = self._wrt[0]
        _refuse_parts(self)
        x = super()._bind(args, kwargs).arguments[name]
        return along_pieces(self._gradient_pieces(args, kwargs), name,
                            as_tangent(v, x, name), self._nested)

    def __call__(self, *args, **kwargs):
        if self._base is not None:
            return finalize(self._pieces(args, kwargs).evaluate(), self._bind(args, kwargs)
                             .arguments[self._wrt[0]])
        f, names = self._func, self._wrt
        args, v = self._split(args)
        key = None if kwargs else (generation(),) + tuple(map(fast_kind, args))
        hit = self._cache.get(key) if key else None
        name = names[0]
        if hit is None or hit[0].globals_changed():
            entry, _ = gradient_entry(f, names, args, kwargs)
            compiled, _ = specialize(entry, (param_of(name),), args, kwargs,
                                     self._options.replace(mode="forward"))
            hit = (compiled, _position(f, name))
            if key:
                self._cache[key] = hit
        compiled, position = hit
        whole = _argument(f, args, kwargs, name, position)
        x = part_of(whole, path_of(name))
        t = {}
        tparam = compiled.tangent_params.get(param_of(name))
        if tparam is not None:
            t[tparam] = embed(as_tangent(v, x, name), whole, path_of(name))
        try:
            _, tangent = compiled.forward(*args, **kwargs, **t)
        except Exception as exc:
            note_origin(exc)
            raise
        zero = zero_tangent(x)       # (a tuple of them for a tuple argument)
        return finalize(_gradient_tangent(tangent, whole, path_of(name), zero), x)


def _gradient_tangent(tangent, whole, path, zero):
    """The tangent of the gradient in the tangent of a gradient entry's (value, (g,)) result
    (of its part at `path`, for the argument `whole`): the zero 0.0 may stand for the whole
    pair (a gradient that does not depend on the argument), which gives `zero`."""
    for k in (1, 0):
        if not isinstance(tangent, (tuple, list)):
            return zero
        tangent = tangent[k]
    return gradient_part(tangent, whole, path) if path else tangent


def _position(f, name):
    """The position of parameter `name` among `f`'s positional parameters (None for a part
    of an argument, or a parameter that is not positional): where a call's argument is found
    without binding the call."""
    if path_of(name):
        return None
    params = list(inspect.signature(f, follow_wrapped=False).parameters.values())
    index = [p.name for p in params].index(name)
    kind = params[index].kind
    return index if kind in (kind.POSITIONAL_ONLY, kind.POSITIONAL_OR_KEYWORD) else None


def _argument(f, args, kwargs, name, position):
    """The value of the argument that `name` (a parameter, or a part of one) belongs to."""
    if position is not None and position < len(args):
        return args[position]
    bound = inspect.signature(f, follow_wrapped=False).bind(*args, **kwargs)
    bound.apply_defaults()
    return bound.arguments[param_of(name)]


def _refuse_parts(matrix):
    if not matrix.nestable:
        raise DerivativeUsageError(f"{matrix!r} is taken with respect to a part of an "
                                   "argument: derivatives of derivatives take a whole one")


@derivative_maker
def hessian(f, wrt=WRT_DEFAULT, optimize=True, kinks="ignore", *, argnums=None,
            checkpoint=None):
    """The Hessian of scalar `f` with respect to one argument: shape ``x.shape + x.shape``.

    Forward-over-reverse: vector forward mode applied to the generated gradient code, every
    direction in one pass.  `argnums` is another name for `wrt`; `checkpoint` checkpoints
    the gradient code's loops (see `tl.grad`)."""
    wrt = choose_wrt(wrt, argnums)
    f = as_partial(f)
    if isinstance(f, functools.partial):
        return Partial(f, wrt, lambda func, w: hessian(func, w, optimize, kinks,
                                                       checkpoint=checkpoint))
    return Hessian(f, wrt, Options(optimize=optimize, kinks=kinks, checkpoint=checkpoint))


class Hessian(_Matrix):
    """What `hessian` returns."""

    _what = "hessian"

    def __init__(self, f, wrt, options):
        super().__init__(f, wrt, options)
        self._one_wrt()
        self._cache = {}

    def _pieces(self, args, kwargs):
        name = self._wrt[0]
        _refuse_parts(self)
        x = self._bind(args, kwargs).arguments[name]
        return jacobian_pieces(self._gradient_pieces(args, kwargs), name, x, self._nested)

    def __call__(self, *args, **kwargs):
        name = self._wrt[0]
        if self._base is not None:
            x = self._bind(args, kwargs).arguments[name]
            return _scalar_like(self._pieces(args, kwargs).evaluate(), x)
        f, names = self._func, self._wrt
        key = None if kwargs else (generation(),) + tuple(map(fast_kind, args))
        hit = self._cache.get(key) if key else None
        if hit is None or hit[0].globals_changed():
            entry, _ = gradient_entry(f, names, args, kwargs)
            compiled, _ = specialize(entry, (param_of(name),), args, kwargs,
                                     self._options.replace(mode="forward", batch=True))
            hit = (compiled, _position(f, name))
            if key:
                self._cache[key] = hit
        compiled, position = hit
        whole = _argument(f, args, kwargs, name, position)
        x = part_of(whole, path_of(name))
        n = _size(array_argument(x, name))
        eye = np.eye(n, dtype=np.result_type(x, 1.0)).reshape((n,) + np.shape(x))
        t = {}
        tparam = compiled.tangent_params.get(param_of(name))
        if tparam is not None:
            t[tparam] = embed(eye, whole, path_of(name))
        try:
            _, tangent = compiled.forward(*args, **kwargs, **t)
        except Exception as exc:
            note_origin(exc)
            raise
        h = np.asarray(_gradient_tangent(tangent, whole, path_of(name),
                                         np.zeros((n,) + np.shape(x))),
                       dtype=np.result_type(x, 1.0))
        h = np.broadcast_to(h, (n,) + np.shape(x)) if h.shape != (n,) + np.shape(x) else h
        h = np.moveaxis(h.reshape((n, n)), 0, -1).reshape(np.shape(x) + np.shape(x))
        return _scalar_like(h, x)


def _scalar_like(h, x):
    """A float for a float argument (a NumPy scalar for a NumPy scalar), else an array."""
    if isinstance(x, np.ndarray):
        return np.array(h)
    if isinstance(x, np.floating):
        return type(x)(h)
    return float(h)
