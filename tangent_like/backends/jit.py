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
import hashlib
import inspect
import json
import math
import os
import sys
import types
import warnings

import numpy as np

from .. import runtime
from ..runtime.core import caller_level
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


def attach(compiled, defs, program, entry_name, func, disk=None):
    """`compiled` with its entry (reverse mode) or forward function compiled by numba; the
    Python code when the generated code cannot be lowered (with a warning).  `disk`: the
    persistent cache's side of the request (`persistent.Request`), or None: the lowered
    code is kept there too, and numba keeps what it compiles beside it (`attach_stored`)."""
    root = program.order[0]
    entry = entry_name or root.forward_name
    try:
        _check_signature(func)
        lowered = lower(defs, entry_name, root.result_kind)
        names = {fdef.name for _, fdef in lowered}
        reads = {fdef.name: sorted(nodes.loaded_names(fdef) - local_names(fdef) - names)
                 for _, fdef in lowered}
        namespace, frozen = _namespace(
            (reads[fdef.name], unit.parsed.namespace.globals, unit.parsed.namespace.closure)
            for unit, fdef in lowered)
    except NotLowered as exc:
        if disk is not None:
            disk.store_extra("numba", {"refused": str(exc)})
        _warn(func, str(exc))
        return compiled
    header = compiled.source.split("\n", 1)[0] + " Compiled by numba (nopython mode)."
    source = source_of(lowered, header)
    order = [fdef.name for _, fdef in lowered]
    if disk is not None:
        disk.store_extra("numba", {"source": source, "names": order, "entry": entry,
                                   "reverse": entry_name is not None, "reads": reads})
    return _jit(compiled, source, order, entry, entry_name is not None, namespace, frozen,
                func, disk)


def attach_stored(compiled, disk, func):
    """`compiled`, loaded from the persistent cache, compiled by numba from the lowered code
    kept beside it (numba's own compiled code is loaded from there, when it was kept for
    the same code, global values and helpers); None when nothing was kept."""
    data = disk.load_extra("numba")
    if data is None:
        return None
    if "refused" in data:
        _warn(func, data["refused"])
        return compiled
    try:
        names, reads = list(data["names"]), dict(data["reads"])
        source, entry, reverse = str(data["source"]), str(data["entry"]), bool(data["reverse"])
        python = [compiled.functions[n] for n in names]
    except (KeyError, TypeError, ValueError):
        return None
    skip = set(names) | set(runtime.HELPERS) | {"np", "math"}
    try:
        _check_signature(func)
        namespace, frozen = _namespace(
            (reads[n], f.__globals__, set(f.__code__.co_freevars) - skip
             - {b for b in dir(builtins) if b not in f.__globals__})
            for n, f in zip(names, python))
    except NotLowered as exc:
        _warn(func, str(exc))
        return compiled
    except KeyError:
        return None
    return _jit(compiled, source, names, entry, reverse, namespace, frozen, func, disk)


def _check_signature(func):
    if func.__closure__:
        raise NotLowered("it reads variables of an enclosing function (numba would "
                         "freeze them); make them arguments")
    code = func.__code__
    if code.co_kwonlyargcount or code.co_flags & (inspect.CO_VARARGS
                                                  | inspect.CO_VARKEYWORDS):
        raise NotLowered("numba compiles functions with positional parameters only "
                         "(no keyword-only parameters, *args or **kwargs)")


def _jit(compiled, source, names, entry, reverse, namespace, frozen, func, disk):
    """The lowered `source` loaded in `namespace`, its functions `names` compiled by numba
    (from a file of the persistent cache when `disk` is given, so that numba keeps what it
    compiles), and `compiled` pointing at them."""
    numba = numba_module()
    python = compiled.functions
    defaults = python[entry].__defaults__ if entry in python else None
    path = _module_file(disk, source, frozen, defaults) if disk is not None else None
    if path is not None:
        # numba's cache rebuilds the environment of the code it loads from its module, by
        # name: the code runs in a module of its own, named after its file
        module = types.ModuleType("tangent_like_numba_" + os.path.basename(path)[:-3])
        module.__dict__.update(namespace)
        module.__file__ = path
        sys.modules[module.__name__] = module
        namespace = module.__dict__
    code = compile(source, path or f"<tangent_like numba {func.__name__}>", "exec")
    exec(code, namespace)
    for name in names:
        f = namespace[name]
        if name == entry and defaults:
            f.__defaults__ = defaults
        namespace[name] = numba.njit(f, cache=path is not None)
    guarded = _Guarded(namespace[entry], getattr(compiled, "entry" if reverse else "forward"),
                       func)
    compiled.source = source
    compiled.deps = list(compiled.deps) + frozen
    compiled.cells = ()
    if reverse:
        compiled.entry = guarded
    else:
        compiled.forward = guarded
    compiled.backend = "numba"
    return compiled


