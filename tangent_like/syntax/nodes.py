"""Builders and converters for gast trees.

Code is built from small Python snippets: ``template("bx = bx + g", bx="b_y", g=expr)``
parses the snippet with gast and replaces each placeholder name with a node (or a name given
as a string).  Generated trees are unparsed with the standard library's ``ast.unparse`` after
``gast.gast_to_ast``; comments travel as marked string statements and become ``# ...`` lines.
"""
import ast
import collections
import math
import copy as _copy

import gast

from . import anno

_AST = gast.AST

COMMENT_MARK = "\x00tl-comment:"

# Expression node classes, re-exported so that other modules test node kinds through here.
Name = gast.Name
Constant = gast.Constant
Attribute = gast.Attribute
Subscript = gast.Subscript
Call = gast.Call
BinOp = gast.BinOp
UnaryOp = gast.UnaryOp
BoolOp = gast.BoolOp
Compare = gast.Compare
IfExp = gast.IfExp
Tuple = gast.Tuple
List = gast.List
Slice = gast.Slice
Lambda = gast.Lambda
Starred = gast.Starred
keyword = gast.keyword
# Statements.
FunctionDef = gast.FunctionDef
Assign = gast.Assign
AugAssign = gast.AugAssign
AnnAssign = gast.AnnAssign
Expr = gast.Expr
If = gast.If
For = gast.For
While = gast.While
Break = gast.Break
Continue = gast.Continue
Return = gast.Return
Pass = gast.Pass
Assert = gast.Assert
Raise = gast.Raise
Module = gast.Module
arguments = gast.arguments
Dict = gast.Dict
Load, Store = gast.Load, gast.Store
expr_context = gast.expr_context
operator = gast.operator
unaryop = gast.unaryop
# Operators.
Add, Sub, Mult, Div, FloorDiv, Mod, Pow, MatMult = (
    gast.Add, gast.Sub, gast.Mult, gast.Div, gast.FloorDiv, gast.Mod, gast.Pow, gast.MatMult)
USub, UAdd, Not, Invert = gast.USub, gast.UAdd, gast.Not, gast.Invert
And, Or = gast.And, gast.Or
Eq, NotEq, Lt, LtE, Gt, GtE = gast.Eq, gast.NotEq, gast.Lt, gast.LtE, gast.Gt, gast.GtE


def walk(node):
    """Every node under `node`, itself first, breadth first: the order of `ast.walk`, at a
    third of its cost (no generators of fields and children; the optimizer and the
    analyses walk trees many times)."""
    todo = collections.deque([node])
    pop, push, extend = todo.popleft, todo.append, todo.extend
    while todo:
        n = pop()
        for field in n._fields:
            value = getattr(n, field, None)
            if value.__class__ is list:
                extend([v for v in value if isinstance(v, _AST)])
            elif isinstance(value, _AST):
                push(value)
        yield n


def iter_child_nodes(node):
    """The children of `node`, in the order of `ast.iter_child_nodes`."""
    out = []
    for field in node._fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            out.extend(v for v in value if isinstance(v, _AST))
        elif isinstance(value, _AST):
            out.append(value)
    return out


def parse(source):
    return gast.parse(source)


def parse_expr(source):
    return gast.parse(source, mode="eval").body


def parse_stmts(source):
    return gast.parse(source).body


def copy(node):
    """A deep copy of a tree (annotations that are not nodes are shared)."""
    if isinstance(node, list):
        return [copy(x) for x in node]
    if isinstance(node, gast.AST):
        new = node.__class__.__new__(node.__class__)
        d = new.__dict__
        for k, v in node.__dict__.items():
            d[k] = copy(v) if isinstance(v, (gast.AST, list)) and k != "stmt" else v
        return new
    return node


def name(id_, ctx="load"):
    ctx_node = {"load": gast.Load, "store": gast.Store, "param": gast.Param,
                "del": gast.Del}[ctx]()
    return gast.Name(id=id_, ctx=ctx_node, annotation=None, type_comment=None)


