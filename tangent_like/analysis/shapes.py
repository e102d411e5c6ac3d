"""Which array variables provably have the same shape: symbolic shapes, flow-insensitive.

A broadcasting operation needs its adjoint summed back to an operand (`unbroadcast`) and its
tangent stretched to the result (`broadcast_tangent`) only when that operand may be smaller
than the result.  The value kinds tell scalars from arrays; this analysis tells, for
arrays, when two operands have one and the same shape, so that the derivative of
``x[1:] - x[:-1] ** 2`` needs neither.

A shape is a tuple of symbolic lengths built only from the lengths the parameters have when
the function is entered, which do not change while it runs:

* ``("dim", p, i)``: axis `i` of parameter `p` on entry (a parameter of kind
  ``("array", n)``);
* ``("minus", d, k)``: ``max(d - k, 0)``, the length of ``a[k:]``, ``a[:-k]`` and
  ``a[j:-m]`` (``j + m = k``) along an axis of length `d`;
* ``("slice", d, start, stop, step)``: the length of any other slice with constant bounds.

Every variable gets the join of what each of its assignments gives, over the whole function
(loops included): one shape when they all agree, else `UNKNOWN`.  Shapes come from the
entry shapes of parameters, from names, from scalars (shape ``()``), from basic indexing
with constant integers and slices, and from NumPy ufuncs and the arithmetic operators
(elementwise: the broadcast of equal shapes, or of a shape and a scalar).  Everything else
is `UNKNOWN`, and so is every shape of a function that could change one in place (a
``.resize()`` call, an assignment to an attribute).  Equal symbolic shapes are equal
shapes at run time; different ones may still be equal, and are then treated as
broadcasting, as without this analysis::

    >>> from tangent_like.syntax import nodes
    >>> f = nodes.parse("def f(x):\\n    a = x[1:]\\n    b = x[:-1]\\n    c = x[:3]\\n"
    ...                 "    d = a - b\\n    return d").body[0]
    >>> kinds = {"x": ("array", 1), "a": ("array", 1), "b": ("array", 1),
    ...          "c": ("array", 1), "d": ("array", 1)}
    >>> shapes = of_function(f, kinds, {"x": ("array", 1)}, {})
    >>> shapes["a"] == shapes["b"] == shapes["d"] == (("minus", ("dim", "x", 0), 1),)
    True
    >>> shapes["c"] == shapes["a"]
    False
"""
import numpy as np

from . import lattice
from ..syntax import nodes
from ..syntax.scopes import walk_no_defs

UNKNOWN = "unknown"

_LIKE = (np.zeros_like, np.ones_like, np.empty_like, np.copy)    # (with no other argument)

_ELEMENTWISE = (nodes.Add, nodes.Sub, nodes.Mult, nodes.Div, nodes.FloorDiv, nodes.Mod,
                nodes.Pow)


def of_function(fdef, kinds, entry_kinds, targets):
    """``{name: shape}`` for the local variables of `fdef` (a normalized function): a tuple
    of symbolic lengths, or `UNKNOWN`.  `kinds` are the value kinds of its names,
    `entry_kinds` those of its parameters on entry, `targets` what its calls refer to
    (`resolve`)."""
    params = [p.id for p in nodes.parameters(fdef)]
    assigned, other = _definitions(fdef)
    if other is None:
        return {}
    facts = {}
    for p in params:
        kind = entry_kinds.get(p)
        facts[p] = tuple(("dim", p, i) for i in range(kind[1])) \
            if lattice.is_array(kind) else UNKNOWN
    for name in other:
        facts[name] = UNKNOWN
    reader = _Reader(facts, {name for name, _ in assigned}, kinds, targets)
    changed = True
    while changed:      # each fact changes at most twice (unset, a shape, UNKNOWN)
        changed = False
        for name, value in assigned:
            shape = reader.shape(value)
            if shape is None:
                continue        # reads a name no assignment has reached yet
            old = facts.get(name)
            new = shape if old is None or old == shape else UNKNOWN
            if new != old:
                facts[name] = new
                changed = True
    return {name: _checked(facts.get(name), kinds.get(name)) for name in facts}


def same_shape(shapes, a, b):
    """Do the names `a` and `b` provably hold arrays of the same shape?"""
    sa, sb = shapes.get(a, UNKNOWN), shapes.get(b, UNKNOWN)
    return sa != UNKNOWN and sa == sb


def broadcast(*shapes):
    """The shape NumPy broadcasting gives operands of these shapes, when provable: equal
    shapes, or a shape and scalars (``()``)."""
    out = ()
    for s in shapes:
        if s is None or s == UNKNOWN:
            return s
        if s == () or s == out:
            continue
        if out != ():
            return UNKNOWN
        out = s
    return out


def _checked(shape, kind):
    """A shape only for values of array or scalar kind (a list has no shape here)."""
    if kind in (lattice.SCALAR, lattice.INT):
        return ()
    if not lattice.is_array(kind) or shape is None or shape == UNKNOWN \
            or len(shape) != kind[1]:
        return UNKNOWN
    return shape


