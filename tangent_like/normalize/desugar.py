"""Desugar statements into the core the transforms handle.

* ``x += e``            ->  ``x = x + e``
* ``a = b = e``         ->  ``b = e; a = b``
* ``x: float = e``      ->  ``x = e``
* ``a, (b, c) = e``     ->  parallel assignment when `e` is a tuple display, else flat unpacking
                            ``a, t = e; b, c = t``
* ``for v in xs``       ->  ``for i_v in range(len(xs)): v = xs[i_v]`` (also enumerate, zip)
* docstrings and ``pass`` disappear (an empty block keeps one ``pass``).
"""
import gast

from ..syntax import anno, nodes


def desugar(parsed, namer):
    parsed.node.body = _block(parsed.node.body, namer, parsed)


def _block(stmts, namer, parsed, top=False):
    out = []
    for i, stmt in enumerate(stmts):
        if i == 0 and isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant) \
                and isinstance(stmt.value.value, str):
            continue   # docstring
        for new in _stmt(stmt, namer, parsed):
            _origin(new, stmt)
            out.append(new)
    return out or [gast.Pass()]


def _origin(new, old):
    if anno.get(new, anno.Anno.ORIGIN) is None and hasattr(old, "lineno"):
        anno.set(new, anno.Anno.ORIGIN, (old.lineno, old.col_offset))
    if not hasattr(new, "lineno") and hasattr(old, "lineno"):
        new.lineno, new.col_offset = old.lineno, old.col_offset


def _stmt(stmt, namer, parsed):
    if isinstance(stmt, gast.Pass):
        return []
    if any(isinstance(n, (gast.ListComp, gast.GeneratorExp)) for n in gast.walk(stmt)) \
            and not isinstance(stmt, (gast.If, gast.For, gast.While, gast.FunctionDef)):
        pre = _comprehensions_out(stmt, namer)
        return _block(pre + [stmt], namer, parsed)
    if isinstance(stmt, gast.AnnAssign):
        if stmt.value is None:
            return []
        return _stmt(_located(nodes.assign(stmt.target, stmt.value), stmt), namer, parsed)
    if isinstance(stmt, gast.AugAssign) and isinstance(stmt.target, gast.Subscript):
        # a[i] += v  ->  a[i] = a[i] + v
        value = gast.BinOp(left=nodes.to_load(stmt.target), op=stmt.op, right=stmt.value)
        _copy_loc(value, stmt)
        return _stmt(_located(nodes.assign(stmt.target, value), stmt), namer, parsed)
    if isinstance(stmt, gast.Assign) and isinstance(stmt.targets[0], gast.Subscript):
        return [_item_write(stmt)]
    if isinstance(stmt, gast.Expr) and (_is_append(stmt.value, parsed)
                                        or getattr(stmt, "_tl_new_list", False)):
        # xs.append(v)  ->  xs = appended(xs, v)
        call = stmt.value
        new = _located(nodes.assign(nodes.name(call.func.value.id, "store"), nodes.call(
            "appended", [nodes.name(call.func.value.id)] + list(call.args))), stmt)
        new._tl_item_write = "append"
        return [new]
    if isinstance(stmt, gast.AugAssign):
        value = gast.BinOp(left=nodes.to_load(stmt.target), op=stmt.op, right=stmt.value)
        _copy_loc(value, stmt)
        new = _located(nodes.assign(nodes.to_store(stmt.target), value), stmt)
        new._tl_augmented = True      # in place for arrays: checked once kinds are known
        return _stmt(new, namer, parsed)
    if isinstance(stmt, gast.Assign):
        return _assign(stmt, namer)
    if isinstance(stmt, gast.If):
        stmt.body = _block(stmt.body, namer, parsed)
        stmt.orelse = _block(stmt.orelse, namer, parsed) if stmt.orelse else []
        return [stmt]
    if isinstance(stmt, gast.While):
        stmt.body = _block(stmt.body, namer, parsed)
        return [stmt]
    if isinstance(stmt, gast.For):
        return _for(stmt, namer, parsed)
    return [stmt]


class _Comprehensions(gast.NodeTransformer):
    """Replace each (outermost) comprehension by a name; collect the loops that build it."""

    def __init__(self, namer, stmt):
        self.namer = namer
        self.stmt = stmt
        self.pre = []

    def _lift(self, node):
        result = self.namer.fresh("items")
        rename = {}
        for gen in node.generators:
            for n in gast.walk(gen.target):
                if isinstance(n, gast.Name) and n.id not in rename:
                    rename[n.id] = self.namer.fresh(n.id)
        elt = nodes.substitute(node.elt, rename)
        append = _located(nodes.expr_stmt(nodes.call(f"{result}.append", [elt])), self.stmt)
        append._tl_new_list = True        # a list of our own: appending to it is safe
        body = [append]
        for gen in reversed(node.generators):
            for cond in reversed(gen.ifs):
                body = [_located(gast.If(test=nodes.substitute(cond, rename), body=body,
                                         orelse=[]), self.stmt)]
            loop = gast.For(target=nodes.substitute(gen.target, rename),
                            iter=nodes.substitute(gen.iter, rename) if gen is not
                            node.generators[0] else gen.iter,
                            body=body, orelse=[], type_comment=None)
            body = [_located(loop, self.stmt)]
        self.pre += [_located(nodes.assign(result, gast.List(elts=[], ctx=gast.Load())),
                              self.stmt)] + body
        return nodes.name(result)

    def visit_ListComp(self, node):
        return self._lift(node)

    def visit_GeneratorExp(self, node):
        return self._lift(node)


