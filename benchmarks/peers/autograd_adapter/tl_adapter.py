"""autograd's differential operators and gradient checks, implemented with tangent_like.

This module is the whole of the adapter's logic; the ``autograd`` package next to it only
re-exports what the peer test suite imports.  Nothing here comes from autograd: the API is
reproduced from its documentation, and every derivative is computed by tangent_like.

Conventions
-----------
* A function handed to an operator is called through a *wrapper*: a small generated Python
  module ``def _tl_wrap(a0, a1, ...): return FUN(a0, a1, ..., key=value)``, written to a
  temporary directory so that tangent_like can read its source.  Keyword arguments of the
  call are baked into the wrapper (literals as literals, other values as module globals),
  so they are constants for the derivative, and any callable (a lambda, a NumPy ufunc, a
  function with keyword arguments) can be differentiated with respect to positional
  arguments.
* Complex numbers: tangent_like's pullbacks are adjoints for the real inner product
  ``Re<a, b>`` (``vjp(g) = conj(f'(z)) g`` for holomorphic ``f``); autograd's are their
  complex conjugates.  The operators that mirror autograd's API (``grad``, ``make_vjp``...)
  convert; the gradient checks use tangent_like's convention directly.
* An autograd API with no tangent_like counterpart raises `NotAdaptedError`.
"""
import functools
import importlib.util
import inspect
import itertools
import keyword
import os
import sys
import tempfile
import traceback
import warnings
import zlib

import numpy as np

import tangent_like as tl
from tangent_like.errors import InternalError, TangentLikeError

TL_DIR = os.path.dirname(os.path.abspath(tl.__file__))
GENERATED_PREFIX = "<tangent_like generated"

# autograd's test_util tolerances and finite-difference step
TOL = 1e-6
RTOL = 1e-6
EPS = 1e-6
RETRY_EPS = (1e-3, 1e-4, 1e-5, 1e-7)      # before a mismatch is reported as WRONG
RETRY_RTOL = 1e-5


class NotAdaptedError(Exception):
    """An autograd API that the adapter does not map onto tangent_like."""


class NotAdaptedAttributeError(NotAdaptedError, AttributeError):
    """An autograd-only attribute (of ``autograd.numpy`` and friends) that is not adapted."""


class GradientMismatch(AssertionError):
    """tangent_like returned a derivative that disagrees with finite differences."""

    def __init__(self, message, info):
        super().__init__(message)
        self.info = info


def not_adapted(what, why="no tangent_like counterpart"):
    raise NotAdaptedError(f"not adapted: autograd's {what} ({why})")


# ---------------------------------------------------------------- per-test bookkeeping
#
# The pytest plugin resets this state before each test and reads it afterwards.

class _State:
    def __init__(self):
        self.reset(None)

    def reset(self, nodeid):
        self.nodeid = nodeid
        self.records = []         # one dict per check step (see `_record`)
        self.tl_values = 0        # derivative values tangent_like returned in this test
        self.keep_going = os.environ.get("TL_ADAPTER_KEEP_GOING", "1") != "0"
        self.check_counter = itertools.count()


STATE = _State()


def _returned(value):
    STATE.tl_values += 1
    return value


def classify_exception(exc):
    """'refused', 'not-adapted', 'crash' or 'other' for an exception raised while asking
    tangent_like for a derivative (or anywhere in a test)."""
    seen = set()
    e = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, NotAdaptedError):
            return "not-adapted"
        e = e.__cause__ or e.__context__
    if getattr(exc, "_tl_adapter_plain_fails", False):
        return "other"
    if isinstance(exc, TangentLikeError) and not isinstance(exc, InternalError):
        if any(f"{name} has no derivative rule" in str(exc) for name in STUB_NAMES):
            return "not-adapted"
        return "refused"
    if isinstance(exc, InternalError):
        return "crash"
    if in_tangent_like(exc):
        return "crash"
    return "other"


def in_tangent_like(exc):
    """Does the traceback of `exc` pass through tangent_like or code it generated?"""
    tb = exc.__traceback__
    while tb is not None:
        fname = tb.tb_frame.f_code.co_filename
        if fname.startswith(GENERATED_PREFIX) or os.path.abspath(fname).startswith(TL_DIR):
            return True
        tb = tb.tb_next
    return False


