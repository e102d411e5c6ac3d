"""Gradients that leave the value out, spread cotangents kept as scalars, and the optimizer
passes that serve them (faint assignments, reads and accumulations done once).

Every function here is checked against finite differences and against
``tl.value_and_grad`` (which computes the value, and spreads nothing it cannot), and the
generated code is read to see that the mechanism applied -- or, where it must not, that it
did not.
"""
import math

import numpy as np
import pytest

import tangent_like as tl
from tangent_like.errors import DerivativeUsageError
from finite_differences import partial_gradient


def source_of(g, *args):
    g(*args)
    return g.source


def agree(f, *args):
    got = tl.grad(f)(*args)
    value, again = tl.value_and_grad(f)(*args)
    assert np.allclose(got, again, rtol=1e-12, atol=1e-14)
    want = partial_gradient(f, args, 0)
    assert np.allclose(got, want, rtol=1e-6, atol=1e-7), (got, want)
    return got


# ------------------------------------------------------------------ the functions
def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_loop(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def sum_of_parameter(x):
    return np.sum(x)                 # the spread adjoint is the gradient: kept an array


def sum_used_twice(x):
    a = np.tanh(x)
    return np.sum(a) + np.sum(a * a)


def sum_times_element(x):
    a = x * x
    s = np.sum(a)
    return s * a[0]


def sum_of_broadcast(x, y):
    a = x[:, None] * y               # (3, 4): shapes the analysis does not know as equal
    return np.sum(a * a)


def sum_then_scale(x):
    a = np.exp(x) * 2.0
    b = a * 3.0                      # a temporary of a temporary: both scalars
    return np.sum(b)


def sum_into_accumulated(x):
    a = x * 2.0
    y = a + x                        # x's adjoint gets both
    return np.sum(y)


def log_of_sum(x):
    return math.log(np.sum(x * x))   # the value feeds the adjoint (1 / sum): computed


def log_of_negative(x):
    y = x * 2.0
    return math.log(y)


def divide(x, d):
    y = x * x
    return y / d                     # d may be 0: the value is kept


def recursive(x, n):
    if n == 0:
        return x
    return recursive(math.sin(x), n - 1) * x


def vector_valued(x):
    return x * 2.0


def loop_index_after(x):
    s = 0.0
    for i in range(x.shape[0]):
        s = s + x[i] * x[i]
    return s * i


def branch_only_value(x, flag):
    t = x * 3.0
    if flag > 0:
        r = t * t
    else:
        r = t + 1.0
    return r


X = np.array([0.3, -0.4, 0.8, 1.1, -0.2])


# ------------------------------------------------------------------- the entry
@pytest.mark.parametrize("f", [rosenbrock, rosenbrock_loop, sum_used_twice,
                               sum_times_element, sum_then_scale, sum_into_accumulated,
                               log_of_sum, loop_index_after])
def test_gradients_agree_with_the_value_computing_entry(f):
    agree(f, X)


def test_the_entry_leaves_the_value_out():
    src = source_of(tl.grad(rosenbrock), X)
    assert "def grad_rosenbrock(x):" in src and "seed_for" not in src
    assert "= np.sum(" not in src and "sum_adjoint" not in src
    src = source_of(tl.value_and_grad(rosenbrock), X)
    assert "def value_and_grad_rosenbrock(x):" in src and "= np.sum(" in src


def test_updates_of_one_slice_with_negative_bounds_are_merged():
    src = source_of(tl.grad(rosenbrock), X)
    assert src.count("bx[:-1] ") == 1 and "bx[:-1] += bx_head - bone_minus_x_head_2" in src


def test_a_loop_that_only_computed_the_value_goes():
    src = source_of(tl.grad(rosenbrock_loop), X)
    primal = src[src.index("def primal_"):src.index("def adjoint_")]
    assert "for " not in primal
    assert "bx[i] += bx_i - bone_minus_x_i_2" in src     # one update of the element


def test_branches_that_only_computed_the_value():
    for flag in (1, -1):
        got = agree(branch_only_value, 0.7, flag)
        assert got == pytest.approx(18 * 0.7 if flag > 0 else 3.0)


def test_the_value_is_kept_where_computing_it_could_raise():
    with pytest.raises(ValueError):
        tl.grad(log_of_negative)(-1.0)
    assert "math.log" in source_of(tl.grad(log_of_negative), 1.0)
    assert tl.grad(divide)(3.0, 2.0) == pytest.approx(3.0)
    with pytest.raises(ZeroDivisionError):
        tl.grad(divide)(3.0, 0.0)


def test_recursive_functions_keep_their_value():
    agree(recursive, 0.7, 3)
    assert "def value_and_grad_recursive" in source_of(tl.grad(recursive), 0.7, 3)


def test_results_that_are_not_real_scalars_are_still_refused():
    with pytest.raises(DerivativeUsageError, match="scalar output"):
        tl.grad(vector_valued)(X)


def test_has_aux_and_value_and_grad_keep_the_value():
    def with_aux(x):
        return np.sum(x * x), x[0]
    g, aux = tl.grad(with_aux, has_aux=True)(X)
    assert np.allclose(g, 2 * X) and aux == X[0]
    value, g = tl.value_and_grad(rosenbrock)(X)
    assert value == pytest.approx(rosenbrock(X))


def test_hessians_of_functions_whose_gradient_leaves_the_value_out():
    h = tl.hessian(rosenbrock)(X)
    eps = 1e-6
    cols = [(tl.grad(rosenbrock)(X + eps * e) - tl.grad(rosenbrock)(X - eps * e)) / (2 * eps)
            for e in np.eye(len(X))]
    assert np.allclose(h, np.array(cols).T, rtol=1e-5, atol=1e-5)


def test_the_numba_backend_runs_gradients_without_the_value():
    pytest.importorskip("numba")
    for f in (rosenbrock_loop, loop_index_after):
        with np.errstate(all="ignore"):
            got = tl.grad(f, backend="numba")(X)
        assert np.allclose(got, tl.value_and_grad(f)(X)[1], rtol=1e-12)


# ------------------------------------------------------------- spread cotangents
@pytest.mark.parametrize("f, spread", [
    (rosenbrock, True), (sum_then_scale, True), (sum_of_parameter, False),
    (sum_used_twice, False), (sum_times_element, False), (sum_into_accumulated, False)])
def test_spread_cotangents_become_scalars_only_where_exact(f, spread):
    src = source_of(tl.value_and_grad(f), X)
    assert ("sum_adjoint" not in src) == spread, src
    agree(f, X)
    g = tl.grad(f)(X)
    assert isinstance(g, np.ndarray) and g.shape == X.shape


def test_operands_of_unknown_shape_keep_the_spread_array():
    x, y = np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.2, -0.3, 0.4])
    src = source_of(tl.value_and_grad(sum_of_broadcast, wrt=(0, 1)), x, y)
    assert "sum_adjoint" in src
    gx, gy = tl.grad(sum_of_broadcast, wrt=(0, 1))(x, y)
    assert np.allclose(gx, partial_gradient(sum_of_broadcast, (x, y), 0))
    assert np.allclose(gy, partial_gradient(sum_of_broadcast, (x, y), 1))


