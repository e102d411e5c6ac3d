"""Reductions (prod, max/min, var/std, cumsum/cumprod, norm, average) and shape functions
(reshape ... pad) end to end through the transformer, plus the conventions their rules
document and their vector-forward templates.

`tests/test_rules.py` checks every template of these rules against finite differences
already; here the generated code is checked: `tl.grad` and `tl.jvp` against central
differences, vector forward mode (`tl.jacobian(mode="forward")`) against reverse mode,
Hessians (forward over the generated gradient code, through the helpers' own rules), and
each ``jvp_batch`` template against the plain ``jvp`` applied one direction at a time.
"""
import warnings

import numpy as np
import pytest

import tangent_like as tl
from tangent_like import runtime
from tangent_like.rules import registry
from tangent_like.rules.verify import _bound_nodes, _call, _eval, _is_sequence


def _k(*shape):
    """A fixed, non-symmetric constant of the given shape (weights in the test functions)."""
    n = int(np.prod(shape))
    return np.cos(np.arange(n) * 1.3 + 0.2).reshape(shape)


RNG = np.random.default_rng(7)
X34 = RNG.uniform(0.5, 1.5, (3, 4))
X33 = RNG.uniform(0.5, 1.5, (3, 3))
X234 = RNG.uniform(-1.5, 1.5, (2, 3, 4))
X131 = RNG.uniform(-1.5, 1.5, (1, 3, 1))
X3 = RNG.uniform(-1.5, 1.5, (3,))
W4 = np.array([0.5, 1.0, 2.0, 1.5])
W34 = RNG.uniform(0.5, 2.0, (3, 4))
K34, K43, K38, K36, K342, K432, K23 = (_k(3, 4), _k(4, 3), _k(3, 8), _k(3, 6), _k(3, 4, 2),
                                      _k(4, 3, 2), _k(2, 3))
K65, K56, K76, K2312, R3, R5, R9, R12, R24 = (_k(6, 5), _k(5, 6), _k(7, 8), _k(2, 3, 12),
                                              _k(3), _k(5), _k(9), _k(12), _k(24))
K13, K24 = _k(1, 3), _k(2, 4)
CONST4 = np.array([0.3, -0.2, 0.7, 1.1])
CONST2 = np.array([0.3, -0.2])


# ------------------------------------------------------------------ scalar functions
def s_prod(x):
    return np.sum(np.prod(x, axis=1) * np.cumsum(x, axis=0)[-1])


def s_prod_variants(x):
    return (np.prod(x) + np.sum(np.prod(x, axis=0, keepdims=True) * x)
            + np.sum(x.prod(axis=-1) ** 2) + np.sum(np.prod(x, axis=(0, 1), keepdims=True)))


def s_extremes(x):
    return (np.sum(np.max(x, axis=1) ** 2) + np.min(x) * np.amax(x)
            + np.sum(np.amin(x, axis=0, keepdims=True) * x) + x.max() - np.sum(x.min(axis=0)))


def s_var_std(x):
    return (np.sum(np.var(x, axis=0)) + np.std(x, ddof=1) + np.sum(x.std(axis=1, keepdims=True)
                                                                    * x)
            + x.var() * 2.0 + np.sum(np.std(x, axis=1, ddof=1) * R3))


def s_cumsum(x):
    return (np.sum(np.cumsum(x) * R12) + np.sum(x.cumsum(axis=1) ** 2)
            + np.sum(np.cumsum(x, axis=0) * K34))


def s_cumprod(x):
    return (np.sum(np.cumprod(x, axis=1) * K34) + np.sum(x.cumprod(axis=0))
            + np.sum(np.cumprod(x) ** 2))


def s_norm(x):
    return (np.linalg.norm(x) + np.linalg.norm(x[0], 1) + np.linalg.norm(x[1], np.inf)
            + np.sum(np.linalg.norm(x, axis=1)) + np.linalg.norm(x, "fro") ** 2
            + np.linalg.norm(x, "nuc") + np.linalg.norm(x, 2) + np.linalg.norm(x, 1)
            + np.sum(np.linalg.norm(x, 3, axis=0, keepdims=True) * x))


