"""Which variables may share memory, and which writes another variable could observe.

tangent_like turns a write into a value (``a[i] = v``, ``xs.append(v)``, ``a += b`` on an
array) into a new value (``a = with_item(a, i, v)``).  That is the user's program exactly
when nothing else can see the memory the write changes: no parameter or global (the caller
would see it) and no other variable that is read afterwards.  This module decides that.

The model is a flow-sensitive points-to analysis over *allocation sites* on the normalized
function:

* every statement that makes a new array or list (arithmetic, ``np.copy``, ``np.zeros``,
  ``np.array``, a list display, a call of a rule not marked as returning a view) is a site;
  parameters and values read from globals or closures are *outside* sites;
* a variable points to the set of sites whose memory it may be, or contain;
* a plain copy ``b = a``, a basic index ``a[1:]``, ``a.T`` and every primitive the registry
  marks ``view`` give the sites of their operand; an element of a list or tuple may be any
  of the container's sites; a call of a user function may return any of its arguments;
* *recency*: the newest array made at a site is told apart from the older ones, so an array
  made afresh in every iteration of a loop is fresh in each iteration.

A write into `a` changes the memory of the sites `a` points to.  It is refused when one of
them is outside the function, or when another variable that is *live* after the write (read
later before being assigned again, in program order or around a loop) points to one of them.
Names of scalars (ints, floats) hold no memory of interest: they are immutable.
"""
import weakref

from . import lattice
from .. import runtime
from . import resolve as _resolve
from ..errors import UnsupportedSyntaxError
from ..syntax import nodes
from ..syntax.scopes import local_names

OUTSIDE = "outside"

_VIEW_ATTRIBUTES = ("T", "mT", "real", "imag", "flat")
_CONTAINERS = (zip, enumerate, reversed, max, min, runtime.dict_values,
               runtime.dict_items, runtime.dict_get)
_NEW_CONTAINERS = (list, tuple, sorted, dict)     # a new container of the same elements
_ELEMENT_WRITES = (runtime.appended, runtime.with_item, runtime.with_key)


class Site:
    """The arrays made by one statement; `old` marks those of earlier executions.  A *held*
    site is one a list or tuple holds as an element: the container's own memory is not its
    elements' (appending to a list changes the list, not what it holds), but a change of an
    element is seen through the container."""

    __slots__ = ("stmt", "old", "label", "held")

    def __init__(self, stmt, old=False, label=None, held=False):
        self.stmt = stmt
        self.old = old
        self.label = label
        self.held = held

    def key(self):
        return (id(self.stmt), self.old, self.label, self.held)

    def as_held(self, held=True):
        return Site(self.stmt, self.old, self.label, held)

    def __eq__(self, other):
        return isinstance(other, Site) and self.key() == other.key()

    def __hash__(self):
        return hash(self.key())

    @property
    def outside(self):
        return self.stmt is OUTSIDE


def _outside(name):
    return Site(OUTSIDE, label=name)


def _held(sites):
    """The sites of values put into a container, as the container holds them."""
    return frozenset(s.as_held() for s in sites)


def _elements(sites):
    """What an element of a container with these sites may be: its held sites, and (an
    element of unknown origin) the container's own."""
    return frozenset(s.as_held(False) for s in sites)


def _own(sites):
    return frozenset(s for s in sites if not s.held)


def check_writes(fdef, analysis, error, callee_tree=None):
    """Refuse (through `error`) every write that another variable or the caller could see.

    `callee_tree(target)` gives the normalized tree of a called user function (or None):
    its result is then known to hold only the arguments it may return."""
    live = live_after(fdef.body)
    checker = _PointsTo(fdef, analysis, live, callee_tree)
    checker.run()
    for stmt, message, hint in checker.refusals.values():
        try:
            error(stmt, message, hint, UnsupportedSyntaxError)
        except Exception as exc:       # checking mode: recorded, go on with the others
            if type(exc).__name__ != "SkipStatement":
                raise