def innermost_frame(exc):
    """'file:line (function)' of the innermost frame of `exc`'s traceback."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    fr = frames[-1]
    fname = fr.filename
    if not fname.startswith("<"):
        fname = os.path.relpath(fname) if fname.startswith(TL_DIR) else os.path.basename(fname)
    return f"{fname}:{fr.lineno} ({fr.name})"


def innermost_tl_frame(exc):
    """The innermost frame of `exc` inside tangent_like or generated code."""
    best = ""
    for fr in traceback.extract_tb(exc.__traceback__):
        if fr.filename.startswith(GENERATED_PREFIX):
            best = f"{fr.filename.split(' #')[0]}>:{fr.lineno} ({fr.name})"
        elif os.path.abspath(fr.filename).startswith(TL_DIR):
            rel = os.path.relpath(fr.filename, os.path.dirname(TL_DIR))
            best = f"{rel}:{fr.lineno} ({fr.name})"
    return best


# ---------------------------------------------------------------- value structures
#
# A "value" is a float, complex, NumPy scalar or array, or a tuple/list/dict of values:
# the vector spaces autograd's checks work in.

def _is_leaf(x):
    return not isinstance(x, (tuple, list, dict))


def vmap(fn, *xs):
    """Apply `fn` leaf by leaf to values of the same structure."""
    x0 = xs[0]
    if isinstance(x0, dict):
        return {k: vmap(fn, *[x[k] for x in xs]) for k in x0}
    if isinstance(x0, (tuple, list)):
        return type(x0)(vmap(fn, *parts) for parts in zip(*xs))
    return fn(*xs)


def leaves(x):
    if isinstance(x, dict):
        return [leaf for k in x for leaf in leaves(x[k])]
    if isinstance(x, (tuple, list)):
        return [leaf for part in x for leaf in leaves(part)]
    return [x]


def _is_complex_leaf(x):
    return np.iscomplexobj(x)


def randn_like(x, rng):
    def one(leaf):
        shape = np.shape(leaf)
        v = rng.standard_normal(shape)
        if _is_complex_leaf(leaf):
            v = v + 1j * rng.standard_normal(shape)
        if isinstance(leaf, np.ndarray):
            return np.asarray(v, dtype=np.result_type(leaf.dtype, 1.0))
        if isinstance(leaf, np.generic):
            return np.result_type(leaf, 1.0).type(v)
        return complex(v) if _is_complex_leaf(leaf) else float(v)
    return vmap(one, x)


def ones_like_value(x):
    def one(leaf):
        if isinstance(leaf, np.ndarray):
            return np.ones(leaf.shape, dtype=np.result_type(leaf.dtype, 1.0))
        return type(leaf)(1.0) if isinstance(leaf, (float, complex, np.inexact)) else 1.0
    return vmap(one, x)


def zeros_like_value(x):
    return vmap(lambda leaf: np.zeros_like(leaf, dtype=np.result_type(leaf, 1.0))
                if isinstance(leaf, np.ndarray) else 0.0 * leaf, x)


def inner(a, b):
    """Real inner product Re<a, b>, summed over leaves (the metric autograd's checks use)."""
    total = 0.0
    for p, q in zip(leaves(a), leaves(b)):
        p = np.asarray(p)
        q = np.broadcast_to(np.asarray(q), p.shape) if np.ndim(q) < np.ndim(p) else np.asarray(q)
        total += float(np.real(np.vdot(p.ravel(), q.ravel())))
    return total


def axpy(x, v, s):
    """x + s * v, leaf by leaf, keeping Python scalars Python scalars."""
    def one(leaf, d):
        out = leaf + s * d
        if isinstance(leaf, float) and not isinstance(leaf, np.floating):
            return complex(out) if np.iscomplexobj(out) else float(out)
        if isinstance(leaf, complex):
            return complex(out)
        return out
    return vmap(one, x, v)


def conj_value(x):
    return vmap(lambda leaf: np.conj(leaf) if _is_complex_leaf(leaf) else leaf, x)


def structure_of(x):
    """A printable description of a value's structure: shapes and dtypes."""
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {structure_of(v)}" for k, v in x.items()) + "}"
    if isinstance(x, (tuple, list)):
        inner_ = ", ".join(structure_of(v) for v in x)
        return f"({inner_},)" if isinstance(x, tuple) else f"[{inner_}]"
    if isinstance(x, np.ndarray):
        return f"{x.dtype}{list(x.shape)}"
    return type(x).__name__


def same_structure(a, b):
    """Do `a` and `b` have the same structure and leaf shapes?  (None, '') or (False, why)."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            return False, f"{structure_of(a)} vs {structure_of(b)}"
        for k in a:
            ok, why = same_structure(a[k], b[k])
            if not ok:
                return ok, why
        return True, ""
    if isinstance(a, (tuple, list)) or isinstance(b, (tuple, list)):
        if not (isinstance(a, (tuple, list)) and isinstance(b, (tuple, list))) or len(a) != len(b):
            return False, f"{structure_of(a)} vs {structure_of(b)}"
        for p, q in zip(a, b):
            ok, why = same_structure(p, q)
            if not ok:
                return ok, why
        return True, ""
    if np.shape(a) != np.shape(b):
        return False, f"shape {np.shape(a)} vs {np.shape(b)}"
    return True, ""


def scalar_close(a, b):
    return abs(a - b) < TOL or abs(a - b) / abs(a + b) < RTOL


def summary(x, limit=6):
    """A short printable form of a value."""
    if isinstance(x, dict):
        return "{" + ", ".join(f"{k!r}: {summary(v, limit)}" for k, v in x.items()) + "}"
    if isinstance(x, (tuple, list)):
        body = ", ".join(summary(v, limit) for v in x)
        return f"({body})" if isinstance(x, tuple) else f"[{body}]"
    a = np.asarray(x)
    if a.size <= limit:
        return np.array2string(a, precision=6, separator=", ") if a.ndim else repr(
            complex(a) if np.iscomplexobj(a) else float(a))
    flat = a.ravel()[:limit]
    return (f"array{list(a.shape)}[" + ", ".join(f"{v:.6g}" for v in flat) + ", ...]")


# ---------------------------------------------------------------- generated wrappers

_WRAP_DIR = None
_wrappers = {}          # key -> (function, references kept alive)
_wrap_counter = itertools.count(1)


def _wrap_dir():
    global _WRAP_DIR
    if _WRAP_DIR is None:
        base = os.environ.get("TL_ADAPTER_WRAPPERS")
        if base:
            os.makedirs(base, exist_ok=True)
            _WRAP_DIR = tempfile.mkdtemp(prefix="w", dir=base)
        else:
            _WRAP_DIR = tempfile.mkdtemp(prefix="tl_autograd_wrappers_")
    return _WRAP_DIR


_LITERAL_TYPES = (type(None), bool, int, float, str)


def _is_literal(v):
    if type(v) in _LITERAL_TYPES:
        return not (isinstance(v, float) and not np.isfinite(v))
    if type(v) in (tuple, list):
        return all(_is_literal(e) for e in v)
    return False


def _name_of(fun):
    name = getattr(fun, "__name__", None) or type(fun).__name__
    name = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return name or "fun"


def _load(source, globals_, stem):
    path = os.path.join(_wrap_dir(), f"{stem}_{next(_wrap_counter)}.py")
    with open(path, "w") as fh:
        fh.write(source)
    modname = "_tl_autograd_wrappers." + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(modname, path)
    mod = importlib.util.module_from_spec(spec)
    mod.__dict__.update(globals_)
    sys.modules[modname] = mod
    spec.loader.exec_module(mod)
    return mod


def _callee_name(fun):
    """The name the wrappers call `fun` by: its own name where that is a safe identifier
    (so that tangent_like's messages name it), else ``_FUN``."""
    name = getattr(fun, "__name__", None)
    if (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)
            and name not in ("np", "v", "out") and not name.startswith("_KW_")
            and not (name[0] == "a" and name[1:].isdigit())):
        return name
    return "_FUN"


