"""Compile lowered generated code with numba (``backend="numba"``).

`attach` takes a loaded `Compiled` (the Python code, kept to fall back on) and its
generated definitions, lowers them (`lower_numba`), compiles every generated function with
``numba.njit`` in a namespace of its own, and points the compiled derivative's entry at the
result.  Numba compiles at the first call, for the types of the arguments; when it cannot
(a construct or a NumPy function outside its nopython subset), the Python code runs
instead, with a `NumbaFallbackWarning` saying why -- never a numba traceback.

Numba reads global values once, when it compiles: a generated function reading a global
float of the user's keeps the value it had.  So the compiled derivative depends on such
globals by identity (rebinding one compiles again), and a global array -- which can change
in place without any rebinding -- is not read from numba code at all: the Python code runs,
and the warning says to pass the array as an argument.
"""
import builtins
import inspect
import math
import types
import warnings

import numpy as np

from .. import runtime
from ..analysis import lattice
from ..errors import DerivativeUsageError
from ..loader import source_of
from ..syntax import nodes
from ..syntax.scopes import local_names
from . import jit_kernels
from .lower_numba import NotLowered, lower


class NumbaFallbackWarning(UserWarning):
    """A derivative asked for with ``backend="numba"`` runs as Python code (the reason)."""


_KERNELS = {}          # name -> numba version of a runtime kernel (made once per process)
_USER = {}             # id(user function) -> (function, its numba dispatcher)


def numba_module():
    try:
        import numba
    except ImportError:
        raise DerivativeUsageError(
            "backend='numba' needs numba: pip install 'tangent_like[numba]'") from None
    return numba


def kernels():
    """The kernels lowered code calls, compiled once per process."""
    if _KERNELS:
        return _KERNELS
    numba = numba_module()
    njit = numba.njit

    @njit
    def tape_room(tape, top, k):
        """`tape`, or a copy twice as large when `k` more values would not fit."""
        if top + k <= tape.shape[0]:
            return tape
        bigger = np.empty(2 * tape.shape[0] + k, tape.dtype)
        for j in range(top):
            bigger[j] = tape[j]
        return bigger

    @njit
    def reversed_range(r):
        """``reversed(r)`` of a range, as a range."""
        n = len(r)
        return range(r.start + (n - 1) * r.step, r.start - r.step, -r.step)

    @njit
    def range_part(r, start, size):
        """Iterations `start` to `start + size` of range `r`, as a range."""
        stop = min(start + size, len(r))
        return range(r.start + start * r.step, r.start + stop * r.step, r.step)

    @njit
    def range_head(r, n):
        """The first `n` items of range `r`, as a range."""
        return range(r.start, r.start + n * r.step, r.step)

    made = {"tape_room": tape_room, "reversed_range": reversed_range, "range_head": range_head,
            "range_part": range_part,
            "seed_of_float": seed_of_float,
            "tape_push_array": tape_push_array, "tape_pop_array": tape_pop_array, **_STUBS}
    _array_kernels(numba, tape_room)
    jit_kernels.install(numba)
    _KERNELS.update(made)
    return _KERNELS


def tape_push_array(tape, top, a, ndim):
    """``(tape, top)`` after copying the elements of the float64 array `a` onto `tape` (made
    larger when needed); numba code only (an array of another dtype, or of another rank
    than `ndim`, is refused when numba compiles it)."""
    raise NotImplementedError("numba code only")


def _stub(name, doc):
    def stub(*args):
        raise NotImplementedError("numba code only")
    stub.__name__ = stub.__qualname__ = name
    stub.__doc__ = doc
    return stub


# runtime kernels with a numba version of their own (the others are compiled as they are)
_STUBS = {name: _stub(name, f"The numba version of the runtime kernel {name}.")
          for name in ("is_zero", "cj", "re_like", "tape_float",
                       "adjoint_zeros", "checkpoint_every", "with_item")}
_STUBS.update(jit_kernels.STUBS)      # (the kernels of array code)


def seed_of_float(value):
    """1.0, the seed of the gradient of a function whose value is a float; numba code only
    (any other value is refused when numba compiles it: the Python code checks it)."""
    raise NotImplementedError("numba code only")


def tape_pop_array(tape, top, shape):
    """``(top, a)``: a copy of the array of `shape` recorded last on `tape`."""
    raise NotImplementedError("numba code only")