# ---------------------------------------------------------------- liveness
def live_after(body, uses=None):
    """id(statement) -> the names that may be read after it before being assigned again.
    `uses(s)` gives the names a simple statement reads (by default those its value reads:
    an assignment's targets are not reads)."""
    out = {}
    if uses is None:
        def uses(s):
            return nodes.loaded_names(s.value if isinstance(s, nodes.Assign) else s)

    def block(stmts, live, loop):
        for s in reversed(stmts):
            out[id(s)] = out.get(id(s), set()) | live
            live = stmt(s, live, loop)
        return live

    def stmt(s, live, loop):
        if isinstance(s, nodes.Assign):
            return (live - nodes.stored_names(s.targets[0])) | uses(s)
        if isinstance(s, nodes.If):
            return (nodes.loaded_names(s.test) | block(s.body, live, loop)
                    | block(s.orelse, live, loop))
        if isinstance(s, (nodes.For, nodes.While)):
            after = block(s.orelse, live, loop) if s.orelse else live
            head = set()
            while True:
                # (a break leaves past the `else`: what is live after the loop)
                if isinstance(s, nodes.For):
                    entry = block(s.body, after | head, (live, head)) - nodes.stored_names(
                        s.target)
                else:
                    entry = block(s.body, after | head, (live, head)) | nodes.loaded_names(
                        s.test)
                if entry <= head:
                    break
                head |= entry
            before = head | after
            return before | nodes.loaded_names(s.iter if isinstance(s, nodes.For) else s.test)
        if isinstance(s, nodes.Break):
            return set(loop[0]) if loop else live
        if isinstance(s, nodes.Continue):
            return (set(loop[0]) | set(loop[1])) if loop else live
        if isinstance(s, nodes.Return):
            return nodes.loaded_names(s.value) if s.value is not None else set()
        return live | uses(s)

    block(body, set(), None)
    return out


# ---------------------------------------------------------------- points-to
class _KindFree:
    """What `_PointsTo` needs of an analysis, knowing nothing of kinds: every value may be
    an array, every call may return its arguments (a conservative summary of a callee)."""

    def __init__(self, fdef):
        self.kinds = {}
        self.targets = {}
        self.local_vars = local_names(fdef)

    def kind(self, node):
        return lattice.ANY


_SUMMARIES = weakref.WeakKeyDictionary()   # callee tree -> names its result may hold
_PENDING = object()


def result_aliases(fdef):
    """The parameters (and outside values) the result of `fdef` may hold or be part of.

    Kept as long as the callee's tree lives (a copy of the tree, which may be changed, is
    summarized again)."""
    cached = _SUMMARIES.get(fdef, _PENDING)
    if cached is not _PENDING:
        return cached
    _SUMMARIES[fdef] = None                       # recursion: assume any argument
    ret = fdef.body[-1] if fdef.body else None
    names = None
    if isinstance(ret, nodes.Return) and isinstance(ret.value, (nodes.Name, nodes.Constant)):
        walker = _PointsTo(fdef, _KindFree(fdef), {}, None)
        state = walker.run()
        sites = state.get(ret.value.id, frozenset()) if isinstance(ret.value, nodes.Name) \
            else frozenset()
        names = frozenset(site.label for site in sites if site.outside)
    _SUMMARIES[fdef] = names
    return names


