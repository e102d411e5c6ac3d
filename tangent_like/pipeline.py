"""The driver: every stage of a derivative request, in order, from one place.

    function object
      -> parse       source text, gast tree, the names it sees          (frontend/parse.py)
      -> check       refuse unsupported syntax, located                 (frontend/check.py)
      -> normalize   desugar, jumps, lift, A-normal form, inline        (normalize/), once
                     per function (a `Family`)
      -> analyze     kinds, activity, aliasing of every unit the request reaches, callees
                     before callers, to a fixed point                   (analysis/)
      -> transform   reverse or forward mode of each unit               (transform/)
      -> optimize    dead code, folding, copies, to a fixed point       (optimize/)
      -> emit        gast -> source text with comments                  (loader.source_of)
      -> load        compile, linecache, the user's globals             (loader.load)

A *unit* is one function for one pattern of argument kinds and active (differentiated)
arguments.  Analysis runs over all units as a worklist before anything is transformed: the
analysis of a unit reads the summaries (result kinds) of the units it calls; a call whose
callee has no summary yet sends the callee ahead of its caller, which is analyzed again once
the callee is done.  A recursive call (a callee still being analyzed) reads the summary ANY,
the top of the lattice.  Nothing in analysis or the transforms calls back into this module.

`Options` holds every option, its default and its validation, once; it is part of the cache
key.  `compile` is the one entry: the public API, the matrices, the checker and the command
line are its clients.  `dump` (or the environment variable ``TANGENT_LIKE_DUMP``, a
comma-separated list of stage names) shows any stage's code.
"""
import collections
import dataclasses
import inspect
import os
import sys
import threading
import time
import types

import numpy as np

from .analysis import lattice
from .backends import BACKENDS, jit
from .analysis.activity import analyze
from .errors import DerivativeUsageError, InternalError, TangentLikeError, TransformError
from .loader import load_groups, plan, source_of
from .optimize import inplace, optimize
from .program import Program, SkipStatement, build_entry
from .syntax import nodes
from .transform import without_value
from .values import kinds_of, param_of, part_of, path_of, wrt_params

MODES = ("reverse", "forward")
KINKS = ("ignore", "warn", "raise")
STAGES = ("parse", "normalized", "transformed", "optimized", "source")


