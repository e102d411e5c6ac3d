"""The public API: grad, value_and_grad, vjp, derivative_source and the differentiate decorator.

Each derivative is generated per pattern of argument kinds (Python/NumPy scalar, array of a
given rank, tuple...), compiled once and cached by the function's code object, its closure,
the differentiated arguments and the options.
"""
import collections
import copy
import functools
import importlib
import inspect
import threading
import textwrap

import numpy as np

from . import pipeline
from .errors import DerivativeUsageError
from .loader import note_origin
from .nesting import (along_pieces, check_nestable, forward_calls, forward_options,
                      gradient_pieces, jacobian_pieces)
from .pipeline import Options, generation, specialize
from .runtime import seed_for
from .runtime.core import lazy_array
from .targets import (WRT_DEFAULT, Differentiable, as_partial, check_function, choose_wrt,
                      derivative_maker, partial_wrt, wrt_names)
from .values import (as_tangent, assumed_kinds, describe_kinds, embedded_tangents, fast_kind,
                     finalize, kinds_of, param_of, path_of, picked_gradients, shaped_like,
                     wrt_params)

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "derivative_source", "clear_cache",
           "cache_info", "set_cache_dir", "Derivative", "GradOf", "Partial"]


class Derivative(Differentiable):
    """A derivative of a Python function: callable, printable, readable.

    Carries the user's signature, ``__wrapped__``, ``.source`` (the generated code) and
    ``_repr_html_`` for notebooks.
    """

    def __init__(self, func, wrt, what, options, has_aux=False):
        self.__wrapped__ = func
        self._func = func
        self._wrt, self._single = wrt_names(func, wrt)
        self._params = wrt_params(self._wrt)       # parts (targets.Part) belong to these
        parts = any(path_of(w) for w in self._wrt)
        self._what = what
        self._options = options
        self._has_aux = bool(has_aux)
        self.nestable = what == "grad" and self._single and not self._has_aux and not parts
        self._sig = inspect.signature(func, follow_wrapped=False)
        self.__signature__ = self._sig
        functools.update_wrapper(self, func, updated=())
        self.__name__ = f"{what}_{func.__name__}"
        self.__qualname__ = f"{what}({func.__qualname__})"
        self._fast = {}      # positional argument kinds -> (generation, compiled, runner)
        self._last = None    # the compiled program the last call ran (what .source shows)
        self._positions = None      # the fast path: every parameter positional, no parts
        params = list(self._sig.parameters.values())
        if all(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params) \
                and not parts:
            names = [p.name for p in params]
            self._positions = tuple(names.index(w) for w in self._wrt)
            self._nparams = len(names)
            in_order = [p for p in names if p in self._wrt]
            self._order = tuple(in_order.index(w) for w in self._wrt)   # sweep order -> wrt

    def _specialize(self, args, kwargs):
        return specialize(self._func, self._wrt, args, kwargs, self._options)

    def _call_fast(self, args):
        """Positional calls with every parameter given: no signature binding."""
        if len(args) == 1:          # (the common case: its key made without a call)
            a = args[0]
            key = (a.ndim, a.dtype.char) if type(a) is np.ndarray else fast_kind(a)
        else:
            key = tuple(map(fast_kind, args))
        hit = self._fast.get(key)
        if hit is None or hit[0] != generation() or hit[1].globals_changed():
            compiled, _ = self._specialize(args, {})
            hit = self._fast[key] = (generation(), compiled, self._runner(compiled))
        self._last = hit[1]
        return hit[2](args)

    def _runner(self, compiled):
        """The call of `compiled` for positional `args`, and what makes its results the
        user's: one closure, made once per compiled program (the common case -- one
        gradient, no value -- with nothing else between the user's call and the code)."""
        entry, finish = compiled.entry, self._finish
        if not (compiled.gradient_only and self._single and self._what == "grad"):
            def run(args):
                try:
                    if compiled.gradient_only:
                        value, grads = 0.0, entry(*args)
                    else:
                        value, grads = entry(*args)
                except Exception as exc:
                    note_origin(exc)
                    raise
                return finish(value, grads, args)
            return run
        position, order, ndarray = self._positions[0], self._order[0], np.ndarray

        def run_grad(args):
            try:
                grads = entry(*args)
            except Exception as exc:
                note_origin(exc)
                raise
            g, x = grads[order], args[position]
            if type(g) is ndarray and type(x) is ndarray and g.shape == x.shape \
                    and g.dtype == x.dtype and g.flags.writeable:
                return g
            return finish(0.0, grads, args)
        return run_grad

    def _finish(self, value, grads, args):
        """The value (if asked for) and gradients of a call of the entry with positional
        `args`: gradients given the structure, shape and dtype of their arguments."""
        if type(value) not in _REAL_SCALARS:
            self._check_real(value)
        if self._single:
            x = args[self._positions[0]]
            g = grads[self._order[0]]
            if type(x) is np.ndarray and type(g) is np.ndarray and type(value) in \
                    _REAL_SCALARS and g.shape == x.shape and g.dtype == x.dtype:
                # (the common case first: nothing lazy to compute, the gradient shaped)
                grads = g if g.flags.writeable else finalize(g, x)
            else:
                value, picked = computed(value, [g], [x])
                grads = finalize(picked[0], x)
        else:
            xs = [args[i] for i in self._positions]
            gs = [grads[k] for k in self._order]
            if type(value) in _REAL_SCALARS and all(
                    type(x) is np.ndarray and type(g) is np.ndarray and g.shape == x.shape
                    and g.dtype == x.dtype and g.flags.writeable for g, x in zip(gs, xs)):
                grads = tuple(gs)       # (the common case first, as for one argument)
            else:
                value, picked = computed(value, gs, xs)
                grads = tuple(finalize(g, x) for g, x in zip(picked, xs))
            grads = distinct(grads)
        if self._what == "value_and_grad":
            return value, grads
        return grads

    def __call__(self, *args, **kwargs):
        if self._has_aux:
            return self._call_aux(args, kwargs)
        if not kwargs and self._positions is not None and len(args) == self._nparams:
            return self._call_fast(args)
        compiled, bound = self._specialize(args, kwargs)
        self._last = compiled
        try:
            if compiled.gradient_only:
                value, grads = 0.0, compiled.entry(*args, **kwargs)
            else:
                value, grads = compiled.entry(*args, **kwargs)
        except Exception as exc:
            note_origin(exc)
            raise
        self._check_real(value)
        xs = [None] * len(grads)            # the argument of each gradient, sweep order
        for w, k in zip(self._wrt, compiled.order):
            if k < len(xs):
                xs[k] = bound.arguments[param_of(w)]
        value, grads = computed(value, grads, xs)
        grads = picked_gradients(self._wrt, compiled.order, grads, bound.arguments)
        grads = grads[0] if self._single else distinct(grads)
        if self._what == "value_and_grad":
            return value, grads
        return grads

    def _call_aux(self, args, kwargs):
        """``has_aux=True``: `f` returns ``(value, aux)``; the adjoint sweep starts from the
        cotangent ``(1.0, 0.0)``, so `aux` passes through untouched and gets no derivative."""
        compiled, bound = self._specialize(args, kwargs)
        self._last = compiled
        stack = []
        try:
            out = compiled.primal(stack, *args, **kwargs)
        except Exception as exc:
            note_origin(exc)
            raise
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise DerivativeUsageError(
                f"{self._func.__qualname__} was differentiated with has_aux=True, so it must "
                f"return a pair (value, aux), not {type(out).__name__} {_short(out)}")
        value, aux = out
        self._check_real(value)
        try:
            grads = compiled.adjoint(stack, (seed_for(value), 0.0))
        except Exception as exc:
            note_origin(exc)
            raise
        grads = picked_gradients(self._wrt, compiled.order, grads, bound.arguments)
        grads = grads[0] if self._single else grads
        if self._what == "value_and_grad":
            return (value, aux), grads
        return grads, aux

    def _check_real(self, value):
        """A gradient is that of a real-valued function: a complex value has none (the
        derivative of its real part would be a silent choice)."""
        if np.iscomplexobj(value):
            raise DerivativeUsageError(
                f"{self._func.__qualname__} returned a complex value ({value!r}): tl.{self._what} "
                "needs a real-valued function; differentiate np.real(...), np.abs(...) ** 2 "
                "or another real quantity of it, or use tl.vjp with a complex cotangent")

    @property
    def source(self):
        """The generated code the last call ran; before any call, the code for the kinds
        of arguments `values.assumed_kinds` assumes (said in its second line)."""
        if self._last is not None:
            return self._last.source
        kinds = assumed_kinds(self._sig, self._params)
        return _noted(pipeline.compile(self._func, self._params, kinds, self._options).source,
                      kinds)

    def source_for(self, *args, **kwargs):
        """The generated code specialized to these arguments (what a call with them runs)."""
        return self._specialize(args, kwargs)[0].source

    def _pieces(self, args, kwargs):
        if self._has_aux:
            raise DerivativeUsageError(
                f"{self!r} has an auxiliary result (has_aux=True): differentiate a function "
                "that returns the value alone to take derivatives of derivatives")
        if self._what != "grad" or not self._single:
            raise DerivativeUsageError(
                f"{self!r} cannot be differentiated again: derivatives of derivatives take "
                "tl.grad of one argument")
        return gradient_pieces(self._func, self._wrt[0], args, kwargs)

    def __repr__(self):
        aux = " (has_aux)" if self._has_aux else ""
        return (f"<tangent_like {self._what} of {self._func.__qualname__} with respect to "
                f"{', '.join(self._wrt)}{aux}>")

    def _repr_html_(self):
        from . import display       # (only in notebooks)
        return display.html(self.source, title=repr(self))


