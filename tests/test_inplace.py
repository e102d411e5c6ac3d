"""Arrays no one reads again are written in place (optimize/inplace.py): the generated code
reuses them where that is provably exact, and only there.

Every function is checked three ways: the gradient against central finite differences,
against `value_and_grad` (which keeps the value, so runs other code), and the caller's
arrays unchanged afterwards.
"""
import numpy as np
import pytest

import tangent_like as tl
from finite_differences import partial_gradient


def vector_sum(x):
    return np.sum(np.tanh(x) * x + np.exp(-x ** 2))


def gaussian_sum(x, mu, sigma):
    z = (x - mu) / sigma
    return np.sum(np.exp(-0.5 * z ** 2))


def broadcast_rows(x, y):
    a = x * 2.0
    b = a + y              # (n,) + (m, 1): the result is larger than `a`
    return np.sum(b * b)


def view_kept(x):
    a = x * 2.0
    v = a[1:]
    b = a * 3.0            # `a` dies here, but `v` still looks into it
    return np.sum(b) + np.sum(v * v)


def loop_reads_again(x):
    t = x * 2.0
    s = 0.0
    for i in range(3):
        u = t * x          # `t` is read again by the next iteration
        s = s + np.sum(u * u)
    return s


def mixed_dtypes(x, y):
    t = y * 2.0            # float32 when y is: a float64 result must not go into it
    u = t * x
    return np.sum(u * u)


def aux_kept(x):
    t = x * 2.0
    u = t + 1.0
    return np.sum(u * u), t


def accumulates(x, w):
    g = np.zeros_like(x)
    g = g + w * x
    g = g + np.sin(x)
    return np.sum(g * g)


def sliced_pairs(x):
    d = x[1:] - x[:-1] ** 2
    e = d * d
    return np.sum(100.0 * e + (1.0 - x[:-1]) ** 2)


def _check(f, args, wrt=0):
    saved = [np.array(a, copy=True) for a in args]
    grads = tl.grad(f, wrt=wrt)(*args)
    value, grads_v = tl.value_and_grad(f, wrt=wrt)(*args)
    for a, s in zip(args, saved):
        np.testing.assert_array_equal(a, s)           # the caller's arrays are untouched
    one = not isinstance(wrt, tuple)
    for k, (g, gv) in enumerate(zip([grads] if one else grads, [grads_v] if one else grads_v)):
        index = wrt if one else wrt[k]
        fd = partial_gradient(f, args, index)
        np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(g, gv, rtol=1e-12, atol=1e-14)
        assert g.dtype == np.asarray(args[index]).dtype
    return tl.grad(f, wrt=wrt).source_for(*args)


rng = np.random.default_rng(0)
X = rng.normal(size=7)


def test_the_vector_sum_writes_in_place():
    source = _check(vector_sum, [X])
    assert "np.negative(x_sq, out=x_sq)" in source
    assert "bx += tanh_x" in source


def test_a_division_by_a_parameter_of_the_same_shape():
    source = _check(gaussian_sum, [X, X[::-1].copy(), np.abs(X) + 1.0], wrt=(0, 1, 2))
    assert "out=" in source


def test_no_write_where_broadcasting_makes_the_result_larger():
    source = _check(broadcast_rows, [X, rng.normal(size=(3, 1))], wrt=(0, 1))
    assert "out=a" not in source


def test_no_write_into_an_array_a_view_looks_into():
    source = _check(view_kept, [X])
    assert "out=a" not in source


def test_no_write_into_an_array_a_loop_reads_again():
    source = _check(loop_reads_again, [X])
    assert "out=t" not in source


def test_no_write_of_a_float64_result_into_float32():
    y = rng.normal(size=7).astype(np.float32)
    source = _check(mixed_dtypes, [X, y], wrt=(0, 1))
    assert "out=t" not in source


def test_float32_arguments_are_not_written_in_place():
    x = X.astype(np.float32)
    g = tl.grad(vector_sum)(x)
    assert g.dtype == np.float32
    assert "out=" not in tl.grad(vector_sum).source_for(x)


def test_integer_arrays_and_scalars():
    counts = np.arange(7)
    f = lambda x, c: np.sum(np.exp(-(x * c)) * c)   # noqa: E731
    _check(f, [X, counts])
    g = tl.grad(vector_sum)(0.3)
    assert np.isclose(g, partial_gradient(vector_sum, [0.3]))


def test_the_auxiliary_value_is_not_written_into():
    g, aux = tl.grad(aux_kept, has_aux=True)(X)
    np.testing.assert_allclose(aux, X * 2.0)
    np.testing.assert_allclose(g, partial_gradient(lambda v: aux_kept(v)[0], [X]),
                               rtol=1e-6)


def test_accumulations_and_slices():
    _check(accumulates, [X, X[::-1].copy()], wrt=(0, 1))
    source = _check(sliced_pairs, [X])
    assert "out=" in source or "+=" in source


def test_hessians_and_jvps_are_unchanged():
    h = tl.hessian(vector_sum)(X)
    g = tl.grad(vector_sum)
    fd = np.array([(g(X + 1e-6 * e) - g(X - 1e-6 * e)) / 2e-6 for e in np.eye(len(X))])
    np.testing.assert_allclose(h, fd, rtol=1e-5, atol=1e-6)


def test_the_generated_module_for_assumed_kinds_has_no_in_place_writes():
    text = tl.derivative_source(vector_sum)
    assert "out=" not in text


@pytest.mark.parametrize("f", [vector_sum, sliced_pairs])
def test_a_float64_program_is_not_reused_for_other_dtypes(f):
    g = tl.grad(f)
    g(X)
    for dtype in (np.float32, np.float16):
        x = X.astype(dtype)
        out = g(x)
        assert out.dtype == dtype
        want = g(x.astype(np.float64))
        scale = np.finfo(dtype).eps * 64 * np.max(np.abs(want))
        np.testing.assert_allclose(out, want, rtol=0, atol=scale)
