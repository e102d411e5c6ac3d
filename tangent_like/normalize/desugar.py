"""Desugar statements into the core the transforms handle.

* ``x += e``            ->  ``x = x + e``
* ``a = b = e``         ->  ``b = e; a = b``
* ``x: float = e``      ->  ``x = e``
* ``a, (b, c) = e``     ->  parallel assignment when `e` is a tuple display, else flat unpacking
                            ``a, t = e; b, c = t``
* ``for v in xs``       ->  ``for i_v in range(len(xs)): v = xs[i_v]`` (also enumerate, zip,
                            and ``reversed(xs)``, read as ``xs[-1 - i_v]``)
* ``a[i] = v``          ->  ``a = with_item(a, i, v)`` (a new array with the part replaced)
* ``xs.append(v)``      ->  ``xs = appended(xs, v)``
* ``[e for v in xs]``   ->  a loop appending to a list of its own, run before the statement
                            (``{k: e for v in xs}``: a loop writing into a dict of its own)
* docstrings and ``pass`` disappear (an empty block keeps one ``pass``).

Example (run as a test)::

    >>> from tangent_like.frontend.parse import parse_source
    >>> from tangent_like.syntax.naming import Namer
    >>> parsed = parse_source('''
    ... def f(x, xs):
    ...     'The docstring goes.'
    ...     x += 1.0
    ...     a = b = x * 2.0
    ...     for k, v in enumerate(xs, 1):
    ...         a = a * v + k
    ...     return a + b
    ... ''')
    >>> desugar(parsed, Namer(nodes.all_names(parsed.node)))
    >>> print(nodes.unparse(parsed.node))
    def f(x, xs):
        x = x + 1.0
        b = x * 2.0
        a = b
        for i in range(len(xs)):
            k = i + 1
            v = xs[i]
            a = a * v + k
        return a + b
"""
import builtins

from ..syntax import anno, nodes
from ..syntax.naming import is_generated
from ..syntax.scopes import local_names


def desugar(parsed, namer):
    parsed.locals_before_desugar = local_names(parsed.node)     # read once: trees are large
    parsed.node.body = _block(parsed.node.body, namer, parsed)


def _block(stmts, namer, parsed, top=False):
    out = []
    for i, stmt in enumerate(stmts):
        if i == 0 and nodes.is_docstring(stmt):
            continue
        for new in _stmt(stmt, namer, parsed):
            _origin(new, stmt)
            out.append(new)
    return out or [nodes.pass_()]


def _origin(new, old):
    if anno.get(new, anno.Anno.ORIGIN) is None and hasattr(old, "lineno"):
        anno.set(new, anno.Anno.ORIGIN, (old.lineno, old.col_offset))
    if not hasattr(new, "lineno") and hasattr(old, "lineno"):
        new.lineno, new.col_offset = old.lineno, old.col_offset


def _stmt(stmt, namer, parsed):
    if isinstance(stmt, nodes.Pass):
        return []
    if any(isinstance(n, (nodes.ListComp, nodes.GeneratorExp, nodes.DictComp))
           for n in nodes.walk(stmt)) \
            and not isinstance(stmt, (nodes.If, nodes.For, nodes.While, nodes.FunctionDef)):
        pre = _comprehensions_out(stmt, namer)
        return _block(pre + [stmt], namer, parsed)
    if isinstance(stmt, nodes.AnnAssign):
        if stmt.value is None:
            return []
        return _stmt(_located(nodes.assign(stmt.target, stmt.value), stmt), namer, parsed)
    if isinstance(stmt, nodes.AugAssign) and isinstance(stmt.target, nodes.Subscript):
        # a[i] += v  ->  a[i] = a[i] + v
        value = nodes.binop(nodes.to_load(stmt.target), stmt.op, stmt.value)
        _copy_loc(value, stmt)
        return _stmt(_located(nodes.assign(stmt.target, value), stmt), namer, parsed)
    if isinstance(stmt, nodes.Assign) and isinstance(stmt.targets[0], nodes.Subscript):
        return [_item_write(stmt)]
    if isinstance(stmt, nodes.Expr) and (_is_append(stmt.value, parsed)
                                        or getattr(stmt, "_tl_new_list", False)):
        # xs.append(v)  ->  xs = appended(xs, v)
        call = stmt.value
        new = _located(nodes.assign(nodes.name(call.func.value.id, "store"), nodes.call(
            "appended", [nodes.name(call.func.value.id)] + list(call.args))), stmt)
        new._tl_item_write = "append"
        return [new]
    if isinstance(stmt, nodes.AugAssign):
        value = nodes.binop(nodes.to_load(stmt.target), stmt.op, stmt.value)
        _copy_loc(value, stmt)
        new = _located(nodes.assign(nodes.to_store(stmt.target), value), stmt)
        new._tl_augmented = True      # in place for arrays: checked once kinds are known
        return _stmt(new, namer, parsed)
    if isinstance(stmt, nodes.Assign):
        return _assign(stmt, namer)
    if isinstance(stmt, nodes.If):
        stmt.body = _block(stmt.body, namer, parsed)
        stmt.orelse = _block(stmt.orelse, namer, parsed) if stmt.orelse else []
        return [stmt]
    if isinstance(stmt, nodes.While):
        stmt.body = _block(stmt.body, namer, parsed)
        return [stmt]
    if isinstance(stmt, nodes.For):
        return _for(stmt, namer, parsed)
    return [stmt]


