"""Arrays no one reads again give their storage to the operation that reads them last.

Every NumPy operation allocates its result.  Hand-written adjoints reuse arrays instead
(``g *= x``, ``np.exp(e, e)``), and on large arrays that is most of their lead: a fresh
array of a million floats costs more than the arithmetic done in it.  This pass rewrites a
statement of generated code that reads an array for the last time so that the result is
written into that array:

* ``t = a * b`` becomes ``t = np.multiply(a, b, out=a)`` (``a`` not read again);
* ``bx = bx + e`` becomes ``bx += e``;
* ``t = np.exp(a)`` becomes ``t = np.exp(a, out=a)``, ``t = -a`` ``t = np.negative(a,
  out=a)``.

This is exact only when three facts hold, and the pass proves each of them or leaves the
statement alone:

1. **No one else holds the array** (`_owned`): every value the name ever takes is fresh
   (made by arithmetic, a ufunc, ``adjoint_zeros``), and the name is never read in a way
   that could keep the array alive under another name (a view, a record on the tape, an
   element of a tuple, an argument of a call that might return it); reads as operands of
   arithmetic and ufuncs, writes into it, and the function's ``return`` are fine.
2. **It is not read again** (liveness, loops included).
3. **The result has the array's shape and dtype** (`facts`): the array is of float64, the
   other operand a real value of at most 64 bits (so the result is float64 too), and either
   a scalar or an array of provably the same shape (analysis/shapes.py symbols).  The
   dtypes come from the arguments of the first call (`Options.dtypes`, part of the cache
   key); without them nothing is rewritten.

Example (run as a test)::

    >>> from tangent_like.syntax import nodes
    >>> f = nodes.parse("def f(x):\\n    x_sq = x ** 2\\n    t = -x_sq\\n    e = np.exp(t)\\n"
    ...                 "    bx = e * x\\n    bx = bx + x\\n    return bx").body[0]
    >>> seeds = {"x": Facts(1, F8, (("dim", "x", 0),))}
    >>> reuse_storage([f], seeds)
    True
    >>> print(nodes.unparse(f))
    def f(x):
        x_sq = x ** 2
        t = np.negative(x_sq, out=x_sq)
        e = np.exp(t, out=t)
        bx = np.multiply(e, x, out=e)
        bx += x
        return bx
"""
import collections

import numpy as np

from ..analysis import aliasing, shapes
from ..syntax import anno, nodes
from ..syntax.naming import is_stack

F8 = "float64"     # an array of float64
REAL = "real"      # a real value whose result type with float64 is float64 (Python numbers;
                   # NumPy booleans, integers and floats of at most 64 bits)

Facts = collections.namedtuple("Facts", "ndim dtype shape")
Facts.__doc__ = """What is known of every value a name takes: `ndim` (None: unknown; 0 for
scalars), `dtype` (`F8`, `REAL` or None) and symbolic `shape` (`shapes.UNKNOWN` if not)."""

UNKNOWN = Facts(None, None, shapes.UNKNOWN)
SCALAR = Facts(0, REAL, ())

_UFUNC_OF = {nodes.Add: "add", nodes.Sub: "subtract", nodes.Mult: "multiply",
             nodes.Div: "divide", nodes.Pow: "power"}
_AUGMENTED = {nodes.Add: nodes.Add, nodes.Sub: nodes.Sub, nodes.Mult: nodes.Mult,
              nodes.Div: nodes.Div}
_COMMUTATIVE = (nodes.Add, nodes.Mult)
_LIKE_ARGUMENT = ("adjoint_zeros", "np.zeros_like", "np.ones_like")   # fresh, as their argument
_REDUCTIONS = ("np.sum", "np.mean", "np.max", "np.min", "np.prod", "np.dot")
_SHAPE_ATTRIBUTES = ("shape", "ndim", "size", "dtype")


