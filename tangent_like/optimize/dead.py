"""Dead code elimination: assignments whose value is never read are removed.

Liveness is computed backwards over the structured code (loops to a fixed point).  Only
assignments of side-effect-free values are removed: arithmetic, subscripts, and calls of
NumPy, math and the runtime helpers; calls of generated sweeps and stack operations stay.

Example (run as a test)::

    >>> from tangent_like.syntax import nodes
    >>> f = nodes.parse("def f(x):\\n    bs = 0.0\\n    y = x * 2\\n    bs = 1.0\\n"
    ...                 "    return y").body[0]
    >>> remove_dead_code(f)
    True
    >>> print(nodes.unparse(f))
    def f(x):
        y = x * 2
        return y
"""
from .. import runtime
from ..syntax import nodes

_PURE_HELPERS = set(runtime.HELPERS) - {"seed_for"}


def pure_value(expr):
    """Is `expr` free of side effects (arithmetic, subscripts, calls of NumPy, math, pure
    runtime helpers)?"""
    for n in nodes.walk(expr):
        if isinstance(n, nodes.Call):
            name = nodes.dotted_name(n.func)
            if name is None:
                return False
            head = name.split(".")[0]
            if head in ("np", "math") or name in _PURE_HELPERS or name in (
                    "float", "abs", "slice", "len", "range", "reversed", "min", "max"):
                continue
            return False
        if isinstance(n, (nodes.Yield, nodes.Await, nodes.NamedExpr)):
            return False
    return True


def _loads(node):
    return nodes.loaded_names(node)


def _names_only(target):
    """Is `target` a name, or a tuple of names (nested tuples too)?"""
    if isinstance(target, nodes.Tuple):
        return all(_names_only(e) for e in target.elts)
    return isinstance(target, nodes.Name)


class _Dce:
    def __init__(self, dry=False, cache=None):
        self.changed = False
        self.dry = dry       # compute liveness only, change nothing
        self.cache = {} if cache is None else cache

    def loads(self, node):
        key = id(node)
        hit = self.cache.get(key)
        if hit is None or hit[0] is not node:
            hit = self.cache[key] = (node, _loads(node))
        return hit[1]

    def writes(self, assign):
        """(are the targets of `assign` names only?, the names they write)."""
        key = ("writes", id(assign))
        hit = self.cache.get(key)
        if hit is None or hit[0] is not assign:
            written = set()
            for t in assign.targets:
                written |= {n.id for n in nodes.walk(t) if isinstance(n, nodes.Name)}
            hit = self.cache[key] = (assign, all(_names_only(t) for t in assign.targets),
                                     written)
        return hit[1], hit[2]

    def block(self, stmts, live):
        """Rewrite `stmts` given the names live after them; returns (stmts, live before)."""
        out = []
        for s in reversed(stmts):
            if isinstance(s, nodes.Assign):
                simple, written = self.writes(s)
                if simple and not (written & live) and pure_value(s.value):
                    if not self.dry:
                        self.changed = True
                        continue
                if simple:
                    live = live - written
                live = live | self.loads(s)
                out.append(s)
            elif isinstance(s, nodes.If):
                body, lb = self.block(s.body, set(live))
                orelse, lo = self.block(s.orelse, set(live))
                if not self.dry and pure_value(s.test) and all(
                        isinstance(b, nodes.Pass) for b in body + orelse):
                    self.changed = True         # (a branch left with nothing to do)
                    continue
                if not self.dry:
                    s.body, s.orelse = body or [nodes.pass_()], orelse
                live = lb | lo | self.loads(s.test)
                out.append(s)
            elif isinstance(s, (nodes.For, nodes.While)):
                live = self.loop(s, live)
                out.append(s)
            elif isinstance(s, nodes.Return):
                live = self.loads(s) if s.value is not None else set()
                out.append(s)
            elif isinstance(s, nodes.Pass):
                out.append(s)
            else:
                live = live | self.loads(s)
                out.append(s)
        out.reverse()
        return out, live

    def loop(self, s, live_after):
        header = self.loads(s.iter) if isinstance(s, nodes.For) else self.loads(s.test)
        target = ({n.id for n in nodes.walk(s.target) if isinstance(n, nodes.Name)}
                  if isinstance(s, nodes.For) else set())
        live_out = set(live_after)
        for _ in range(20):
            probe = _Dce(dry=True, cache=self.cache)
            _, live_in = probe.block(s.body, set(live_out) | header)
            new_out = set(live_after) | (live_in - target) | header
            if isinstance(s, nodes.While):
                new_out |= live_in
            if new_out == live_out:
                break
            live_out = new_out
        body, live_in = self.block(s.body, set(live_out) | (header if isinstance(
            s, nodes.While) else set()))
        if not self.dry:
            s.body = body or [nodes.pass_()]
        return (live_in - target) | live_after | header