def _call_source(nargs, kwargs, globals_, keep):
    params = [f"a{i}" for i in range(nargs)]
    parts = list(params)
    callee = _callee_name(globals_["_FUN"])
    globals_[callee] = globals_["_FUN"]
    for k, v in kwargs.items():
        if not k.isidentifier() or keyword.iskeyword(k):
            not_adapted(f"keyword argument {k!r}", "not an identifier")
        if _is_literal(v):
            parts.append(f"{k}={v!r}")
        else:
            g = f"_KW_{k}"
            globals_[g] = v
            keep.append(v)
            parts.append(f"{k}={g}")
    return params, f"{callee}({', '.join(parts)})"


def _kw_key(kwargs):
    return tuple((k, repr(v) if _is_literal(v) else ("id", id(v))) for k, v in kwargs.items())


def wrapper(fun, nargs, kwargs):
    """``def _tl_wrap_NAME(a0, ..., a{nargs-1}): return FUN(a0, ..., **kwargs)``, with
    readable source, so that tangent_like can differentiate any callable `fun`."""
    key = ("call", id(fun), nargs, _kw_key(kwargs))
    hit = _wrappers.get(key)
    if hit is not None:
        return hit[0]
    globals_, keep = {"_FUN": fun, "np": np}, [fun]
    params, call = _call_source(nargs, kwargs, globals_, keep)
    name = f"_tl_wrap_{_name_of(fun)}"
    source = (f"# call of {getattr(fun, '__qualname__', repr(fun))} with keyword arguments "
              "baked in\n"
              f"def {name}({', '.join(params)}):\n"
              f"    return {call}\n")
    fn = getattr(_load(source, globals_, name), name)
    _wrappers[key] = (fn, keep)
    return fn


def _projection(expr, ct, path, terms):
    """Append to `terms` the source of Re<ct, expr>, leaf by leaf; `path` indexes ``v``."""
    if isinstance(ct, dict):
        for k in ct:
            _projection(f"{expr}[{k!r}]", ct[k], f"{path}[{k!r}]", terms)
    elif isinstance(ct, (tuple, list)):
        for i, part in enumerate(ct):
            _projection(f"{expr}[{i}]", part, f"{path}[{i}]", terms)
    elif _is_complex_leaf(ct):
        terms.append(f"np.sum(np.real(np.conj({path}) * {expr}))")
    else:
        terms.append(f"np.sum({path} * {expr})")


def scalarized(fun, nargs, kwargs, ct):
    """``def s(a0, ..., v): return Re<v, FUN(a0, ...)>``: a scalar function whose gradient
    is the pullback of cotangent `v` (shaped like `ct`) through `fun`."""
    key = ("scalar", id(fun), nargs, _kw_key(kwargs), structure_of(ct),
           tuple(_is_complex_leaf(c) for c in leaves(ct)))
    hit = _wrappers.get(key)
    if hit is not None:
        return hit[0]
    globals_, keep = {"_FUN": fun, "np": np}, [fun]
    params, call = _call_source(nargs, kwargs, globals_, keep)
    terms = []
    _projection("out", ct, "v", terms)
    name = f"_tl_scalarized_{_name_of(fun)}"
    source = (f"# Re<v, {getattr(fun, '__qualname__', repr(fun))}(...)>: a scalar whose "
              "gradient is the pullback of v\n"
              f"def {name}({', '.join(params + ['v'])}):\n"
              f"    out = {call}\n"
              f"    return {' + '.join(terms) or '0.0'}\n")
    fn = getattr(_load(source, globals_, name), name)
    _wrappers[key] = (fn, keep)
    return fn


# ---------------------------------------------------------------- functions of x
#
# autograd's operators act on a function of one argument x, made from a user function, its
# arguments and `argnum` (x is a tuple of arguments when argnum is a tuple).

