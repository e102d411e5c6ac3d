"""NumPy functions beyond the core families, end to end: user-style functions checked
against central finite differences in reverse mode (``tl.grad``), forward mode (``tl.jvp``),
vector forward mode (``tl.jacobian(mode="forward")``) and, where second derivatives exist,
Hessians (``tl.hessian``, forward over reverse) against finite differences of the gradient.

The families: rearrangements (flips, rotations, rollaxis, named splits and joins,
``np.asarray`` and kin), differences and order statistics (``diff``, ``gradient``,
``median``, ``percentile``, ``quantile``, the nan-reductions), signals and polynomials
(``convolve``, ``correlate``, ``interp``, ``polyval``, ``kron``, ``cross``, ``select``),
n-dimensional FFTs, ``np.linalg`` decompositions (``svd``, ``eig``, ``pinv``, ``lstsq``...),
`math` functions of several arguments, and ndarray methods in NumPy's positional forms.
The differentiated functions are module-level: tangent_like reads their source.
"""
import math

import numpy as np
import pytest

import tangent_like as tl
from tangent_like.rules import registry
from tangent_like.rules.verify import check_rule

from fd import numerical_grad

RNG = np.random.default_rng(7)
W12 = np.linspace(-1.0, 1.0, 12)


def _fd_hessian(f, x, rest=(), eps=1e-5):
    """Central differences of tangent_like's own gradient (checked separately)."""
    grad = tl.grad(f)
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = eps
        e = e.reshape(x.shape)
        cols.append((np.asarray(grad(x + e, *rest)) - np.asarray(grad(x - e, *rest)))
                    .reshape(-1) / (2 * eps))
    return np.array(cols).T.reshape(x.shape + x.shape)


def check(f, x, *rest, hessian=True, rtol=1e-5, atol=1e-6):
    """Gradient of scalar `f` in x (first argument) in every mode, and its Hessian."""
    args = (x,) + rest
    want = numerical_grad(f, args, wrt=0)
    got = tl.grad(f)(*args)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg="reverse mode")
    assert np.shape(got) == np.shape(x)
    d = np.random.default_rng(3).standard_normal(np.shape(x))
    d = float(d) if np.ndim(x) == 0 and not isinstance(x, np.ndarray) else d
    _, tangent = tl.jvp(f, args, (d,))
    np.testing.assert_allclose(tangent, np.sum(want * d), rtol=rtol, atol=atol,
                               err_msg="forward mode")
    jac = tl.jacobian(f, mode="forward")(*args)
    np.testing.assert_allclose(jac, want, rtol=rtol, atol=atol, err_msg="vector forward")
    if hessian:
        h = tl.hessian(f)(*args)
        want_h = _fd_hessian(f, x, rest)
        np.testing.assert_allclose(h, want_h, rtol=1e-4, atol=1e-5, err_msg="Hessian")


def _rule_check(func):
    rule = registry.lookup(func)
    assert rule is not None and not rule.inactive
    assert check_rule(rule, strict=True, degenerate=True, complex_values=True) > 0


# ================================================================ rearrangements
def flips(x):
    m = x.reshape(3, 4)
    return np.sum(np.flipud(m) * np.fliplr(m) ** 2) + np.sum(np.rot90(m, 3) ** 3)


def rolled_axes(x):
    t = x.reshape(2, 3, 2)
    return np.sum(np.rollaxis(t, 2) ** 2 * np.arange(12.0).reshape(2, 2, 3))


def named_splits(x):
    m = x.reshape(2, 6)
    a, b = np.hsplit(m, 2)
    c, d = np.vsplit(m, 2)
    return np.sum(a * b ** 2) + np.sum(c * np.sin(d))


def joined(x):
    u, v = x[:6], x[6:]
    cols = np.column_stack((u, v ** 2))
    deep = np.dstack((u.reshape(2, 3), v.reshape(2, 3)))
    return np.sum(cols * cols) + np.sum(np.sin(deep))


def as_arrays(x):
    a = np.asarray(x)
    b = np.ascontiguousarray(a.reshape(3, 4).T)
    c = np.asfortranarray(b * 2.0)
    d = np.asanyarray([x[0], x[1] ** 2])
    return np.sum(a * c.reshape(-1) ** 2) + np.sum(d ** 3)


@pytest.mark.parametrize("f", [flips, rolled_axes, named_splits, joined, as_arrays],
                         ids=lambda f: f.__name__)
def test_rearrangements(f):
    check(f, np.linspace(-0.9, 1.3, 12))


def test_asarray_of_scalar():
    def f(x):
        return np.sum(np.ascontiguousarray(x * x) * 3.0)
    assert tl.grad(f)(1.5) == pytest.approx(9.0)


