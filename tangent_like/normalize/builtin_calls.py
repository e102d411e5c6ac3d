"""Calls of builtins that make or read containers, rewritten into what the later passes know.

* ``sum(map(f, xs))``      ->  ``sum(f(v) for v in xs)``: a ``map`` consumed at once by a
                               call (``list(map(...))`` is the list comprehension itself);
                               ``map(lambda a: e, xs)`` gives ``e``; several iterables zip
* ``for t in map(f, xs):`` ->  ``for v in xs: t = f(v)`` (items made one at a time)
* ``sorted(xs)``           ->  ``[xs[i] for i in sort_order(xs)]``: the order is a constant
                               (``reverse=`` and a named ``key=`` function decide it), the
                               items keep their derivatives
* ``dict(a=x, b=y)``       ->  ``{'a': x, 'b': y}``; ``dict(zip(ks, vs))`` a comprehension
* ``for k, v in d.items():`` ->  ``for k in dict_keys(d): v = d[k]`` (``.values()`` alike,
                               in comprehensions too): the keys are constants
* ``d.get(k, v)``, ``d.keys()``, ``d.values()``, ``d.items()``  ->  ``dict_get(d, k, v)``,
  ``dict_keys(d)``, ``dict_values(d)``, ``dict_items(d)`` elsewhere (lists, which loops
  index; the kernels call the receiver's own methods)
* a dict display whose keys are not distinct constants is built key by key before its
  statement (``mapping = {}; mapping[k] = v``): a repeated key keeps its last value.
* ``h(x)`` for ``h = functools.partial(g, a, k=b)`` at module level  ->  ``h.func(h.args[0],
  x, k=h.keywords['k'])``: a call of ``g``, its bound arguments read from the partial
* ``np.r_[a, b, 1:4]``     ->  ``np.concatenate([np.atleast_1d(a), np.atleast_1d(b),
                               np.arange(1, 4)])``; ``np.c_[a, b]`` joins
                               ``np.column_stack([a])``, ... along the last axis (NumPy's
                               index tricks as the joins they are; string directives are
                               refused)

What a statement needs first (the sequence to sort when it is not a name, a dict built key by
key) is computed before it; inside a comprehension or a lambda nothing moves, and what
cannot be rewritten there stays as written (and is refused later if it meets a
differentiated value).  It runs before nested functions are lifted, so a lambda given to
``map`` never becomes a function value.

Example (run as a test)::

    >>> from tangent_like.frontend.parse import parse_source
    >>> from tangent_like.syntax.naming import Namer
    >>> parsed = parse_source('''
    ... def f(xs, p):
    ...     total = sum(map(lambda a: a * a, xs))
    ...     for t in map(math.sin, xs):
    ...         total = total + t * p.get('w', 1.0)
    ...     return sorted(xs, reverse=True)[0] * total
    ... ''', {"math": math})
    >>> rewrite_calls(parsed, Namer(nodes.all_names(parsed.node)))
    >>> print(nodes.unparse(parsed.node))
    def f(xs, p):
        total = sum((a_2 * a_2 for a_2 in xs))
        for xs_item in xs:
            t = math.sin(xs_item)
            total = total + t * dict_get(p, 'w', 1.0)
        return [xs[i] for i in sort_order(xs, reverse=True)][0] * total
"""
import builtins
import functools
import math  # noqa: F401  (the example above)

import numpy

from ..errors import UnsupportedSyntaxError
from ..syntax import nodes
from ..syntax.scopes import local_names

_SIMPLE = (nodes.Assign, nodes.AugAssign, nodes.AnnAssign, nodes.Return, nodes.Expr)
_METHODS = {"get": ("dict_get", (1, 2)), "keys": ("dict_keys", (0,)),
            "values": ("dict_values", (0,)), "items": ("dict_items", (0,))}


def rewrite_calls(parsed, namer):
    """Rewrite the calls of `parsed` (in place), nested functions included."""
    parsed.node.body = _Pass(parsed, namer).block(parsed.node.body)


