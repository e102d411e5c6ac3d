"""Jacobians (tl.jacobian in every mode), Hessians (tl.hessian) and Hessian-vector products
(tl.hvp), checked against central finite differences and against each other.

The differentiated functions live in hessian_functions.py (tangent_like reads their source).
"""
import math

import numpy as np
import pytest

import tangent_like as tl

import hessian_functions as hf

MODES = ("forward", "reverse", "auto")


# ----------------------------------------------------------------------------- references

def fd_jacobian(f, args, index=0, h=1e-6):
    """Central differences of (array-valued) f w.r.t. argument `index`: out.shape + x.shape."""
    x = args[index]

    def at(value):
        call = list(args)
        call[index] = value
        return np.asarray(f(*call), dtype=np.float64)

    if isinstance(x, float):
        step = h * max(1.0, abs(x))
        return (at(x + step) - at(x - step)) / (2.0 * step)
    out_shape = np.shape(f(*args))
    jac = np.zeros(out_shape + x.shape)
    for idx in np.ndindex(x.shape):
        step = h * max(1.0, abs(float(x[idx])))
        plus, minus = x.copy(), x.copy()
        plus[idx] += step
        minus[idx] -= step
        jac[(Ellipsis,) + idx] = (at(plus) - at(minus)) / (2.0 * step)
    return jac


def fd_hessian(f, args, wrt=0, h=1e-5):
    """Central differences of the generated gradient tl.grad(f): shape x.shape + x.shape,
    H[i..., j...] = d grad_i / dx[j] (a float for a float argument)."""
    grad = tl.grad(f, wrt=wrt)
    x = args[wrt]

    def at(value):
        call = list(args)
        call[wrt] = value
        return np.asarray(grad(*call), dtype=np.float64)

    if isinstance(x, float):
        return float((at(x + h) - at(x - h)) / (2.0 * h))
    hess = np.zeros(x.shape + x.shape)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += h
        minus[idx] -= h
        hess[(Ellipsis,) + idx] = (at(plus) - at(minus)) / (2.0 * h)
    return hess


def fd_hvp(f, args, v, wrt=0, h=1e-5):
    """Central difference of tl.grad(f) along direction v."""
    grad = tl.grad(f, wrt=wrt)
    x = args[wrt]
    plus, minus = list(args), list(args)
    plus[wrt] = x + h * v
    minus[wrt] = x - h * v
    return (np.asarray(grad(*plus), dtype=np.float64)
            - np.asarray(grad(*minus), dtype=np.float64)) / (2.0 * h)


def as_matrix(hess, x):
    """An x.shape + x.shape Hessian as an (n, n) matrix."""
    n = int(np.size(x))
    return np.asarray(hess, dtype=np.float64).reshape(n, n)


def scale_of(a):
    return max(1.0, float(np.max(np.abs(a))))


# ----------------------------------------------------------------------------- Jacobians

# (function, args, output shape); the shape of the Jacobian is out_shape + x.shape.
SQUARE = [
    (hf.sq_sin_times_reversed, (np.array([0.3, -1.2, 0.8, 2.1]),), (4,)),
    (hf.sq_matvec_tanh, (np.array([0.5, -0.4, 1.3, 0.2]),), (4,)),
    (hf.sq_loop_scalar_broadcast, (np.array([0.7, -0.3, 0.25, 1.1, -0.9]),), (5,)),
    (hf.sq_shifted_products, (np.array([0.4, 1.6, -0.7, 0.9]),), (4,)),
]
TALL = [
    (hf.tall_scalar_times_arange, (np.array([0.6, -1.4]),), (6,)),
    (hf.tall_matvec, (np.array([0.3, -0.8, 1.2]),), (6,)),
    (hf.tall_outer, (np.array([0.45, -0.35]),), (3, 2)),
    (hf.tall_from_float, (0.8,), (5,)),
]
WIDE = [
    (hf.wide_matvec, (np.array([0.2, -0.5, 1.1, 0.7, -1.3, 0.4]),), (2,)),
    (hf.wide_slices, (np.array([0.3, 0.9, -0.6, 1.2, -0.2, 0.5]),), (3,)),
    (hf.wide_matrix_in, (np.array([[0.3, -0.6, 0.9, 0.1],
                                   [1.2, -0.4, 0.2, 0.7],
                                   [-0.8, 0.5, 0.6, -1.1]]),), (2,)),
    (hf.scalar_out, (np.array([0.6, -1.1, 0.3, 2.2]),), ()),
]


