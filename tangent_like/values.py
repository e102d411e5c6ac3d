"""Values meeting derivatives: the kinds of arguments, gradients given the structure, shape
and dtype of their argument, tangents checked against theirs.

`wrt` may name a part of an argument (an element of ``*args``, a keyword of ``**kwargs``,
an attribute: see `targets.Part`): derivatives are taken with respect to the whole argument,
`gradient_part` picks the part's gradient out, and `embed` puts a part's tangent into a
tangent of the whole argument (zero elsewhere).
"""
import dataclasses

import numpy as np

from .analysis import lattice
from .errors import DerivativeUsageError, InternalError


def fast_kind(value):
    t = type(value)
    if t is float:
        return lattice.SCALAR
    if t is int:
        return lattice.INT
    if t is np.ndarray:
        return ("array", value.ndim, value.dtype.char)
    if isinstance(value, np.generic):       # (its dtype decides `Options.dtypes` too)
        return (lattice.of_value(value), value.dtype.char)
    return lattice.of_value(value)


def kinds_of(sig, args, kwargs):
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        raise DerivativeUsageError(str(exc)) from None
    bound.apply_defaults()
    return {name: lattice.of_value(value) for name, value in bound.arguments.items()}, bound


def finalize(g, x):
    """Give gradient `g` the structure, shape and dtype of argument `x`."""
    tx = type(x)
    if tx is float:
        return g if type(g) is float else float(g)
    if tx is np.ndarray:
        if type(g) is np.ndarray and g.shape == x.shape and g.dtype == x.dtype \
                and g.flags.writeable:
            return g
        if x.ndim == 0:
            return np.asarray(g, dtype=x.dtype)
        g = np.asarray(g)
        if g.shape != x.shape:
            g = np.broadcast_to(g, x.shape)
        dtype = x.dtype if np.issubdtype(x.dtype, np.floating) or \
            np.issubdtype(x.dtype, np.complexfloating) else np.result_type(g, 1.0)
        return np.array(g, dtype=dtype)
    if isinstance(x, bool):
        return g
    if isinstance(x, (np.floating, np.complexfloating)):
        return type(x)(g)
    if tx is complex:           # the gradient of a complex argument is complex, even 1 + 0j
        return complex(g)
    if isinstance(x, (float, int)):
        return float(g) if np.ndim(g) == 0 else g
    if isinstance(x, (tuple, list)):
        if isinstance(g, (tuple, list)):
            parts = g
        elif type(g) is float and g == 0.0:
            parts = [0.0] * len(x)
        else:       # an array adjoint of a sequence (np.sum(xs)): one row per element
            parts = list(np.asarray(g))
            if len(parts) != len(x):
                raise InternalError(f"an adjoint of shape {np.shape(g)} for a sequence of "
                                    f"{len(x)} elements")
        out = [finalize(p, xi) for p, xi in zip(parts, x)]
        if hasattr(x, "_fields"):               # a NamedTuple of parameters
            return type(x)(*out)
        return type(x)(out) if isinstance(x, tuple) else out
    if isinstance(x, dict):
        parts = g if isinstance(g, dict) else {}
        return {k: finalize(parts.get(k, 0.0), v) for k, v in x.items()}
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        parts = g if isinstance(g, dict) else {}
        fields = {}
        for f in dataclasses.fields(x):
            value = getattr(x, f.name)
            if isinstance(value, (float, np.ndarray, np.floating, tuple, list, dict)):
                fields[f.name] = finalize(parts.get(f.name, 0.0), value)
        return dataclasses.replace(x, **fields)
    return g


def as_tangent(t, x, name="x"):
    """Tangent `t` of argument `x`, checked against it: shaped like `x` (a float or 0-d array
    for a float), with a 1-tuple ``(t,)`` accepted for a single array or float argument."""
    if isinstance(t, (tuple, list)) and len(t) == 1 and (
            not isinstance(x, (tuple, list)) or len(x) != 1 and
            isinstance(t[0], (tuple, list)) and len(t[0]) == len(x)):
        t = t[0]
    if isinstance(x, (tuple, list)):
        if not isinstance(t, (tuple, list)) or len(t) != len(x):
            raise DerivativeUsageError(
                f"the tangent of {name!r} must be a sequence of {len(x)} tangents, one per "
                f"element of {name!r}, not {t!r}")
        parts = [as_tangent(ti, xi, f"{name}[{i}]") for i, (ti, xi) in enumerate(zip(t, x))]
        if hasattr(t, "_fields"):       # a NamedTuple
            return type(t)(*parts)
        return type(t)(parts)
    if isinstance(x, dict) or not isinstance(x, (float, int, np.ndarray, np.number)):
        return t
    if np.shape(t) != np.shape(x):
        raise DerivativeUsageError(
            f"the tangent of {name!r} has shape {np.shape(t)}, but {name!r} has shape "
            f"{np.shape(x)}: a tangent is shaped like its argument")
    if isinstance(x, np.ndarray) and not isinstance(t, np.ndarray):
        return np.asarray(t, dtype=np.result_type(x, 1.0))
    return t