class _Comprehensions(nodes.NodeTransformer):
    """Replace each (outermost) comprehension by a name; collect the loops that build it."""

    def __init__(self, namer, stmt):
        self.namer = namer
        self.stmt = stmt
        self.pre = []

    def _lift(self, node):
        is_dict = isinstance(node, nodes.DictComp)
        result = self.namer.fresh("mapping" if is_dict else "items")
        rename = {}
        for gen in node.generators:
            for n in nodes.walk(gen.target):
                if isinstance(n, nodes.Name) and n.id not in rename:
                    rename[n.id] = self.namer.fresh(n.id)
        if is_dict:         # {k: v for ...}: mapping[k] = v, the last value of a key wins
            item = nodes.subscript(nodes.name(result), nodes.substitute(node.key, rename))
            add = _located(nodes.assign(nodes.to_store(item),
                                        nodes.substitute(node.value, rename)), self.stmt)
        else:
            elt = nodes.substitute(node.elt, rename)
            add = _located(nodes.expr_stmt(nodes.call(f"{result}.append", [elt])), self.stmt)
            add._tl_new_list = True        # a list of our own: appending to it is safe
        body = [add]
        for gen in reversed(node.generators):
            for cond in reversed(gen.ifs):
                body = [_located(nodes.if_(nodes.substitute(cond, rename), body), self.stmt)]
            iter_ = gen.iter if gen is node.generators[0] else nodes.substitute(gen.iter, rename)
            loop = nodes.for_(nodes.substitute(gen.target, rename), iter_, body)
            body = [_located(loop, self.stmt)]
        empty = nodes.dict_() if is_dict else nodes.list_()
        self.pre += [_located(nodes.assign(result, empty), self.stmt)] + body
        return nodes.name(result)

    def visit_ListComp(self, node):
        return self._lift(node)

    def visit_GeneratorExp(self, node):
        return self._lift(node)

    def visit_DictComp(self, node):
        return self._lift(node)

    def visit_SetComp(self, node):
        return node         # a set of constants, evaluated as written

    def visit_Lambda(self, node):
        return node


def _comprehensions_out(stmt, namer):
    """``y = sum(w * v for v in xs)``  ->  ``items = []; for v_1 in xs: items.append(w *
    v_1); y = sum(items)`` (statements to run first; `stmt` is changed in place)."""
    c = _Comprehensions(namer, stmt)
    for field in ("value", "targets", "target"):
        value = getattr(stmt, field, None)
        if isinstance(value, nodes.AST):
            setattr(stmt, field, c.visit(value))
    return c.pre


def _item_write(stmt):
    """``a[idx] = v``  ->  ``a = with_item(a, idx, v)``: a new array with the part replaced.

    The derivative code then sees an ordinary assignment; aliasing (another name for the
    same array, which would see the write in Python) is refused once kinds are known."""
    target = stmt.targets[0]
    name = target.value.id
    value = nodes.call("with_item", [nodes.name(name), nodes.index_value(target.slice),
                                     stmt.value])
    _copy_loc(value, stmt)
    new = _located(nodes.assign(name, value), stmt)
    new._tl_item_write = "write"
    return new


def _is_append(call, parsed):
    return (isinstance(call, nodes.Call) and isinstance(call.func, nodes.Attribute)
            and call.func.attr == "append" and isinstance(call.func.value, nodes.Name)
            and call.func.value.id in parsed.locals_before_desugar and len(call.args) == 1
            and not call.keywords and not call.func.value.id.startswith("_"))


