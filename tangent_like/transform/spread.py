"""Cotangents of full reductions kept as scalars where every use of them broadcasts anyway.

The adjoint of ``s = np.sum(a)`` is the scalar ``bs`` spread over the shape of ``a``
(``sum_adjoint(bs, a, None, False)``: an array filled with ``bs``).  Elementwise arithmetic
with that array gives what it gives with the scalar itself, broadcast: ``2.0 *
sum_adjoint(bs, a, None, False) * t`` equals ``2.0 * bs * t`` when ``t`` has the shape of
``a``.  So the spread array need not exist when every value computed from it either

* meets, in an elementwise operation, an array provably of the same shape (analysis/shapes.py)
  -- the result is then the same array as before; or
* is added in place into a slice of an accumulator (``bx[1:] += ...``) -- NumPy broadcasts
  the scalar into it; or
* is the adjoint of a temporary (one definition, one use) whose own uses do the same.

Then ``sum_adjoint(...)`` is replaced by the scalar: no array is filled, and ``a`` itself is
no longer read by the adjoint sweep, so the primal sweep need not record it (and a gradient
that does not return the value need not compute it).  Anything else (an adjoint returned,
passed to a call, accumulated by ``+``, an operand of unknown shape) keeps the array.

A mean is a sum divided by the size: ``mean_adjoint(g, a, None, False)`` becomes the scalar
``g / max(v.size, 1)``, where `v` is an array of provably the shape of ``a`` (so of its
size) that the sweep reads anyway -- one the spread cotangent meets, else a parameter --
and ``a`` itself only when there is none.  So ``np.mean((pred - y) ** 2)`` reads the size
of ``pred_minus_y`` and ``(pred - y) ** 2`` is neither recorded nor computed.  (An empty
``a`` has size 0: its spread cotangent then meets only empty arrays, and any finite
scalar gives what the empty spread array gives.)

`spread_scalars` runs on the statement adjoints of the reverse transform, before records are
decided.
"""
import numpy as np

from ..analysis import lattice, shapes
from ..syntax import nodes

_ELEMENTWISE = (nodes.Add, nodes.Sub, nodes.Mult, nodes.Div, nodes.Pow)
_SAME_AS_ARGUMENTS = ("cj", "fdiv")          # runtime helpers that act element by element

SCALAR = ("scalar", ())


def spread_scalars(rt):
    """Replace the spread cotangents of `rt` (a `ReverseTransform` after its statement
    adjoints are collected) by scalars where that is exact; update what each reads."""
    if not getattr(rt.an, "shapes", None):
        return
    spread = _Spread(rt)
    changed = False
    for sa in rt.adj.values():
        for c in sa.contribs:
            for site in _sites(c.expr):
                changed |= spread.try_site(sa, c, site)
    if changed:
        for sa in rt.adj.values():
            sa.reads = set()
            for c in sa.contribs:
                sa.reads |= nodes.loaded_names(c.expr) & rt.an.local_vars


def _sites(expr):
    """The calls ``sum_adjoint(g, a, None, False)`` and ``mean_adjoint(g, a, None, False)``
    in `expr`."""
    return [n for n in nodes.walk(expr) if isinstance(n, nodes.Call)
            and nodes.dotted_name(n.func) in ("sum_adjoint", "mean_adjoint")
            and len(n.args) == 4
            and isinstance(n.args[1], nodes.Name)
            and all(isinstance(a, nodes.Constant) for a in n.args[2:])
            and n.args[2].value is None and n.args[3].value is False]


