"""Reverse mode: a primal sweep that records what the adjoint needs, and an adjoint sweep.

For a normalized function ``f`` this builds two functions::

    def primal_f(_stack, x, n):        # f's statements, plus pushes of recorded values
        ...
        return result

    def adjoint_f(_stack, bresult):    # the adjoint statements, in reverse order
        ...
        return (bx,)                   # one adjoint per active parameter

Recording is done per *segment*: a run of straight-line statements whose adjoints read
stale values (see `analysis.stale`) pushes them as one tuple at its end; the adjoint of the
segment pops the tuple back into the same names.  Branches record their decision, loops their
trip count (``for`` loops over ``range`` replay the index in reverse).  Values that are never
overwritten are handed from the primal to the adjoint sweep once, at the end.

Adjoints are named after their variables (``bx``).  A temporary used only in its own block
gets its first contribution by plain assignment; other adjoints start at ``0.0`` and
accumulate.  Broadcasting is undone (``unbroadcast``) only where the value kinds say shapes
may differ.
"""
import math
import re
import warnings

from ..analysis import lattice
from ..analysis.activity import binop_rule, unary_rule
from ..analysis.resolve import RuleTarget, UserTarget
from ..analysis.stale import Positions
from ..errors import CheckpointWarning, NoDerivativeError
from ..syntax import anno, nodes
from . import kinks
from .calls import user_call
from .comments import dedupe_comments
from .spread import spread_scalars

STACK = "_stack"
_CHECKPOINT_COMMENT = re.compile(r"#\s*tangent_like:\s*checkpoint(?:\s*=\s*(sqrt|binomial|none|\d+))?\b",
                                 re.IGNORECASE)


class _Contribution:
    """One term added to the adjoint of `var`."""

    def __init__(self, var, expr, how="add"):
        self.var = var
        self.expr = expr
        self.how = how        # "add" | "add_at" | "tuple"


class _StmtAdjoint:
    def __init__(self, stmt, targets, contribs, call=None):
        self.stmt = stmt
        self.targets = targets          # names defined by the statement
        self.contribs = contribs
        self.call = call                # (unit, [(param, arg node)]) for user calls
        self.reads = set()


