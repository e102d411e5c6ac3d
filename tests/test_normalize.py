"""Before/after pairs of the normalization passes, as real Python functions.

Each pair is an input function and the function one pass makes of it.  The test parses the
input, runs the pass with a namer that avoids the input's own names (fresh names are then
deterministic), unparses the result and compares it with the expected function's source (its
name aside; functions a pass adds, such as lifted ones, follow in order).  Every pass is
idempotent: running it a second time changes nothing.

Read a pair as documentation: what the pass does to that construct, and why, in the comment
above it.  The pipeline runs builtin_calls, unroll, lift, desugar, jumps, anf (see
tangent_like/normalize/__init__.py), then inline once the callees are normalized too.
"""
import math
import types

import numpy as np
import pytest

import tangent_like as tl
from tangent_like.errors import UnsupportedSyntaxError
from tangent_like.frontend.parse import parse_function, parse_source
from tangent_like.normalize import anf, builtin_calls, desugar, jumps, lift, normalize, unroll
from tangent_like.normalize.inline import inline_calls
from tangent_like.syntax import nodes
from tangent_like.syntax.naming import Namer
from tangent_like.syntax.scopes import local_names

PAIRS = []


def becomes(before, by, lifted=()):
    """Register the decorated function as what pass `by` makes of `before` (and `lifted`, the
    functions the pass adds)."""
    def register(after):
        PAIRS.append(pytest.param(by, before, after, lifted, id=f"{by}-{before.__name__}"))
        return after
    return register


# ============================================================================== desugar
# Augmented assignment is spelled out (for arrays it runs in place; checked once kinds are
# known).
def augmented(x, y):
    x += y
    x *= 2.0
    return x


@becomes(augmented, by="desugar")
def augmented_desugared(x, y):
    x = x + y
    x = x * 2.0
    return x


# A chain evaluates its value once, into the last target.
def chained(x):
    a = b = x * 2.0
    return a + b


@becomes(chained, by="desugar")
def chained_desugared(x):
    b = x * 2.0
    a = b
    return a + b


# Annotations go; an annotation without a value goes entirely.
def annotated(x):
    y: float = x * 2.0
    z: int
    return y


@becomes(annotated, by="desugar")
def annotated_desugared(x):
    y = x * 2.0
    return y


# Tuple assignment from a tuple display is parallel: both sides are read before any target
# is written, through temporaries when a target is also read ...
def swapped(x, y):
    x, y = y, x * y
    return x


@becomes(swapped, by="desugar")
def swapped_desugared(x, y):
    x_new = y
    y_new = x * y
    x = x_new
    y = y_new
    return x


# ... and directly when no target is read.
def parallel(x, y):
    a, b = x, y * 2.0
    return a * b


@becomes(parallel, by="desugar")
def parallel_desugared(x, y):
    a = x
    b = y * 2.0
    return a * b


# Unpacking of any other value is flat: nested targets go through a temporary.
def nested_unpacking(pair):
    p, (q, r) = pair
    return p * q * r


@becomes(nested_unpacking, by="desugar")
def nested_unpacking_desugared(pair):
    p, part = pair
    q, r = part
    return p * q * r


# A loop over a sequence becomes a loop over its indices: the transforms see only range loops.
def over_sequence(x, xs):
    total = 0.0
    for v in xs:
        total = total + v * x
    return total


@becomes(over_sequence, by="desugar")
def over_sequence_desugared(x, xs):
    total = 0.0
    for i_v in range(len(xs)):
        v = xs[i_v]
        total = total + v * x
    return total


# The sequence is evaluated once, before the loop, as Python does: one the loop assigns
# again is read into a name of its own first.
def sequence_assigned_in_loop(x, xs):
    total = 0.0
    for v in xs:
        xs = [x, x]
        total = total + v
    return total


@becomes(sequence_assigned_in_loop, by="desugar")
def sequence_assigned_in_loop_desugared(x, xs):
    total = 0.0
    seq = xs
    for i_v in range(len(seq)):
        v = seq[i_v]
        xs = [x, x]
        total = total + v
    return total


# So is a sequence named like the loop's own target, which the first item overwrites.
def target_named_like_sequence(x, a, ys):
    total = 0.0
    for a, b in zip(a, ys):
        total = total + a * b * x
    return total


@becomes(target_named_like_sequence, by="desugar")
def target_named_like_sequence_desugared(x, a, ys):
    total = 0.0
    seq = a
    for i in range(min(len(seq), len(ys))):
        a = seq[i]
        b = ys[i]
        total = total + a * b * x
    return total