# ================================================================ order statistics
X12 = np.array([0.3, -1.2, 0.75, 2.1, -0.4, 1.05, 0.05, -0.9, 1.6, 0.45, -1.7, 0.95])


def medians(x):
    m = x.reshape(3, 4)
    return np.median(m) * 2.0 + np.sum(np.median(m, axis=0) ** 2) + np.median(x * x)


def quantiles(x):
    m = x.reshape(3, 4)
    return (np.sum(np.quantile(m, [0.23, 0.71], axis=1) ** 2)
            + np.percentile(x, 37.0) * np.percentile(m, 64.0, axis=0, keepdims=True)[0, 1])


def quantile_in_q(q, x):
    return np.sum(np.quantile(x, q) ** 2) + np.percentile(x, 100.0 * q[0])


def nan_reductions(x):
    m = np.where(x.reshape(3, 4) > 1.5, np.nan, x.reshape(3, 4))
    return (np.nansum(m * m) + np.sum(np.nanmean(m, axis=0) ** 2) + np.nanmax(m) * np.nanmin(m)
            + np.nanprod(m[0]) + np.nanvar(m) + np.sum(np.nanstd(m, axis=1))
            + np.nanmedian(m) + np.nanquantile(m, 0.3) + np.nanpercentile(m[1], 80.0))


def cleaned(x):
    y = np.log(x)                                  # NaN below 0
    return np.sum(np.nan_to_num(y, nan=-2.0 * x[0]) ** 2)


def test_order_statistics():
    check(medians, X12)
    check(quantiles, X12)
    check(quantile_in_q, np.array([0.37, 0.58]), X12)
    check(nan_reductions, X12)
    check(cleaned, X12 + 0.2)


def test_quantile_refusals():
    def other_method(x):
        return np.quantile(x, 0.3, method="nearest")

    def overwritten(x):
        return np.median(x, overwrite_input=True)

    for f in (other_method, overwritten):
        with pytest.raises(tl.TangentLikeError, match="method|overwrite_input"):
            tl.grad(f)(X12)


# ================================================================ np.linalg
M43 = np.array([[0.9, -0.3, 0.4], [0.2, 1.4, -0.5], [-0.7, 0.1, 0.8], [0.3, 0.6, -1.1]])
SQ = np.array([[2.0, 0.3, -0.4], [0.1, 1.5, 0.6], [-0.5, 0.2, 1.1]])
B4 = np.array([0.5, -1.0, 0.25, 2.0])


