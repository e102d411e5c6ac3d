"""Negations folded into the statement that reads them.

A name assigned ``-a`` (``a`` a name) and read once, by the next statement, costs an array
operation of its own; that statement can take the sign instead when it reads the name as
``X += t`` (``X -= a``), ``X -= t``, ``Y + t`` (``Y - a``), ``Y - t`` or ``c * t`` with a
number ``c`` (``-c * a``).  So can a product with a negated factor, ``t = X * -Y`` (the
derivative of ``cos``): it becomes ``t = X * Y`` and the next statement takes the sign.
Each rewrite gives the same value bit for bit (IEEE subtraction is the addition of the
negation, and rounding is symmetric in the sign), and `dead` then drops the assignment.

Example (run as a test)::

    >>> from tangent_like.syntax import nodes
    >>> f = nodes.parse("def f(bx, g, x):\\n    t = -g\\n    bx[1:] += t\\n"
    ...                 "    u = -g\\n    v = 2.0 * u * x\\n"
    ...                 "    w = v * -math.sin(x)\\n    bx[0] += w\\n    return v").body[0]
    >>> fold_negations(f)
    True
    >>> print(nodes.unparse(f))
    def f(bx, g, x):
        t = -g
        bx[1:] -= g
        u = -g
        v = -2.0 * g * x
        w = v * math.sin(x)
        bx[0] -= w
        return v
"""
import collections

from ..syntax import nodes


def fold_negations(fdef):
    """Fold each negation read once, by the next statement, into it; True when something
    changed."""
    loads = collections.Counter(n.id for n in nodes.walk(fdef)
                                if isinstance(n, nodes.Name) and nodes.is_load(n))
    stores = collections.Counter(n.id for n in nodes.walk(fdef)
                                 if isinstance(n, nodes.Name) and nodes.is_store(n))
    return _block(fdef.body, loads, stores)


def _block(stmts, loads, stores):
    changed = False
    real = [s for s in stmts if not nodes.is_comment(s)]
    for s, after in zip(real, real[1:] + [None]):
        for field in ("body", "orelse"):
            if isinstance(s, (nodes.If, nodes.For, nodes.While)):
                changed |= _block(getattr(s, field, []), loads, stores)
        if after is None:
            continue
        negated = _negation(s)
        if negated is not None:
            t, a = negated
            if loads[t] == 1 and stores[t] == 1 and _absorb(after, t, a):
                loads[t] = 0
                changed = True
            continue
        product = _negated_factor(s)
        if product is not None:
            t, node, side = product
            if loads[t] == 1 and stores[t] == 1 and _absorb(after, t, t):
                setattr(node, side, getattr(node, side).operand)
                changed = True
    return changed


def _negated_factor(s):
    """(t, product, side) for ``t = X * -Y`` (or ``-Y * X``, `Y` not a number): the sign
    can go to the statement that reads `t`."""
    if isinstance(s, nodes.Assign) and len(s.targets) == 1 \
            and isinstance(s.targets[0], nodes.Name) and isinstance(s.value, nodes.BinOp) \
            and isinstance(s.value.op, nodes.Mult):
        for side in ("left", "right"):
            f = getattr(s.value, side)
            if isinstance(f, nodes.UnaryOp) and isinstance(f.op, nodes.USub) \
                    and nodes.number(f) is None:
                return s.targets[0].id, s.value, side
    return None


def _negation(s):
    """(t, a) for ``t = -a`` with names `t` and `a`, else None."""
    if isinstance(s, nodes.Assign) and len(s.targets) == 1 \
            and isinstance(s.targets[0], nodes.Name) and isinstance(s.value, nodes.UnaryOp) \
            and isinstance(s.value.op, nodes.USub) and isinstance(s.value.operand, nodes.Name):
        return s.targets[0].id, s.value.operand.id
    return None


def _is(node, name):
    return isinstance(node, nodes.Name) and node.id == name


def _absorb(s, t, a):
    """Rewrite statement `s`, which reads `t` once, to read `a` with the sign taken in;
    False when it reads `t` in no such place."""
    if isinstance(s, nodes.AugAssign) and _is(s.value, t) \
            and isinstance(s.op, (nodes.Add, nodes.Sub)):
        s.op = nodes.Sub() if isinstance(s.op, nodes.Add) else nodes.Add()
        s.value = nodes.name(a)
        return True
    for node in nodes.walk(s):
        if not isinstance(node, nodes.BinOp):
            continue
        if isinstance(node.op, (nodes.Add, nodes.Sub)) and _is(node.right, t):
            node.op = nodes.Sub() if isinstance(node.op, nodes.Add) else nodes.Add()
            node.right = nodes.name(a)
            return True
        if isinstance(node.op, nodes.Mult):
            for side, other in (("left", "right"), ("right", "left")):
                c = nodes.number(getattr(node, other))
                if _is(getattr(node, side), t) and c:     # (not 0: -0.0 * a is not 0 * -a)
                    setattr(node, other, nodes.neg(nodes.const(c)) if c > 0
                            else nodes.const(-c))
                    setattr(node, side, nodes.name(a))
                    return True
    return False