class Unary:
    """``x -> fun(*args with x at argnum, **kwargs)``: what ``unary_to_nary`` builds."""

    def __init__(self, fun, args, kwargs, argnum):
        self.fun = fun
        self.args = tuple(args)
        self.kwargs = dict(kwargs)
        self.multi = not isinstance(argnum, int)
        self.argnums = tuple(argnum) if self.multi else (argnum,)
        if len(set(self.argnums)) != len(self.argnums):
            not_adapted("argnum with repeated entries")
        self.__name__ = getattr(fun, "__name__", "fun")

    @property
    def wrt(self):
        return self.argnums if self.multi else self.argnums[0]

    @property
    def x(self):
        if self.multi:
            return tuple(self.args[i] for i in self.argnums)
        return self.args[self.argnums[0]]

    def subst(self, x):
        args = list(self.args)
        xs = x if self.multi else (x,)
        for i, v in zip(self.argnums, xs):
            args[i] = v
        return tuple(args)

    def __call__(self, x):
        return self.fun(*self.subst(x), **self.kwargs)

    # ---- tangent_like's derivatives of x -> fun(...), in tangent_like's convention

    def _base(self):
        """(kind, object): ('plain', wrapper) or ('derivative', tl Differentiable)."""
        if isinstance(self.fun, Op):
            return "derivative", self.fun.tl_derivative(len(self.args), self.kwargs)
        return "plain", wrapper(self.fun, len(self.args), self.kwargs)

    def tl_value(self, x):
        """The function's value at x as tangent_like sees it (a derivative below is taken in
        tangent_like's convention, not autograd's)."""
        if not isinstance(self.fun, Op):
            return self(x)
        return self.fun.tl_derivative(len(self.args), self.kwargs)(*self.subst(x))

    def tl_vjp(self):
        """(out, pullback): pullback(ct) is shaped like x (a tuple for several argnums)."""
        kind, obj = self._base()
        if kind == "plain":
            out, pb = tl.vjp(obj, *self.args, wrt=self.wrt)

            def pull(ct):
                g = pb(ct)
                return tuple(g) if self.multi else g[0]
            return out, pull
        out = obj(*self.args)
        if isinstance(out, (tuple, list, dict)):
            not_adapted("pullback of a derivative with a tuple value")
        parts = []
        for i in self.argnums:
            if np.shape(out) == ():
                parts.append(("grad", tl.grad(obj, wrt=i)(*self.args)))
            else:
                parts.append(("jac", tl.jacobian(obj, wrt=i)(*self.args)))

        def pull(ct):
            res = []
            for kind_, d in parts:
                if kind_ == "grad":
                    res.append(np.conj(ct) * d if np.iscomplexobj(ct) else ct * d)
                else:
                    res.append(np.tensordot(ct, d, axes=np.ndim(out)))
            return tuple(res) if self.multi else res[0]
        return out, pull

    def tl_jvp(self, t):
        """(out, tangent of out) along tangent `t` of x."""
        kind, obj = self._base()
        if kind == "plain":
            return tl.jvp(obj, self.args, tuple(t) if self.multi else t, wrt=self.wrt)
        ts = t if self.multi else (t,)
        value, total = None, None
        for i, ti in zip(self.argnums, ts):
            value, tan = tl.jvp(obj, self.args, ti, wrt=i)
            total = tan if total is None else vmap(lambda a, b: a + b, total, tan)
        return value, total

    def tl_second(self, ct):
        """Callables ``first(args)`` (the first derivative, per argnum, in a form to take
        finite differences of) and ``hvp(u)`` (its derivative along u, per argnum): forward
        mode over tangent_like's reverse mode (or over the derivative below)."""
        kind, obj = self._base()
        if kind == "plain":
            s = scalarized(self.fun, len(self.args), self.kwargs, ct)
            firsts = [tl.grad(s, wrt=i) for i in self.argnums]
            extra = (ct,)
            if not self.multi:              # the documented Hessian-vector product
                h = tl.hvp(s, wrt=self.argnums[0])

                def first(args):
                    return [firsts[0](*(tuple(args) + extra))]
                return first, lambda u: [h(*(self.args + extra), u)]
        else:
            out = obj(*self.args)
            if isinstance(out, (tuple, list, dict)):
                not_adapted("second derivative of a derivative with a tuple value")
            firsts = [tl.grad(obj, wrt=i) if np.shape(out) == () else tl.jacobian(obj, wrt=i)
                      for i in self.argnums]
            extra = ()

        def first(args):
            return [d(*(tuple(args) + extra)) for d in firsts]

        def hvp(u):
            us = u if self.multi else (u,)
            res = []
            for d in firsts:
                total = None
                for j, uj in zip(self.argnums, us):
                    _, tan = tl.jvp(d, self.args + extra, uj, wrt=j)
                    total = tan if total is None else vmap(lambda a, b: a + b, total, tan)
                res.append(total)
            return res
        return first, hvp


def as_unary(fun, x=None):
    """A `Unary` for autograd's core operators, which take a function of one argument."""
    if isinstance(fun, Unary):
        return fun
    return Unary(fun, (x,), {}, 0)


# ---------------------------------------------------------------- differential operators

def _mark_if_plain_fails(exc, fun, args, kwargs):
    """An exception raised while tangent_like runs `fun` is the function's own if `fun`
    raises the same exception type when simply called: mark it so."""
    try:
        fun(*args, **kwargs)
    except Exception as plain:     # noqa: BLE001
        if type(plain) is type(exc):
            exc._tl_adapter_plain_fails = True


def _argnum_wrt(argnum):
    if isinstance(argnum, int):
        return argnum
    return tuple(argnum)