def shaped_like(tangent, out):
    """The output tangent shaped like the output: the zero tangent (the float 0.0) of an
    array becomes an array of zeros; tuples part by part, dicts key by key."""
    if isinstance(out, (tuple, list)) and isinstance(tangent, (tuple, list)) and \
            len(out) == len(tangent):
        return type(tangent)(shaped_like(t, o) for t, o in zip(tangent, out))
    if isinstance(out, dict) and (isinstance(tangent, dict) or (
            type(tangent) is float and tangent == 0.0)):
        parts = tangent if isinstance(tangent, dict) else {}
        return {k: shaped_like(parts.get(k, 0.0), v) for k, v in out.items()}
    if isinstance(out, np.ndarray) and type(tangent) is float and tangent == 0.0:
        return np.zeros(out.shape, dtype=np.result_type(out, 1.0))
    return tangent


def assumed_kinds(sig, wrt):
    """The argument kinds a derivative is shown for when no arguments are given: a
    parameter with a default takes the kind of its default (an int default of a
    differentiated parameter counts as a float), the others are 1-d arrays (of floats)."""
    kinds = {}
    for name, p in sig.parameters.items():
        if p.kind is p.VAR_POSITIONAL:
            kinds[name] = lattice.of_value(())
        elif p.kind is p.VAR_KEYWORD:
            kinds[name] = lattice.of_value({})
        elif p.default is p.empty:
            kinds[name] = ("array", 1)
        else:
            kind = lattice.of_value(p.default)
            kinds[name] = lattice.SCALAR if kind == lattice.INT and name in wrt else kind
    return kinds


def describe_kinds(kinds):
    """``x: 1-d array, n: int``: argument kinds in words (arrays are of real numbers:
    complex values have the kind "any value")."""
    return ", ".join(f"{name}: {lattice.words(kind)}" for name, kind in kinds.items())



# ---------------------------------------------------------------------- parts of arguments
def param_of(w):
    """The parameter that a `wrt` entry (a name or a `targets.Part`) belongs to."""
    return getattr(w, "param", w)


def path_of(w):
    return getattr(w, "path", ())


def wrt_params(wrt):
    """The parameters the `wrt` entries belong to, each once, in order."""
    return tuple(dict.fromkeys(param_of(w) for w in wrt))


def part_of(value, path):
    """The part of an argument's value at `path`."""
    for how, at in path:
        if how == "attr":
            value = getattr(value, at)
        else:
            value = value[at]
    return value


def gradient_part(g, value, path):
    """The part at `path` of gradient (or tangent) `g` of the argument `value`: a tuple or
    an array by position, a dict by key, an object's gradient (a dict of fields, or a tuple
    for a NamedTuple) by attribute; the zero 0.0 stays zero."""
    for how, at in path:
        if type(g) is float and g == 0.0:
            return 0.0
        if how == "attr":
            fields = getattr(value, "_fields", None)
            if isinstance(g, (tuple, list)) and fields is not None:
                g = g[fields.index(at)]
            elif isinstance(g, dict):
                g = g.get(at, 0.0)
            else:
                g = getattr(g, at)
            value = getattr(value, at)
        else:
            g = g.get(at, 0.0) if isinstance(g, dict) else g[at]
            value = value[at]
    return g


def embed(t, value, path):
    """A tangent of the argument `value` that is `t` at `path` and zero elsewhere."""
    if not path:
        return t
    (how, at), rest = path[0], path[1:]
    if how == "item":
        return tuple(embed(t, v, rest) if i == at else 0.0 for i, v in enumerate(value))
    inner = getattr(value, at) if how == "attr" else value[at]
    return {at: embed(t, inner, rest)}


def merge_tangents(a, b):
    """Two embedded tangents of one argument, each zero where the other is not."""
    if type(a) is float and a == 0.0:
        return b
    if type(b) is float and b == 0.0:
        return a
    if isinstance(a, dict) and isinstance(b, dict):
        out = dict(a)
        for k, v in b.items():
            out[k] = merge_tangents(out[k], v) if k in out else v
        return out
    if isinstance(a, tuple) and isinstance(b, tuple):
        return tuple(merge_tangents(x, y) for x, y in zip(a, b))
    raise DerivativeUsageError("wrt names overlapping parts of one argument")


def picked_gradients(wrt, order, grads, arguments):
    """The gradient of each `wrt` entry, shaped like its argument (or part): `grads` are
    the adjoints of the parameters `wrt_params(wrt)` in sweep order (`order` maps those
    parameters to it)."""
    params = wrt_params(wrt)
    by_param = {p: grads[k] for k, p in zip(order, params)}
    out = []
    for w in wrt:
        value = arguments[param_of(w)]
        g = by_param[param_of(w)]
        path = path_of(w)
        if path:
            g, value = gradient_part(g, value, path), part_of(value, path)
        out.append(finalize(g, value))
    return tuple(out)


def embedded_tangents(wrt, tangents, arguments, check=True):
    """The tangents of the parameters `wrt_params(wrt)` from one tangent per `wrt` entry
    (checked against its argument or part unless `check` is false)."""
    out = {}
    for w, t in zip(wrt, tangents):
        value = arguments[param_of(w)]
        path = path_of(w)
        if check:
            t = as_tangent(t, part_of(value, path), str(w))
        t = embed(t, value, path)
        p = param_of(w)
        out[p] = merge_tangents(out[p], t) if p in out else t
    return out
