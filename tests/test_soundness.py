"""The soundness models: aliasing (which writes another variable could observe), constants
(what may flow into a non-differentiable primitive) and the entry points (exactly the
adjoints asked for).  Every accepted program is checked against finite differences in
reverse and forward mode; every refused one must name the user's line."""
import numpy as np
import pytest

import tangent_like as tl
from fd import numerical_grad
from tangent_like.rules import registry
from tangent_like.rules.verify import _call, default_samples

W = np.array([[1.0, 2.0], [3.0, 4.0]])
X4 = np.array([1.0, 2.0, 3.0, 4.0])
X3 = np.array([0.3, 0.5, 0.7])
X5 = np.array([1.0, 2.0, 3.0, 4.0, 5.0])


# ---------------------------------------------------------------- accepted writes
def heat_stencil(x):
    k = 0.1
    u = np.copy(x)
    for _ in range(3):
        u[1:-1] = u[1:-1] + k * (u[2:] - 2 * u[1:-1] + u[:-2])
    return np.sum(u * u)


def recurrence_on_copy(x):
    u = np.copy(x)
    for i in range(1, 3):
        u[i] = u[i] * 2.0 + u[i - 1]
    return np.sum(u * u)


def recurrence_2d(x):
    a = np.zeros((3, 2))
    a[0] = x[:2]
    for i in range(1, 3):
        a[i] = 0.5 * a[i - 1] + x[i]
    return np.sum(a * a)


def fresh_in_every_iteration(x):
    rows = []
    for i in range(3):
        r = x * float(i + 1)
        r[0] = r[1] * r[2]
        rows.append(r)
    return np.sum(np.array(rows) ** 2)


def view_dead_before_write(x):
    u = x * 1.0
    w = u[1:]
    s = np.sum(w * w)
    u[0] = s
    return np.sum(u * x)


def reassigned_parameter_written(x):
    x = x * 2.0
    x[0] = x[1] ** 2
    return np.sum(x * x)


def augmented_on_fresh(x):
    y = x * 1.0
    y += np.sin(x)
    y *= x
    return np.sum(y)


def element_then_write(x):
    u = np.copy(x)
    a = u[0]
    u[0] = 3.0 * a
    return np.sum(u) * a


ACCEPTED = [(heat_stencil, X5), (recurrence_on_copy, X3), (recurrence_2d, X3),
            (fresh_in_every_iteration, X3), (view_dead_before_write, X3),
            (reassigned_parameter_written, X3), (augmented_on_fresh, X3),
            (element_then_write, X3)]


@pytest.mark.parametrize("f, x", ACCEPTED, ids=[f.__name__ for f, _ in ACCEPTED])
def test_writes_into_fresh_arrays_are_exact(f, x):
    expected = numerical_grad(f, (x,))
    np.testing.assert_allclose(tl.grad(f)(x), expected, rtol=1e-6, atol=1e-8)
    t = np.linspace(0.5, 1.5, x.size).reshape(x.shape)
    _, tangent = tl.jvp(f, (x,), (t,))
    np.testing.assert_allclose(tangent, np.sum(expected * t), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- refused writes
def write_seen_by_reshape(x):
    u = x * 1.0
    w = np.reshape(u, (2, 2))
    u[0] = 5.0
    return np.sum(w * W)


def write_seen_by_ravel(x):
    u = x * 1.0
    w = np.ravel(u)
    u[0] = 5.0
    return np.sum(w * x)


def write_seen_by_transpose(x):
    u = x * 1.0
    w = u.T
    u[0] = 5.0
    return np.sum(w * x)


def write_through_a_slice(x):
    u = x * 1.0
    w = u[1:]
    w[0] = 5.0
    return np.sum(u * x)


def write_into_argument(x):
    x[0] = 1.0
    return np.sum(x)


def augmented_argument(x):
    x *= np.tanh(0.4)
    return np.sum(x)


def augmented_alias(x):
    v1 = x * 1.0
    v2 = v1
    v2 += v1
    v2 = 1.0
    return np.sum(v1) + v2


def write_into_global(x):
    g = W
    g[0, 0] = x[0]
    return np.sum(g)


def view_read_in_next_iteration(x):
    u = x * 1.0
    w = u[:2]
    s = 0.0
    for i in range(2):
        s = s + np.sum(w)
        u[i] = s
    return s


def list_holds_the_array(x):
    u = x * 1.0
    xs = [u]
    u[0] = 5.0
    return np.sum(xs[0] * x)


REFUSED = [(write_seen_by_reshape, X4), (write_seen_by_ravel, X4),
           (write_seen_by_transpose, X4), (write_through_a_slice, X4),
           (write_into_argument, X4), (augmented_argument, X4), (augmented_alias, X3),
           (write_into_global, X4), (view_read_in_next_iteration, X3),
           (list_holds_the_array, X3)]


@pytest.mark.parametrize("f, x", REFUSED, ids=[f.__name__ for f, _ in REFUSED])
def test_writes_another_variable_could_see_are_refused(f, x):
    for attempt in (lambda: tl.grad(f)(np.copy(x)),
                    lambda: tl.jvp(f, (np.copy(x),), (np.ones_like(x),))):
        with pytest.raises(tl.TangentLikeError) as info:
            attempt()
        assert info.value.lineno is not None and info.value.filename == __file__
        assert "InternalError" not in type(info.value).__name__


# ---------------------------------------------------------------- views in the registry
def _samples(rule):
    rng = np.random.default_rng(0)
    if callable(rule.samples):
        return rule.samples(rng)
    if rule.kind == "elementwise" or rule.domain != "any":
        return default_samples(rule, rng)
    return []


def _arrays(value):
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, (tuple, list)):
        for v in value:
            yield from _arrays(v)


