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