def const(value):
    return gast.Constant(value=value, kind=None)


def tuple_(elts, ctx="load"):
    ctx_node = gast.Store() if ctx == "store" else gast.Load()
    return gast.Tuple(elts=list(elts), ctx=ctx_node)


def assign(target, value):
    """``target = value``; target is a name string or a node."""
    if isinstance(target, str):
        target = name(target, "store")
    return gast.Assign(targets=[target], value=value, type_comment=None)


def expr_stmt(value):
    return gast.Expr(value=value)


def call(func, args=(), keywords=()):
    if isinstance(func, str):
        func = parse_expr(func)
    return gast.Call(func=func, args=list(args),
                     keywords=[gast.keyword(arg=k, value=v) for k, v in keywords])


def comment(text):
    """A statement that becomes ``# text`` when emitted."""
    return gast.Expr(value=const(COMMENT_MARK + text))


def is_comment(stmt):
    return (isinstance(stmt, gast.Expr) and isinstance(stmt.value, gast.Constant)
            and isinstance(stmt.value.value, str) and stmt.value.value.startswith(COMMENT_MARK))


def to_store(node):
    """A copy of a Name/Tuple/Subscript target with Store context."""
    node = copy(node)
    for n in walk(node):
        if isinstance(n, (gast.Name, gast.Tuple, gast.List, gast.Subscript, gast.Attribute)):
            n.ctx = gast.Store()
    for n in walk(node):
        if isinstance(n, gast.Subscript):
            for m in walk(n.slice):
                if hasattr(m, "ctx"):
                    m.ctx = gast.Load()
            for m in walk(n.value):
                if hasattr(m, "ctx"):
                    m.ctx = gast.Load()
    return node


def to_load(node):
    node = copy(node)
    for n in walk(node):
        if hasattr(n, "ctx") and not isinstance(n, gast.Starred):
            n.ctx = gast.Load()
    return node


class _Substitute(gast.NodeTransformer):
    def __init__(self, subs):
        self.subs = subs

    def visit_Name(self, node):
        if node.id in self.subs:
            value = self.subs[node.id]
            if isinstance(value, str):
                new = name(value)
            elif isinstance(value, (int, float, bool)) or value is None:
                new = const(value)
            else:
                new = copy(value)
            if isinstance(node.ctx, (gast.Store, gast.Param)):
                return to_store(new)
            return new
        return node


def substitute(node, subs):
    return _Substitute(subs).visit(copy(node))


_TEMPLATE_CACHE = {}


def template(_source, /, **subs):
    """Parse `_source` (statements) and substitute placeholder names; returns a list."""
    tree = _TEMPLATE_CACHE.get(_source)
    if tree is None:
        tree = _TEMPLATE_CACHE[_source] = parse_stmts(_source)
    return [substitute(s, subs) for s in tree]


def template_expr(_source, /, **subs):
    """Parse expression `_source` and substitute placeholder names (any name is allowed)."""
    key = ("expr", _source)
    tree = _TEMPLATE_CACHE.get(key)
    if tree is None:
        tree = _TEMPLATE_CACHE[key] = parse_expr(_source)
    return substitute(tree, subs)


def loaded_names(node):
    """Names read by an expression or statement (in Load context)."""
    return _names_in(node, gast.Load)


def stored_names(node):
    """Names written by a statement's targets (Store context), not descending into defs."""
    return _names_in(node, gast.Store)


def _names_in(node, ctx):
    """The ids of the names of context `ctx` in the tree of `node` (a walk that does not
    visit the contexts themselves: the optimizer asks for these sets many times)."""
    out = set()
    todo = [node]
    while todo:
        n = todo.pop()
        if n.__class__ is gast.Name:
            if n.ctx.__class__ is ctx:
                out.add(n.id)
            if n.annotation is not None:
                todo.append(n.annotation)
            continue
        for field in n._fields:
            value = getattr(n, field, None)
            if value.__class__ is list:
                todo.extend([v for v in value if isinstance(v, _AST)])
            elif isinstance(value, _AST):
                todo.append(value)
    return out


