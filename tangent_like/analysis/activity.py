"""Value kinds and activity of a normalized function.

A variable is *active* when a differentiated input reaches it through differentiable
operations; only active variables get adjoints.  Integers and booleans (counters, indices,
flags, sizes) are never active.  Both facts are computed flow-insensitively per name: the join
over every assignment to the name, iterated to a fixed point (loops make it cyclic).

Calls are resolved here (`resolve`).  A call to the user's functions with active arguments
reads the callee's result kind from `callees` (the summaries the driver keeps: see
`tangent_like.pipeline`), and is recorded in `Analysis.calls` with the kinds and activity of
its arguments: the unit the call runs.
"""
import operator

import numpy as np

from . import aliasing, lattice, shapes
from . import resolve as _resolve
from .. import rules, runtime
from ..errors import InternalError, NoDerivativeError, TransformError, UnsupportedSyntaxError
from ..syntax import nodes
from ..syntax.naming import Namer, is_generated, is_stack
from ..syntax.scopes import local_names

from ..rules.registry import Rule

_BINOPS = {nodes.Add: "add", nodes.Sub: "sub", nodes.Mult: "mul", nodes.Div: "truediv",
           nodes.FloorDiv: "floordiv", nodes.Mod: "mod", nodes.Pow: "pow",
           nodes.MatMult: "matmul"}


def binop_rule(op):
    return rules.lookup(getattr(operator, _BINOPS[type(op)]))


def unary_rule(op):
    return rules.lookup(operator.neg if isinstance(op, nodes.USub) else operator.pos)


class Analysis:
    """Kinds, activity and call targets of one normalized function."""

    def __init__(self, kinds, active, targets, local_vars, calls, shapes=None):
        self.kinds = kinds
        self.shapes = shapes or {}  # name -> symbolic shape (analysis/shapes.py)
        self.calls = calls          # id(Call node) -> (UserTarget, arg kinds, activity mask)
        self.active = active
        self.targets = targets      # id(Call or Attribute node) -> target
        self.local_vars = local_vars

    def kind(self, node):
        if isinstance(node, nodes.Name):
            return self.kinds.get(node.id, lattice.ANY)
        if isinstance(node, nodes.Constant):
            return constant_kind(node.value)
        if isinstance(node, nodes.UnaryOp) and isinstance(node.operand, nodes.Constant):
            return constant_kind(node.operand.value)
        return lattice.ANY

    def is_active(self, node):
        return isinstance(node, nodes.Name) and node.id in self.active

    def same_shape(self, a, b):
        """Do the names `a` and `b` provably hold values of one shape (`shapes`)?"""
        return isinstance(a, nodes.Name) and isinstance(b, nodes.Name) \
            and shapes.same_shape(self.shapes, a.id, b.id)


def constant_kind(v):
    if isinstance(v, bool) or isinstance(v, int):
        return lattice.INT
    if isinstance(v, float):
        return lattice.SCALAR
    if v is None:
        return lattice.NONE
    if isinstance(v, str):
        return lattice.STR
    return lattice.ANY


def array_kind(nd):
    return ("array", nd) if nd is not None else lattice.ANY