class _PointsTo:
    def __init__(self, fdef, analysis, live, callee_tree=None):
        self.fdef = fdef
        self.analysis = analysis
        self.live = live
        self.callee_tree = callee_tree
        self.params = [a.id for a in nodes.parameters(fdef)]
        self.refusals = {}      # id(stmt) -> (stmt, message, hint)

    def run(self):
        state = {p: frozenset({_outside(p)}) for p in self.params if self._holds_memory(p)}
        return self._block(self.fdef.body, state)

    # -- statements
    def _block(self, stmts, state):
        for s in stmts:
            state = self._stmt(s, state)
        return state

    def _stmt(self, s, state):
        if isinstance(s, nodes.Assign):
            return self._assign(s, state)
        if isinstance(s, nodes.If):
            return _join(self._block(s.body, dict(state)), self._block(s.orelse, dict(state)))
        if isinstance(s, (nodes.For, nodes.While)):
            current = dict(state)
            for _ in range(100):
                entry = dict(current)
                if isinstance(s, nodes.For):
                    entry.pop(s.target.id, None)
                after = _join(current, self._block(s.body, entry))
                if after == current:
                    break
                current = after
            return current
        return state

    def _assign(self, s, state):
        state = dict(state)
        target = s.targets[0]
        write = self._write_kind(s)
        if write:
            self._check(s, write, target.id, state)
        value = self._value(s.value, s, state)
        state = dict(state)
        if write and isinstance(target, nodes.Name):
            # the same memory, changed: a list that appends also holds the new element
            kept = state.get(target.id, frozenset())
            if not lattice.is_array(self.analysis.kinds.get(target.id)):
                kept = kept | value
            state[target.id] = kept
            return state
        if not isinstance(target, nodes.Name):
            value = value | _elements(value)      # unpacked: the elements
        names = [target.id] if isinstance(target, nodes.Name) else [
            t.id for t in nodes.walk(target) if isinstance(t, nodes.Name)]
        for name in names:
            if self._holds_memory(name):
                state[name] = value
            else:
                state.pop(name, None)
        return state

    def _write_kind(self, s):
        kind = getattr(s, "_tl_item_write", None)
        if kind:
            return kind
        if getattr(s, "_tl_augmented", False) and isinstance(s.targets[0], nodes.Name) \
                and self._holds_memory(s.targets[0].id):
            return "augmented"
        return None

    def _check(self, s, write, target, state):
        memory = _own(state.get(target, frozenset()))
        if not memory:
            return
        what = {"append": "appending to", "write": "writing into",
                "augmented": "updating in place"}[write]
        outside = sorted({site.label for site in memory if site.outside})
        if outside:
            name = outside[0]
            if name in self.params:
                where = f"the argument {name!r}" if name == target else \
                    f"{target!r}, which holds (part of) the argument {name!r},"
                message = f"{what} {where} would change the caller's value"
            else:
                message = (f"{what} {target!r} would change {name!r}, a value from outside "
                           "the function")
            self._refuse(s, message, _copy_hint(target, write))
            return
        seen = memory | _held(memory)
        observers = sorted(n for n in self.live.get(id(s), ()) if n != target
                           and state.get(n, frozenset()) & seen)
        if observers:
            who = ", ".join(repr(n) for n in observers[:3])
            self._refuse(s, f"{what} {target!r}, whose memory {who} also "
                         f"{'holds' if len(observers) == 1 else 'hold'} and "
                         f"{'is' if len(observers) == 1 else 'are'} read afterwards "
                         "(Python would change both)", _copy_hint(target, write))

    def _refuse(self, s, message, hint):
        self.refusals.setdefault(id(s), (s, message, hint))

    # -- values
    def _holds_memory(self, name):
        kind = self.analysis.kinds.get(name, lattice.ANY)
        return kind not in (lattice.INT, lattice.SCALAR, lattice.NONE)

    def _fresh(self, s, state, label=None):
        """A new array made at statement `s`: older arrays of the same site become `old`."""
        site = Site(s, label=label)
        held = site.as_held()
        for name, sites in state.items():
            if site in sites or held in sites:
                sites = sites - {site, held}
                if site in state[name]:
                    sites |= {Site(s, True, label)}
                if held in state[name]:
                    sites |= {Site(s, True, label, True)}
                state[name] = sites
        return frozenset({site})

    def _value(self, e, s, state):
        if isinstance(e, nodes.Name):
            if e.id in state:
                return state[e.id]
            if e.id in self.analysis.local_vars or e.id in self.params:
                return frozenset()
            return frozenset({_outside(e.id)})
        if isinstance(e, (nodes.Constant, nodes.Compare, nodes.BoolOp)):
            return frozenset()
        if isinstance(e, (nodes.BinOp, nodes.UnaryOp)):
            return self._fresh(s, state)
        if isinstance(e, (nodes.Tuple, nodes.List, nodes.Dict)):
            parts = e.elts if not isinstance(e, nodes.Dict) else e.values
            out = self._fresh(s, state)
            for p in parts:
                out |= _held(self._operand(p, s, state))
            return out
        if isinstance(e, nodes.Subscript):
            base = self._operand(e.value, s, state)
            if self._is_copying_index(e):
                return self._fresh(s, state)
            if lattice.is_array(self.analysis.kind(e.value)):
                return base      # a view of the array
            return base | _elements(base)     # an element (or, unknown, a view)
        if isinstance(e, nodes.Attribute):
            base = self._operand(e.value, s, state)
            if isinstance(e.value, nodes.Name) and e.value.id not in state \
                    and e.value.id not in self.params and e.value.id \
                    not in self.analysis.local_vars:
                return frozenset({_outside(nodes.dotted_name(e) or e.attr)})
            if e.attr in ("shape", "ndim", "size", "dtype"):
                return frozenset()
            return base          # a view (.T, .real) or a field of a container
        if isinstance(e, nodes.Call):
            return self._call(e, s, state)
        return self._fresh(s, state)

    def _operand(self, e, s, state):
        if isinstance(e, nodes.Name):
            return self._value(e, s, state)
        if isinstance(e, nodes.Starred):        # *xs: the elements of xs
            base = self._operand(e.value, s, state)
            return base | _elements(base)
        if isinstance(e, (nodes.Slice, nodes.Constant)):
            return frozenset()
        return self._value(e, s, state)

    def _is_copying_index(self, e):
        """Does ``a[idx]`` copy (an element, integer arrays, masks) rather than view?"""
        kind = self.analysis.kind(e.value)
        if not lattice.is_array(kind):
            return False        # lists, tuples, dicts: the element itself
        parts = e.slice.elts if isinstance(e.slice, nodes.Tuple) else [e.slice]
        ints = 0
        for p in parts:
            if isinstance(p, nodes.Slice) or (isinstance(p, nodes.Constant) and (
                    p.value is None or p.value is Ellipsis)):
                continue
            pk = self.analysis.kind(p) if not isinstance(p, nodes.Constant) else (
                lattice.INT if isinstance(p.value, int) else lattice.ANY)
            if pk == lattice.INT:
                ints += 1
                continue
            if lattice.is_array(pk):
                return True      # integer or boolean array: advanced indexing copies
            return False         # unknown: it may be a view
        return ints == kind[1]   # every axis taken by an integer: an element

    def _call(self, e, s, state):
        target = self.analysis.targets.get(id(e))
        args = [a for a in list(e.args) + [k.value for k in e.keywords]]
        if isinstance(e.func, nodes.Attribute) and not (
                isinstance(target, _resolve.RuleTarget) and nodes.dotted_name(e.func)
                and nodes.dotted_name(e.func).split(".")[0] not in state
                and nodes.dotted_name(e.func).split(".")[0] not in self.analysis.local_vars):
            args.append(e.func.value)         # a method: its receiver is an operand
        operands = frozenset()
        for a in args:
            operands |= self._operand(a, s, state)
        if isinstance(target, _resolve.RuleTarget):
            rule = target.rule
            if getattr(rule, "view", False):
                return operands
            if rule.func in _NEW_CONTAINERS:
                return self._fresh(s, state) | _held(_elements(operands))
            if rule.func in _CONTAINERS:
                return self._fresh(s, state) | operands | _elements(operands)
            if rule.func in _ELEMENT_WRITES and e.args and not lattice.is_array(
                    self.analysis.kind(e.args[0])):
                # the same list, now holding the very object appended or written into it
                # (an array copies the values written into it)
                out = self._operand(e.args[0], s, state)
                for a in e.args[1:]:
                    out |= _held(self._operand(a, s, state))
                return out
            return self._fresh(s, state)
        if isinstance(target, _resolve.StackTarget):
            return self._fresh(s, state)
        if isinstance(target, _resolve.UserTarget) and self.callee_tree is not None:
            tree = self.callee_tree(target)
            held = result_aliases(tree) if tree is not None else None
            if held is not None:       # only the arguments its result may hold
                out = self._fresh(s, state)
                for name in held:
                    node = target.bound.get(name)
                    out |= self._operand(node, s, state) if node is not None else \
                        frozenset({_outside(name)})
                return out
        # a user function may return one of its arguments (or a part of one); anything else
        # may return what it was given
        return self._fresh(s, state) | operands | _elements(operands)


def _join(a, b):
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, frozenset()) | v
    return out


def _copy_hint(target, write):
    if write == "augmented":
        return (f"write the update as a new array ('{target} = {target} + y' rather than "
                f"'{target} += y'), or copy first")
    return (f"work on a copy: '{target} = np.copy({target})' (or 'list(...)') before the "
            "write, so that only one variable refers to the memory")