def reuse_storage(fdefs, seeds):
    """Rewrite the statements of `fdefs` (the generated functions of one unit, sharing the
    names of their records) that read an array for the last time so that they write their
    result into it; `seeds` are the `Facts` of their parameters.  True when something
    changed."""
    facts = infer(fdefs, seeds)
    changed = False
    for fdef in fdefs:
        owned = _owned(fdef, facts)
        if not owned:
            continue
        live = aliasing.live_after(fdef.body, _uses)
        for block in nodes.statement_lists(fdef.body):
            for k, s in enumerate(block):
                if id(s) not in live:
                    continue        # (in a block liveness does not follow: left alone)
                new = _rewrite(s, facts, owned, live[id(s)])
                if new is not None:
                    block[k] = new
                    changed = True
    return changed


# ---------------------------------------------------------------- facts of values
def infer(fdefs, seeds):
    """``{name: Facts}`` over the functions `fdefs`: every definition of a name joined
    (flow-insensitive); a parameter starts from its seed (or knows nothing), a value popped
    from a tape is joined over what is pushed at its position."""
    sources, pushes = _definitions(fdefs)
    facts = {}
    changed = True
    while changed:                    # each fact only goes up a lattice of finite height
        changed = False
        for name, found in sources.items():
            joined = facts.get(name)        # (facts only go up: the loop ends)
            for how, what in found:
                if how == "value":
                    joined = join(joined, fact(what, facts))
                elif how == "parameter":
                    joined = join(joined, seeds.get(name, UNKNOWN))
                elif how == "pop":
                    for pushed in pushes.get(what) or [None]:
                        joined = join(joined, UNKNOWN if pushed is None
                                      else fact(pushed, facts))
                else:
                    joined = UNKNOWN
            if joined is not None and joined != facts.get(name):
                facts[name] = joined
                changed = True
    return facts


def join(a, b):
    if a is None:
        return b
    if b is None or a == b:
        return a
    dtype = a.dtype if a.dtype == b.dtype else (
        REAL if {a.dtype, b.dtype} == {F8, REAL} else None)
    return Facts(a.ndim if a.ndim == b.ndim else None, dtype,
                 a.shape if a.shape == b.shape else shapes.UNKNOWN)


def fact(e, facts):
    """The `Facts` of expression `e` (None: it reads a name not known yet)."""
    if isinstance(e, nodes.Name):
        return facts.get(e.id)
    value = nodes.number(e)
    if value is not None:
        return SCALAR if isinstance(value, (int, float)) else UNKNOWN
    if isinstance(e, nodes.BinOp) and type(e.op) in _UFUNC_OF:
        return _elementwise([fact(e.left, facts), fact(e.right, facts)], True)
    if isinstance(e, nodes.UnaryOp) and isinstance(e.op, (nodes.USub, nodes.UAdd)):
        return fact(e.operand, facts)
    if isinstance(e, nodes.Subscript) and isinstance(e.value, nodes.Name):
        base = facts.get(e.value.id)
        if base is None or not base.ndim:
            return base and UNKNOWN
        shape = shapes.index_shape(base.shape, e.slice)
        ndim = None if shape == shapes.UNKNOWN else len(shape)
        return Facts(ndim, base.dtype if ndim else None, shape) if ndim != 0 else UNKNOWN
    if isinstance(e, nodes.Call) and not e.keywords:
        name = nodes.dotted_name(e.func)
        if name in _LIKE_ARGUMENT + ("cj",) and len(e.args) == 1:
            return fact(e.args[0], facts)
        if name in _REDUCTIONS and len(e.args) == 1:
            arg = fact(e.args[0], facts)
            return arg and Facts(0, REAL if arg.dtype in (F8, REAL) else None, ())
        ufunc = _ufunc(name)
        if ufunc is not None and len(e.args) == ufunc.nin:
            return _elementwise([fact(a, facts) for a in e.args],
                                "d" * ufunc.nin + "->d" in ufunc.types)
    return UNKNOWN


