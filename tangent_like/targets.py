"""What a derivative is taken of: the user's function, checked, and the arguments `wrt` names.

`check_function` turns anything callable into a Python function tangent_like can read (or a
`DerivativeUsageError` saying what to pass instead); `wrt_names` turns positions and names
into parameter names, or into parts of arguments (`Part`: an element of ``*args``, a keyword
of ``**kwargs``, an attribute); bound methods and ``functools.partial`` objects are
differentiated as the function they wrap with the bound arguments held constant.
`WRT_DEFAULT` and `choose_wrt` let `argnums` stand for `wrt`.
"""
import functools
import inspect
import types

import numpy as np

from .errors import DerivativeUsageError
from .frontend.check import check
from .frontend.parse import parse_function


class Differentiable:
    """What tl.grad, tl.jacobian, tl.hessian and tl.hvp return: a derivative that can be
    differentiated again (by tl.grad, tl.jvp, tl.jacobian, tl.hessian and tl.hvp).

    `_pieces(args, kwargs)` describes its value at those arguments as calls of generated
    functions (`Pieces`), to which the outer derivative applies forward mode."""

    _func = None        # the user's function: `wrt` names its parameters
    nestable = True     # may it be differentiated again?

    def _bind(self, args, kwargs):
        """The arguments of the user's function in a call of this derivative."""
        try:
            bound = inspect.signature(self._func, follow_wrapped=False).bind(*args, **kwargs)
        except TypeError as exc:
            raise DerivativeUsageError(str(exc)) from None
        bound.apply_defaults()
        return bound

    def _pieces(self, args, kwargs):
        raise DerivativeUsageError(f"{self!r} cannot be differentiated again")


def derivative_maker(func):
    """Mark `func` as making derivatives (``tl.grad``...): a call ``func(g)(x)`` inside a
    differentiated function is resolved by making the derivative at transformation time
    (from module-level names and constants).  A library wrapping tangent_like may mark its
    own spelling, whose results give their tangent_like derivative by
    ``__tangent_like_derivative__()``."""
    func.__tangent_like_derivative_maker__ = True
    return func


class _FirstArgument(int):
    """The default `wrt`, argument 0, told apart from an explicit ``wrt=0``: `choose_wrt`
    refuses `wrt` and `argnums` given together."""

    def __repr__(self):
        return "0"


WRT_DEFAULT = _FirstArgument(0)


def choose_wrt(wrt, argnums):
    """`wrt`, or `argnums` (JAX's name for it) when that is given instead."""
    if argnums is None:
        return wrt
    if wrt is not WRT_DEFAULT:
        raise DerivativeUsageError(f"wrt={wrt!r} and argnums={argnums!r} both given: argnums "
                                   "is another name for wrt, pass one of them")
    return argnums


def check_function(f, syntax=True):
    """`f` as a Python function tangent_like can read, or a `DerivativeUsageError` saying
    what to pass instead.  With `syntax`, constructs its source alone shows cannot be
    differentiated are refused now, located, rather than at the derivative's first call
    (what depends on the arguments, or on functions defined later, waits for that call)."""
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
    if syntax and f.__code__ not in _CHECKED:
        check(parse_function(f))
        if len(_CHECKED) >= _CHECKED_BOUND:
            _CHECKED.clear()
        _CHECKED[f.__code__] = True     # the same code: the same source, checked once
    return f


_CHECKED = {}           # code objects whose source passed the syntax check
_CHECKED_BOUND = 4096


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


class Part(str):
    """A part of an argument that `wrt` names: an element of ``*args`` (``wrt=1`` of
    ``def f(*xs)``), a keyword of ``**kwargs`` (``wrt="s"`` of ``def f(x, **kw)``), an
    attribute of an object (``wrt="self.w"``).  As a string it is its label; `param` is the
    parameter it is part of, `path` the steps from that parameter's value to it:
    ``("item", i)``, ``("key", k)``, ``("attr", name)``.  The derivative is taken with
    respect to the whole parameter, and the part picked (see `values.gradient_part`)."""

    def __new__(cls, label, param, path):
        part = super().__new__(cls, label)
        part.param = param
        part.path = tuple(path)
        return part


