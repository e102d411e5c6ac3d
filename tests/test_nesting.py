"""Derivatives of derivatives: forward mode applied to generated derivative code."""
import math

import numpy as np
import pytest

import tangent_like as tl


def poly(x):
    return x ** 4 - 3.0 * x ** 3 + x


def sincos(x, y):
    return math.sin(x * y) + x * x * y


def loopy(x):
    s = 0.0
    for i in range(4):
        if s < 10.0:
            s = s + math.exp(x * i * 0.1)
    return s


def helper_square(t):
    return t * t


def calls_helper(x):
    return helper_square(math.sin(x)) * x


@pytest.mark.parametrize("x", [-1.1, 0.4, 1.3, 2.0])
def test_derivatives_of_a_polynomial_are_exact_to_fourth_order(x):
    d1 = tl.grad(poly)
    d2 = tl.grad(d1)
    d3 = tl.grad(d2)
    d4 = tl.grad(d3)
    assert d1(x) == pytest.approx(4 * x ** 3 - 9 * x ** 2 + 1, rel=1e-12)
    assert d2(x) == pytest.approx(12 * x ** 2 - 18 * x, rel=1e-12)
    assert d3(x) == pytest.approx(24 * x - 18, rel=1e-12)
    assert d4(x) == pytest.approx(24.0, rel=1e-12)


def test_mixed_partial_derivative():
    x, y = 0.5, 0.7
    expected = math.cos(x * y) - x * y * math.sin(x * y) + 2 * x
    assert tl.grad(tl.grad(sincos, 0), 1)(x, y) == pytest.approx(expected, rel=1e-12)
    assert tl.grad(tl.grad(sincos, 1), 0)(x, y) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("f", [loopy, calls_helper])
def test_second_derivative_matches_finite_differences_of_the_gradient(f):
    x, h = 0.4, 1e-5
    g = tl.grad(f)
    fd = (g(x + h) - g(x - h)) / (2 * h)
    assert tl.grad(g)(x) == pytest.approx(fd, rel=1e-6)


def test_jvp_of_a_gradient():
    value, tangent = tl.jvp(tl.grad(loopy), (0.4,), 2.0)
    assert value == pytest.approx(tl.grad(loopy)(0.4))
    assert tangent == pytest.approx(2.0 * tl.grad(tl.grad(loopy))(0.4))


def test_nested_gradient_shows_its_code():
    text = tl.grad(tl.grad(poly)).source_for(1.0)
    assert "def forward_value_and_grad" in text
    assert "_dstack" in text


def test_gradient_of_an_array_derivative_points_to_hessian():
    with pytest.raises(tl.DerivativeUsageError, match="hessian"):
        tl.grad(tl.grad(norm2))(np.ones(3))


def norm2(x):
    return np.sum(x * x)


def energy(params, scale):
    w, b = params
    return scale * np.sum(np.sin(w) * b ** 2) + np.sum(w * b) * scale ** 2


def energy_of_dict(p, scale):
    return energy((p["w"], p["b"]), scale)


def _fd_along(g, args, i, v, eps=1e-6):
    """Central difference of derivative g along v in argument i (tuples part by part)."""
    def moved(s):
        a = list(args)
        x = a[i]
        if isinstance(x, tuple):
            a[i] = tuple(xk + s * vk for xk, vk in zip(x, v))
        elif isinstance(x, dict):
            a[i] = {k: x[k] + s * v[k] for k in x}
        else:
            a[i] = x + s * v
        return g(*a)
    plus, minus = moved(eps / 2), moved(-eps / 2)
    if isinstance(plus, dict):
        return {k: (plus[k] - minus[k]) / eps for k in plus}
    return tuple((p - m) / eps for p, m in zip(plus, minus))


W, B = np.array([0.3, -0.5, 1.1]), np.array([1.0, 2.0, -0.7])


@pytest.mark.parametrize("wrt, direction", [
    (0, (np.array([1.0, 0.5, -0.2]), np.array([0.3, -1.0, 0.4]))),
    (1, 0.7),
])
def test_jvp_of_the_gradient_of_a_tuple_argument(wrt, direction):
    g = tl.grad(energy)
    args = ((W, B), 1.3)
    value, tangent = tl.jvp(g, args, direction, wrt=wrt)
    assert isinstance(tangent, tuple) and len(tangent) == 2
    for got, expected in zip(value, g(*args)):
        np.testing.assert_allclose(got, expected)
    for got, expected in zip(tangent, _fd_along(g, args, wrt, direction)):
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-7)


def test_hvp_and_jvp_of_the_gradient_of_a_dict_argument():
    args = ({"w": W, "b": B}, 0.6)
    v = {"w": np.array([0.2, 0.1, -1.0]), "b": np.array([1.0, 0.0, 0.5])}
    _, tangent = tl.jvp(tl.grad(energy_of_dict), args, v)
    expected = _fd_along(tl.grad(energy_of_dict), args, 0, v)
    assert set(tangent) == {"w", "b"}
    for k in tangent:
        np.testing.assert_allclose(tangent[k], expected[k], rtol=1e-5, atol=1e-7)
    hv = tl.hvp(energy_of_dict)(*args, v)
    for k in hv:
        np.testing.assert_allclose(hv[k], expected[k], rtol=1e-5, atol=1e-7)


def test_jacobian_of_a_structured_gradient_points_to_jvp():
    with pytest.raises(tl.DerivativeUsageError, match="tl.jvp"):
        tl.jacobian(tl.grad(energy))((W, B), 1.0)
    with pytest.raises(tl.DerivativeUsageError, match="tl.jvp"):
        tl.grad(tl.grad(energy), wrt=1)((W, B), 1.0)


def stacked(x, v):
    return np.sum(v * np.vstack(x) ** 2)


def test_jvp_of_a_gradient_of_an_array_read_as_a_sequence():
    # np.vstack(x) reads a 1-d x row by row: its adjoint comes back one row at a time
    x, v = np.array([0.3, 0.5]), np.array([[1.0], [2.0]])
    _, t = tl.jvp(tl.grad(stacked), (x, v), np.array([1.0, -1.0]))
    np.testing.assert_allclose(t, [2.0, -4.0])