def test_every_primitive_returning_a_view_is_marked():
    unmarked = []
    for rule in registry.all_rules():
        if rule.inactive or rule.view or not rule.name.startswith(("np.", "ndarray.")):
            continue
        for args in _samples(rule):
            try:
                result = _call(rule, args)
            except Exception:
                continue
            inputs = [a for v in args.values() for a in _arrays(v)]
            if any(np.shares_memory(r, a) for r in _arrays(result) for a in inputs):
                unmarked.append(rule.name)
                break
    assert not unmarked, f"return views but are not in rules/views.py: {unmarked}"


# ---------------------------------------------------------------- constants
def through_str(x):
    return float(str(x)) * x


def through_repr(x):
    return float(repr(x)) * x


def through_format(x):
    return float(f"{x:.17g}") * x


def through_eval(x):
    return eval("x * x")


def through_r_(x):
    return np.sum(np.r_[x, x] * np.r_[x, 2.0 * x])


@pytest.mark.parametrize("f", [through_str, through_repr, through_format, through_eval])
def test_values_hidden_from_the_derivative_are_refused(f):
    with pytest.raises(tl.TangentLikeError) as info:
        tl.grad(f)(0.7)
    assert info.value.lineno is not None and info.value.filename == __file__


def test_np_r_is_the_join_it_is():
    assert tl.grad(through_r_)(0.7) == pytest.approx(6 * 0.7)   # 3 x ** 2


def piecewise_constant(x):
    k = np.floor(x * 3.0)
    i = int(np.argmax(x))
    return np.sum(x * k) + x[i] * round(float(x[0]), 1)


def test_piecewise_constant_primitives_take_differentiated_values():
    x = np.array([0.31, 0.52, 0.13])
    np.testing.assert_allclose(tl.grad(piecewise_constant)(x),
                               numerical_grad(piecewise_constant, (x,)), rtol=1e-6)


# ---------------------------------------------------------------- entry points and loops
def reassigned_constant(a, x):
    x = x + a * x
    return x


def reassigned_constant_via_alias(x, z):
    a = x
    z = z - a
    return z * x


def iterable_rebound_in_loop(z):
    s = 0.0
    for e in z:
        s = s + e
        z = z * 2.0
    return s + 0.0 * np.sum(z)


def transpose_twice(x):
    return np.sum(x.T.T * W)


def hstack_of_a_slice(x):
    a = np.array([1.0, 1.0, 1.0, x])
    a = a + np.hstack([np.ones(2) * x, a[1:3]])
    return np.sum(a * a)


def branch_not_taken(x):
    v = 0.0
    if x[0] > 10.0:
        v = x[1:][0]
    return v + np.sum(x)


def matrix_power_loop(q, A):
    P = np.eye(2)
    s = 0.0
    for _ in range(3):
        s = s + q * np.sum(P)
        P = (q * A) @ P
    return s


CASES = [(reassigned_constant, (0.5, 2.0), 0), (reassigned_constant_via_alias, (0.5, 2.0), 0),
         (iterable_rebound_in_loop, (X3,), 0), (transpose_twice, (W * 0.5,), 0),
         (hstack_of_a_slice, (0.7,), 0), (branch_not_taken, (X3,), 0),
         (matrix_power_loop, (0.5, W * 0.1), 0)]


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_reverse_mode(f, args, wrt):
    expected = numerical_grad(f, args, wrt=wrt)
    np.testing.assert_allclose(tl.grad(f, wrt=wrt)(*args), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tl.grad(f, wrt=wrt, optimize=False)(*args), expected,
                               rtol=1e-6, atol=1e-8)
    value, g = tl.value_and_grad(f, wrt=wrt)(*args)
    assert np.allclose(value, f(*args))


