r"""Hygiene: the user's names never meet the names generated code reads.

Generated code reads names from its factory and the builtins (runtime helpers, ``np``,
``math``, ``range``, ``len``, other generated functions, stacks); the user's code reads its
own closure variables, globals and builtins.  Before a function is normalized, `hygiene`
keeps the two apart: a local variable with a reserved name is renamed; a free name whose
value differs from what generated code means by it (a global ``tie = 2.0``, a closure
variable ``unbroadcast``, a global ``len`` shadowing the builtin) is read through an alias,
a fresh name bound to the user's own closure cell or to the global's value; a parameter
with such a name is refused with its location (renaming it would change the signature).

Example (run as a test)::

    >>> from types import SimpleNamespace
    >>> from tangent_like.frontend.parse import parse_source
    >>> parsed = parse_source("def f(x):\n"
    ...                       "    unbroadcast = x * 2.0\n"
    ...                       "    return len(unbroadcast)")
    >>> program = SimpleNamespace(namer=Namer())
    >>> hygiene(parsed, program)
    >>> print(nodes.unparse(parsed.node))
    def f(x):
        unbroadcast_2 = x * 2.0
        return len(unbroadcast_2)
"""
import builtins
import math
import types

import numpy

from .. import runtime
from ..errors import UnsupportedSyntaxError
from ..syntax import nodes
from ..syntax.naming import Namer, is_generated, is_stack
from ..syntax.scopes import local_names, walk_no_defs

_BUILTINS = frozenset(dir(builtins))

_NOTHING = object()


def _generated_meaning(name, program):
    """What generated code means by `name`: a helper, a module, a builtin; `_NOTHING` for a
    name it does not read; None for the names of generated functions and stacks (which the
    user's values never are)."""
    if name in runtime.HELPERS:
        return runtime.HELPERS[name]
    if name == "np":
        return numpy
    if name == "math":
        return math
    if name in _BUILTINS:
        return getattr(builtins, name)
    if is_stack(name) or name in program.namer.given:
        return None
    return _NOTHING


def hygiene(parsed, program):
    """Make the names of `parsed` (before normalization) disjoint from those generated code
    reads from its scope: rename locals, alias free names, refuse parameters (see above)."""
    fdef = parsed.node
    state = program.__dict__.setdefault("_hygiene", {"aliases": {}, "namespaces": []})
    namespace = parsed.namespace
    state["namespaces"].append(namespace)
    for (globals_id, _), (alias, cell) in state["aliases"].items():
        if globals_id == id(namespace.globals):      # inlined code may read them
            namespace.closure.setdefault(alias, cell)
    all_names = {n.id for n in nodes.walk(fdef) if isinstance(n, nodes.Name)}
    program.namer.reserve(all_names)
    if is_generated(parsed):
        return      # its names are generated ones (stacks included), hygienic already
    params = nodes.parameters(fdef)
    for a in params:
        if _generated_meaning(a.id, program) is not _NOTHING and (
                a.id not in _BUILTINS or a.id in _GENERATED_BUILTINS):
            raise UnsupportedSyntaxError(
                f"the parameter name {a.id!r} is one the generated code needs for itself",
                filename=parsed.source.filename, lineno=getattr(a, "lineno", fdef.lineno),
                col_offset=getattr(a, "col_offset", None),
                source_line=parsed.source.line(getattr(a, "lineno", fdef.lineno)),
                hint="rename the parameter")
    local = local_names(fdef)
    rename = {}
    namer = Namer(all_names | set(program.namer.taken))
    for name in sorted(all_names):
        meaning = _generated_meaning(name, program)
        if meaning is _NOTHING or name in (a.id for a in params):
            continue
        if name in local or not _is_free_anywhere(fdef, name):
            rename[name] = namer.fresh(name)     # a local variable: invisible outside
            continue
        found, value = namespace.lookup(name)
        if not found or (meaning is not None and value is meaning):
            continue
        rename[name] = _alias(name, value, namespace, state, namer)
    if rename:
        for n in nodes.walk(fdef):
            if isinstance(n, nodes.Name) and n.id in rename:
                n.id = rename[n.id]
            elif isinstance(n, nodes.FunctionDef) and n is not fdef and n.name in rename:
                n.name = rename[n.name]
        program.namer.reserve(rename.values())


# Builtins that generated code calls: parameters must not shadow them.
_GENERATED_BUILTINS = frozenset({"range", "reversed", "len", "min", "slice"})


def _is_free_anywhere(fdef, name):
    """Does some read of `name` in `fdef` (or in a function nested in it) reach outside?"""
    scopes = [fdef]
    while scopes:
        scope = scopes.pop()
        own = local_names(scope) if isinstance(scope, nodes.FunctionDef) else \
            {a.id for a in scope.args.args}
        if name in own:
            continue
        body = scope.body if isinstance(scope.body, list) else [scope.body]
        for stmt in body:
            for n in walk_no_defs(stmt):
                if isinstance(n, (nodes.FunctionDef, nodes.Lambda)):
                    scopes.append(n)
                elif isinstance(n, nodes.Name) and n.id == name:
                    return True
    return False


def _alias(name, value, namespace, state, namer):
    """A fresh name reading the user's `name`: the same closure cell, or a cell holding the
    global's (or builtin's) value; a rebound global rebuilds the derivative (see api)."""
    if name in namespace.closure:
        # the user's tree reads it only through the alias from now on: the closure of the
        # generated code must not bind `name` (generated code means something else by it)
        cell = namespace.closure.pop(name)
        key = (id(cell), name)
    else:
        cell = None
        key = (id(namespace.globals), name)
        if name in namespace.globals:
            namespace.__dict__.setdefault("aliased_globals", {})[name] = value
    if key in state["aliases"]:
        alias, cell = state["aliases"][key]
    else:
        alias = namer.fresh(name.lstrip("_") or "alias")
        cell = cell if cell is not None else types.CellType(value)
        state["aliases"][key] = (alias, cell)
        if key[0] == id(namespace.globals):
            for other in state["namespaces"]:
                if other.globals is namespace.globals:
                    other.closure.setdefault(alias, cell)
    namespace.closure[alias] = cell
    return alias