class Op:
    """The result of one of autograd's differential operators, callable like autograd's:
    ``grad(fun, argnum)(*args, **kwargs)``."""

    def __init__(self, kind, fun, argnum=0, **extra):
        assert type(argnum) in (int, tuple, list), argnum
        self.kind = kind
        self.fun = fun
        self.argnum = argnum
        self.extra = extra
        self.__name__ = f"{kind}_of_{getattr(fun, '__name__', '[unknown name]')}_wrt_argnum_{argnum}"
        self.__doc__ = (f"    {kind} of function {getattr(fun, '__name__', '[unknown name]')} "
                        f"with respect to argument number {argnum}. Takes the\n    same "
                        f"arguments as {getattr(fun, '__name__', '[unknown name]')} but "
                        f"returns the {kind}.\n    ")

    def __repr__(self):
        return f"<autograd adapter {self.__name__}>"

    def tl_derivative(self, nargs, kwargs):
        """This derivative as a tangent_like object that can be differentiated again."""
        wrt = _argnum_wrt(self.argnum)
        if isinstance(self.fun, Op):
            base = self.fun.tl_derivative(nargs, kwargs)
        else:
            base = wrapper(self.fun, nargs, kwargs)
        if self.kind == "grad":
            return tl.grad(base, wrt=wrt)
        if self.kind == "jacobian":
            return tl.jacobian(base, wrt=wrt)
        if self.kind == "hessian":
            return tl.hessian(base, wrt=wrt)
        not_adapted(f"{self.kind} of a function differentiated again",
                    "tangent_like nests grad, jacobian and hessian only")

    def __tangent_like_derivative__(self):
        """The tangent_like derivative this stands for, when it is called inside a function
        tangent_like differentiates (``grad(fun)(x)`` in autograd's tests)."""
        params = inspect.signature(self.fun).parameters.values()
        if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
            not_adapted("a derivative of a function with *args called inside another")
        return self.tl_derivative(len(params), {})

    def __call__(self, *args, **kwargs):
        try:
            return _returned(getattr(self, "_call_" + self.kind)(args, kwargs))
        except Exception as exc:
            if classify_exception(exc) == "crash" and not isinstance(exc, InternalError):
                _mark_if_plain_fails(exc, self.fun, args, kwargs)
            raise

    def _unary(self, args, kwargs):
        return Unary(self.fun, args, kwargs, self.argnum)

    def _call_grad(self, args, kwargs):
        if isinstance(self.fun, Op):
            return self.tl_derivative(len(args), kwargs)(*args)
        u = self._unary(args, kwargs)
        g = tl.grad(wrapper(self.fun, len(args), kwargs), wrt=u.wrt)(*args)
        return conj_value(tuple(g) if u.multi else g)

    def _call_value_and_grad(self, args, kwargs):
        if isinstance(self.fun, Op):
            not_adapted("value_and_grad of a derivative")
        u = self._unary(args, kwargs)
        value, g = tl.value_and_grad(wrapper(self.fun, len(args), kwargs), wrt=u.wrt)(*args)
        return value, conj_value(tuple(g) if u.multi else g)

    def _call_elementwise_grad(self, args, kwargs):
        if isinstance(self.fun, Op):
            not_adapted("elementwise_grad of a derivative")
        u = self._unary(args, kwargs)
        out, pull = u.tl_vjp()
        if np.iscomplexobj(out):
            raise TypeError("Elementwise_grad only applies to real-output functions.")
        return conj_value(pull(ones_like_value(out)))

    def _call_deriv(self, args, kwargs):
        u = self._unary(args, kwargs)
        return u.tl_jvp(ones_like_value(u.x))[1]

    _call_holomorphic_grad = _call_deriv

    def _call_jacobian(self, args, kwargs):
        return self.tl_derivative(len(args), kwargs)(*args)

    def _call_hessian(self, args, kwargs):
        if isinstance(self.fun, Op):
            not_adapted("hessian of a derivative")
        return self.tl_derivative(len(args), kwargs)(*args)

    def _call_make_vjp(self, args, kwargs):
        u = self._unary(args, kwargs)
        out, pull = u.tl_vjp()
        return (lambda g: _returned(conj_value(pull(conj_value(g))))), out

    def _call_make_jvp(self, args, kwargs):
        u = self._unary(args, kwargs)
        return lambda v: _returned(u.tl_jvp(v))

    def _call_grad_and_aux(self, args, kwargs):
        u = self._unary(args, kwargs)
        out, pull = u.tl_vjp()
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError("grad_and_aux needs a function returning two values")
        ct = type(out)((ones_like_value(out[0]), zeros_like_value(out[1])))
        return conj_value(pull(ct)), out[1]

    def _call_make_hvp(self, args, kwargs):
        if isinstance(self.fun, Op) or not isinstance(self.argnum, int):
            not_adapted("make_hvp of a derivative or with several argnums")
        w = wrapper(self.fun, len(args), kwargs)
        h = tl.hvp(w, wrt=self.argnum)
        grad_value = tl.grad(w, wrt=self.argnum)(*args)
        return (lambda v: _returned(h(*args, v))), grad_value


def _operator(kind, doc):
    def op(fun, argnum=0):
        return Op(kind, fun, argnum)
    op.__name__ = kind
    op.__doc__ = doc
    op.__tangent_like_derivative_maker__ = True
    return op


grad = _operator("grad", """
    Returns a function which computes the gradient of `fun` with respect to
    positional argument number `argnum` (computed by tangent_like).""")
value_and_grad = _operator("value_and_grad", "Value and gradient (tangent_like).")
elementwise_grad = _operator("elementwise_grad", "Vector-Jacobian product with ones.")
deriv = _operator("deriv", "Jacobian-vector product with ones (tangent_like forward mode).")
holomorphic_grad = _operator("holomorphic_grad", "f'(z) by tangent_like's forward mode.")
jacobian = _operator("jacobian", "tl.jacobian.")
hessian = _operator("hessian", "tl.hessian.")
make_vjp = _operator("make_vjp", "(vjp, value) with tl.vjp.")
make_jvp = _operator("make_jvp", "v -> (value, jvp) with tl.jvp.")
grad_and_aux = _operator("grad_and_aux", "gradient of the first output, and the second.")
make_hvp = _operator("make_hvp", "(hvp, gradient) with tl.hvp.")


def grad_named(fun, argname):
    return grad(fun, list(inspect.signature(fun).parameters).index(argname))


def hessian_tensor_product(fun, argnum=0):
    if not isinstance(argnum, int):
        not_adapted("hessian_tensor_product with several argnums")

    def htp(*args, **kwargs):
        args, vector = args[:-1], args[-1]
        x = args[argnum]
        w = wrapper(fun, len(args), kwargs)
        if np.shape(vector) == np.shape(x):
            return _returned(tl.hvp(w, wrt=argnum)(*args, vector))
        H = tl.hessian(w, wrt=argnum)(*args)
        return _returned(np.tensordot(H, vector, np.ndim(vector)))
    return htp


hessian_vector_product = hessian_tensor_product


def tensor_jacobian_product(fun, argnum=0):
    if not isinstance(argnum, int):
        not_adapted("tensor_jacobian_product with several argnums")

    def tjp(*args, **kwargs):
        args, vector = args[:-1], args[-1]
        u = Unary(fun, args, kwargs, argnum)
        out, pull = u.tl_vjp()
        if np.shape(vector) == np.shape(out):
            return _returned(conj_value(pull(conj_value(vector))))
        J = tl.jacobian(wrapper(fun, len(args), kwargs), wrt=argnum)(*args)
        return _returned(np.tensordot(vector, J, axes=np.ndim(vector)))
    return tjp


vector_jacobian_product = tensor_jacobian_product


def checkpoint(fun):
    """Checkpointing changes memory use, not values: the function itself."""
    return fun


def _not_adapted_op(name, why="no tangent_like counterpart"):
    def op(*args, **kwargs):
        not_adapted(name, why)
    op.__name__ = name
    return op


make_ggnvp = _not_adapted_op("make_ggnvp")
multigrad_dict = _not_adapted_op("multigrad_dict")
make_jvp_reversemode = _not_adapted_op("make_jvp_reversemode")


