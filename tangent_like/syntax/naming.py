"""Naming conventions of generated code, in one place.

* the adjoint of ``x`` is ``bx`` (``b_x`` when ``bx`` is taken), the tangent of ``x`` is ``dx``;
* temporaries are named after what they hold: ``sin_x`` for ``math.sin(x)``, else after the
  assignment they belong to (``y_1``, ``y_2``);
* stack, loop and branch bookkeeping names start with ``_`` (``_stack``, ``_cond1``, ``_trips1``);
* the sweeps of a function ``f`` are ``primal_f`` and ``adjoint_f``; the entry point is ``grad_f``.

Hygiene.  Generated code reads some names from the scope it is compiled in: the runtime
helpers, ``np``, ``math``, the builtins it calls (``range``, ``len``...) and the other
generated functions.  None of them may capture a name of the user's code, nor be shadowed by
one.  `hygiene` runs on every function before it is normalized and makes the user's names
disjoint from those: a local variable with such a name is renamed; a free name (a closure
variable, a global or a builtin the user rebinds) whose value differs from what generated code
means by it is read through an alias, a fresh name bound to the same closure cell or value;
a parameter with such a name is refused (renaming it would change the signature).  Fresh
names never shadow builtins.
"""
import builtins
import keyword
import re
import types

from . import nodes

_BUILTINS = frozenset(dir(builtins))
GENERATED = "<tangent_like generated"      # the file names of generated code start so


class Namer:
    """Hands out names that collide neither with each other nor with a set of taken names."""

    def __init__(self, taken=()):
        self.taken = set(taken)
        self.given = set()          # the names `fresh` handed out
        self.adjoints = {}

    def reserve(self, names):
        self.taken.update(names)

    def fresh(self, base):
        base = _clean(base)
        if base not in self.taken and not keyword.iskeyword(base) and base not in _BUILTINS:
            self.taken.add(base)
            self.given.add(base)
            return base
        stem = re.sub(r"_\d+$", "", base) or "t"
        i = 1
        while f"{stem}_{i}" in self.taken:
            i += 1
        result = f"{stem}_{i}"
        self.taken.add(result)
        self.given.add(result)
        return result

    def adjoint(self, var):
        """The adjoint name of variable `var` (stable for a given namer)."""
        if var not in self.adjoints:
            base = "b" + var if not var.startswith("_") else "b" + var
            if base in self.taken:
                base = "b_" + var.lstrip("_")
            self.adjoints[var] = self.fresh(base)
        return self.adjoints[var]

    def tangent(self, var):
        """The tangent name of variable `var` (``dx``; ``d_x`` when ``dx`` is taken)."""
        key = ("tangent", var)
        if key not in self.adjoints:
            base = "d" + var
            if base in self.taken:
                base = "d_" + var.lstrip("_")
            self.adjoints[key] = self.fresh(base)
        return self.adjoints[key]

    def temp_for(self, expr, target=None):
        """A descriptive name for a temporary holding `expr`."""
        return self.fresh(describe(expr) or (f"{target}_1" if target else "t"))


_OPS = {nodes.Add: "plus", nodes.Sub: "minus", nodes.Mult: "times", nodes.Div: "over",
        nodes.Pow: "pow", nodes.MatMult: "matmul", nodes.FloorDiv: "floordiv",
        nodes.Mod: "mod"}


def describe(expr, depth=0):
    """Short identifier describing a simple expression, or None."""
    if isinstance(expr, nodes.Name):
        return expr.id.lstrip("_") or None
    if isinstance(expr, nodes.Constant) and isinstance(expr.value, (int, float)) \
            and not isinstance(expr.value, bool):
        if float(expr.value).is_integer() and abs(expr.value) < 1000:
            return str(int(abs(expr.value)))
        return None
    if depth > 0:
        return None
    if isinstance(expr, nodes.Call):
        fname = nodes.dotted_name(expr.func)
        if fname is None:
            return None
        fname = fname.split(".")[-1]
        if len(expr.args) == 1 and not expr.keywords:
            arg = describe(expr.args[0], depth + 1)
            if arg:
                return f"{fname}_{arg}"
        return fname
    if isinstance(expr, nodes.BinOp):
        left = describe(expr.left, depth + 1)
        right = describe(expr.right, depth + 1)
        op = _OPS.get(type(expr.op))
        if left and right and op:
            return f"{left}_{op}_{right}"
        return None
    if isinstance(expr, nodes.UnaryOp) and isinstance(expr.op, nodes.USub):
        inner = describe(expr.operand, depth + 1)
        return f"neg_{inner}" if inner else None
    if isinstance(expr, nodes.Subscript):
        base = describe(expr.value, depth + 1)
        idx = expr.slice
        if base and isinstance(idx, nodes.Name):
            return f"{base}_{idx.id}"
        if base and isinstance(idx, nodes.Constant) and isinstance(idx.value, int):
            return f"{base}_{idx.value}" if idx.value >= 0 else f"{base}_last{-idx.value}"
        return f"{base}_item" if base else None
    if isinstance(expr, nodes.Attribute):
        base = describe(expr.value, depth + 1)
        return f"{base}_{expr.attr}" if base else None
    return None


