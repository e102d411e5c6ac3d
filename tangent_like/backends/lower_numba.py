"""Generated code lowered to what numba compiles in nopython mode.

Reverse mode hands values from the primal sweep to the adjoint sweep on a list of tuples
(``_stack``).  Numba compiles neither a list of tuples of mixed types nor one growing
without bound at native speed, so the record becomes *typed tapes*: floats in one float64
array ``_tf``, integers (counts, indices, branch decisions) in one int64 array ``_ti``,
arrays copied onto the float tape with their shapes on the int tape; each sweep keeps the
tops of the tapes in ``_nf`` and ``_ni`` and hands them over in the int64 array ``_top``
(``_top[0]``, ``_top[1]``) that every sweep shares.  A record of two floats::

    _stack.append((x, y))            _tf = tape_room(_tf, _nf, 2)
                                     _tf[_nf] = x
                              ->     _tf[_nf + 1] = y
                                     _nf += 2

    x, y = _stack.pop()              _nf -= 2
                              ->     x = _tf[_nf]
                                     y = _tf[_nf + 1]

A tape grows (doubling) when a record does not fit; before a loop over a range whose body
records a fixed number of values per iteration, room for the whole loop is made once
(``tape_room(_tf, _nf, 3 * len(range(n)))``) and the pushes inside skip the check.  A
primal sweep returns its tapes beside its value (``value, _tf, _ti = primal_f(_tf, _ti,
_top, x)``), since growing a tape makes a new array.  Ranges are recorded as their start,
stop and step; ``reversed(r)`` becomes ``reversed_range(r)``.

A recorded value whose kind the analysis does not know goes on the float tape through
``tape_float(v)``, which numba compiles for floats only.  What cannot be lowered (a
closure, a global array that numba would freeze) raises `NotLowered` with the reason; the caller runs the Python
code instead and says why.
"""
from ..analysis import lattice
from ..syntax import nodes
from .pairing import STACK, NotPaired, is_call_of, is_pop, is_push, pair, sweep_call
FLOATS, INTS, TOPS = "_tf", "_ti", "_top"
TAPE_PARAMS = (FLOATS, INTS, TOPS)
_SLOT = {"f": (FLOATS, "_nf", 0), "i": (INTS, "_ni", 1)}   # tape, its top, where kept
_LOAD_TOPS = "_nf = _top[0]\n_ni = _top[1]"
_STORE_TOPS = "_top[0] = _nf\n_top[1] = _ni"
INITIAL = {"f": 1024, "i": 256}         # first sizes of the tapes (they double when full)


class NotLowered(Exception):
    """The generated code has something the numba backend does not compile (the reason)."""


def lower(defs, entry_name, result_kind):
    """Copies of the generated definitions `defs` ((unit, FunctionDef) pairs), lowered for
    numba; `entry_name`: the reverse-mode entry (None in forward mode)."""
    lowering = _Lowering(defs, entry_name, result_kind)
    return lowering.run()


def _stack_arg(call):
    return bool(call.args) and isinstance(call.args[0], nodes.Name) and call.args[0].id == STACK