class _Pass:
    def __init__(self, parsed, namer):
        self.parsed = parsed
        self.namer = namer
        self.locals = local_names(parsed.node)

    def is_builtin(self, node, name):
        """Is `node` the name of the builtin `name` (not a variable that hides it)?"""
        if not (isinstance(node, nodes.Name) and node.id == name) or name in self.locals:
            return False
        found, value = self.parsed.namespace.lookup(name)
        return found and value is getattr(builtins, name)

    def partial_call(self, call):
        """``h(x)`` for a module-level (or enclosing) ``h = functools.partial(g, a, k=b)``:
        ``h.func(h.args[0], x, k=h.keywords['k'])``, a call of `g` whose bound arguments are
        read from the partial object when the call runs."""
        if not isinstance(call.func, nodes.Name) or call.func.id in self.locals:
            return call
        found, value = self.parsed.namespace.lookup(call.func.id)
        if not found or not isinstance(value, functools.partial):
            return call

        def part(attr, key):
            return _at(nodes.subscript(nodes.attribute(nodes.name(call.func.id), attr),
                                       nodes.const(key)), call)
        given = {k.arg for k in call.keywords}
        args = [part("args", i) for i in range(len(value.args))] + list(call.args)
        keywords = [nodes.keyword(arg=k, value=part("keywords", k))
                    for k in value.keywords if k not in given] + list(call.keywords)
        new = nodes.call(nodes.attribute(nodes.name(call.func.id), "func"), args)
        new.keywords = keywords
        return _at(new, call)

    def index_trick(self, node):
        """"r_" or "c_" when `node` names NumPy's ``np.r_`` or ``np.c_``, else None."""
        dotted = nodes.dotted_name(node)
        if dotted is None or dotted.split(".")[0] in self.locals:
            return None
        found, value = self.parsed.namespace.lookup(dotted.split(".")[0])
        for part in dotted.split(".")[1:] if found else ():
            value = self.parsed.namespace.attribute(value, part, None)
        if not found:
            return None
        return "r_" if value is numpy.r_ else "c_" if value is numpy.c_ else None

    def block(self, stmts):
        out = []
        for s in stmts:
            out += self.stmt(s)
        return out or [nodes.pass_()]

    def stmt(self, s):
        if isinstance(s, nodes.FunctionDef):
            outer, self.locals = self.locals, local_names(s)
            try:
                s.body = self.block(s.body)
            finally:
                self.locals = outer
            return [s]
        if isinstance(s, _SIMPLE):
            calls = _Calls(self, s)
            for field in ("value", "targets", "target"):
                value = getattr(s, field, None)
                if isinstance(value, nodes.AST):
                    setattr(s, field, calls.visit(value))
                elif isinstance(value, list):
                    setattr(s, field, [calls.visit(v) for v in value])
            return self.block(calls.pre) + [s] if calls.pre else [s]
        if isinstance(s, nodes.For):
            return self.loop(s)
        for field in ("test",):
            if isinstance(getattr(s, field, None), nodes.AST):
                setattr(s, field, _Methods(self).visit(getattr(s, field)))
        for field in ("body", "orelse"):
            if getattr(s, field, None):
                setattr(s, field, self.block(getattr(s, field)))
        return [s]

    def loop(self, s):
        """``for t in map(...)`` makes its items one at a time; ``for k, v in d.items()``
        reads ``v = d[k]`` for each key (the keys are constants); a loop header that holds
        another call to rewrite has it computed before the loop."""
        pre = []
        view = _dict_view(s.iter, s.target)
        if view is not None:
            mapping, key, value = view
            if not isinstance(mapping, nodes.Name):
                name = self.namer.fresh("mapping")
                pre.append(_located(nodes.assign(name, mapping), s))
                mapping = nodes.name(name)
            if key is None or not isinstance(key, nodes.Name):
                fresh = self.namer.fresh("key")
                if key is not None:
                    s.body = [_located(nodes.assign(key, nodes.name(fresh)), s)] + s.body
                key = nodes.name(fresh, "store")
            item = nodes.subscript(nodes.name(mapping.id), nodes.to_load(key))
            s.body = [_located(nodes.assign(value, item), s)] + s.body
            s.target = key
            s.iter = _at(nodes.call("dict_keys", [nodes.name(mapping.id)]), s.iter)
        it = _Methods(self).visit(s.iter)
        if self.is_map(it):
            parts = self.mapped(it)
            if parts is not None:
                elt, target, iterable = parts
                first = _located(nodes.assign(nodes.to_store(s.target), elt), s)
                s.target, it = target, iterable
                s.body = [first] + s.body
        calls = _Calls(self, s, hoist_all=True)
        s.iter = calls.visit(it)
        pre += calls.pre
        s.body = self.block(s.body)
        s.orelse = self.block(s.orelse) if s.orelse else []
        return self.block(pre) + [s] if pre else [s]

    # -------------------------------------------------------------------- map
    def is_map(self, node):
        return (isinstance(node, nodes.Call) and self.is_builtin(node.func, "map")
                and len(node.args) >= 2 and not node.keywords
                and not any(isinstance(a, nodes.Starred) for a in node.args))

    def mapped(self, call):
        """``(element, target, iterable)`` of the comprehension that ``map(f, *its)`` is,
        or None when `f` is neither a plain lambda nor a name."""
        func, its = call.args[0], call.args[1:]
        if len(its) > 1 and not self.is_builtin(nodes.name("zip"), "zip"):
            return None
        if isinstance(func, nodes.Lambda):
            a = func.args
            params = [p.id for p in a.posonlyargs + a.args]
            if a.vararg or a.kwarg or a.kwonlyargs or a.defaults or len(params) != len(its):
                return None
            fresh = [self.namer.fresh(p) for p in params]
            elt = nodes.substitute(func.body, dict(zip(params, fresh)))
        elif nodes.dotted_name(func) is not None:
            fresh = [self.namer.fresh(_item_name(it)) for it in its]
            elt = nodes.call(nodes.copy(func), [nodes.name(v) for v in fresh])
        else:
            return None
        if len(its) == 1:
            return elt, nodes.name(fresh[0], "store"), its[0]
        target = nodes.tuple_([nodes.name(v, "store") for v in fresh], "store")
        return elt, target, nodes.call("zip", list(its))


