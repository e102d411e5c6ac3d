"""Gradients without their value: what `tl.grad` leaves out (`Options.value` False).

A gradient does not return the function's value, so, where that is safe (`leaves_out`), the
root's primal sweep loses its ``return`` (`drop`) and the optimizer removes the work that
only computed the value; the adjoint sweep then starts from the seed 1.0 itself
(`seed_one`, `optimize/seed.py`), and the entry is ``grad_f``.  Safe means: the value is
provably a real scalar, the arguments are of kinds the analysis knows, nothing else calls
the primal sweep, and nothing the value alone needs may raise an error of its domain (the
gradient must raise where the function does).
"""
import collections

from ..analysis import lattice
from ..optimize import optimize, seed
from ..optimize.dead import remove_dead_code
from ..syntax import nodes


def leaves_out(program, root, defs, kinds):
    """May the entry of `root` leave the value out (`Options.value` False)?  Only where the value is
    provably a real scalar (its seed is then 1.0 and it needs no check), the arguments are
    all of kinds the analysis knows (no lazy or foreign arrays), and nothing else calls the
    primal sweep of the function (a recursive call needs its value)."""
    options = program.options
    if options.value or options.cotangent or options.higher_order or options.collect:
        return False
    if root.result_kind != lattice.SCALAR or not all(map(_known, kinds.values())):
        return False
    for _, fdef in defs:
        for n in nodes.walk(fdef):
            if isinstance(n, nodes.Name) and n.id == root.primal_name:
                return False
    return not _value_may_raise(root, defs)


def _value_may_raise(root, defs):
    """Could the work that only feeds the value raise (``math.log`` of a negative number,
    a division by zero)?  Then the function has no derivative there, and the gradient must
    raise as the function does: the value is kept.  (Overflow is no such error: ``x ** 2``
    stays out.)"""
    primal = next(fdef for _, fdef in defs if fdef.name == root.primal_name)
    with_value, without = nodes.copy(primal), nodes.copy(primal)
    if not isinstance(without.body[-1], nodes.Return):
        return True
    without.body[-1].value = None
    remove_dead_code(with_value)
    remove_dead_code(without)
    kept = collections.Counter(nodes.unparse(n) for n in nodes.walk(without)
                               if isinstance(n, nodes.Assign))
    kinds = root.analysis.kinds
    numpy = _numpy_values(with_value, kinds)
    for n in nodes.walk(with_value):
        if isinstance(n, nodes.Assign):
            text = nodes.unparse(n)
            if kept[text]:
                kept[text] -= 1
            elif _may_raise(n.value, kinds, numpy):
                return True
    return False


def _numpy_values(fdef, kinds):
    """Names that certainly hold NumPy values (arrays, or scalars NumPy made), whose
    arithmetic gives inf or nan with a warning where Python's raises: the results of
    NumPy's functions, and arithmetic with one of them."""
    defs = collections.defaultdict(list)
    for n in nodes.walk(fdef):
        if isinstance(n, nodes.Assign):
            for t in n.targets:
                for m in nodes.walk(t):
                    if isinstance(m, nodes.Name):
                        defs[m.id].append(n.value if isinstance(t, nodes.Name) else None)
    out = {name for name, kind in kinds.items() if lattice.is_array(kind)}
    grew = True
    while grew:
        grew = False
        for name, values in defs.items():
            if name not in out and values and all(
                    v is not None and _makes_numpy(v, out) for v in values):
                out.add(name)
                grew = True
    return out


def _makes_numpy(v, numpy):
    if isinstance(v, nodes.Call):
        name = nodes.dotted_name(v.func) or ""
        return name.startswith("np.") and not name.startswith(("np.linalg.", "np.fft."))
    if isinstance(v, nodes.BinOp):
        return any(isinstance(o, nodes.Name) and o.id in numpy for o in (v.left, v.right))
    if isinstance(v, nodes.UnaryOp):            # -np.sum(...)
        return isinstance(v.operand, nodes.Name) and v.operand.id in numpy
    return False


_MATH_TOTAL = {f"math.{f}" for f in (     # defined on every finite float (overflow aside)
    "sin", "cos", "tan", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "exp", "expm1",
    "erf", "erfc", "fabs", "hypot", "copysign", "degrees", "radians")}


def _may_raise(expr, kinds, numpy=()):
    """May `expr` raise an error of its domain on floats?  Calls other than NumPy's
    elementwise functions and reductions, divisions and remainders by a number that may
    be zero, powers other than by a natural number, of a number -- of Python numbers:
    `numpy` holds the names of NumPy values (inf or nan there, not an error)."""
    def scalar(e):
        return not (isinstance(e, nodes.Name) and (lattice.is_array(kinds.get(e.id))
                                                   or e.id in numpy))
    for n in nodes.walk(expr):
        if isinstance(n, nodes.Call):
            name = nodes.dotted_name(n.func) or ""
            if name.startswith(("np.linalg.", "np.fft.")) or not (
                    name.startswith("np.") or name in _MATH_TOTAL):
                return True
        elif isinstance(n, nodes.BinOp):
            if isinstance(n.op, (nodes.Div, nodes.FloorDiv, nodes.Mod)):
                r = n.right
                if scalar(r) and scalar(n.left) and not (
                        isinstance(r, nodes.Constant) and r.value != 0):
                    return True
            elif isinstance(n.op, nodes.Pow):
                r = n.right
                natural = isinstance(r, nodes.Constant) and type(r.value) is int and r.value >= 0
                if scalar(n.left) and not natural:
                    return True
    return False


def _known(kind):
    """A kind of argument made of floats, ints, strings, functions and NumPy arrays."""
    if lattice.is_sequence(kind):
        return kind != lattice.LIST and all(map(_known, kind[1]))
    if lattice.is_dict(kind):
        return kind[1] is not None and all(_known(k) for _, k in kind[1])
    return kind in (lattice.SCALAR, lattice.INT, lattice.STR, lattice.NONE) \
        or lattice.is_array(kind) or lattice.is_function(kind)


def seed_one(root, defs, optimized=True):
    """The root's adjoint sweep, run by a gradient without its value, starts from 1.0:
    its products with the seed go (`optimize.seed`).  Is it still a parameter?"""
    adjoint = next(fdef for _, fdef in defs if fdef.name == root.adjoint_name)
    active = root.analysis.active
    floats = set(active) | {root.namer.adjoint(v) for v in active}
    if seed.seed_one(adjoint, floats) and optimized:
        optimize(adjoint)
    return len(adjoint.args.args) > 1


def drop(root, defs):
    """The primal sweep of the root without its value: ``return None`` (the optimizer
    then removes what only fed the value)."""
    for _, fdef in defs:
        if fdef.name == root.primal_name:
            last = fdef.body[-1]
            if isinstance(last, nodes.Return):
                last.value = None
            return


def drop_return(root, defs):
    """The bare ``return`` that ends the root's primal sweep, once tidied: nothing to say."""
    for _, fdef in defs:
        if fdef.name == root.primal_name and len(fdef.body) > 2 \
                and isinstance(fdef.body[-1], nodes.Return) and fdef.body[-1].value is None:
            fdef.body.pop()
