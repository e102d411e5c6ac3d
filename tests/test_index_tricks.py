"""NumPy's index tricks ``np.r_[...]`` and ``np.c_[...]`` (joins), in every mode, against
finite differences; and lambdas written inside a list display."""
import numpy as np
import pytest

import tangent_like as tl
from finite_differences import partial_gradient

C = np.arange(6.0).reshape(3, 2)
RANGE = np.arange(10.0)


def r_one(x):
    return np.sum(np.r_[x] ** 2)


def r_twice(x):
    return np.sum(np.r_[x, x] * np.r_[x, 2 * x])


def r_mixed(x):
    return np.sum(np.sin(np.r_[x, C, x]))


def c_mixed(x):
    return np.sum(np.c_[x, C, x] ** 3)


def c_swapped(x):
    return np.sum(np.c_[x, C] * np.c_[C, x])


FUNCTIONS = [r_one, r_twice, r_mixed, c_mixed, c_swapped]
A = np.array([[0.3, -1.2], [0.5, 0.7], [-0.4, 1.1]])


@pytest.mark.parametrize("f", FUNCTIONS)
def test_reverse_and_forward_mode(f):
    expected = partial_gradient(f, (A,))
    np.testing.assert_allclose(tl.grad(f)(A), expected, rtol=1e-6, atol=1e-8)
    v = np.linspace(-1.0, 1.0, A.size).reshape(A.shape)
    assert tl.jvp(f, (A,), v)[1] == pytest.approx(np.sum(expected * v), rel=1e-6)


@pytest.mark.parametrize("f", FUNCTIONS)
def test_hessian(f):
    x = A[:, 0].copy()
    one = lambda y: f(np.stack([y, A[:, 1]], axis=1))      # noqa: E731
    gradient = tl.grad(one)
    expected = np.stack([partial_gradient(lambda y: gradient(y)[i], (x,), eps=1e-5)
                         for i in range(3)])
    np.testing.assert_allclose(tl.hessian(one)(x), expected, rtol=1e-5, atol=1e-7)


def r_with_ranges(x):
    return np.sum(np.r_[x, RANGE, 1:10, 3.0] * 2.0)


def c_of_vectors(x):
    return np.sum(np.c_[x, x ** 2] ** 2)


def test_ranges_numbers_and_vectors():
    x = np.array([1.0, 2.0])
    np.testing.assert_allclose(tl.grad(r_with_ranges)(x), [2.0, 2.0])
    np.testing.assert_allclose(tl.grad(c_of_vectors)(x), 2 * x + 4 * x ** 3)


def r_directive(x):
    return np.sum(np.r_["0,2", x, x])


def test_a_directive_is_refused_where_it_is_written():
    with pytest.raises(tl.UnsupportedSyntaxError, match="directive") as info:
        tl.grad(r_directive)(np.ones(2))
    assert "test_index_tricks.py" in str(info.value)


LAMBDAS = [lambda x: x * 2.0,
           lambda x: np.sum(np.r_[x] ** 2)]


def test_a_lambda_that_closes_a_list_display():
    assert tl.grad(LAMBDAS[0])(1.0) == 2.0
    np.testing.assert_allclose(tl.grad(LAMBDAS[1])(np.array([1.0, 3.0])), [2.0, 6.0])