def _definitions(fdef):
    """(name, value) of every ``name = value`` of the body, and the names bound otherwise
    (loop targets, unpacking...); None instead of the latter when the function may change
    a shape in place."""
    assigned, direct, stores = [], set(), set()
    for n in walk_no_defs(fdef):
        if n is fdef:
            continue
        if isinstance(n, nodes.Assign) and len(n.targets) == 1 \
                and isinstance(n.targets[0], nodes.Name):
            assigned.append((n.targets[0].id, n.value))
            direct.add(id(n.targets[0]))
        elif isinstance(n, nodes.Name) and nodes.is_store(n) and id(n) not in direct:
            stores.add(n.id)
        elif isinstance(n, nodes.Attribute) and nodes.is_store(n):
            return assigned, None
        elif isinstance(n, nodes.Call) and isinstance(n.func, nodes.Attribute) \
                and n.func.attr == "resize":
            return assigned, None
    # (a name of a nested def or lambda is bound, not assigned a value of a shape here)
    stores |= {n.name for n in walk_no_defs(fdef)
               if isinstance(n, nodes.FunctionDef) and n is not fdef}
    return assigned, stores


class _Reader:
    """The shape of an expression of the normalized function, from the facts so far (None:
    it reads a name no assignment has reached yet)."""

    def __init__(self, facts, assigned, kinds, targets):
        self.facts = facts
        self.assigned = assigned
        self.kinds = kinds
        self.targets = targets

    def shape(self, e):
        if isinstance(e, nodes.Name):
            kind = self.kinds.get(e.id, lattice.ANY)
            if kind in (lattice.SCALAR, lattice.INT):
                return ()
            if e.id in self.facts:
                return self.facts[e.id]
            return None if e.id in self.assigned else UNKNOWN     # (a global: unknown)
        if nodes.number(e) is not None:
            return ()
        if isinstance(e, nodes.BinOp) and isinstance(e.op, _ELEMENTWISE):
            return self._elementwise([e.left, e.right])
        if isinstance(e, nodes.UnaryOp) and isinstance(e.op, (nodes.USub, nodes.UAdd)):
            return self._elementwise([e.operand])
        if isinstance(e, nodes.Subscript):
            return self._index(e)
        if isinstance(e, nodes.Call):
            return self._call(e)
        return UNKNOWN

    def _operand_ok(self, e):
        if nodes.number(e) is not None:
            return True
        if not isinstance(e, nodes.Name):
            return False
        kind = self.kinds.get(e.id, lattice.ANY)
        return kind in (lattice.SCALAR, lattice.INT) or lattice.is_array(kind)

    def _elementwise(self, operands):
        if not all(self._operand_ok(o) for o in operands):
            return UNKNOWN
        return broadcast(*(self.shape(o) for o in operands))

    def _call(self, e):
        """A NumPy ufunc of its `nin` operands, given by position alone (not a generalized
        one such as ``np.matmul``, whose core dimensions are not broadcast); an array made
        like another (``np.zeros_like(a)``, ``with_item(a, i, v)``: the shape of `a`)."""
        target = self.targets.get(id(e))
        func = getattr(getattr(target, "rule", None), "func", None)
        like = func in _LIKE and len(e.args) == 1 or (   # (`a[i] = v` normalized)
            getattr(func, "__name__", None) == "with_item" and len(e.args) == 3
            and getattr(func, "__module__", "").startswith("tangent_like.runtime"))
        if like and not e.keywords and isinstance(e.args[0], nodes.Name) \
                and lattice.is_array(self.kinds.get(e.args[0].id, lattice.ANY)):
            return self.shape(e.args[0])
        if not isinstance(func, np.ufunc) or func.signature is not None or e.keywords \
                or len(e.args) != func.nin or func.nout != 1:
            return UNKNOWN
        return self._elementwise(e.args)

    def _index(self, e):
        """Basic indexing with constant integers and slices, from the first axis on."""
        if not isinstance(e.value, nodes.Name) \
                or not lattice.is_array(self.kinds.get(e.value.id, lattice.ANY)):
            return UNKNOWN
        return index_shape(self.shape(e.value), e.slice)


def index_shape(shape, index):
    """The shape of ``a[index]`` for `a` of `shape` (None and `UNKNOWN` pass through):
    basic indexing with constant integers and slices, from the first axis on."""
    if shape is None or shape == UNKNOWN:
        return shape
    parts = index.elts if isinstance(index, nodes.Tuple) else [index]
    if len(parts) > len(shape):
        return UNKNOWN
    out = []
    for part, d in zip(parts, shape):
        if isinstance(part, nodes.Slice):
            length = _slice_length(part, d)
            if length is None:
                return UNKNOWN
            out.append(length)
        elif type(nodes.number(part)) is not int:
            return UNKNOWN          # (an integer drops the axis: anything else does not)
    return tuple(out) + tuple(shape[len(parts):])


def _slice_length(s, d):
    """The symbolic length of slice `s` (constant bounds) of an axis of length `d`."""
    bounds = []
    for b in (s.lower, s.upper, s.step):
        if b is None or (isinstance(b, nodes.Constant) and b.value is None):
            bounds.append(None)
            continue
        v = nodes.number(b)
        if type(v) is not int:
            return None
        bounds.append(v)
    start, stop, step = bounds
    if step not in (None, 1):
        return None if step == 0 else ("slice", d, start, stop, step)
    start = start or 0
    if start >= 0 and (stop is None or stop < 0):
        return _minus(d, start + (-stop if stop is not None else 0))
    return ("slice", d, start, stop, 1)


def _minus(d, k):
    """``max(d - k, 0)`` for ``k >= 0``."""
    if k == 0:
        return d
    if isinstance(d, tuple) and d[0] == "minus":
        return ("minus", d[1], d[2] + k)
    return ("minus", d, k)