class _Lowering:
    def __init__(self, defs, entry_name, result_kind):
        self.defs = defs
        self.entry_name = entry_name
        self.result_kind = result_kind
        self.primals = {u.primal_name for u, _ in defs if getattr(u, "mode", None) == "reverse"}
        self.tape_calls = []          # calls of sweeps: their tape arguments are added last
        self.sweeps = []              # definitions that take the tapes

    def run(self):
        out = []
        kinds = {}
        self.defs = [(unit, nodes.copy(fdef)) for unit, fdef in self.defs]
        _pass_parameters(self.defs, self.entry_name)
        for unit, fdef in self.defs:
            kinds.setdefault(id(unit), {}).update(_recorded_kinds(unit, fdef))
        self.paired = self._pair(kinds)
        self.handed = _hand_over(self.defs, self.entry_name, self.paired) or (None, [], [])
        self.tapes = any(is_push(n) or is_pop(n) for _, f in self.defs for n in nodes.walk(f))
        for unit, fdef in self.defs:
            params = [a.id for a in fdef.args.args]
            self.kinds = kinds[id(unit)]
            namer = getattr(unit, "namer", None)
            self.adjoint_of = {b: var for var, b in (getattr(namer, "adjoints", None)
                                                     or {}).items() if isinstance(var, str)}
            self.bound = set(params)
            self.is_primal = fdef.name in self.primals
            self.is_sweep = params[:1] == [STACK]
            self.in_entry = fdef.name == self.entry_name
            self.fdef_name = fdef.name
            if self.is_sweep:
                del fdef.args.args[0]
                self.sweeps.append(fdef)
            if self.is_primal and not isinstance(fdef.body[-1], nodes.Return):
                fdef.body.append(nodes.return_(None))    # (a gradient without the value)
            self._shape_loop_adjoints(fdef, params)
            fdef.body = self._block(fdef.body, self.in_entry)
            if self.is_sweep and self.tapes:
                at = 1 if fdef.body and nodes.is_docstring(fdef.body[0]) else 0
                fdef.body[at:at] = nodes.template(_LOAD_TOPS)
            out.append((unit, fdef))
        tapes = list(TAPE_PARAMS) if self.tapes else []
        for fdef in self.sweeps:
            fdef.args.args[:0] = [nodes.name(t, "param") for t in tapes]
        for call in self.tape_calls:
            call.args[:0] = [nodes.name(t) for t in tapes]
        return out

    def _pair(self, kinds):
        """The kinds of the values each pop reads, from the push that recorded them."""
        if self.entry_name is None:
            return {}
        by_name = {fdef.name: (fdef, kinds[id(unit)]) for unit, fdef in self.defs}

        def kinds_of(name, value):
            self.kinds = by_name[name][1]
            return [k for _, k in self._elements(value)]
        try:
            sweeps = {u.primal_name: u.adjoint_name for u, _ in self.defs
                      if getattr(u, "mode", None) == "reverse"}
            return pair({name: f for name, (f, _) in by_name.items()}, self.entry_name,
                        sweeps, kinds_of)
        except NotPaired as exc:
            raise NotLowered(f"its record of values cannot be paired push to pop ({exc})") \
                from None

    # --------------------------------------------------------------- statements
    def _block(self, stmts, entry, room_made=False, bound=()):
        outer = set(self.bound)
        self.bound |= set(bound)
        out = []
        for s in stmts:
            made = self._stmt(s, entry, room_made)
            for m in made:           # (names bound from here on, whatever path is taken)
                if isinstance(m, nodes.Assign):
                    for t in m.targets:
                        self.bound |= set(nodes.stored_names(t))
            out += made
        self.bound = outer
        return out

    def _stmt(self, s, entry, room_made):
        if entry:
            self._seed(s)
        if is_push(s):
            return self._push(s.value.args[0], room_made)
        if is_pop(s):
            return self._pop(s)
        if isinstance(s, nodes.Assign) and isinstance(s.targets[0], nodes.Name) \
                and s.targets[0].id == STACK:
            return self._new_tapes()
        if isinstance(s, nodes.Assign) and self._array_adjoint(s):
            return [self._zeros_of_adjoint(s)]
        if isinstance(s, nodes.Return) and self.is_sweep:
            if self.is_primal:
                value = s.value if s.value is not None else nodes.const(None)
                s = nodes.return_(nodes.tuple_([value] + self._tapes_and_handed(
                    self.fdef_name, self.handed[1], "load")))
            return (nodes.template(_STORE_TOPS) if self.tapes else []) + [s]
        if isinstance(s, (nodes.Assign, nodes.Expr)) and isinstance(s.value, nodes.Call) \
                and _stack_arg(s.value):
            return self._sweep_call(s)
        if isinstance(s, nodes.For):
            return self._for(s, entry)
        if isinstance(s, nodes.While):
            s.body = self._block(s.body, entry)
            s.orelse = self._block(s.orelse, entry)
            return [s]
        if isinstance(s, nodes.If):
            s.body = self._block(s.body, entry, room_made)
            s.orelse = self._block(s.orelse, entry, room_made)
            return [s]
        self._check(s)
        _plain_reductions(s)
        return [s]

    def _array_adjoint(self, s):
        """The variable whose adjoint `s` sets to zero (``bx = 0.0``), when it is an array."""
        target = s.targets[0]
        if len(s.targets) != 1 or not isinstance(target, nodes.Name) or not (
                isinstance(s.value, nodes.Constant) and type(s.value.value) is float
                and s.value.value == 0.0):
            return None
        var = self.adjoint_of.get(target.id)
        kind = self.kinds.get(var)
        return var if isinstance(kind, tuple) and kind[0] == "a" else None

    def _zeros_of_adjoint(self, s):
        """``bx = 0.0`` of an array `x` as float zeros of its shape: a variable of numba code keeps
        one type, and its adjoint becomes an array.  The shape is x's where x is bound (the
        adjoint's start), else the adjoint's own (the adjoint reset where x is assigned);
        otherwise the float stays (numba refuses the code when the adjoint becomes an
        array, and the Python code runs)."""
        var = self._array_adjoint(s)
        b = s.targets[0].id
        like = var if var in self.bound else b if b in self.bound else None
        if like is None:
            return s
        return nodes.assign(nodes.name(b, "store"),     # (float64, as adjoints of ints are)
                            nodes.call("np.zeros", [nodes.parse_expr(f"{like}.shape")]))

    def _shape_loop_adjoints(self, fdef, params):
        """The adjoint of an array made in a loop (``row = A[i]``), which the sweep cannot
        shape at its start: an empty array of its rank there, and zeros of the array's
        shape once the loop body has bound the array (``if brow.size == 0: brow =
        np.zeros(row.shape)``).  Only when nothing else reads the adjoint: every statement
        naming it is in that one loop, after the array is bound at the loop body's top."""
        bound = set(params)
        body = fdef.body
        for i, s in enumerate(list(body)):
            if isinstance(s, nodes.Assign):
                var = self._array_adjoint(s)
                if var is not None and var not in bound:
                    self._shape_in_loop(s, var, body[i + 1:])
                for t in s.targets:
                    bound |= set(nodes.stored_names(t))

    def _shape_in_loop(self, init, var, rest):
        b = init.targets[0].id
        named = [s for s in rest if b in _names_in(s)]
        if len(named) != 1 or not isinstance(named[0], nodes.For) or any(
                b in _names_in(s) for s in named[0].orelse) or b in _names_in(named[0].iter):
            return
        loop = named[0]
        for j, s in enumerate(loop.body):
            if b in _names_in(s):
                return          # (the adjoint is read before the array is bound)
            if isinstance(s, nodes.Assign) and any(var in nodes.stored_names(t)
                                                   for t in s.targets):
                break
        else:
            return
        rank = self.kinds[var][1]
        init.value = nodes.parse_expr(f"np.zeros(({'0, ' * rank}))")
        loop.body[j + 1:j + 1] = nodes.template(
            f"if {b}.size == 0:\n    {b} = np.zeros({var}.shape)")

    def _seed(self, s):
        """The seed of a gradient: 1.0 for a float value; other values are refused when numba
        compiles the code (`seed_of_float`)."""
        for n in nodes.walk(s):
            for field in ("args", "elts"):
                items = getattr(n, field, None)
                if not isinstance(items, list):
                    continue
                for j, e in enumerate(items):
                    if is_call_of(e, "seed_for"):
                        e.func = nodes.name("seed_of_float")

    def _check(self, s):
        for n in nodes.walk(s):
            if isinstance(n, nodes.Name) and n.id == STACK:
                raise NotLowered("the record of values is used in a way the numba backend "
                                 "does not lower")

    def _tapes_and_handed(self, primal, handed, ctx):
        """The tapes a primal sweep returns (the empty list when nothing is recorded on
        them), and the records it hands over (`handed`, for the one that does)."""
        names = [FLOATS, INTS] if self.tapes else []
        if primal == self.handed[0]:
            names += handed
        return [nodes.name(n, ctx) for n in names]

    def _new_tapes(self):
        if not self.tapes:
            return []
        return nodes.template(f"{FLOATS} = np.empty({INITIAL['f']})\n"
                              f"{INTS} = np.empty({INITIAL['i']}, dtype=np.int64)\n"
                              f"{TOPS} = np.zeros(2, dtype=np.int64)")

    def _sweep_call(self, s):
        call = s.value
        call.args = call.args[1:]
        self.tape_calls.append(call)
        func = nodes.dotted_name(call.func)
        if func in self.primals:
            target = s.targets[0] if isinstance(s, nodes.Assign) else nodes.name("_", "store")
            s = nodes.assign(nodes.tuple_([nodes.to_store(target)] + self._tapes_and_handed(
                func, self.handed[2], "store"), "store"), call)
        if self.in_entry or not self.tapes:
            return [s]
        return nodes.template(_STORE_TOPS) + [s] + nodes.template(_LOAD_TOPS)

    def _for(self, s, entry):
        s.iter = self._reversed(s.iter)
        counts = _direct_records(s.body, self)
        room = []
        if counts is not None and self.is_primal:
            for slot, k in counts.items():
                tape, top, _ = _SLOT[slot]
                room += nodes.template(f"{tape} = tape_room({tape}, {top}, K * len(ITER))",
                                       K=k, ITER=s.iter)
        s.body = self._block(s.body, entry, room_made=counts is not None and self.is_primal,
                             bound=nodes.stored_names(s.target))
        s.orelse = self._block(s.orelse, entry)
        return room + [s]

    def _reversed(self, it):
        if not is_call_of(it, "reversed"):
            return it
        r = it.args[0]
        if isinstance(r, nodes.Subscript) and isinstance(r.slice, nodes.Slice) \
                and r.slice.lower is None and r.slice.step is None and r.slice.upper is not None:
            r = nodes.call("range_head", [r.value, r.slice.upper])     # (a loop left early)
        return nodes.call("reversed_range", [r])

    # ------------------------------------------------------------------- records
    def _elements(self, value):
        elts = value.elts if isinstance(value, nodes.Tuple) else [value]
        out = []
        for e in elts:
            if not isinstance(e, nodes.Name):
                raise NotLowered("a recorded value is not a name")
            out.append((e.id, self._kind(e.id)))
        return out

    def _kind(self, name):
        kind = self.kinds.get(name)
        if kind is None:      # (numba's types decide: a float is recorded, anything else
            return "f?"       # refused when it compiles, see `tape_float`)
        return kind

    def _push(self, value, room_made, ints=False):
        elements = [(nodes.unparse(e), "i") for e in value.elts] if ints else \
            self._elements(value)
        out, arrays = [], []
        for slot in ("f", "i"):
            names = [n if k != "f?" else f"tape_float({n})" for n, k in elements
                     if k == slot or (k == "f?" and slot == "f")]
            names += [f"{n}.{part}" for n, k in elements if k == "r" and slot == "i"
                      for part in ("start", "stop", "step")]
            if not names:
                continue
            tape, top, _ = _SLOT[slot]
            if not room_made:
                out += nodes.template(f"{tape} = tape_room({tape}, {top}, {len(names)})")
            for j, n in enumerate(names):
                at = top + (f" + {j}" if j else "")
                out += nodes.template(f"{tape}[{at}] = {n}")
            out += nodes.template(f"{top} += {len(names)}")
        for n, k in elements:
            if k[0] == "a":      # its elements on the float tape, its shape on the int one
                arrays += nodes.template(
                    f"{FLOATS}, _nf = tape_push_array({FLOATS}, _nf, {n}, {k[1]})")
                arrays += self._push(nodes.tuple_([nodes.name(f"{n}.shape[{d}]")
                                                   for d in range(k[1])]), False, ints=True)
        return out + arrays

    def _pop(self, s):
        """The values `s` reads back, from the tapes its push wrote: each typed as it was
        pushed; refused when the names it gives them are known to be of other kinds."""
        pushed = self.paired.get(id(s), (None,))[0]
        names = _names_of(nodes.to_load(s.targets[0])) if len(s.targets) == 1 else None
        if pushed is None or names is None or len(names) != len(pushed):
            raise NotLowered("a read of the record does not match the values recorded")
        for n, k in zip(names, pushed):
            known = self.kinds.get(n)
            if known is not None and known != k and not (k == "f?" and known == "f"):
                raise NotLowered(f"the record of values is read back as {n!r} of another "
                                 "kind than it was recorded")
        elements = list(zip(names, pushed))
        out = []
        for n, k in reversed(elements):
            if k[0] == "a":
                dims = ", ".join(f"_ti[_ni + {d}]" if d else "_ti[_ni]" for d in range(k[1]))
                out += nodes.template(f"_ni -= {k[1]}\n"
                                      f"_nf, {n} = tape_pop_array({FLOATS}, _nf, ({dims},))")
        for slot in ("f", "i"):
            names = [(n, None) for n, k in elements
                     if k == slot or (k == "f?" and slot == "f")]
            names += [(n, part) for n, k in elements if k == "r" and slot == "i"
                      for part in ("start", "stop", "step")]
            if not names:
                continue
            tape, top, _ = _SLOT[slot]
            out += nodes.template(f"{top} -= {len(names)}")
            ranges = {}
            for j, (n, part) in enumerate(names):
                at = top + (f" + {j}" if j else "")
                if part is None:
                    out += nodes.template(f"{n} = {tape}[{at}]")
                else:
                    ranges.setdefault(n, []).append(f"{tape}[{at}]")
            for n, parts in ranges.items():
                out += nodes.template(f"{n} = range({', '.join(parts)})")
        return out