def test_float32_arrays_keep_their_dtype():
    x = X.astype(np.float32)
    g = tl.grad(rosenbrock)(x)
    assert g.dtype == np.float32
    assert np.allclose(g, tl.grad(rosenbrock)(X), rtol=1e-4)


def sum_of_two(a, b):
    c = a + b
    return np.sum(c)


def test_gradients_of_two_arguments_are_distinct_arrays():
    # both adjoints are one spread array: a caller updating one must not change the other
    for call in (lambda g: g(X, X + 1.0), lambda g: g(a=X, b=X + 1.0)):
        ga, gb = call(tl.grad(sum_of_two, wrt=(0, 1)))
        assert not np.shares_memory(ga, gb)
        ga *= 2.0
        assert np.all(gb == 1.0)


# ------------------------------------------------------------------ the seed 1.0
def vector_sum(x):
    return np.sum(np.tanh(x) * x + np.exp(-x ** 2))


def weighted(w, y):
    return np.sum(w * y)


def counted(w, counts):
    return np.sum(w * counts * counts)


def test_products_with_the_seed_go():
    src = source_of(tl.grad(vector_sum), X)
    assert "def adjoint_vector_sum(_stack):" in src and "bsum" not in src
    agree(vector_sum, X)


def test_a_gradient_is_never_an_array_of_the_caller():
    w, y = X.copy(), X + 1.0
    g = tl.grad(weighted)(w, y)
    assert np.array_equal(g, y) and not np.shares_memory(g, y)


def test_integer_data_is_not_taken_for_floats():
    counts = np.array([100, 100, 3], dtype=np.int8)       # counts * counts overflows int8
    g = tl.grad(counted)(np.ones(3), counts)
    assert g.dtype == np.float64 and np.array_equal(g, counts.astype(float) ** 2)


def scaled_counts(w, counts):
    return np.sum(w * (3 * counts) * (3 * counts))


def test_products_with_the_seed_and_numbers():
    src = source_of(tl.grad(rosenbrock_loop), X)
    assert "def adjoint_rosenbrock_loop(_stack):" in src and "btotal" not in src
    counts = np.array([100, 50, 3], dtype=np.int8)       # 3 * counts wraps, as in f
    g = tl.grad(scaled_counts)(np.ones(3), counts)
    assert np.array_equal(g, (3 * counts).astype(float) ** 2)
    assert np.array_equal(g, tl.value_and_grad(scaled_counts)(np.ones(3), counts)[1])


def mean_by_shape(x):
    r = x * x - 1.0
    return np.sum(r * r) / x.shape[0]


def test_a_mean_written_with_the_shape_leaves_the_value_out():
    # x.shape is a tuple of ints: the value, a float over an int, is a real scalar
    src = source_of(tl.grad(mean_by_shape), X)
    assert "def grad_mean_by_shape(x):" in src
    agree(mean_by_shape, X)
    n, m = X.shape[0], np.ones((2, 3)).shape
    assert tl.grad(lambda_free_shape)(np.ones((2, 3))).shape == m


def lambda_free_shape(a):
    rows, cols = a.shape
    return np.sum(a * a) / (rows * cols)


def negative_mean(x):
    return -np.sum(np.log(x * x + 1.0)) / x.shape[0]


def test_a_negated_numpy_value_divided_leaves_the_value_out():
    assert "def grad_negative_mean(x):" in source_of(tl.grad(negative_mean), X)
    agree(negative_mean, X)