def _dict_view(it, target):
    """``(mapping, key target or None, value target)`` of a loop (or a comprehension's
    clause) over ``d.items()`` or ``d.values()``, else None."""
    if not (isinstance(it, nodes.Call) and isinstance(it.func, nodes.Attribute)
            and it.func.attr in ("items", "values") and not it.args and not it.keywords):
        return None
    if it.func.attr == "values":
        return it.func.value, None, target
    if isinstance(target, (nodes.Tuple, nodes.List)) and len(target.elts) == 2 and not any(
            isinstance(e, nodes.Starred) for e in target.elts):
        return it.func.value, target.elts[0], target.elts[1]
    return None


def _dict_clauses(owner, comp):
    """The clauses ``for k, v in d.items()`` and ``for v in d.values()`` of a comprehension
    over a dict named `d` iterate over its keys; `v` becomes ``d[k]`` where it is read."""
    for n, gen in enumerate(comp.generators):
        view = _dict_view(gen.iter, gen.target)
        if view is None or not isinstance(view[0], nodes.Name) or not isinstance(
                view[2], nodes.Name) or not (view[1] is None or isinstance(view[1], nodes.Name)):
            continue
        mapping, key, value = view
        key = key.id if key is not None else owner.namer.fresh("key")
        item = nodes.subscript(nodes.name(mapping.id), nodes.name(key))
        subs = {value.id: item}
        gen.iter = _at(nodes.call("dict_keys", [nodes.name(mapping.id)]), gen.iter)
        gen.target = nodes.name(key, "store")
        gen.ifs = [nodes.substitute(c, subs) for c in gen.ifs]
        for later in comp.generators[n + 1:]:
            later.iter = nodes.substitute(later.iter, subs)
            later.ifs = [nodes.substitute(c, subs) for c in later.ifs]
        for field in ("elt", "key", "value"):
            if getattr(comp, field, None) is not None:
                setattr(comp, field, _at(nodes.substitute(getattr(comp, field), subs),
                                         getattr(comp, field)))
    return comp


def _item_name(iterable):
    base = iterable.id if isinstance(iterable, nodes.Name) else "item"
    return f"{base}_item" if isinstance(iterable, nodes.Name) else base


class _Methods(nodes.NodeTransformer):
    """``d.get(k)``, ``d.keys()``... as calls of the dict kernels (anywhere)."""

    def __init__(self, owner):
        self.owner = owner

    def visit_Call(self, node):
        self.generic_visit(node)
        return _method(node)