def _cases(kind, cases):
    return [pytest.param(f, args, out_shape, id=f"{kind}-{f.__name__}")
            for f, args, out_shape in cases]


ALL_JACOBIANS = _cases("square", SQUARE) + _cases("tall", TALL) + _cases("wide", WIDE)


@pytest.mark.parametrize("kind, cases", [("square", SQUARE), ("tall", TALL), ("wide", WIDE)])
def test_jacobian_cases_have_the_shapes_they_claim(kind, cases):
    assert len(cases) >= 3
    for f, args, out_shape in cases:
        n_in, n_out = int(np.size(args[0])), int(np.prod(out_shape, dtype=int))
        assert np.shape(f(*args)) == out_shape, f.__name__
        if kind == "square":
            assert n_in == n_out, f.__name__
        elif kind == "tall":
            assert n_in < n_out, f.__name__
        elif out_shape:   # the scalar-output case is "wide" in a degenerate way
            assert n_in > n_out, f.__name__


@pytest.mark.parametrize("f, args, out_shape", ALL_JACOBIANS)
def test_jacobian_modes_agree_with_finite_differences(f, args, out_shape):
    x = args[0]
    reference = fd_jacobian(f, args)
    expected_shape = out_shape + np.shape(x)
    assert reference.shape == expected_shape
    results = {}
    for mode in MODES:
        jac = tl.jacobian(f, mode=mode)(*args)
        assert isinstance(jac, np.ndarray), mode
        assert jac.shape == expected_shape, mode
        assert jac.dtype == np.float64, mode
        np.testing.assert_allclose(jac, reference, rtol=1e-6, atol=1e-7 * scale_of(reference),
                                   err_msg=f"{f.__name__} mode={mode}")
        results[mode] = jac
    # The two AD modes agree far more tightly than with finite differences.
    np.testing.assert_allclose(results["forward"], results["reverse"], rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(results["auto"], results["reverse"], rtol=1e-12, atol=1e-13)


def test_jacobian_of_a_scalar_output_is_the_gradient():
    x = np.array([0.6, -1.1, 0.3, 2.2])
    g = tl.grad(hf.scalar_out)(x)
    for mode in MODES:
        jac = tl.jacobian(hf.scalar_out, mode=mode)(x)
        assert jac.shape == x.shape
        np.testing.assert_allclose(jac, g, rtol=1e-12, atol=1e-14)
    expected = np.sin(x) + x * np.cos(x) + np.array([x[2], 0.0, x[0], 0.0])
    np.testing.assert_allclose(g, expected, rtol=1e-12)


def test_jacobian_of_a_float_input_with_array_output():
    t = 0.8
    grid = np.linspace(0.0, 1.0, 5)
    expected = grid * np.cos(t * grid) + 2.0 * t * grid + 0.5 * math.exp(0.5 * t)
    for mode in MODES:
        jac = tl.jacobian(hf.tall_from_float, mode=mode)(t)
        assert np.shape(jac) == (5,)
        np.testing.assert_allclose(jac, expected, rtol=1e-12)


def test_jacobian_of_an_exact_example():
    x = np.array([0.6, -1.4])
    expected = np.stack([np.arange(1.0, 7.0), -np.sin(x[1]) * np.ones(6)], axis=1)
    for mode in MODES:
        np.testing.assert_allclose(tl.jacobian(hf.tall_scalar_times_arange, mode=mode)(x),
                                   expected, rtol=1e-14)


def test_jacobian_of_a_fixed_matrix_times_tanh():
    x = np.array([0.3, -0.8, 1.2])
    expected = hf.W_TALL * (1.0 - np.tanh(x) ** 2) + 2.0 * x
    for mode in MODES:
        np.testing.assert_allclose(tl.jacobian(hf.tall_matvec, mode=mode)(x), expected,
                                   rtol=1e-12)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_with_two_wrt_arguments(mode):
    x = np.array([0.4, -0.9, 1.3])
    y = np.array([0.7, -0.2])
    out = hf.two_args(x, y)
    assert out.shape == (4,)
    jx, jy = tl.jacobian(hf.two_args, wrt=(0, 1), mode=mode)(x, y)
    assert jx.shape == (4, 3) and jy.shape == (4, 2)
    np.testing.assert_allclose(jx, fd_jacobian(hf.two_args, (x, y), 0), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(jy, fd_jacobian(hf.two_args, (x, y), 1), rtol=1e-6, atol=1e-8)
    # By name and in the other order: the result follows the order of wrt.
    jy2, jx2 = tl.jacobian(hf.two_args, wrt=("y", "x"), mode=mode)(x, y)
    np.testing.assert_allclose(jx2, jx, rtol=1e-14)
    np.testing.assert_allclose(jy2, jy, rtol=1e-14)
    # A single wrt gives a bare array, equal to the matching block.
    np.testing.assert_allclose(tl.jacobian(hf.two_args, wrt=1, mode=mode)(x, y), jy,
                               rtol=1e-14)


@pytest.mark.parametrize("mode", MODES)
def test_jacobian_blocks_of_unused_inputs_and_constant_outputs_are_zero(mode):
    x = np.array([0.1, 0.2, 0.3])
    y = np.array([1.0, 2.0])
    jx, jy = tl.jacobian(hf.ignores_y, wrt=(0, 1), mode=mode)(x, y)
    np.testing.assert_allclose(jx, np.diag(2.0 * np.cos(x)), rtol=1e-14)
    assert jy.shape == (3, 2)
    assert not np.any(jy)
    jac = tl.jacobian(hf.partly_constant, mode=mode)(np.array([0.5, 0.7]))
    np.testing.assert_allclose(jac, [[0.7, 0.5], [0.0, 0.0], [0.0, 0.0]], rtol=1e-14)


# ----------------------------------------------------------------------------- Hessians

RNG_SEED = 20240611

# id -> (function, args, {check: xfail reason}); checks are "hessian" (anything that calls
# tl.hessian) and "hvp" (tl.hvp against finite differences).
HESSIAN_CASES = {
    "poly_float": (hf.poly_float, (0.8,), {}),
    "rosen_loop": (hf.rosen_loop, (np.array([0.3, -0.4, 1.1, 0.7, 0.2]),), {}),
    "rosen_vec": (hf.rosen_vec, (np.array([0.3, -0.4, 1.1, 0.7, 0.2]),), {}),
    "branches": (hf.branches, (np.array([1.4, 0.3, -1.2, 0.6, 2.0]),), {}),
    "halving_while": (hf.halving_while, (np.array([0.3, -0.2, 0.5, 0.1]),), {}),
    "newton_sqrt": (hf.newton_sqrt, (np.array([0.7, 2.0, 3.5]),), {}),
    "calls_helper": (hf.calls_helper, (np.array([0.4, -0.9, 1.3]),), {}),
    "closure": (hf.closure, (np.array([0.4, -0.3, 0.6]),), {}),
    "recursion": (hf.recursion, (np.array([0.4, -0.7, 1.2]),), {}),
    "mlp_loss": (hf.mlp_loss, (np.array([0.3, -0.5, 0.8]),), {}),
    "mlp_matrix": (hf.mlp_matrix, (np.array([[0.3, -0.5, 0.8, 0.1],
                                             [-0.2, 0.6, 0.4, -0.7],
                                             [0.5, 0.2, -0.3, 0.9]]),), {}),
    "logsumexp": (hf.logsumexp, (np.array([0.2, -1.0, 1.5, 0.4]),), {}),
    "math_calls": (hf.math_calls, (0.9,), {}),
    "math_on_elements": (hf.math_on_elements, (np.array([0.5, 0.8, -0.6]),), {}),
    "early_return_taken": (hf.early_return, (np.array([0.8, -0.6, 1.1, 0.9]),), {}),
    "early_return_not_taken": (hf.early_return, (np.array([0.2, -0.3, 0.1, 0.4]),), {}),
    "unpacking": (hf.unpacking, (np.array([0.5, -0.8, 1.2]),), {}),
    "lambda_and_loop": (hf.lambda_and_loop,
                        (np.array([0.3, 0.6, -0.4, 0.2, 0.5, 0.1, 0.9]),), {}),
    "with_data": (hf.with_data, (np.array([0.2, 0.9, -0.4]), np.array([0.5, 1.5, -0.3])), {}),
    # once bugs: constant arrays in matrix products, tuple and list elements
    "matrix_arg": (hf.matrix_arg, (np.array([[0.3, -0.6, 0.9], [1.2, -0.4, 0.2]]),), {}),
    "const_matmul": (hf.const_matmul, (np.array([[0.3, -0.6, 0.9], [1.2, -0.4, 0.2]]),), {}),
    "transposed_global": (hf.transposed_global, (np.array([0.3, -0.6, 0.9]),), {}),
    "tuple_index": (hf.tuple_index, (np.array([0.6, 1.3, 0.4]),), {}),
    "tuple_cube": (hf.tuple_cube, (0.7,), {}),
    "list_sum": (hf.list_sum, (np.array([0.7, 0.2, -0.5]),), {}),
}


def hessian_params(check):
    params = []
    for name, (f, args, bugs) in HESSIAN_CASES.items():
        marks = ()
        if check in bugs:
            marks = pytest.mark.xfail(reason=bugs[check], strict=True)
        params.append(pytest.param(f, args, id=name, marks=marks))
    return params


def random_direction(x, seed=0):
    rng = np.random.default_rng(RNG_SEED + seed)
    if isinstance(x, float):
        return float(rng.normal())
    return rng.normal(size=np.shape(x))


def test_there_are_enough_working_hessian_cases():
    working = {f for f, _, bugs in HESSIAN_CASES.values() if not bugs}
    assert len(working) >= 14


@pytest.mark.parametrize("f, args", hessian_params("hessian"))
def test_hessian_is_symmetric_with_the_right_shape(f, args):
    x = args[0]
    hess = tl.hessian(f)(*args)
    if isinstance(x, float):
        assert type(hess) is float
        return
    assert isinstance(hess, np.ndarray)
    assert hess.shape == x.shape + x.shape
    assert hess.dtype == np.float64
    m = as_matrix(hess, x)
    np.testing.assert_allclose(m, m.T, rtol=0, atol=1e-8 * scale_of(m))


@pytest.mark.parametrize("f, args", hessian_params("hessian"))
def test_hessian_matches_finite_differences_of_the_gradient(f, args):
    hess = tl.hessian(f)(*args)
    reference = fd_hessian(f, args)
    np.testing.assert_allclose(hess, reference, rtol=1e-5, atol=1e-7 * scale_of(reference))


@pytest.mark.parametrize("f, args", hessian_params("hessian"))
def test_hvp_equals_hessian_times_a_random_vector(f, args):
    x = args[0]
    v = random_direction(x)
    hv = tl.hvp(f)(*args, v)
    hess = tl.hessian(f)(*args)
    if isinstance(x, float):
        assert type(hv) is float
        assert hv == pytest.approx(hess * v, rel=1e-10, abs=1e-12)
        return
    assert isinstance(hv, np.ndarray) and hv.shape == x.shape
    expected = (as_matrix(hess, x) @ v.reshape(-1)).reshape(x.shape)
    np.testing.assert_allclose(hv, expected, rtol=1e-9, atol=1e-11 * scale_of(hess))


@pytest.mark.parametrize("f, args", hessian_params("hvp"))
def test_hvp_matches_finite_differences_of_the_gradient(f, args):
    x = args[0]
    v = random_direction(x, seed=1)
    hv = tl.hvp(f)(*args, v)
    reference = fd_hvp(f, args, v)
    np.testing.assert_allclose(hv, reference, rtol=1e-5, atol=1e-7 * scale_of(reference))


@pytest.mark.parametrize("f, args", hessian_params("hessian"))
def test_hvp_along_basis_vectors_gives_the_rows_of_the_hessian(f, args):
    x = args[0]
    hess = tl.hessian(f)(*args)
    if isinstance(x, float):
        assert tl.hvp(f)(*args, 1.0) == pytest.approx(hess, rel=1e-12, abs=1e-14)
        assert tl.jvp(tl.grad(f), args, 1.0)[1] == pytest.approx(hess, rel=1e-12, abs=1e-14)
        assert tl.grad(tl.grad(f))(*args) == pytest.approx(hess, rel=1e-12, abs=1e-14)
        return
    m = as_matrix(hess, x)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1.0
        e = e.reshape(x.shape)
        row = np.asarray(tl.hvp(f)(*args, e)).reshape(-1)
        np.testing.assert_allclose(row, m[i], rtol=1e-10, atol=1e-12 * scale_of(m),
                                   err_msg=f"row {i}")
        # jvp of the gradient along e is the same Hessian row.
        grad_value, tangent = tl.jvp(tl.grad(f), args, e)
        np.testing.assert_allclose(np.asarray(tangent).reshape(-1), m[i], rtol=1e-10,
                                   atol=1e-12 * scale_of(m), err_msg=f"jvp row {i}")
        np.testing.assert_allclose(grad_value, tl.grad(f)(*args), rtol=1e-13, atol=1e-15)


# ----------------------------------------------------------------------------- exact values

def test_hessian_of_a_polynomial_in_a_float_is_exact():
    for x in (-1.3, 0.0, 0.8, 2.5):
        expected = 60.0 * x ** 3 - 12.0 * x + 2.0
        assert tl.hessian(hf.poly_float)(x) == pytest.approx(expected, rel=1e-12, abs=1e-12)
        assert tl.hvp(hf.poly_float)(x, 0.5) == pytest.approx(0.5 * expected, rel=1e-12,
                                                               abs=1e-12)


def rosenbrock_hessian(x):
    n = x.size
    h = np.zeros((n, n))
    for i in range(n - 1):
        h[i, i] += 1200.0 * x[i] ** 2 - 400.0 * x[i + 1] + 2.0
        h[i + 1, i + 1] += 200.0
        h[i, i + 1] -= 400.0 * x[i]
        h[i + 1, i] -= 400.0 * x[i]
    return h


@pytest.mark.parametrize("f", [hf.rosen_loop, hf.rosen_vec])
def test_rosenbrock_hessian_is_exact(f):
    x = np.array([0.3, -0.4, 1.1, 0.7, 0.2])
    np.testing.assert_allclose(tl.hessian(f)(x), rosenbrock_hessian(x), rtol=1e-12,
                               atol=1e-10)


def test_logsumexp_hessian_is_the_softmax_covariance():
    x = np.array([0.2, -1.0, 1.5, 0.4])
    p = np.exp(x) / np.sum(np.exp(x))
    np.testing.assert_allclose(tl.hessian(hf.logsumexp)(x), np.diag(p) - np.outer(p, p),
                               rtol=1e-10, atol=1e-14)


def test_newton_iterations_give_the_hessian_of_the_closed_form():
    a = np.array([0.7, 2.0, 3.5])
    # f = a0 * sum(a ** 1.5)
    s = np.sum(a ** 1.5)
    expected = np.diag(a[0] * 0.75 * a ** -0.5)
    expected[0, :] += 1.5 * a ** 0.5
    expected[:, 0] += 1.5 * a ** 0.5
    assert hf.newton_sqrt(a) == pytest.approx(a[0] * s, rel=1e-12)
    np.testing.assert_allclose(tl.hessian(hf.newton_sqrt)(a), expected, rtol=1e-9)


def test_hessian_with_respect_to_another_argument_and_with_keywords():
    x = np.array([0.2, 0.9, -0.4])
    c = np.array([0.5, 1.5, -0.3])
    hx = tl.hessian(hf.with_data)(x, c)
    np.testing.assert_allclose(tl.hessian(hf.with_data, wrt="x")(x, c), hx, rtol=1e-14)
    h3 = tl.hessian(hf.with_data)(x, c, 3.0)
    np.testing.assert_allclose(tl.hessian(hf.with_data)(x, c, scale=3.0), h3, rtol=1e-14)
    assert not np.allclose(h3, hx)
    hc = tl.hessian(hf.with_data, wrt=1)(x, c)
    np.testing.assert_allclose(hc, fd_hessian(hf.with_data, (x, c), wrt=1), rtol=1e-5,
                               atol=1e-8)
    v = random_direction(c)
    np.testing.assert_allclose(tl.hvp(hf.with_data, wrt="c")(x, c, v), hc @ v, rtol=1e-10)


def test_hessian_of_a_matrix_argument_reshapes_to_a_matrix():
    w = HESSIAN_CASES["mlp_matrix"][1][0]
    hess = tl.hessian(hf.mlp_matrix)(w)
    assert hess.shape == (3, 4, 3, 4)
    v = random_direction(w)
    np.testing.assert_allclose(tl.hvp(hf.mlp_matrix)(w, v),
                               np.tensordot(hess, v, axes=2), rtol=1e-9, atol=1e-14)
    # Element (i, j, k, l) is d^2 f / dW[i, j] dW[k, l].
    reference = fd_hessian(hf.mlp_matrix, (w,))
    np.testing.assert_allclose(hess[1, 2, 0, 3], reference[1, 2, 0, 3], rtol=1e-5, atol=1e-9)


def test_the_hessian_of_lambda_and_loop_ignores_inputs_after_the_break():
    x = HESSIAN_CASES["lambda_and_loop"][1][0]
    hess = tl.hessian(hf.lambda_and_loop)(x)
    assert not np.any(hess[1]) and not np.any(hess[:, 1])     # skipped by `continue`
    assert not np.any(hess[6]) and not np.any(hess[:, 6])     # after the `break`
    assert np.any(hess[5])


def test_early_return_cases_take_both_paths():
    # Guards the inputs of the two early_return cases: one returns inside the loop.
    taken = HESSIAN_CASES["early_return_taken"][1][0]
    not_taken = HESSIAN_CASES["early_return_not_taken"][1][0]

    def prefix_sums(x):
        s, out = 0.0, []
        for i in range(x.size):
            s = s + x[i] * x[i] * (i + 1.0) + np.sin(x[i]) * s
            out.append(s)
        return np.array(out)

    assert np.any(prefix_sums(taken)[:-1] > 4.0)
    assert np.all(np.abs(prefix_sums(taken) - 4.0) > 1e-3)
    assert np.all(prefix_sums(not_taken) < 4.0)


# ------------------------------------------------------------ regressions of fixed bugs

def test_second_derivative_through_a_tuple_element():
    # tuple_cube(a) = a ** 3: f'' = 6 a = 4.2 at a = 0.7 (tangent_like once gave 2.8).
    assert tl.grad(tl.grad(hf.tuple_cube))(0.7) == pytest.approx(4.2, rel=1e-12)


def test_batched_hessian_through_a_tuple_element():
    assert tl.hessian(hf.tuple_cube)(0.7) == pytest.approx(4.2, rel=1e-12)


def test_hessian_through_sum_of_a_list():
    # list_sum(x) = (x0 + x1 x2) x0 (once a non-symmetric wrong Hessian).
    x = np.array([0.7, 0.2, -0.5])
    expected = np.array([[2.0, x[2], x[1]], [x[2], 0.0, x[0]], [x[1], x[0], 0.0]])
    np.testing.assert_allclose(tl.hessian(hf.list_sum)(x), expected, rtol=1e-12)


def test_hessian_with_a_constant_array_literal_in_a_matmul():
    a = np.array([[0.3, -0.6, 0.9], [1.2, -0.4, 0.2]])
    hess = tl.hessian(hf.const_matmul)(a)
    np.testing.assert_allclose(hess, fd_hessian(hf.const_matmul, (a,)), rtol=1e-5, atol=1e-9)