class _Spread:
    def __init__(self, rt):
        self.rt = rt
        self.kinds = rt.an.kinds
        self.shapes = rt.an.shapes
        self.lazy = {}          # adjoint name -> the shape of the array it stands for
        self.primal_of = {}     # adjoint name -> its variable
        self.defined_by = {}    # variable -> the statement adjoint defining it
        self.uses = {}          # variable -> how many contributions its adjoint receives
        self.full_names = []    # the arrays of known shape a site's cotangent meets
        for sa in rt.adj.values():
            for t in sa.targets:
                self.primal_of[rt.b(t)] = t
                self.defined_by.setdefault(t, []).append(sa)
            for c in sa.contribs:
                self.uses[c.var] = self.uses.get(c.var, 0) + 1
            if sa.call is not None:
                for _, a in sa.call[1]:
                    for n in nodes.walk(a):
                        if isinstance(n, nodes.Name):
                            self.uses[n.id] = self.uses.get(n.id, 0) + 2   # kept

    # ------------------------------------------------------------------ a site
    def try_site(self, sa, c, site):
        shape = self.shapes.get(site.args[1].id, shapes.UNKNOWN)
        if shape == shapes.UNKNOWN or self.kind_of(site.args[0]) != SCALAR:
            return False
        region = {}
        self.full_names = []
        if not self.consumed(c, {id(site): shape}, region):
            return False
        self.lazy.update(region)
        scalar = site.args[0]
        if nodes.dotted_name(site.func) == "mean_adjoint":
            size = nodes.attribute(nodes.name(self.of_shape(shape, site.args[1].id)), "size")
            scalar = nodes.binop(scalar, nodes.Div(),
                                 nodes.call("max", [size, nodes.const(1)]))
        c.expr = _replaced(c.expr, site, scalar)
        return True

    def of_shape(self, shape, own):
        """A name whose value has `shape` wherever it is bound, to read its size from: one
        the spread cotangent meets (read by the adjoint sweep anyway, and bound before the
        reduction, in the same iteration), else a parameter, else `own` (the reduced
        array, which the adjoint then reads).  Of an empty array the size is 0, and the
        scalar divided by 1 instead meets only empty arrays."""
        for name in self.full_names:
            if self.shapes.get(name) == shape:
                return name
        for name in self.rt.params:
            if self.shapes.get(name) == shape:
                return name
        return own

    def consumed(self, c, sites, region):
        """Is contribution `c` (whose spread sites `sites` stand for arrays) exact with
        scalars in their place, its adjoint's uses followed (`region` gathers the adjoints
        that become scalars)?"""
        rt = self.rt
        if c.how == "add_at":       # ``bx[i] += g`` in place broadcasts a scalar g
            if c.var in rt.inline_acc and getattr(c, "basic", False):
                return self.classify(c.g, sites, region) is not None
            return not self._mentions(c.expr, sites, region)
        cls = self.classify(c.expr, sites, region)
        if cls is None:
            return False
        if cls[0] != "lazy":
            return True
        if c.how != "add" or c.var not in rt.local_temps or self.uses.get(c.var) != 1:
            return False
        defs = self.defined_by.get(c.var, [])
        if len(defs) != 1 or defs[0].call is not None:
            return False
        region[rt.b(c.var)] = cls[1]
        return all(self.consumed(d, {}, region) for d in defs[0].contribs)

    def _mentions(self, e, sites, region):
        return any(id(n) in sites or (isinstance(n, nodes.Name) and (
            n.id in region or n.id in self.lazy)) for n in nodes.walk(e))

    # -------------------------------------------------------- classification
    def kind_of(self, node):
        """SCALAR for a real scalar, ("full", shape) for a real array of known shape."""
        if isinstance(node, nodes.Constant):
            v = node.value
            return SCALAR if isinstance(v, (int, float)) and not isinstance(v, bool) \
                else None
        if not isinstance(node, nodes.Name):
            return None
        name = node.id
        primal = self.primal_of.get(name)
        if primal is not None:         # an adjoint: a scalar's is a scalar; arrays' may be
            return SCALAR if lattice.is_scalar(self.kinds.get(primal)) else None  # 0.0
        kind = self.kinds.get(name)
        if lattice.is_scalar(kind):
            return SCALAR
        shape = self.shapes.get(name, shapes.UNKNOWN)
        if lattice.is_array(kind) and shape != shapes.UNKNOWN:
            self.full_names.append(name)
            return ("full", shape)
        return None

    def classify(self, e, sites, region):
        """("lazy", shape): a scalar standing for an array of that shape; ("full", shape):
        an array of that shape; SCALAR; None: anything else."""
        if id(e) in sites:
            return ("lazy", sites[id(e)])
        if isinstance(e, nodes.Name):
            for lazy in (region, self.lazy):
                if e.id in lazy:
                    return ("lazy", lazy[e.id])
            return self.kind_of(e)
        if isinstance(e, nodes.Constant):
            return self.kind_of(e)
        if isinstance(e, nodes.UnaryOp) and isinstance(e.op, (nodes.USub, nodes.UAdd)):
            return self.classify(e.operand, sites, region)
        if isinstance(e, nodes.BinOp) and isinstance(e.op, _ELEMENTWISE):
            return _combine([self.classify(e.left, sites, region),
                             self.classify(e.right, sites, region)])
        if isinstance(e, nodes.Call) and not e.keywords:
            name = nodes.dotted_name(e.func) or ""
            head, _, attr = name.partition(".")
            elementwise = name in _SAME_AS_ARGUMENTS or (
                head == "np" and isinstance(getattr(np, attr, None), np.ufunc))
            if elementwise:
                return _combine([self.classify(a, sites, region) for a in e.args])
            if head == "math":
                parts = [self.classify(a, sites, region) for a in e.args]
                return SCALAR if all(p == SCALAR for p in parts) else None
        return None


def _replaced(expr, old, new):
    """`expr` with its subexpression `old` (that very node) replaced by `new`."""
    if expr is old:
        return new
    for parent in nodes.walk(expr):
        for field in getattr(parent, "_fields", ()):
            value = getattr(parent, field, None)
            if value is old:
                setattr(parent, field, new)
                return expr
            if isinstance(value, list) and any(v is old for v in value):
                setattr(parent, field, [new if v is old else v for v in value])
                return expr
    return expr


def _combine(parts):
    """The class of an elementwise operation on operands of classes `parts`."""
    if any(p is None for p in parts):
        return None
    out = SCALAR
    for p in parts:
        if p == SCALAR:
            continue
        if out != SCALAR and out[1] != p[1]:
            return None             # shapes not provably equal
        if out == SCALAR or p[0] == "full":
            out = p
    return out
