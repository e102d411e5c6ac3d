"""Lift nested functions and lambdas out of the function that defines them.

A nested ``def h(t): return t * a`` (or ``h = lambda t: t * a``) whose free variables are
locals of the outer function becomes a separate function ``f_h(t, a)``; every call ``h(x)`` in
the outer function (and in other lifted functions) becomes ``f_h(x, a)``.  The free variables
are read at the call, as a closure would read them, so active closures differentiate like
ordinary arguments.  A nested function used other than by calling it, or two nested
functions of the same name, are refused.

Example (run as a test)::

    >>> from tangent_like.frontend.parse import parse_source
    >>> from tangent_like.syntax.naming import Namer
    >>> parsed = parse_source('''
    ... def f(x, a):
    ...     def h(t):
    ...         return t * a
    ...     g = lambda t, s=2.0: h(t) + s * x
    ...     return g(x) + h(a)
    ... ''')
    >>> lifted = lift_nested(parsed, Namer(nodes.all_names(parsed.node)))
    >>> for fdef in [parsed.node] + [lp.node for lp in lifted]:
    ...     print(nodes.unparse(fdef))
    def f(x, a):
        return f_g(x, a=a, x=x) + f_h(a, a)
    def f_h(t, a):
        return t * a
    def f_g(t, s=2.0, *, a, x):
        return f_h(t, a) + s * x
"""
from ..errors import UnsupportedSyntaxError
from ..frontend.parse import ParsedFunction
from ..syntax import nodes
from ..syntax.scopes import local_names, walk_no_defs


def lift_nested(parsed, namer):
    """Lift nested functions out of `parsed`; returns the new `ParsedFunction` objects."""
    outer = parsed.node
    found = {}   # inner name -> FunctionDef
    # Collect defs and named lambdas anywhere in the body (statement positions).
    parents = {}
    _collect(parsed, outer.body, found, parents, None)
    if not found:
        _refuse_stray_lambdas(parsed, outer)
        return []
    outer_locals = local_names(outer)
    free = {}
    for name, fdef in found.items():
        own = local_names(fdef)
        loads = {n.id for n in walk_no_defs(fdef) if isinstance(n, nodes.Name)
                 and nodes.is_load(n)}
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
            called = {n.func.id for n in nodes.walk(fdef) if isinstance(n, nodes.Call)
                      and isinstance(n.func, nodes.Name) and n.func.id in found}
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
        # free variables come after any defaulted parameters (or *args): make them
        # keyword-only
        if (fdef.args.defaults or fdef.args.vararg is not None) and free[name]:
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


def _collect(parsed, body, found, parents, parent):
    """Remove nested defs and ``name = lambda ...`` statements from `body` into `found`."""
    keep = []
    for stmt in body:
        if isinstance(stmt, nodes.FunctionDef):
            _found(parsed, found, stmt, stmt)
            parents[stmt.name] = parent
            _collect(parsed, stmt.body, found, parents, stmt.name)
            continue
        if (isinstance(stmt, nodes.Assign) and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], nodes.Name)
                and isinstance(stmt.value, nodes.Lambda)):
            lam = stmt.value
            ret = nodes.return_(lam.body)
            ret.lineno, ret.col_offset = lam.body.lineno, lam.body.col_offset
            fdef = nodes.function_def(stmt.targets[0].id, lam.args, [ret])
            fdef.lineno, fdef.col_offset = stmt.lineno, stmt.col_offset
            _found(parsed, found, fdef, stmt)
            parents[fdef.name] = parent
            continue
        for field in ("body", "orelse"):
            if hasattr(stmt, field) and isinstance(getattr(stmt, field), list):
                setattr(stmt, field, _collect(parsed, getattr(stmt, field), found, parents,
                                              parent))
        keep.append(stmt)
    body[:] = keep
    return body


def _found(parsed, found, fdef, stmt):
    """Record the nested function `fdef` (defined by `stmt`); a name defined twice (in two
    branches, or redefined) is refused: every call would reach the same lifted function."""
    if fdef.name in found:
        raise UnsupportedSyntaxError(
            f"the nested function {fdef.name!r} is defined more than once",
            filename=parsed.source.filename, lineno=stmt.lineno, col_offset=stmt.col_offset,
            source_line=parsed.source.line(stmt.lineno),
            hint="give each nested function a name of its own", construct="nested function")
    found[fdef.name] = fdef


def _rewrite_calls(parsed, fdef, found, lifted_names, free):
    for node in nodes.walk(fdef):
        if isinstance(node, nodes.Call) and isinstance(node.func, nodes.Name) \
                and node.func.id in found:
            inner = node.func.id
            node.func = nodes.name(lifted_names[inner])
            extra = free[inner]
            if found[inner].args.kwonlyargs and extra and \
                    found[inner].args.kwonlyargs[-len(extra):][0].id == extra[0]:
                node.keywords.extend(nodes.keyword_arg(v, nodes.name(v)) for v in extra)
            else:
                node.args.extend(nodes.name(v) for v in extra)
            node._tl_lifted_call = True
    # any remaining load of an inner name is a function used as a value
    for node in nodes.walk(fdef):
        if isinstance(node, nodes.Name) and nodes.is_load(node) \
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
    for node in nodes.walk(fdef):
        if isinstance(node, nodes.Lambda) and node is not fdef:
            raise UnsupportedSyntaxError(
                "a lambda used inside an expression is not supported",
                filename=parsed.source.filename, lineno=node.lineno,
                col_offset=node.col_offset, source_line=parsed.source.line(node.lineno),
                hint="assign the lambda to a name ('g = lambda t: ...') and call it",
                construct="lambda")