def remove_dead_code(fdef):
    """Remove assignments nobody reads; True when something changed."""
    changed = _remove_faint(fdef)
    d = _Dce()
    fdef.body, _ = d.block(fdef.body, set())
    return d.changed or changed


def _remove_faint(fdef):
    """Remove the assignments of names that only feed themselves (``s = s + t`` in a loop
    whose ``s`` nobody else reads: live by liveness, useless all the same), then loops over
    ranges left with nothing to do.  A name is needed when a statement that must stay reads
    it: a return, a call statement, a branch or loop test, a write into a container, or an
    assignment of a needed name; everything else is removed."""
    assigns = []
    needed = set()
    ranges = set()          # names assigned a range only (iterating them does nothing)
    others = set()

    def visit(stmts):
        for st in stmts:
            if isinstance(st, nodes.Assign):
                simple = all(_names_only(t) for t in st.targets)
                if simple and pure_value(st.value):
                    assigns.append(st)
                    for t in st.targets:
                        for n in nodes.walk(t):
                            if isinstance(n, nodes.Name):
                                (ranges if _is_range(st.value) else others).add(n.id)
                else:
                    needed.update(_loads(st))
                    others.update(nodes.stored_names(st.targets[0]) if simple else ())
            elif isinstance(st, (nodes.If, nodes.While)):
                needed.update(_loads(st.test))
                visit(st.body)
                visit(st.orelse)
            elif isinstance(st, nodes.For):
                needed.update(_loads(st.iter))   # (the loop goes later, if its body does)
                visit(st.body)
                visit(st.orelse)
            else:
                needed.update(_loads(st))
    visit(fdef.body)
    useful = set()
    grew = True
    while grew:
        grew = False
        for st in assigns:
            if id(st) in useful:
                continue
            written = {n.id for t in st.targets for n in nodes.walk(t)
                       if isinstance(n, nodes.Name)}
            if written & needed:
                useful.add(id(st))
                needed.update(_loads(st.value))
                grew = True
    if len(useful) == len(assigns) and not _empty_loops(fdef.body, ranges - others, needed,
                                                        dry=True):
        return False
    dead = {id(st) for st in assigns if id(st) not in useful}

    def sweep(stmts):
        out = []
        for st in stmts:
            if id(st) in dead:
                continue
            for field in ("body", "orelse"):
                inner = getattr(st, field, None)
                if isinstance(inner, list) and inner and nodes.is_statement(inner[0]):
                    setattr(st, field, sweep(inner) or ([nodes.pass_()] if field == "body"
                                                        else []))
            out.append(st)
        return out
    fdef.body = sweep(fdef.body)
    _empty_loops(fdef.body, ranges - others, needed, dry=False)
    return True


def _is_range(value):
    return isinstance(value, nodes.Call) and nodes.dotted_name(value.func) in (
        "range", "reversed") and not value.keywords


def _empty_loops(stmts, range_names, needed, dry):
    """Remove (or, `dry`, find) ``for`` loops over ranges whose body does nothing (and
    whose index nobody reads after them)."""
    found = False
    out = []
    for st in stmts:
        for field in ("body", "orelse"):
            inner = getattr(st, field, None)
            if isinstance(inner, list) and inner and nodes.is_statement(inner[0]):
                found |= _empty_loops(inner, range_names, needed, dry)
        if isinstance(st, nodes.For) and not st.orelse \
                and all(isinstance(b, nodes.Pass) for b in st.body) \
                and not (_loads(st.target) | nodes.stored_names(st.target)) & needed \
                and (_is_range(st.iter) and pure_value(st.iter) or (
                    isinstance(st.iter, nodes.Name) and st.iter.id in range_names)):
            found = True
            if not dry:
                continue
        out.append(st)
    if not dry:
        stmts[:] = out
    return found
