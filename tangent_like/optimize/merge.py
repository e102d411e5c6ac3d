"""Reads and accumulations done once where the code does them twice.

* `reuse_reads`: ``b = x[i]`` after ``a = x[i]`` in the same straight-line run becomes
  ``b = a`` (then `copies` and `dead` remove it), when nothing between them writes
  anything (no store into a container, no call that is not pure, no assignment of ``x``,
  ``i`` or ``a``) and neither name is ever changed in place.  The user's code often reads
  one element twice (``x[i] ** 2 ... (1 - x[i])``); each read of a NumPy element costs.
* `merge_accumulations`: ``bx[i] -= a`` ... ``bx[i] += b`` becomes one ``bx[i] += b - a``
  at the second place, when ``bx`` is an accumulator no other name can see (made by
  ``adjoint_zeros``, only updated and returned), nothing between the two reads or writes
  it, nor assigns a name that ``i`` or ``a`` reads: one update of the element (or slice)
  instead of two.

Example (run as a test)::

    >>> from tangent_like.syntax import nodes
    >>> f = nodes.parse("def f(x, i, g):\\n    bx = adjoint_zeros(x)\\n    a = x[i]\\n"
    ...                 "    c = x[i]\\n    bx[i] -= a * g\\n    d = g * c\\n"
    ...                 "    bx[i] += d\\n    return bx").body[0]
    >>> reuse_reads(f), merge_accumulations(f)
    (True, True)
    >>> print(nodes.unparse(f))
    def f(x, i, g):
        bx = adjoint_zeros(x)
        a = x[i]
        c = a
        d = g * c
        bx[i] += d - a * g
        return bx
"""
from ..syntax import nodes
from .dead import pure_value


def reuse_reads(fdef):
    """Replace second reads of one element or slice by the name of the first; True when
    something changed."""
    changed_in_place = _changed_in_place(fdef)
    changed = False
    for stmts in nodes.statement_lists(fdef.body):
        seen = {}         # text of a read -> (the name holding it, the names it reads)
        for s in stmts:
            if nodes.is_comment(s):
                continue
            if not isinstance(s, nodes.Assign) or not isinstance(s.targets[0], nodes.Name) \
                    or not pure_value(s.value):
                seen.clear()             # (a write anywhere may change what x[i] reads)
                continue
            target = s.targets[0].id
            v = s.value
            key = nodes.unparse(v) if _plain_read(v) and target not in changed_in_place \
                and v.value.id not in changed_in_place else None
            if key is not None and key in seen:
                s.value = nodes.name(seen[key][0])
                changed = True
                key = None
            for held, (name, reads) in list(seen.items()):  # `target` held or indexed it
                if name == target or target in reads:
                    del seen[held]
            reads = nodes.loaded_names(v)
            if key is not None and target not in reads:
                seen[key] = (target, reads)
    return changed


def merge_accumulations(fdef):
    """Merge two in-place updates of the same element or slice into one; True when
    something changed."""
    changed = False
    fresh = _accumulators(fdef)
    for stmts in nodes.statement_lists(fdef.body):
        k = 0
        while k < len(stmts):
            first = stmts[k]
            partner = _partner(stmts, k) if _accumulation(first) \
                and first.target.value.id in fresh else None
            if partner is None:
                k += 1
                continue
            second = stmts[partner]
            a, b = first.value, second.value
            if isinstance(first.op, nodes.Sub) == isinstance(second.op, nodes.Sub):
                second.value = nodes.binop(b, nodes.Add, a)          # -a -b, +a +b
            elif isinstance(second.op, nodes.Add):
                second.value = nodes.binop(b, nodes.Sub, a)          # -a +b
            else:
                second.value = nodes.binop(a, nodes.Sub, b)          # +a -b
                second.op = nodes.Add()
            del stmts[k]
            changed = True
    return changed


# ----------------------------------------------------------------------------- helpers
def _plain_read(v):
    """``x[i]``, ``x[i + 1]``-free: a name indexed by names, numbers (``-1`` too) and
    constant slices."""
    if not (isinstance(v, nodes.Subscript) and isinstance(v.value, nodes.Name)):
        return False
    def simple(p):
        return isinstance(p, (nodes.Name, nodes.Constant)) or nodes.number(p) is not None

    parts = v.slice.elts if isinstance(v.slice, nodes.Tuple) else [v.slice]
    return all(simple(p) or (isinstance(p, nodes.Slice) and all(
        q is None or simple(q) for q in (p.lower, p.upper, p.step)))
        for p in parts)


def _changed_in_place(fdef):
    """Names whose values some statement changes in place (``t[...] = ``, ``t += ``)."""
    out = set()
    for n in nodes.walk(fdef):
        if isinstance(n, nodes.AugAssign):
            out |= {m.id for m in nodes.walk(n.target) if isinstance(m, nodes.Name)}
        elif isinstance(n, nodes.Assign):
            for t in n.targets:
                if not isinstance(t, (nodes.Name, nodes.Tuple)):
                    out |= {m.id for m in nodes.walk(t) if isinstance(m, nodes.Name)}
    return out


def _accumulators(fdef):
    """Arrays no other name can see: assigned once, by ``adjoint_zeros(...)``, and read
    only to be updated in place (``bx[i] += g``) or returned.  (Between two updates of
    any other array, a read of an array it is a view of would see the first alone.)"""
    made, other = set(), set()
    updated = set()
    for n in nodes.walk(fdef):
        if isinstance(n, nodes.Assign) and len(n.targets) == 1 \
                and isinstance(n.targets[0], nodes.Name):
            name = n.targets[0].id
            if isinstance(n.value, nodes.Call) \
                    and nodes.dotted_name(n.value.func) == "adjoint_zeros" and name not in made:
                made.add(name)
            else:
                other.add(name)
        elif isinstance(n, nodes.AugAssign) and isinstance(n.target, nodes.Subscript):
            updated.add(id(n.target.value))
    returned = {id(m) for r in nodes.walk(fdef) if isinstance(r, nodes.Return)
                for m in nodes.walk(r)}
    for n in nodes.walk(fdef):
        if isinstance(n, nodes.Name) and n.id in made and nodes.is_load(n) \
                and id(n) not in updated and id(n) not in returned:
            other.add(n.id)
    return made - other


def _accumulation(s):
    """``N[index] += v`` or ``-=``, with a plain index."""
    return isinstance(s, nodes.AugAssign) and isinstance(s.op, (nodes.Add, nodes.Sub)) \
        and _plain_read(s.target)


def _partner(stmts, k):
    """The position of the next update of the same target as ``stmts[k]``, if the two can
    be merged; else None."""
    first = stmts[k]
    base = first.target.value.id
    text = nodes.unparse(first.target)
    fixed = (nodes.loaded_names(first.target) | nodes.loaded_names(first.value))
    if base in nodes.loaded_names(first.value):
        return None
    for j in range(k + 1, len(stmts)):
        s = stmts[j]
        if nodes.is_comment(s):
            continue
        if _accumulation(s) and nodes.unparse(s.target) == text \
                and base not in nodes.loaded_names(s.value):
            return j
        if not isinstance(s, nodes.Assign) or not all(
                isinstance(t, nodes.Name) for t in s.targets) or not pure_value(s.value):
            return None
        if base in nodes.loaded_names(s) or nodes.stored_names(s.targets[0]) & fixed:
            return None
    return None