def _elementwise(operands, float_loop):
    """Facts of an elementwise result: the broadcast of the operands' shapes; float64 when
    an array operand is and every other one is real (`float_loop`: float64 operands give
    a float64 result)."""
    if any(o is None for o in operands):
        return None
    ndims = [o.ndim for o in operands]
    ndim = None if None in ndims else max(ndims)
    dtypes = {o.dtype for o in operands}
    if not dtypes <= {F8, REAL} or not float_loop:
        dtype = None
    elif any(o.dtype == F8 and o.ndim for o in operands):
        dtype = F8
    else:
        dtype = REAL
    shape = shapes.broadcast(*(o.shape for o in operands))
    if shape is None:
        shape = shapes.UNKNOWN
    return Facts(ndim, dtype if ndim else (REAL if dtype else None), shape)


def _ufunc(name):
    """The NumPy ufunc ``np.NAME`` names (one output, no core dimensions), or None."""
    if not name or not name.startswith("np.") or name.count(".") != 1:
        return None
    f = getattr(np, name[3:], None)
    if isinstance(f, np.ufunc) and f.nout == 1 and f.signature is None:
        return f
    return None


def _definitions(fdefs):
    """(name -> how it is bound: ``("value", expr)``, ``("parameter", None)``, ``("pop",
    key)`` or ``("other", None)``; pop key -> values pushed there).  A pop key is
    ``(arity, position)``, arity None for a single value.  Augmented assignments keep what
    is known: they change an array in place, and a scalar keeps its kind."""
    sources = collections.defaultdict(list)
    pushes = collections.defaultdict(list)
    for fdef in fdefs:
        for a in nodes.parameters(fdef):
            sources[a.id].append(("parameter", None))
        seen = set()            # the stores accounted for
        for n in nodes.walk(fdef):
            if isinstance(n, nodes.Assign) and len(n.targets) == 1:
                target = n.targets[0]
                if isinstance(target, nodes.Name):
                    how = ("pop", (None, 0)) if _is_pop(n.value) else ("value", n.value)
                    sources[target.id].append(how)
                    seen.add(id(target))
                elif isinstance(target, nodes.Tuple) and _is_pop(n.value) and all(
                        isinstance(t, nodes.Name) for t in target.elts):
                    for k, t in enumerate(target.elts):
                        sources[t.id].append(("pop", (len(target.elts), k)))
                        seen.add(id(t))
            elif isinstance(n, nodes.AugAssign) and isinstance(n.target, nodes.Name):
                seen.add(id(n.target))
            elif isinstance(n, nodes.For) and isinstance(n.target, nodes.Name) \
                    and nodes.dotted_name(getattr(n.iter, "func", None)) == "range":
                sources[n.target.id].append(("value", nodes.const(0)))
                seen.add(id(n.target))
            elif isinstance(n, nodes.Call) and _is_push(n):
                pushed = n.args[0]
                if isinstance(pushed, nodes.Tuple):
                    for k, v in enumerate(pushed.elts):
                        pushes[(len(pushed.elts), k)].append(v)
                else:
                    pushes[(None, 0)].append(pushed)
            elif isinstance(n, nodes.Name) and nodes.is_store(n) and id(n) not in seen:
                sources[n.id].append(("other", None))
            elif isinstance(n, (nodes.FunctionDef, nodes.Lambda)) and n is not fdef:
                for name in nodes.all_names(n):
                    sources[name].append(("other", None))
    return sources, pushes


def _is_pop(e):
    return isinstance(e, nodes.Call) and isinstance(e.func, nodes.Attribute) \
        and e.func.attr == "pop" and isinstance(e.func.value, nodes.Name) \
        and is_stack(e.func.value.id) and not e.args


def _is_push(e):
    return isinstance(e.func, nodes.Attribute) and e.func.attr == "append" \
        and isinstance(e.func.value, nodes.Name) and is_stack(e.func.value.id) \
        and len(e.args) == 1