class _Analyzer:
    def __init__(self, parsed, param_kinds, active_params, callees, error, mode):
        self.parsed = parsed
        self.mode = mode
        self.fdef = parsed.node
        self.callees = callees
        self.calls = {}
        self.error = error
        self.kinds = dict(param_kinds)
        self.entry_kinds = dict(param_kinds)
        self.active = set(active_params)
        self.targets = {}
        self.resolved = {}          # id(Call node) -> what the call refers to, by its name
        self.spread = []            # (call, name, kind): sequences unpacked item by item
        self.local_vars = local_names(self.fdef)
        for name in self.local_vars:
            if is_stack(name):
                # generated derivative code: what a sweep records carries derivatives
                self.active.add(name)
                self.kinds[name] = lattice.ANY

    def run(self):
        # kinds only go up a lattice of finite height and activity only grows: each round
        # changes something, or it is the last
        limit = 8 * (len(self.local_vars) + 8)
        for _ in range(limit):
            before = (dict(self.kinds), set(self.active))
            self._block(self.fdef.body)
            if (self.kinds, self.active) == before:
                break
        else:
            raise InternalError(f"the analysis of {self.fdef.name} did not converge in "
                                f"{limit} rounds")
        for call, name, kind in self.spread:
            if not _same_shape(self.kinds.get(name, kind), kind):
                self.error(call, f"this call unpacks {name!r}, whose length (or keys) the "
                           "analysis cannot tell", "pass the arguments one by one",
                           UnsupportedSyntaxError)
        analysis = Analysis(self.kinds, self.active, self.targets, self.local_vars,
                            self.calls, shapes.of_function(self.fdef, self.kinds,
                                                           self.entry_kinds, self.targets))
        aliasing.check_writes(self.fdef, analysis, self.error, self._callee_tree)
        return analysis

    def _callee_tree(self, target):
        """The normalized tree of a called user function, or None if it cannot be had."""
        try:
            return self.callees.tree(target)
        except TransformError:
            return None

    def _set(self, name, kind, active):
        if is_stack(name):
            return
        self.kinds[name] = lattice.join(self.kinds.get(name), kind)
        if active and not lattice.is_constant(self.kinds[name]):
            self.active.add(name)

    def _block(self, stmts):
        i = 0
        while i < len(stmts):
            s = stmts[i]
            items = self._spread(s)
            if items:           # the items of an unpacked sequence, read before the call
                stmts[i:i] = items
                continue
            try:
                self._stmt(s)
            except Exception as exc:       # checking mode: recorded, go on
                if type(exc).__name__ != "SkipStatement":
                    raise
            i += 1

    def _spread(self, s):
        """``f(a, *t)`` and ``f(**kw)`` where `t` is a tuple (or list) and `kw` a dict whose
        length and keys the kinds tell: the items are read into names before the statement
        (``t_item0 = t[0]``...) and passed one by one, so the call binds like any other.
        Kinds only grow; `run` checks at the end that the kinds still tell the same."""
        call = s.value if isinstance(s, (nodes.Assign, nodes.Expr)) else None
        if not isinstance(call, nodes.Call):
            return None
        pre, args, keywords, changed = [], [], [], False
        for a in call.args:
            kind = self.value(a.value)[0] if isinstance(a, nodes.Starred) and isinstance(
                a.value, nodes.Name) else None
            if not lattice.is_tuple(kind):
                args.append(a)
                continue
            self.spread.append((call, a.value.id, kind))
            changed = True
            for k in range(len(kind[1])):
                item = self._namer().fresh(f"{a.value.id}_item{k}")
                pre.append(self._read(item, a.value, nodes.const(k), s))
                args.append(nodes.name(item))
        for kw in call.keywords:
            kind = self.value(kw.value)[0] if kw.arg is None and isinstance(
                kw.value, nodes.Name) else None
            if not (lattice.is_dict(kind) and kind[1] is not None and all(
                    isinstance(key, str) for key, _ in kind[1])):
                keywords.append(kw)
                continue
            self.spread.append((call, kw.value.id, kind))
            changed = True
            for key, _ in kind[1]:
                item = self._namer().fresh(f"{kw.value.id}_{key}")
                pre.append(self._read(item, kw.value, nodes.const(key), s))
                keywords.append(nodes.keyword(arg=key, value=nodes.name(item)))
        if changed:
            call.args, call.keywords = args, keywords
        return pre

    def _namer(self):
        namer = getattr(self.parsed, "unit_namer", None)
        if namer is None:
            namer = self.parsed.unit_namer = Namer(nodes.all_names(self.fdef))
        return namer

    def _read(self, item, sequence, index, s):
        self.local_vars.add(item)
        read = nodes.assign(item, nodes.subscript(nodes.name(sequence.id), index))
        return nodes.locate_missing(read, getattr(s, "lineno", None),
                                    getattr(s, "col_offset", None))

    def _stmt(self, s):
        if isinstance(s, nodes.Assign):
            if getattr(s.value, "_tl_loop_item", False):
                self._loop_item(s)
            kind, active = self.value(s.value)
            target = s.targets[0]
            if isinstance(target, nodes.Name):
                self._set(target.id, kind, active)
            else:
                parts = element_kinds(kind, len(target.elts))
                for t, k in zip(target.elts, parts):
                    self._set(t.id, k, active)
        elif isinstance(s, nodes.If):
            self._block(s.body)
            self._block(s.orelse)
        elif isinstance(s, nodes.For):
            self._set(s.target.id, lattice.INT, False)
            self._block(s.body)
        elif isinstance(s, nodes.While):
            self._block(s.body)
        elif isinstance(s, nodes.Expr):
            if isinstance(s.value, nodes.Call):
                self.value(s.value)     # resolves it: refuses unknown calls on active values

    def _loop_item(self, s):
        """``for k in d`` (normalized into ``k = d[i]``) reads the keys of a dict: of a
        value known to be a dict, with `dict_key_at`; of a value whose kind is not known,
        with `loop_item`, which tells at run time.  Decided again in every round (the kind
        of the sequence may still grow)."""
        item = getattr(s, "_tl_loop_subscript", None)
        if item is None:
            item = s._tl_loop_subscript = s.value
        kind = self.value(item.value)[0]
        helper = "dict_key_at" if lattice.is_dict(kind) else "loop_item" \
            if kind == lattice.ANY else None
        if helper is None:
            s.value = item
        elif not (isinstance(s.value, nodes.Call) and s.value.func.id == helper):
            s.value = nodes.locate_missing(
                nodes.call(helper, [item.value, nodes.to_load(item.slice)]),
                getattr(item, "lineno", None), getattr(item, "col_offset", None))
            s.value._tl_loop_item = True

    def name(self, node):
        if node.id in self.local_vars:
            return self.kinds.get(node.id, None) or lattice.INT, node.id in self.active
        ok, value = self.parsed.namespace.lookup(node.id)
        if ok and isinstance(value, np.matrix):
            self._matrix(node, node.id)
        return (lattice.of_value(value) if ok else lattice.ANY), False

    def _matrix(self, node, name):
        self.error(node, f"{name!r} is a numpy.matrix, whose * and ** are matrix products: "
                   "tangent_like differentiates arrays, where they act element by element",
                   f"use an array: np.asarray({name}) (and a @ b for matrix products)",
                   UnsupportedSyntaxError)

    def value(self, e):
        """(kind, active) of a one-operation expression."""
        if isinstance(e, nodes.Name):
            return self.name(e)
        if isinstance(e, nodes.Constant):
            return constant_kind(e.value), False
        if isinstance(e, nodes.BinOp):
            lk, la = self.value(e.left)
            rk, ra = self.value(e.right)
            if lattice.is_sequence(lk) or lattice.is_sequence(rk):
                if la or ra:
                    self.error(e, "arithmetic on tuples or lists of differentiated values is "
                               "not supported", "use NumPy arrays")
                return lattice.ANY, False
            rule = binop_rule(e.op)
            if lk == lattice.INT and rk == lattice.INT and not isinstance(e.op, nodes.Div):
                return lattice.INT, False
            if isinstance(e.op, nodes.MatMult):
                kind = lattice.matmul(lk, rk)
            else:
                kind = _elementwise(lk, rk)
            if isinstance(e.op, nodes.Pow) and kind == lattice.SCALAR and not _integral_power(
                    e.right):
                # a negative Python float to a fractional power is a complex number
                kind = lattice.ANY
            return kind, (la or ra) and not rule.inactive
        if isinstance(e, nodes.UnaryOp):
            if isinstance(e.op, nodes.Not):
                return lattice.INT, False
            if isinstance(e.op, nodes.Invert):       # ~mask: a boolean array stays one
                return _integral(self.value(e.operand)[0]), False
            return self.value(e.operand)
        if isinstance(e, nodes.Compare):
            # booleans are never differentiated; comparing arrays gives a boolean ARRAY
            # (its shape matters: it broadcasts), so only scalar comparisons are INT
            kinds = [self.value(x)[0] if isinstance(x, (nodes.Name, nodes.Constant))
                     else lattice.ANY for x in [e.left] + list(e.comparators)]
            return _integral(lattice.broadcast(kinds)), False
        if isinstance(e, (nodes.Tuple, nodes.List)):
            parts = [self.value(x) for x in e.elts]
            return lattice.tuple_kind(k for k, _ in parts), any(a for _, a in parts)
        if isinstance(e, nodes.Dict):
            return self.dict_display(e)
        if isinstance(e, (nodes.Set, nodes.SetComp)) and any(
                self.name(n)[1] for n in nodes.walk(e) if isinstance(n, nodes.Name)
                and isinstance(n.ctx, nodes.Load)):
            self.error(e, "a set of differentiated values has no derivative: the order of "
                       "its items is not defined", "use a list or a tuple (sets of "
                       "constants are fine)", NoDerivativeError)
        if isinstance(e, nodes.Subscript):
            return self.subscript(e)
        if isinstance(e, nodes.Attribute):
            return self.attribute(e)
        if isinstance(e, nodes.Call):
            return self.call(e)
        # anything else is a constant only if no differentiated value flows into it
        if any(self.name(n)[1] for n in nodes.walk(e) if isinstance(n, nodes.Name)
               and isinstance(n.ctx, nodes.Load)):
            self.error(e, f"{_construct(e)} of a differentiated value has no derivative",
                       "compute it from values that are not differentiated",
                       NoDerivativeError)
        return lattice.ANY, False

    def dict_display(self, e):
        """``{"a": x, "b": y}``: a dict kind by key.  Normalization leaves displays with
        constant, distinct keys (others are built key by key, which keeps Python's last
        value of a repeated key)."""
        items, active, seen = [], False, set()
        for k, v in zip(e.keys, e.values):
            if not isinstance(k, nodes.Constant) or (type(k.value), k.value) in seen:
                if self.value(k)[1]:
                    self.error(k, "a dict key computed from a differentiated value (a key is "
                               "an index: it has no derivative)", "compute the keys from "
                               "values that are not differentiated", NoDerivativeError)
                self.error(e, "a dict display whose keys are not distinct constants is not "
                           "supported here", "build the dict key by key in statements of "
                           "their own: 'd = {}', then 'd[k] = v'", UnsupportedSyntaxError)
            seen.add((type(k.value), k.value))
            kind, a = self.value(v)
            items.append((k.value, kind))
            active = active or a
        return lattice.dict_kind(items), active

    def subscript(self, e):
        vk, va = self.value(e.value)
        idx = e.slice
        if any(self.name(n)[1] for n in nodes.walk(idx) if isinstance(n, nodes.Name)
               and isinstance(n.ctx, nodes.Load)):
            self.error(e, "indexing with a differentiated value (an index is an integer, a "
                       "slice or a mask: it has no derivative)", "index with integers, "
                       "slices or masks computed from values that are not differentiated",
                       NoDerivativeError)
        if lattice.is_dict(vk):
            key = idx.value if isinstance(idx, nodes.Constant) else None
            return lattice.item_kind(vk, key), va
        if lattice.is_tuple(vk):
            if isinstance(idx, nodes.Constant) and isinstance(idx.value, int) \
                    and -len(vk[1]) <= idx.value < len(vk[1]):
                return vk[1][idx.value], va
            bounds = _constant_slice(idx)
            if bounds is not None:      # t[1:]: the tuple of those items
                return lattice.tuple_kind(vk[1][slice(*bounds)]), va
            if isinstance(idx, nodes.Name) and self.value(idx)[0] == lattice.INT:
                k = None
                for part in vk[1]:
                    k = lattice.join(k, part)
                return k or lattice.ANY, va
            return lattice.ANY, va
        if isinstance(vk, tuple) and vk[0] == "array":
            parts = idx.elts if isinstance(idx, nodes.Tuple) else [idx]
            ints = 0
            for p in parts:
                if isinstance(p, nodes.Slice):
                    continue
                if self.value(p)[0] == lattice.INT and not (
                        isinstance(p, nodes.Constant) and p.value is None):
                    ints += 1
                    continue
                return lattice.ANY, va
            nd = vk[1] - ints
            return (lattice.SCALAR if nd == 0 else array_kind(nd)), va
        return lattice.ANY, va

    def attribute(self, e):
        dotted = _dotted(e)
        if dotted is not None and dotted.split(".")[0] not in self.local_vars:
            ok, obj = self.parsed.namespace.lookup(dotted.split(".")[0])
            for part in dotted.split(".")[1:]:
                obj = self.parsed.namespace.attribute(obj, part, None)
            if isinstance(obj, np.matrix):
                self._matrix(e, dotted)
            return lattice.of_value(obj), False
        vk, va = self.value(e.value)
        if e.attr == "__class__":
            return lattice.ANY, False
        if lattice.is_object(vk):       # an object of the user's class: a field or a property
            target = _resolve.property_target(vk[1], e, self.error) if va else None
            if target is not None:
                self.targets[id(e)] = target
                return self.user_call(e, target)
            self.calls.pop(id(e), None)
            self.targets.pop(id(e), None)
            return lattice.ANY, va
        rule = rules.lookup_attribute(e.attr)
        if rule == "inactive":
            if e.attr == "shape" and lattice.is_array(vk):     # a tuple of ints
                return lattice.tuple_kind([lattice.INT] * vk[1]), False
            return (lattice.INT if e.attr in ("ndim", "size") else lattice.ANY), False
        if rule is None:
            # a field of a parameter container (NamedTuple, dataclass, any object)
            if lattice.is_tuple(vk):
                return lattice.ANY, va
            return lattice.ANY, va
        self.targets[id(e)] = _resolve.RuleTarget(rule, {rule.params[0]: e.value})
        return vk, va

    def user_call(self, e, target):
        """A call of the user's function (or a property read): the unit it runs is decided
        by the kinds and activity of its arguments."""
        kinds, mask = {}, {}
        for p, node in target.bound.items():
            k, a = self.value(node)
            kinds[p] = k
            mask[p] = a
        if not any(mask.values()):
            self.calls.pop(id(e), None)
            return lattice.ANY, False
        self.calls[id(e)] = (target, kinds, mask)
        return self.callees.result_kind(target, kinds, mask), True

    def _local_kind(self, name):
        return self.kinds.get(name)

    def _dict_write(self, target):
        """``d[k] = v`` (`with_item`) on a value known to be a dict follows the rule of
        `with_key`: a dict's adjoint and tangent are dicts by key."""
        if target.rule.func is runtime.with_item and lattice.is_dict(
                self.value(target.bound["a"])[0]):
            bound = {"d": target.bound["a"], "key": target.bound["index"],
                     "v": target.bound["v"]}
            return _resolve.RuleTarget(rules.lookup(runtime.with_key), bound)
        return target

    def call(self, e):
        target = self.resolved.get(id(e))
        if target is None:
            target = _resolve.resolve_call(e, self.parsed, self.local_vars, self.error,
                                           self._local_kind)
            if not _reads_local(e, self.local_vars):
                self.resolved[id(e)] = target     # else: the local's kind may still change
        self.targets[id(e)] = target
        if isinstance(target, _resolve.StackTarget):
            for a in e.args:
                self.value(a)
            # values come back from the stack as they went in: treat them as active
            return (lattice.ANY, True) if target.op == "pop" else (lattice.NONE, False)
        if isinstance(target, _resolve.RuleTarget):
            target = self.targets[id(e)] = self._dict_write(target)
            rule = target.rule
            arg_kinds, active = {}, []
            for p, node in target.bound.items():
                k, a = self.value(node)
                arg_kinds[p] = k
                if a:
                    active.append(p)
            if rule.inactive:
                operands = list(e.args) + [k.value for k in e.keywords] + list(
                    target.bound.values())
                if any(self.value(a)[1] for a in operands) and not rule.discrete:
                    self.error(e, f"{rule.name} of a differentiated value: its result would "
                               "carry the value, but tangent_like cannot follow the "
                               "derivative through it", "compute it from values that are not "
                               "differentiated, or write the computation with arithmetic "
                               "and NumPy", NoDerivativeError)
                kind = rule.result_kind(arg_kinds, target.bound)
                return kind, False
            refusal = rule.refuse_call(target.bound) if active and rule.refuse_call else None
            if refusal is not None:
                self.error(e, refusal[0], refusal[1], NoDerivativeError)
            if {"index", "key"} & set(active) and rule.func in (runtime.with_item,
                                                                runtime.with_key):
                self.error(e, "a write at an index or key computed from a differentiated "
                           "value (an index or a dict key has no derivative)", "compute "
                           "indices and keys from values that are not differentiated; "
                           "iterate over d.items() or d.keys() for the keys of a dict d",
                           NoDerivativeError)
            for p in active:
                refused = p in rule.refused and not (self.mode == "forward" and
                                                     is_generated(self.parsed))
                if refused or (p not in rule.vjp and p not in rule.jvp):
                    why = f" ({rule.refused[p]})" if p in rule.refused else ""
                    self.error(e, f"{rule.name} has no derivative with respect to its "
                               f"argument {p!r}{why}", "pass a constant there",
                               NoDerivativeError)
                if not _has_rule(rule, p, self.mode):
                    other = "forward" if self.mode == "reverse" else "reverse"
                    self.error(e, f"{rule.name} has no {self.mode}-mode rule for its argument "
                               f"{p!r}", f"give it a {'jvp' if other == 'reverse' else 'vjp'}= "
                               f"template (tl.defrule), or use {other} mode",
                               NoDerivativeError)
            return rule.result_kind(arg_kinds, target.bound), bool(active)
        args = []
        if isinstance(target, _resolve.UserTarget):
            return self.user_call(e, target)
        if getattr(target, "pending", False):        # decided in a later round
            return lattice.ANY, any(self.value(a)[1] for a in list(e.args) + [
                k.value for k in e.keywords])
        for node in list(e.args) + [k.value for k in e.keywords]:
            args.append(self.value(node)[1])
        if isinstance(e.func, nodes.Attribute) and isinstance(target, _resolve.UnknownTarget) \
                and target.obj is None:
            args.append(self.value(e.func.value)[1])
        if any(args):
            self.error(e, f"{target.description} has no derivative rule and no Python source "
                       "to transform", "register a derivative rule for it, or compute it "
                       "outside the differentiated function", NoDerivativeError)
        return lattice.ANY, False


