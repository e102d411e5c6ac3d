"""A-normal form: one operation per assignment, every intermediate named.

``y = np.sin(x) * x + 1.0`` becomes::

    sin_x = np.sin(x)
    sin_x_times_x = sin_x * x
    y = sin_x_times_x + 1.0

Operands become names or constants; index expressions keep slices and tuples of simple parts.
Conditional expressions and ``and``/``or`` used as values become ``if`` statements.  Tests of
``if``/``while``/``assert``, comparisons used as values, expression statements (``print``) and
``range(...)`` headers stay as written: their values are never differentiated.  A statement
never needs its own target's old value in its adjoint (``x = x * x`` becomes
``x_new = x * x; x = x_new``; ``x = x + y`` stays), so the reverse sweep can tell the value
before an assignment from the value after it.
"""
import gast

from ..syntax import anno, nodes


_LOCALS = []     # the local names of the function being normalized (innermost last)


def to_anf(parsed, namer):
    from .lift import local_names
    _LOCALS.append(local_names(parsed.node))
    try:
        parsed.node.body = _block(parsed.node.body, namer)
    finally:
        _LOCALS.pop()


def _of_local(e):
    """Is the dotted expression `e` (``x.T.T``, ``p.w``) rooted at a local variable?"""
    root = e
    while isinstance(root, gast.Attribute):
        root = root.value
    return bool(_LOCALS) and isinstance(root, gast.Name) and root.id in _LOCALS[-1]


def _block(stmts, namer):
    out = []
    for s in stmts:
        origin = anno.get(s, anno.Anno.ORIGIN) or (getattr(s, "lineno", None),
                                                   getattr(s, "col_offset", 0))
        new = _stmt(s, namer)
        for n in new:
            if anno.get(n, anno.Anno.ORIGIN) is None:
                anno.set(n, anno.Anno.ORIGIN, origin)
            out.append(n)
    return out or [gast.Pass()]


def _stmt(s, namer):
    if isinstance(s, gast.Assign):
        return _assign(s, namer)
    if isinstance(s, gast.If):
        s.body = _block(s.body, namer)
        s.orelse = _block(s.orelse, namer) if s.orelse else []
        return [s]
    if isinstance(s, (gast.For, gast.While)):
        s.body = _block(s.body, namer)
        return [s]
    if isinstance(s, gast.Return):
        out = []
        if s.value is None:
            s.value = nodes.const(None)
        s.value = _simple(s.value, out, namer, "result")
        return out + [s]
    return [s]


def _assign(s, namer):
    target = s.targets[0]
    out = []
    if isinstance(target, gast.Tuple):
        value = s.value
        if isinstance(value, gast.Call):
            value = _op(value, out, namer, "t")
        else:
            value = _simple(value, out, namer, "t")
        s.value = value
        return out + [s]
    hint = target.id
    value = _op(s.value, out, namer, hint)
    if value is None:   # expanded into statements that assign a temporary
        return out
    if isinstance(value, _Expanded):
        value = nodes.name(value.name)
    if target.id in nodes.loaded_names(value) and not _is_simple(value) \
            and _reads_own_target(value, target.id):
        tmp = namer.fresh(f"{hint}_new")
        a = nodes.assign(tmp, value)
        anno.set(a, anno.Anno.TEMP, True)
        out.append(a)
        value = nodes.name(tmp)
        s._tl_fresh_copy = True      # the value is new: not an alias of another variable
    s.value = value
    out.append(s)
    return out


def _reads_own_target(value, target):
    """Could the adjoint of ``target = value`` need the value `target` had before?

    ``x = x + y``, ``x = x - 1.0`` and ``x = x * 0.5`` never do: their adjoints read no
    operand equal to the target.  Anything else gets a temporary (``x_new = x * x``).
    """
    if isinstance(value, gast.BinOp):
        if isinstance(value.op, (gast.Add, gast.Sub)):
            return False
        if isinstance(value.op, (gast.Mult, gast.Div)):
            other = value.right if _is_name(value.left, target) else value.left
            if _is_name(value.left, target) and _is_name(value.right, target):
                return True
            return not _is_constant(other)
    if isinstance(value, gast.UnaryOp) and isinstance(value.op, (gast.USub, gast.UAdd)):
        return False
    return True


def _is_name(node, name):
    return isinstance(node, gast.Name) and node.id == name


def _is_constant(node):
    return isinstance(node, gast.Constant) or (
        isinstance(node, gast.UnaryOp) and isinstance(node.operand, gast.Constant))


class _Expanded:
    """An expression that ANF turned into statements assigning `name`."""

    def __init__(self, name):
        self.name = name


def _is_simple(e):
    """Names, constants and negated numeric constants (``-1``)."""
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, (gast.USub, gast.UAdd)):
        return isinstance(e.operand, gast.Constant)
    return isinstance(e, (gast.Name, gast.Constant))