@dataclasses.dataclass(frozen=True)
class Options:
    """How a derivative is generated.  Frozen: hashable, part of the cache key.

    mode          "reverse" (adjoint sweeps: gradients, vector-Jacobian products) or
                  "forward" (tangents beside primals: Jacobian-vector products)
    optimize      run the optimizer (dead code, folding, copies) over the generated code
    kinks         "ignore", "warn" or "raise" where the evaluation reaches a point without a
                  derivative (abs at 0, max at a tie, a branch comparing equal values...)
    batch         forward mode with a leading batch axis on every tangent (vector forward
                  mode: Jacobians and Hessians in one pass)
    higher_order  generated code meant to be differentiated again: functional adjoints, no
                  in-place accumulators, recorded integers kept apart
    cotangent     reverse mode whose entry takes the output cotangent as a keyword argument
                  (vector-Jacobian products written to be differentiated again)
    inline        inline small calls to the user's functions while normalizing
    collect       checking only: record every refused construct, generate nothing
    backend       "python" (run the generated code as it is) or "numba" (lowered and
                  compiled by numba in nopython mode; first-order derivatives only)
    checkpoint    None (record every iteration of loops), "sqrt" (top-level loops over
                  ranges record only a snapshot of their state every sqrt(n) iterations and
                  run each segment again in the adjoint sweep), a number of snapshots, or
                  "binomial" / ("binomial", snapshots): Griewank's binomial schedule with
                  at most that many snapshots (100)
    value         reverse mode: the entry returns the function's value with its gradients;
                  False (`tl.grad`): where the value is provably a real scalar, the entry
                  (``grad_f``) returns the gradients alone and the work that only feeds
                  the value is left out
    dtypes        what the first call told of the arguments' dtypes: ``(parameter,
                  "float64" | "real")`` pairs (`optimize.inplace`: arrays no one reads
                  again are written in place only where these prove it exact)
    """
    mode: str = "reverse"
    optimize: bool = True
    kinks: str = "ignore"
    batch: bool = False
    higher_order: bool = False
    cotangent: bool = False
    inline: bool = True
    collect: bool = False
    backend: str = "python"
    checkpoint: object = None
    value: bool = True
    dtypes: tuple = ()

    def __post_init__(self):
        if self.mode not in MODES:
            raise DerivativeUsageError(f"mode={self.mode!r}: choose one of {', '.join(MODES)}")
        if self.kinks not in KINKS:
            raise DerivativeUsageError(f"kinks={self.kinks!r}: choose one of "
                                       f"{', '.join(KINKS)}")
        for field in ("optimize", "batch", "higher_order", "cotangent", "inline", "collect",
                      "value"):
            object.__setattr__(self, field, bool(getattr(self, field)))
        if self.batch and self.mode != "forward":
            raise DerivativeUsageError("batch tangents are a forward-mode option")
        if self.cotangent and self.mode != "reverse":
            raise DerivativeUsageError("a cotangent parameter is a reverse-mode option")
        if self.backend not in BACKENDS:
            raise DerivativeUsageError(f"backend={self.backend!r}: choose one of "
                                       f"{', '.join(BACKENDS)}")
        c = self.checkpoint
        if isinstance(c, list):
            c = tuple(c)
            object.__setattr__(self, "checkpoint", c)
        if not (c is None or c in ("sqrt", "binomial") or (type(c) is int and c > 0) or (
                isinstance(c, tuple) and len(c) == 2 and c[0] == "binomial"
                and type(c[1]) is int and c[1] >= 0)):
            raise DerivativeUsageError(f"checkpoint={c!r}: choose None, 'sqrt', a number of "
                                       "snapshots (an int > 0), 'binomial' or ('binomial', "
                                       "snapshots)")
        if self.backend == "numba" and (self.batch or self.higher_order or self.cotangent):
            raise DerivativeUsageError("backend='numba' makes first-order derivatives (grad, "
                                       "value_and_grad, jvp); use the Python backend here")

    def replace(self, **changes):
        """These options with some changed (validated again)."""
        return dataclasses.replace(self, **changes)


# ----------------------------------------------------------------------------- the cache

CACHE = collections.OrderedDict()  # (code, closure kinds, wrt, kinds, options)
#                                     -> (globals, Compiled), least recently used first
CACHE_BOUND = 1024     # generated derivatives kept (each ~100 KB of code and records)
_LOCK = threading.RLock()
_GENERATION = [0]
_STATS = {"hits": 0, "misses": 0, "disk_hits": 0, "disk_misses": 0}

CacheInfo = collections.namedtuple("CacheInfo", "hits misses size bound disk_hits disk_misses")


def cache_info():
    """Hits and misses of the cache of generated derivatives, its size and its bound
    (`CACHE_BOUND`, least recently used entries go first), and the hits and misses of the
    persistent cache on disk (`persistent`: a memory miss looks there when it is on)."""
    with _LOCK:
        return CacheInfo(_STATS["hits"], _STATS["misses"], len(CACHE), CACHE_BOUND,
                         _STATS["disk_hits"], _STATS["disk_misses"])


def generation():
    """A number that changes whenever `clear_cache` runs: caches of compiled derivatives
    kept elsewhere (per derivative object) compare it to know they are stale."""
    return _GENERATION[0]


def clear_cache():
    """Forget every generated derivative (the next call transforms again)."""
    with _LOCK:
        CACHE.clear()
        _STATS.update(hits=0, misses=0, disk_hits=0, disk_misses=0)
        _GENERATION[0] += 1


_DISK = {"dir": None, "read": False, "user_rules": False,      # the persistent cache
         "imported": time.time_ns()}


def set_cache_dir(path):
    """Keep generated derivatives in directory `path` too (`persistent`: created
    owner-only when first written, read by later processes); None turns that off.  Without
    a call, the environment variable ``TANGENT_LIKE_CACHE_DIR`` decides (off when unset)."""
    _DISK["dir"] = None if path is None else os.path.abspath(
        os.path.expanduser(os.fspath(path)))
    _DISK["read"] = True
    if path is not None:
        from . import persistent  # noqa: F401  (its imports now, not in the first call)