# core.make_vjp / core.make_jvp: unary, (fun, x)

def core_make_vjp(fun, x):
    u = as_unary(fun, x)
    out, pull = u.tl_vjp()
    return (lambda g: _returned(conj_value(pull(conj_value(g))))), out


def core_make_jvp(fun, x):
    u = as_unary(fun, x)
    return lambda v: _returned(u.tl_jvp(v))


def unary_to_nary(unary_operator):
    """autograd.wrap_util.unary_to_nary: the unary function handed to `unary_operator` is a
    `Unary`, which the adapter's core operators turn back into a call of the user's function."""
    @functools.wraps(unary_operator)
    def nary_operator(fun, argnum=0, *op_args, **op_kwargs):
        assert type(argnum) in (int, tuple, list), argnum

        def nary_f(*args, **kwargs):
            u = Unary(fun, args, kwargs, argnum)
            return unary_operator(u, u.x, *op_args, **op_kwargs)
        nary_f.__name__ = (f"{getattr(unary_operator, '__name__', 'op')}_of_"
                           f"{getattr(fun, '__name__', '[unknown name]')}_wrt_argnum_{argnum}")
        return nary_f
    return nary_operator


# ---------------------------------------------------------------- primitive / defvjp

def primitive(f):
    """autograd's ``primitive``: the function itself; `defvjp`/`defjvp` give it a
    tangent_like rule (which replaces the transformation of its source, if it has one)."""
    if not callable(f):
        raise TypeError(f"primitive needs a callable, not {type(f).__name__}")
    try:
        f._tl_autograd_vjps = {}
        f._tl_autograd_jvps = {}
        f.defvjp = functools.partial(_deprecated_defvjp, f)
        f.defgrad = functools.partial(_deprecated_defgrad, f)
        f.defvjp_is_zero = functools.partial(_deprecated_defvjp_is_zero, f)
    except (AttributeError, TypeError):
        not_adapted("primitive of a callable that takes no attributes",
                    f"{type(f).__name__}")
    return f


notrace_primitive = _not_adapted_op("notrace_primitive")

_helper_counter = itertools.count(1)


