"""Constant folding and algebraic simplification.

Example (run as a test)::

    >>> from tangent_like.syntax import nodes
    >>> f = nodes.parse("def f(g, x):\\n    b = g * 2 * x ** (2 - 1)\\n    c = 0.0 + b * 1.0\\n"
    ...                 "    return c").body[0]
    >>> fold_constants(f)
    True
    >>> print(nodes.unparse(f))
    def f(g, x):
        b = g * 2 * x
        c = b
        return c
"""
from ..syntax import nodes

_OPS = {nodes.Add: lambda a, b: a + b, nodes.Sub: lambda a, b: a - b,
        nodes.Mult: lambda a, b: a * b, nodes.Div: lambda a, b: a / b,
        nodes.Pow: lambda a, b: a ** b}


def _const(v):
    if v < 0:
        return nodes.neg(nodes.const(-v))
    return nodes.const(v)


def _simplify(node):
    """A simpler expression equal to BinOp `node`, or None."""
    a, b = nodes.number(node.left), nodes.number(node.right)
    op = type(node.op)
    if a is not None and b is not None and op in _OPS:
        try:
            v = _OPS[op](a, b)
        except (ZeroDivisionError, OverflowError, ValueError):
            return None
        if isinstance(v, (int, float)) and abs(v) < 1e15:
            return _const(v)
        return None
    if op is nodes.Mult:                      # x * 1, 1 * x
        return node.left if b == 1 else node.right if a == 1 else None
    if op in (nodes.Div, nodes.Pow):           # x / 1, x ** 1
        return node.left if b == 1 else None
    if op is nodes.Add:                       # x + 0, 0 + x, x + -y
        if b == 0 or a == 0:
            return node.left if b == 0 else node.right
        if isinstance(node.right, nodes.UnaryOp) and isinstance(node.right.op, nodes.USub) \
                and nodes.number(node.right) is None:
            return nodes.binop(node.left, nodes.Sub, node.right.operand)
        return None
    if op is nodes.Sub:                       # x - 0, 0 - x
        if b == 0:
            return node.left
        if a == 0:
            return nodes.neg(node.right)
    return None


_LEAVES = (nodes.Name, nodes.Constant, nodes.expr_context)     # nothing to fold inside


class _Folder:
    """Simplifies BinOps and UnaryOps bottom up, in place (a walk of its own: a
    NodeTransformer's generic visit of every name and context costs more than the
    folding)."""

    def __init__(self):
        self.changed = False

    def visit(self, node):
        for field in node._fields:
            value = getattr(node, field, None)
            if value.__class__ is list:
                for i, item in enumerate(value):
                    if isinstance(item, nodes.AST) and not isinstance(item, _LEAVES):
                        value[i] = self.visit(item)
            elif isinstance(value, nodes.AST) and not isinstance(value, _LEAVES):
                setattr(node, field, self.visit(value))
        if node.__class__ is nodes.BinOp:
            simpler = _simplify(node)
            if simpler is not None:
                self.changed = True
                return simpler
        elif node.__class__ is nodes.UnaryOp and isinstance(node.op, nodes.USub) \
                and isinstance(node.operand, nodes.UnaryOp) \
                and isinstance(node.operand.op, nodes.USub):
            self.changed = True
            return node.operand.operand
        return node


def fold_constants(fdef):
    """Fold constant arithmetic and drop neutral operations; True when something changed."""
    folder = _Folder()
    fdef.body = [folder.visit(s) for s in fdef.body]
    return folder.changed
