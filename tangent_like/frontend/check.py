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
    "DictComp": ("a dict comprehension is not supported here",
                 "compute it in a statement of its own before"),
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
    allowed = _statement_comprehensions(parsed.node)
    for node in _walk_body(parsed.node):
        kind = type(node).__name__
        if kind in ("ListComp", "GeneratorExp", "DictComp") and id(node) in allowed:
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
            starred = [a for a in node.args if isinstance(a, nodes.Starred)]
            if len(starred) > 1 or starred and node.args[-1] is not starred[0]:
                refuse(starred[-1], "a call may unpack one '*args', as its last positional "
                       "argument", "pass the other arguments one by one", "star-args call")
            if sum(k.arg is None for k in node.keywords) > 1:
                refuse(node, "a call may unpack one '**kwargs'", "pass the other keyword "
                       "arguments one by one", "star-kwargs call")
        elif isinstance(node, nodes.Dict) and any(k is None for k in node.keys):
            refuse(node, "unpacking a dict into a dict display ('{**d, ...}') is not "
                   "supported", "copy it with a dict comprehension, {k: v for k, v in "
                   "d.items()}, then set the other keys one by one", "dict unpacking")
        elif isinstance(node, (nodes.For, nodes.While)) and node.orelse:
            refuse(node, f"'{type(node).__name__.lower()} ... else' clauses are not supported",
                   "use a flag variable set before 'break'", "loop else")
        elif isinstance(node, nodes.FunctionDef) and node is not parsed.node:
            if node.decorator_list:
                refuse(node, "decorated nested functions are not supported",
                       "define the function without decorators", "decorator")
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


_SIMPLE = (nodes.Assign, nodes.AugAssign, nodes.AnnAssign, nodes.Return, nodes.Expr)


def _statement_comprehensions(fdef):
    """List and dict comprehensions and generator expressions that normalization turns into
    loops: those inside simple statements, with plain ``for ... in ... if ...`` clauses."""
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
            if isinstance(n, (nodes.ListComp, nodes.GeneratorExp, nodes.DictComp)) and all(
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
            if isinstance(n, nodes.Call) and (
                    sum(isinstance(a, nodes.Starred) for a in n.args) > 1
                    or sum(k.arg is None for k in n.keywords) > 1):
                return True
            if isinstance(n, nodes.Dict) and any(k is None for k in n.keys):
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