class ReverseTransform:
    def __init__(self, unit):
        self.unit = unit
        self.fdef = unit.parsed.node
        self.an = unit.analysis
        self.namer = unit.namer
        self.pos = Positions(self.fdef)
        self.adj = {}             # id(stmt) -> _StmtAdjoint
        self.final_reads = []     # non-stale reads handed over at the end (ordered)
        self.local_temps = set()
        self.accumulators = set()
        self.seen = set()         # local temps that already received a contribution
        self.counter = 0
        self.params = [a.id for a in nodes.parameters(self.fdef)]
        ret = self.fdef.body[-1]
        self.result = ret.value.id if isinstance(ret.value, nodes.Name) else None
        self.depth = 0
        self.kinks = unit.program.options.kinks
        # names certainly bound when the primal sweep ends: parameters and top-level targets
        self.top_defined = set(self.params)
        for st in self.fdef.body:
            if isinstance(st, nodes.Assign):
                self.top_defined |= nodes.stored_names(st.targets[0])

    @property
    def _records_elements(self):
        """Are elements of NumPy arrays recorded rather than read again?  In Python a record
        costs less than ``x[i]``, except where the primal sweep runs only to record: the
        root of a gradient that leaves the value out (`Options.value`), whose loops may then
        have nothing left to do."""
        options = self.unit.program.options
        if options.backend != "python":
            return False
        return options.value or self.unit is not self.unit.program.order[0]

    def _can_hand_over(self, name):
        return name in self.top_defined

    # ----------------------------------------------------------------- helpers
    def active(self, node):
        return isinstance(node, nodes.Name) and node.id in self.an.active

    def b(self, var):
        return self.namer.adjoint(var)

    def _origin(self, s):
        return anno.get(s, anno.Anno.ORIGIN) or (getattr(s, "lineno", None), 0)

    # ------------------------------------------------- pass 1: statement adjoints
    def _collect(self, stmts, block):
        for s in stmts:
            if isinstance(s, nodes.Assign):
                sa = self._stmt_adjoint(s)
                if sa is not None:
                    sa.block = block
                    self.adj[id(s)] = sa
            elif isinstance(s, nodes.If):
                self._collect(s.body, id(s.body))
                self._collect(s.orelse, id(s.orelse))
            elif isinstance(s, (nodes.For, nodes.While)):
                self._collect(s.body, id(s.body))

    def _stmt_adjoint(self, s):
        target = s.targets[0]
        names = [target.id] if isinstance(target, nodes.Name) else [t.id for t in target.elts]
        active_targets = [n for n in names if n in self.an.active]
        value = s.value
        if not active_targets:
            return None
        if isinstance(target, nodes.Name):
            g = nodes.name(self.b(target.id))
        else:
            g = nodes.tuple_([nodes.name(self.b(n)) if n in self.an.active else nodes.const(0.0)
                              for n in names])
        contribs = []
        call = None
        if isinstance(value, nodes.Name):
            if self.active(value):
                if isinstance(target, nodes.Tuple):
                    if lattice.is_sequence(self.an.kind(value)):
                        contribs.append(_Contribution(value.id, g, "tuple"))
                    else:
                        contribs.append(_Contribution(value.id, nodes.call(
                            "unpack_adjoint", [nodes.name(value.id), g]), "tuple"))
                else:
                    how = _how(self.an.kind(value))
                    contribs.append(_Contribution(value.id, g, how))
        elif isinstance(value, nodes.BinOp):
            rule = binop_rule(value.op)
            contribs += self._rule_contribs(rule, {"a": value.left, "b": value.right}, g,
                                            target)
        elif isinstance(value, nodes.UnaryOp):
            contribs += self._rule_contribs(unary_rule(value.op), {"x": value.operand}, g,
                                            target)
        elif isinstance(value, nodes.Subscript):
            if self.active(value.value):
                c = _Contribution(value.value.id, nodes.call(
                    "add_at", [nodes.name(self.b(value.value.id)), value.value,
                               nodes.index_value(value.slice), g]), "add_at")
                c.index = nodes.copy(value.slice)
                c.g = g
                c.basic = self._basic_index(value.slice)
                contribs.append(c)
                self.accumulators.add(value.value.id)
        elif isinstance(value, (nodes.Tuple, nodes.List)):
            for i, e in enumerate(value.elts):
                if self.active(e):
                    contribs.append(_Contribution(e.id, nodes.call(
                        "cot_getitem", [g, nodes.const(i)]), _how(self.an.kind(e))))
        elif isinstance(value, nodes.Dict):
            for k, e in zip(value.keys, value.values):
                if self.active(e):
                    contribs.append(_Contribution(e.id, nodes.call(
                        "cot_getitem", [g, nodes.copy(k)]), _how(self.an.kind(e))))
        elif isinstance(value, nodes.Attribute):
            t = self.an.targets.get(id(value))
            if isinstance(t, RuleTarget):
                contribs += self._rule_contribs(t.rule, t.bound, g, target)
            elif isinstance(t, UserTarget) and id(value) in self.an.calls:    # a property
                callee = self.unit.callee_of(value)
                call = (callee, [(p, t.bound[p]) for p in callee.active_params])
            elif self.active(value.value):      # a field of a parameter container
                contribs.append(_Contribution(value.value.id, nodes.call(
                    "field_adjoint", [value.value, nodes.const(value.attr), g]), "tuple"))
        elif isinstance(value, nodes.Call):
            t = self.an.targets.get(id(value))
            if isinstance(t, RuleTarget):
                if not t.rule.inactive:
                    contribs += self._rule_contribs(t.rule, t.bound, g, target)
            elif isinstance(t, UserTarget):
                if id(value) in self.an.calls:
                    callee = self.unit.callee_of(value)
                    call = (callee, [(p, t.bound[p]) for p in callee.active_params])
        sa = _StmtAdjoint(s, active_targets, contribs, call)
        for c in contribs:
            sa.reads |= nodes.loaded_names(c.expr) & self.an.local_vars
        if call is not None:
            s.value = self._primal_call(value, call[0], self.an.targets[id(value)])
        return sa

    def _basic_index(self, idx):
        """Integers and slices only: ``bx[idx] += g`` is then exact."""
        parts = idx.elts if isinstance(idx, nodes.Tuple) else [idx]
        for p in parts:
            if isinstance(p, nodes.Slice):
                continue
            if self.an.kind(p) != lattice.INT:
                return False
        return True

    def _inline_accumulators(self):
        """Array adjoints updated in place: one zeros array made at the start of the sweep."""
        out = set()
        contribs = {}
        for sa in self.adj.values():
            for c in sa.contribs:
                contribs.setdefault(c.var, []).append(c)
        if self.unit.program.options.higher_order:
            return out      # code meant to be differentiated again stays functional
        # the accumulator is made (adjoint_zeros) at the top of the adjoint: its variable
        # must be bound there whatever path the primal took
        unconditional = set(self.params) | {
            n for st in self.fdef.body if isinstance(st, nodes.Assign)
            for n in nodes.stored_names(st.targets[0])}
        for var in self.accumulators:
            kind = self.an.kinds.get(var)
            if not (isinstance(kind, tuple) and kind[0] == "array"):
                continue
            if var == self.result or var not in unconditional:
                continue
            defs = self.pos.defs.get(var, ())
            if not (len(defs) == 1 and not defs[0][1]):
                continue
            if all(c.basic for c in contribs.get(var, ()) if c.how == "add_at"):
                out.add(var)
        return out

    def _primal_call(self, call, callee, target):
        new = user_call(call, target, callee.primal_name)
        new.args = [nodes.name(STACK)] + new.args
        return new

    def _rule_contribs(self, rule, bound, g, target):
        out = []
        # the result counts: a real operation may make a complex value (a negative float
        # to a fractional power), whose adjoint needs the complex templates
        values = [a for a in bound.values()
                  if isinstance(a, (nodes.Name, nodes.Constant, nodes.UnaryOp))]
        result_real = not isinstance(target, nodes.Name) or _real(self.an.kind(target))
        all_scalar = result_real and all(lattice.is_scalar(self.an.kind(a)) for a in values)
        all_real = result_real and all(_real(self.an.kind(a)) for a in values)
        subs = rule.substitutions(bound, target)
        subs["g"] = g
        if rule.user and isinstance(target, nodes.Name) \
                and not lattice.is_scalar(self.an.kind(target)):
            # built-in templates accept the zero cotangent 0.0 (tests/test_soundness.py);
            # a user's template gets it as zeros shaped like the result
            subs["g"] = nodes.call("dense_cotangent", [g, nodes.name(target.id)])
        for p, arg in bound.items():
            if not self.active(arg):
                continue
            template = rule.template_for(p, bound, all_scalar, all_real)
            if template is None:
                raise NoDerivativeError(f"{rule.name} has no reverse-mode rule for its "
                                        f"argument {p!r}", hint="use forward mode for it")
            expr = nodes.template_expr(template, **subs)
            if self._broadcasts(rule, p, arg, bound, target):
                expr = nodes.call("unbroadcast", [expr, nodes.name(arg.id)])   # re_like too
            elif not result_real and _real(self.an.kind(arg)):
                expr = nodes.call("re_like", [expr, nodes.name(arg.id)])
            out.append(_Contribution(arg.id, expr, _how(self.an.kind(arg))))
        return out

    def _broadcasts(self, rule, p, arg, bound, target):
        """May argument `p` of `rule` be smaller than the result `target` (its adjoint summed
        back)?  Not when every other broadcasting operand is a scalar or the same variable,
        nor when `p` provably has the shape of the result (analysis/shapes.py)."""
        if p not in rule.broadcast:
            return False
        others = [a for q, a in bound.items() if q != p and q in rule.broadcast]
        if all(isinstance(o, nodes.Name) and o.id == arg.id for o in others):
            return False
        if all(lattice.is_scalar(self.an.kind(o)) for o in others):
            return False
        return not self.an.same_shape(arg, target)

    # ---------------------------------------------------- classification
    def _classify(self):
        defs = {}
        for sa in self.adj.values():
            for t in sa.targets:
                defs.setdefault(t, []).append(sa)
        uses = {}
        for sa in self.adj.values():
            for c in sa.contribs:
                uses.setdefault(c.var, []).append(sa)
            if sa.call:
                for _, a in sa.call[1]:
                    for name, _ in _argument_parts(a):
                        uses.setdefault(name.id, []).append(sa)
        all_defs = self.pos.defs
        for var, dl in defs.items():
            if len(dl) != 1 or len(all_defs.get(var, ())) != 1:
                continue
            if var in self.params or var == self.result or var in self.accumulators:
                continue
            d = dl[0]
            if not isinstance(d.stmt.targets[0], nodes.Name):
                continue
            dpos = self.pos.pos[id(d.stmt)][0]
            if all(u.block == d.block and self.pos.pos[id(u.stmt)][0] > dpos
                   for u in uses.get(var, ())):
                self.local_temps.add(var)

    # ---------------------------------------------------- pass 2: generation
    def run(self):
        # the bodies of top-level loops as the user's program runs them, before the calls
        # in them become calls of primal sweeps (what a checkpointed loop runs plainly)
        self.plain = {id(s): [nodes.copy(st) for st in s.body] for s in self.fdef.body
                      if isinstance(s, nodes.For)}
        self._collect(self.fdef.body, id(self.fdef.body))
        self._classify()
        self.inline_acc = self._inline_accumulators()
        for var in sorted(self.inline_acc):
            if var not in self.final_reads:
                self.final_reads.append(var)
        spread_scalars(self)
        body = self.fdef.body[:-1]
        ret = self.fdef.body[-1]
        fwd, adj = self._block(body)
        primal_body = fwd
        # values read by adjoints that nobody overwrites: handed over once
        if self.final_reads:
            primal_body.append(self._push(self.final_reads))
        primal_body.append(ret)
        adjoint_body = []
        if self.final_reads:
            adjoint_body += self._pop(self.final_reads)
        seed = self.b(self.result) if self.result else self.namer.fresh("b_result")
        init = []
        needed = {c.var for sa in self.adj.values() for c in sa.contribs}
        needed |= {name.id for sa in self.adj.values() if sa.call for _, a in sa.call[1]
                   for name, _ in _argument_parts(a)}
        needed |= {t for sa in self.adj.values() for t in sa.targets}
        needed |= set(p for p in self.params if p in self.an.active)
        for var in sorted(needed):
            if var in self.local_temps or var == self.result:
                continue
            if var not in self.an.active:
                continue
            if var in self.inline_acc:
                init.append(nodes.assign(self.b(var), nodes.call("adjoint_zeros",
                                                                 [nodes.name(var)])))
                continue
            init.append(nodes.assign(self.b(var), nodes.const(0.0)))
        adjoint_body = adjoint_body + init + adj
        # exactly the adjoints the caller asked for: a parameter that is not differentiated
        # but is assigned a differentiated value in the body has an adjoint nobody wants
        active_params = [p for p in self.unit.active_params if p in self.an.active]
        adjoint_body.append(nodes.return_(nodes.tuple_(
            [nodes.name(self.b(p)) for p in active_params])))
        return primal_body, adjoint_body, seed, active_params

    def _split(self, names):
        """(differentiable, integer) recorded names.  Code meant to be differentiated again
        keeps integers apart (an axis, a count, a branch decision): what comes back from
        the stack would otherwise look differentiable to the next transformation.  (Floats
        constant here may vary there: the next derivative may be taken with respect to
        another argument.)"""
        if not self.unit.program.options.higher_order:
            return list(names), []
        if not hasattr(self, "_indices"):      # names used to index: integers or masks
            self._indices = {n.id for sub in nodes.walk(self.fdef)
                             if isinstance(sub, nodes.Subscript)
                             for n in nodes.walk(sub.slice) if isinstance(n, nodes.Name)}
        integer = [n for n in names if n not in self.an.active and (
            _is_integral(self.an.kinds.get(n, lattice.ANY)) or n in self._indices)]
        return [n for n in names if n not in integer], integer

    def _push(self, names):
        active, constant = self._split(names)
        parts = [nodes.name(n) for n in active]
        if constant:
            parts.append(_pack([nodes.name(n) for n in constant]))
        value = _pack(parts)
        return nodes.expr_stmt(nodes.call(f"{STACK}.append", [value]))

    def _pop(self, names):
        """The statements getting `names` back from the stack."""
        active, constant = self._split(names)
        targets = [nodes.name(n, "store") for n in active]
        if not constant:
            return [nodes.assign(_pack(targets, "store"), nodes.call(f"{STACK}.pop"))]
        held = self._fresh("constants")
        self._bookkeeping(held)
        targets.append(nodes.name(held, "store"))
        return [nodes.assign(_pack(targets, "store"), nodes.call(f"{STACK}.pop")),
                nodes.assign(_pack([nodes.name(n, "store") for n in constant], "store"),
                             nodes.call("constants", [nodes.name(held)]))]

    def _block(self, stmts):
        """(primal statements, adjoint statements) of a block.

        The adjoint is assembled in reverse: segments last to first, and within a segment its
        pop, then the adjoints of its statements last to first.
        """
        fwd, segments = [], []
        seg_reads, seg_stmts, seg_again = [], [], []

        def close():
            if seg_stmts or seg_reads:
                segments.append(("stmts", list(seg_reads), list(seg_stmts), list(seg_again)))
                if seg_reads:
                    fwd.append(self._push(list(seg_reads)))
            seg_reads.clear()
            seg_stmts.clear()
            seg_again.clear()

        for s in stmts:
            if isinstance(s, nodes.Assign):
                sa = self.adj.get(id(s))
                defined = nodes.stored_names(s.targets[0])
                if defined & set(seg_reads):
                    close()
                fwd.append(s)
                if self.kinks != "ignore":
                    fwd += kinks.after_assign(self.unit, s, self.kinks)
                if sa is None:
                    continue
                at = self.pos.pos[id(s)][0]
                loops = self.pos.loops[id(s)]
                due = []         # values the adjoint needs back: recorded or computed again
                for r in sorted(sa.reads):
                    if self.pos.is_loop_index(r, loops) and not self.pos.is_stale(
                            r, at, loops, loops):
                        continue     # the adjoint loop sets the index again
                    if self.pos.is_stale(r, at, loops, loops) or not self._can_hand_over(r):
                        due.append(r)
                    elif r not in self.final_reads:
                        self.final_reads.append(r)
                for r in self._record_or_recompute(due, id(stmts), at, seg_reads, seg_again):
                    if r not in seg_reads:
                        seg_reads.append(r)
                seg_stmts.append(sa)
            elif isinstance(s, nodes.Break):
                close()
                fwd.append(s)
            elif isinstance(s, (nodes.If, nodes.For, nodes.While)):
                close()
                if isinstance(s, nodes.If) and self.kinks != "ignore":
                    fwd += kinks.before_branch(self.unit, s, self.kinks)
                handler = {nodes.If: self._if, nodes.For: self._for, nodes.While: self._while}
                f, a = handler[type(s)](s)
                fwd += f
                if a:
                    segments.append(("code", a))
            else:
                fwd.append(s)
        close()
        adj = []
        for seg in reversed(segments):
            if seg[0] == "code":
                adj += seg[1]
                continue
            _, reads, sas, again = seg
            if reads:
                adj += self._pop(reads)
            for d in sorted(again, key=lambda d: self.pos.pos[id(d)][0]):
                adj.append(nodes.copy(d))      # computed again: cheaper than recorded
            for sa in reversed(sas):
                adj += self._stmt_code(sa)
        return fwd, dedupe_comments(adj)

    # ---------------------------------------------------- recomputation
    def _recomputation(self, name, block, before, known=(), reader=None, depth=0):
        """``(statements, recorded)``: the statements that compute `name` again in the
        adjoint sweep, in place of recording it, and the values they need recorded; or None.
        Only cheap statements qualify (an element or a slice of a sequence, one arithmetic
        operation or `math` function on scalars: ``x[i]``, ``i + 1``, ``0.5 * dt``,
        ``beta * x``, ``math.sin(x)``), defined once,
        earlier in the block of the reader (so in the same iteration, on every path), from
        loop indices the adjoint loop sets again, values that no later statement changes
        (handed over once), other such statements, or values recorded with the reader's
        (not assigned between the statement and the reader); `known`: the values recorded
        with the reader already."""
        if self.unit.program.options.higher_order:
            return None      # (code differentiated again records: its integers kept apart)
        reader = before if reader is None else reader
        found = self._definitions().get(name)
        if found is None or depth > 3 or len(self.pos.defs.get(name, ())) != 1:
            return None
        d, d_block = found
        at = self.pos.pos[id(d)][0]
        if d_block != block or at >= before or not self._cheap(d):
            return None
        loops = self.pos.loops[id(d)]
        plan, handed, recorded = [], [], []
        for o in sorted(nodes.loaded_names(d.value)):
            if o not in self.pos.defs:
                continue     # a global (a module): read where it is, as adjoints do
            if self.pos.is_loop_index(o, loops) and not self.pos.is_stale(o, at, loops, loops):
                continue
            if not self.pos.is_stale(o, at, loops, loops) and self._can_hand_over(o):
                handed.append(o)
                continue
            sub = self._recomputation(o, block, at, known, reader, depth + 1)
            if sub is not None and set(sub[1]) <= set(known) | set(recorded):
                # (else recording `o` itself is as cheap)
                plan += [st for st in sub[0] if st not in plan]
                recorded += [r for r in sub[1] if r not in recorded]
            elif any(at < pos < reader for pos, _, _ in self.pos.defs.get(o, ())):
                return None
            else:
                recorded.append(o)
        if depth == 0 and set(recorded) - set(known):
            return None      # (recording a value in place of another gains nothing)
        for o in handed:
            if o not in self.final_reads:
                self.final_reads.append(o)
        return plan + [d], recorded

    def _record_or_recompute(self, due, block, at, recorded, again):
        """The values of `due` to record; the others are computed again (their statements
        added to `again`, what those need to `recorded`).  A value whose computation needs
        another value of `due` waits until that one is known to be recorded."""
        due = list(due)
        while due:
            sure = [r for r in due if self._recomputation(
                r, block, at, recorded + [o for o in due if o != r]) is None]
            for r in sure:          # recorded, whatever the others become
                due.remove(r)
                if r not in recorded:
                    recorded.append(r)
            done = []
            for r in due:
                plan = self._recomputation(r, block, at, recorded)
                if plan is not None:
                    again.extend(d for d in plan[0] if d not in again)
                    recorded.extend(o for o in plan[1] if o not in recorded)
                    done.append(r)
            due = [r for r in due if r not in done]
            if not sure and not done:
                break
        return due

    def _definitions(self):
        """name -> (its assignment, the id of the block holding it), for names assigned by a
        plain ``name = expression`` (once computed)."""
        if not hasattr(self, "_defs"):
            self._defs = {}

            def walk(stmts):
                for st in stmts:
                    if isinstance(st, nodes.Assign) and isinstance(st.targets[0], nodes.Name):
                        self._defs[st.targets[0].id] = (st, id(stmts))
                    for field in ("body", "orelse"):
                        inner = getattr(st, field, None)
                        if isinstance(inner, list):
                            walk(inner)
            walk(self.fdef.body)
        return self._defs

    def _cheap(self, d):
        v = d.value
        simple = (nodes.Name, nodes.Constant)
        if isinstance(v, nodes.Subscript) and isinstance(v.value, nodes.Name):
            if self._records_elements and lattice.is_array(self.an.kinds.get(v.value.id)):
                return False    # (reading a NumPy element in Python costs more than a record)
            index = v.slice.elts if isinstance(v.slice, nodes.Tuple) else [v.slice]
            return all(isinstance(i, simple) or (isinstance(i, nodes.Slice) and all(
                p is None or isinstance(p, simple) for p in (i.lower, i.upper, i.step)))
                for i in index)
        kind = self.an.kinds.get(d.targets[0].id)
        if not lattice.is_scalar(kind):
            return False
        if isinstance(v, nodes.BinOp):
            return isinstance(v.left, simple) and isinstance(v.right, simple) and (isinstance(
                v.op, (nodes.Add, nodes.Sub, nodes.Mult, nodes.Div)) or (
                isinstance(v.op, nodes.Pow) and isinstance(v.right, nodes.Constant)))
        if isinstance(v, nodes.Call):      # math.sin(x): as cheap as recording it
            name = nodes.dotted_name(v.func) or ""
            return (name.startswith("math.") and callable(getattr(math, name[5:], None))
                    and "math" not in self.pos.defs and not v.keywords
                    and 1 <= len(v.args) <= 2 and all(isinstance(a, simple) for a in v.args))
        return isinstance(v, nodes.UnaryOp) and isinstance(v.op, nodes.USub) and isinstance(
            v.operand, nodes.Name)

    # ---------------------------------------------------- statements
    def _stmt_code(self, sa):
        """Adjoint statements of one assignment (a list), with its comment."""
        s = sa.stmt
        code = []
        own = []
        g_live = any(t in self.an.active and (t not in self.local_temps or t in self.seen)
                     for t in sa.targets)
        if not g_live and sa.call is None:
            return []
        if sa.call is not None:
            callee, args = sa.call
            g = _target_adjoint(self, s)
            if not g_live:
                g = nodes.const(0.0)
            outs = [self.namer.fresh(f"b{p}_{callee.short_name}") for p, _ in args]
            if outs:
                target = nodes.tuple_([nodes.name(o, "store") for o in outs], "store")
                code.append(nodes.assign(target, nodes.call(callee.adjoint_name,
                                                            [nodes.name(STACK), g])))
            else:
                code.append(nodes.expr_stmt(nodes.call(callee.adjoint_name,
                                                       [nodes.name(STACK), g])))
            for (p, a), o in zip(args, outs):
                for name, key in _argument_parts(a):
                    if name.id not in self.an.active:
                        continue
                    part = nodes.name(o) if key is None else nodes.call(
                        "cot_getitem", [nodes.name(o), key])
                    code += self._accumulate(_Contribution(name.id, part,
                                                           _how(self.an.kind(name))))
        else:
            # x = x + y: the adjoint of the new x is set aside before the old x's adjoint
            # starts from zero and collects its contributions.
            own = [t for t in sa.targets if any(c.var == t for c in sa.contribs)]
            renamed = {}
            for t in own:
                renamed[self.b(t)] = self.namer.fresh(self.b(t) + "_new")
                code.append(nodes.assign(renamed[self.b(t)], nodes.name(self.b(t))))
                code.append(nodes.assign(self.b(t), nodes.const(0.0)))
            for c in sa.contribs:
                if renamed:
                    c = _Contribution(c.var, nodes.substitute(c.expr, renamed), c.how)
                code += self._accumulate(c)
        for t in sa.targets:
            if t in self.local_temps or (sa.call is None and t in own):
                continue
            if self.pos.single_def_outside_loops(t) and t not in self.params:
                continue
            code.append(nodes.assign(self.b(t), nodes.const(0.0)))
        line = self._comment(s)
        return ([line] if line is not None else []) + code

    def _comment(self, s):
        lineno, _ = self._origin(s)
        src = getattr(s, "_tl_source", None) or self.unit.parsed.source
        text = src.line(lineno)
        if text is None:
            return None
        return nodes.comment(f"{text.strip()}  ({src.short_name()}:{lineno})")

    def _accumulate(self, c):
        b = self.b(c.var)
        if c.how == "add_at" and c.var in self.inline_acc:
            target = nodes.to_store(nodes.subscript(nodes.name(b), nodes.to_load(c.index)))
            return [nodes.add_to(target, c.g)]
        if c.how == "add_at":
            expr = c.expr
            if c.var in self.local_temps and c.var not in self.seen:
                expr.args[0] = nodes.const(0.0)
            self.seen.add(c.var)
            return [nodes.assign(b, expr)]
        if c.var in self.local_temps and c.var not in self.seen:
            self.seen.add(c.var)
            return [nodes.assign(b, c.expr)]
        self.seen.add(c.var)
        if c.how == "tuple":
            return [nodes.assign(b, nodes.call("cot_add", [nodes.name(b), c.expr]))]
        return [nodes.assign(b, nodes.binop(nodes.name(b), nodes.Add, c.expr))]

    def _fresh(self, base):
        return self.namer.fresh(base)

    def _nested(self, stmts):
        self.depth += 1
        try:
            return self._block(stmts)
        finally:
            self.depth -= 1

    def _bookkeeping(self, name):
        if self.depth == 0:
            self.top_defined.add(name)

    def _if(self, s):
        fb, ab = self._nested(s.body)
        fo, ao = self._nested(s.orelse) if s.orelse else ([], [])
        if not ab and not ao:
            s.body, s.orelse = fb or [nodes.pass_()], fo
            return [s], []
        cond = self._fresh("_cond")
        self.pos.add_def(cond, s)
        self._bookkeeping(cond)
        at = self.pos.pos[id(s)][1]
        loops = self.pos.loops[id(s)]
        pre = [nodes.assign(cond, s.test)]
        s.test = nodes.name(cond)
        post = []
        if self.pos.is_stale(cond, at, loops, loops) or not self._can_hand_over(cond):
            push = self._push([cond])
            if any(isinstance(n, nodes.Break) for n in _walk_loop_body(fb + fo)):
                s.body = _at_tails(fb, push)
                s.orelse = _at_tails(fo, push) if fo else [push]
            else:       # no path leaves early: record once, after the if
                s.body, s.orelse = fb or [nodes.pass_()], fo
                post = [push]
            pop = self._pop([cond])
        else:
            self.final_reads.append(cond)
            s.body, s.orelse = fb or [nodes.pass_()], fo
            pop = []
        adj_if = nodes.if_(nodes.name(cond), ab or [nodes.pass_()], ao)
        return pre + [s] + post, pop + [adj_if]

    def _for(self, s):
        checkpoint = self._checkpoint_state(s)
        state = checkpoint[0] if checkpoint else None
        plain = self.plain.get(id(s)) if state else None
        fb, ab = self._nested(s.body)
        if not ab:
            s.body = fb
            return [s], []
        has_break = any(isinstance(n, nodes.Break) for n in _walk_loop_body(fb))
        if state and not has_break:
            return self._checkpointed(s, state, checkpoint[1], plain, fb, ab)
        at_start, at_end = self.pos.pos[id(s)]
        loops = self.pos.loops[id(s)]
        pre, push_names = [], []
        it = s.iter
        simple_range = (isinstance(it, nodes.Call) and isinstance(it.func, nodes.Name)
                        and it.func.id == "range" and not it.keywords
                        and all(isinstance(a, (nodes.Name, nodes.Constant)) for a in it.args)
                        and not any(self.pos.is_stale(a.id, at_start, loops, loops)
                                    or not self._can_hand_over(a.id)
                                    for a in it.args if isinstance(a, nodes.Name)))
        if simple_range:
            rng = nodes.copy(it)
            for a in it.args:
                if isinstance(a, nodes.Name) and a.id not in self.final_reads:
                    self.final_reads.append(a.id)
        else:
            name = self._fresh("_range")
            self.pos.add_def(name, s)
            self._bookkeeping(name)
            pre.append(nodes.assign(name, it))
            s.iter = nodes.name(name)
            rng = nodes.name(name)
            push_names.append(name)
        trips = None
        if has_break:
            trips = self._fresh("_trips")
            self.pos.add_def(trips, s)
            self._bookkeeping(trips)
            pre.append(nodes.assign(trips, nodes.const(0)))
            fb = [nodes.assign(trips, nodes.binop(nodes.name(trips), nodes.Add,
                                                  nodes.const(1)))] + fb
            push_names.append(trips)
            rng = nodes.subscript(rng, nodes.slice_(upper=nodes.name(trips)))
        s.body = fb
        post, pop = [], []
        stale = [n for n in push_names if self.pos.is_stale(n, at_end, loops, loops)
                 or not self._can_hand_over(n)]
        for n in push_names:
            if n not in stale:
                self.final_reads.append(n)
        if stale:
            post.append(self._push(stale))
            pop += self._pop(stale)
        target = nodes.name(s.target.id, "store")
        adj_loop = nodes.for_(target, nodes.call("reversed", [rng]), ab)
        return pre + [s] + post, pop + [adj_loop]

    # ---------------------------------------------------- checkpointed loops
    def _checkpoint_state(self, s):
        """The names a top-level loop's iterations read before they assign them (its state,
        snapshot at the start of each segment), when the loop is checkpointed; else None.
        Every such name must be bound when the loop starts: a parameter or a name an
        unconditional statement before the loop assigns."""
        scheme, marked = self._loop_scheme(s)
        if scheme is None:
            return None
        if self.depth != 0 or id(s) not in self.plain:
            if marked:      # (the option applies to top-level loops alone)
                self._not_checkpointed(s, "only loops at the top level of the function are")
            return None
        if any(isinstance(n, nodes.Break) for n in _walk_loop_body(s.body)):
            return self._not_checkpointed(s, "it may end early (break)")
        bound = set(self.params)
        for st in self.fdef.body[:self.fdef.body.index(s)]:
            if isinstance(st, nodes.Assign):
                bound |= nodes.stored_names(st.targets[0])
        state = []
        _read_before_assigned(s.body, {s.target.id}, state)
        state = [n for n in state if n in self.pos.defs]       # (not globals)
        unbound = [n for n in state if n not in bound]
        if unbound:
            return self._not_checkpointed(
                s, f"its iterations read {', '.join(map(repr, unbound))} before assigning "
                   "it, and nothing assigns it before the loop: assign it before the loop")
        if not state:
            return None
        return state, scheme

    def _not_checkpointed(self, s, reason):
        line = (anno.get(s, anno.Anno.ORIGIN) or (getattr(s, "lineno", None), 0))[0]
        source = getattr(self.unit.parsed, "source", None)
        where = f"{source.short_name() if source else '?'}:{line}"
        warnings.warn(f"tangent_like: the loop at {where} records every iteration instead of "
                      f"being checkpointed: {reason}", CheckpointWarning, stacklevel=2)
        return None

    def _loop_bookkeeping(self, name, s):
        """`name`, set before the checkpointed loop `s`, handed over to the adjoint once."""
        self.pos.add_def(name, s)
        self._bookkeeping(name)
        if name not in self.final_reads:
            self.final_reads.append(name)

    def _binomial(self, s, state, snapshots, plain, fb, ab):
        """A loop reversed by binomial checkpointing: the primal sweep records its first
        state and nothing else; the adjoint sweep follows `binomial_schedule`, keeping at
        most `snapshots` states (in a list of its own) and running iterations again::

            x, y = _stack.pop()                   (the state when the loop started)
            _snapshots = []
            for _action, _first, _count in binomial_schedule(len(_range), 100):
                if _action == 'restore':
                    x, y = _snapshots[-1] if _snapshots else _start
                ...
        """
        rng, snaps, start = (self._fresh(b) for b in ("_range", "_snapshots", "_start"))
        action, first, count = (self._fresh(b) for b in ("_action", "_first", "_count"))
        self._loop_bookkeeping(rng, s)
        packed = _pack([nodes.name(n) for n in state])
        pre = [nodes.assign(rng, s.iter), self._push(state)]
        primal = nodes.for_(nodes.name(s.target.id, "store"), nodes.name(rng), plain)

        def part(k):
            return nodes.call("range_part", [nodes.name(rng), nodes.name(first), k])

        def index():
            return nodes.name(s.target.id, "store")

        def when(word, body, orelse=()):
            return nodes.if_(nodes.compare(nodes.name(action), nodes.Eq, nodes.const(word)),
                             body, list(orelse))

        restore = nodes.assign(
            _pack([nodes.name(n, "store") for n in state], "store"),
            nodes.if_exp(nodes.name(snaps), nodes.subscript(nodes.name(snaps), nodes.const(-1)),
                         nodes.name(start)))
        reverse = [nodes.for_(index(), part(nodes.name(count)), fb),
                   nodes.for_(index(), nodes.call("reversed", [part(nodes.name(count))]), ab)]
        dispatch = when("restore", [restore], [when("advance", [
            nodes.for_(index(), part(nodes.name(count)), [nodes.copy(st) for st in plain])], [
            when("store", [nodes.expr_stmt(nodes.call(f"{snaps}.append", [packed]))], [
                when("forget", [nodes.expr_stmt(nodes.call(f"{snaps}.pop"))], reverse)])])])
        adjoint = self._pop(state) + [
            nodes.assign(start, nodes.copy(packed)),
            nodes.assign(snaps, nodes.list_()),
            nodes.for_(nodes.tuple_([nodes.name(action, "store"), nodes.name(first, "store"),
                                     nodes.name(count, "store")], "store"),
                       nodes.call("binomial_schedule", [nodes.call("len", [nodes.name(rng)]),
                                                        nodes.const(snapshots)]),
                       [dispatch])]
        return pre + [primal], adjoint

    def _loop_scheme(self, s):
        """``(scheme, marked)``: the checkpointing of loop `s`, the option's or what a comment
        on the loop's line or the line above says (``# tangent_like: checkpoint``,
        ``checkpoint=100``, ``checkpoint=none``; then `marked`)."""
        scheme = self.unit.program.options.checkpoint
        line = (anno.get(s, anno.Anno.ORIGIN) or (getattr(s, "lineno", None), 0))[0]
        source = getattr(self.unit.parsed, "source", None)
        if not line or source is None:
            return scheme, False
        above = source.line(line - 1) or ""
        for text in (source.line(line) or "", above if above.lstrip().startswith("#") else ""):
            m = _CHECKPOINT_COMMENT.search(text)
            if m:
                word = (m.group(1) or "sqrt").lower()
                return (None if word == "none" else int(word) if word.isdigit() else word,
                        True)
        return scheme, False

    def _checkpointed(self, s, state, scheme, plain, fb, ab):
        """A loop whose primal sweep records a snapshot of its state every `_every`
        iterations and nothing else; the adjoint sweep takes the segments last to first,
        runs each again from its snapshot, recording, then runs its adjoint (the records of
        a segment go on the stack above its snapshot, and are gone before it is taken)::

            for _segment in range(0, len(_range), _every):      (primal sweep)
                _stack.append((x, y))
                for i in range_part(_range, _segment, _every):
                    <the loop's body>
            for _segment in reversed(range(0, len(_range), _every)):     (adjoint sweep)
                x, y = _stack.pop()
                for i in range_part(_range, _segment, _every):
                    <the body, recording>
                for i in reversed(range_part(_range, _segment, _every)):
                    <the adjoint of the body>
        """
        if scheme == "binomial" or isinstance(scheme, tuple):
            snapshots = 100 if scheme == "binomial" else scheme[1]
            if not self.unit.program.options.higher_order:
                return self._binomial(s, state, snapshots, plain, fb, ab)
            # code differentiated again (Hessians) keeps no list of its own: equal
            # segments, as many as the snapshots
            scheme = max(1, snapshots)
        rng, every = (self._fresh(b) for b in ("_range", "_every"))
        segment = self._fresh("_segment")
        for n in (rng, every):
            self._loop_bookkeeping(n, s)
        pre = [nodes.assign(rng, s.iter),
               nodes.assign(every, nodes.call("checkpoint_every", [
                   nodes.call("len", [nodes.name(rng)]), nodes.const(scheme)]))]

        def segments():
            return nodes.call("range", [nodes.const(0), nodes.call("len", [nodes.name(rng)]),
                                        nodes.name(every)])

        def part():
            return nodes.call("range_part", [nodes.name(rng), nodes.name(segment),
                                             nodes.name(every)])

        def index():
            return nodes.name(s.target.id, "store")

        primal = nodes.for_(nodes.name(segment, "store"), segments(), [
            self._push(state), nodes.for_(index(), part(), plain)])
        adjoint = nodes.for_(nodes.name(segment, "store"), nodes.call("reversed", [segments()]), [
            *self._pop(state),
            nodes.for_(index(), part(), fb),
            nodes.for_(index(), nodes.call("reversed", [part()]), ab)])
        return pre + [primal], [adjoint]

    def _while(self, s):
        scheme, marked = self._loop_scheme(s)
        if marked and scheme is not None and not self.unit.program.options.higher_order:
            self._not_checkpointed(s, "a while loop's trip count is not known in advance; "
                                      "write it as a for loop over a range")
        fb, ab = self._nested(s.body)
        if not ab:
            s.body = fb
            return [s], []
        at_start, at_end = self.pos.pos[id(s)]
        loops = self.pos.loops[id(s)]
        trips = self._fresh("_trips")
        self.pos.add_def(trips, s)
        self._bookkeeping(trips)
        pre = [nodes.assign(trips, nodes.const(0))]
        s.body = [nodes.assign(trips, nodes.binop(nodes.name(trips), nodes.Add,
                                                  nodes.const(1)))] + fb
        post, pop = [], []
        if self.pos.is_stale(trips, at_end, loops, loops) or not self._can_hand_over(trips):
            post.append(self._push([trips]))
            pop += self._pop([trips])
        else:
            self.final_reads.append(trips)
        adj_loop = nodes.for_(nodes.name("_", "store"), nodes.call("range", [nodes.name(trips)]),
                              ab)
        return pre + [s] + post, pop + [adj_loop]