def _params_of(f):
    try:
        sig = inspect.signature(f)
    except (TypeError, ValueError):
        not_adapted("defvjp of a function without a signature")
    params = list(sig.parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        not_adapted("defvjp of a function with *args or **kwargs")
    return params


def _template_names(params):
    """Parameter names for the rule's templates: the function's own, unless one of them
    clashes with a template name (g, y, or the tangent dNAME of another parameter); then
    positional names _p0, _p1, ... (the rule then binds positional calls only)."""
    names = [p.name for p in params]
    clash = any(n in ("g", "y", "np", "math") or (n.startswith("d") and n[1:] in names)
                for n in names)
    if clash:
        return [f"_p{i}" for i in range(len(names))]
    return names


def _helper(fn, stem):
    name = f"_tl_autograd_{stem}_{next(_helper_counter)}"
    fn.__name__ = name
    tl.helper(fn)
    return name


def _register(f):
    params = _params_of(f)
    names = _template_names(params)
    spec = ", ".join(n if p.default is p.empty else f"{n}={p.default!r}"
                     for n, p in zip(names, params))
    vjps, jvps = {}, {}
    for i, maker in f._tl_autograd_vjps.items():
        if i >= len(names):
            continue

        def vjp_helper(g, y, *args, _maker=maker):
            return _maker(y, *args)(g)
        vjps[names[i]] = f"{_helper(vjp_helper, 'vjp')}(g, y, {', '.join(names)})"
    for i, maker in f._tl_autograd_jvps.items():
        if i >= len(names):
            continue

        def jvp_helper(d, y, *args, _maker=maker):
            return _maker(d, y, *args)
        jvps[names[i]] = f"{_helper(jvp_helper, 'jvp')}(d{names[i]}, y, {', '.join(names)})"
    tl.defrule(f, spec, vjp=vjps or None, jvp=jvps or None)


def defvjp(fun, *vjpmakers, **kwargs):
    """autograd's ``defvjp(fun, vjpmaker0, vjpmaker1, ..., argnums=...)``:
    ``vjpmaker(ans, *args)`` returns ``g -> contribution``; a None maker means zero."""
    if not hasattr(fun, "_tl_autograd_vjps"):
        primitive(fun)
    if set(kwargs) - {"argnums"}:
        not_adapted(f"defvjp keyword {sorted(set(kwargs) - {'argnums'})}")
    argnums = kwargs.get("argnums", range(len(vjpmakers)))
    for i, maker in zip(argnums, vjpmakers):
        if maker is None:
            maker = _zero_vjp(fun, i)
        fun._tl_autograd_vjps[i] = _convention_vjp(maker)
    _register(fun)


def _convention_vjp(maker):
    """autograd's vjps are conjugates of tangent_like's (see the module docstring)."""
    def tl_maker(ans, *args):
        vjp = maker(ans, *args)
        return lambda g: conj_value(vjp(conj_value(g)))
    return tl_maker


def _zero_vjp(fun, i):
    return lambda ans, *args: (lambda g: zeros_like_value(args[i]))


def defjvp(fun, *jvpmakers, **kwargs):
    """autograd's ``defjvp(fun, jvpmaker0, ...)``: ``jvpmaker(g, ans, *args)`` is the
    tangent of the result for tangent ``g`` of the argument."""
    if not hasattr(fun, "_tl_autograd_jvps"):
        primitive(fun)
    if set(kwargs) - {"argnums"}:
        not_adapted(f"defjvp keyword {sorted(set(kwargs) - {'argnums'})}")
    argnums = kwargs.get("argnums", range(len(jvpmakers)))
    for i, maker in zip(argnums, jvpmakers):
        if maker is None:
            continue
        if maker == "same":
            maker = (lambda g, ans, *args, _f=fun, _i=i: _f(*(args[:_i] + (g,) + args[_i + 1:])))
        fun._tl_autograd_jvps[i] = maker
    _register(fun)


def _deprecated_defvjp(fun, vjpfun, argnum=0):
    # old signature: vjpfun(g, ans, vs, gvs, *args)
    fun._tl_autograd_vjps[argnum] = _convention_vjp(
        lambda ans, *args: (lambda g: vjpfun(g, ans, None, None, *args)))
    _register(fun)


def _deprecated_defgrad(fun, gradfun, argnum=0):
    # old signature: gradfun(ans, *args) -> (g -> contribution)
    fun._tl_autograd_vjps[argnum] = _convention_vjp(gradfun)
    _register(fun)


def _deprecated_defvjp_is_zero(fun, argnums=(0,)):
    for i in argnums:
        fun._tl_autograd_vjps[i] = _zero_vjp(fun, i)
    _register(fun)


def defvjp_argnum(fun, vjpmaker):
    not_adapted("defvjp_argnum")


def defjvp_argnum(fun, jvpmaker):
    not_adapted("defjvp_argnum")


def defvjp_argnums(fun, vjpmaker):
    not_adapted("defvjp_argnums")


def defjvp_argnums(fun, jvpmaker):
    not_adapted("defjvp_argnums")


# ---------------------------------------------------------------- gradient checks

def _numeric_jvp(fn, x, v, eps=EPS):
    """Central difference (f(x + v eps/2) - f(x - v eps/2)) / eps, as in autograd."""
    plus = fn(axpy(x, v, eps / 2))
    minus = fn(axpy(x, v, -eps / 2))
    return vmap(lambda p, m: (p - m) / eps, plus, minus)


def _rng():
    seed = zlib.crc32(f"{STATE.nodeid}#{next(STATE.check_counter)}".encode())
    return np.random.default_rng(seed)


def _fun_name(fun):
    return getattr(fun, "__qualname__", None) or getattr(fun, "__name__", repr(fun))


class Check:
    """One call of check_grads: the function, its arguments, and the steps run."""

    def __init__(self, fun, args, kwargs, argnum, modes, order):
        self.unary = Unary(fun, args, kwargs, argnum) if not isinstance(fun, Unary) else fun
        self.modes = tuple(modes)
        self.order = order
        self.fun = fun
        self.desc = {
            "fun": _fun_name(fun.fun if isinstance(fun, Unary) else fun),
            "fun_file": _source_file(fun.fun if isinstance(fun, Unary) else fun),
            "args": structure_of(self.unary.args),
            "kwargs": {k: (repr(v) if _is_literal(v) else structure_of(v))
                       for k, v in self.unary.kwargs.items()},
            "argnum": list(self.unary.argnums) if self.unary.multi else self.unary.argnums[0],
            "derivative_of": (self.unary.fun.__name__ if isinstance(self.unary.fun, Op)
                              else None),
        }

    def run(self):
        u = self.unary
        try:
            self.ans = u.tl_value(u.x)
        except Exception as exc:       # noqa: BLE001 (classified, then re-raised)
            _record(self, "value", classify_exception(exc), exc=exc)
            if not STATE.keep_going:
                raise
            return
        steps = []
        if "rev" in self.modes:
            steps.append(("rev", self.check_rev))
        if "fwd" in self.modes:
            steps.append(("fwd", self.check_fwd))
        if self.order > 1:
            steps.append(("2nd", self.check_second))
        failure = None
        for name, step in steps:
            try:
                info = step()
                _record(self, name, "pass", info=info)
            except GradientMismatch as exc:
                _record(self, name, "WRONG", exc=exc, info=exc.info)
                failure = failure or exc
            except Exception as exc:       # noqa: BLE001 (classified, then re-raised)
                cls = classify_exception(exc)
                _record(self, name, cls, exc=exc)
                failure = failure or exc
            if failure is not None and not STATE.keep_going:
                raise failure

    # each step returns a dict of what it compared, or raises GradientMismatch

    def _compare(self, step, exact, numeric_fn, extra=None):
        numeric = numeric_fn(EPS)
        info = {"got": exact, "expected": numeric, "eps": EPS}
        if extra:
            info.update(extra)
        if scalar_close(numeric, exact):
            return info
        for eps in RETRY_EPS:
            try:
                alt = numeric_fn(eps)
            except Exception:    # noqa: BLE001 (a step outside the domain)
                continue
            if abs(alt - exact) <= RETRY_RTOL * max(abs(alt), abs(exact)) + TOL:
                info.update(expected=alt, eps=eps)
                return info
        what = {"rev": "Derivative (VJP) check of {}", "fwd": "Derivative (JVP) check of {}",
                "2nd": "Derivative (VJP) check of vjp_{} (second order: forward over reverse)"}
        name = getattr(self.unary.fun, "__name__", self.desc["fun"])
        raise GradientMismatch(
            f"{what[step].format(name)} failed with args {self.desc['args']}:\n"
            f"tangent_like:        {exact!r}\nfinite differences:  {numeric!r}", info)

    def _check_value(self, out, step):
        ok, why = same_structure(out, self.ans)
        if not ok:
            raise GradientMismatch(f"{step}: tangent_like's primal value has another structure "
                                   f"({why})", {"got": structure_of(out),
                                                "expected": structure_of(self.ans)})
        for a, b in zip(leaves(out), leaves(self.ans)):
            if not np.allclose(a, b, rtol=1e-7, atol=1e-10, equal_nan=True):
                raise GradientMismatch(f"{step}: tangent_like's primal value differs from the "
                                       "function's", {"got": summary(out),
                                                      "expected": summary(self.ans)})

    def check_rev(self):
        u = self.unary
        out, pull = u.tl_vjp()
        _returned(out)
        self._check_value(out, "rev")
        rng = _rng()
        x_v, y_v = randn_like(u.x, rng), randn_like(out, rng)
        g = pull(y_v)
        ok, why = same_structure(g, u.x)
        if not ok:
            raise GradientMismatch(f"rev: the pullback is not shaped like the argument ({why})",
                                   {"got": structure_of(g), "expected": structure_of(u.x)})
        exact = inner(x_v, g)
        return self._compare("rev", exact,
                             lambda eps: inner(y_v, _numeric_jvp(u.tl_value, u.x, x_v, eps)),
                             {"pullback": summary(g)})

    def check_fwd(self):
        u = self.unary
        rng = _rng()
        x_v = randn_like(u.x, rng)
        out, tan = u.tl_jvp(x_v)
        _returned(tan)
        self._check_value(out, "fwd")
        ok, why = same_structure(tan, self.ans)
        if not ok:
            raise GradientMismatch(f"fwd: the tangent is not shaped like the value ({why})",
                                   {"got": structure_of(tan), "expected": structure_of(self.ans)})
        w = randn_like(self.ans, rng)
        exact = inner(w, tan)
        return self._compare("fwd", exact,
                             lambda eps: inner(w, _numeric_jvp(u.tl_value, u.x, x_v, eps)),
                             {"tangent": summary(tan)})

    def check_second(self):
        u = self.unary
        rng = _rng()
        ct = randn_like(self.ans, rng)
        first, hvp = u.tl_second(ct)
        dir_u = randn_like(u.x, rng)
        hv = hvp(dir_u)
        _returned(hv)
        ws = [randn_like(h, rng) for h in hv]
        exact = sum(inner(w, h) for w, h in zip(ws, hv))

        def numeric(eps):
            plus = first(u.subst(axpy(u.x, dir_u, eps / 2)))
            minus = first(u.subst(axpy(u.x, dir_u, -eps / 2)))
            return sum(inner(w, vmap(lambda p, m: (p - m) / eps, p_, m_))
                       for w, p_, m_ in zip(ws, plus, minus))
        return self._compare("2nd", exact, numeric, {"hvp": summary(hv)})


def _source_file(fun):
    try:
        return os.path.basename(inspect.getsourcefile(fun) or "")
    except (TypeError, OSError):
        return ""


def _record(check, step, cls, exc=None, info=None):
    rec = dict(check.desc)
    rec.update(step=step, cls=cls, test=STATE.nodeid,
               modes=list(check.modes), order=check.order)
    if exc is not None:
        rec["exc_type"] = type(exc).__name__
        rec["message"] = str(exc)[:2000]
        rec["where"] = innermost_frame(exc)
        rec["tl_where"] = innermost_tl_frame(exc)
        rec["_exc"] = exc
    if info:
        rec["got"] = info.get("got") if isinstance(info.get("got"), str) else repr(info.get("got"))
        rec["expected"] = (info.get("expected") if isinstance(info.get("expected"), str)
                           else repr(info.get("expected")))
        for k in ("pullback", "tangent", "hvp", "eps"):
            if k in info:
                rec[k] = info[k]
    STATE.records.append(rec)


def check_grads(fun, argnum=0, modes=("fwd", "rev"), order=2):
    """autograd's ``check_grads(fun, argnum, modes, order)(*args, **kwargs)``, checking
    tangent_like: reverse mode (a random pullback against a central finite difference of
    the function, projected on random vectors), forward mode (likewise), and, for
    ``order >= 2``, forward mode over reverse mode (the derivative of the pullback along a
    random direction, by ``tl.hvp`` of ``Re<v, f(x)>`` -- or ``tl.jvp(tl.grad(...))`` for
    several argnums and for derivatives -- against a finite difference of tangent_like's own
    pullback).  Order 2 is checked once (tangent_like has no forward over forward), and
    higher orders are not."""
    assert all(m in ("fwd", "rev") for m in modes), modes

    def checker(*args, **kwargs):
        Check(fun, args, kwargs, argnum, modes, order).run()
    return checker


def check_vjp(f, x):
    Check(as_unary(f, x), None, None, 0, ("rev",), 1).run()


def check_jvp(f, x):
    Check(as_unary(f, x), None, None, 0, ("fwd",), 1).run()


def check_equivalent(x, y):
    ok, why = same_structure(x, y)
    assert ok, f"VSpace mismatch:\nx: {structure_of(x)}\ny: {structure_of(y)}"
    v = randn_like(x, np.random.default_rng(0))
    assert scalar_close(inner(x, v), inner(y, v)), f"Value mismatch:\nx: {x}\ny: {y}"


def combo_check(fun, *args, **kwargs):
    """All combinations of the given argument and keyword values."""
    def _combo_check(*arg_lists, **kwarg_lists):
        kv = [[(k, v) for v in vs] for k, vs in kwarg_lists.items()]
        for _args in itertools.product(*arg_lists):
            for _kwargs in itertools.product(*kv):
                check_grads(fun, *args, **kwargs)(*_args, **dict(_kwargs))
    return _combo_check


def quick_grad_check(fun, arg0, extra_args=(), kwargs={}, verbose=True, eps=1e-4,
                     rtol=1e-4, atol=1e-6, rs=None):
    warnings.warn("quick_grad_check is deprecated", stacklevel=2)
    check_grads(fun, 0, ("rev",), 1)(arg0, *extra_args, **kwargs)


class Stub:
    """A stand-in for an autograd-only name: importing it works, using it (calling,
    indexing, reading an attribute) raises `NotAdaptedError`, so a test module still
    imports and its other tests run."""

    def __init__(self, qualname, why):
        self.__dict__["_qualname"] = qualname
        self.__dict__["_why"] = why
        STUB_NAMES.add(qualname.rsplit(".", 1)[-1])

    def _fail(self, *args, **kwargs):
        not_adapted(self._qualname, self._why)

    __call__ = __getitem__ = __setitem__ = __iter__ = __len__ = _fail

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._fail()

    def __repr__(self):
        return f"<not adapted: {self._qualname}>"


STUB_NAMES = set()


def stub(qualname, why="not part of what the adapter maps onto tangent_like"):
    return Stub(qualname, why)


def module_getattr(prefix, why):
    """A module ``__getattr__`` returning stubs for the names it does not define."""
    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        return stub(f"{prefix}.{name}", why)
    return __getattr__