def svd_all(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(u[:, 0] * np.arange(4.0)) * s[0] + np.sum(vh * vh * s[:, None] ** 2) \
        + np.sum(np.abs(u[1]) * vh[0])


def svd_values(a):
    return np.sum(np.linalg.svd(a, compute_uv=False) ** 3)


def pseudo_inverse(a):
    return np.sum(np.linalg.pinv(a) ** 2 * np.arange(12.0).reshape(3, 4))


def least_squares(a, b):
    x, res, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(x ** 2) + res[0] + np.sum(s)


def least_squares_b(b, a):
    x, res, rank, s = np.linalg.lstsq(a, b, rcond=None)
    return np.sum(np.sin(x)) + 2.0 * res[0]


def condition(a):
    return np.linalg.cond(a) + np.linalg.cond(a, -2) * np.linalg.cond(a, 2)


def eigen(a):
    w, v = np.linalg.eig(a)
    return np.real(np.sum(w ** 2) + np.sum(v * v * np.arange(3.0)))


def eigen_values(a):
    return np.real(np.sum(np.linalg.eigvals(a) ** 3)) + np.sum(np.linalg.eigvalsh(a) ** 2)


def powers(a):
    return np.sum(np.linalg.matrix_power(a, 3)) + np.sum(np.linalg.matrix_power(a, -2) ** 2) \
        + np.sum(np.linalg.matrix_power(a, 0) * a)


@pytest.mark.parametrize("f, x, rest", [
    (svd_all, M43, ()), (svd_values, M43, ()), (pseudo_inverse, M43, ()),
    (least_squares, M43, (B4,)), (least_squares_b, B4, (M43,)), (condition, SQ, ()),
    (eigen, SQ, ()), (eigen_values, SQ, ()), (powers, SQ, ())],
    ids=lambda v: getattr(v, "__name__", ""))
def test_linalg(f, x, rest):
    check(f, x, *rest)


def complex_eigenvectors(a):
    w, v = np.linalg.eig(a + 1j * np.flipud(a))
    return np.sum(np.abs(v[0]) ** 2 * np.real(w)) + np.sum(np.real(v * np.conj(v[1])))


def test_complex_eig_in_numpy_normalization():
    check(complex_eigenvectors, SQ)


def repeated_singular_values(a):
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    return np.sum(u)


def test_svd_refuses_repeated_singular_values():
    with pytest.raises(tl.TangentLikeError, match="distinct"):
        tl.grad(repeated_singular_values)(np.eye(3))
    assert np.allclose(tl.grad(svd_values)(np.eye(3)), 3.0 * np.eye(3))


def full_svd(a):
    u, s, vh = np.linalg.svd(a)
    return np.sum(u)


def test_svd_refuses_full_matrices():
    with pytest.raises(tl.TangentLikeError, match="full_matrices=False"):
        tl.grad(full_svd)(SQ)


# ================================================================ n-dimensional FFT
def spectra(x):
    m = x.reshape(3, 4)
    f = np.fft.fft2(m)
    r = np.fft.rfftn(m, s=(4, 6), norm="ortho")
    back = np.fft.irfft2(r * np.conj(r), s=(4, 6))
    return (np.sum(np.abs(f) ** 2) + np.sum(np.real(np.fft.ifftn(f * f, axes=(1,))))
            + np.sum(back * np.arange(24.0).reshape(4, 6))
            + np.sum(np.real(np.fft.fftshift(np.fft.fftn(m, axes=(0,)))) * np.fft.ifftshift(m)))


def spectra_inverse(x):
    m = x.reshape(3, 4)
    return np.sum(np.abs(np.fft.ifft2(m * m)) ** 2) + np.sum(np.fft.irfftn(m, norm="forward"))


def test_fftn():
    check(spectra, X12)
    check(spectra_inverse, X12)


# ================================================================ signals, polynomials, vectors
def differences(x):
    m = x.reshape(3, 4)
    return (np.sum(np.diff(x) ** 2) + np.sum(np.diff(m, 2, axis=1) * m[:, :2])
            + np.sum(np.gradient(x, 0.5) ** 2)
            + np.sum(np.gradient(m, axis=0, edge_order=2) * m)
            + sum(np.sum(part ** 2) for part in np.gradient(m, 2.0, 0.5)))


def convolutions(x):
    a, v = x[:7], x[7:]
    return (np.sum(np.convolve(a, v) ** 2) + np.sum(np.convolve(v, a, mode="same") * a[:7])
            + np.sum(np.correlate(a, v) ** 3) + np.sum(np.correlate(a, v * v, "full")))


def interpolated(x):
    xp = np.array([-2.0, -0.5, 0.4, 1.0, 2.5])
    fp = x[:5] ** 2
    return np.sum(np.interp(x, xp, fp) * x) + np.interp(0.3, xp, np.sin(x[5:10]))


def polynomials(x):
    p = x[:4]
    return np.sum(np.polyval(p, x[4:]) ** 2) + np.sum(np.polyder(p, 2) * x[:2]) \
        + np.polyval(np.array([1.0, -2.0, 0.5]), x[0])


def vector_products(x):
    a, b = x[:6].reshape(2, 3), x[6:]
    return (np.sum(np.kron(a, b[:2]) ** 2) + np.sum(np.cross(a, b[:3]) ** 2)
            + np.cross(x[:2], x[2:4]) * x[5])


def selected(x):
    conds = [x < -0.5, x > 0.5]
    return np.sum(np.select(conds, [x ** 2, np.sin(x)], default=x * 3.0) * x)


def partitioned(x):
    m = x.reshape(3, 4)
    return np.sum(np.partition(x, 4) * W12) + np.sum(np.partition(m, 1, axis=0) ** 3 * m)


def angles(x):
    z = x[:6] + 1j * x[6:]
    return np.sum(np.angle(z) * x[:6]) + np.sum(np.angle(z, deg=True) ** 2) \
        + np.sum(np.real_if_close(z * z)) .real + np.sum(np.real_if_close(x + 0j))


def several(x):
    return (math.hypot(x[0], x[1], x[2]) + math.dist(x[:3], x[3:6]) ** 2
            + math.dist((x[0], x[1]), (x[2], 0.5)) + math.fsum([x[6], x[7] ** 2, 1.0])
            + math.prod([x[8], x[9], x[10]], start=x[11]) + math.prod(x[:3]))


@pytest.mark.parametrize("f", [differences, convolutions, interpolated, polynomials,
                               vector_products, selected, partitioned, angles, several],
                         ids=lambda f: f.__name__)
def test_signals(f):
    check(f, X12, hessian=f not in (several,))


def test_interp_kink_convention():
    xp = np.array([0.0, 1.0, 3.0])
    fp = np.array([0.0, 2.0, 3.0])

    def f(x):
        return np.interp(x, xp, fp)

    assert tl.grad(f)(1.0) == pytest.approx(0.5)     # the piece to the right of the knot
    assert tl.grad(f)(3.0) == pytest.approx(0.5)     # the last knot: the piece to its left
    assert tl.grad(f)(4.0) == 0.0


def test_gradient_refuses_differentiated_spacing():
    def f(x, h):
        return np.sum(np.gradient(x, h))

    with pytest.raises(tl.TangentLikeError):
        tl.grad(f, wrt=1)(X12, 0.5)


# ================================================================ norms
def norms(x):
    m = x.reshape(3, 4)
    return (np.linalg.norm(m, "nuc") + np.linalg.norm(m, 2) ** 2 + np.linalg.norm(m, -2)
            + np.linalg.matrix_norm(m) + np.linalg.matrix_norm(m, ord="nuc")
            + np.linalg.vector_norm(m, ord=3) + np.sum(np.linalg.vector_norm(m, axis=1))
            + np.sum(np.linalg.svdvals(m) ** 2))


def test_norms_with_second_derivatives():
    check(norms, X12)


# ================================================================ methods, positional forms
def method_forms(x):
    m = x.reshape(2, 6)
    t = x.reshape(2, 3, 2)
    return (np.sum(m.transpose(1, 0) * np.arange(12.0).reshape(6, 2))
            + np.sum(m.sum(0) ** 2) + np.sum(m.mean(1) ** 3) + np.sum(t.swapaxes(0, 2) ** 2)
            + np.sum(t.max(1)) + np.sum(t.std(2)) + np.sum(m.reshape(3, 4).var(0))
            + np.sum(t.prod(0)) + np.sum(m.cumsum(1) * m) + np.sum(t.transpose() * t.T))


def test_method_varargs_and_positional_axes():
    check(method_forms, X12)


def complex_p_norm(x):
    return np.linalg.norm(x + 1j * np.flip(x), 3) + np.linalg.norm(x * (1 - 2j), 4) ** 2


def test_second_derivatives_of_complex_p_norms():
    check(complex_p_norm, X12)


def integer_casts(x):
    k = np.int64(x[0] * 3.0)
    return x[1] * k + np.sum(x * np.intp(2))


def test_integer_scalar_casts_are_constants():
    check(integer_casts, X12, hessian=False)


def as_tuple(x):
    w, v = tuple(np.linalg.eigh(x.reshape(3, 4)[:, :3] + x.reshape(3, 4)[:, :3].T))
    rows = tuple(x.reshape(3, 4))
    parts = tuple([x[0] ** 2, x[1]])
    return np.sum(w ** 2) + np.sum(rows[1] * rows[2]) + parts[0] * parts[1]


def test_tuple_of_values():
    check(as_tuple, X12)


def append_joined(x):
    m = x.reshape(3, 4)
    return np.sum(np.append(m, x[:4] ** 2) ** 2) + np.sum(np.append(m, m[:1] * 2.0, axis=0) * m[0])


def test_append():
    check(append_joined, X12)


# ================================================================ constants and refusals
def binned(x):
    i = np.searchsorted(np.array([-1.0, 0.0, 1.0]), x)
    j = np.digitize(x, np.array([-0.5, 0.5]))
    return np.sum(x * i + x ** 2 * j)


def test_searchsorted_and_digitize_are_constants():
    check(binned, X12, hessian=False)


def periodic(x):
    return np.sum(np.interp(x, np.array([0.0, 1.0]), np.array([1.0, 2.0]), period=2.0))


def hermitian_pinv(a):
    return np.sum(np.linalg.pinv(a, hermitian=True))


def other_cond(a):
    return np.linalg.cond(a, "fro")


def complex_svd_vectors(a):
    u, s, vh = np.linalg.svd(a + 1j, full_matrices=False)
    return np.sum(np.real(u))


@pytest.mark.parametrize("f, x", [(periodic, X12), (hermitian_pinv, SQ), (other_cond, SQ),
                                  (complex_svd_vectors, SQ)], ids=lambda v: getattr(
                                      v, "__name__", ""))
def test_refused_with_a_reason(f, x):
    with pytest.raises(tl.TangentLikeError) as info:
        tl.grad(f)(x)
    assert "period" in str(info.value) or "hermitian" in str(info.value) \
        or "p='fro'" in str(info.value) or "complex" in str(info.value)


def test_integer_cast_at_an_integer_is_a_reported_kink():
    with pytest.warns(tl.KinkWarning, match="int64"):
        tl.grad(integer_casts, kinks="warn")(np.array([1.0, 0.5, 0.25]))