def cache_dir():
    """The directory of the persistent cache, or None when it is off."""
    if not _DISK["read"]:
        set_cache_dir(os.environ.get("TANGENT_LIKE_CACHE_DIR") or None)
    return _DISK["dir"]


def note_user_rules():
    """Rules registered by the user are not part of the persistent cache's key: from now on
    this process neither reads nor writes it."""
    _DISK["user_rules"] = True


def _disk_request(func, wrt, kinds, options):
    """The persistent cache's side of a request (`persistent.Request`), or None: off, or a
    request it cannot key."""
    directory = cache_dir()
    if directory is None or _DISK["user_rules"]:
        return None
    from . import persistent     # (only when it is on)
    return persistent.request(directory, func, wrt, kinds, options, _DISK["imported"])


_MISSING = object()


class Compiled:
    """A loaded derivative: its generated functions, their source, and what it depends on.

    Reverse mode: ``entry`` (value and gradients, or the vector-Jacobian product with the
    keyword ``cotangent``), ``primal`` and ``adjoint`` of the root, ``order`` mapping the
    adjoint's results (in parameter order) to `wrt`.  Forward mode: ``forward`` and
    ``tangent_params`` (parameter -> name of its tangent keyword)."""

    def __init__(self, functions, source, entry_name, wrt, root, cotangent, deps,
                 user_functions, program=None):
        self.program = program      # (None when loaded from the persistent cache)
        self.functions = functions
        self.source = source
        self.root = root
        self.cotangent = cotangent
        self.user_functions = user_functions    # the user's functions the code comes from
        self.tangent_params = {}
        # an entry ``grad_NAME`` (`Options.value` False) returns the gradients alone, an
        # entry ``value_and_grad_NAME`` the value too
        self.gradient_only = entry_name is not None and entry_name.startswith("grad_")
        if entry_name is None:
            self.forward = functions[root.forward_name]
            self.tangent_params = dict(root.tangent_params)
        else:
            self.entry = functions[entry_name]
            self.primal = functions[root.primal_name]
            self.adjoint = functions[root.adjoint_name]
            in_order = [p for p in root.params if p in wrt]
            self.order = tuple(in_order.index(w) for w in wrt)
        self.deps = deps
        self._names = (entry_name, root.forward_name if entry_name is None else None,
                       None if entry_name is None else (root.primal_name, root.adjoint_name))
        self.cells = ()     # the cells of the user's closure the functions read
        self.defaults = (None, None)    # and the defaults they take from the function
        self.takes_defaults = {n for n in (entry_name, root.forward_name
                                           if entry_name is None else root.primal_name) if n}

    def bound_to(self, func):
        """This code for `func`, a closure of the same code over values of the same kinds:
        the generated functions rebuilt to read `func`'s own cells (microseconds)."""
        cells = func.__closure__ or ()
        defaults = (func.__defaults__, func.__kwdefaults__)
        if len(cells) == len(self.cells) and all(a is b for a, b in zip(cells, self.cells)) \
                and defaults[0] is self.defaults[0] and defaults[1] is self.defaults[1]:
            return self
        swap = {id(old): new for old, new in zip(self.cells, cells)}
        generated = {id(f): name for name, f in self.functions.items()}
        made, links = {}, []
        for name, f in self.functions.items():
            closure = []
            for cell in f.__closure__ or ():
                if id(cell) in swap:
                    closure.append(swap[id(cell)])
                    continue
                try:
                    content = cell.cell_contents
                except ValueError:
                    closure.append(cell)
                    continue
                if id(content) in generated:        # another generated function: its copy
                    fresh = types.CellType()
                    links.append((fresh, generated[id(content)]))
                    closure.append(fresh)
                else:
                    closure.append(cell)
            g = types.FunctionType(f.__code__, f.__globals__, f.__name__, f.__defaults__,
                                   tuple(closure))
            g.__kwdefaults__ = f.__kwdefaults__
            if name in self.takes_defaults:     # a function defined again, new defaults
                g.__defaults__ = func.__defaults__
                kw = dict(f.__kwdefaults__ or {})
                kw.update(func.__kwdefaults__ or {})
                g.__kwdefaults__ = kw or None
            made[name] = g
        for cell, name in links:
            cell.cell_contents = made[name]
        other = object.__new__(Compiled)
        other.__dict__.update(self.__dict__)
        other.functions, other.cells, other.defaults = made, tuple(cells), defaults
        entry, forward, sweeps = self._names
        if entry is None:
            other.forward = made[forward]
        else:
            other.entry = made[entry]
            other.primal, other.adjoint = made[sweeps[0]], made[sweeps[1]]
        return other

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