_CONSTRUCTS = {"JoinedStr": "an f-string", "FormattedValue": "an f-string",
               "Dict": "a dict display", "Set": "a set display", "Starred": "unpacking",
               "Lambda": "a lambda", "Await": "await", "Yield": "yield",
               "NamedExpr": "an assignment expression"}


def _constant_slice(idx):
    """``(start, stop, step)`` of a slice of integer constants (or None parts), else None."""
    if not isinstance(idx, nodes.Slice):
        return None
    parts = []
    for part in (idx.lower, idx.upper, idx.step):
        if part is None:
            parts.append(None)
            continue
        value = nodes.number(part)
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        parts.append(value)
    return tuple(parts)


def _same_shape(kind, spread):
    """Has a sequence (dict) of `kind` the length (keys) of the `spread` kind it was
    unpacked as?"""
    if lattice.is_tuple(spread):
        return lattice.is_tuple(kind) and len(kind[1]) == len(spread[1])
    return lattice.is_dict(kind) and kind[1] is not None and \
        [k for k, _ in kind[1]] == [k for k, _ in spread[1]]


def _reads_local(call, local_vars):
    """Is what `call` calls found through a local variable (``fn(x)``, ``obj.step(x)``)?"""
    base = call.func
    while isinstance(base, nodes.Attribute):
        base = base.value
    return isinstance(base, nodes.Name) and base.id in local_vars