# enumerate: the counter is the index itself ...
def over_enumerate(x, xs):
    total = 0.0
    for k, v in enumerate(xs):
        total = total + k * v * x
    return total


@becomes(over_enumerate, by="desugar")
def over_enumerate_desugared(x, xs):
    total = 0.0
    for k in range(len(xs)):
        v = xs[k]
        total = total + k * v * x
    return total


# ... or the index plus the start, given by position or by keyword; like the sequence, a
# start the loop changes is read once before the loop.
def enumerate_start(x, xs, s):
    total = 0.0
    for k, v in enumerate(xs, 1):
        total = total + k * v
    for k, v in enumerate(xs, start=s):
        s = s + 1
        total = total + k * v
    return total * x


@becomes(enumerate_start, by="desugar")
def enumerate_start_desugared(x, xs, s):
    total = 0.0
    for i in range(len(xs)):
        k = i + 1
        v = xs[i]
        total = total + k * v
    start = s
    for i_2 in range(len(xs)):
        k = i_2 + start
        v = xs[i_2]
        s = s + 1
        total = total + k * v
    return total * x


# zip stops at the shortest sequence.
def over_zip(x, xs, ys):
    total = 0.0
    for a, b in zip(xs, ys):
        total = total + a * b * x
    return total


@becomes(over_zip, by="desugar")
def over_zip_desugared(x, xs, ys):
    total = 0.0
    for i in range(min(len(xs), len(ys))):
        a = xs[i]
        b = ys[i]
        total = total + a * b * x
    return total


# reversed(xs) is xs read from its end (also inside enumerate and zip).
def over_reversed(x, xs):
    total = 0.0
    for v in reversed(xs):
        total = total * x + v
    return total


@becomes(over_reversed, by="desugar")
def over_reversed_desugared(x, xs):
    total = 0.0
    for i_v in range(len(xs)):
        v = xs[-1 - i_v]
        total = total * x + v
    return total


# Loops over range stay as they are.
def over_range(x, n):
    for i in range(n):
        x = x * 2.0
    for i in range(1, n, 2):
        x = x + i
    return x


@becomes(over_range, by="desugar")
def over_range_desugared(x, n):
    for i in range(n):
        x = x * 2.0
    for i in range(1, n, 2):
        x = x + i
    return x


# Writes into an array or list make a new value (runtime helpers with_item and appended), so
# the derivative code sees ordinary assignments.
def item_writes(x, a, i):
    a[i] = x
    a[i + 1] += x * 2.0
    return a


@becomes(item_writes, by="desugar")
def item_writes_desugared(x, a, i):
    a = with_item(a, i, x)  # noqa: F821 - generated code names a runtime helper
    a = with_item(a, i + 1, a[i + 1] + x * 2.0)  # noqa: F821
    return a


def appends(x, n):
    out = []
    for i in range(n):
        out.append(x * i)
    return out


@becomes(appends, by="desugar")
def appends_desugared(x, n):
    out = []
    for i in range(n):
        out = appended(out, x * i)  # noqa: F821
    return out


# A comprehension (or a generator expression consumed by a call) becomes a loop run before
# its statement; its variables get fresh names (they are not the function's).
def comprehensions(x, xs):
    ys = [x * v for v in xs if v > 0.0]
    return sum(v * v for v in ys)


@becomes(comprehensions, by="desugar")
def comprehensions_desugared(x, xs):
    items = []
    for i_v_2 in range(len(xs)):
        v_2 = xs[i_v_2]
        if v_2 > 0.0:
            items = appended(items, x * v_2)
    ys = items
    items_2 = []
    for i_v_3 in range(len(ys)):
        v_3 = ys[i_v_3]
        items_2 = appended(items_2, v_3 * v_3)
    return sum(items_2)


# Docstrings and pass go; an empty block keeps one pass.
def docstring_and_pass(x):
    """What the function computes."""
    if x > 0.0:
        pass
    else:
        x = -x
    return x


@becomes(docstring_and_pass, by="desugar")
def docstring_and_pass_desugared(x):
    if x > 0.0:
        pass
    else:
        x = -x
    return x


# ================================================================================== anf
# One operation per assignment; temporaries are named after what they hold.
def nested_expression(x):
    y = np.sin(x) * x + 1.0
    return y