_REAL_SCALARS = (float, np.float64)     # values no check of `_check_real` can refuse


def distinct(grads):
    """`grads` with no array returned twice: ``np.sum(a + b)`` gives `a` and `b` one and
    the same adjoint, and a caller updating one gradient in place must not change the
    other."""
    seen = set()
    out = list(grads)
    for k, g in enumerate(out):
        if type(g) is np.ndarray:
            if id(g) in seen:
                out[k] = g.copy()
            seen.add(id(g))
    return tuple(out) if isinstance(grads, tuple) else out


def computed(value, grads, xs):
    """The value and gradients of a function of lazy arrays (Dask), computed together in
    one pass where they are returned as NumPy values: the value, and the gradients with
    respect to arguments that are not lazy (those with respect to a lazy array stay lazy,
    like it).  `xs` are the arguments of `grads` (None: not known, computed when no
    argument is lazy); values of NumPy alone come back as they are."""
    grads = list(grads)
    if not (lazy_array(value) or any(lazy_array(g) for g in grads)):
        return value, grads
    if len(xs) != len(grads) or any(x is None for x in xs):
        xs = [None] * len(grads)
    due = [k for k, g in enumerate(grads) if lazy_array(g) and not lazy_array(xs[k])]
    items = ([value] if lazy_array(value) else []) + [grads[k] for k in due]
    done = list(importlib.import_module("dask").compute(*items))
    if lazy_array(value):
        value = done.pop(0)
    for k, g in zip(due, done):
        grads[k] = g
    return value, grads