def _names_in(node):
    return {n.id for n in nodes.walk(node) if isinstance(n, nodes.Name)}


def _plain_reductions(s):
    """``np.sum(x, axis=None, keepdims=False)`` (in tangent code) as ``np.sum(x)``: numba's
    reductions take no keywords."""
    for n in nodes.walk(s):
        if isinstance(n, nodes.Call) and nodes.dotted_name(n.func) in _REDUCTIONS \
                and n.keywords and all(
                    isinstance(k.value, nodes.Constant)
                    and (k.arg, k.value.value) in (("axis", None), ("keepdims", False))
                    for k in n.keywords):
            n.keywords = []


def _direct_records(body, lowering):
    """Values recorded per iteration by a loop body whose records are all at its top level
    (no branch, loop or call of a sweep records any): ``{"f": k, "i": m}``; else None."""
    counts = {}
    for s in body:
        if is_push(s):
            for n, k in lowering._elements(s.value.args[0]):
                if k[0] == "a":         # (an array makes room for itself)
                    return None
                if k in ("f", "i", "f?"):
                    counts[k[0]] = counts.get(k[0], 0) + 1
                elif k == "r":
                    counts["i"] = counts.get("i", 0) + 3
            continue
        for n in nodes.walk(s):
            if isinstance(n, nodes.Name) and n.id == STACK:
                return None
    return counts or None