# ---------------------------------------------------------------- who holds an array
def _owned(fdef, facts):
    """The names of `fdef` whose arrays no other name, record or caller can hold: every
    value they take is fresh, and no read of them can keep the array under another name
    (`facts` tell arrays, whose elements are copied when stored, from other containers)."""
    fresh, bound, escaping = set(), set(), set()
    plain = set()           # the targets of ``name = value`` and ``name op= value``
    for n in nodes.walk(fdef):
        if isinstance(n, nodes.Assign) and len(n.targets) == 1 \
                and isinstance(n.targets[0], nodes.Name):
            (fresh if _is_fresh(n.value) else bound).add(n.targets[0].id)
            plain.add(id(n.targets[0]))
        elif isinstance(n, nodes.AugAssign):
            plain.add(id(n.target))
        elif isinstance(n, (nodes.FunctionDef, nodes.Lambda)) and n is not fdef:
            escaping |= nodes.all_names(n)
    bound |= {n.id for n in nodes.walk(fdef) if isinstance(n, nodes.Name)
              and nodes.is_store(n) and id(n) not in plain}
    bound |= {a.id for a in nodes.parameters(fdef)}
    for block in nodes.statement_lists(fdef.body):
        for s in block:
            escaping |= _escaping(s, facts)
    return fresh - bound - escaping


def _is_fresh(value):
    """Does `value` make an object no other name holds (arithmetic, a ufunc, zeros)?"""
    if isinstance(value, (nodes.BinOp, nodes.UnaryOp, nodes.Compare)):
        return True
    if isinstance(value, nodes.Call) and not any(k.arg == "out" for k in value.keywords):
        name = nodes.dotted_name(value.func)
        return _ufunc(name) is not None or name in _LIKE_ARGUMENT
    return False


def _escaping(s, facts):
    """The names a statement reads in a way that may leave their object held elsewhere."""
    out = set()

    def into_array(target):
        """Is `target` (of an assignment) an array or a part of one?  (What is stored
        there is copied.)"""
        if isinstance(target, nodes.Subscript):
            target = target.value
        f = facts.get(target.id) if isinstance(target, nodes.Name) else None
        return f is not None and bool(f.ndim)

    def visit(e, safe):
        if isinstance(e, nodes.Name):
            if not safe and nodes.is_load(e):
                out.add(e.id)
            return
        if isinstance(e, (nodes.BinOp, nodes.UnaryOp, nodes.Compare)):
            for c in nodes.iter_child_nodes(e):
                visit(c, True)
            return
        if isinstance(e, nodes.Call):
            name = nodes.dotted_name(e.func)
            ok = (_ufunc(name) is not None or name in _REDUCTIONS + _LIKE_ARGUMENT) and not any(
                k.arg == "out" for k in e.keywords)
            for a in e.args:
                visit(a, ok)
            for k in e.keywords:
                visit(k.value, False)
            visit(e.func, False)
            return
        if isinstance(e, nodes.Attribute):
            visit(e.value, e.attr in _SHAPE_ATTRIBUTES)
            return
        if isinstance(e, nodes.Subscript):
            visit(e.value, nodes.is_store(e))   # written into: its array stays its own
            visit(e.slice, False)
            return
        for c in nodes.iter_child_nodes(e):
            visit(c, False)

    if isinstance(s, nodes.Return):
        if s.value is not None:
            for e in (s.value.elts if isinstance(s.value, nodes.Tuple) else [s.value]):
                visit(e, True)          # (the function ends: no one else can read them)
    elif isinstance(s, nodes.Assign):
        for t in s.targets:
            visit(t, False)
        visit(s.value, len(s.targets) == 1 and isinstance(s.targets[0], nodes.Subscript)
              and into_array(s.targets[0]))
    elif isinstance(s, nodes.AugAssign):
        visit(s.target, True)
        visit(s.value, into_array(s.target))
    elif isinstance(s, (nodes.If, nodes.While)):
        visit(s.test, False)
    elif isinstance(s, nodes.For):
        visit(s.target, False)
        visit(s.iter, False)
    else:
        visit(s, False)
    return out


