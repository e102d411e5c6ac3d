"""Inline calls of small helper functions of the same module.

``k1x, k1y = rhs(x, y, a)`` where ``rhs`` is a short module-level function of the same
module becomes the (normalized) body of ``rhs`` with its variables renamed, the returned
tuple assigned element by element, so the derivative code has no call, no tuple packing and
no separate adjoint function for it.  Candidates: Python functions with source, the same
globals as the caller, no closure, no nested functions, not recursive, at most
`MAX_STATEMENTS` statements after normalization.  Comments in the derivative code still
quote the helper's own lines.

Example (run as a test; the functions are defined as in a user's module: tangent_like's own
functions are never inlined)::

    >>> __name__ = "example"
    >>> import types
    >>> from tangent_like.frontend.parse import parse_function
    >>> from tangent_like.normalize import normalize
    >>> from tangent_like.syntax.naming import Namer
    >>> def normalized(func):       # what the pipeline's family_of(func) gives
    ...     parsed = parse_function(func)
    ...     parsed.namer = Namer(nodes.all_names(parsed.node))
    ...     return types.SimpleNamespace(parsed=parsed, lifted=normalize(parsed, parsed.namer))
    >>> def rhs(x, y, a):
    ...     dx = a * x - y
    ...     return dx, x + a * y
    >>> def step(x, y, a):
    ...     kx, ky = rhs(x, y, a)
    ...     return kx * ky
    >>> caller = normalized(step).parsed
    >>> print(nodes.unparse(caller.node))
    def step(x, y, a):
        kx, ky = rhs(x, y, a)
        kx_times_ky = kx * ky
        return kx_times_ky
    >>> inline_calls(caller, caller.namer, normalized, in_progress=set())
    >>> print(nodes.unparse(caller.node))
    def step(x, y, a):
        a_times_x_2 = a * x
        dx_2 = a_times_x_2 - y
        a_times_y_2 = a * y
        x_plus_a_times_y_2 = x + a_times_y_2
        kx = dx_2
        ky = x_plus_a_times_y_2
        kx_times_ky = kx * ky
        return kx_times_ky
"""
import inspect
import types

from .. import rules
from ..analysis.resolve import is_user_function
from ..syntax import anno, nodes
from ..syntax.scopes import local_names, walk_no_defs

MAX_STATEMENTS = 40


def inline_calls(parsed, namer, family_of, in_progress):
    """Inline eligible calls in `parsed.node` (normalized); `family_of(func)` normalizes."""
    # the function's locals, read once (the tree can be large) and kept up to date with the
    # names each inlined body brings
    parsed.locals_for_inlining = local_names(parsed.node)
    parsed.node.body = _block(parsed.node.body, parsed, namer, family_of, in_progress)


def _block(stmts, parsed, namer, family_of, in_progress):
    out = []
    for s in stmts:
        if isinstance(s, nodes.If):
            s.body = _block(s.body, parsed, namer, family_of, in_progress)
            s.orelse = _block(s.orelse, parsed, namer, family_of, in_progress)
            out.append(s)
        elif isinstance(s, (nodes.For, nodes.While)):
            s.body = _block(s.body, parsed, namer, family_of, in_progress)
            out.append(s)
        elif isinstance(s, nodes.Assign) and isinstance(s.value, nodes.Call):
            new = _try_inline(s, parsed, namer, family_of, in_progress)
            out.extend(new if new is not None else [s])
        else:
            out.append(s)
    return out


def _callee(call, parsed):
    if not isinstance(call.func, nodes.Name):
        return None
    if call.func.id in parsed.locals_for_inlining or call.func.id in (
            getattr(parsed, "lifted", None) or {}):
        return None
    ok, obj = parsed.namespace.lookup(call.func.id)
    if not ok or not isinstance(obj, types.FunctionType):
        return None
    if not is_user_function(obj) or obj.__closure__ or parsed.func is obj:
        return None
    if obj.__code__.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS):
        return None         # *args, **kwargs: called (the unit binds them)
    if rules.lookup(obj) is not None:
        return None         # the user's rule replaces its code (tl.defrule)
    if obj.__globals__ is not parsed.namespace.globals:
        return None
    return obj