def _target_adjoint(rt, s):
    target = s.targets[0]
    if isinstance(target, nodes.Name):
        return nodes.name(rt.b(target.id))
    return nodes.tuple_([nodes.name(rt.b(t.id)) if t.id in rt.an.active else nodes.const(0.0)
                         for t in target.elts])


def _argument_parts(a):
    """The names an argument of a call passes, with the key of each in the parameter's
    adjoint: ``(x, None)`` for a name; the elements of the tuple display a ``*args``
    parameter receives, by position; the values of the dict display of ``**kwargs``, by
    key."""
    if isinstance(a, nodes.Name):
        return [(a, None)]
    if isinstance(a, nodes.Tuple):
        return [(e, nodes.const(i)) for i, e in enumerate(a.elts) if isinstance(e, nodes.Name)]
    if isinstance(a, nodes.Dict):
        return [(v, nodes.copy(k)) for k, v in zip(a.keys, a.values)
                if isinstance(v, nodes.Name)]
    return []


def _how(kind):
    """How contributions to an adjoint are added: `cot_add` (part by part) for tuples,
    lists, dicts and objects, and for values of unknown kind, which may be one of them (``+``
    would concatenate two tuples); ``+`` for numbers and arrays."""
    if lattice.is_structured(kind) or kind == lattice.ANY:
        return "tuple"
    return "add"