def _method(node):
    func = node.func
    if not isinstance(func, nodes.Attribute) or func.attr not in _METHODS or node.keywords \
            or any(isinstance(a, nodes.Starred) for a in node.args):
        return node
    helper, counts = _METHODS[func.attr]
    if len(node.args) not in counts:
        return node
    return _at(nodes.call(helper, [func.value] + list(node.args)), node)


class _Calls(nodes.NodeTransformer):
    """The rewrites of one statement; `pre` collects what must run before it."""

    def __init__(self, owner, stmt, hoist_all=False):
        self.owner = owner
        self.stmt = stmt
        self.pre = []
        self.depth = 0            # inside a comprehension or a lambda: nothing moves out
        self.hoist_all = hoist_all  # a loop header: calls to rewrite move before the loop

    def _scope(self, node):
        if isinstance(node, (nodes.ListComp, nodes.GeneratorExp, nodes.DictComp,
                             nodes.SetComp)):
            _dict_clauses(self.owner, node)
            # the iterable of the first clause is evaluated where the comprehension is: like
            # a loop header, what it needs first moves before the statement
            first = node.generators[0]
            header, self.hoist_all = self.hoist_all, True
            try:
                first.iter = self.visit(first.iter)
            finally:
                self.hoist_all = header
            iterable, first.iter = first.iter, nodes.const(None)
        self.depth += 1
        try:
            node = self.generic_visit(node)
        finally:
            self.depth -= 1
        if isinstance(node, (nodes.ListComp, nodes.GeneratorExp, nodes.DictComp,
                             nodes.SetComp)):
            node.generators[0].iter = iterable
        return node

    visit_ListComp = visit_GeneratorExp = visit_DictComp = visit_SetComp = _scope
    visit_Lambda = _scope

    def hoist(self, value, base):
        name = self.owner.namer.fresh(base)
        self.pre.append(_located(nodes.assign(name, value), self.stmt))
        return _at(nodes.name(name), value)

    def visit_Subscript(self, node):
        self.generic_visit(node)
        which = self.owner.index_trick(node.value)
        if which is None:
            return node
        items = node.slice.elts if isinstance(node.slice, nodes.Tuple) else [node.slice]
        parts = []
        for item in items:
            if isinstance(item, nodes.Constant) and isinstance(item.value, str):
                self.refuse(item, f"np.{which}[...] with the directive {item.value!r} is not "
                            "supported", "join the arrays with np.concatenate, np.stack or "
                            "np.hstack", f"a directive of np.{which}")
            if isinstance(item, nodes.Slice):
                parts.append(_at(_arange(item), item))
            elif which == "r_":
                parts.append(_at(nodes.call("np.atleast_1d", [item]), item))
            else:
                parts.append(_at(nodes.call("np.column_stack", [nodes.list_([item])]), item))
        axis = nodes.keyword(arg="axis", value=nodes.const(0 if which == "r_" else -1))
        joined = nodes.call("np.concatenate", [nodes.list_(parts)])
        joined.keywords = [axis]
        return _at(joined, node)

    def visit_Call(self, node):
        self.generic_visit(node)
        node = _method(node)
        owner = self.owner
        if not isinstance(node, nodes.Call):
            return node
        node = owner.partial_call(node)
        if owner.is_builtin(node.func, "list") and len(node.args) == 1 and not node.keywords \
                and owner.is_map(node.args[0]):
            parts = owner.mapped(node.args[0])
            if parts is not None:
                elt, target, iterable = parts
                return self.moved(_at(nodes.list_comp(elt, target, iterable), node), "items")
        node.args = [self.consumed(a) for a in node.args]
        if owner.is_builtin(node.func, "sorted"):
            return self.sorted(node)
        if owner.is_builtin(node.func, "dict"):
            return self.dict_call(node)
        return node

    def moved(self, node, base):
        """A comprehension in a loop header is computed before the loop."""
        if self.hoist_all and self.depth == 0:
            return self.hoist(node, base)
        return node

    def consumed(self, arg):
        """A ``map`` passed to a call: the generator expression it is."""
        if not self.owner.is_map(arg):
            return arg
        parts = self.owner.mapped(arg)
        if parts is None:
            return arg
        elt, target, iterable = parts
        if self.hoist_all and self.depth == 0:
            return self.hoist(_at(nodes.list_comp(elt, target, iterable), arg), "items")
        return _at(nodes.generator_exp(elt, target, iterable), arg)

    def sorted(self, node):
        """``[seq[i] for i in sort_order(seq, reverse, key)]``; the sequence is a name."""
        if len(node.args) != 1 or any(k.arg not in ("key", "reverse") for k in node.keywords):
            return node
        for k in node.keywords:
            if k.arg == "key" and not (nodes.dotted_name(k.value) is not None or (
                    isinstance(k.value, nodes.Constant) and k.value.value is None)):
                self.refuse(k.value, "sorted(..., key=...) is supported with a named function "
                            "as the key (or None)", "sort by value (reverse=True for the "
                            "decreasing order), or define the key with def and pass its name",
                            "sorted key")
        seq = node.args[0]
        if isinstance(seq, nodes.GeneratorExp):
            seq = _at(nodes.as_list_comp(seq), seq)
        if not isinstance(seq, nodes.Name):
            if self.depth:
                return node
            seq = self.hoist(seq, "seq")
        index = self.owner.namer.fresh("i")
        order = _at(nodes.call("sort_order", [nodes.name(seq.id)],
                               [(k.arg, k.value) for k in node.keywords]), node)
        item = nodes.subscript(nodes.name(seq.id), nodes.name(index))
        item._tl_loop_item = True       # sorted(d) of a dict sorts its keys
        comp = nodes.list_comp(item, nodes.name(index), order)
        return self.moved(_at(comp, node), "ordered")

    def dict_call(self, node):
        """``dict(a=x)`` is a display, ``dict(zip(ks, vs))`` a comprehension."""
        if not node.args and all(k.arg is not None for k in node.keywords):
            display = nodes.dict_([nodes.const(k.arg) for k in node.keywords],
                                  [k.value for k in node.keywords])
            return _at(display, node)
        arg = node.args[0] if len(node.args) == 1 and not node.keywords else None
        if isinstance(arg, nodes.Call) and self.owner.is_builtin(arg.func, "zip") \
                and len(arg.args) == 2 and not arg.keywords:
            k, v = self.owner.namer.fresh("key"), self.owner.namer.fresh("value")
            target = nodes.tuple_([nodes.name(k, "store"), nodes.name(v, "store")], "store")
            comp = nodes.dict_comp(nodes.name(k), nodes.name(v), target, arg)
            return self.moved(_at(comp, node), "mapping")
        return node

    def visit_Dict(self, node):
        self.generic_visit(node)
        keys = [(type(k.value), k.value) if isinstance(k, nodes.Constant) else None
                for k in node.keys]
        if None not in keys and len(set(keys)) == len(keys) or self.depth or \
                any(k is None for k in node.keys):
            return node
        name = self.owner.namer.fresh("mapping")
        self.pre.append(_located(nodes.assign(name, nodes.dict_()), self.stmt))
        for k, v in zip(node.keys, node.values):
            item = nodes.to_store(nodes.subscript(nodes.name(name), k))
            self.pre.append(_located(nodes.assign(item, v), self.stmt))
        return _at(nodes.name(name), node)

    def refuse(self, node, message, hint, construct):
        parsed = self.owner.parsed
        lineno = getattr(node, "lineno", None)
        raise UnsupportedSyntaxError(message, filename=parsed.source.filename, lineno=lineno,
                                     col_offset=getattr(node, "col_offset", None),
                                     source_line=parsed.source.line(lineno), hint=hint,
                                     construct=construct)


def _located(new, old):
    """`new` (a statement) at the place of `old`."""
    new.lineno, new.col_offset = old.lineno, old.col_offset
    new.end_lineno = getattr(old, "end_lineno", old.lineno)
    new.end_col_offset = getattr(old, "end_col_offset", old.col_offset)
    return new


def _at(new, old):
    """`new` (an expression) and the nodes it holds without a place, at the place of
    `old`."""
    return nodes.locate_missing(new, getattr(old, "lineno", None),
                                getattr(old, "col_offset", None))


def _arange(item):
    """``np.arange`` of a slice in ``np.r_[...]`` (a constant range of numbers)."""
    if isinstance(item.step, nodes.Constant) and isinstance(item.step.value, complex):
        return nodes.call("np.linspace", [item.lower or nodes.const(0), item.upper,
                                     nodes.const(int(abs(item.step.value)))])
    args = [item.lower or nodes.const(0), item.upper] + ([item.step] if item.step else [])
    return nodes.call("np.arange", args)