def _comprehensions_out(stmt, namer):
    """``y = sum(w * v for v in xs)``  ->  ``items = []; for v_1 in xs: items.append(w *
    v_1); y = sum(items)`` (statements to run first; `stmt` is changed in place)."""
    c = _Comprehensions(namer, stmt)
    for field in ("value", "targets", "target"):
        value = getattr(stmt, field, None)
        if isinstance(value, gast.AST):
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
    from .lift import local_names
    return (isinstance(call, gast.Call) and isinstance(call.func, gast.Attribute)
            and call.func.attr == "append" and isinstance(call.func.value, gast.Name)
            and call.func.value.id in local_names(parsed.node) and len(call.args) == 1
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
    if isinstance(target, gast.Name):
        return [stmt]
    if isinstance(target, (gast.Tuple, gast.List)):
        if isinstance(value, (gast.Tuple, gast.List)) and len(value.elts) == len(target.elts) \
                and not any(isinstance(e, gast.Starred) for e in value.elts):
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
        base = t.id if isinstance(t, gast.Name) else "t"
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
        if isinstance(t, gast.Name):
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
    """Loops over range stay; loops over sequences, enumerate and zip become index loops."""
    body = stmt.body
    it = stmt.iter
    func = it.func if isinstance(it, gast.Call) else None
    fname = func.id if isinstance(func, gast.Name) else None
    resolved = parsed.namespace.lookup(fname)[1] if fname else None
    pre = []
    if fname == "reversed" and resolved is reversed and isinstance(stmt.target, gast.Name):
        stmt.body = _block(body, namer, parsed)      # generated code: reversed(range(...))
        return [stmt]
    if fname == "range" and resolved is range:
        if isinstance(stmt.target, gast.Name):
            stmt.body = _block(body, namer, parsed)
            return [stmt]
        index = namer.fresh("i")
        assigns = [_located(nodes.assign(stmt.target, nodes.name(index)), stmt)]
        stmt.target = nodes.name(index, "store")
    elif fname == "enumerate" and resolved is enumerate and len(it.args) in (1, 2) \
            and isinstance(stmt.target, (gast.Tuple, gast.List)) and len(stmt.target.elts) == 2:
        seq, seq_pre = _as_name(it.args[0], namer, stmt, "seq", body)
        pre += seq_pre
        k_target, v_target = stmt.target.elts
        if isinstance(k_target, gast.Name) and len(it.args) == 1:
            index = k_target.id
            assigns = []
        else:
            index = namer.fresh("i")
            start = it.args[1] if len(it.args) == 2 else nodes.const(0)
            kval = gast.BinOp(left=nodes.name(index), op=gast.Add(), right=start)
            assigns = [_located(nodes.assign(k_target, kval), stmt)]
        item = gast.Subscript(value=nodes.name(seq), slice=nodes.name(index), ctx=gast.Load())
        assigns.append(_located(nodes.assign(v_target, item), stmt))
        stmt.iter = nodes.call("range", [nodes.call("len", [nodes.name(seq)])])
        stmt.target = nodes.name(index, "store")
    elif fname == "zip" and resolved is zip and it.args and not it.keywords \
            and isinstance(stmt.target, (gast.Tuple, gast.List)) \
            and len(stmt.target.elts) == len(it.args):
        seqs = []
        for a in it.args:
            s, s_pre = _as_name(a, namer, stmt, "seq", body)
            pre += s_pre
            seqs.append(s)
        index = namer.fresh("i")
        lens = [nodes.call("len", [nodes.name(s)]) for s in seqs]
        bound = lens[0] if len(lens) == 1 else nodes.call("min", lens)
        stmt.iter = nodes.call("range", [bound])
        assigns = [_located(nodes.assign(t, gast.Subscript(
            value=nodes.name(s), slice=nodes.name(index), ctx=gast.Load())), stmt)
            for t, s in zip(stmt.target.elts, seqs)]
        stmt.target = nodes.name(index, "store")
    else:
        seq, seq_pre = _as_name(it, namer, stmt, "seq", body)
        pre += seq_pre
        base = stmt.target.id if isinstance(stmt.target, gast.Name) else "item"
        index = namer.fresh(f"i_{base}")
        item = gast.Subscript(value=nodes.name(seq), slice=nodes.name(index), ctx=gast.Load())
        assigns = [_located(nodes.assign(stmt.target, item), stmt)]
        stmt.iter = nodes.call("range", [nodes.call("len", [nodes.name(seq)])])
        stmt.target = nodes.name(index, "store")
    _copy_loc(stmt.iter, stmt)
    stmt.body = _block(assigns + body, namer, parsed)
    for p in pre:
        _origin(p, stmt)
    return pre + [stmt]


def _as_name(expr, namer, stmt, base, body):
    """The sequence a loop iterates over is evaluated once, before the loop: a name the
    loop body assigns again is read into a name of its own first."""
    if isinstance(expr, gast.Name) and not any(
            expr.id in nodes.stored_names(s) for s in body):
        return expr.id, []
    tmp = namer.fresh(base)
    return tmp, [_located(nodes.assign(tmp, expr), stmt)]