@derivative_maker
def grad(f, wrt=WRT_DEFAULT, optimize=True, kinks="ignore", *, has_aux=False, argnums=None,
         backend="python", checkpoint=None):
    """The gradient of scalar-valued `f` with respect to argument(s) `wrt`.

    `wrt` is a position, a parameter name, or a tuple of those (then the result is a tuple of
    gradients); `argnums` is another name for it.  Each gradient has its argument's
    structure, shape and dtype.  `f` may itself be a derivative of a function of scalars
    (``tl.grad(tl.grad(f))``): forward mode is then applied to its generated code.

    With `has_aux`, `f` returns a pair ``(value, aux)``: the gradient function returns
    ``(gradient, aux)``, `aux` (of any structure) passed through without a derivative.

    `kinks` ("ignore", "warn" or "raise") makes the generated code report each time the
    evaluation reaches a point where the derivative does not exist (abs at 0, max at a tie,
    a branch condition comparing equal values...); "ignore" costs nothing.

    `backend="numba"` compiles the gradient with numba in nopython mode (loops of scalar
    code run 10-100x faster than in Python); what numba cannot compile runs as Python,
    with a `NumbaFallbackWarning` saying why.

    `checkpoint="sqrt"` (or a number of snapshots) trades time for memory in long loops:
    a loop over a range at the top of `f` records only a snapshot of its state every
    sqrt(n) iterations (n / snapshots), and the adjoint sweep runs each segment again;
    `checkpoint="binomial"` (or ``("binomial", snapshots)``, 100 by default) follows
    Griewank's binomial schedule: memory for the snapshots alone, a few more sweeps.
    """
    wrt = choose_wrt(wrt, argnums)
    if isinstance(f, Differentiable):
        if has_aux:
            raise DerivativeUsageError("has_aux=True takes a function returning (value, aux), "
                                       f"not a derivative ({f!r})")
        return GradOf(f, wrt, optimize, kinks)
    f = as_partial(f)
    if isinstance(f, functools.partial):
        return Partial(f, wrt, lambda func, w: grad(func, w, optimize, kinks, has_aux=has_aux,
                                                    backend=backend, checkpoint=checkpoint))
    return _derivative_of(f, wrt, "grad", optimize, kinks, has_aux, backend, checkpoint)