def closure_key(func):
    """What the code generated for `func` depends on in its closure: the kind of each
    captured value (functions by identity, as the analysis sees them), never the cells
    themselves -- a closure made again with values of the same kinds reuses the code, bound
    to its own cells (`Compiled.bound_to`)."""
    out = []
    for cell in func.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:          # not bound yet
            out.append(None)
            continue
        kind = lattice.of_value(value)
        try:
            hash(kind)
        except TypeError:           # (kinds hash; be safe with odd values)
            kind = ("identity", id(value))
        out.append(kind)
    return tuple(out)


def _dependencies(program):
    """Globals the generated code was specialized on (and attributes of the user's modules
    it read, ``config.SCALE``): functions by identity, values by kind; and the absence of
    the names it found in no global."""
    deps = []
    for fam in program.families.values():
        ns = fam.parsed.namespace
        aliased = getattr(ns, "aliased_globals", {})
        for name, value in ns.seen.items():
            if name in aliased:     # read through an alias bound to this very value
                deps.append((ns.globals, name, aliased[name], None))
            elif not isinstance(value, types.ModuleType):
                deps.append(dependency(ns.globals, name, value))
        deps += _absent(ns.globals, ns.absent - set(ns.seen))
        for (_, name), (module, value) in getattr(ns, "attributes", {}).items():
            if not isinstance(value, types.ModuleType):
                deps.append(dependency(vars(module), name, value))
    return deps


def dependency(namespace, name, value):
    """What `Compiled.globals_changed` compares for `name` of `namespace`: a function by
    identity, another value by kind."""
    return (namespace, name, value, None if callable(value) else lattice.of_value(value))


def _absent(globals_, names):
    """Dependencies on names no global held when the code was made (builtins, read as
    such): a global defined later under one of them is a change."""
    return [(globals_, name, _MISSING, None) for name in sorted(names)]


# ----------------------------------------------------------------------------- the driver

def compile(func, wrt, kinds, options, dump=None):
    """The derivative of `func` with respect to parameters `wrt` (names) for arguments of
    `kinds` (parameter -> lattice kind), generated, optimized and loaded: a `Compiled`.
    Cached by the function's code and closure, `wrt`, `kinds` and `options`, in memory and,
    when it is on, on disk (`persistent`); `dump` (a function ``(stage, text)``) sees the
    code of every stage and bypasses both caches."""
    dump = dump or _env_dump()
    key = (func.__code__, closure_key(func), tuple(wrt), tuple(sorted(kinds.items())),
           options)
    with _LOCK:
        hit = CACHE.get(key) if dump is None else None
        if hit is not None and hit[0] is func.__globals__ and not hit[1].globals_changed():
            _STATS["hits"] += 1
            CACHE.move_to_end(key)
            return hit[1].bound_to(func)
        _STATS["misses"] += 1
        try:
            disk = _disk_request(func, tuple(wrt), kinds, options) if dump is None else None
            compiled = _stored(disk, func, tuple(wrt), options) if disk is not None else None
            if compiled is None:
                compiled = _run(func, tuple(wrt), kinds, options, dump, disk)
        except TangentLikeError:
            raise
        except Exception as exc:   # a bug of ours: never let it look like the user's
            raise InternalError(f"tangent_like failed while transforming {func.__qualname__}: "
                                f"{type(exc).__name__}: {exc}") from exc
        CACHE[key] = (func.__globals__, compiled)
        while len(CACHE) > CACHE_BOUND:
            CACHE.popitem(last=False)
        return compiled


