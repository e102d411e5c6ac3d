"""The public API: grad, value_and_grad, vjp, derivative_source and the differentiate decorator.

Each derivative is generated per pattern of argument kinds (Python/NumPy scalar, array of a
given rank, tuple...), compiled once and cached by the function's code object, its closure,
the differentiated arguments and the options.
"""
import functools
import inspect
import threading
import types

import numpy as np

from . import display
from .analysis import lattice
from .errors import DerivativeUsageError, InternalError, TangentLikeError
from .loader import load, source_of
from .program import Program, build_entry, emit

_CACHE = {}
_LOCK = threading.RLock()
_GENERATION = [0]      # bumped by clear_cache: per-derivative fast caches check it
_OPTIONS = {"optimize": True}


_KINKS = ("ignore", "warn", "raise")


def _options(optimize, kinks, **more):
    if kinks not in _KINKS:
        raise DerivativeUsageError(f"kinks={kinks!r}: choose one of {', '.join(_KINKS)}")
    options = {"optimize": bool(optimize)}
    if kinks != "ignore":
        options["kinks"] = kinks
    options.update(more)
    return options


def clear_cache():
    """Forget every generated derivative (the next call transforms again)."""
    with _LOCK:
        _CACHE.clear()
        _GENERATION[0] += 1


def _check_function(f):
    """`f` as a Python function tangent_like can read, or a `DerivativeUsageError` saying
    what to pass instead."""
    if not callable(f):
        raise DerivativeUsageError(f"expected a function, got {f!r}")
    if isinstance(f, Differentiable):
        raise DerivativeUsageError(
            f"{f!r} is a derivative: differentiate it again with tl.grad, tl.jvp, "
            "tl.jacobian, tl.hessian or tl.hvp")
    if (getattr(f, "__module__", None) or "").startswith("tangent_like.") and \
            not (getattr(f, "__module__", "") or "").startswith("tangent_like.testing"):
        raise DerivativeUsageError(
            f"{getattr(f, '__qualname__', f)!r} is part of tangent_like (a pullback or a "
            "helper): differentiate your own function, or a derivative tl.grad, "
            "tl.jacobian, tl.hessian or tl.hvp returned")
    if isinstance(f, functools._lru_cache_wrapper):
        f = f.__wrapped__       # a cache: the function it caches computes the same values
    # Decorated functions are differentiated as they are: the decorator's wrapper may change
    # the value (``functools.wraps`` does not say it does not), so its `__wrapped__` is not
    # a substitute.
    if not isinstance(f, types.FunctionType):
        raise DerivativeUsageError(_not_python(f))
    return f


def _not_python(f):
    name = getattr(f, "__name__", None) or type(f).__name__
    module = getattr(f, "__module__", None) or ""
    qualified = f"np.{name}" if module.startswith("numpy") or isinstance(f, np.ufunc) else \
        (f"{module}.{name}" if module and module != "builtins" else name)
    if isinstance(f, (types.BuiltinFunctionType, types.BuiltinMethodType, np.ufunc)) or \
            type(f).__name__ in ("_ArrayFunctionDispatcher", "method-wrapper", "cython_function_or_method"):
        return (f"{qualified} has no Python source for tangent_like to transform (it is a "
                f"{type(f).__name__}); wrap it in a function of your own: "
                f"tl.grad(lambda x: {qualified}(x))")
    if inspect.ismethod(f):
        return (f"{f.__qualname__} is a bound method of a {type(f.__self__).__name__}: "
                "differentiate the function it binds (type(obj).method) with the object as "
                "its first argument")
    if isinstance(f, type):
        return (f"{name} is a class: differentiate a function that builds and uses its "
                "instances")
    if callable(getattr(type(f), "__call__", None)):
        return (f"{f!r} is an object with a __call__ method: differentiate the method, "
                f"e.g. tl.grad(obj.__call__), or wrap the call in a function of your own")
    return f"{f!r} is not a Python function: wrap it in a def or a lambda"


def _refuse_variadic(f):
    """Functions with ``*args`` or ``**kwargs``: the located diagnostics of the check."""
    from .frontend.check import check
    from .frontend.parse import parse_function
    check(parse_function(f))        # raises UnsupportedSyntaxError, located
    raise DerivativeUsageError(f"{f.__qualname__} takes *args or **kwargs: give each "
                               "parameter a name")