_MADE = collections.OrderedDict()   # (id(f), wrt, ...) -> Derivative: `tl.grad(f)` again
_MADE_BOUND = 256                   # ... returns the one it made (at most this many kept)


def _derivative_of(f, wrt, what, optimize, kinks, has_aux, backend="python",
                   checkpoint=None):
    """The `Derivative` of `f`: the one made last time for the same function and options
    (so ``tl.grad(f)(x)`` in a loop costs a lookup, not a new object), else a new one."""
    try:        # (True, 1 and 1.0 are equal keys: the types tell them apart)
        key = (id(f), type(wrt), wrt, what, optimize, kinks, has_aux, backend, checkpoint)
        hash(key)
    except TypeError:       # (a list as wrt)
        key = None
    with _MADE_LOCK:
        made = _MADE.get(key) if key is not None else None
        if made is not None and made._func is f:
            _MADE.move_to_end(key)
            again = copy.copy(made)     # its compiled code shared, its own last call
            again._last = None
            return again
    made = Derivative(check_function(f), wrt, what,
                      Options(optimize=optimize, kinks=kinks, backend=backend,
                              checkpoint=checkpoint,
                              value=what == "value_and_grad" or has_aux), has_aux)
    if key is not None and made._func is f:
        with _MADE_LOCK:
            _MADE[key] = made
            while len(_MADE) > _MADE_BOUND:
                _MADE.popitem(last=False)
    return made


_MADE_LOCK = threading.Lock()


def cache_info():
    """The cache of generated derivatives: ``CacheInfo(hits, misses, size, bound,
    disk_hits, disk_misses)``; the bound is ``tangent_like.pipeline.CACHE_BOUND`` (least
    recently used entries go first), and the disk figures count the lookups of a memory miss
    in the persistent cache, when it is on (`set_cache_dir`).
    Code generated for a function is reused by closures of the same code over values of
    the same kinds, and by every `tl.grad` of the same function."""
    return pipeline.cache_info()


def set_cache_dir(path):
    """Keep generated derivatives, as source text, in directory `path` too, where later
    processes find them (their first call then compiles the stored text instead of
    transforming the function again); None turns this persistent cache off.  Without a
    call, the environment variable ``TANGENT_LIKE_CACHE_DIR`` decides (off when unset).
    `cache_info()` counts its hits and misses (``disk_hits``, ``disk_misses``)."""
    pipeline.set_cache_dir(path)


def clear_cache():
    """Forget every generated derivative (the next call transforms again) and the
    derivative objects kept for `tl.grad(f)` called again."""
    pipeline.clear_cache()
    with _MADE_LOCK:
        _MADE.clear()


class GradOf(Differentiable):
    """The derivative of a derivative with a scalar value (``tl.grad(tl.grad(f))``): forward
    mode over the generated code of the derivative below, one direction per element of the
    argument."""

    def __init__(self, base, wrt, optimize=True, kinks="ignore"):
        check_nestable(base)
        self._base = base
        self._func = base._func
        self._sig = base._sig
        self._wrt, single = wrt_names(self._func, wrt)
        if not single:
            raise DerivativeUsageError("derivatives of derivatives take one wrt argument")
        self._options = forward_options(optimize, kinks)
        self.nestable = True
        self.__signature__ = self._sig
        self.__wrapped__ = base
        self.__name__ = f"grad_{getattr(base, '__name__', 'derivative')}"

    def _bind(self, args, kwargs):
        return self._base._bind(args, kwargs)

    def _pieces(self, args, kwargs):
        inner = self._base._pieces(args, kwargs)
        if inner.shape != ():
            if not isinstance(inner.shape, tuple):
                raise DerivativeUsageError(
                    f"tl.grad of {self._base!r} needs a scalar-valued derivative, but its "
                    "value is a tuple, list or dict: take directional derivatives of it "
                    "(tl.jvp, tl.hvp)")
            raise DerivativeUsageError(
                f"tl.grad of {self._base!r} needs a scalar-valued derivative, but its value "
                f"has shape {inner.shape}: use tl.jacobian (or tl.hessian for the second "
                "derivative of a scalar function)")
        x = self._base._bind(args, kwargs).arguments[self._wrt[0]]
        return jacobian_pieces(inner, self._wrt[0], x, self._options)

    def __call__(self, *args, **kwargs):
        x = self._base._bind(args, kwargs).arguments[self._wrt[0]]
        return finalize(self._pieces(args, kwargs).evaluate(), x)

    def source_for(self, *args, **kwargs):
        """The generated forward code of the first call this derivative makes."""
        inner = self._base._pieces(args, kwargs)
        return forward_calls(inner, self._wrt[0], self._options)[0][-1].source

    def __repr__(self):
        return f"<tangent_like grad of {self._base!r} with respect to {self._wrt[0]}>"

    def _repr_html_(self):
        from . import display       # (only in notebooks)
        return display.html(repr(self), title=repr(self))