def _stored(disk, func, wrt, options):
    """The derivative the persistent cache holds for this request, loaded (None: a miss);
    for the numba backend, with the lowered code kept beside it (`jit.attach_stored`)."""
    stored = disk.load(func.__name__)
    if stored is None:
        _STATS["disk_misses"] += 1
        return None
    _apply_defaults(stored.functions, stored.units, func, stored.entry)
    deps = stored.deps + [d for g, names in stored.absent for d in _absent(g, names)]
    compiled = Compiled(stored.functions, stored.source, stored.entry, wrt, stored.root,
                        stored.cotangent, deps, [f for f, _, _ in stored.units])
    compiled.cells = tuple(func.__closure__ or ())
    compiled.defaults = (func.__defaults__, func.__kwdefaults__)
    if options.backend == "numba":
        compiled = jit.attach_stored(compiled, disk, func)
        if compiled is None:
            _STATS["disk_misses"] += 1
            return None
    _STATS["disk_hits"] += 1
    return compiled


def _run(func, wrt, kinds, options, dump, disk=None):
    program = Program(options)
    root = _analyze(program, func, kinds, set(wrt))
    if dump:
        dump("parse", nodes.unparse(program.parsed_sources[id(func)]) + "\n")
        dump("normalized", "\n\n".join(nodes.unparse(u.normalized) for u in program.order)
             + "\n")
    defs = _transform(program)
    if dump:
        dump("transformed", source_of(defs, _header(func, wrt, options)))
    entry = None
    gradient_only = options.mode == "reverse" and without_value.leaves_out(program, root, defs,
                                                                             kinds)
    if gradient_only:
        without_value.drop(root, defs)
    if options.optimize:
        for _, fdef in defs:
            optimize(fdef)
    seeded = without_value.seed_one(root, defs, options.optimize) if gradient_only else True
    for _, fdef in defs:
        fdef.body = nodes.tidy_block(fdef.body)
    if gradient_only:
        without_value.drop_return(root, defs)
    if options.dtypes:
        inplace.reuse_storage([f for unit, f in defs if unit is root], _seeds(root, options))
    if options.mode == "reverse":
        program.cotangent = root.namer.fresh("cotangent") if options.cotangent else None
        what = "grad" if gradient_only else "value_and_grad"
        entry = build_entry(root, program.namer.fresh(f"{what}_{root.short_name}"),
                            program.parsed_sources[id(func)].args, program.cotangent,
                            value=not gradient_only, seeded=seeded)
        defs.insert(0, (root, entry))
    defs += [(root, plain) for plain in program.lifted_plain()]
    texts = {}
    source = source_of(defs, _header(func, wrt, options), texts)
    if dump:
        dump("optimized", source)
        dump("source", source)
    groups = plan(defs, texts)
    functions = load_groups(groups, func.__name__)
    entry_name = entry.name if entry else None
    _apply_defaults(functions, _unit_defaults(program), func, entry_name)
    compiled = Compiled(functions, source, entry_name, wrt, root, program.cotangent,
                        _dependencies(program), [f for f, _, _ in _unit_defaults(program)],
                        program)
    compiled.cells = tuple(func.__closure__ or ())
    compiled.defaults = (func.__defaults__, func.__kwdefaults__)
    if disk is not None:
        disk.store(compiled, program, groups)
    if options.backend == "numba":
        compiled = jit.attach(compiled, defs, program, entry.name if entry else None, func,
                              disk)
        if dump:
            dump("numba", compiled.source)
    return compiled


def _seeds(root, options):
    """What the generated functions of the root may take as known of its parameters: their
    rank, shape symbols (analysis/shapes.py) and the dtypes of the first call."""
    dtypes = dict(options.dtypes)
    seeds = {}
    for p, kind in root.kinds.items():
        if lattice.is_scalar(kind):
            seeds[p] = inplace.Facts(0, dtypes.get(p), ())
        elif lattice.is_array(kind):
            seeds[p] = inplace.Facts(kind[1], dtypes.get(p),
                                     tuple(("dim", p, i) for i in range(kind[1])))
    return seeds


def _header(func, wrt, options):
    return (f"# {options.mode.capitalize()} mode of {func.__qualname__} with respect to "
            f"{', '.join(wrt)}, generated by tangent_like.")


def _unit_defaults(program):
    """(user function, mode, [the generated function taking its defaults]) per unit."""
    out = []
    for unit in program.order:
        f = getattr(unit.parsed, "func", None)
        if f is not None:
            out.append((f, unit.mode, [unit.primal_name] if unit.mode == "reverse"
                        else [unit.forward_name]))
    return out