def _read_before_assigned(stmts, defined, out):
    """Add to `out` the names `stmts` may read before assigning them (given `defined`,
    assigned before); returns the names certainly assigned after them."""
    defined = set(defined)
    for st in stmts:
        if isinstance(st, nodes.Assign):
            _add_reads(st.value, defined, out)
            defined |= nodes.stored_names(st.targets[0])
        elif isinstance(st, nodes.If):
            _add_reads(st.test, defined, out)
            defined = (_read_before_assigned(st.body, defined, out)
                       & _read_before_assigned(st.orelse, defined, out))
        elif isinstance(st, nodes.For):
            _add_reads(st.iter, defined, out)
            _read_before_assigned(st.body, defined | {st.target.id}, out)
        elif isinstance(st, nodes.While):
            _add_reads(st.test, defined, out)
            _read_before_assigned(st.body, defined, out)
        else:
            _add_reads(st, defined, out)
    return defined


def _add_reads(node, defined, out):
    for n in sorted(nodes.loaded_names(node)):
        if n not in defined and n not in out:
            out.append(n)


def _walk_loop_body(stmts):
    """Statements of a loop body, not descending into nested loops."""
    todo = list(stmts)
    while todo:
        s = todo.pop()
        yield s
        if isinstance(s, nodes.If):
            todo += s.body + s.orelse


def _at_tails(stmts, push):
    """Insert `push` at the end of every path through `stmts` (before a tail break)."""
    if not stmts:
        return [push]
    last = stmts[-1]
    if isinstance(last, nodes.Break):
        return stmts[:-1] + [push, last]
    if isinstance(last, nodes.If) and any(isinstance(n, nodes.Break)
                                         for n in _walk_loop_body([last])):
        last.body = _at_tails(last.body, push)
        last.orelse = _at_tails(last.orelse, nodes.copy(push)) if last.orelse else [push]
        return stmts
    return stmts + [push]


def _pack(parts, ctx="load"):
    """One node, or a tuple of several."""
    return parts[0] if len(parts) == 1 else nodes.tuple_(parts, ctx) if ctx != "load" \
        else nodes.tuple_(parts)


def _is_integral(kind):
    """Integers, booleans, and tuples of them (shapes, axes)."""
    if lattice.is_tuple(kind):
        return all(_is_integral(k) for k in kind[1])
    return kind in (lattice.INT, lattice.NONE)


def _real(kind):
    """Does `kind` prove a real value (a float, a NumPy real scalar, a real array)?"""
    return lattice.is_scalar(kind) or lattice.is_array(kind)