def _wrt_names(f, wrt):
    sig = inspect.signature(f)
    if isinstance(f, types.FunctionType) and any(
            p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in sig.parameters.values()):
        _refuse_variadic(f)
    params = [p for p in sig.parameters.values()
              if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    names = [p.name for p in params]
    fname = getattr(f, "__name__", None) or repr(f)
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    if not items:
        raise DerivativeUsageError("wrt is empty: name at least one argument")
    out = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise DerivativeUsageError(f"wrt entries are argument positions or names, not {w!r}")
        if isinstance(w, int):
            positional = [p.name for p in params if p.kind in
                          (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if not -len(positional) <= w < len(positional):
                raise DerivativeUsageError(
                    f"wrt={w} but {fname} has {len(positional)} positional parameters "
                    f"({', '.join(positional)})")
            w = positional[w]
        elif w not in names:
            raise DerivativeUsageError(f"wrt={w!r} is not a parameter of {fname} "
                                       f"(parameters: {', '.join(names)})")
        if w in out:
            raise DerivativeUsageError(f"wrt names {w!r} twice")
        out.append(w)
    return tuple(out), single


def _add_origin(exc):
    """Point an error raised inside generated code back at the user's line (a note)."""
    import linecache
    import os
    import re

    from .loader import ORIGINS
    tb, frame_info = exc.__traceback__, None
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith("<tangent_like generated"):
            frame_info = (name, tb.tb_lineno, tb.tb_frame.f_code.co_name)
        tb = tb.tb_next
    if frame_info is None or getattr(exc, "_tl_origin_noted", False):
        return
    name, lineno, func = frame_info
    origin = None
    mapped = ORIGINS.get(name, {}).get(lineno)
    if mapped is not None:        # a primal statement: its own origin
        text = (linecache.getline(mapped[0], mapped[1]) or "").strip()
        origin = (f"{os.path.basename(mapped[0])}:{mapped[1]}", text)
    else:                         # an adjoint statement: the comment heading its block
        lines = linecache.getlines(name)
        for i in range(min(lineno, len(lines)) - 1, -1, -1):
            m = re.match(r"\s*# (.*)  \((.+:\d+)\)\s*$", lines[i])
            if m:
                origin = (m.group(2), m.group(1))
                break
            if lines[i].lstrip().startswith("def "):
                break
    where = f"in generated {func}, line {lineno}"
    if origin is not None:
        where += f", from {origin[0]}: {origin[1]}"
    try:
        exc.add_note(f"tangent_like: raised {where}")
        exc._tl_origin_noted = True
    except (AttributeError, TypeError):
        pass


def _fast_kind(value):
    t = type(value)
    if t is float:
        return lattice.SCALAR
    if t is int:
        return lattice.INT
    if t is np.ndarray:
        return ("array", value.ndim, value.dtype.char)
    return lattice.of_value(value)


class _Compiled:
    def globals_changed(self):
        """Has a global the derivative was built from been rebound (or changed kind)?"""
        for globals_, name, value, kind in self.deps:
            now = globals_.get(name, _MISSING)
            if kind is None:
                if now is not value:
                    return True
            elif now is not value and lattice.of_value(now) != kind:
                return True
        return False

    def __init__(self, program, functions, source, entry_name, root):
        self.program = program
        self.functions = functions
        self.source = source
        self.root = root
        if entry_name is None:
            self.forward = functions[root.forward_name]
        else:
            self.entry = functions[entry_name]
            self.primal = functions[root.primal_name]
            self.adjoint = functions[root.adjoint_name]
        self.deps = _dependencies(program)


_MISSING = object()


def _dependencies(program):
    """Globals the generated code was specialized on: functions by identity, values by kind."""
    import types
    deps = []
    for fam in program.families.values():
        ns = fam.parsed.namespace
        aliased = getattr(ns, "aliased_globals", {})
        for name, value in ns.seen.items():
            if name in aliased:     # read through an alias bound to this very value
                deps.append((ns.globals, name, aliased[name], None))
                continue
            if isinstance(value, types.ModuleType):
                continue
            if callable(value):
                deps.append((ns.globals, name, value, None))
            else:
                deps.append((ns.globals, name, value, lattice.of_value(value)))
    return deps


def _compile(f, wrt, kinds, options):
    """Run the pipeline for `f`; cached."""
    closure = tuple(id(c) for c in (f.__closure__ or ()))
    key = (f.__code__, closure, wrt, tuple(sorted(kinds.items())),
           tuple(sorted(options.items())))
    with _LOCK:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] is f.__globals__ and not hit[1].globals_changed():
            return hit[1]
        try:
            program = Program(options)
            root = program.root(f, kinds, set(wrt))
            forward = options.get("mode") == "forward"
            cotangent = root.namer.fresh("cotangent") if options.get("cotangent") else None
            entry = None if forward else build_entry(
                root, program.namer.fresh(f"value_and_grad_{root.short_name}"),
                program.parsed_sources[id(f)].args, cotangent)
            defs = emit(program, entry)
            header = (f"# {'Forward' if forward else 'Reverse'} mode of {f.__qualname__} "
                      f"with respect to {', '.join(wrt)}, generated by tangent_like.")
            source = source_of(defs, header)
            functions = load(defs, f.__name__)
            defaults = f.__defaults__
            for unit in program.order:
                func = getattr(unit.parsed, "func", None)
                if func is None:
                    continue
                if unit.mode == "reverse":
                    functions[unit.primal_name].__defaults__ = func.__defaults__
                    functions[unit.primal_name].__kwdefaults__ = func.__kwdefaults__
                else:
                    fwd = functions[unit.forward_name]
                    fwd.__defaults__ = func.__defaults__
                    kw = dict(fwd.__kwdefaults__ or {})
                    kw.update(func.__kwdefaults__ or {})
                    fwd.__kwdefaults__ = kw or None
            if entry is not None:
                functions[entry.name].__defaults__ = defaults
                functions[entry.name].__kwdefaults__ = f.__kwdefaults__
            else:
                fwd = functions[root.forward_name]
                fwd.__defaults__ = defaults
                fwd.__kwdefaults__ = dict(f.__kwdefaults__ or {})
        except TangentLikeError:
            raise
        except Exception as exc:   # a bug of ours: never let it look like the user's
            raise InternalError(f"tangent_like failed while transforming {f.__qualname__}: "
                                f"{type(exc).__name__}: {exc}") from exc
        compiled = _Compiled(program, functions, source, entry.name if entry else None, root)
        compiled.cotangent = cotangent
        _CACHE[key] = (f.__globals__, compiled)
        return compiled


def _kinds_of(sig, args, kwargs):
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        raise DerivativeUsageError(str(exc)) from None
    bound.apply_defaults()
    return {name: lattice.of_value(value) for name, value in bound.arguments.items()}, bound


def _finalize(g, x):
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
    if isinstance(x, np.floating):
        return type(x)(g)
    if isinstance(x, float) or isinstance(x, int):
        return float(g) if np.ndim(g) == 0 else g
    if isinstance(x, np.floating):
        return type(x)(g)
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
        out = [_finalize(p, xi) for p, xi in zip(parts, x)]
        if hasattr(x, "_fields"):               # a NamedTuple of parameters
            return type(x)(*out)
        return type(x)(out) if isinstance(x, tuple) else out
    if isinstance(x, dict):
        parts = g if isinstance(g, dict) else {}
        return {k: _finalize(parts.get(k, 0.0), v) for k, v in x.items()}
    import dataclasses
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        parts = g if isinstance(g, dict) else {}
        fields = {}
        for f in dataclasses.fields(x):
            value = getattr(x, f.name)
            if isinstance(value, (float, np.ndarray, np.floating, tuple, list, dict)):
                fields[f.name] = _finalize(parts.get(f.name, 0.0), value)
        return dataclasses.replace(x, **fields)
    return g


class Differentiable:
    """What tl.grad, tl.jacobian, tl.hessian and tl.hvp return: a derivative that can be
    differentiated again (by tl.grad, tl.jvp, tl.jacobian, tl.hessian and tl.hvp).

    `_pieces(args, kwargs)` describes its value at those arguments as calls of generated
    functions (`Pieces`), to which the outer derivative applies forward mode."""

    _func = None        # the user's function: `wrt` names its parameters

    def _bind(self, args, kwargs):
        """The arguments of the user's function in a call of this derivative."""
        try:
            bound = inspect.signature(self._func).bind(*args, **kwargs)
        except TypeError as exc:
            raise DerivativeUsageError(str(exc)) from None
        bound.apply_defaults()
        return bound

    def _pieces(self, args, kwargs):
        raise DerivativeUsageError(f"{self!r} cannot be differentiated again")


class Derivative(Differentiable):
    """A derivative of a Python function: callable, printable, readable.

    Carries the user's signature, ``__wrapped__``, ``.source`` (the generated code) and
    ``_repr_html_`` for notebooks.
    """

    def __init__(self, func, wrt, what, options):
        self.__wrapped__ = func
        self._func = func
        self._wrt, self._single = _wrt_names(func, wrt)
        self._what = what
        self._options = options
        self._sig = inspect.signature(func)
        self.__signature__ = self._sig
        functools.update_wrapper(self, func, updated=())
        self.__name__ = f"{what}_{func.__name__}"
        self.__qualname__ = f"{what}({func.__qualname__})"
        self._fast = {}      # positional argument kinds -> compiled program
        in_order = [p for p in self._sig.parameters if p in self._wrt]
        self._order = tuple(in_order.index(w) for w in self._wrt)   # sweep order -> wrt
        self._positions = None
        params = list(self._sig.parameters.values())
        if all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params):
            names = [p.name for p in params]
            self._positions = tuple(names.index(w) for w in self._wrt)
            self._nparams = len(names)

    def _specialize(self, args, kwargs):
        kinds, bound = _kinds_of(self._sig, args, kwargs)
        for w in self._wrt:
            value = bound.arguments[w]
            if isinstance(value, np.ndarray) and value.dtype.kind in "iub":
                raise DerivativeUsageError(
                    f"cannot differentiate {self._func.__name__} with respect to {w!r}: it is "
                    f"an array of {value.dtype} (integers are never differentiated); pass "
                    f"{w}.astype(float)")
            if kinds[w] == lattice.INT:
                raise DerivativeUsageError(
                    f"cannot differentiate {self._func.__name__} with respect to {w!r}: it is "
                    f"an integer ({bound.arguments[w]!r}); pass a float (e.g. "
                    f"{float(bound.arguments[w])!r})")
        return _compile(self._func, self._wrt, kinds, self._options), bound

    def _call_fast(self, args):
        """Positional calls with every parameter given: no signature binding."""
        key = tuple(map(_fast_kind, args))
        hit = self._fast.get(key)
        if hit is None or hit[0] != _GENERATION[0] or hit[1].globals_changed():
            compiled, _ = self._specialize(args, {})
            hit = self._fast[key] = (_GENERATION[0], compiled)
        try:
            value, grads = hit[1].entry(*args)
        except Exception as exc:
            _add_origin(exc)
            raise
        grads = tuple(_finalize(grads[k], args[i]) for k, i in zip(self._order, self._positions))
        grads = grads[0] if self._single else grads
        if self._what == "value_and_grad":
            return value, grads
        return grads

    def __call__(self, *args, **kwargs):
        if not kwargs and self._positions is not None and len(args) == self._nparams:
            return self._call_fast(args)
        compiled, bound = self._specialize(args, kwargs)
        try:
            value, grads = compiled.entry(*args, **kwargs)
        except Exception as exc:
            _add_origin(exc)
            raise
        grads = tuple(_finalize(grads[k], bound.arguments[w]) for k, w in zip(self._order,
                                                                            self._wrt))
        grads = grads[0] if self._single else grads
        if self._what == "value_and_grad":
            return value, grads
        return grads

    @property
    def source(self):
        """The generated code for arguments of unknown kinds (arrays or scalars)."""
        kinds = {name: lattice.ANY for name in self._sig.parameters}
        return _compile(self._func, self._wrt, kinds, self._options).source

    def source_for(self, *args, **kwargs):
        """The generated code specialized to these arguments (what a call with them runs)."""
        return self._specialize(args, kwargs)[0].source

    def _pieces(self, args, kwargs):
        if self._what != "grad" or not self._single:
            raise DerivativeUsageError(
                f"{self!r} cannot be differentiated again: derivatives of derivatives take "
                "tl.grad of one argument")
        return gradient_pieces(self._func, self._wrt[0], args, kwargs)

    def __repr__(self):
        return (f"<tangent_like {self._what} of {self._func.__qualname__} with respect to "
                f"{', '.join(self._wrt)}>")

    def _repr_html_(self):
        return display.html(self.source, title=repr(self))


def grad(f, wrt=0, optimize=True, kinks="ignore"):
    """The gradient of scalar-valued `f` with respect to argument(s) `wrt`.

    `wrt` is a position, a parameter name, or a tuple of those (then the result is a tuple of
    gradients).  Each gradient has its argument's structure, shape and dtype.  `f` may itself
    be a derivative of a function of scalars (``tl.grad(tl.grad(f))``): forward mode is then
    applied to its generated code.

    `kinks` ("ignore", "warn" or "raise") makes the generated code report each time the
    evaluation reaches a point where the derivative does not exist (abs at 0, max at a tie,
    a branch condition comparing equal values...); "ignore" costs nothing.
    """
    if isinstance(f, Differentiable):
        return GradOf(f, wrt, optimize)
    f = _as_partial(f)
    if isinstance(f, functools.partial):
        return Partial(f, wrt, lambda func, w: grad(func, w, optimize, kinks))
    return Derivative(_check_function(f), wrt, "grad", _options(optimize, kinks))


class GradOf(Differentiable):
    """The derivative of a derivative with a scalar value (``tl.grad(tl.grad(f))``): forward
    mode over the generated code of the derivative below, one direction per element of the
    argument."""

    def __init__(self, base, wrt, optimize=True):
        _check_nestable(base)
        self._base = base
        self._func = base._func
        self._sig = base._sig
        self._wrt, single = _wrt_names(self._func, wrt)
        if not single:
            raise DerivativeUsageError("derivatives of derivatives take one wrt argument")
        self._optimize = optimize
        self.__signature__ = self._sig
        self.__wrapped__ = base
        self.__name__ = f"grad_{getattr(base, '__name__', 'derivative')}"

    def _bind(self, args, kwargs):
        return self._base._bind(args, kwargs)

    def _pieces(self, args, kwargs):
        inner = self._base._pieces(args, kwargs)
        if inner.shape != ():
            raise DerivativeUsageError(
                f"tl.grad of {self._base!r} needs a scalar-valued derivative, but its value "
                f"has shape {inner.shape}: use tl.jacobian (or tl.hessian for the second "
                "derivative of a scalar function)")
        x = self._base._bind(args, kwargs).arguments[self._wrt[0]]
        return jacobian_pieces(inner, self._wrt[0], x, self._optimize)

    def __call__(self, *args, **kwargs):
        x = self._base._bind(args, kwargs).arguments[self._wrt[0]]
        return _finalize(self._pieces(args, kwargs).evaluate(), x)

    def source_for(self, *args, **kwargs):
        """The generated forward code of the first call this derivative makes."""
        inner = self._base._pieces(args, kwargs)
        return forward_calls(inner, self._wrt[0], self._optimize)[0][-1].source

    def __repr__(self):
        return f"<tangent_like grad of {self._base!r} with respect to {self._wrt[0]}>"

    def _repr_html_(self):
        return display.html(repr(self), title=repr(self))


# ------------------------------------------------------------ derivatives of derivatives
#
# A derivative is differentiated again by forward mode over the generated code that computes
# it.  Its value at given arguments is described as `Pieces`: calls of generated functions,
# the part of each call's result that matters, and a linear map (stacking, reshaping) that
# assembles the parts.  The derivative of the value along a direction is then the same
# assembly of the tangents of the parts, each given by the forward mode of its call.

class Pieces:
    """The value of a derivative as calls of generated functions.

    `calls` are ``(function, args, kwargs, path, shape)``: the part of ``function(*args,
    **kwargs)`` at `path` (indices into nested tuples) has shape `shape`; `combine` assembles
    the parts (linearly) into a value of shape `shape`."""

    def __init__(self, calls, combine, shape):
        self.calls = calls
        self.combine = combine
        self.shape = tuple(shape)

    def evaluate(self, paired=False):
        """The value; with `paired`, calls return (value, tangent) pairs and the result is
        ``(value, tangent)``, the value read at the path whose first step is 0 instead."""
        parts, values = [], []
        for fn, args, kwargs, path, shape in self.calls:
            try:
                out = fn(*args, **kwargs)
            except Exception as exc:
                _add_origin(exc)
                raise
            parts.append(_part(out, path, shape))
            if paired:
                values.append(_part(out, (0,) + path[1:], shape))
        if paired:
            return self.combine(values), self.combine(parts)
        return self.combine(parts)


def _part(out, path, shape):
    """The part of a generated function's result at `path`, shaped `shape`.  A zero tangent
    (the float 0.0) may stand for a whole tuple of tangents, or an array of zeros."""
    for k in path:
        if isinstance(out, (tuple, list)):
            out = out[k]
        else:
            out = 0.0
            break
    if isinstance(out, (tuple, list, dict)):
        raise DerivativeUsageError("derivatives of derivatives need array or float values, "
                                   "not tuples")
    if np.shape(out) != tuple(shape):
        out = np.broadcast_to(out, shape)
    return out


def _check_nestable(base):
    if not isinstance(base, Differentiable):
        raise DerivativeUsageError(f"{base!r} is not a derivative")
    if isinstance(base, Derivative) and (base._what != "grad" or not base._single):
        raise DerivativeUsageError(
            f"{base!r} cannot be differentiated again: derivatives of derivatives take "
            "tl.grad of one argument")


def gradient_pieces(f, name, args, kwargs):
    """``tl.grad(f, wrt=name)`` of a plain function as pieces: its generated gradient entry,
    written to be differentiated again."""
    entry, bound, _ = _gradient_entry(f, (name,), args, kwargs)
    x = bound.arguments[name]
    return Pieces([(entry, args, kwargs, (1, 0), np.shape(x))],
                  lambda parts: parts[0], np.shape(x))


def vjp_pieces(f, name, args, kwargs):
    """The Jacobian of a plain function as pieces: one vector-Jacobian product per element
    of its result (the rows), generated to be differentiated again."""
    out = f(*args, **kwargs)
    if isinstance(out, (tuple, list, dict)):
        raise DerivativeUsageError(
            f"{getattr(f, '__name__', f)} returns a {type(out).__name__}: Jacobians are taken "
            "of functions returning a float or an array")
    d = Derivative(f, (name,), "vjp", {"optimize": True, "higher_order": True,
                                       "cotangent": True})
    compiled, bound = d._specialize(args, kwargs)
    x = bound.arguments[name]
    cotangents = directions(out)
    calls = [(compiled.entry, args, {**kwargs, compiled.cotangent: ct}, (1, 0), np.shape(x))
             for ct in cotangents]
    shape = np.shape(out) + np.shape(x)
    return Pieces(calls, lambda parts: np.stack(parts).reshape(shape), shape)


def forward_calls(pieces, name, optimize=True):
    """Forward mode over every call of `pieces` with respect to argument `name`:
    ``(forward function, args, kwargs, tangent parameter or None, path, shape, compiled)``.
    The tangent parameter is None where a call does not depend on `name`."""
    out = []
    for fn, args, kwargs, path, shape in pieces.calls:
        compiled, _ = _specialize_mode(fn, (name,), args, kwargs, {
            "optimize": bool(optimize), "mode": "forward", "higher_order": True})
        out.append((compiled.forward, args, kwargs, compiled.root.tangent_params.get(name),
                    path, shape, compiled))
    return out


def along_pieces(pieces, name, v, optimize=True, forward=None):
    """The derivative of `pieces` along direction `v` of argument `name`, as pieces whose
    calls return (value, tangent) pairs."""
    calls = []
    for fn, args, kwargs, tparam, path, shape, _ in forward or forward_calls(
            pieces, name, optimize):
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


def jacobian_pieces(pieces, name, x, optimize=True):
    """The Jacobian of `pieces` with respect to argument `name` (value `x`), as pieces:
    one forward call per direction, stacked along trailing axes shaped like `x`."""
    forward = forward_calls(pieces, name, optimize)
    dirs = directions(x)
    calls = []
    for v in dirs:
        calls += along_pieces(pieces, name, v, forward=forward).calls
    k, shape = len(forward), pieces.shape

    def combine(parts):
        cols = [np.asarray(pieces.combine(parts[i * k:(i + 1) * k])) for i in range(len(dirs))]
        return np.stack(cols, axis=-1).reshape(shape + np.shape(x))

    return Pieces(calls, combine, shape + np.shape(x))


def value_and_grad(f, wrt=0, optimize=True, kinks="ignore"):
    """Like `grad`, but the derivative function returns ``(f(*args), gradient)``."""
    f = _as_partial(f)
    if isinstance(f, functools.partial):
        return Partial(f, wrt, lambda func, w: value_and_grad(func, w, optimize, kinks))
    return Derivative(_check_function(f), wrt, "value_and_grad", _options(optimize, kinks))


def vjp(f, *primals, wrt=0, optimize=True, kinks="ignore", **kwargs):
    """Run `f` on `primals`; return ``(out, pullback)`` with ``pullback(cotangent)`` giving
    the vector-Jacobian products, a tuple with one entry per `wrt` argument."""
    f = _as_partial(f)
    if isinstance(f, functools.partial):
        wrt = _partial_wrt(f, wrt)
        return vjp(f.func, *f.args, *primals, wrt=wrt, optimize=optimize, kinks=kinks,
                   **{**f.keywords, **kwargs})
    f = _check_function(f)
    names, single = _wrt_names(f, wrt)
    d = Derivative(f, names, "vjp", _options(optimize, kinks))
    compiled, bound = d._specialize(primals, kwargs)
    stack = []
    out = compiled.primal(stack, *primals, **kwargs)

    def pullback(cotangent):
        grads = compiled.adjoint(list(stack), cotangent)
        return tuple(_finalize(grads[k], bound.arguments[w]) for k, w in zip(d._order, names))

    pullback.source = compiled.source
    return out, pullback


def jvp(f, primals, tangents, wrt=0, optimize=True, kinks="ignore", **kwargs):
    """Forward mode: ``(f(*primals, **kwargs), tangent of the output)`` for input tangents
    `tangents`.

    `primals` is the tuple of positional arguments; `tangents` has one tangent per `wrt`
    argument (a tuple when `wrt` is a tuple, a single value otherwise).
    """
    primals = tuple(primals) if isinstance(primals, (tuple, list)) else (primals,)
    f = _as_partial(f)
    if isinstance(f, functools.partial):
        return jvp(f.func, f.args + primals, tangents, wrt=_partial_wrt(f, wrt),
                   optimize=optimize, kinks=kinks, **{**f.keywords, **kwargs})
    if isinstance(f, Differentiable):
        return _jvp_of_derivative(f, primals, tangents, wrt, optimize, kwargs)
    f = _check_function(f)
    names, single = _wrt_names(f, wrt)
    tangents = (tangents,) if single else tuple(tangents)
    if len(tangents) != len(names):
        raise DerivativeUsageError(f"jvp got {len(tangents)} tangents for wrt={wrt!r}")
    compiled, bound = _specialize_mode(f, names, primals, kwargs,
                                       _options(optimize, kinks, mode="forward"))
    tparams = compiled.root.tangent_params
    given = {tparams[w]: _as_tangent(t, bound.arguments[w], w)
             for w, t in zip(names, tangents) if w in tparams}
    try:
        out, tangent = compiled.forward(*primals, **kwargs, **given)
    except Exception as exc:
        _add_origin(exc)
        raise
    return out, _shaped_like(tangent, out)


def _shaped_like(tangent, out):
    """The output tangent shaped like the output: the zero tangent (the float 0.0) of an
    array becomes an array of zeros; tuples part by part."""
    if isinstance(out, (tuple, list)) and isinstance(tangent, (tuple, list)) and \
            len(out) == len(tangent):
        return type(tangent)(_shaped_like(t, o) for t, o in zip(tangent, out))
    if isinstance(out, np.ndarray) and type(tangent) is float and tangent == 0.0:
        return np.zeros(out.shape, dtype=np.result_type(out, 1.0))
    return tangent


class Partial(Differentiable):
    """A derivative of ``functools.partial(func, *args, **keywords)``: the derivative of
    `func` with the bound arguments as constants.  `wrt` names the partial object's own
    parameters (positions count the arguments still to be given)."""

    def __init__(self, partial, wrt, derive):
        self._label = getattr(partial, "_tl_label", "functools.partial of ")
        self._partial = partial
        self._func = partial
        self._sig = inspect.signature(partial)
        self.__signature__ = self._sig
        self._d = derive(partial.func, _partial_wrt(partial, wrt))
        self.__wrapped__ = partial
        self.__name__ = getattr(self._d, "__name__", "derivative")

    def _full(self, args, kwargs):
        p = self._partial
        return p.args + tuple(args), {**p.keywords, **kwargs}

    def __call__(self, *args, **kwargs):
        args, kwargs = self._full(args, kwargs)
        return self._d(*args, **kwargs)

    def _pieces(self, args, kwargs):
        return self._d._pieces(*self._full(args, kwargs))

    @property
    def source(self):
        return self._d.source

    def source_for(self, *args, **kwargs):
        return self._d.source_for(*self._full(args, kwargs))

    def __repr__(self):
        return repr(self._d).replace(" of ", f" of {self._label}", 1)

    def _repr_html_(self):
        return self._d._repr_html_()


def _as_partial(f):
    """A bound method as the partial object of its function with the instance bound first
    (the instance is a constant; `wrt` counts the method's own parameters)."""
    if inspect.ismethod(f) and isinstance(f.__func__, types.FunctionType):
        partial = functools.partial(f.__func__, f.__self__)
        partial._tl_label = "bound method "
        return partial
    return f


def _partial_wrt(partial, wrt):
    """`wrt` of a partial object as parameter names of the function it wraps."""
    func = partial.func
    if not isinstance(func, (types.FunctionType, Differentiable)) and \
            not inspect.ismethod(func):
        _check_function(func)       # refused with what to do instead
    names, single = _wrt_names(partial, wrt)
    return names[0] if single else names


def _jvp_of_derivative(d, primals, tangent, wrt, optimize, kwargs=None):
    """``tl.jvp(tl.grad(f), ...)``: forward mode over the generated code of the derivative."""
    _check_nestable(d)
    kwargs = kwargs or {}
    names, single = _wrt_names(d._func, wrt)
    if not single:
        raise DerivativeUsageError("jvp of a derivative takes one wrt argument")
    x = d._bind(primals, kwargs).arguments[names[0]]
    pieces = d._pieces(primals, kwargs)
    value, tan = along_pieces(pieces, names[0], _as_tangent(tangent, x, names[0]),
                              optimize).evaluate(paired=True)
    if pieces.shape == () and np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return value, tan[()] if isinstance(tan, np.ndarray) else tan
    return value, tan


def _as_tangent(t, x, name="x"):
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
        parts = [_as_tangent(ti, xi, f"{name}[{i}]") for i, (ti, xi) in enumerate(zip(t, x))]
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


def _specialize_mode(f, names, args, kwargs, options):
    sig = inspect.signature(f)
    kinds, bound = _kinds_of(sig, args, kwargs)
    for w in names:
        if kinds[w] == lattice.INT:
            raise DerivativeUsageError(
                f"cannot differentiate {f.__name__} with respect to {w!r}: it is an integer "
                f"({bound.arguments[w]!r}); pass a float")
    return _compile(f, names, kinds, options), bound


def derivative_source(f, mode="reverse", wrt=0, stage=None, optimize=True, kinks="ignore",
                      args=None):
    """The generated derivative code of `f` as text.

    Without `args` the code is the variant for arguments of unknown kinds; with example
    arguments `args` (a tuple) it is the variant a call with them runs (floats make code
    without broadcasting helpers)."""
    if mode not in ("reverse", "forward"):
        raise DerivativeUsageError(f"mode={mode!r}: choose 'reverse' or 'forward'")
    f = _as_partial(f)
    if isinstance(f, functools.partial):
        return derivative_source(f.func, mode, _partial_wrt(f, wrt), stage, optimize, kinks,
                                 None if args is None else f.args + tuple(args))
    if stage == "transformed":
        optimize = False
    f = _check_function(f)
    names, _ = _wrt_names(f, wrt)
    sig = inspect.signature(f)
    if args is not None:
        kinds, _ = _kinds_of(sig, tuple(args), {})
    else:
        kinds = {name: lattice.ANY for name in sig.parameters}
    extra = {"mode": "forward"} if mode == "forward" else {}
    compiled = _compile(f, names, kinds, _options(optimize, kinks, **extra))
    if stage in (None, "transformed", "optimized"):
        return compiled.source
    return _stage_text(compiled, f, stage)


def _stage_text(compiled, func, stage):
    from .syntax import nodes
    if stage == "parse":
        return nodes.unparse(compiled.program.parsed_sources[id(func)]) + "\n"
    if stage == "normalized":
        return "\n\n".join(nodes.unparse(t) for t in
                           compiled.program.stage_trees.get("normalized", [])) + "\n"
    raise DerivativeUsageError(f"unknown stage {stage!r}; choose one of parse, normalized, "
                               "transformed, optimized")


def differentiate(f=None, *, wrt=0, optimize=True, kinks="ignore"):
    """Decorator: `f` stays callable and gains ``f.grad``, ``f.value_and_grad``, ``f.jvp``,
    ``f.jacobian``, ``f.hessian``, ``f.hvp`` and ``f.derivative_source()``."""
    def wrap(func):
        func.grad = grad(func, wrt=wrt, optimize=optimize, kinks=kinks)
        func.value_and_grad = value_and_grad(func, wrt=wrt, optimize=optimize, kinks=kinks)
        func.jvp = lambda primals, tangents: jvp(func, primals, tangents, wrt=wrt,
                                                 optimize=optimize, kinks=kinks)
        from .matrices import hessian, hvp, jacobian
        func.jacobian = jacobian(func, wrt=wrt, optimize=optimize)
        func.hessian = hessian(func, wrt=wrt, optimize=optimize) \
            if not isinstance(wrt, (tuple, list)) else None
        func.hvp = hvp(func, wrt=wrt, optimize=optimize) \
            if not isinstance(wrt, (tuple, list)) else None
        func.derivative_source = lambda mode="reverse", stage=None: derivative_source(
            func, mode=mode, wrt=wrt, stage=stage, optimize=optimize)
        return func
    if f is not None:
        return wrap(f)
    return wrap


def _gradient_entry(f, names, args, kwargs):
    """The generated ``value_and_grad`` function of `f`, written to be differentiated again."""
    d = Derivative(f, names, "grad", {"optimize": True, "higher_order": True})
    compiled, bound = d._specialize(args, kwargs)
    return compiled.entry, bound, d
