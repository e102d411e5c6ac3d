"""A-normal form: one operation per assignment, every intermediate named.

Operands become names or constants; index expressions keep slices and tuples of simple parts.
Conditional expressions and ``and``/``or`` used as values become ``if`` statements.  Tests of
``if``/``while``/``assert``, comparisons used as values, expression statements (``print``) and
``range(...)`` headers stay as written: their values are never differentiated.  A statement
never needs its own target's old value in its adjoint (``x = x * x`` becomes
``x_new = x * x; x = x_new``; ``x = x + y`` stays), so the reverse sweep can tell the value
before an assignment from the value after it.  Attribute chains on local variables are split
(``p.w.T``), those on modules stay (``np.pi``).

Example (run as a test)::

    >>> from tangent_like.frontend.parse import parse_source
    >>> from tangent_like.syntax.naming import Namer
    >>> parsed = parse_source('''
    ... def f(x, p):
    ...     y = np.sin(x) * x + 1.0
    ...     x = x * x
    ...     z = p.w.T if y > 0 else -y
    ...     return z[2 * p.n]
    ... ''')
    >>> to_anf(parsed, Namer(nodes.all_names(parsed.node)))
    >>> print(nodes.unparse(parsed.node))
    def f(x, p):
        sin_x = np.sin(x)
        sin_x_times_x = sin_x * x
        y = sin_x_times_x + 1.0
        x_new = x * x
        x = x_new
        if y > 0:
            p_w = p.w
            z_branch = p_w.T
        else:
            z_branch = -y
        z = z_branch
        p_n = p.n
        p_n_times_2 = 2 * p_n
        z_item = z[p_n_times_2]
        return z_item
"""
from ..syntax import anno, nodes
from ..syntax.scopes import local_names


_LOCALS = []     # the local names of the function being normalized (innermost last)


def to_anf(parsed, namer):
    _LOCALS.append(local_names(parsed.node))
    try:
        parsed.node.body = _block(parsed.node.body, namer)
    finally:
        _LOCALS.pop()


def _of_local(e):
    """Is the dotted expression `e` (``x.T.T``, ``p.w``) rooted at a local variable?"""
    root = e
    while isinstance(root, nodes.Attribute):
        root = root.value
    return bool(_LOCALS) and isinstance(root, nodes.Name) and root.id in _LOCALS[-1]


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
    return out or [nodes.pass_()]


def _stmt(s, namer):
    if isinstance(s, nodes.Assign):
        return _assign(s, namer)
    if isinstance(s, nodes.If):
        s.body = _block(s.body, namer)
        s.orelse = _block(s.orelse, namer) if s.orelse else []
        return [s]
    if isinstance(s, (nodes.For, nodes.While)):
        s.body = _block(s.body, namer)
        return [s]
    if isinstance(s, nodes.Return):
        out = []
        if s.value is None:
            s.value = nodes.const(None)
        s.value = _simple(s.value, out, namer, "result")
        return out + [s]
    return [s]


def _assign(s, namer):
    target = s.targets[0]
    out = []
    if isinstance(target, nodes.Tuple):
        value = s.value
        if isinstance(value, nodes.Call):
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
    if isinstance(value, nodes.BinOp):
        if isinstance(value.op, (nodes.Add, nodes.Sub)):
            return False
        if isinstance(value.op, (nodes.Mult, nodes.Div)):
            other = value.right if _is_name(value.left, target) else value.left
            if _is_name(value.left, target) and _is_name(value.right, target):
                return True
            return not _is_constant(other)
    if isinstance(value, nodes.UnaryOp) and isinstance(value.op, (nodes.USub, nodes.UAdd)):
        return False
    return True


def _is_name(node, name):
    return isinstance(node, nodes.Name) and node.id == name


def _is_constant(node):
    return isinstance(node, nodes.Constant) or (
        isinstance(node, nodes.UnaryOp) and isinstance(node.operand, nodes.Constant))


class _Expanded:
    """An expression that ANF turned into statements assigning `name`."""

    def __init__(self, name):
        self.name = name


def _is_simple(e):
    """Names, constants and negated numeric constants (``-1``)."""
    if isinstance(e, nodes.UnaryOp) and isinstance(e.op, (nodes.USub, nodes.UAdd)):
        return isinstance(e.operand, nodes.Constant)
    return isinstance(e, (nodes.Name, nodes.Constant))


def _simple(e, out, namer, hint):
    """A Name or Constant holding the value of `e`, emitting statements into `out`."""
    if _is_simple(e):
        return e
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
    if _is_simple(e):
        return e
    if isinstance(e, nodes.BinOp):
        e.left = _simple(e.left, out, namer, hint)
        e.right = _simple(e.right, out, namer, hint)
        return e
    if isinstance(e, nodes.UnaryOp):
        if isinstance(e.op, nodes.Not):
            return e
        e.operand = _simple(e.operand, out, namer, hint)
        return e
    if isinstance(e, nodes.Call):
        func = e.func
        if isinstance(func, nodes.Attribute) and (nodes.dotted_name(func) is None
                                                 or _of_local(func)):
            func.value = _simple(func.value, out, namer, hint)   # x.T.sum(): x.T first
        e.args = [_starred(a, out, namer, hint) if isinstance(a, nodes.Starred)
                  else _simple(a, out, namer, hint) for a in e.args]
        for k in e.keywords:
            k.value = _simple(k.value, out, namer, hint)
        return e
    if isinstance(e, nodes.Subscript):
        e.value = _simple(e.value, out, namer, hint)
        e.slice = _index(e.slice, out, namer, hint)
        return e
    if isinstance(e, nodes.Attribute):
        if nodes.dotted_name(e) is not None and not _of_local(e):
            return e     # a module attribute (np.pi): resolved later
        e.value = _simple(e.value, out, namer, hint)
        return e
    if isinstance(e, (nodes.Tuple, nodes.List)):
        e.elts = [_simple(x, out, namer, hint) for x in e.elts]
        return e
    if isinstance(e, nodes.Dict):
        e.keys = [_simple(k, out, namer, "key") for k in e.keys]
        e.values = [_simple(v, out, namer, hint) for v in e.values]
        return e
    if isinstance(e, nodes.IfExp):
        return _ifexp(e, out, namer, hint)
    if isinstance(e, nodes.BoolOp):
        return _boolop(e, out, namer, hint)
    # comparisons, f-strings and other inactive expressions stay whole
    return e


def _starred(a, out, namer, hint):
    """``*seq`` as an argument: the sequence a name."""
    a.value = _simple(a.value, out, namer, hint)
    return a


def _index(idx, out, namer, hint):
    if isinstance(idx, nodes.Slice):
        for field in ("lower", "upper", "step"):
            v = getattr(idx, field)
            if v is not None:
                setattr(idx, field, _simple(v, out, namer, "k"))
        return idx
    if isinstance(idx, nodes.Tuple):
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
    out.append(nodes.if_(e.test, body, orelse))
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
    tail = nodes.bool_op(e.op, rest) if len(rest) > 1 else rest[0]
    v = _op(tail, inner, namer, hint)
    v = nodes.name(v.name) if isinstance(v, _Expanded) else v
    inner.append(nodes.assign(tmp, v))
    test = nodes.name(tmp)
    if isinstance(e.op, nodes.Or):
        test = nodes.not_(test)
    out.append(nodes.if_(test, inner))
    return _Expanded(tmp)