def _located(new, old):
    _copy_loc(new, old)
    return new


def _copy_loc(new, old):
    new.lineno, new.col_offset = old.lineno, old.col_offset
    new.end_lineno = getattr(old, "end_lineno", old.lineno)
    new.end_col_offset = getattr(old, "end_col_offset", old.col_offset)


def _assign(stmt, namer):
    value = stmt.value
    out = []
    targets = stmt.targets
    if len(targets) > 1:
        # a = b = e: evaluate once into the last simple target, copy to the others
        last = targets[-1]
        out += _assign(_located(nodes.assign(last, value), stmt), namer)
        for t in reversed(targets[:-1]):
            out += _assign(_located(nodes.assign(t, nodes.to_load(last)), stmt), namer)
        return out
    target = targets[0]
    if isinstance(target, nodes.Name):
        return [stmt]
    if isinstance(target, (nodes.Tuple, nodes.List)):
        if isinstance(value, (nodes.Tuple, nodes.List)) and len(value.elts) == len(target.elts) \
                and not any(isinstance(e, nodes.Starred) for e in value.elts):
            return _parallel(stmt, target, value, namer)
        return _unpack(stmt, target, value, namer)
    return [stmt]


def _parallel(stmt, target, value, namer):
    """``a, b = e1, e2`` evaluates both sides before assigning."""
    written = nodes.stored_names(target)
    read = set()
    for e in value.elts:
        read |= nodes.loaded_names(e)
    out = []
    if not (written & read):
        for t, e in zip(target.elts, value.elts):
            out += _assign(_located(nodes.assign(t, e), stmt), namer)
        return out
    temps = []
    for t, e in zip(target.elts, value.elts):
        base = t.id if isinstance(t, nodes.Name) else "t"
        tmp = namer.fresh(f"{base}_new")
        temps.append(tmp)
        out.append(_located(nodes.assign(tmp, e), stmt))
    for t, tmp in zip(target.elts, temps):
        out += _assign(_located(nodes.assign(t, nodes.name(tmp)), stmt), namer)
    return out


def _unpack(stmt, target, value, namer):
    """Flat unpacking ``a, b = e``; nested targets go through temporaries."""
    flat = []
    later = []
    for t in target.elts:
        if isinstance(t, nodes.Name):
            flat.append(nodes.to_store(t))
        else:
            tmp = namer.fresh("part")
            flat.append(nodes.name(tmp, "store"))
            later.append(_located(nodes.assign(t, nodes.name(tmp)), stmt))
    head = _located(nodes.assign(nodes.tuple_(flat, "store"), value), stmt)
    out = [head]
    for s in later:
        out += _assign(s, namer)
    return out


