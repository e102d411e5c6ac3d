"""Refuse unsupported syntax early: one located diagnostic per construct, all at once.

`check(parsed)` walks the function (nested defs and lambdas included) and raises one
`UnsupportedSyntaxError` listing every construct tangent_like does not differentiate, each
with what to write instead.
"""
import builtins

from ..errors import Diagnostic, UnsupportedSyntaxError
from ..syntax import nodes

# node class name -> (what it is, what to do instead)
_REFUSED = {
    "Try": ("'try' statements are not supported",
            "move the try/except out of the differentiated function"),
    "TryStar": ("'try' statements are not supported",
                "move the try/except out of the differentiated function"),
    "With": ("'with' statements are not supported",
             "move the with-block out of the differentiated function"),
    "AsyncWith": ("'async with' is not supported", "use a plain function"),
    "AsyncFor": ("'async for' is not supported", "use a plain for loop"),
    "AsyncFunctionDef": ("async functions cannot be differentiated", "use a plain def"),
    "Await": ("'await' is not supported", "use a plain function"),
    "Yield": ("generators ('yield') cannot be differentiated",
              "return a list or an array instead"),
    "YieldFrom": ("generators ('yield from') cannot be differentiated",
                  "return a list or an array instead"),
    "Global": ("'global' declarations are not supported",
               "pass the value as an argument and return the new value"),
    "Nonlocal": ("'nonlocal' declarations are not supported",
                 "pass the value as an argument and return the new value"),
    "ClassDef": ("class definitions inside a differentiated function are not supported",
                 "define the class at module level"),
    "Delete": ("'del' statements are not supported", "remove the del statement"),
    "ListComp": ("a list comprehension is not supported here",
                 "compute it in a statement of its own before"),
    "SetComp": ("set comprehensions are not supported", "write a for loop"),
    "DictComp": ("dict comprehensions are not supported", "write a for loop"),
    "GeneratorExp": ("a generator expression is supported only as the argument of a call "
                     "(it runs lazily)", "use a list comprehension, or pass it straight to "
                     "the function that consumes it: sum(... for ...)"),
    "NamedExpr": ("assignment expressions (':=') are not supported",
                  "assign the value in a statement of its own"),
    "Match": ("'match' statements are not supported", "use if/elif/else"),
    "Import": ("'import' inside a differentiated function is not supported",
               "import at module level"),
    "ImportFrom": ("'import' inside a differentiated function is not supported",
                   "import at module level"),
    "Set": ("set literals are not supported", "use a tuple or a list"),
    "Dict": ("dict literals are not supported yet", "use a tuple or separate variables"),
}


def check(parsed):
    """Raise `UnsupportedSyntaxError` listing every unsupported construct of `parsed`."""
    diagnostics = []
    source = parsed.source

    def refuse(node, what, hint, construct):
        lineno = getattr(node, "lineno", None)
        col = getattr(node, "col_offset", None)
        diagnostics.append(Diagnostic(what, source.filename, lineno, col,
                                      source.line(lineno), hint, construct))

    if isinstance(parsed.node, nodes.AsyncFunctionDef):
        refuse(parsed.node, *_REFUSED["AsyncFunctionDef"], "async def")
    _check_arguments(parsed.node, refuse)
    allowed = _statement_comprehensions(parsed.node)
    for node in _walk_body(parsed.node):
        kind = type(node).__name__
        if kind in ("ListComp", "GeneratorExp") and id(node) in allowed:
            continue
        if kind in _REFUSED:
            what, hint = _REFUSED[kind]
            refuse(node, what, hint, kind)
        elif isinstance(node, (nodes.Assign, nodes.AugAssign, nodes.AnnAssign)):
            targets = node.targets if isinstance(node, nodes.Assign) else [node.target]
            for target in targets:
                for t in nodes.walk(target):
                    if isinstance(t, nodes.Subscript) and nodes.is_store(t) and not (
                            t is target and isinstance(t.value, nodes.Name)
                            and len(targets) == 1):
                        refuse(t, "this assignment into an element or slice is not supported",
                               "assign to one subscripted variable at a time: 'a[i] = v'",
                               "subscript store")
                    elif isinstance(t, nodes.Attribute) and nodes.is_store(t):
                        refuse(t, "assignment to an attribute ('obj.a = v') is not supported",
                               "keep the value in a local variable", "attribute store")
                    elif isinstance(t, nodes.Starred):
                        refuse(t, "starred assignment targets ('a, *b = ...') are not "
                               "supported", "index the sequence explicitly", "starred target")
        elif isinstance(node, nodes.Call):
            dynamic = _dynamic_scope(node, parsed)
            if dynamic:
                refuse(node, f"'{dynamic}()' reads or runs code by name at run time, which "
                       "tangent_like cannot see or differentiate", "write the computation "
                       "in the function itself", f"{dynamic}()")
            for a in node.args:
                if isinstance(a, nodes.Starred):
                    refuse(a, "calls with '*args' are not supported",
                           "pass the arguments one by one", "star-args call")
            for k in node.keywords:
                if k.arg is None:
                    refuse(k.value, "calls with '**kwargs' are not supported",
                           "pass the keyword arguments one by one", "star-kwargs call")
        elif isinstance(node, (nodes.For, nodes.While)) and node.orelse:
            refuse(node, f"'{type(node).__name__.lower()} ... else' clauses are not supported",
                   "use a flag variable set before 'break'", "loop else")
        elif isinstance(node, nodes.FunctionDef) and node is not parsed.node:
            if node.decorator_list:
                refuse(node, "decorated nested functions are not supported",
                       "define the function without decorators", "decorator")
            _check_arguments(node, refuse)
    if diagnostics:
        diagnostics.sort(key=lambda d: (d.lineno or 0, d.col_offset or 0))
        raise UnsupportedSyntaxError(diagnostics[0].message, diagnostics=diagnostics)