def _kind_of_value(value, known):
    """How a value the transforms assign would be recorded (None: not known)."""
    if isinstance(value, (nodes.Compare, nodes.BoolOp)) or (
            isinstance(value, nodes.UnaryOp) and isinstance(value.op, nodes.Not)):
        return "i"
    if is_call_of(value, "range"):
        return "r"
    if is_call_of(value, "len") or is_call_of(value, "checkpoint_every"):
        return "i"
    if isinstance(value, nodes.Constant) and type(value.value) in (int, bool):
        return "i"
    if isinstance(value, nodes.Constant) and type(value.value) is float:
        return "f"
    if isinstance(value, nodes.Name):
        return known.get(value.id)
    if isinstance(value, nodes.BinOp):
        sides = [_kind_of_value(value.left, known), _kind_of_value(value.right, known)]
        if isinstance(value.op, nodes.MatMult):
            return _product_kind(sides)
        if None in sides or "r" in sides or "shape" in sides:
            return None
        ranks = [k[1] for k in sides if k[0] == "a"]
        if ranks:       # (NumPy broadcasting: the larger rank)
            return ("a", max(ranks))
        if set(sides) == {"i"} and not isinstance(value.op, nodes.Div):
            return "i"
        return "f"
    if isinstance(value, nodes.UnaryOp) and isinstance(value.op, (nodes.USub, nodes.UAdd)):
        return _kind_of_value(value.operand, known)
    if isinstance(value, nodes.Attribute) and value.attr == "shape":
        return "shape"      # (not recorded: its items are integers)
    if isinstance(value, nodes.Subscript) and not isinstance(value.slice, nodes.Slice) \
            and _kind_of_value(value.value, known) == "shape":
        return "i"
    if isinstance(value, nodes.Attribute) and value.attr in ("size", "ndim"):
        return "i"
    if isinstance(value, nodes.Attribute) and value.attr == "T":
        kind = _kind_of_value(value.value, known)
        return kind if isinstance(kind, tuple) else None
    if isinstance(value, nodes.Call) and _is_reduction_along(value):
        kind = _kind_of_value(value.args[0], known)
        if isinstance(kind, tuple):
            return ("a", kind[1] - 1) if kind[1] > 1 else "f"
        return None
    if isinstance(value, nodes.Call) and not value.keywords:
        func = nodes.dotted_name(value.func)
        args = [_kind_of_value(a, known) for a in value.args]
        if func in ("np.dot", "np.matmul") and len(args) == 2:
            return _product_kind(args)
        if len(args) == 1 and isinstance(args[0], tuple):
            if func in _ELEMENTWISE:
                return args[0]
            if func in _REDUCTIONS:
                return "f"
    return None