def _construct(e):
    return _CONSTRUCTS.get(type(e).__name__, f"the expression {type(e).__name__}")


def _dotted(e):
    return nodes.dotted_name(e)


def _integral_power(exponent):
    """Is `exponent` a constant with an integer value (``x ** 2``, ``x ** -1.0``)?"""
    value = nodes.number(exponent)
    return value is not None and float(value).is_integer()


def _integral(kind):
    """The kind of an integer or boolean result shaped like `kind`: INT for scalars."""
    return lattice.INT if lattice.is_scalar(kind) else kind


def _elementwise(a, b):
    if lattice.is_scalar(a) and lattice.is_scalar(b):
        return lattice.SCALAR
    if lattice.is_scalar(a) and isinstance(b, tuple) and b[0] == "array":
        return b
    if lattice.is_scalar(b) and isinstance(a, tuple) and a[0] == "array":
        return a
    if isinstance(a, tuple) and isinstance(b, tuple) and a[0] == b[0] == "array":
        return array_kind(max(a[1], b[1]))
    return lattice.ANY


def element_kinds(kind, n):
    if lattice.is_tuple(kind) and len(kind[1]) == n:
        return list(kind[1])
    if isinstance(kind, tuple) and kind[0] == "array":
        return [lattice.SCALAR if kind[1] == 1 else array_kind(kind[1] - 1)] * n
    return [lattice.ANY] * n


def _has_rule(rule, param, mode):
    """Has `rule` a template for `param` in `mode` ("reverse" or "forward")?"""
    if mode == "forward":
        return param in rule.jvp
    return param in rule.vjp or param in rule.scalar_vjp or param in rule.real_vjp


def analyze(parsed, param_kinds, active_params, callees, error, mode="reverse"):
    """The `Analysis` of normalized function `parsed` for parameters of `param_kinds`, the
    `active_params` differentiated.  `callees` gives the result kind of a call to the user's
    functions (``result_kind(target, kinds, mask)``) and their normalized trees
    (``tree(target)``); `error(node, message, hint, cls)` refuses a construct.  `mode` is
    the transform that follows: a rule without a template of that mode is refused here."""
    return _Analyzer(parsed, param_kinds, active_params, callees, error, mode).run()