# ---------------------------------------------------------------- liveness
def _uses(s):
    """The names a statement reads, its targets included: ``bx[1:] = v`` and ``bx += v``
    use the array of ``bx``; so does whatever a statement of another kind names."""
    used = nodes.loaded_names(s)
    if isinstance(s, nodes.AugAssign):
        used |= nodes.stored_names(s.target)
    elif not isinstance(s, (nodes.Assign, nodes.Expr)):
        used |= nodes.all_names(s)
    return used


# ---------------------------------------------------------------- the rewrite
def _rewrite(s, facts, owned, live):
    """The statement writing the result of `s` into an operand it reads for the last time,
    or None."""
    if not isinstance(s, nodes.Assign) or len(s.targets) != 1 \
            or not isinstance(s.targets[0], nodes.Name):
        return None
    target, v = s.targets[0].id, s.value

    def reusable(e, others):
        if not isinstance(e, nodes.Name) or e.id not in owned or (
                e.id in live and e.id != target):     # (bound again by `s` itself)
            return False
        a = facts.get(e.id)
        if a is None or a.dtype != F8 or not a.ndim:
            return False
        for o in others:
            f = fact(o, facts)
            if f is None or f.dtype not in (F8, REAL) or f.ndim is None:
                return False
            if f.ndim and (f.shape == shapes.UNKNOWN or f.shape != a.shape
                           or f.ndim != a.ndim):
                return False
        return True

    if isinstance(v, nodes.BinOp) and type(v.op) in _UFUNC_OF:
        left, right = v.left, v.right
        if reusable(left, [right]):
            if left.id == target and type(v.op) in _AUGMENTED:
                return _located(nodes.AugAssign(target=nodes.name(target, "store"),
                                                op=v.op, value=right), s)
            return _with_out(s, _ufunc_call(v.op, right), [left, right], left.id)
        if reusable(right, [left]):
            if right.id == target and isinstance(v.op, _COMMUTATIVE):
                return _located(nodes.AugAssign(target=nodes.name(target, "store"),
                                                op=v.op, value=left), s)
            return _with_out(s, _ufunc_call(v.op, right), [left, right], right.id)
        return None
    if isinstance(v, nodes.UnaryOp) and isinstance(v.op, nodes.USub) \
            and reusable(v.operand, []):
        return _with_out(s, "np.negative", [v.operand], v.operand.id)
    if isinstance(v, nodes.Call) and not v.keywords:
        f = _ufunc(nodes.dotted_name(v.func))
        if f is None or len(v.args) != f.nin or "d" * f.nin + "->d" not in f.types:
            return None
        for k, a in enumerate(v.args):
            if reusable(a, v.args[:k] + v.args[k + 1:]):
                return _with_out(s, nodes.dotted_name(v.func), v.args, a.id)
    return None


def _ufunc_call(op, right):
    """The ufunc of a binary operator (``a ** 2``: ``np.square``)."""
    if isinstance(op, nodes.Pow) and nodes.number(right) == 2:
        return "np.square"
    return "np." + _UFUNC_OF[type(op)]


def _with_out(s, func, args, out):
    if func == "np.square":
        args = args[:1]
    call = nodes.call(func, list(args), [("out", nodes.name(out))])
    return _located(nodes.assign(s.targets[0].id, call), s)


def _located(new, old):
    """`new` in the place of `old`: its location and annotations."""
    for field in ("lineno", "col_offset", "end_lineno", "end_col_offset"):
        if hasattr(old, field):
            setattr(new, field, getattr(old, field))
    return anno.copy_all(old, new)