def _try_inline(s, parsed, namer, family_of, in_progress):
    if any(isinstance(a, nodes.Starred) for a in s.value.args) or any(
            k.arg is None for k in s.value.keywords):
        return None         # unpacked arguments: the unit binds them
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
    if any(isinstance(n, nodes.Call) and isinstance(n.func, nodes.Name)
           and n.func.id == fdef.name for n in nodes.walk(fdef)):
        return None
    try:
        bound = inspect.signature(func, follow_wrapped=False).bind(*s.value.args,
                                             **{k.arg: k.value for k in s.value.keywords})
    except TypeError:
        return None
    args = dict(bound.arguments)
    for name, p in inspect.signature(func, follow_wrapped=False).parameters.items():
        if name not in args:
            if p.default is inspect.Parameter.empty or not isinstance(
                    p.default, (int, float, bool, type(None))):
                return None
            args[name] = nodes.const(p.default)
    body = [nodes.copy(x) for x in fdef.body]
    ret = body.pop()
    assigned = set()
    for st in body:
        for n in nodes.walk(st):
            if isinstance(n, nodes.Name) and nodes.is_store(n):
                assigned.add(n.id)
    names = {n.id for st in body + [ret] for n in nodes.walk(st) if isinstance(n, nodes.Name)}
    params_ = {a.id for a in fdef.args.posonlyargs + fdef.args.args + fdef.args.kwonlyargs}
    if (names - params_ - assigned) & parsed.locals_for_inlining:
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
    subs = {k: v for k, v in rename.items()}
    source = fam.parsed.source
    new = prologue + [nodes.substitute(st, subs) for st in body]
    value = nodes.substitute(ret.value, subs)
    target = s.targets[0]
    tuple_display = _returned_tuple(new, value)
    if isinstance(target, nodes.Tuple) and tuple_display is not None \
            and len(tuple_display.elts) == len(target.elts) \
            and _one_by_one(target.elts, tuple_display.elts):
        new.remove(tuple_display.stmt)
        tail = [nodes.assign(t, e) for t, e in zip(target.elts, tuple_display.elts)]
    else:
        tail = [nodes.assign(target, value)]
    for st in new:
        _mark(st, source)
    for st in tail:
        anno.set(st, anno.Anno.ORIGIN, anno.get(s, anno.Anno.ORIGIN))
    for st in new + tail:
        parsed.locals_for_inlining |= {n.id for n in walk_no_defs(st)
                                       if isinstance(n, nodes.Name) and nodes.is_store(n)}
    return new + tail


def _returned_tuple(stmts, value):
    """The tuple display the helper returns, when its result is ``r = (a, b); return r``."""
    if not isinstance(value, nodes.Name) or not stmts:
        return None
    last = stmts[-1]
    if isinstance(last, nodes.Assign) and isinstance(last.targets[0], nodes.Name) \
            and last.targets[0].id == value.id and isinstance(last.value, nodes.Tuple):
        uses = sum(1 for st in stmts for n in nodes.walk(st) if isinstance(n, nodes.Name)
                   and n.id == value.id)
        if uses == 1:
            disp = last.value
            disp.stmt = last
            return disp
    return None


def _one_by_one(targets, values):
    """Can ``t1, t2 = v1, v2`` run as ``t1 = v1; t2 = v2``: does no value read a name that an
    earlier target assigns?  (``x, y = d, x`` cannot: ``y`` must get the old ``x``.)"""
    written = set()
    for t, v in zip(targets, values):
        if nodes.loaded_names(v) & written:
            return False
        written |= nodes.stored_names(t)
    return True


def _mark(stmt, source):
    for n in nodes.walk(stmt):
        n._tl_source = source


def _count(stmts):
    return sum(1 for s in stmts for n in nodes.walk(s) if nodes.is_statement(n))