@derivative_maker
def value_and_grad(f, wrt=WRT_DEFAULT, optimize=True, kinks="ignore", *, has_aux=False,
                   argnums=None, backend="python", checkpoint=None):
    """Like `grad`, but the derivative function returns ``(f(*args), gradient)``; with
    `has_aux`, ``((value, aux), gradient)``."""
    wrt = choose_wrt(wrt, argnums)
    f = as_partial(f)
    if isinstance(f, functools.partial):
        return Partial(f, wrt, lambda func, w: value_and_grad(func, w, optimize, kinks,
                                                              has_aux=has_aux,
                                                              backend=backend,
                                                              checkpoint=checkpoint))
    return _derivative_of(f, wrt, "value_and_grad", optimize, kinks, has_aux, backend,
                          checkpoint)


def vjp(f, *primals, wrt=WRT_DEFAULT, optimize=True, kinks="ignore", argnums=None, **kwargs):
    """Run `f` on `primals`; return ``(out, pullback)`` with ``pullback(cotangent)`` giving
    the vector-Jacobian products, a tuple with one entry per `wrt` argument (`argnums` is
    another name for `wrt`)."""
    wrt = choose_wrt(wrt, argnums)
    f = as_partial(f)
    if isinstance(f, functools.partial):
        wrt = partial_wrt(f, wrt)
        return vjp(f.func, *f.args, *primals, wrt=wrt, optimize=optimize, kinks=kinks,
                   **{**f.keywords, **kwargs})
    f = check_function(f)
    names, single = wrt_names(f, wrt)
    compiled, bound = specialize(f, names, primals, kwargs,
                                 Options(optimize=optimize, kinks=kinks))
    stack = []
    out = compiled.primal(stack, *primals, **kwargs)

    def pullback(cotangent):
        grads = compiled.adjoint(list(stack), cotangent)
        return picked_gradients(names, compiled.order, grads, bound.arguments)

    pullback.source = compiled.source
    return out, pullback


def jvp(f, primals, tangents, wrt=WRT_DEFAULT, optimize=True, kinks="ignore", argnums=None,
        backend="python", **kwargs):
    """Forward mode: ``(f(*primals, **kwargs), tangent of the output)`` for input tangents
    `tangents`.

    `primals` is the tuple of positional arguments; `tangents` has one tangent per `wrt`
    argument (a tuple when `wrt` is a tuple, a single value otherwise); `argnums` is another
    name for `wrt`.  `backend="numba"` compiles the forward code with numba (see `grad`).
    """
    wrt = choose_wrt(wrt, argnums)
    primals = tuple(primals) if isinstance(primals, (tuple, list)) else (primals,)
    f = as_partial(f)
    if isinstance(f, functools.partial):
        return jvp(f.func, f.args + primals, tangents, wrt=partial_wrt(f, wrt),
                   optimize=optimize, kinks=kinks, backend=backend,
                   **{**f.keywords, **kwargs})
    if isinstance(f, Differentiable):
        return _jvp_of_derivative(f, primals, tangents, wrt, forward_options(optimize, kinks),
                                  kwargs)
    f = check_function(f)
    names, single = wrt_names(f, wrt)
    tangents = (tangents,) if single else tuple(tangents)
    if len(tangents) != len(names):
        raise DerivativeUsageError(f"jvp got {len(tangents)} tangents for wrt={wrt!r}")
    compiled, bound = specialize(f, names, primals, kwargs,
                                 Options(mode="forward", optimize=optimize, kinks=kinks,
                                         backend=backend))
    tparams = compiled.tangent_params
    given = {tparams[p]: t for p, t in embedded_tangents(names, tangents,
                                                         bound.arguments).items()
             if p in tparams}
    try:
        out, tangent = compiled.forward(*primals, **kwargs, **given)
    except Exception as exc:
        note_origin(exc)
        raise
    return out, shaped_like(tangent, out)


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
        self._d = derive(partial.func, partial_wrt(partial, wrt))
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