@becomes(nested_expression, by="anf")
def nested_expression_anf(x):
    sin_x = np.sin(x)
    sin_x_times_x = sin_x * x
    y = sin_x_times_x + 1.0
    return y


# An assignment whose adjoint would need its target's old value goes through a temporary;
# x = x + y and x = x * 0.5 do not need it.
def own_target(x, y):
    x = x * x
    x = x + y
    x = x * 0.5
    x = np.sin(x)
    return x


@becomes(own_target, by="anf")
def own_target_anf(x, y):
    x_new = x * x
    x = x_new
    x = x + y
    x = x * 0.5
    x_new_2 = np.sin(x)
    x = x_new_2
    return x


# Attribute chains on local variables are split (each attribute is an operation); those on
# modules (np.pi) are names resolved later.
def attribute_chains(x, p):
    z = p.w.T
    c = np.pi * x
    s = x.T.sum()
    return z * c * s


@becomes(attribute_chains, by="anf")
def attribute_chains_anf(x, p):
    p_w = p.w
    z = p_w.T
    pi = np.pi
    c = pi * x
    x_T = x.T
    s = x_T.sum()
    z_times_c = z * c
    z_times_c_times_s = z_times_c * s
    return z_times_c_times_s


# Call arguments, keywords included, are names or constants; a call assigned to a tuple stays.
def call_arguments(x, y, n):
    t = np.sum(x * y, axis=n - 1)
    q, r = divmod(x, y + 1.0)
    return t + q


@becomes(call_arguments, by="anf")
def call_arguments_anf(x, y, n):
    x_times_y = x * y
    n_minus_1 = n - 1
    t = np.sum(x_times_y, axis=n_minus_1)
    y_plus_1 = y + 1.0
    q, r = divmod(x, y_plus_1)
    t_plus_q = t + q
    return t_plus_q


# Indices keep their slices and tuples; their parts become names or constants.
def index_expressions(x, n):
    s = x[2 * n:, n + 1]
    return s[-1]


@becomes(index_expressions, by="anf")
def index_expressions_anf(x, n):
    n_times_2 = 2 * n
    n_plus_1 = n + 1
    s = x[n_times_2:, n_plus_1]
    s_last = s[-1]
    return s_last


# Conditional expressions and and/or used as values become if statements: only the branch
# taken runs.
def conditional_values(x, y):
    v = y * 2.0 if x > 0.0 else -y
    b = x > 0.0 and y
    o = x or y * 3.0
    return v + b + o


@becomes(conditional_values, by="anf")
def conditional_values_anf(x, y):
    if x > 0.0:
        v_branch = y * 2.0
    else:
        v_branch = -y
    v = v_branch
    b_bool = x > 0.0
    if b_bool:
        b_bool = y
    b = b_bool
    o_bool = x
    if not o_bool:
        o_bool = y * 3.0
    o = o_bool
    v_plus_b = v + b
    v_plus_b_plus_o = v_plus_b + o
    return v_plus_b_plus_o


# What is never differentiated stays whole: comparisons, expression statements, tests.
def stays_whole(x, y):
    c = x > y
    print(x + 1.0)
    if x * 2.0 > y:
        x = x - y
    while x < y:
        x = x * 2.0
    return c


@becomes(stays_whole, by="anf")
def stays_whole_anf(x, y):
    c = x > y
    print(x + 1.0)
    if x * 2.0 > y:
        x = x - y
    while x < y:
        x = x * 2.0
    return c


# ================================================================================ jumps
# After a branch that breaks, the rest of the loop body moves into the other branch.
def breaks(x, n):
    for i in range(n):
        if x > 1.0:
            break
        x = x * 2.0
    return x


@becomes(breaks, by="jumps")
def breaks_lowered(x, n):
    for i in range(n):
        if x > 1.0:
            break
        else:
            x = x * 2.0
    return x


# A continue does the same, then goes: at the tail of the body it does nothing.
def continues(x, n):
    i = 0
    while i < n:
        i = i + 1
        if i == 2:
            continue
        x = x * 1.5
    return x


@becomes(continues, by="jumps")
def continues_lowered(x, n):
    i = 0
    while i < n:
        i = i + 1
        if i == 2:
            pass
        else:
            x = x * 1.5
    return x


# One return, at the end: earlier returns assign the result.
def early_return(x):
    if x < 0.0:
        return -x
    y = x * 2.0
    return y


@becomes(early_return, by="jumps")
def early_return_lowered(x):
    if x < 0.0:
        result = -x
    else:
        y = x * 2.0
        result = y
    return result