def _for(stmt, namer, parsed):
    """Loops over range stay; loops over sequences, enumerate and zip become index loops.

    What the loop header evaluates is evaluated once, before the loop, as in Python: a
    sequence (or an enumerate start) that the loop assigns again is read into a name of its
    own first."""
    body = stmt.body
    it = stmt.iter
    written = nodes.stored_names(stmt.target)
    for s in body:
        written |= nodes.stored_names(s)
    pre = []
    if _is_builtin_call(it, "reversed", parsed) and isinstance(stmt.target, nodes.Name) \
            and is_generated(parsed):
        stmt.body = _block(body, namer, parsed)      # generated code: reversed(range(...))
        return [stmt]
    if _is_builtin_call(it, "range", parsed):
        if isinstance(stmt.target, nodes.Name):
            stmt.body = _block(body, namer, parsed)
            return [stmt]
        index = namer.fresh("i")
        assigns = [_located(nodes.assign(stmt.target, nodes.name(index)), stmt)]
        stmt.target = nodes.name(index, "store")
    elif _is_builtin_call(it, "enumerate", parsed) and _enumerate_args(it) is not None \
            and isinstance(stmt.target, (nodes.Tuple, nodes.List)) and len(stmt.target.elts) == 2:
        iterable, start = _enumerate_args(it)
        seq, seq_pre, backwards = _sequence(iterable, namer, stmt, written, parsed)
        pre += seq_pre
        k_target, v_target = stmt.target.elts
        if isinstance(k_target, nodes.Name) and start is None:
            index = k_target.id
            assigns = []
        else:
            index = namer.fresh("i")
            if start is None:
                start = nodes.const(0)
            elif nodes.loaded_names(start) & written or any(
                    isinstance(n, nodes.Call) for n in nodes.walk(start)):
                first = namer.fresh("start")
                pre.append(_located(nodes.assign(first, start), stmt))
                start = nodes.name(first)
            kval = nodes.binop(nodes.name(index), nodes.Add, start)
            assigns = [_located(nodes.assign(k_target, kval), stmt)]
        item = _item(seq, index, backwards)
        assigns.append(_located(nodes.assign(v_target, item), stmt))
        stmt.iter = nodes.call("range", [nodes.call("len", [nodes.name(seq)])])
        stmt.target = nodes.name(index, "store")
    elif _is_builtin_call(it, "zip", parsed) and it.args and not it.keywords \
            and isinstance(stmt.target, (nodes.Tuple, nodes.List)) \
            and len(stmt.target.elts) == len(it.args):
        seqs = []
        for a in it.args:
            s, s_pre, backwards = _sequence(a, namer, stmt, written, parsed)
            pre += s_pre
            seqs.append((s, backwards))
        index = namer.fresh("i")
        lens = [nodes.call("len", [nodes.name(s)]) for s, _ in seqs]
        bound = lens[0] if len(lens) == 1 else nodes.call("min", lens)
        stmt.iter = nodes.call("range", [bound])
        assigns = [_located(nodes.assign(t, _item(s, index, backwards)), stmt)
                   for t, (s, backwards) in zip(stmt.target.elts, seqs)]
        stmt.target = nodes.name(index, "store")
    else:
        seq, seq_pre, backwards = _sequence(it, namer, stmt, written, parsed)
        pre += seq_pre
        base = stmt.target.id if isinstance(stmt.target, nodes.Name) else "item"
        index = namer.fresh(f"i_{base}")
        assigns = [_located(nodes.assign(stmt.target, _item(seq, index, backwards)), stmt)]
        stmt.iter = nodes.call("range", [nodes.call("len", [nodes.name(seq)])])
        stmt.target = nodes.name(index, "store")
    _copy_loc(stmt.iter, stmt)
    stmt.body = _block(assigns + body, namer, parsed)
    for p in pre:
        _origin(p, stmt)
    return pre + [stmt]


def _is_builtin_call(expr, builtin, parsed):
    """Is `expr` a call of the builtin named `builtin` (not of a name that hides it)?"""
    if not (isinstance(expr, nodes.Call) and isinstance(expr.func, nodes.Name)
            and expr.func.id == builtin):
        return False
    found, value = parsed.namespace.lookup(builtin)
    return found and value is getattr(builtins, builtin)


def _enumerate_args(call):
    """(iterable, start or None) of ``enumerate(xs)``, ``enumerate(xs, s)`` or
    ``enumerate(xs, start=s)``; None for any other form."""
    if len(call.args) == 1 and not call.keywords:
        return call.args[0], None
    if len(call.args) == 2 and not call.keywords:
        return call.args[0], call.args[1]
    if len(call.args) == 1 and len(call.keywords) == 1 and call.keywords[0].arg == "start":
        return call.args[0], call.keywords[0].value
    return None


def _sequence(expr, namer, stmt, written, parsed):
    """The sequence a loop reads its items from: (its name, the statements evaluating it
    before the loop, whether it is read backwards).  ``reversed(xs)`` is `xs` read from its
    end; a sequence that is not a name, or a name in `written` (the names the loop assigns),
    is evaluated into a name of its own."""
    backwards = False
    if _is_builtin_call(expr, "reversed", parsed) and len(expr.args) == 1 \
            and not expr.keywords:
        expr, backwards = expr.args[0], True
    if isinstance(expr, nodes.Name) and expr.id not in written:
        return expr.id, [], backwards
    tmp = namer.fresh("seq")
    return tmp, [_located(nodes.assign(tmp, expr), stmt)], backwards


def _item(seq, index, backwards):
    """``seq[index]``, or ``seq[-1 - index]`` for a sequence read backwards."""
    position = nodes.name(index)
    if backwards:
        position = nodes.binop(nodes.neg(nodes.const(1)), nodes.Sub, position)
    item = nodes.subscript(nodes.name(seq), position)
    item._tl_loop_item = True       # a loop over a dict reads its keys (see activity)
    return item
