"""Forward mode: tangent statements beside the primal ones.

For a normalized function ``f`` this builds::

    def forward_f(x, n, *, dx):        # f's parameters, then one tangent per active one
        ...
        y = math.sin(x)                # each primal statement...
        dy = dx * math.cos(x)          # ...followed by its tangent
        ...
        return (result, dresult)

Control flow is the primal's own: branches and loops run once, carrying tangents along, so
forward mode needs no stack.  Tangents are named ``dx`` after their variables.  Calls to the
user's functions call their forward versions, which return (value, tangent).

Tangents may carry a leading batch axis (vector forward mode): then every tangent operand of
an elementwise rule is aligned with ``batch_align`` where ranks may differ, and reductions use
their batch templates.
"""
from ..analysis import lattice
from ..analysis.activity import binop_rule, unary_rule
from ..analysis.resolve import RuleTarget, StackTarget

from ..syntax.naming import is_stack, tangent_stack
from ..syntax import anno, nodes
from . import kinks
from .calls import user_call
from .comments import dedupe_comments


class ForwardTransform:
    def __init__(self, unit, batch=False):
        self.unit = unit
        self.fdef = unit.parsed.node
        self.an = unit.analysis
        self.namer = unit.namer
        self.batch = batch
        self.kinks = unit.program.options.kinks
        self.params = [a.id for a in nodes.parameters(self.fdef)]
        self.stacks = _stacks(self.fdef)
        unit.forward_stacks = self.stacks      # callers name its tangent stacks from them

    def tangent_stack(self, name):
        """The tangent stack of stack `name` (its name depends on the stacks of the function:
        see `naming.tangent_stack`)."""
        return tangent_stack(name, self.stacks)

    def d(self, var):
        return self.namer.tangent(var)

    def active(self, node):
        return isinstance(node, nodes.Name) and node.id in self.an.active

    def run(self):
        body = self._block(self.fdef.body)
        active_params = [p for p in self.params if p in self.an.active and not is_stack(p)]
        differentiated = set(self.unit.active_params)
        # A parameter that is not differentiated but that the body reassigns with an active
        # value is active too: its tangent starts at zero.
        start = [nodes.assign(self.d(p), self._zero(nodes.name(p)))
                 for p in active_params if p not in differentiated]
        return start + body, {p: self.d(p) for p in active_params if p in differentiated}

    # ------------------------------------------------------------ blocks
    def _block(self, stmts):
        out = []
        for s in stmts:
            if isinstance(s, nodes.Assign):
                out += self._assign(s)
            elif isinstance(s, nodes.If):
                if self.kinks != "ignore":
                    out += kinks.before_branch(self.unit, s, self.kinks)
                s.body = self._block(s.body) or [nodes.pass_()]
                s.orelse = self._block(s.orelse)
                out.append(s)
            elif isinstance(s, (nodes.For, nodes.While)):
                s.body = self._block(s.body) or [nodes.pass_()]
                out.append(s)
            elif isinstance(s, nodes.Return):
                out.append(nodes.return_(nodes.tuple_([s.value, self._tangent_of(s.value)])))
            elif isinstance(s, nodes.Expr) and isinstance(
                    self.an.targets.get(id(s.value)), StackTarget):
                # the primal pushes values; their tangents go on a stack of their own
                out.append(s)
                stack = self.an.targets[id(s.value)].stack
                out.append(nodes.expr_stmt(nodes.call(f"{self.tangent_stack(stack)}.append", [
                    self._tangent_of(s.value.args[0])])))
            else:
                out.append(s)
        return dedupe_comments(out)

    def _zero(self, value_node):
        """The zero tangent of a value: ``0.0`` for scalars, and always with batched
        tangents (it broadcasts against any batch), else zeros shaped like the value."""
        kind = self.an.kind(value_node) if isinstance(value_node, nodes.Name) else None
        if kind in (lattice.SCALAR, lattice.INT) or self.batch:
            return nodes.const(0.0)
        if isinstance(value_node, nodes.Name):       # a read (the node may be a target)
            return nodes.call("zero_tangent", [nodes.name(value_node.id)])
        return nodes.call("zero_tangent", [nodes.to_load(value_node)])

    def _tangent_of(self, node):
        """Tangent of a simple operand (a name or a constant)."""
        if isinstance(node, nodes.Name) and is_stack(node.id):
            return nodes.const(0.0)
        if self.active(node):
            return nodes.name(self.d(node.id))
        if isinstance(node, (nodes.Tuple, nodes.List)):
            return nodes.tuple_([self._tangent_of(e) for e in node.elts])
        if isinstance(node, nodes.Dict):        # the tangents of the active values, by key
            active = [(k, e) for k, e in zip(node.keys, node.values) if self.active(e)]
            return nodes.dict_([nodes.copy(k) for k, _ in active],
                               [self._tangent_of(e) for _, e in active])
        if isinstance(node, nodes.Name):
            return self._zero(node)
        return nodes.const(0.0)

    # ------------------------------------------------------------ statements
    def _comment(self, s):
        lineno = (anno.get(s, anno.Anno.ORIGIN) or (None, 0))[0]
        src = getattr(s, "_tl_source", None) or self.unit.parsed.source
        text = src.line(lineno)
        return nodes.comment(f"{text.strip()}  ({src.short_name()}:{lineno})") if text else None

    def _assign(self, s):
        target = s.targets[0]
        names = [target.id] if isinstance(target, nodes.Name) else [t.id for t in target.elts]
        if len(names) == 1 and is_stack(names[0]):
            return [s, nodes.assign(self.tangent_stack(names[0]), nodes.list_())]
        if isinstance(s.value, nodes.Call) and isinstance(self.an.targets.get(id(s.value)),
                                                          StackTarget):
            parts = [nodes.name(self.d(n), "store") if n in self.an.active
                     else nodes.name("_", "store") for n in names]
            tan = parts[0] if isinstance(target, nodes.Name) else nodes.tuple_(parts, "store")
            stack = self.an.targets[id(s.value)].stack
            return [s, nodes.assign(tan, nodes.call(f"{self.tangent_stack(stack)}.pop"))]
        if not any(n in self.an.active for n in names):
            if self.kinks != "ignore":
                return [s] + kinks.after_assign(self.unit, s, self.kinks)
            return [s]
        value = s.value
        out = []
        c = self._comment(s)
        if c is not None:
            out.append(c)
        if isinstance(value, (nodes.Call, nodes.Attribute)) and id(value) in self.an.calls:
            return out + self._user_call(s, self.an.targets[id(value)])
        self._old = None
        if isinstance(target, nodes.Name) and target.id in nodes.loaded_names(value):
            # ``a = a + b`` (kept so: its adjoint needs no old value): the tangent may need
            # the operand's value (its shape, to align a batched tangent), not the result's
            self._old = (target.id, self.namer.fresh(f"{target.id}_old"))
            out.append(nodes.assign(self._old[1], nodes.name(target.id)))
        out.append(s)
        if self.kinks != "ignore":
            out += kinks.after_assign(self.unit, s, self.kinks)
        tangent = self._value_tangent(value, target)
        self._old = None
        if isinstance(target, nodes.Name):
            out.append(nodes.assign(self.d(target.id), tangent))
        else:
            parts = [nodes.name(self.d(n), "store") for n in names]
            out.append(nodes.assign(nodes.tuple_(parts, "store"), nodes.call(
                "tangent_parts", [tangent, nodes.const(len(parts))])))
        return out

    def _value_tangent(self, value, target):
        if isinstance(value, (nodes.Name, nodes.Constant)) or (
                isinstance(value, nodes.UnaryOp) and isinstance(value.operand, nodes.Constant)):
            if self.active(value):
                return nodes.name(self.d(value.id))
            return self._zero(target if isinstance(target, nodes.Name) else value)
        if isinstance(value, nodes.BinOp):
            return self._rule(binop_rule(value.op), {"a": value.left, "b": value.right},
                              target)
        if isinstance(value, nodes.UnaryOp):
            if isinstance(value.op, (nodes.USub, nodes.UAdd)):
                return self._rule(unary_rule(value.op), {"x": value.operand}, target)
            return self._zero(target)
        if isinstance(value, nodes.Subscript):
            if self.active(value.value):
                return nodes.call("tangent_item", [nodes.name(self.d(value.value.id)),
                                                   nodes.index_value(value.slice),
                                                   nodes.const(self.batch)])
            return self._zero(target)
        if isinstance(value, (nodes.Tuple, nodes.List)):
            return nodes.tuple_([self._tangent_of(e) for e in value.elts])
        if isinstance(value, nodes.Dict):
            return self._tangent_of(value)
        if isinstance(value, nodes.Attribute) and not isinstance(
                self.an.targets.get(id(value)), RuleTarget):
            if self.active(value.value):        # a field of a parameter container
                return nodes.call("tangent_field", [nodes.name(self.d(value.value.id)),
                                                    nodes.const(value.attr)])
            return self._zero(target)
        t = self.an.targets.get(id(value))
        if isinstance(t, RuleTarget) and not t.rule.inactive:
            return self._rule(t.rule, t.bound, target)
        return self._zero(target if isinstance(target, nodes.Name) else value)

    def _operand(self, arg):
        """An operand's value in a tangent expression: its value before the statement when
        the statement assigns it (see `_assign`)."""
        old = getattr(self, "_old", None)
        if old is not None and isinstance(arg, nodes.Name) and arg.id == old[0]:
            return nodes.name(old[1])
        return arg

    def _all_real(self, bound, target):
        """Do the kinds prove the arguments and the result of a call real?"""
        values = [a for a in bound.values()
                  if isinstance(a, (nodes.Name, nodes.Constant, nodes.UnaryOp))]
        kinds = [self.an.kind(a) for a in values]
        if isinstance(target, nodes.Name):
            kinds.append(self.an.kind(target))
        return all(lattice.is_scalar(k) or lattice.is_array(k) for k in kinds)

    def _rule(self, rule, bound, target):
        subs = rule.substitutions(bound, target)
        subs = {k: (v if k == "y" else self._operand(v)) for k, v in subs.items()}
        terms = []
        real = rule.real_jvp and self._all_real(bound, target)
        for p, arg in bound.items():
            if not self.active(arg):
                continue
            template = rule.real_jvp.get(p, rule.jvp.get(p)) if real else rule.jvp.get(p)
            if self.batch and p in getattr(rule, "jvp_batch", {}):
                template = rule.jvp_batch[p]
            if callable(template):
                template = template(bound)
            if template.strip() == "0.0":
                continue        # a parameter that only gives shapes or indices
            dname = nodes.name(self.d(arg.id))
            if self.batch and p in rule.broadcast:
                kind_arg = self.an.kind(arg)
                kind_out = self.an.kind(target) if isinstance(target, nodes.Name) else None
                if not (kind_arg == kind_out and kind_arg is not lattice.ANY):
                    dname = nodes.call("batch_align", [dname, self._operand(arg),
                                                       nodes.name(target.id)])
            tsubs = dict(subs)
            tsubs["d" + p] = dname
            term = nodes.template_expr(template, **tsubs)
            if self.batch or _applies_to(term, dname):
                # a zero tangent is the float 0.0, which a function may not accept (a
                # product of matrices, an adjoint helper...); batched, it must also stay the
                # scalar 0.0: multiplied by a value it would become an array without the
                # batch axis
                term = nodes.if_exp(nodes.call("is_zero", [nodes.name(self.d(arg.id))]),
                                    nodes.const(0.0), term)
            terms.append(term)
        if not terms:
            return self._zero(target)
        if rule.jvp_combine:
            expr = terms[0]
            for t in terms[1:]:
                expr = nodes.call(rule.jvp_combine, [expr, t])
            return expr
        expr = terms[0]
        for t in terms[1:]:
            expr = nodes.binop(expr, nodes.Add, t)
        if isinstance(target, nodes.Name) and self._may_broadcast(rule, bound, target):
            # a tangent is shaped like its primal: `da` alone (the tangent of `a + b`) has
            # the shape of `a`, which broadcasting may have made smaller than the result
            expr = nodes.call("batch_broadcast" if self.batch else "broadcast_tangent",
                              [expr, nodes.name(target.id)])
        return expr

    def _may_broadcast(self, rule, bound, target):
        """May an active argument of a broadcasting rule be smaller than the result `target`?
        Not when every other broadcasting operand is a scalar or the same variable, nor
        when the argument provably has the shape of the result (the same test as the
        reverse transform's for `unbroadcast`)."""
        for p, arg in bound.items():
            if p not in rule.broadcast or not self.active(arg):
                continue
            others = [a for q, a in bound.items() if q != p and q in rule.broadcast]
            if all(isinstance(o, nodes.Name) and o.id == arg.id for o in others):
                continue
            if all(lattice.is_scalar(self.an.kind(o)) for o in others):
                continue
            if not self.an.same_shape(arg, target):
                return True
        return False

    def _user_call(self, s, t):
        callee = self.unit.callee_of(s.value)
        call = user_call(s.value, t, callee.forward_name)
        for p, tname in callee.tangent_params.items():
            call.keywords.append(nodes.keyword(arg=tname, value=self._tangent_of(t.bound[p])))
        callee_stacks = getattr(callee, "forward_stacks", None)
        if callee_stacks is None:
            callee_stacks = _stacks(callee.parsed.node)
        for p in callee.params:
            if is_stack(p):
                arg = t.bound.get(p)
                value = nodes.name(self.tangent_stack(arg.id)) if isinstance(
                    arg, nodes.Name) and is_stack(arg.id) else nodes.const(None)
                call.keywords.append(nodes.keyword(arg=tangent_stack(p, callee_stacks),
                                                  value=value))
        target = s.targets[0]
        if isinstance(target, nodes.Name):
            pair = nodes.tuple_([nodes.name(target.id, "store"),
                                 nodes.name(self.d(target.id), "store")], "store")
            return [nodes.assign(pair, call)]
        names = [e.id for e in target.elts]
        value = self.namer.fresh("value")
        tangent = self.namer.fresh("tangent")
        out = [nodes.assign(nodes.tuple_([nodes.name(value, "store"),
                                          nodes.name(tangent, "store")], "store"), call),
               nodes.assign(nodes.to_store(target), nodes.name(value))]
        parts = [nodes.name(self.d(n), "store") for n in names]
        out.append(nodes.assign(nodes.tuple_(parts, "store"), nodes.call(
            "tangent_parts", [nodes.name(tangent), nodes.const(len(parts))])))
        return out


def _stacks(fdef):
    """The stacks (generated records) a function's code names."""
    return {n.id for n in nodes.walk(fdef) if isinstance(n, nodes.Name) and is_stack(n.id)}


def _applies_to(term, dname):
    """Does `term` pass the tangent `dname` to a function or a matrix product (which the
    zero tangent 0.0 may not suit), rather than only to arithmetic?"""
    name = dname.id if isinstance(dname, nodes.Name) else None
    for n in nodes.walk(term):
        if isinstance(n, nodes.Call):
            args = list(n.args) + [k.value for k in n.keywords]
            if any(isinstance(a, nodes.Name) and a.id == name or a is dname for a in args):
                return True
        elif isinstance(n, nodes.BinOp) and isinstance(n.op, nodes.MatMult):
            if any(isinstance(a, nodes.Name) and a.id == name for a in (n.left, n.right)):
                return True
    return False