# NumPy functions whose value has the shape of their one argument, and reductions of all
# the elements (a float), as the kinds of values the analysis leaves open are inferred
_ELEMENTWISE = {f"np.{f}" for f in (
    "exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "sqrt", "abs", "square",
    "log1p", "expm1", "negative", "arctan", "arcsin", "arccos", "exp2", "log2", "log10")}
_REDUCTIONS = {f"np.{f}" for f in ("sum", "mean", "prod", "max", "min", "var", "std")}


def _is_reduction_along(call):
    """``np.sum(x, axis=k)`` (or ``np.sum(x, k)``) of one integer axis, without keepdims."""
    if nodes.dotted_name(call.func) not in _REDUCTIONS:
        return False
    axis = [k.value for k in call.keywords if k.arg == "axis"] + call.args[1:2]
    if len(call.args) > 2 or len(axis) != 1 or any(k.arg != "axis" for k in call.keywords):
        return False
    return isinstance(axis[0], nodes.Constant) and type(axis[0].value) is int


def _product_kind(sides):
    """The kind of ``a @ b`` (np.dot, np.matmul) for operands of kinds `sides`."""
    if any(k is None or k in ("r", "shape") for k in sides):
        return None
    ranks = [k[1] if isinstance(k, tuple) else 0 for k in sides]
    if 0 in ranks:
        return ("a", max(ranks)) if max(ranks) else "f"
    if max(ranks) > 2:
        return None
    rank = ranks[0] + ranks[1] - 2
    return ("a", rank) if rank else "f"