def _clean(base):
    base = re.sub(r"\W", "_", base)
    if not base or base[0].isdigit():
        base = "t_" + base
    if len(base) > 24:
        base = base[:24].rstrip("_")
    return base


_STACK = re.compile(r"_((?:d\d*)*)stack")


def is_stack(name):
    """``_stack``, ``_dstack``, ``_d2stack``, ``_dd2stack``...: the records of generated
    derivative code (see `tangent_stack`)."""
    return _STACK.fullmatch(name) is not None


def stack_levels(name):
    """The forward levels whose tangents stack `name` carries: ``_stack`` none, ``_dstack``
    level 1, ``_d2stack`` level 2, ``_dd2stack`` levels 1 and 2."""
    marks = re.findall(r"d(\d*)", _STACK.fullmatch(name).group(1))
    return [int(m) if m else 1 for m in marks]


def tangent_stack(name, stacks=()):
    """The stack carrying the tangents of what stack `name` records, in a forward transform
    of a function whose stacks are `stacks`.  Each forward level over generated code adds
    its own mark (``d`` for the first, ``d2`` for the second...), so the tangents of the
    stacks of different levels never share a name: forward over ``_stack`` and ``_dstack``
    gives ``_d2stack`` and ``_dd2stack``."""
    level = 1 + max((max(stack_levels(s), default=0) for s in set(stacks) | {name}),
                    default=0)
    marks = "".join("d" if n == 1 else f"d{n}" for n in sorted(stack_levels(name) + [level]))
    return f"_{marks}stack"


# ------------------------------------------------------------------------------- hygiene
_NOTHING = object()


def _generated_meaning(name, program):
    """What generated code means by `name`: a helper, a module, a builtin; `_NOTHING` for a
    name it does not read; None for the names of generated functions and stacks (which the
    user's values never are)."""
    from .. import runtime
    if name in runtime.HELPERS:
        return runtime.HELPERS[name]
    if name == "np":
        import numpy
        return numpy
    if name == "math":
        import math
        return math
    if name in _BUILTINS:
        return getattr(builtins, name)
    if is_stack(name) or name in program.namer.given:
        return None
    return _NOTHING


def is_generated(parsed):
    """Is `parsed` tangent_like's own generated code (differentiated again)?"""
    return parsed.source.filename.startswith(GENERATED)


def hygiene(parsed, program):
    """Make the names of `parsed` (before normalization) disjoint from those generated code
    reads from its scope: rename locals, alias free names, refuse parameters (see above)."""
    import gast

    from ..errors import UnsupportedSyntaxError
    from ..normalize.lift import local_names
    fdef = parsed.node
    state = program.__dict__.setdefault("_hygiene", {"aliases": {}, "namespaces": []})
    namespace = parsed.namespace
    state["namespaces"].append(namespace)
    for (globals_id, _), (alias, cell) in state["aliases"].items():
        if globals_id == id(namespace.globals):      # inlined code may read them
            namespace.closure.setdefault(alias, cell)
    all_names = {n.id for n in gast.walk(fdef) if isinstance(n, gast.Name)}
    program.namer.reserve(all_names)
    if is_generated(parsed):
        return      # its names are generated ones (stacks included), hygienic already
    params = [a for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs]
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
        for n in gast.walk(fdef):
            if isinstance(n, gast.Name) and n.id in rename:
                n.id = rename[n.id]
            elif isinstance(n, gast.FunctionDef) and n is not fdef and n.name in rename:
                n.name = rename[n.name]
        program.namer.reserve(rename.values())


# Builtins that generated code calls: parameters must not shadow them.
_GENERATED_BUILTINS = frozenset({"range", "reversed", "len", "min", "slice"})


def _is_free_anywhere(fdef, name):
    """Does some read of `name` in `fdef` (or in a function nested in it) reach outside?"""
    from ..normalize.lift import local_names
    import gast
    scopes = [fdef]
    while scopes:
        scope = scopes.pop()
        own = local_names(scope) if isinstance(scope, gast.FunctionDef) else \
            {a.id for a in scope.args.args}
        if name in own:
            continue
        body = scope.body if isinstance(scope.body, list) else [scope.body]
        for stmt in body:
            for n in _walk_scope(stmt):
                if isinstance(n, (gast.FunctionDef, gast.Lambda)):
                    scopes.append(n)
                elif isinstance(n, gast.Name) and n.id == name:
                    return True
    return False


def _walk_scope(node):
    import gast
    todo = [node]
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, (gast.FunctionDef, gast.Lambda)) and n is not node:
            continue
        todo.extend(gast.iter_child_nodes(n))


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