def _array_kernels(numba, tape_room):
    from numba.core import types as nt
    from numba.core.errors import TypingError
    from numba.extending import overload

    @overload(tape_push_array, prefer_literal=True)
    def _push(tape, top, a, ndim):
        if not (isinstance(a, nt.Array) and a.dtype == nt.float64):
            raise TypingError(f"the numba backend records arrays of float64 only, not {a}")
        if not isinstance(ndim, nt.IntegerLiteral) or ndim.literal_value != a.ndim:
            raise TypingError(f"the numba backend records {a} where it expects an array "
                              f"of rank {getattr(ndim, 'literal_value', ndim)}")

        def impl(tape, top, a, ndim):
            flat = np.ascontiguousarray(a).ravel()
            tape = tape_room(tape, top, flat.size)
            for j in range(flat.size):
                tape[top + j] = flat[j]
            return tape, top + flat.size
        return impl

    @overload(seed_of_float)
    def _seed(value):
        if not isinstance(value, (nt.Float, nt.Integer, nt.Boolean)):
            raise TypingError(f"the value of the function is {value}, not a float")
        return lambda value: 1.0

    @overload(_STUBS["is_zero"])
    def _is_zero(v):
        if isinstance(v, (nt.NoneType, nt.Omitted)):
            return lambda v: True
        if isinstance(v, nt.Float):
            return lambda v: v == 0.0
        return lambda v: False

    @overload(_STUBS["tape_float"])
    def _tape_float(v):       # a value of a kind the analysis left open, recorded as a float
        if isinstance(v, (nt.Integer, nt.Boolean)):
            return lambda v: float(v)       # (exact below 2 ** 53)
        if not isinstance(v, nt.Float):
            raise TypingError(f"the numba backend records {v} where it expects a float")
        return lambda v: v

    @overload(_STUBS["adjoint_zeros"])
    def _adjoint_zeros(x):
        if not (isinstance(x, nt.Array) and isinstance(x.dtype, nt.Float)):
            raise TypingError(f"the numba backend accumulates adjoints of float arrays, "
                              f"not of {x}")
        return lambda x: np.zeros_like(x)

    @overload(_STUBS["with_item"])
    def _with_item(a, index, v):
        if not isinstance(a, nt.Array):
            raise TypingError(f"the numba backend writes into arrays, not into {a}")

        def impl(a, index, v):
            b = a.copy()
            b[index] = v
            return b
        return impl

    @overload(_STUBS["checkpoint_every"])
    def _checkpoint_every(n, scheme):
        if isinstance(scheme, nt.Integer):
            return lambda n, scheme: max(1, -(-n // scheme))

        def sqrt_every(n, scheme):
            every = max(1, int(np.sqrt(max(n - 1, 0))) + 1)
            while (every - 1) * (every - 1) >= n and every > 1:
                every -= 1          # (the integer square root, as math.isqrt gives it)
            return every
        return sqrt_every

    @overload(_STUBS["cj"])
    def _cj(x):
        if isinstance(x, nt.Complex) or (isinstance(x, nt.Array)
                                         and isinstance(x.dtype, nt.Complex)):
            return lambda x: np.conj(x)
        return lambda x: x

    @overload(_STUBS["re_like"])
    def _re_like(v, x):
        def real(t):
            return isinstance(t, (nt.Float, nt.Integer, nt.Boolean)) or (
                isinstance(t, nt.Array) and not isinstance(t.dtype, nt.Complex))
        if real(v):
            return lambda v, x: v
        if not real(x):
            return lambda v, x: v
        return lambda v, x: v.real

    @overload(tape_pop_array)
    def _pop(tape, top, shape):
        def impl(tape, top, shape):
            size = 1
            for d in shape:
                size *= d
            start = top - size
            # a copy: the adjoint sweep may record again (a checkpointed loop runs its
            # segments again) where the array lay, while the array is still read
            return start, tape[start:top].copy().reshape(shape)
        return impl


def attach(compiled, defs, program, entry_name, func):
    """`compiled` with its entry (reverse mode) or forward function compiled by numba; the
    Python code when the generated code cannot be lowered (with a warning)."""
    numba = numba_module()
    root = program.order[0]
    try:
        if func.__closure__:
            raise NotLowered("it reads variables of an enclosing function (numba would "
                             "freeze them); make them arguments")
        code = func.__code__
        if code.co_kwonlyargcount or code.co_flags & (inspect.CO_VARARGS
                                                      | inspect.CO_VARKEYWORDS):
            raise NotLowered("numba compiles functions with positional parameters only "
                             "(no keyword-only parameters, *args or **kwargs)")
        lowered = lower(defs, entry_name, root.result_kind)
        namespace, frozen = _namespace(lowered, program)
    except NotLowered as exc:
        _warn(func, str(exc))
        return compiled
    header = compiled.source.split("\n", 1)[0] + " Compiled by numba (nopython mode)."
    source = source_of(lowered, header)
    code = compile(source, f"<tangent_like numba {func.__name__}>", "exec")
    exec(code, namespace)
    python = compiled.functions
    for _, fdef in lowered:
        f = namespace[fdef.name]
        original = python.get(fdef.name)
        if original is not None and original.__defaults__ and fdef.name == (
                entry_name or root.forward_name):
            f.__defaults__ = original.__defaults__
        namespace[fdef.name] = numba.njit(f)
    name = entry_name or root.forward_name
    guarded = _Guarded(namespace[name], getattr(compiled, "entry" if entry_name else "forward"),
                       func)
    compiled.source = source
    compiled.deps = list(compiled.deps) + frozen
    compiled.cells = ()
    if entry_name:
        compiled.entry = guarded
    else:
        compiled.forward = guarded
    compiled.backend = "numba"
    return compiled


class _Guarded:
    """The numba-compiled entry; the Python one when numba cannot compile it for the
    arguments of a call (then for good: the warning is given once)."""

    def __init__(self, jitted, python, func):
        self.jitted = jitted
        self.python = python
        self.func = func

    def __call__(self, *args, **kwargs):
        if self.jitted is not None:
            try:
                return self.jitted(*args, **kwargs)
            except Exception as exc:
                if not self._failed_to_compile(exc, args, kwargs):
                    raise       # an error of the running code (as the Python code raises)
                self.jitted = None
                _warn(self.func, "numba could not compile it: " + _reason(exc))
        return self.python(*args, **kwargs)

    def _failed_to_compile(self, exc, args, kwargs):
        """Did `exc` come from numba compiling the code for these arguments (numba's own
        errors, and any other error of its compiler), not from running it?"""
        if isinstance(exc, numba_module().core.errors.NumbaError) or kwargs:
            return True
        try:
            self.jitted.compile(tuple(self.jitted.typeof_pyval(a) for a in args))
        except Exception:
            return True
        return False


def _reason(exc):
    """The informative line of a numba compile error (not its 'Failed in ...' heading)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()] or [
        f"{type(exc).__name__} in numba's compiler"]
    useful = [ln for ln in lines if not ln.startswith(("Failed in", "During:", "File "))]
    return (useful or lines or [type(exc).__name__])[0][:300]


def _warn(func, reason):
    warnings.warn(f"tangent_like: the numba backend runs the derivative of "
                  f"{func.__qualname__} as Python code: {reason}", NumbaFallbackWarning,
                  stacklevel=4)


def _namespace(lowered, program):
    """The globals of the lowered code: the kernels, NumPy and math, the user's globals it
    reads (functions compiled by numba too; numbers frozen, and returned as dependencies
    by identity); global arrays and other objects are refused."""
    names = {fdef.name for _, fdef in lowered}
    ns = {"np": np, "math": math, "__builtins__": builtins}
    frozen = []
    own = kernels()
    for unit, fdef in lowered:
        user = unit.parsed.namespace
        for name in sorted(nodes.loaded_names(fdef) - local_names(fdef) - names):
            if name in ns:
                continue
            if name in own:
                ns[name] = own[name]
            elif name in user.closure:
                raise NotLowered(f"it reads {name!r} of an enclosing function")
            elif name in user.globals:
                ns[name] = _global(name, user.globals[name], user.globals, frozen)
            elif name in runtime.HELPERS:
                ns[name] = _kernel(name, runtime.HELPERS[name])
            elif not hasattr(builtins, name):
                raise NotLowered(f"it reads {name!r}, which is not defined")
    return ns, frozen


def _kernel(name, fn):
    """The runtime kernel `fn` compiled by numba as it is, reading the numba versions of
    the kernels it calls."""
    made = _KERNELS.get(name)
    if made is None:
        scope = dict(fn.__globals__)
        for called in fn.__code__.co_names:
            if called in _STUBS or called in kernels():
                scope[called] = _KERNELS[called]
            elif called in runtime.HELPERS and called != name:
                scope[called] = _kernel(called, runtime.HELPERS[called])
        copy = types.FunctionType(fn.__code__, scope, fn.__name__, fn.__defaults__,
                                  fn.__closure__)
        copy.__doc__ = fn.__doc__
        made = _KERNELS[name] = numba_module().njit(copy)
    return made


def _global(name, value, globals_, frozen):
    if isinstance(value, types.ModuleType):
        return value
    if isinstance(value, types.FunctionType):
        hit = _USER.get(id(value))
        if hit is None or hit[0] is not value:
            hit = _USER[id(value)] = (value, numba_module().njit(value))
        frozen.append((globals_, name, value, None))
        return hit[1]
    if isinstance(value, (bool, int, float, complex, np.number)) or lattice.is_function_value(
            value):
        frozen.append((globals_, name, value, None))
        return value
    if isinstance(value, np.ndarray):
        raise NotLowered(f"it reads the global array {name!r}, which numba would freeze "
                         "(a change to it in place would go unseen); pass it as an argument")
    raise NotLowered(f"it reads the global {name!r} of type {type(value).__name__}")