def _fold_constant(e):
    return None   # negative literals stay UnaryOp nodes so unparse keeps their parentheses
    if isinstance(e, gast.UnaryOp) and isinstance(e.op, (gast.USub, gast.UAdd)) \
            and isinstance(e.operand, gast.Constant) \
            and isinstance(e.operand.value, (int, float)) \
            and not isinstance(e.operand.value, bool):
        v = e.operand.value
        return nodes.const(-v if isinstance(e.op, gast.USub) else v)
    return None


def _simple(e, out, namer, hint):
    """A Name or Constant holding the value of `e`, emitting statements into `out`."""
    if _is_simple(e):
        return e
    folded = _fold_constant(e)
    if folded is not None:
        return folded
    value = _op(e, out, namer, hint)
    if isinstance(value, _Expanded):
        return nodes.name(value.name)
    tmp = namer.temp_for(value, hint)
    a = nodes.assign(tmp, value)
    anno.set(a, anno.Anno.TEMP, True)
    out.append(a)
    return nodes.name(tmp)


def _op(e, out, namer, hint):
    """`e` with simple operands (one operation), emitting operand statements into `out`."""
    folded = _fold_constant(e)
    if folded is not None:
        return folded
    if _is_simple(e):
        return e
    if isinstance(e, gast.BinOp):
        e.left = _simple(e.left, out, namer, hint)
        e.right = _simple(e.right, out, namer, hint)
        return e
    if isinstance(e, gast.UnaryOp):
        if isinstance(e.op, gast.Not):
            return e
        e.operand = _simple(e.operand, out, namer, hint)
        return e
    if isinstance(e, gast.Call):
        if getattr(e, "_tl_keep", False):
            return e
        func = e.func
        if isinstance(func, gast.Attribute) and (nodes.dotted_name(func) is None
                                                 or _of_local(func)):
            func.value = _simple(func.value, out, namer, hint)   # x.T.sum(): x.T first
        e.args = [_simple(a, out, namer, hint) for a in e.args]
        for k in e.keywords:
            k.value = _simple(k.value, out, namer, hint)
        return e
    if isinstance(e, gast.Subscript):
        e.value = _simple(e.value, out, namer, hint)
        e.slice = _index(e.slice, out, namer, hint)
        return e
    if isinstance(e, gast.Attribute):
        if nodes.dotted_name(e) is not None and not _of_local(e):
            return e     # a module attribute (np.pi): resolved later
        e.value = _simple(e.value, out, namer, hint)
        return e
    if isinstance(e, (gast.Tuple, gast.List)):
        e.elts = [_simple(x, out, namer, hint) for x in e.elts]
        return e
    if isinstance(e, gast.IfExp):
        return _ifexp(e, out, namer, hint)
    if isinstance(e, gast.BoolOp):
        return _boolop(e, out, namer, hint)
    # comparisons, f-strings and other inactive expressions stay whole
    return e


def _index(idx, out, namer, hint):
    if isinstance(idx, gast.Slice):
        for field in ("lower", "upper", "step"):
            v = getattr(idx, field)
            if v is not None:
                setattr(idx, field, _simple(v, out, namer, "k"))
        return idx
    if isinstance(idx, gast.Tuple):
        idx.elts = [_index(x, out, namer, hint) for x in idx.elts]
        return idx
    return _simple(idx, out, namer, "k")


def _ifexp(e, out, namer, hint):
    tmp = namer.fresh(hint + "_branch" if hint else "branch")
    body, orelse = [], []
    v1 = _op(e.body, body, namer, hint)
    v1 = nodes.name(v1.name) if isinstance(v1, _Expanded) else v1
    body.append(nodes.assign(tmp, v1))
    v2 = _op(e.orelse, orelse, namer, hint)
    v2 = nodes.name(v2.name) if isinstance(v2, _Expanded) else v2
    orelse.append(nodes.assign(tmp, v2))
    out.append(gast.If(test=e.test, body=body, orelse=orelse))
    return _Expanded(tmp)


def _boolop(e, out, namer, hint):
    """``a and b`` as a value: ``t = a; if t: t = b`` (``or``: ``if not t``)."""
    tmp = namer.fresh(hint + "_bool" if hint else "bool")
    first = _op(e.values[0], out, namer, hint)
    first = nodes.name(first.name) if isinstance(first, _Expanded) else first
    out.append(nodes.assign(tmp, first))
    rest = e.values[1:]
    if not rest:
        return _Expanded(tmp)
    inner = []
    tail = gast.BoolOp(op=e.op, values=rest) if len(rest) > 1 else rest[0]
    v = _op(tail, inner, namer, hint)
    v = nodes.name(v.name) if isinstance(v, _Expanded) else v
    inner.append(nodes.assign(tmp, v))
    test = nodes.name(tmp)
    if isinstance(e.op, gast.Or):
        test = gast.UnaryOp(op=gast.Not(), operand=test)
    out.append(gast.If(test=test, body=inner, orelse=[]))
    return _Expanded(tmp)