def _recorded_kinds(unit, fdef):
    """How each name of `fdef` is recorded: "f" (a float), "i" (an integer or a bool),
    ("a", ndim) (a float array), "r" (a range); from the unit's analysis, and for the names
    the transforms add (branch decisions, ranges), from what is assigned to them."""
    out = {}
    analysis = getattr(unit, "analysis", None)
    for name, kind in (getattr(analysis, "kinds", None) or {}).items():
        if kind == lattice.SCALAR:
            out[name] = "f"
        elif kind == lattice.INT:
            out[name] = "i"
        elif lattice.is_array(kind):
            out[name] = ("a", kind[1])
    assigned = [(s.targets[0].id, s.value) for s in nodes.walk(fdef)
                if isinstance(s, nodes.Assign) and isinstance(s.targets[0], nodes.Name)]
    found = {}
    changed = True
    while changed:          # (a copy or a sum of counters is known once they are)
        changed = False
        for name, value in assigned:
            if name in out:
                continue
            kind = _kind_of_value(value, {**found, **out})
            if kind is not None and found.get(name, kind) != kind:
                kind = "conflict"
            if kind is not None and found.get(name) != kind:
                found[name] = kind
                changed = True
    out.update((n, k) for n, k in found.items() if k not in ("conflict", "shape"))
    return out


def _sweeps_of_entry(defs, entry_name):
    """``(entry, primal, adjoint, primal call, adjoint call)`` where the entry alone calls
    the two sweeps, each once; else None."""
    if entry_name is None:
        return None
    entry = next((f for _, f in defs if f.name == entry_name), None)
    calls = [n for n in nodes.walk(entry) if isinstance(n, nodes.Call) and _stack_arg(n)] \
        if entry is not None else []
    if len(calls) != 2:
        return None
    primal_call, adjoint_call = calls
    by_name = {f.name: f for _, f in defs}
    primal = by_name.get(nodes.dotted_name(primal_call.func))
    adjoint = by_name.get(nodes.dotted_name(adjoint_call.func))
    if primal is None or adjoint is None or primal_call.keywords or adjoint_call.keywords:
        return None
    for _, f in defs:                   # (called from one place: the entry)
        if f is not entry and any(isinstance(n, nodes.Name) and n.id in (
                primal.name, adjoint.name) for n in nodes.walk(f)):
            return None
    return entry, primal, adjoint, primal_call, adjoint_call


