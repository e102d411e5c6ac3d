"""Move every jump to the tail of its block and give the function a single return.

After this pass:

* ``return`` appears only as the last statement of the function body: ``return result``;
* inside loops, ``break`` is the last statement of the branch that takes it, and nothing in the
  loop body runs after it; ``continue`` is gone (at the tail of a body it does nothing);

so the reverse sweep knows which statements ran from recorded branch decisions and trip
counts alone.  Statements after a branch that may jump are moved into the branches that do
not jump (duplicated when both branches can fall through).  A ``return`` inside a loop
becomes ``result = e; returned = True; break`` followed, after the loop, by
``if returned: <return result>``.

Example (run as a test)::

    >>> from tangent_like.frontend.parse import parse_source
    >>> from tangent_like.syntax.naming import Namer
    >>> parsed = parse_source('''
    ... def f(x, n):
    ...     for i in range(n):
    ...         if x > 1.0:
    ...             break
    ...         if x < 0.0:
    ...             continue
    ...         x = x * 2.0
    ...     if x > 10.0:
    ...         return 10.0
    ...     return x
    ... ''')
    >>> lower_jumps(parsed, Namer(nodes.all_names(parsed.node)))
    >>> print(nodes.unparse(parsed.node))
    def f(x, n):
        for i in range(n):
            if x > 1.0:
                break
            elif x < 0.0:
                pass
            else:
                x = x * 2.0
        if x > 10.0:
            result = 10.0
        else:
            result = x
        return result
"""
from ..syntax import anno, nodes


def lower_jumps(parsed, namer):
    fdef = parsed.node
    state = {"result": None, "namer": namer}
    body = _returns_out_of_loops(fdef.body, state)
    body = body + [_loc(nodes.return_(nodes.const(None)), fdef)]
    body = _nest(body, in_loop=False)
    fdef.body = _single_exit(body, state, fdef)


def _loc(node, like):
    node.lineno = getattr(like, "lineno", 1)
    node.col_offset = getattr(like, "col_offset", 0)
    return node


def _result_name(state):
    if state["result"] is None:
        state["result"] = state["namer"].fresh("result")
    return state["result"]


def _contains_return(stmts):
    return any(isinstance(n, nodes.Return) for s in stmts for n in nodes.walk(s))


def _returns_out_of_loops(stmts, state):
    out = []
    for s in stmts:
        if isinstance(s, nodes.If):
            s.body = _returns_out_of_loops(s.body, state)
            s.orelse = _returns_out_of_loops(s.orelse, state)
            out.append(s)
        elif isinstance(s, (nodes.For, nodes.While)) and _contains_return(s.body):
            flag = state["namer"].fresh("returned")
            result = _result_name(state)
            s.body = _loop_returns(_returns_out_of_loops(s.body, state), flag, result)
            out.append(_loc(nodes.assign(flag, nodes.const(False)), s))
            anno.set(out[-1], anno.Anno.ORIGIN, (s.lineno, s.col_offset))
            out.append(s)
            check = nodes.if_(nodes.name(flag), [_loc(nodes.return_(nodes.name(result)), s)])
            out.append(_loc(check, s))
        else:
            out.append(s)
    return out


def _loop_returns(stmts, flag, result):
    """Inside one loop body (nested loops already handled): return -> flag + break."""
    out = []
    for s in stmts:
        if isinstance(s, nodes.Return):
            value = s.value if s.value is not None else nodes.const(None)
            if not (isinstance(value, nodes.Name) and value.id == result):
                out.append(_loc(nodes.assign(result, value), s))
            out.append(_loc(nodes.assign(flag, nodes.const(True)), s))
            out.append(_loc(nodes.break_(), s))
        elif isinstance(s, nodes.If):
            s.body = _loop_returns(s.body, flag, result)
            s.orelse = _loop_returns(s.orelse, flag, result)
            out.append(s)
        else:
            out.append(s)
    return out


def _is_jump(s):
    return isinstance(s, (nodes.Break, nodes.Continue, nodes.Return))


def _always_jumps(stmts):
    if not stmts:
        return False
    last = stmts[-1]
    if _is_jump(last):
        return True
    if isinstance(last, nodes.If):
        return _always_jumps(last.body) and _always_jumps(last.orelse)
    return False


def _may_jump(s):
    """Does `s` contain a jump that leaves it (break/continue outside nested loops, return)?"""
    if _is_jump(s):
        return True
    if isinstance(s, nodes.If):
        return any(_may_jump(c) for c in s.body + s.orelse)
    return False


def _nest(stmts, in_loop):
    out = []
    for idx, s in enumerate(stmts):
        if _is_jump(s):
            out.append(s)
            return out
        if isinstance(s, (nodes.For, nodes.While)):
            s.body = _drop_tail_continue(_nest(s.body, in_loop=True))
            out.append(s)
            continue
        if isinstance(s, nodes.If) and _may_jump(s):
            rest = stmts[idx + 1:]
            body_rest = [] if _always_jumps(s.body) else [nodes.copy(r) for r in rest]
            else_rest = [] if _always_jumps(s.orelse) else [nodes.copy(r) for r in rest]
            s.body = _nest(s.body + body_rest, in_loop)
            s.orelse = _nest(s.orelse + else_rest, in_loop)
            out.append(s)
            return out
        if isinstance(s, nodes.If):
            s.body = _nest(s.body, in_loop)
            s.orelse = _nest(s.orelse, in_loop)
        out.append(s)
    return out


def _drop_tail_continue(stmts):
    if not stmts:
        return [nodes.pass_()]
    last = stmts[-1]
    if isinstance(last, nodes.Continue):
        stmts = stmts[:-1]
    elif isinstance(last, nodes.If):
        last.body = _drop_tail_continue(last.body)
        last.orelse = _drop_tail_continue(last.orelse) if last.orelse else []
        if last.orelse == [] or all(isinstance(x, nodes.Pass) for x in last.orelse):
            last.orelse = []
    return stmts or [nodes.pass_()]


def _single_exit(body, state, fdef):
    """Tail returns become ``result = value``; one ``return result`` ends the function."""
    if len(body) >= 1 and isinstance(body[-1], nodes.Return) and not any(
            isinstance(n, nodes.Return) for s in body[:-1] for n in nodes.walk(s)):
        return body
    result = _result_name(state)
    body = _replace_returns(body, result)
    ret = _loc(nodes.return_(nodes.name(result)), fdef)
    return body + [ret]


def _replace_returns(stmts, result):
    out = []
    for s in stmts:
        if isinstance(s, nodes.Return):
            value = s.value if s.value is not None else nodes.const(None)
            if not (isinstance(value, nodes.Name) and value.id == result):
                a = _loc(nodes.assign(result, value), s)
                anno.set(a, anno.Anno.ORIGIN, (s.lineno, s.col_offset))
                out.append(a)
        elif isinstance(s, nodes.If):
            s.body = _replace_returns(s.body, result) or [nodes.pass_()]
            s.orelse = _replace_returns(s.orelse, result)
            out.append(s)
        else:
            out.append(s)
    return out