def _apply_defaults(functions, units, func, entry_name):
    """Generated functions take the defaults of the functions they come from (`units`, as
    `_unit_defaults` gives them; the entry takes those of `func`)."""
    for f, mode, (name,) in units:
        generated = functions[name]
        generated.__defaults__ = f.__defaults__
        if mode == "reverse":
            generated.__kwdefaults__ = f.__kwdefaults__
        else:
            kw = dict(generated.__kwdefaults__ or {})
            kw.update(f.__kwdefaults__ or {})
            generated.__kwdefaults__ = kw or None
    if entry_name is not None:
        functions[entry_name].__defaults__ = func.__defaults__
        functions[entry_name].__kwdefaults__ = func.__kwdefaults__


# A generous bound on analyses per unit: each unit is analyzed again only when a callee it
# waits for is done, so going past it is a bug, reported as one.
_ROUNDS_PER_UNIT = 64


def _analyze(program, func, kinds, active):
    """Analyze every unit the request reaches, callees before callers; returns the root."""
    family = program.family(func)
    if family is None:
        return None
    root = program.new_unit(func, family.parsed, kinds, {p: p in active for p in kinds})
    todo = [root]                 # a stack: the top waits for nothing below it
    waiting = {root.key}          # units on the stack (a call to one of them is recursive)
    rounds = 0
    while todo:
        unit = todo[-1]
        rounds += 1
        if rounds > _ROUNDS_PER_UNIT * (len(program.units) + 1):
            raise InternalError(f"the analysis of {unit.short_name} and the functions it "
                                "calls did not converge")
        summaries = _Summaries(program, waiting)
        try:
            analysis = analyze(unit.parsed, unit.param_kinds(), unit.active_params, summaries,
                               program.error_for(unit.parsed, summaries.diagnostics),
                               program.options.mode)
        except TransformError:
            if not summaries.pending:
                raise
            analysis = None       # perhaps only for want of a callee's summary: see below
        if summaries.pending:
            progressed = False
            for target, ckinds, mask in summaries.pending:
                callee = program.unit_for(target, ckinds, mask, create=True)
                if callee is None:          # checking mode: recorded, skipped next time
                    progressed = True
                elif callee.key not in waiting and callee.analysis is None:
                    todo.append(callee)
                    waiting.add(callee.key)
                    progressed = True
            if not progressed:
                raise InternalError(f"the analysis of {unit.short_name} waits for a "
                                    "function it cannot analyze")
            continue
        todo.pop()
        waiting.discard(unit.key)
        program.record_all(summaries.diagnostics)
        unit.set_analysis(analysis)
    program.order = _reachable(program, root)
    return root


class _Summaries:
    """What the analysis of one unit may know of the others: the result kinds of analyzed
    callees, and the normalized trees of called functions.  A callee not analyzed yet is
    noted as pending (and given the summary ANY for the rest of this attempt, which the
    driver throws away)."""

    def __init__(self, program, waiting):
        self.program = program
        self.waiting = waiting
        self.pending = []
        self.diagnostics = []     # checking mode: kept only from an attempt that counts

    def result_kind(self, target, kinds, mask):
        callee = self.program.unit_for(target, kinds, mask)
        if callee is not None and callee.analysis is not None:
            return callee.result_kind
        if self.program.failed(target):
            raise SkipStatement()
        if callee is None or callee.key not in self.waiting:
            self.pending.append((target, kinds, mask))
        return lattice.ANY        # recursion (or a pending callee): the top of the lattice

    def tree(self, target):
        """The normalized tree of a called function (None if it cannot be had)."""
        if target.lifted:
            return target.callee.node
        family = self.program.family(target.callee)
        return family.parsed.node if family is not None else None


def _reachable(program, root):
    """The units the final analyses call, depth first from the root (the emitted order)."""
    order, seen = [], set()

    def visit(unit):
        if unit.key in seen:
            return
        seen.add(unit.key)
        order.append(unit)
        for callee in unit.callees():
            visit(callee)

    visit(root)
    return order


