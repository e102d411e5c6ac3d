"""The seed of a gradient without its value is ``1.0``: products with it go.

The adjoint sweep of the function a gradient is taken of starts from the cotangent of its
scalar result, which `tl.grad` sets to ``1.0``.  When the value is left out
(`Options.value`), the entry calls that adjoint with no other seed, so `seed_one` makes
it a constant of the sweep: ``bs * e`` becomes ``e`` -- exact, ``1.0 * e`` is ``e`` to the
bit.  An array operation less per product, a good part of the cost of the gradient of
``np.sum(f(x))``.  The parameter goes when nothing else reads it.

Two guards keep the result the value it was:

* ``e`` must be a float (or complex) value: an active variable, an adjoint, or arithmetic
  on one -- ``1.0 * counts`` of an integer array is a float array, ``counts`` is not;
* ``t = bs * e`` as a whole statement would make ``t`` the very array ``e`` is; it is
  kept unless every read of ``t`` is an operand of arithmetic (which makes a new array),
  so a gradient returned or recorded is never an array of the caller's.

Example (run as a test)::

    >>> from tangent_like.syntax import nodes
    >>> f = nodes.parse("def adjoint_f(_stack, bs):\\n    e, x = _stack.pop()\\n"
    ...                 "    be = bs * e\\n    bx = -2.0 * be * x\\n"
    ...                 "    bx = bx + bs * x\\n    bt = bs * x\\n    return (bx, bt)").body[0]
    >>> seed_one(f, {"e", "x", "be", "bx", "bt"})
    True
    >>> print(nodes.unparse(f))
    def adjoint_f(_stack, bs):
        e, x = _stack.pop()
        be = e
        bx = -2.0 * be * x
        bx = bx + x
        bt = bs * x
        return (bx, bt)
"""
import collections

from ..syntax import nodes

_ARITHMETIC = (nodes.BinOp, nodes.UnaryOp)


def seed_one(fdef, floats):
    """Drop the products with the seed parameter of adjoint sweep `fdef` (its second)
    where that is exact and makes no alias; `floats`: names certainly holding floats or
    float arrays.  The parameter goes when nothing reads it any more.  True when
    something changed."""
    params = fdef.args.args
    if len(params) != 2:
        return False
    seed = params[1].id
    names = [n for st in fdef.body for n in nodes.walk(st) if isinstance(n, nodes.Name)]
    if any(n.id == seed and not nodes.is_load(n) for n in names):
        return False                # (assigned again: not the seed throughout)
    parents = {}
    for n in nodes.walk(fdef):
        for child in nodes.iter_child_nodes(n):
            parents[id(child)] = n
    stores = collections.Counter(n.id for n in names if nodes.is_store(n))
    changed = []

    def operand_only(name):
        """Is every read of `name` an operand of arithmetic (which makes a new value)?"""
        return stores[name] == 1 and all(
            isinstance(parents.get(id(n)), _ARITHMETIC) for n in names
            if n.id == name and nodes.is_load(n))

    def floating(e):
        parts = list(nodes.walk(e))
        return any(isinstance(n, nodes.Name) and n.id in floats and n.id != seed
                   for n in parts) and all(
            isinstance(n, _ARITHMETIC + (nodes.Name, nodes.Constant, nodes.Tuple))
            for n in parts if _is_expression(n))

    def strip(node, consumed):
        """`node` without the seed's products; `consumed`: its value is an operand of
        arithmetic (or of an in-place update), never kept as it is."""
        factors = _factors(node)
        if len(factors) > 1 and any(_is(f, seed) for f in factors):
            rest = [f for f in factors if not _is(f, seed)]
            numbers = any(isinstance(f, nodes.Constant) and type(f.value) is float
                          for f in rest)        # (a float: 2 * counts stays integers)
            if len(rest) == len(factors) - 1 and (numbers or floating(nodes.tuple_(rest))) \
                    and (consumed or len(rest) > 1 or numbers):
                changed.append(node)        # (a bare name left alone must be consumed)
                out = strip(rest[0], True)
                for f in rest[1:]:
                    out = nodes.binop(out, nodes.Mult, strip(f, True))
                return out
        if isinstance(node, nodes.BinOp):
            node.left, node.right = strip(node.left, True), strip(node.right, True)
        elif isinstance(node, nodes.UnaryOp):
            node.operand = strip(node.operand, True)
        return node

    for s in nodes.walk(fdef):
        if isinstance(s, nodes.Assign):
            t = s.targets[0]
            s.value = strip(s.value, isinstance(t, nodes.Name) and operand_only(t.id))
        elif isinstance(s, nodes.AugAssign):
            s.value = strip(s.value, True)
    if not any(isinstance(n, nodes.Name) and n.id == seed
               for st in fdef.body for n in nodes.walk(st)):
        del params[1]
    return bool(changed)


def _factors(node):
    """The factors of a product ``a * b * c`` (left to right), or [node]."""
    if isinstance(node, nodes.BinOp) and isinstance(node.op, nodes.Mult):
        return _factors(node.left) + _factors(node.right)
    return [node]


def _is_expression(n):
    return not isinstance(n, (nodes.expr_context, nodes.operator, nodes.unaryop))


def _is(node, name):
    return isinstance(node, nodes.Name) and node.id == name
