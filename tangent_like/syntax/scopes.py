"""Scopes: which names a function binds, read off its tree.

A nested ``def`` or ``lambda`` is a scope of its own: what it binds is not a local variable
of the function around it (but the name of a nested ``def`` is)::

    >>> from tangent_like.syntax import nodes
    >>> f = nodes.parse("def f(x, *, k):\\n    y = x * k\\n    def h(t):\\n        z = t\\n"
    ...                 "    for i in range(3):\\n        y = y + h(i)\\n    return y").body[0]
    >>> sorted(local_names(f))
    ['h', 'i', 'k', 'x', 'y']
"""
import gast

from .nodes import iter_child_nodes


def local_names(fdef):
    """Parameters and every name the function body assigns (not descending into defs)."""
    a = fdef.args
    names = {p.id for p in a.args + a.posonlyargs + a.kwonlyargs + [a.vararg, a.kwarg]
             if p is not None}
    for stmt in fdef.body:
        if isinstance(stmt, gast.FunctionDef):
            names.add(stmt.name)        # its own body is a scope of its own
            continue
        for n in walk_no_defs(stmt):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                names.add(n.id)
            elif isinstance(n, gast.FunctionDef):
                names.add(n.name)
    return names


def walk_no_defs(node):
    """The nodes of `node`'s tree, not descending into the ``def``s and lambdas it holds
    (`node` itself may be one: its own body is walked)."""
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, (gast.FunctionDef, gast.Lambda)) and n is not node:
            continue
        todo.extend(iter_child_nodes(n))
