"""Lift nested functions and lambdas out of the function that defines them.

A nested ``def h(t): return t * a`` (or ``h = lambda t: t * a``) whose free variables are
locals of the outer function becomes a separate function ``f_h(t, a)``; every call ``h(x)`` in
the outer function (and in other lifted functions) becomes ``f_h(x, a)``.  The free variables
are read at the call, as a closure would read them, so active closures differentiate like
ordinary arguments.  A nested function used other than by calling it is refused.
"""
import gast

from ..errors import UnsupportedSyntaxError
from ..frontend.parse import ParsedFunction
from ..syntax import nodes


def local_names(fdef):
    """Parameters and every name the function body assigns (not descending into defs)."""
    names = {a.id for a in fdef.args.args + fdef.args.posonlyargs + fdef.args.kwonlyargs}
    for stmt in fdef.body:
        for n in _walk_no_defs(stmt):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                names.add(n.id)
            elif isinstance(n, gast.FunctionDef):
                names.add(n.name)
    return names


def _walk_no_defs(node):
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, (gast.FunctionDef, gast.Lambda)) and n is not node:
            continue
        todo.extend(gast.iter_child_nodes(n))


def lift_nested(parsed, namer):
    """Lift nested functions out of `parsed`; returns the new `ParsedFunction` objects."""
    outer = parsed.node
    found = {}   # inner name -> FunctionDef
    new_body = []
    for stmt in outer.body:
        new_body.append(stmt)
    # Collect defs and named lambdas anywhere in the body (statement positions).
    parents = {}
    _collect(outer.body, found, parents, None)
    if not found:
        _refuse_stray_lambdas(parsed, outer)
        return []
    outer_locals = local_names(outer)
    free = {}
    for name, fdef in found.items():
        own = local_names(fdef)
        loads = {n.id for n in _walk_no_defs(fdef) if isinstance(n, gast.Name)
                 and isinstance(n.ctx, gast.Load)}
        enclosing = set(outer_locals)
        p = parents.get(name)
        while p is not None:
            enclosing |= local_names(found[p])
            p = parents.get(p)
        free[name] = sorted((loads - own) & (enclosing - set(found)))
    changed = True
    while changed:   # a lifted function passes on what the lifted functions it calls need
        changed = False
        for name, fdef in found.items():
            called = {n.func.id for n in gast.walk(fdef) if isinstance(n, gast.Call)
                      and isinstance(n.func, gast.Name) and n.func.id in found}
            own = local_names(fdef)
            extra = set()
            for c in called:
                extra |= set(free[c]) - own
            if not extra <= set(free[name]):
                free[name] = sorted(set(free[name]) | extra)
                changed = True
    lifted_names = {name: namer.fresh(f"{outer.name}_{name}") for name in found}
    result = []
    for name, fdef in found.items():
        fdef.name = lifted_names[name]
        fdef.decorator_list = []
        for v in free[name]:
            fdef.args.args.append(nodes.name(v, "param"))
        # free variables come after any defaulted parameters: make them keyword-only
        if fdef.args.defaults and free[name]:
            k = len(free[name])
            moved = fdef.args.args[-k:]
            fdef.args.args = fdef.args.args[:-k]
            fdef.args.kwonlyargs = fdef.args.kwonlyargs + moved
            fdef.args.kw_defaults = fdef.args.kw_defaults + [None] * k
    for fdef in [outer] + list(found.values()):
        _rewrite_calls(parsed, fdef, found, lifted_names, free)
    for name, fdef in found.items():
        lp = ParsedFunction(fdef, fdef.name, parsed.namespace, parsed.source, func=None)
        lp.lifted_from = parsed
        result.append(lp)
    # every ParsedFunction of this family can see every lifted function
    table = {lifted_names[n]: lp for n, lp in zip(found, result)}
    parsed.lifted = table
    for lp in result:
        lp.lifted = table
    return result


def _collect(body, found, parents, parent):
    """Remove nested defs and ``name = lambda ...`` statements from `body` into `found`."""
    keep = []
    for stmt in body:
        if isinstance(stmt, gast.FunctionDef):
            found[stmt.name] = stmt
            parents[stmt.name] = parent
            _collect(stmt.body, found, parents, stmt.name)
            continue
        if (isinstance(stmt, gast.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], gast.Name)
                and isinstance(stmt.value, gast.Lambda)):
            lam = stmt.value
            ret = gast.Return(value=lam.body)
            ret.lineno, ret.col_offset = lam.body.lineno, lam.body.col_offset
            fdef = gast.FunctionDef(name=stmt.targets[0].id, args=lam.args, body=[ret],
                                    decorator_list=[], returns=None, type_comment=None,
                                    type_params=[])
            fdef.lineno, fdef.col_offset = stmt.lineno, stmt.col_offset
            found[fdef.name] = fdef
            parents[fdef.name] = parent
            continue
        for field in ("body", "orelse"):
            if hasattr(stmt, field) and isinstance(getattr(stmt, field), list):
                setattr(stmt, field, _collect(getattr(stmt, field), found, parents, parent))
        keep.append(stmt)
    body[:] = keep
    return body


def _rewrite_calls(parsed, fdef, found, lifted_names, free):
    for node in gast.walk(fdef):
        if isinstance(node, gast.Call) and isinstance(node.func, gast.Name) \
                and node.func.id in found:
            inner = node.func.id
            node.func = nodes.name(lifted_names[inner])
            extra = free[inner]
            if found[inner].args.kwonlyargs and extra and \
                    found[inner].args.kwonlyargs[-len(extra):][0].id == extra[0]:
                node.keywords.extend(gast.keyword(arg=v, value=nodes.name(v)) for v in extra)
            else:
                node.args.extend(nodes.name(v) for v in extra)
            node._tl_lifted_call = True
    # any remaining load of an inner name is a function used as a value
    for node in gast.walk(fdef):
        if isinstance(node, gast.Name) and isinstance(node.ctx, gast.Load) \
                and node.id in found:
            _refuse_value(parsed, node)
    _refuse_stray_lambdas(parsed, fdef)


def _refuse_value(parsed, node):
    raise UnsupportedSyntaxError(
        f"the nested function {node.id!r} is used as a value",
        filename=parsed.source.filename, lineno=node.lineno, col_offset=node.col_offset,
        source_line=parsed.source.line(node.lineno),
        hint="call nested functions directly; pass data, not functions, to other functions",
        construct="function value")


def _refuse_stray_lambdas(parsed, fdef):
    for node in gast.walk(fdef):
        if isinstance(node, gast.Lambda) and node is not fdef:
            raise UnsupportedSyntaxError(
                "a lambda used inside an expression is not supported",
                filename=parsed.source.filename, lineno=node.lineno,
                col_offset=node.col_offset, source_line=parsed.source.line(node.lineno),
                hint="assign the lambda to a name ('g = lambda t: ...') and call it",
                construct="lambda")