def _jvp_of_derivative(d, primals, tangent, wrt, options, kwargs=None):
    """``tl.jvp(tl.grad(f), ...)``: forward mode over the generated code of the derivative."""
    check_nestable(d)
    kwargs = kwargs or {}
    names, single = wrt_names(d._func, wrt)
    if not single:
        raise DerivativeUsageError("jvp of a derivative takes one wrt argument")
    x = d._bind(primals, kwargs).arguments[names[0]]
    pieces = d._pieces(primals, kwargs)
    value, tan = along_pieces(pieces, names[0], as_tangent(tangent, x, names[0]),
                              options).evaluate(paired=True)
    if pieces.shape == () and np.ndim(value) == 0 and not isinstance(value, np.ndarray):
        return value, tan[()] if isinstance(tan, np.ndarray) else tan
    return value, tan


def derivative_source(f, mode="reverse", wrt=0, stage=None, optimize=True, kinks="ignore",
                      args=None, standalone=False, backend="python", checkpoint=None):
    """The generated derivative code of `f` as text.

    With example arguments `args` (a tuple) the code is the variant a call with them runs
    (floats make code without broadcasting helpers); without them, the variant for the
    kinds `.source` assumes (1-d arrays, parameters with defaults like their defaults),
    which its second line names.  `stage` shows an earlier stage instead: "parse" (the
    function as read), "normalized" (one operation per line), "transformed" (before the
    optimizer) or "optimized" (the default).  `standalone=True` gives a complete module,
    importable without tangent_like (see tangent_like/standalone.py).  `backend="numba"`
    shows the code lowered for numba (typed tapes), which numba compiles at the first call;
    `checkpoint` the code of checkpointed loops (see `grad`)."""
    options = Options(mode=mode, optimize=optimize, kinks=kinks, backend=backend,
                      checkpoint=checkpoint)
    if stage not in (None,) + pipeline.STAGES:
        raise DerivativeUsageError(f"unknown stage {stage!r}; choose one of "
                                   f"{', '.join(pipeline.STAGES[:-1])}")
    f = as_partial(f)
    if isinstance(f, functools.partial):
        return derivative_source(f.func, mode, partial_wrt(f, wrt), stage, optimize, kinks,
                                 None if args is None else f.args + tuple(args), standalone,
                                 backend, checkpoint)
    f = check_function(f)
    names, _ = wrt_names(f, wrt)
    sig = inspect.signature(f, follow_wrapped=False)
    if args is not None:
        kinds, _ = kinds_of(sig, tuple(args), {})
    else:
        kinds = assumed_kinds(sig, wrt_params(names))
    if stage == "transformed":          # the whole module, entry included, not optimized
        stage, options = None, options.replace(optimize=False)
    if standalone and backend != "python":
        raise DerivativeUsageError("a standalone module holds the Python code; leave out "
                                   "the backend")
    if standalone and stage not in (None, "optimized"):
        raise DerivativeUsageError(f"a standalone module holds the generated code, not the "
                                   f"{stage} stage")
    if stage in (None, "optimized"):
        compiled = pipeline.compile(f, wrt_params(names), kinds, options)
        if standalone:
            from . import standalone as standalone_module     # (only for such modules)
            return standalone_module.module_source(compiled, f, wrt_params(names), kinds)
        return compiled.source if args is not None else _noted(compiled.source, kinds)
    return pipeline.stages(f, wrt_params(names), kinds, options)[stage]


def _noted(source, kinds):
    """`source` with a second line naming the argument kinds it was generated for."""
    head, rest = source.split("\n", 1)
    note = textwrap.fill(f"For arguments {describe_kinds(kinds)} (other kinds of arguments "
                         "run other code).", 90, initial_indent="# ", subsequent_indent="# ")
    return f"{head}\n{note}\n{rest}"


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
