"""Indexing, writes into arrays and lists, appends, np.array of lists: every form checked in
reverse, forward and second-order mode against finite differences."""
import numpy as np
import pytest

import tangent_like as tl
from fd import numerical_grad


def write_int(x):
    a = np.zeros(4)
    for i in range(3):
        a[i + 1] = a[i] * x[i] + x[i] ** 2
    return np.sum(a * a)


def write_negative_and_step(x):
    a = x * 1.0
    a[-1] = x[0] * x[1]
    a[::2] = np.sin(a[::2])
    return np.sum(a * x)


def write_slice(x):
    y = x * 2.0
    y[1:3] = np.sin(x[0:2])
    return np.sum(y ** 2)


def write_mask(x):
    y = x * 3.0
    y[x > 0.0] = x[x > 0.0] ** 2
    return np.sum(y * x)


def write_2d(x):
    m = np.zeros((2, 3))
    m[0, :] = x
    m[1, 1] = x[0] * x[2]
    m[:, 0] += x[1]
    return np.sum(m * m) + np.sum(m[:, 2])


def augmented_element(x):
    a = np.ones(3)
    for i in range(3):
        a[i] += x[i] * a[i - 1]
    a[1] *= x[2]
    return np.sum(a)


def fancy_read(x):
    idx = np.array([0, 2, 2, 1])
    return np.sum(x[idx] * np.arange(1.0, 5.0))


def newaxis_and_ellipsis(x):
    m = x[:, None] * x[None, :]
    return np.sum(m[..., 0]) + np.sum(m)


def list_append_sum(x):
    xs = []
    s = x[0]
    for i in range(x.shape[0]):
        s = s * 0.5 + x[i]
        xs.append(s * s)
    return sum(xs) + xs[1] * xs[-1]


def list_to_array(x):
    parts = []
    for v in x:
        parts.append(np.sin(v) * v)
    arr = np.array(parts)
    return np.sum(arr * x)


def list_written(x):
    xs = [0.0, 0.0, 0.0]
    xs[0] = x[0]
    xs[2] = x[1] * xs[0]
    return sum(xs) * x[2]


FUNCS = [write_int, write_negative_and_step, write_slice, write_mask, write_2d,
         augmented_element, fancy_read, newaxis_and_ellipsis, list_append_sum, list_to_array,
         list_written]
X = np.array([0.3, -0.6, 0.9])


@pytest.mark.parametrize("f", FUNCS, ids=[f.__name__ for f in FUNCS])
def test_reverse_mode(f):
    np.testing.assert_allclose(tl.grad(f)(X.copy()), numerical_grad(f, (X,), {}, 0),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", FUNCS, ids=[f.__name__ for f in FUNCS])
def test_forward_mode_and_vector_mode(f):
    fd = numerical_grad(f, (X,), {}, 0)
    direction = np.array([0.4, -1.0, 0.7])
    assert tl.jvp(f, (X.copy(),), direction)[1] == pytest.approx(float(fd @ direction),
                                                                 rel=1e-6, abs=1e-8)
    np.testing.assert_allclose(tl.jacobian(f, mode="forward")(X.copy()), fd, rtol=1e-6,
                               atol=1e-8)


@pytest.mark.parametrize("f", FUNCS, ids=[f.__name__ for f in FUNCS])
def test_second_order(f):
    h = 1e-6
    rows = [(tl.grad(f)(X + h * e) - tl.grad(f)(X - h * e)) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(tl.hessian(f)(X.copy()), np.array(rows), rtol=1e-5, atol=1e-6)
    v = np.array([1.0, 0.5, -2.0])
    np.testing.assert_allclose(tl.hvp(f)(X.copy(), v), np.array(rows) @ v, rtol=1e-5,
                               atol=1e-6)


def test_the_input_is_not_modified():
    x = X.copy()
    tl.grad(write_negative_and_step)(x)
    np.testing.assert_array_equal(x, X)


def comprehensions(x, ws):
    v = 2.0
    ys = [np.sin(v * x) for v in ws]
    s = sum(w * y for w, y in zip(ws, ys) if w > 0.0)
    nested = [[a * b for b in ws] for a in ys]
    return s + sum(sum(r) for r in nested) + v * np.sum(np.array([x * t for t in ws]))


def test_list_comprehensions_and_generator_expressions():
    ws = [0.5, -1.0, 2.0]
    h = 1e-6
    fd = (comprehensions(0.3 + h, ws) - comprehensions(0.3 - h, ws)) / (2 * h)
    assert tl.grad(comprehensions)(0.3, ws) == pytest.approx(fd, rel=1e-7)
    assert tl.jvp(comprehensions, (0.3, ws), 1.0)[1] == pytest.approx(fd, rel=1e-7)
    g = tl.grad(comprehensions)
    fd2 = (g(0.3 + h, ws) - g(0.3 - h, ws)) / (2 * h)
    assert tl.grad(tl.grad(comprehensions))(0.3, ws) == pytest.approx(fd2, rel=1e-6)
