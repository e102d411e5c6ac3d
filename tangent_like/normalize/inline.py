"""Inline calls of small helper functions of the same module.

``k1x, k1y = rhs(x, y, a)`` where ``rhs`` is a short module-level function of the same
module becomes the (normalized) body of ``rhs`` with its variables renamed::

    a_times_x = a * x            # from rhs, names made unique
    dx = a_times_x - y
    dy = ...
    k1x = dx                     # the returned tuple, element by element
    k1y = dy

so the derivative code has no call, no tuple packing and no separate adjoint function for
it.  Candidates: Python functions with source, the same globals as the caller, no closure,
no nested functions, not recursive, at most `MAX_STATEMENTS` statements after
normalization.  Comments in the derivative code still quote the helper's own lines.
"""
import inspect
import types

import gast

from ..syntax import anno, nodes

MAX_STATEMENTS = 40


def inline_calls(parsed, namer, family_of, in_progress):
    """Inline eligible calls in `parsed.node` (normalized); `family_of(func)` normalizes."""
    parsed.node.body = _block(parsed.node.body, parsed, namer, family_of, in_progress)


def _block(stmts, parsed, namer, family_of, in_progress):
    out = []
    for s in stmts:
        if isinstance(s, gast.If):
            s.body = _block(s.body, parsed, namer, family_of, in_progress)
            s.orelse = _block(s.orelse, parsed, namer, family_of, in_progress)
            out.append(s)
        elif isinstance(s, (gast.For, gast.While)):
            s.body = _block(s.body, parsed, namer, family_of, in_progress)
            out.append(s)
        elif isinstance(s, gast.Assign) and isinstance(s.value, gast.Call):
            new = _try_inline(s, parsed, namer, family_of, in_progress)
            out.extend(new if new is not None else [s])
        else:
            out.append(s)
    return out


def _callee(call, parsed):
    if not isinstance(call.func, gast.Name):
        return None
    from ..normalize.lift import local_names
    if call.func.id in local_names(parsed.node) or call.func.id in (
            getattr(parsed, "lifted", None) or {}):
        return None
    ok, obj = parsed.namespace.lookup(call.func.id)
    if not ok or not isinstance(obj, types.FunctionType):
        return None
    from ..analysis.resolve import is_user_function
    if not is_user_function(obj) or obj.__closure__ or parsed.func is obj:
        return None
    if obj.__globals__ is not parsed.namespace.globals:
        return None
    return obj


def _try_inline(s, parsed, namer, family_of, in_progress):
    func = _callee(s.value, parsed)
    if func is None or func in in_progress:
        return None
    try:
        fam = family_of(func)
    except Exception:
        return None       # not inlinable here: the call is handled (and checked) as a call
    if fam.lifted or _count(fam.parsed.node.body) > MAX_STATEMENTS:
        return None
    fdef = fam.parsed.node
    if any(isinstance(n, gast.Call) and isinstance(n.func, gast.Name)
           and n.func.id == fdef.name for n in gast.walk(fdef)):
        return None
    try:
        bound = inspect.signature(func).bind(*s.value.args,
                                             **{k.arg: k.value for k in s.value.keywords})
    except TypeError:
        return None
    args = dict(bound.arguments)
    for name, p in inspect.signature(func).parameters.items():
        if name not in args:
            if p.default is inspect.Parameter.empty or not isinstance(
                    p.default, (int, float, bool, type(None))):
                return None
            args[name] = nodes.const(p.default)
    body = [nodes.copy(x) for x in fdef.body]
    ret = body.pop()
    assigned = set()
    for st in body:
        for n in gast.walk(st):
            if isinstance(n, gast.Name) and isinstance(n.ctx, gast.Store):
                assigned.add(n.id)
    names = {n.id for st in body + [ret] for n in gast.walk(st) if isinstance(n, gast.Name)}
    from ..normalize.lift import local_names
    params_ = {a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs}
    if (names - params_ - assigned) & local_names(parsed.node):
        return None     # a global the helper reads is a local variable of the caller
    namer.reserve(names)     # the helper's free names (globals) must not become the caller's
    params = [a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs]
    rename, prologue = {}, []
    for p in params:
        if p in assigned:
            rename[p] = namer.fresh(p)
            prologue.append(nodes.assign(rename[p], args[p]))
        else:
            rename[p] = args[p]
    for n in sorted(assigned - set(params)):
        rename[n] = namer.fresh(n)
    local = set(params) | assigned
    subs = {k: v for k, v in rename.items()}
    source = fam.parsed.source
    new = prologue + [nodes.substitute(st, subs) for st in body]
    value = nodes.substitute(ret.value, subs)
    target = s.targets[0]
    tuple_display = _returned_tuple(new, value)
    if isinstance(target, gast.Tuple) and tuple_display is not None \
            and len(tuple_display.elts) == len(target.elts):
        new.remove(tuple_display.stmt)
        tail = [nodes.assign(t, e) for t, e in zip(target.elts, tuple_display.elts)]
    else:
        tail = [nodes.assign(target, value)]
    for st in new:
        _mark(st, source)
    for st in tail:
        anno.set(st, anno.Anno.ORIGIN, anno.get(s, anno.Anno.ORIGIN))
    del local
    return new + tail


def _returned_tuple(stmts, value):
    """The tuple display the helper returns, when its result is ``r = (a, b); return r``."""
    if not isinstance(value, gast.Name) or not stmts:
        return None
    last = stmts[-1]
    if isinstance(last, gast.Assign) and isinstance(last.targets[0], gast.Name) \
            and last.targets[0].id == value.id and isinstance(last.value, gast.Tuple):
        uses = sum(1 for st in stmts for n in gast.walk(st) if isinstance(n, gast.Name)
                   and n.id == value.id)
        if uses == 1:
            disp = last.value
            disp.stmt = last
            return disp
    return None


def _mark(stmt, source):
    for n in gast.walk(stmt):
        n._tl_source = source


def _count(stmts):
    return sum(1 for s in stmts for n in gast.walk(s) if isinstance(n, gast.stmt))