# A return inside a loop: assign the result, set a flag, break; after the loop the flag
# says whether the rest of the function runs.
def return_in_loop(xs):
    for i in range(len(xs)):
        if xs[i] < 0.0:
            return xs[i] * xs[i]
    return 0.0


@becomes(return_in_loop, by="jumps")
def return_in_loop_lowered(xs):
    returned = False
    for i in range(len(xs)):
        if xs[i] < 0.0:
            result = xs[i] * xs[i]
            returned = True
            break
    if returned:
        pass
    else:
        result = 0.0
    return result


# Nested loops: one flag per loop, each breaking out of its own loop.
def return_in_nested_loops(x, n):
    for i in range(n):
        for j in range(n):
            if x > 10.0:
                return x
            x = x * 2.0
    return -x


@becomes(return_in_nested_loops, by="jumps")
def return_in_nested_loops_lowered(x, n):
    returned = False
    for i in range(n):
        returned_2 = False
        for j in range(n):
            if x > 10.0:
                result = x
                returned_2 = True
                break
            else:
                x = x * 2.0
        if returned_2:
            returned = True
            break
    if returned:
        pass
    else:
        result = -x
    return result


# A function without return returns None, explicitly.
def no_return(x):
    x = x * 2.0


@becomes(no_return, by="jumps")
def no_return_lowered(x):
    x = x * 2.0
    return None


# When both branches of an if fall through, the statements after it go into both.
def both_branches_fall_through(x, n):
    for i in range(n):
        if x > 1.0:
            if x > 3.0:
                break
            x = x * 0.5
        x = x + 1.0
    return x


@becomes(both_branches_fall_through, by="jumps")
def both_branches_fall_through_lowered(x, n):
    for i in range(n):
        if x > 1.0:
            if x > 3.0:
                break
            else:
                x = x * 0.5
                x = x + 1.0
        else:
            x = x + 1.0
    return x


# ================================================================================= lift
# A nested function becomes a function of its own; its free variables become parameters,
# passed at each call (read when the call runs, as a closure reads them).
def closure(x, a):
    def h(t):
        return t * a
    return h(x) + h(a)


def closure_h(t, a):
    return t * a


@becomes(closure, by="lift", lifted=[closure_h])
def closure_lifted(x, a):
    return closure_h(x, a) + closure_h(a, a)


# A named lambda is a nested function; free variables after defaulted parameters are
# keyword-only.
def named_lambda(x, a):
    g = lambda t, s=2.0: t * s + a  # noqa: E731
    return g(x) + g(x, 3.0)


def named_lambda_g(t, s=2.0, *, a):
    return t * s + a


@becomes(named_lambda, by="lift", lifted=[named_lambda_g])
def named_lambda_lifted(x, a):
    return named_lambda_g(x, a=a) + named_lambda_g(x, 3.0, a=a)


# A lifted function passes on what the lifted functions it calls need.
def nested_calls_nested(x, a):
    def h(t):
        return t * a

    def k(t):
        return h(t) + x
    return k(x)


def nested_calls_nested_h(t, a):
    return t * a


def nested_calls_nested_k(t, a, x):
    return nested_calls_nested_h(t, a) + x


@becomes(nested_calls_nested, by="lift", lifted=[nested_calls_nested_h, nested_calls_nested_k])
def nested_calls_nested_lifted(x, a):
    return nested_calls_nested_k(x, a, x)


# =============================================================================== inline
# (The caller is in normal form already, as the pipeline hands it over; the helper is
# normalized first.)  The helper's body replaces the call, its names made unique; a returned
# tuple display is assigned element by element.
def rhs(x, y, a):
    dx = a * x - y
    dy = x + a * y
    return dx, dy


def euler_step(x, y, a):
    kx, ky = rhs(x, y, a)
    kx_times_ky = kx * ky
    return kx_times_ky


@becomes(euler_step, by="inline")
def euler_step_inlined(x, y, a):
    a_times_x_2 = a * x
    dx_2 = a_times_x_2 - y
    a_times_y_2 = a * y
    dy_2 = x + a_times_y_2
    kx = dx_2
    ky = dy_2
    kx_times_ky = kx * ky
    return kx_times_ky


# A parameter the helper assigns gets a variable of its own; a default fills a missing
# argument.
def scaled(x, k=2.0):
    x = x * k
    return x


def default_and_assigned_parameter(x):
    z = scaled(x)
    return z