_DYNAMIC_SCOPE = ("eval", "exec", "compile", "locals", "globals", "vars", "__import__")


def _dynamic_scope(call, parsed):
    """The name of a builtin that evaluates code or reads variables by name, if `call` is
    one (``eval("x * x")`` would see none of the derivative code's variables)."""
    func = call.func
    if not (isinstance(func, nodes.Name) and func.id in _DYNAMIC_SCOPE):
        return None
    namespace = getattr(parsed, "namespace", None)
    found, obj = namespace.lookup(func.id) if namespace is not None else (False, None)
    return func.id if not found or obj is getattr(builtins, func.id) else None


def _check_arguments(fdef, refuse):
    args = fdef.args
    if args.vararg is not None:
        refuse(args.vararg, "functions with '*args' parameters are not supported",
               "give each parameter a name", "*args parameter")
    if args.kwarg is not None:
        refuse(args.kwarg, "functions with '**kwargs' parameters are not supported",
               "give each parameter a name", "**kwargs parameter")


_SIMPLE = (nodes.Assign, nodes.AugAssign, nodes.AnnAssign, nodes.Return, nodes.Expr)


def _statement_comprehensions(fdef):
    """List comprehensions and generator expressions that normalization turns into loops:
    those inside simple statements, with plain ``for ... in ... if ...`` clauses."""
    allowed = set()
    todo = list(fdef.body)
    while todo:
        stmt = todo.pop()
        for field in ("body", "orelse"):
            todo.extend(getattr(stmt, field, None) or [])
        if isinstance(stmt, nodes.FunctionDef):
            continue
        if not isinstance(stmt, _SIMPLE):
            continue
        # a generator expression runs lazily: it is turned into a loop only where it is
        # consumed at once, as the argument of a call (sum(...), np.array(list(...)))
        consumed = {id(a) for n in nodes.walk(stmt) if isinstance(n, nodes.Call)
                    for a in n.args}
        for n in nodes.walk(stmt):
            if isinstance(n, nodes.GeneratorExp) and id(n) not in consumed:
                continue
            if isinstance(n, (nodes.ListComp, nodes.GeneratorExp)) and all(
                    not g.is_async for g in n.generators):
                allowed.add(id(n))
    return allowed


def _walk_body(fdef):
    for stmt in fdef.body:
        yield from nodes.walk(stmt)


def strip_refused(parsed):
    """Drop every statement holding a refused construct (checking mode goes on past them)."""
    def bad_expr(stmt):
        for n in nodes.walk(stmt):
            if n is not stmt and nodes.is_statement(n):
                continue
            if type(n).__name__ in _REFUSED:
                return True
            if isinstance(n, (nodes.Subscript, nodes.Attribute, nodes.Starred)) and \
                    nodes.is_store(n):
                return True
            if isinstance(n, nodes.Call) and (any(isinstance(a, nodes.Starred) for a in n.args)
                                             or any(k.arg is None for k in n.keywords)):
                return True
        return False

    def block(stmts):
        out = []
        for s in stmts:
            if type(s).__name__ in _REFUSED:
                continue
            if isinstance(s, (nodes.If, nodes.For, nodes.While)):
                if bad_expr(nodes.expr_stmt(s.iter if isinstance(s, nodes.For) else s.test)):
                    continue
                s.body = block(s.body) or [nodes.pass_()]
                s.orelse = block(s.orelse)
                out.append(s)
            elif isinstance(s, nodes.FunctionDef):
                s.body = block(s.body) or [nodes.pass_()]
                out.append(s)
            elif bad_expr(s):
                continue
            else:
                out.append(s)
        return out

    parsed.node.body = block(parsed.node.body) or [nodes.pass_()]