def s_average(x):
    return (np.average(x) + np.sum(np.average(x, axis=1, weights=W4) ** 2)
            + np.sum(np.average(x, axis=0, weights=W34) * R12[:4]))


def s_average_weights(w):
    return np.sum(np.average(X34, axis=1, weights=w) ** 2) + np.average(X34[0], weights=w)


def s_reshape(x):
    return (np.sum(np.reshape(x, (4, 3)) * K43) + np.sum(x.reshape((2, 6))[0] ** 2)
            + np.sum(x.reshape(-1) * R12) + np.sum(np.reshape(x, (2, -1), order="F")[1] ** 3))


def s_ravel(x):
    return (np.sum(np.ravel(x) * R12) + np.sum(x.ravel() ** 3) + np.sum(x.flatten() * R12 ** 2)
            + np.sum(np.ravel(x, order="F") * R12))


def s_axes(x):
    return (np.sum(np.swapaxes(x, 0, 2) * K432) + np.sum(np.moveaxis(x, 0, -1) ** 2 * K342)
            + np.sum(x.swapaxes(1, 2)[0] ** 3))


def s_squeeze(x):
    return (np.sum(np.squeeze(x) * R3) + np.sum(np.expand_dims(np.squeeze(x, axis=0), 0) ** 2)
            + np.sum(x.squeeze() ** 3))


def s_atleast(x):
    return (np.sum(np.atleast_2d(x) * K13) + np.sum(np.atleast_3d(x) ** 2)
            + np.sum(np.atleast_1d(x) ** 3))


def s_broadcast(x):
    return np.sum(np.broadcast_to(x, (2, 3)) ** 2 * K23)


def s_concatenate(x):
    a = np.concatenate((x, x * 2.0), axis=1)
    b = np.concatenate([x[0], CONST4, x[2] ** 2])       # an element without derivative
    return (np.sum(a * a * K38) + np.sum(b * np.cos(np.arange(12.0)))
            + np.sum(np.concatenate((x, x[1]), axis=None) ** 2 * R12.sum()))


def s_stack(x):
    return (np.sum(np.stack([x, np.sin(x)], axis=-1) ** 2 * K342)
            + np.sum(np.stack((x[0, 0], x[1, 1], 2.0)) * R3))


def s_hvstack(x):
    return (np.sum(np.hstack((x, x[:, :2] ** 2)) * K36)
            + np.sum(np.vstack([x[0], x[1] * 3.0, CONST4]) ** 2)
            + np.sum(np.hstack((x[0, 0], x[1])) * R5))


def s_split(x):
    a, b, c = np.split(x, [1, 3], axis=1)               # unequal parts
    return np.sum(a) * np.sum(b * b) + np.sum(c ** 3)


def s_split_unused(x):
    parts = np.split(x, 3)                              # parts 0 and 2 unused
    return np.sum(parts[1] ** 2)


def s_array_split(x):
    p, q, r = np.array_split(x, 3, axis=1)              # sizes 2, 1, 1
    return np.sum(p * p) + np.sum(r) * 3.0


def s_tile_repeat(x):
    return (np.sum(np.tile(x, (2, 1, 3)) * K2312) + np.sum(np.repeat(x, [1, 0, 2, 3], axis=1)
                                                          ** 2)
            + np.sum(x.repeat(2) * R24))


def s_flip_roll(x):
    return (np.sum(np.flip(x) * K34) + np.sum(np.flip(x, axis=1) ** 2 * K34)
            + np.sum(np.roll(x, 2) * K34) + np.sum(np.roll(x, (1, -1), axis=(0, 1)) ** 3 * K34))


def s_pad(x):
    return (np.sum(np.pad(x, ((1, 2), (0, 1))) ** 2 * K65) + np.sum(np.pad(x, 1, mode="edge")
                                                                    * K56)
            + np.sum(np.pad(x, 2, mode="reflect") ** 2) + np.sum(np.pad(x, ((2, 2), (1, 3)),
                                                                       mode="wrap") * K76)
            + np.sum(np.pad(x, 1, constant_values=3.0) ** 2))


