"""Jacobians, Hessians and Hessian-vector products, built on forward and reverse mode.

`jacobian` pulls back one output basis vector at a time (reverse) or pushes every input
direction through vector forward mode in one pass; `hessian` and `hvp` apply forward mode
(vector or plain) to the generated gradient code.
"""
import inspect

import numpy as np

from .api import (_GENERATION, Derivative, _as_tangent, _check_function, _fast_kind,
                  _finalize, _gradient_entry, _specialize_mode, _wrt_names)
from .errors import DerivativeUsageError


def _size(x):
    return int(np.size(x))


def jacobian(f, wrt=0, mode="auto", optimize=True):
    """The Jacobian of `f` with respect to `wrt`: a function returning an array of shape
    ``out.shape + arg.shape`` (a tuple of them when `wrt` is a tuple).

    `mode` is "reverse" (one pullback per output element), "forward" (vector forward mode:
    every input direction in one pass) or "auto" (forward when the inputs have fewer elements
    than the output).
    """
    f = _check_function(f)
    names, single = _wrt_names(f, wrt)
    if mode not in ("auto", "forward", "reverse"):
        raise DerivativeUsageError(f"mode={mode!r}: choose 'auto', 'forward' or 'reverse'")
    sig = inspect.signature(f)

    def jac(*args, **kwargs):
        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        xs = [bound.arguments[w] for w in names]
        n_in = sum(_size(x) for x in xs)
        chosen = mode
        if mode == "auto":
            out = f(*args, **kwargs)
            chosen = "forward" if n_in < _size(out) else "reverse"
        if chosen == "reverse":
            result = _jacobian_reverse(f, names, args, kwargs, xs, optimize)
        else:
            result = _jacobian_forward(f, names, args, kwargs, xs, optimize)
        return result[0] if single else result

    jac.__name__ = f"jacobian_{f.__name__}"
    jac.__wrapped__ = f
    return jac


def _jacobian_reverse(f, names, args, kwargs, xs, optimize):
    d = Derivative(f, names, "vjp", {"optimize": bool(optimize)})
    compiled, bound = d._specialize(args, kwargs)
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
        for j, k in enumerate(d._order):
            g = _finalize(grads[k], bound.arguments[names[j]])
            rows[j].append(np.asarray(g, dtype=np.float64 if not hasattr(g, "dtype")
                                      else g.dtype))
    return tuple(np.stack(r).reshape(out_arr.shape + np.shape(x)) if r else
                 np.zeros(out_arr.shape + np.shape(x)) for r, x in zip(rows, xs))


def _jacobian_forward(f, names, args, kwargs, xs, optimize):
    compiled, bound = _specialize_mode(f, names, args, kwargs, {
        "optimize": bool(optimize), "mode": "forward", "batch": True})
    n = sum(_size(x) for x in xs)
    tangents, offset = {}, 0
    for w, x in zip(names, xs):
        size = _size(x)
        t = np.zeros((n, size), dtype=np.result_type(x, 1.0))
        t[offset:offset + size] = np.eye(size, dtype=t.dtype)
        tangents[compiled.root.tangent_params[w]] = t.reshape((n,) + np.shape(x))
        offset += size
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


def hvp(f, wrt=0, optimize=True):
    """Hessian-vector products of scalar `f`: a function ``(*args, v) -> H @ v``, computed by
    forward mode over the generated gradient code, without forming the Hessian."""
    f = _check_function(f)
    names, single = _wrt_names(f, wrt)
    if not single:
        raise DerivativeUsageError("hvp takes one wrt argument")

    cache = {}

    def hvp_(*args, **kwargs):
        if not args:
            raise DerivativeUsageError("hvp(f)(*args, v): the direction v comes last")
        args, v = args[:-1], args[-1]
        key = None if kwargs else (_GENERATION[0],) + tuple(map(_fast_kind, args))
        hit = cache.get(key) if key else None
        if hit is None or hit[0].globals_changed():
            entry, bound, _ = _gradient_entry(f, names, args, kwargs)
            compiled, _ = _specialize_mode(entry, names, args, kwargs, {
                "optimize": bool(optimize), "mode": "forward"})
            hit = (compiled, list(bound.signature.parameters).index(names[0]))
            if key:
                cache[key] = hit
        compiled, position = hit
        x = args[position] if position < len(args) else \
            inspect.signature(f).bind(*args, **kwargs).arguments[names[0]]
        t = {compiled.root.tangent_params[names[0]]: _as_tangent(v, x)}
        _, tangent = compiled.forward(*args, **kwargs, **t)
        return _finalize(tangent[1][0], x)

    hvp_.__name__ = f"hvp_{f.__name__}"
    hvp_.__wrapped__ = f
    return hvp_


def hessian(f, wrt=0, optimize=True):
    """The Hessian of scalar `f` with respect to one argument: shape ``x.shape + x.shape``.

    Forward-over-reverse: vector forward mode applied to the generated gradient code, every
    direction in one pass."""
    f = _check_function(f)
    names, single = _wrt_names(f, wrt)
    if not single:
        raise DerivativeUsageError("hessian takes one wrt argument")

    cache = {}

    def hessian_(*args, **kwargs):
        key = None if kwargs else (_GENERATION[0],) + tuple(map(_fast_kind, args))
        hit = cache.get(key) if key else None
        if hit is None or hit[0].globals_changed():
            entry, bound, _ = _gradient_entry(f, names, args, kwargs)
            compiled, _ = _specialize_mode(entry, names, args, kwargs, {
                "optimize": bool(optimize), "mode": "forward", "batch": True})
            hit = (compiled, list(bound.signature.parameters).index(names[0]))
            if key:
                cache[key] = hit
        compiled, position = hit
        x = args[position] if position < len(args) else \
            inspect.signature(f).bind(*args, **kwargs).arguments[names[0]]
        n = _size(x)
        eye = np.eye(n, dtype=np.result_type(x, 1.0)).reshape((n,) + np.shape(x))
        _, tangent = compiled.forward(*args, **kwargs,
                                      **{compiled.root.tangent_params[names[0]]: eye})
        h = np.asarray(tangent[1][0], dtype=np.result_type(x, 1.0))
        h = np.broadcast_to(h, (n,) + np.shape(x)) if h.shape != (n,) + np.shape(x) else h
        h = np.moveaxis(h.reshape((n, n)), 0, -1).reshape(np.shape(x) + np.shape(x))
        return float(h) if isinstance(x, float) else np.array(h)

    hessian_.__name__ = f"hessian_{f.__name__}"
    hessian_.__wrapped__ = f
    return hessian_
