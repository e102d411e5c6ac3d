"""Cheap values are computed again by the adjoint sweep instead of recorded: an element or a
slice of a sequence no statement changes (``x[i]``, NumPy arrays under numba only), one
arithmetic operation or `math` function of loop indices, values that no later statement
changes and values recorded anyway (``i + 1``, ``0.5 * dt``, ``x_i ** 2``).  Only where
the value is certainly the one the primal sweep had: defined once, earlier in the reader's
block, from operands that are the same in the adjoint sweep."""
import math

import numpy as np
import pytest

import tangent_like as tl
from finite_differences import partial_gradient


def rosen(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def euler(k, dt, steps):
    x = 1.0
    for _ in range(steps):
        x = x + 0.5 * dt * (-k * x + math.sin(x))
    return x


def element_in_branch(x):
    s = 0.0
    r = 1.0
    for i in range(x.shape[0]):
        if x[i] > 0.0:
            r = x[i]             # not set on every path: the adjoint must get r back
        s = s + r * r
    return s


def read_before_definition(x):
    s = 0.0
    r = 0.5
    for i in range(x.shape[0]):
        s = s + r * x[i]         # r of the previous iteration
        r = x[i] * 2.0
    return s


def array_changes_in_loop(x):
    s = 0.0
    for i in range(x.shape[0]):
        r = x[i]
        x = x * 1.5              # a new x every iteration: r is recorded
        s = s + r * r * x[0]
    return s


def index_changes_in_loop(x):
    s = 0.0
    j = 0
    for i in range(x.shape[0]):
        r = x[j]
        j = (j + 2) % x.shape[0]
        s = s + r * r
    return s


def adjoint_source(f, *args, value=False):
    g = (tl.value_and_grad if value else tl.grad)(f)
    g(*args)
    src = g.source
    return src[src.index("def adjoint_"):]


def primal_source(f, *args):
    g = tl.grad(f)
    g(*args)
    src = g.source
    return src[src.index("def primal_"):src.index("def adjoint_")]


def test_elements_and_index_arithmetic_are_computed_again():
    x = np.linspace(-1.0, 1.5, 6)
    assert np.allclose(tl.grad(rosen)(x), partial_gradient(rosen, (x,)), rtol=1e-6, atol=1e-7)
    adjoint = adjoint_source(rosen, x, value=True)
    assert "i_plus_1 = i + 1" in adjoint
    # reading a NumPy element costs more than a record in Python (numba reads it again)
    assert "x_i, x_next_minus_x_i_sq, one_minus_x_i_2 = _stack.pop()" in adjoint


def test_a_gradient_without_its_value_reads_elements_again():
    # the primal sweep of tl.grad computes no value: reading the elements again leaves it
    # nothing to do in the loop, which goes
    x = np.linspace(-1.0, 1.5, 6)
    adjoint = adjoint_source(rosen, x)
    assert "_stack.pop()" in adjoint and "x_i = x[i]" in adjoint
    assert "for " not in primal_source(rosen, x)
    assert np.allclose(tl.grad(rosen)(x), tl.value_and_grad(rosen)(x)[1], rtol=1e-13)


def test_loop_invariant_arithmetic_is_computed_again():
    adjoint = adjoint_source(euler, 0.7, 0.1, 20)
    assert "half_dt = 0.5 * dt" in adjoint
    got = tl.grad(euler)(0.7, 0.1, 20)
    eps = 1e-6
    assert got == pytest.approx((euler(0.7 + eps, 0.1, 20) - euler(0.7 - eps, 0.1, 20))
                                / (2 * eps), rel=1e-6)


@pytest.mark.parametrize("f", [element_in_branch, read_before_definition,
                               array_changes_in_loop, index_changes_in_loop])
def test_values_that_may_differ_in_the_adjoint_are_recorded(f):
    x = np.array([0.3, -0.4, 0.8, 1.1, -0.2])
    assert np.allclose(tl.grad(f)(x), partial_gradient(f, (x,)), rtol=1e-6, atol=1e-7)
    assert np.allclose(tl.grad(f, optimize=False)(x), partial_gradient(f, (x,)), rtol=1e-6,
                       atol=1e-7)


@pytest.mark.parametrize("f", [rosen, element_in_branch, read_before_definition])
def test_second_derivatives_of_recomputing_code(f):
    x = np.array([0.3, -0.4, 0.8, 1.1, -0.2])
    h = tl.hessian(f)(x)
    g = tl.grad(f)
    fd = np.array([partial_gradient(lambda y, k=k: g(y)[k], (x,)) for k in range(x.size)])
    assert np.allclose(h, fd, rtol=1e-5, atol=1e-6)