SCALAR_CASES = [
    (s_prod, X33), (s_prod_variants, X34), (s_extremes, X34), (s_var_std, X34),
    (s_cumsum, X34), (s_cumprod, X34), (s_norm, X34), (s_average, X34),
    (s_average_weights, W4), (s_reshape, X34), (s_ravel, X34), (s_axes, X234),
    (s_squeeze, X131), (s_atleast, X3), (s_broadcast, X3), (s_concatenate, X34),
    (s_stack, X34), (s_hvstack, X34), (s_split, X34), (s_split_unused, X33),
    (s_array_split, X34), (s_tile_repeat, X34), (s_flip_roll, X34), (s_pad, X34),
]
SCALAR_IDS = [f.__name__ for f, _ in SCALAR_CASES]


def _fd_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e.reshape(-1)[i] = eps
        g.reshape(-1)[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def _fd_jacobian(f, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e.reshape(-1)[i] = eps
        cols.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    out_shape = np.shape(f(x))
    return np.moveaxis(np.array(cols), 0, -1).reshape(out_shape + x.shape)


@pytest.mark.parametrize("f,x", SCALAR_CASES, ids=SCALAR_IDS)
def test_grad_matches_finite_differences(f, x):
    g = tl.grad(f)(x.copy())
    assert np.shape(g) == x.shape
    np.testing.assert_allclose(g, _fd_grad(f, x), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("f,x", SCALAR_CASES, ids=SCALAR_IDS)
def test_jvp_matches_finite_differences(f, x):
    dx = np.random.default_rng(3).standard_normal(x.shape)
    value, tangent = tl.jvp(f, (x.copy(),), dx)
    eps = 1e-6
    want = (f(x + eps * dx) - f(x - eps * dx)) / (2 * eps)
    assert value == pytest.approx(f(x), rel=1e-12)
    assert float(tangent) == pytest.approx(want, rel=1e-6, abs=1e-7)


# ------------------------------------------------------------------ array outputs
def j_prod(x):
    return np.prod(x, axis=0) * x[1]


def j_extremes(x):
    return np.max(x, axis=1) + np.min(x, axis=1) * 2.0


def j_var_std(x):
    return np.std(x, axis=0, ddof=1) + np.var(x, axis=0) + x.std(axis=0)


def j_cumsum(x):
    return np.cumsum(x, axis=1) * x + np.cumsum(x).reshape((3, 4))


def j_cumprod(x):
    return np.cumprod(x) + np.cumprod(x, axis=0).ravel()


def j_norm(x):
    return np.linalg.norm(x, axis=1) + np.linalg.norm(x, 1, axis=1) + np.linalg.norm(x)


def j_average(x):
    return np.average(x, axis=0, weights=W34) + np.average(x, axis=0)


def j_reshape(x):
    return x.reshape((4, 3)) * 2.0 + np.reshape(x, (4, 3), order="F") ** 2


def j_axes(x):
    return np.swapaxes(x, 0, 1) ** 2 + np.moveaxis(x[None], 0, 2)[:, :, 0].T


def j_squeeze_expand(x):
    return np.squeeze(np.expand_dims(x, 1) * 3.0) + np.atleast_3d(x)[:, :, 0]


def j_broadcast(x):
    return np.broadcast_to(x[0], (2, 4)) * x[1]


def j_concatenate(x):
    return np.concatenate((x, np.sin(x), CONST4[None]), axis=0)


def j_concatenate_flat(x):
    return np.concatenate((x, x[0] * 2.0), axis=None)


def j_stack(x):
    return np.stack([x, x * x], axis=1)


def j_hvstack(x):
    return np.vstack((np.hstack((x, x[:, :1] * 3.0)), np.hstack((x[0] ** 2, 1.0))))


def j_split(x):
    a, b = np.split(x, 2, axis=1)
    return a * b


def j_tile_repeat(x):
    return (np.tile(x, (2, 1)) + np.repeat(x, [2, 0, 4], axis=0) ** 2
            + np.repeat(x, 2).reshape((6, 4)))


def j_flip_roll(x):
    return np.flip(x) * np.roll(x, 3) + np.roll(x, -1, axis=1)


def j_pad(x):
    return np.pad(x, ((1, 0), (0, 2)), mode="wrap") + np.pad(x, ((1, 0), (0, 2))) ** 2


ARRAY_CASES = [j_prod, j_extremes, j_var_std, j_cumsum, j_cumprod, j_norm, j_average,
               j_reshape, j_axes, j_squeeze_expand, j_broadcast, j_concatenate,
               j_concatenate_flat, j_stack, j_hvstack, j_split, j_tile_repeat, j_flip_roll,
               j_pad]


@pytest.mark.parametrize("f", ARRAY_CASES, ids=[f.__name__ for f in ARRAY_CASES])
def test_vector_forward_jacobian_equals_reverse_and_finite_differences(f):
    x = X34.copy()
    forward = tl.jacobian(f, mode="forward")(x)
    reverse = tl.jacobian(f, mode="reverse")(x)
    np.testing.assert_allclose(forward, reverse, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(forward, _fd_jacobian(f, x), rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------------ Hessians
def h_reduce(x):
    return (np.prod(x) + np.sum(np.prod(x, axis=0) ** 2) + np.linalg.norm(x) * np.std(x, axis=0)
            .sum() + np.sum(np.cumprod(x, axis=1)) + np.var(x, ddof=1) ** 2
            + np.sum(np.cumsum(x) ** 2) + np.linalg.norm(x[0], 3) ** 2)


def h_average(x):
    return np.sum(np.average(x, axis=1, weights=W4) ** 3) + np.average(x ** 2, weights=W34)


def h_average_weights(w):
    return np.sum(np.average(X34, axis=1, weights=w) ** 2)


def h_shape(x):
    a, b = np.split(x, 2, axis=1)
    c = np.concatenate((a * b, np.tile(x, 2)), axis=1)
    return (np.sum(np.pad(c, 1) ** 3) + np.sum(np.roll(x, 1) * np.flip(x) ** 2)
            + np.sum(np.stack([x, x * x]) ** 2) + np.sum(x.reshape((4, 3)) ** 3)
            + np.sum(np.repeat(x, 2, axis=1) ** 2 * np.swapaxes(np.tile(x, 2), 0, 0)))


def h_max(x):
    return np.max(x) ** 2 + np.sum(np.min(x, axis=0) * x[0])


@pytest.mark.parametrize("f,x", [(h_reduce, X34), (h_average, X34), (h_average_weights, W4),
                                 (h_shape, X34), (h_max, X34)],
                         ids=["reduce", "average", "average_weights", "shape", "max"])
def test_hessian_through_the_helpers_matches_finite_differences(f, x):
    h = tl.hessian(f)(x.copy())
    grad = tl.grad(f)
    want = _fd_jacobian(grad, x)
    np.testing.assert_allclose(h, want, rtol=1e-5, atol=1e-6)


def test_cumprod_hessian_with_zeros_is_refused():
    x = X34.copy()
    x[1, 2] = 0.0
    with pytest.raises(tl.NoDerivativeError, match="cumprod"):
        tl.hessian(h_reduce)(x)


# ------------------------------------------------------------------ conventions
def c_max(x):
    return np.max(x)


def c_max_axis(x):
    return np.sum(np.max(x, axis=1) * np.array([1.0, 2.0]))


def c_prod(x):
    return np.prod(x)


def c_prod_axis(x):
    return np.sum(np.prod(x, axis=1) * np.array([1.0, -2.0, 3.0]))


def c_cumprod(x):
    return np.sum(np.cumprod(x, axis=1) * K34)


def c_norm2(x):
    return np.linalg.norm(x)


def c_std(x):
    return np.std(x)


def test_max_ties_split_the_derivative_equally():
    x = np.array([1.0, 3.0, 3.0, 2.0])
    np.testing.assert_array_equal(tl.grad(c_max)(x), [0.0, 0.5, 0.5, 0.0])
    _, t = tl.jvp(c_max, (x,), np.array([0.0, 1.0, 3.0, 5.0]))
    assert t == pytest.approx(2.0)            # the mean of the tied tangents
    m = np.array([[2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
    np.testing.assert_allclose(tl.grad(c_max_axis)(m), [[1 / 3, 1 / 3, 1 / 3], [0, 1, 1]])


def test_prod_with_zeros_is_exact():
    x = np.array([2.0, 0.0, 3.0, 5.0])
    np.testing.assert_array_equal(tl.grad(c_prod)(x), [0.0, 30.0, 0.0, 0.0])
    x2 = np.array([2.0, 0.0, 3.0, 0.0])       # two zeros: the gradient is zero
    np.testing.assert_array_equal(tl.grad(c_prod)(x2), np.zeros(4))
    m = np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    want = np.array([[0.0, 3.0, 0.0], [0.0, 0.0, 0.0], [6.0, 3.0, 2.0]]) * [[1], [-2], [3]]
    np.testing.assert_array_equal(tl.grad(c_prod_axis)(m), want)
    _, t = tl.jvp(c_prod, (x,), np.array([1.0, 1.0, 1.0, 1.0]))
    assert t == 30.0


def test_cumprod_with_zeros_matches_finite_differences():
    x = X34.copy()
    x[0, 1] = 0.0
    x[2, 0] = x[2, 2] = 0.0                   # one zero, and two zeros, in a row
    np.testing.assert_allclose(tl.grad(c_cumprod)(x), _fd_grad(c_cumprod, x), rtol=1e-7,
                               atol=1e-9)
    dx = np.random.default_rng(0).standard_normal(x.shape)
    _, t = tl.jvp(c_cumprod, (x,), dx)
    assert t == pytest.approx((c_cumprod(x + 1e-6 * dx) - c_cumprod(x - 1e-6 * dx)) / 2e-6,
                              rel=1e-7)


def test_norm_and_std_at_their_singular_points_give_zero():
    assert np.array_equal(tl.grad(c_norm2)(np.zeros(3)), np.zeros(3))
    assert np.array_equal(tl.grad(c_std)(np.full(4, 2.0)), np.zeros(4))


def test_kinks_warn_reports_a_tie_of_max():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tl.grad(c_max, kinks="warn")(np.array([1.0, 3.0, 3.0]))
        tl.grad(c_max, kinks="warn")(np.array([1.0, 3.0, 2.0]))
    reports = [w for w in caught if issubclass(w.category, tl.KinkWarning)]
    assert len(reports) == 1 and "equally" in str(reports[0].message)


def f32(x):
    return np.sum(np.prod(x, axis=1) + np.std(x, axis=1)) + np.sum(
        np.concatenate((x, np.flip(x)), axis=1) ** 2) + np.linalg.norm(x)


def test_float32_gradients_stay_float32():
    x = X34.astype(np.float32)
    g = tl.grad(f32)(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, tl.grad(f32)(X34), rtol=1e-4)


# ------------------------------------------------------------------ reshape as a method
def m_reshape_varargs(x):
    return np.sum(x.reshape(2, 3))


def m_reshape_int(x):
    return np.sum(x.reshape(6) * np.arange(6.0))


def test_reshape_method_takes_numpys_varargs_form():
    np.testing.assert_array_equal(tl.grad(m_reshape_varargs)(np.ones((3, 2))),
                                  np.ones((3, 2)))
    np.testing.assert_array_equal(tl.grad(m_reshape_int)(np.ones((3, 2))),
                                  np.arange(6.0).reshape(3, 2))


def test_reshape_orders_a_and_k_follow_the_memory_layout():
    g = np.arange(6.0).reshape(2, 3)
    xf = np.asfortranarray(np.ones((3, 2)))
    assert np.array_equal(runtime.shape.reshape_adjoint(g, xf, "A"),
                          np.reshape(g, (3, 2), order="F"))
    xc = np.ones((3, 2))
    assert np.array_equal(runtime.shape.reshape_adjoint(g.ravel(), xc.T, "K"),
                          np.reshape(g.ravel(), (2, 3), order="F"))
    assert np.array_equal(runtime.shape.reshape_tangent(xf, xf, np.ones((2, 3)), "A"),
                          np.reshape(xf, (2, 3), order="F"))


def m_moveaxis_keywords(x):
    return np.sum(np.moveaxis(x, source=0, destination=2) * K342)


def test_moveaxis_with_numpys_keyword_names():
    x = X234.copy()
    np.testing.assert_allclose(tl.grad(m_moveaxis_keywords)(x),
                               _fd_grad(m_moveaxis_keywords, x), rtol=1e-6)


# ------------------------------------------------------------------ vector forward templates
MINE = {runtime.reduce.__name__, runtime.norm.__name__, runtime.shape.__name__}
PRIMITIVES = {np.prod, np.max, np.amax, np.min, np.amin, np.var, np.std, np.cumsum,
              np.cumprod, np.linalg.norm, np.average, np.reshape, np.ndarray.reshape, np.ravel,
              np.ndarray.flatten, np.squeeze, np.expand_dims, np.atleast_1d, np.atleast_2d,
              np.atleast_3d, np.swapaxes, np.moveaxis, np.broadcast_to, np.concatenate,
              np.stack, np.hstack, np.vstack, np.split, np.array_split, np.tile, np.repeat,
              np.flip, np.roll, np.pad}
# (transpose_adjoint's vector forward template maps over the leading axis of the tangent,
# which the unbatched zero tangent of a recorded value does not have)
BATCH_RULES = [r for r in registry.all_rules() if r.jvp_batch and not r.inactive and (
    r.func in PRIMITIVES or getattr(r.func, "__module__", None) in MINE)
    and r.func is not runtime.transpose_adjoint]


def _stack_parts(per_direction):
    first = per_direction[0]
    if isinstance(first, (tuple, list)):
        return [np.stack([np.asarray(d[j]) for d in per_direction]) for j in range(len(first))]
    return np.stack([np.asarray(d) for d in per_direction])


def _compare(got, want, shape_of):
    if isinstance(want, list):
        assert isinstance(got, (tuple, list)) and len(got) == len(want)
        for a, b in zip(got, want):
            np.testing.assert_allclose(np.broadcast_to(a, b.shape), b, rtol=1e-12, atol=1e-12)
    else:
        got = np.asarray(got)
        if not np.any(got) and not np.any(want):
            return          # zero either way (a zero cotangent may stay the scalar 0.0)
        np.testing.assert_allclose(np.broadcast_to(got, want.shape), want, rtol=1e-12,
                                   atol=1e-12)


def _tangent_variants(x, rng, k):
    """(batched tangent, per-direction tangents) pairs: random, and forms without a batch
    axis that the transformer passes for values carrying no derivative."""
    if _is_sequence(x):
        batched = [rng.standard_normal((k,) + np.shape(e)) for e in x]
        per = [tuple(b[i] for b in batched) for i in range(k)]
        out = [(tuple(batched), per)]
        # the first element: the placeholder 0.0, or an unbatched zero array
        for zero in (0.0, np.zeros(np.shape(x[0]))):
            b = (zero,) + tuple(batched[1:])
            out.append((b, [(0.0,) + p[1:] for p in per]))
        return out
    batched = rng.standard_normal((k,) + np.shape(x))
    return [(batched, [batched[i] for i in range(k)]),
            (np.zeros(np.shape(x)), [np.zeros(np.shape(x))] * k), (0.0, [0.0 * x] * k)]


@pytest.mark.parametrize("rule", BATCH_RULES, ids=[r.name for r in BATCH_RULES])
def test_batch_template_equals_plain_template_per_direction(rule):
    rng = np.random.default_rng(11)
    k = 3
    checked = 0
    for args in rule.samples(rng):
        y = _call(rule, args)
        bound = _bound_nodes(rule, args)
        for p in rule.jvp_batch:
            if not (isinstance(args.get(p), (float, np.ndarray)) or _is_sequence(args.get(p))):
                continue      # not given, or None (np.average without weights)
            for batched, per in _tangent_variants(args[p], rng, k):
                values = dict(args, y=y)
                for q in args:
                    values["d" + q] = 0.0
                plain = [_eval(rule.jvp[p], dict(values, **{"d" + p: d}), bound) for d in per]
                want = _stack_parts(plain)
                got = _eval(rule.jvp_batch[p], dict(values, **{"d" + p: batched}), bound)
                _compare(got, want, args[p])
                checked += 1
    assert checked


def test_every_new_rule_has_a_batch_template_where_axes_matter():
    names = {r.name for r in BATCH_RULES}
    for r in registry.all_rules():
        if r.func in PRIMITIVES:
            assert r.name in names, r.name