def _transform(program):
    """Transform every unit, callees before callers (a caller names what its callees'
    transforms decided: their tangent parameters, their stacks)."""
    done, defs = set(), {}

    def visit(unit):
        if unit.key in done:
            return
        done.add(unit.key)
        for callee in unit.callees():
            visit(callee)
        defs[unit.key] = unit.transform()

    for unit in program.order:
        visit(unit)
    return [(unit, fdef) for unit in program.order for fdef in defs[unit.key]]


# --------------------------------------------------------------- specializing to arguments

def specialize(func, wrt, args, kwargs, options):
    """`compile` for these arguments: ``(Compiled, bound arguments)``.  `wrt` may name parts
    of arguments (`targets.Part`): the derivative is then taken with respect to the
    parameters they belong to.  Integers (and integer arrays) are never differentiated:
    asking for one is a usage error."""
    kinds, bound = kinds_of(inspect.signature(func, follow_wrapped=False), args, kwargs)
    for w in wrt:
        try:
            value = part_of(bound.arguments[param_of(w)], path_of(w))
        except (KeyError, IndexError, AttributeError, TypeError):
            raise DerivativeUsageError(
                f"cannot differentiate {func.__name__} with respect to {str(w)!r}: this call "
                "does not pass it") from None
        if isinstance(value, np.ndarray) and value.dtype.kind in "iub":
            raise DerivativeUsageError(
                f"cannot differentiate {func.__name__} with respect to {str(w)!r}: it is an "
                f"array of {value.dtype} (integers are never differentiated); pass "
                f"{w}.astype(float)")
        if lattice.of_value(value) == lattice.INT:
            raise DerivativeUsageError(
                f"cannot differentiate {func.__name__} with respect to {str(w)!r}: it is an "
                f"integer ({value!r}); pass a float (e.g. {float(value)!r})")
        if isinstance(value, (str, bytes)) or lattice.is_function(lattice.of_value(value)):
            raise DerivativeUsageError(
                f"cannot differentiate {func.__name__} with respect to {str(w)!r}: it is a "
                f"{type(value).__name__}, not a number, an array or a structure of them")
    if options.mode == "reverse" and options.backend == "python" and options.optimize \
            and not (options.higher_order or options.cotangent):
        options = options.replace(dtypes=argument_dtypes(bound.arguments))
    return compile(func, wrt_params(wrt), kinds, options), bound


def argument_dtypes(arguments):
    """``(parameter, "float64" | "real")`` for the arguments whose dtype the generated code
    may rely on (`Options.dtypes`): NumPy arrays of float64 ("float64"), and real values
    whose result type with float64 is float64 ("real": Python numbers, NumPy booleans,
    integers and floats of at most 64 bits, arrays of them too)."""
    out = []
    for name, value in arguments.items():
        t = type(value)
        if t in (float, int, bool):
            out.append((name, inplace.REAL))
        elif t is np.ndarray or isinstance(value, np.generic):
            dtype = value.dtype
            if t is np.ndarray and dtype == np.float64 and value.ndim:
                out.append((name, inplace.F8))
            elif dtype.kind in "biu" or dtype in (np.float16, np.float32, np.float64):
                out.append((name, inplace.REAL))
    return tuple(out)


def diagnose(func, wrt, kinds):
    """Every construct of `func` and its callees that tangent_like refuses, located, without
    generating code (the checking mode of the pipeline)."""
    program = Program(Options(collect=True))
    try:
        _analyze(program, func, kinds, set(wrt))
    except TransformError as exc:
        program.record(exc)
    return program.diagnostics


def stages(func, wrt, kinds, options):
    """The code of every stage of the derivative of `func`: stage name -> text."""
    texts = {}
    compile(func, wrt, kinds, options, dump=texts.__setitem__)
    return texts


def _env_dump():
    """``TANGENT_LIKE_DUMP=normalized,transformed`` prints those stages to stderr."""
    wanted = os.environ.get("TANGENT_LIKE_DUMP")
    if not wanted:
        return None
    wanted = {w.strip() for w in wanted.split(",")}

    def dump(stage, text):
        if stage in wanted or "all" in wanted:
            print(f"# ---- tangent_like stage: {stage}\n{text}", file=sys.stderr)
    return dump


if os.environ.get("TANGENT_LIKE_CACHE_DIR"):   # the persistent cache asked for: its module
    from . import persistent  # noqa: F401,E402  (imported with the package, not in a call)
