"""Loops over a tuple (or list) of functions written out, one copy of the body per function.

``for fn in (np.sin, np.cos, square): total = total + fn(x)`` calls a different function in
each iteration; written out, each copy calls its function by name, which the analysis
resolves like any other call.  The tuple must be a display of known functions: names and
attributes of functions (of modules, of the function's globals, nested functions) and
lambdas (which become nested functions of their own).  The body must not assign the loop
variable, nor ``break`` or ``continue`` out of this loop, and the variable must not be read
after the loop; otherwise the loop stays as written (and calling a local variable whose
function is not known is refused later, with its location).

Example (run as a test)::

    >>> from tangent_like.frontend.parse import parse_source
    >>> from tangent_like.syntax.naming import Namer
    >>> parsed = parse_source('''
    ... def f(x):
    ...     total = 0.0
    ...     for fn in (math.sin, lambda t: t * t):
    ...         total = total + fn(x)
    ...     return total
    ... ''', {"math": math})
    >>> unroll_function_loops(parsed, Namer(nodes.all_names(parsed.node)))
    >>> print(nodes.unparse(parsed.node))
    def f(x):
        total = 0.0
        total = total + math.sin(x)
        fn_2 = lambda t: t * t
        total = total + fn_2(x)
        return total
"""
import math  # noqa: F401  (the example above)

from ..analysis.lattice import is_function_value
from ..syntax import nodes
from ..syntax.scopes import local_names, walk_no_defs


def unroll_function_loops(parsed, namer):
    """Write out the loops of `parsed` (in place) that run over a tuple of functions."""
    nested = {s.name for s in nodes.walk(parsed.node) if isinstance(s, nodes.FunctionDef)
              and s is not parsed.node}
    parsed.node.body = _block(parsed.node.body, parsed, namer, nested)


def _block(stmts, parsed, namer, nested):
    out = []
    for s in stmts:
        for field in ("body", "orelse"):
            if getattr(s, field, None):
                setattr(s, field, _block(getattr(s, field), parsed, namer, nested))
        if isinstance(s, nodes.For) and _unrollable(s, parsed, nested):
            out += _unrolled(s, namer)
        else:
            out.append(s)
    return out


def _unrollable(loop, parsed, nested):
    if not (isinstance(loop.target, nodes.Name) and isinstance(loop.iter, (nodes.Tuple,
                                                                           nodes.List))):
        return False
    if loop.orelse or not loop.iter.elts:
        return False
    if not all(_known_function(e, parsed, nested) for e in loop.iter.elts):
        return False
    name = loop.target.id
    for s in loop.body:
        for n in walk_no_defs(s):
            if isinstance(n, (nodes.Break, nodes.Continue)) and _this_loop(n, loop):
                return False
            if isinstance(n, nodes.Name) and n.id == name and not nodes.is_load(n):
                return False
    reads_after = any(isinstance(n, nodes.Name) and n.id == name and nodes.is_load(n)
                      for n in nodes.walk(parsed.node)) and not _read_only_in(loop, name,
                                                                              parsed.node)
    return not reads_after


def _known_function(e, parsed, nested):
    if isinstance(e, nodes.Lambda):
        return True
    dotted = nodes.dotted_name(e)
    if dotted is None:
        return False
    head, *rest = dotted.split(".")
    if head in nested and not rest:
        return True
    if head in local_names(parsed.node):
        return False
    found, value = parsed.namespace.lookup(head)
    for part in rest:
        value = getattr(value, part, None) if found else None
    return found and is_function_value(value)


def _this_loop(jump, loop):
    """Does `jump` (a break or continue inside `loop`'s body) leave `loop` itself, not a
    loop nested in it?"""
    todo = [(s, False) for s in loop.body]
    while todo:
        s, inner = todo.pop()
        if s is jump:
            return not inner
        if isinstance(s, (nodes.For, nodes.While)):
            todo += [(c, True) for c in s.body + s.orelse]
        elif isinstance(s, nodes.If):
            todo += [(c, inner) for c in s.body + s.orelse]
    return False


def _read_only_in(loop, name, fdef):
    """Is every read of `name` in `fdef` inside `loop`'s body?"""
    inside = {id(n) for s in loop.body for n in nodes.walk(s)}
    return all(id(n) in inside for n in nodes.walk(fdef)
               if isinstance(n, nodes.Name) and n.id == name and nodes.is_load(n))


def _unrolled(loop, namer):
    name = loop.target.id
    out = []
    for e in loop.iter.elts:
        if isinstance(e, nodes.Lambda):
            fresh = namer.fresh(name)
            out.append(_located(nodes.assign(fresh, e), loop))
            e = nodes.name(fresh)
        out += [_located_all(nodes.substitute(s, {name: e}), loop) for s in loop.body]
    return out


def _located(new, old):
    new.lineno, new.col_offset = old.lineno, old.col_offset
    return new


def _located_all(stmt, loop):
    return nodes.locate_missing(stmt, loop.lineno, loop.col_offset)