def _module_file(disk, source, frozen, defaults):
    """The file of the persistent cache that holds `source` for numba to compile (and keep
    its machine code beside, in ``__pycache__``): named by a hash of the request's key, the
    source, numba's version and every value numba freezes into the machine code -- the
    global numbers the code reads, the defaults of the entry, the user functions it calls
    (their sources, and what they read in turn) -- so that a file is never used for other
    values.  None when one of them cannot be described (numba then compiles in memory)."""
    seen = set()
    try:
        described = [numba_module().__version__, disk.key, source,
                     [[name, _frozen(value, disk, seen)] for _, name, value, _ in frozen],
                     [_frozen(d, disk, seen) for d in defaults or ()]]
    except NotLowered:
        return None
    text = json.dumps(described, sort_keys=True)
    name = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return disk.write_module(f"numba/{name}.py", source)


def _frozen(value, disk, seen):
    """What numba freezes of `value` (a global or a default), as JSON data."""
    if isinstance(value, (bool, int, float, complex, np.number)):
        return [type(value).__name__, repr(value)]
    if isinstance(value, types.FunctionType):
        if id(value) in seen:
            return ["again", value.__module__, value.__qualname__]
        seen.add(id(value))
        printed = disk.fingerprint(value)
        if printed is None or value.__closure__:
            raise NotLowered("a function without a fingerprint, or with a closure")
        calls = []      # (numba freezes what the function reads too)
        for name in sorted(_code_names(value.__code__)):
            if name in value.__globals__:
                v = value.__globals__[name]
                if isinstance(v, np.ndarray):
                    calls.append([name, str(v.dtype), list(v.shape), hashlib.sha256(
                        np.ascontiguousarray(v).tobytes()).hexdigest()])
                elif not isinstance(v, types.ModuleType):
                    calls.append([name, _frozen(v, disk, seen)])
        return ["function", printed, calls]
    printed = disk.fingerprint(value)
    if printed is None:
        raise NotLowered("a value without a fingerprint")
    return printed


def _code_names(code):
    """The global names `code` and the code nested in it read."""
    out = set(code.co_names)
    for c in code.co_consts:
        if isinstance(c, types.CodeType):
            out |= _code_names(c)
    return out


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
    ours = [ln.split(": ", 1)[1] for ln in lines       # (a kernel's numba version refused)
            if ln.startswith("TypingError: the numba backend")]
    if ours:
        return ours[0][:300]
    useful = [ln for ln in lines if not ln.startswith(("Failed in", "During:", "File "))]
    return (useful or lines or [type(exc).__name__])[0][:300]


def _warn(func, reason):
    warnings.warn(f"tangent_like: the numba backend runs the derivative of "
                  f"{func.__qualname__} as Python code: {reason}", NumbaFallbackWarning,
                  stacklevel=caller_level())


def _namespace(reads):
    """The globals of the lowered code: the kernels, NumPy and math, the user's globals it
    reads (functions compiled by numba too; numbers frozen, and returned as dependencies
    by identity); global arrays and other objects are refused.  `reads`: per lowered
    function, the names it reads, the user's globals and the names of the closure of the
    function it comes from."""
    ns = {"np": np, "math": math, "__builtins__": builtins}
    frozen = []
    own = kernels()
    for names, user_globals, closure in reads:
        for name in sorted(names):
            if name in ns:
                continue
            if name in own:
                ns[name] = own[name]
            elif name in closure:
                raise NotLowered(f"it reads {name!r} of an enclosing function")
            elif name in user_globals:
                ns[name] = _global(name, user_globals[name], user_globals, frozen)
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