@becomes(default_and_assigned_parameter, by="inline")
def default_and_assigned_parameter_inlined(x):
    x_2 = x
    x_new_2 = x_2 * 2.0
    x_2 = x_new_2
    z = x_2
    return z


# Element by element would be wrong when an element reads a target assigned before it
# (y must get the old x): the tuple stays.
def difference_and_first(x, y):
    d = x - y
    return d, x


def result_reads_a_target(x, y):
    x, y = difference_and_first(x, y)
    x_times_y = x * y
    return x_times_y


@becomes(result_reads_a_target, by="inline")
def result_reads_a_target_inlined(x, y):
    d_2 = x - y
    items_2 = (d_2, x)
    x, y = items_2
    x_times_y = x * y
    return x_times_y


# A recursive helper is not inlined.
def power(x, n):
    if n == 0:
        return 1.0
    return x * power(x, n - 1)


def recursive_helper(x):
    p = power(x, 3)
    return p


@becomes(recursive_helper, by="inline")
def recursive_helper_inlined(x):
    p = power(x, 3)
    return p


# ============================================================================ normalize
# All the passes of normalize(), in order: lift, desugar, jumps, anf.
def pipeline(x, xs):
    total = 0.0
    for v in xs:
        if v < 0.0:
            return total
        total += math.sin(v * x)
    return total


@becomes(pipeline, by="normalize")
def pipeline_normalized(x, xs):
    total = 0.0
    returned = False
    for i_v in range(len(xs)):
        v = xs[i_v]
        if v < 0.0:
            result = total
            returned = True
            break
        else:
            v_times_x = v * x
            sin_v_times_x = math.sin(v_times_x)
            total = total + sin_v_times_x
    if returned:
        pass
    else:
        result = total
    return result


# ======================================================================== builtin_calls
# A map consumed at once is a comprehension (a lambda gives its body); a for loop over a map
# makes its items one at a time.
def mapped(xs, ys):
    total = sum(map(abs, xs))
    for t in map(lambda a, b: a * b, xs, ys):
        total = total + t
    return list(map(math.sin, xs))[0] * total


@becomes(mapped, by="builtin_calls")
def mapped_rewritten(xs, ys):
    total = sum((abs(xs_item) for xs_item in xs))
    for a_2, b_2 in zip(xs, ys):
        t = a_2 * b_2
        total = total + t
    return [math.sin(xs_item_2) for xs_item_2 in xs][0] * total


# sorted reads the items in a constant order; dict() is a display; the methods of dicts are
# kernels, and a loop over d.items() reads each value by its key.
def sorted_and_dicts(x, p):
    s = sorted(x * 2.0, reverse=True)
    d = dict(a=s[0], b=p.get("b", 1.0))
    for k, v in d.items():
        x = x + v
    return s[0] + sum(d.values()) + {k: x for k in d.keys()}["a"]


@becomes(sorted_and_dicts, by="builtin_calls")
def sorted_and_dicts_rewritten(x, p):
    seq = x * 2.0
    s = [seq[i] for i in sort_order(seq, reverse=True)]
    d = {'a': s[0], 'b': dict_get(p, 'b', 1.0)}
    for k in dict_keys(d):
        v = d[k]
        x = x + v
    return s[0] + sum(dict_values(d)) + {k: x for k in dict_keys(d)}['a']


# ================================================================================ unroll
# A loop over a tuple of functions is written out; a lambda becomes a named one (lifted next).
def over_functions(x):
    total = 0.0
    for fn in (math.sin, np.cos, lambda t: t * t):
        total = total + fn(x)
    return total


@becomes(over_functions, by="unroll")
def over_functions_unrolled(x):
    total = 0.0
    total = total + math.sin(x)
    total = total + np.cos(x)
    fn_2 = lambda t: t * t  # noqa: E731
    total = total + fn_2(x)
    return total


# ============================================================================== the tests
def _normalized(func):
    """What the pipeline's family_of(func) gives the inliner: func parsed and normalized."""
    parsed = parse_function(func)
    lifted = normalize(parsed, Namer(nodes.all_names(parsed.node)))
    return types.SimpleNamespace(parsed=parsed, lifted=lifted)


def _in_place(pass_):
    def run(parsed, namer):
        pass_(parsed, namer)
        return []
    return run