@pytest.mark.parametrize("f, args, wrt", CASES, ids=[c[0].__name__ for c in CASES])
def test_forward_mode(f, args, wrt):
    expected = numerical_grad(f, args, wrt=wrt)
    t = np.ones_like(args[wrt]) if np.ndim(args[wrt]) else 1.0
    value, tangent = tl.jvp(f, args, (t,), wrt=(wrt,))
    assert np.allclose(value, f(*args))
    np.testing.assert_allclose(tangent, np.sum(expected * t), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------- zero cotangents
def _zero_cotangent_failures(rule):
    """The adjoint templates of `rule` that do not map the zero cotangent 0.0 to zero."""
    from tangent_like.errors import NoDerivativeError
    from tangent_like.rules.verify import _bound_nodes, _eval
    failures = []
    for args in _samples(rule)[:2]:
        try:
            y = _call(rule, args)
        except Exception:
            continue
        bound = _bound_nodes(rule, args)
        for p in rule.vjp:
            if p not in args:
                continue
            values = dict(args, g=0.0, y=y)
            for q in rule.params:
                if q not in values and q in rule.defaults:
                    values[q] = eval(rule.defaults[q], {"np": np})
            try:
                out = _eval(rule.template_for(p, bound, False), values, bound)
            except NoDerivativeError:
                continue          # a refusal of the sample itself (e.g. a wide QR)
            except Exception as exc:
                failures.append(f"{rule.name}[{p}]: {type(exc).__name__}: {exc}")
                continue
            parts = out if isinstance(out, tuple) else (out,)
            if out is not None and not all(np.all(np.asarray(v) == 0) for v in parts):
                failures.append(f"{rule.name}[{p}]: nonzero")
    return failures


def test_every_adjoint_template_accepts_the_zero_cotangent():
    """An adjoint nothing has reached yet is the float 0.0 (the first reversed iteration of
    a loop, an unused result): every built-in template must map it to zero."""
    failures = []
    for rule in registry.all_rules():
        if not rule.inactive and rule.vjp:
            failures += _zero_cotangent_failures(rule)
    assert not failures, "\n".join(failures)


# ---------------------------------------------------------------- found by peers' suites
def power_of_variables(x, y):
    return np.power(x, y)


@pytest.mark.parametrize("x, y, expected", [(0.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 2.0, 2.0),
                                            (2.0, 3.0, 12.0), (1.5, 0.5, -0.25 * 1.5 ** -1.5)])
def test_second_derivative_of_a_power_where_the_formula_breaks_down(x, y, expected):
    assert tl.grad(tl.grad(power_of_variables))(x, y) == pytest.approx(expected)


def takes_star_args(*args):
    return args[0] * 2.0


def calls_star_args(x):
    return takes_star_args(x)


def test_calling_a_function_with_star_args_differentiates_through_it():
    assert tl.grad(calls_star_args)(1.5) == pytest.approx(2.0)
    assert tl.jvp(calls_star_args, (1.5,), 1.0)[1] == pytest.approx(2.0)


def split_then_cube(x, k):
    return np.sum(np.split(x, k)[0] ** 3)


def tile_then_cube(x, reps):
    return np.sum(np.tile(x, reps) ** 3)


def norm_along(x, ax):
    return np.sum(np.linalg.norm(x, axis=ax) ** 3)


def test_second_derivatives_take_integer_arguments_as_constants():
    """Integers a sweep records (axes, counts) stay constants for the next derivative."""
    x = np.arange(1.0, 5.0)
    np.testing.assert_allclose(tl.hvp(split_then_cube)(x, 2, np.ones(4)), [6, 12, 0, 0])
    np.testing.assert_allclose(tl.hvp(tile_then_cube)(x, 2, np.ones(4)), 12 * x)
    m = np.arange(1.0, 7.0).reshape(2, 3)
    h = tl.hessian(norm_along)(m, 1)
    fd = numerical_grad(lambda m: tl.grad(norm_along)(m, 1)[0, 0], (m,))
    np.testing.assert_allclose(h[0, 0], fd, rtol=1e-5, atol=1e-6)


def numpy_sum_of_a_list(x):
    return np.sum(np.sin(x))


@pytest.mark.parametrize("x", [[1.0, 2.0], (1.0, 2.0)])
def test_array_adjoints_of_sequence_arguments_are_kept(x):
    """np.sum(xs) gives an array adjoint for a list: each element gets its row."""
    assert tl.grad(numpy_sum_of_a_list)(x) == pytest.approx(np.cos(np.array(x)))


def returns_its_argument(a):
    return a


def returns_a_new_array(a):
    return a * 2.0


def result_of_a_call_is_new(x):
    u = x * 1.0
    w = returns_a_new_array(u)
    u[0] = 5.0
    return np.sum(w * x) + np.sum(u)


def result_of_a_call_is_the_argument(x):
    u = x * 1.0
    w = returns_its_argument(u)
    u[0] = 5.0
    return np.sum(w * x)


def test_calls_alias_only_what_the_callee_may_return():
    np.testing.assert_allclose(tl.grad(result_of_a_call_is_new)(X3),
                               numerical_grad(result_of_a_call_is_new, (X3,)), rtol=1e-6)
    with pytest.raises(tl.TangentLikeError):
        tl.grad(result_of_a_call_is_the_argument)(np.copy(X3))


# ------------------------------------------------------------ real code that turns complex

def sqrt_of_negative(x):
    return abs((-x) ** 0.5)


def imaginary_root(x):
    return np.real((-x) ** 0.5 * 1j)


def test_a_negative_float_to_a_fractional_power_is_complex():
    """Python's ``(-0.3) ** 0.5`` is complex: its adjoint takes the complex templates, and
    the adjoint of the real argument is the real part."""
    x = 0.3
    assert tl.grad(sqrt_of_negative)(x) == pytest.approx(0.5 / np.sqrt(x))
    assert tl.grad(imaginary_root)(x) == pytest.approx(-0.5 / np.sqrt(x))
    assert tl.jvp(sqrt_of_negative, (x,), 1.0)[1] == pytest.approx(0.5 / np.sqrt(x))
    assert tl.hessian(sqrt_of_negative)(x) == pytest.approx(-0.25 * x ** -1.5)


def complex_valued(x):
    return np.exp(1j * x)


def test_a_gradient_of_a_complex_valued_function_is_refused():
    with pytest.raises(tl.DerivativeUsageError, match="real-valued"):
        tl.grad(complex_valued)(0.3)
    with pytest.raises(tl.DerivativeUsageError, match="real-valued"):
        tl.value_and_grad(complex_valued)(0.3)
    out, pullback = tl.vjp(complex_valued, 0.3)        # a cotangent says which part
    assert pullback(1.0)[0] == pytest.approx(-np.sin(0.3))


def writes_into_a_fancy_index_copy(z):
    a = z[np.array([0, 0])]
    a[0] = 2.0
    return np.sum(a * z[:2])


def test_an_integer_array_index_copies_so_writing_into_the_result_is_exact():
    """``z[np.array([0, 0])]`` is advanced indexing: a copy, not a view of the argument."""
    z = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(tl.grad(writes_into_a_fancy_index_copy)(z), [4.0, 1.0, 0.0])


# ------------------------------------------------------- lists hold their elements by reference

def updates_an_array_a_list_holds(x):
    x = np.tanh(x)
    xs = []
    for _ in range(2):
        x += 0.3
        xs.append(x)
    return np.mean(xs)


def updates_an_item_of_an_array_a_list_holds(x):
    t = np.ones((2, 3))[-2]
    xs = []
    for _ in range(2):
        t[[2, 0, 0]] -= x
        xs.append(t)
    return np.sum(xs)


@pytest.mark.parametrize("f", [updates_an_array_a_list_holds,
                               updates_an_item_of_an_array_a_list_holds])
def test_an_in_place_update_of_an_array_a_list_holds_is_refused(f):
    """The list holds the very array: Python's result sees every later update of it."""
    with pytest.raises(tl.UnsupportedSyntaxError, match="also holds"):
        tl.grad(f)(np.array([0.4, 0.8, -0.4]))


def appends_next_to_a_named_element(x):
    y = np.sin(x)
    xs = [y]
    xs.append(np.cos(x))
    return np.sum(xs[0] * xs[1]) + np.sum(y)


def nested_lists(x, ws):
    rows = [[x * w for w in ws] for _ in ws]
    return sum(sum(r) for r in rows)


def test_appending_to_a_list_does_not_change_what_it_holds():
    x = np.array([0.3, -0.7])
    g = tl.grad(appends_next_to_a_named_element)(x)
    np.testing.assert_allclose(g, np.cos(x) ** 2 - np.sin(x) ** 2 + np.cos(x))
    assert tl.grad(nested_lists)(0.5, [1.0, 2.0]) == pytest.approx(6.0)