def wrt_names(f, wrt):
    """The parameters (or parts of parameters: `Part`) `wrt` names, and whether it is a single
    one: ``(names, single)``."""
    sig = inspect.signature(f, follow_wrapped=False)
    params = list(sig.parameters.values())
    names = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    varargs = next((p.name for p in params if p.kind == p.VAR_POSITIONAL), None)
    varkw = next((p.name for p in params if p.kind == p.VAR_KEYWORD), None)
    fname = getattr(f, "__name__", None) or repr(f)
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)
    if not items:
        raise DerivativeUsageError("wrt is empty: name at least one argument")
    out = []
    for w in items:
        if isinstance(w, bool) or not isinstance(w, (int, str)):
            raise DerivativeUsageError(f"wrt entries are argument positions or names, not {w!r}")
        if isinstance(w, Part):
            if w.param not in [p.name for p in params]:
                raise DerivativeUsageError(f"wrt={str(w)!r} is not a part of a parameter of "
                                           f"{fname}")
        elif isinstance(w, int):
            positional = [p.name for p in params if p.kind in
                          (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if varargs is not None and w >= len(positional):
                w = Part(f"{varargs}[{w - len(positional)}]", varargs,
                         [("item", w - len(positional))])
            elif not -len(positional) <= w < len(positional) or (varargs and w < 0):
                more = f" and *{varargs} (count from 0, not from the end)" if varargs else ""
                raise DerivativeUsageError(
                    f"wrt={w} but {fname} has {len(positional)} positional parameters "
                    f"({', '.join(positional)}){more}")
            else:
                w = positional[w]
        elif w in (varargs, varkw):
            star = "*" if w == varargs else "**"
            raise DerivativeUsageError(
                f"wrt={w!r} names the {star}{w} parameter of {fname}: name its parts, by "
                f"position (the positional arguments after the named ones) or by keyword")
        elif w not in names:
            w = _dotted_part(w, names) or (Part(w, varkw, [("key", w)]) if varkw else None)
            if w is None:
                raise DerivativeUsageError(f"wrt={items[len(out)]!r} is not a parameter of "
                                           f"{fname} (parameters: {', '.join(names)})")
        if w in out:
            raise DerivativeUsageError(f"wrt names {w!r} twice")
        out.append(w)
    whole = {w for w in out if not isinstance(w, Part)}
    for w in out:
        if isinstance(w, Part) and w.param in whole:
            raise DerivativeUsageError(f"wrt names {w.param!r} and its part {str(w)!r}: name "
                                       "one of them")
    return tuple(out), single


def _dotted_part(w, names):
    """``"self.w"`` (``"p.layer.w"``): an attribute of a parameter, else None."""
    head, *attrs = w.split(".")
    if not attrs or head not in names or not all(a.isidentifier() for a in attrs):
        return None
    return Part(w, head, [("attr", a) for a in attrs])


def as_partial(f):
    """A bound method as the partial object of its function with the instance bound first
    (the instance is a constant; `wrt` counts the method's own parameters)."""
    if inspect.ismethod(f) and isinstance(f.__func__, types.FunctionType):
        partial = functools.partial(f.__func__, f.__self__)
        partial._tl_label = "bound method "
        return partial
    return f


def partial_wrt(partial, wrt):
    """`wrt` of a partial object as parameter names of the function it wraps.  A bound
    method's ``"self.w"`` names an attribute of its object (the first argument bound)."""
    func = partial.func
    if not isinstance(func, (types.FunctionType, Differentiable)) and \
            not inspect.ismethod(func):
        check_function(func)       # refused with what to do instead
    bound_first = _bound_first(partial)
    single = not isinstance(wrt, (tuple, list))
    items = [wrt] if single else list(wrt)

    def of_object(w):       # "self.w" (or the name of the method's first parameter)
        return bound_first and isinstance(w, str) and "." in w and \
            w.split(".")[0] in (bound_first, "self")

    own = [w for w in items if not of_object(w)]
    names = iter(wrt_names(partial, tuple(own))[0] if own else ())
    out = []
    for w in items:
        if not of_object(w):
            out.append(next(names))
            continue
        attrs = w.split(".")[1:]
        part = _dotted_part(".".join([bound_first] + attrs), [bound_first])
        if part is None:
            raise DerivativeUsageError(f"wrt={w!r} is not an attribute of {bound_first}")
        out.append(Part(w, part.param, part.path))
    return out[0] if single else tuple(out)


def _bound_first(partial):
    """The name of the first parameter of a bound method's function (the object), or None."""
    if getattr(partial, "_tl_label", "") != "bound method " or not partial.args:
        return None
    params = list(inspect.signature(partial.func, follow_wrapped=False).parameters)
    return params[0] if params else None