RUN = {   # pass -> run(parsed, namer) -> the functions it adds
    "builtin_calls": _in_place(builtin_calls.rewrite_calls),
    "unroll": _in_place(unroll.unroll_function_loops),
    "lift": lambda parsed, namer: [lp.node for lp in lift.lift_nested(parsed, namer)],
    "desugar": _in_place(desugar.desugar),
    "jumps": _in_place(jumps.lower_jumps),
    "anf": _in_place(anf.to_anf),
    "inline": _in_place(lambda parsed, namer: inline_calls(parsed, namer, _normalized, set())),
    "normalize": lambda parsed, namer: [lp.node for lp in normalize(parsed, namer)],
}


def _source(func, name=None):
    fdef = parse_function(func).node
    fdef.name = name or fdef.name
    return nodes.unparse(fdef)


@pytest.mark.parametrize("by, before, after, lifted", PAIRS)
def test_pass_makes_the_expected_function(by, before, after, lifted):
    parsed = parse_function(before)
    added = RUN[by](parsed, Namer(nodes.all_names(parsed.node)))
    got = [nodes.unparse(fdef) for fdef in [parsed.node] + added]
    assert got == [_source(after, before.__name__)] + [_source(f) for f in lifted]


@pytest.mark.parametrize("by, before, after, lifted", PAIRS)
def test_pass_is_idempotent(by, before, after, lifted):
    parsed = parse_function(before)
    namer = Namer(nodes.all_names(parsed.node))
    RUN[by](parsed, namer)
    once = nodes.unparse(parsed.node)
    assert RUN[by](parsed, namer) == []
    assert nodes.unparse(parsed.node) == once


def test_every_pass_has_examples():
    assert {p.values[0] for p in PAIRS} == set(RUN)


# ====================================================================== what was fixed
# The pairs above pin the code; these check that it computes what the function does.
def _check_grad(f, *args):
    h = 1e-6
    value, grad = tl.value_and_grad(f, wrt=0)(*args)
    fd = (f(args[0] + h, *args[1:]) - f(args[0] - h, *args[1:])) / (2 * h)
    assert value == pytest.approx(f(*args))
    assert grad == pytest.approx(fd, rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("f, args", [
    (enumerate_start, (1.5, [1.0, 2.0, 3.0], 2)),
    (over_reversed, (2.0, [1.0, 2.0, 3.0])),
    (over_reversed, (2.0, np.array([1.0, 2.0, 3.0]))),
    (target_named_like_sequence, (2.0, [1.0, 2.0, 3.0], [4.0, 5.0, 6.0])),
    (result_reads_a_target, (2.0, 0.5)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_fixed_loops_and_inlining_compute_the_function(f, args):
    _check_grad(f, *args)


def enumerate_reversed(x, xs):
    total = 0.0
    for k, v in enumerate(reversed(xs), start=1):
        total = total * x + k * v
    return total


def reversed_range(x, n):
    total = 0.0
    for i in reversed(range(n)):
        total = total * x + i
    return total


def zip_reversed(x, xs, ys):
    total = 0.0
    for a, b in zip(xs, reversed(ys)):
        total = total * x + a * b
    return total


@pytest.mark.parametrize("f, args", [
    (enumerate_reversed, (2.0, [1.0, 2.0, 3.0])),
    (reversed_range, (2.0, 4)),
    (zip_reversed, (1.5, [1.0, 2.0, 3.0], np.array([4.0, 5.0]))),
], ids=lambda v: getattr(v, "__name__", ""))
def test_reversed_sequences_in_loop_headers(f, args):
    _check_grad(f, *args)


def test_a_nested_function_defined_twice_is_refused():
    parsed = parse_source('''
        def f(x, a):
            if a > 0:
                def h(t):
                    return t * a
            else:
                def h(t):
                    return t + a
            return h(x)
        ''')
    with pytest.raises(UnsupportedSyntaxError, match="'h' is defined more than once"):
        lift.lift_nested(parsed, Namer(nodes.all_names(parsed.node)))


def test_local_names_stop_at_nested_functions():
    fdef = parse_source('''
        def f(x):
            def h(t):
                len = 3.0
                return t * len
            y = h(x)
            return y
        ''').node
    assert local_names(fdef) == {"x", "h", "y"}


def local_builtin_in_nested_function(x, xs):
    def h(t):
        len = 3.0
        return t * len
    return h(x) * len(xs)


def test_a_nested_function_may_rebind_a_builtin_the_outer_one_calls():
    _check_grad(local_builtin_in_nested_function, 2.0, [1.0, 2.0])