def _pass_parameters(defs, entry_name):
    """Parameters of the function differentiated that its primal sweep hands over to the
    adjoint sweep unchanged (the last record: ``_stack.append((x, _range))``) go to the
    adjoint sweep as arguments of the entry instead: a tape would copy an array twice.
    Only where the entry alone calls the two sweeps."""
    found = _sweeps_of_entry(defs, entry_name)
    if found is None:
        return
    entry, primal, adjoint, primal_call, adjoint_call = found
    push = next((st for st in reversed(primal.body) if is_push(st)), None)
    pop = next((st for st in adjoint.body if is_pop(st)), None)
    if push is None or pop is None or primal.body.index(push) < len(primal.body) - 2:
        return
    pushed = _names_of(push.value.args[0])
    popped = _names_of(nodes.to_load(pop.targets[0]))
    if pushed is None or pushed != popped:
        return
    params = [a.id for a in primal.args.args]
    stored = {n.id for n in nodes.walk(primal) if isinstance(n, nodes.Name)
              and nodes.is_store(n)}
    args = dict(zip(params, primal_call.args))
    passed = [n for n in pushed if n in args and n not in stored and n != STACK
              and isinstance(args[n], nodes.Name)]
    if not passed:
        return
    rest = [n for n in pushed if n not in passed]
    if rest:
        push.value.args[0] = _packed([nodes.name(n) for n in rest])
        pop.targets[0] = nodes.to_store(_packed([nodes.name(n) for n in rest]))
    else:
        primal.body.remove(push)
        adjoint.body.remove(pop)
    adjoint.args.args += [nodes.name(n, "param") for n in passed]
    adjoint_call.args += [nodes.copy(args[n]) for n in passed]


def _hand_over(defs, entry_name, paired):
    """Records made once per call, at the top of the primal sweep and read at the top of
    the adjoint sweep (``_stack.append(_range)`` ... ``_range = _stack.pop()``), go from
    one sweep to the other through the entry: the primal sweep returns them beside its
    value, the adjoint sweep takes them as parameters.  Floats, integers and ranges only
    (an array is copied when recorded, so a change in place after it is not seen), and
    only values the primal sweep does not assign again after recording them.  Returns
    ``(primal name, names the primal returns, names of the entry)``, or None."""
    found = _sweeps_of_entry(defs, entry_name)
    if found is None:
        return None
    entry, primal, adjoint, primal_call, adjoint_call = found
    returns = [n for n in nodes.walk(primal) if isinstance(n, nodes.Return)]
    if any(r is not primal.body[-1] for r in returns):
        return None
    pops = {}                           # push -> (pop, kinds): a push read by one pop
    for pop, (kinds, pushes) in paired.items():     # that reads it alone
        for push in pushes:
            pops[push] = (pop, kinds) if push not in pops and len(pushes) == 1 else (0, ())
    taken = {n.id for n in nodes.walk(entry) if isinstance(n, nodes.Name)}
    returned, handed = [], []
    for push in [st for st in primal.body if is_push(st)]:
        pop = next((st for st in adjoint.body if id(st) == pops.get(id(push), (0,))[0]), None)
        if pop is None:
            continue
        kinds = pops[id(push)][1]
        pushed = _names_of(push.value.args[0])
        popped = _names_of(nodes.to_load(pop.targets[0]))
        i, j = primal.body.index(push), adjoint.body.index(pop)
        later = {n for st in primal.body[i + 1:] for n in _stored_in(st)}
        earlier = {n for st in adjoint.body[:j] for n in _names_in(st)}
        if pushed is None or popped is None or len(pushed) != len(popped) or any(
                isinstance(k, tuple) for k in kinds) or set(pushed) & later or set(
                popped) & (earlier | {a.id for a in adjoint.args.args}) or len(
                set(popped)) != len(popped):
            continue
        primal.body.remove(push)
        adjoint.body.remove(pop)
        for n, m in zip(pushed, popped):
            held = m
            k = 1
            while held in taken:
                k += 1
                held = f"{m}_{k}"
            taken.add(held)
            returned.append(n)
            handed.append(held)
            adjoint.args.args.append(nodes.name(m, "param"))
            adjoint_call.args.append(nodes.name(held))
    return (primal.name, returned, handed) if returned else None


def _stored_in(node):
    return {n.id for n in nodes.walk(node) if isinstance(n, nodes.Name) and nodes.is_store(n)}


def _names_of(value):
    elts = value.elts if isinstance(value, nodes.Tuple) else [value]
    if not all(isinstance(e, nodes.Name) for e in elts):
        return None
    return [e.id for e in elts]


def _packed(items):
    return items[0] if len(items) == 1 else nodes.tuple_(items)