def index_value(idx):
    """An index expression as a value: ``a[1:, i]`` indexes with ``(slice(1, None, None), i)``."""
    if isinstance(idx, gast.Slice):
        parts = [getattr(idx, f) or const(None) for f in ("lower", "upper", "step")]
        return call("slice", parts)
    if isinstance(idx, gast.Tuple):
        return tuple_([index_value(e) for e in idx.elts])
    return to_load(idx)


def dotted_name(node):
    """'np.linalg.norm' for an Attribute chain on a Name, else None."""
    parts = []
    while isinstance(node, gast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, gast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def set_location(node, lineno, col=0):
    for n in walk(node):
        if hasattr(n, "lineno") or isinstance(n, (gast.stmt, gast.expr)):
            n.lineno = lineno
            n.col_offset = col
            n.end_lineno = lineno
            n.end_col_offset = col
    return node


def to_python_ast(node):
    """Convert to the standard library's ast, with locations fixed for compile()."""
    tree = gast.gast_to_ast(node)
    return ast.fix_missing_locations(tree)


def _signed_constants(node):
    """`node` (a Python ast) with every negative number constant (a default, a folded value)
    written ``-(number)``: ast.unparse writes ``Constant(-0.4) ** 2`` as ``-0.4 ** 2``, which
    Python reads as -(0.4 ** 2).  In place, names and contexts skipped (a NodeTransformer
    visiting every node costs more than the unparsing)."""
    for field in node._fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            for i, item in enumerate(value):
                if isinstance(item, ast.AST) and not isinstance(item, _PY_LEAVES):
                    value[i] = _signed_constants(item)
        elif isinstance(value, ast.AST) and not isinstance(value, _PY_LEAVES):
            setattr(node, field, _signed_constants(value))
    if node.__class__ is ast.Constant:
        v = node.value
        if isinstance(v, (int, float)) and not isinstance(v, bool) and (
                v < 0 or (v == 0 and math.copysign(1.0, v) < 0)):
            return ast.copy_location(ast.UnaryOp(ast.USub(), ast.Constant(-v)), node)
    return node


_PY_LEAVES = (ast.Name, ast.expr_context)


def unparse(node):
    """Source text of a gast node (module, function, statement or expression)."""
    text = ast.unparse(ast.fix_missing_locations(_signed_constants(gast.gast_to_ast(node))))
    if "\\x00tl-comment:" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        if "\\x00tl-comment:" in stripped and stripped[0] in "'\"":
            indent = line[: len(line) - len(stripped)]
            body = ast.literal_eval(stripped)
            lines.append(indent + "# " + body[len(COMMENT_MARK):])
        else:
            lines.append(line)
    return "\n".join(lines)


def get_anno(node, key, default=None):
    return anno.get(node, key, default)


def tidy_block(stmts):
    """Drop comments that head no statement and self-assignments; empty blocks get ``pass``.

    Applied recursively to every block of a generated function.
    """
    out = []
    for i, s in enumerate(stmts):
        for field in ("body", "orelse"):
            block = getattr(s, field, None)
            if isinstance(block, list) and block and not isinstance(s, gast.FunctionDef):
                setattr(s, field, tidy_block(block))
            elif isinstance(s, gast.FunctionDef) and field == "body":
                s.body = tidy_block(s.body)
        if is_comment(s):
            nxt = stmts[i + 1] if i + 1 < len(stmts) else None
            if nxt is None or is_comment(nxt) or isinstance(nxt, (gast.Pass, gast.Return)):
                continue
        if isinstance(s, gast.Assign) and len(s.targets) == 1 \
                and isinstance(s.targets[0], gast.Name) and isinstance(s.value, gast.Name) \
                and s.targets[0].id == s.value.id:
            continue
        if isinstance(s, gast.Pass) and len(stmts) > 1:
            continue
        if isinstance(s, gast.If) and all(isinstance(b, gast.Pass) for b in s.body) \
                and s.orelse and not all(isinstance(b, gast.Pass) for b in s.orelse):
            s.test = _negate(s.test)
            s.body, s.orelse = s.orelse, []
        out.append(s)
    return out or [gast.Pass()]


def _negate(test):
    if isinstance(test, gast.UnaryOp) and isinstance(test.op, gast.Not):
        return test.operand
    return gast.UnaryOp(op=gast.Not(), operand=test)


# ------------------------------------------------------------------------------------------
# Builders and predicates of the passes (normalize/, optimize/, frontend/).  The passes build
# no gast node themselves: statements and expressions come from here.
# ------------------------------------------------------------------------------------------
ListComp, GeneratorExp = gast.ListComp, gast.GeneratorExp
DictComp, SetComp, Set = gast.DictComp, gast.SetComp, gast.Set
In, NotIn = gast.In, gast.NotIn
AsyncFunctionDef = gast.AsyncFunctionDef
Yield, Await, NamedExpr = gast.Yield, gast.Await, gast.NamedExpr
AST = gast.AST
NodeTransformer = gast.NodeTransformer


def statement_lists(stmts):
    """`stmts` and every statement list nested in it (bodies and ``else`` parts of
    compound statements; not those of nested defs)."""
    yield stmts
    for s in stmts:
        if isinstance(s, (gast.FunctionDef, gast.AsyncFunctionDef, gast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(s, field, None)
            if isinstance(inner, list) and inner and is_statement(inner[0]):
                yield from statement_lists(inner)


def is_statement(node):
    """Is `node` a statement (not an expression, operator or context)?"""
    return isinstance(node, gast.stmt)


def is_load(node):
    """Is `node` (a Name, Attribute, Subscript...) read rather than written?"""
    return isinstance(getattr(node, "ctx", None), gast.Load)


def is_store(node):
    """Is `node` (a Name, Attribute, Subscript...) an assignment target?"""
    return isinstance(getattr(node, "ctx", None), gast.Store)


def is_docstring(statement):
    """Is `statement` a string on its own (a docstring), which does nothing when it runs?"""
    return (isinstance(statement, gast.Expr) and isinstance(statement.value, gast.Constant)
            and isinstance(statement.value.value, str))


def all_names(node):
    """Every identifier a Name of the tree holds, read or written: what fresh names avoid."""
    return {n.id for n in walk(node) if isinstance(n, gast.Name)}


def pass_():
    """``pass``: the body of a block that does nothing."""
    return gast.Pass()


def break_():
    """``break``."""
    return gast.Break()


def return_(value):
    """``return value`` (`value` an expression node, or None for a bare ``return``)."""
    return gast.Return(value=value)


def if_(test, body, orelse=()):
    """``if test: body else: orelse`` (`body` and `orelse` are lists of statements)."""
    return gast.If(test=test, body=list(body), orelse=list(orelse))


def for_(target, iter_, body):
    """``for target in iter_: body`` (`target` in Store context, see `to_store`)."""
    return gast.For(target=target, iter=iter_, body=list(body), orelse=[], type_comment=None)


def function_def(name_, args, body):
    """``def name_(args): body``, undecorated; `args` is a ``nodes.arguments`` node."""
    return gast.FunctionDef(name=name_, args=args, body=list(body), decorator_list=[],
                            returns=None, type_comment=None, type_params=[])


def binop(left, op, right):
    """``left op right``; `op` is an operator node or its class (``nodes.Add``)."""
    return gast.BinOp(left=left, op=op if isinstance(op, gast.AST) else op(), right=right)


def neg(operand):
    """``-operand``."""
    return gast.UnaryOp(op=gast.USub(), operand=operand)


def not_(operand):
    """``not operand``."""
    return gast.UnaryOp(op=gast.Not(), operand=operand)


def bool_op(op, values):
    """``v1 and v2 and ...`` (or ``or``); `op` is an ``And``/``Or`` node or class."""
    return gast.BoolOp(op=op if isinstance(op, gast.AST) else op(), values=list(values))


def attribute(value, attr):
    """``value.attr``, read."""
    return gast.Attribute(value=value, attr=attr, ctx=gast.Load())


def subscript(value, index):
    """``value[index]``, read."""
    return gast.Subscript(value=value, slice=index, ctx=gast.Load())


def list_(elts=()):
    """``[e1, e2, ...]``, read."""
    return gast.List(elts=list(elts), ctx=gast.Load())


def dict_(keys=(), values=()):
    """``{k1: v1, k2: v2, ...}``."""
    return gast.Dict(keys=list(keys), values=list(values))


def list_comp(elt, target, iter_, ifs=()):
    """``[elt for target in iter_ if ...]`` (one generator)."""
    return gast.ListComp(elt=elt, generators=[comprehension(target, iter_, ifs)])


def generator_exp(elt, target, iter_, ifs=()):
    """``(elt for target in iter_ if ...)`` (one generator)."""
    return gast.GeneratorExp(elt=elt, generators=[comprehension(target, iter_, ifs)])


def dict_comp(key, value, target, iter_, ifs=()):
    """``{key: value for target in iter_ if ...}`` (one generator)."""
    return gast.DictComp(key=key, value=value, generators=[comprehension(target, iter_, ifs)])


def as_list_comp(genexp):
    """The list comprehension with the generators of a generator expression."""
    return gast.ListComp(elt=genexp.elt, generators=genexp.generators)


def locate_missing(node, lineno, col):
    """Give the expressions and statements of `node` that have no location this one."""
    for n in walk(node):
        if isinstance(n, (gast.stmt, gast.expr)) and getattr(n, "lineno", None) is None:
            n.lineno, n.col_offset = lineno, col
            n.end_lineno, n.end_col_offset = lineno, col
    return node


def comprehension(target, iter_, ifs=()):
    """The clause ``for target in iter_ if ...`` of a comprehension."""
    return gast.comprehension(target=to_store(target), iter=iter_, ifs=list(ifs), is_async=0)


def keyword_arg(arg, value):
    """The keyword argument ``arg=value`` of a call (see `call`)."""
    return gast.keyword(arg=arg, value=value)


def if_exp(test, body, orelse):
    """``body if test else orelse``."""
    return gast.IfExp(test=test, body=body, orelse=orelse)


def compare(left, op, right):
    """``left op right`` for one comparison; `op` is a node or its class (``nodes.Eq``)."""
    return gast.Compare(left=left, ops=[op if isinstance(op, gast.AST) else op()],
                        comparators=[right])


def slice_(lower=None, upper=None, step=None):
    """``lower:upper:step`` as an index."""
    return gast.Slice(lower=lower, upper=upper, step=step)


def add_to(target, value):
    """``target += value`` (`target` a Name or Subscript node in Store context)."""
    return gast.AugAssign(target=target, op=gast.Add(), value=value)


def parameters(fdef):
    """The parameter nodes of a function, in the order of its signature: positional ones,
    ``*args``, keyword-only ones, ``**kwargs``."""
    a = fdef.args
    return (a.posonlyargs + a.args + ([a.vararg] if a.vararg is not None else [])
            + a.kwonlyargs + ([a.kwarg] if a.kwarg is not None else []))


def starred(value):
    """``*value`` as an argument of a call."""
    return gast.Starred(value=value, ctx=gast.Load())


def positional_args(names):
    """The parameter list of a function taking the positional parameters `names`."""
    return gast.arguments(args=[name(n, "param") for n in names], posonlyargs=[], vararg=None,
                          kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[])


def number(node):
    """The value of a numeric literal node (``2``, ``-0.5``, ``--1``), else None."""
    if isinstance(node, gast.Constant) and isinstance(node.value, (int, float)) \
            and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, gast.UnaryOp) and isinstance(node.op, gast.USub):
        v = number(node.operand)
        return -v if v is not None else None
    return None
