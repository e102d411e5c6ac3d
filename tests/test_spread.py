"""Spread cotangents of means kept as scalars (transform/spread.py) and the shapes that make
it provable (analysis/shapes.py: names assigned once, matrix products).

``np.mean(a)`` of an array of known shape has the adjoint ``g / a.size`` spread over `a`;
where every use of it broadcasts anyway, the generated code divides the scalar by the size
of an array of provably the same shape that the sweep reads anyway, so that `a` itself is
neither recorded nor, in a gradient without the value, computed.  Each function is checked
against finite differences in reverse mode, forward mode, second order and the numba
backend, and the generated code is read to see that the rewrite fired -- or, where shapes
are not provably equal, that it did not.
"""
import numpy as np
import pytest

import tangent_like as tl
from finite_differences import gradient_differences, partial_gradient


def mlp_loss(W1, b1, W2, b2, X, y):
    h = np.tanh(X @ W1 + b1)
    pred = h @ W2 + b2
    return np.mean((pred - y) ** 2)


def mean_of_parameter_product(x):
    return np.mean(np.sin(x) * x)


def mean_of_product_with_a_row(a, y):
    t = a * 1.0                      # (n, 1)
    return np.mean(t * y)            # (n, m): the product's shape is not t's


def mean_in_a_loop_of_a_shrinking_array(x):
    y = x * 1.0
    s = 0.0
    for i in range(2):
        s = s + np.mean(y * y)
        y = y[1:]                    # two shapes: none known
    return s


def mean_along_an_axis(a):
    return np.sum(np.mean(a * a, axis=0))


def mean_of_a_cumulative_sum(x):
    c = np.cumsum(x)                 # assigned once: a shape of its own
    return np.mean(c * c) + x[0]


def mean_of_a_sum_of_two(a, b):
    return np.mean((a + b) ** 2)     # a + b may broadcast a or b: a shape of its own


def _mlp_args(seed=0, n=5):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(3, 4)), 0.1 * rng.normal(size=4), rng.normal(size=(4, 1)),
            0.1 * rng.normal(size=1), rng.normal(size=(n, 3)), rng.normal(size=(n, 1)))


X = np.array([0.3, -0.4, 0.8, 1.1, -0.2])
A = np.array([[0.5], [-1.2], [0.8]])
Y = np.array([0.1, 0.7, -0.3, 0.4])
M = np.arange(6.0).reshape(2, 3) / 4 - 0.4

# (function, arguments, wrt, does the mean's spread array go)
CASES = [
    (mlp_loss, _mlp_args(), (0, 1, 2, 3), True),
    (mean_of_parameter_product, (X,), 0, True),
    (mean_of_product_with_a_row, (A, Y), (0, 1), False),
    (mean_in_a_loop_of_a_shrinking_array, (X,), 0, False),
    (mean_along_an_axis, (M,), 0, False),
    (mean_of_a_cumulative_sum, (X,), 0, True),
    (mean_of_a_sum_of_two, (A, Y), (0, 1), True),
    (mean_of_a_sum_of_two, (X, X[::-1].copy()), (0, 1), True),
]
IDS = [f"{c[0].__name__}-{i}" for i, c in enumerate(CASES)]


def _wrt(wrt):
    return wrt if isinstance(wrt, tuple) else (wrt,)


@pytest.mark.parametrize("f, args, wrt, spread", CASES, ids=IDS)
def test_reverse_mode(f, args, wrt, spread):
    g = tl.grad(f, wrt=wrt)
    got = g(*args)
    assert ("mean_adjoint" not in g.source) == spread, g.source
    got = got if isinstance(wrt, tuple) else (got,)
    for k, gk in zip(_wrt(wrt), got):
        np.testing.assert_allclose(gk, partial_gradient(f, args, k), rtol=1e-6, atol=1e-8)
    value, again = tl.value_and_grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(value, f(*args))
    for a, b in zip(got, again if isinstance(wrt, tuple) else (again,)):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("f, args, wrt, spread", CASES, ids=IDS)
def test_forward_mode(f, args, wrt, spread):
    rng = np.random.default_rng(3)
    for k in _wrt(wrt):
        v = rng.standard_normal(np.shape(args[k]))
        _, tangent = tl.jvp(f, args, v, wrt=k)
        want = np.sum(partial_gradient(f, args, k) * v)
        np.testing.assert_allclose(tangent, want, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f, args, wrt, spread", CASES, ids=IDS)
def test_hessian(f, args, wrt, spread):
    k = _wrt(wrt)[0]
    got = tl.hessian(f, wrt=k)(*args)
    want = gradient_differences(tl.grad(f, wrt=k), args, k)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("f, args, wrt, spread", CASES, ids=IDS)
def test_numba_backend(f, args, wrt, spread):
    pytest.importorskip("numba")
    got = tl.grad(f, wrt=wrt, backend="numba")(*args)
    want = tl.grad(f, wrt=wrt)(*args)
    for a, b in zip(*(r if isinstance(wrt, tuple) else (r,) for r in (got, want))):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_the_mlp_gradient_neither_records_nor_computes_the_squares():
    g = tl.grad(mlp_loss, wrt=(0, 1, 2, 3))
    g(*_mlp_args())
    primal = g.source.split("def primal_mlp_loss")[1].split("def adjoint")[0]
    assert "** 2" not in primal and "diff_sq" not in primal, g.source
    assert "= bmean_diff_sq / max(pred_minus_y.size, 1)" in g.source, g.source
    # another batch size: the size is read when the gradient runs
    for n in (1, 7):
        args = _mlp_args(1, n)
        for k, gk in zip(range(4), g(*args)):
            np.testing.assert_allclose(gk, partial_gradient(mlp_loss, args, k), rtol=1e-6,
                                       atol=1e-8)


def test_a_parameter_of_the_shape_gives_the_size():
    g = tl.grad(mean_of_parameter_product)
    g(X)
    assert "/ max(x.size, 1)" in g.source, g.source


def test_the_mean_of_an_empty_array_has_an_empty_gradient():
    empty = np.zeros(0)
    with np.errstate(all="ignore"):
        got = tl.grad(mean_of_parameter_product)(empty)
        value, again = tl.value_and_grad(mean_of_parameter_product)(empty)
    assert got.shape == (0,) and again.shape == (0,) and np.isnan(value)


def test_float32_arrays_keep_their_dtype():
    x = X.astype(np.float32)
    got = tl.grad(mean_of_parameter_product)(x)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, tl.grad(mean_of_parameter_product)(X), rtol=1e-5)


def layer(W, X):
    z = X @ W
    h = np.tanh(z)
    return np.sum(h * z + h)


def test_shapes_after_a_matrix_product_leave_out_the_identity_sums():
    # h = np.tanh(X @ W) has the shape of X @ W: nothing to sum back between them
    W, Xs = _mlp_args()[0], _mlp_args()[4]
    src = tl.derivative_source(layer, wrt=0, args=(W, Xs))
    assert "unbroadcast" not in src, src
    np.testing.assert_allclose(tl.grad(layer)(W, Xs), partial_gradient(layer, (W, Xs), 0),
                               rtol=1e-6, atol=1e-8)
    src = tl.derivative_source(layer, mode="forward", wrt=0, args=(W, Xs))
    assert "broadcast_tangent" not in src, src
