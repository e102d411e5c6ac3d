"""Kernels of ``np.linalg`` (solve, inv, det, slogdet, cholesky, eigh, qr) and ``np.fft``
(fft, ifft, rfft, irfft), for stacks of matrices ``(..., n, n)`` throughout.

``cholesky`` and ``eigh`` read one triangle of A, as NumPy does (`lower_to_sym`): their
adjoints are zero in the other one.  ``eigh`` couples eigenvectors by ``1 / (w_j - w_i)``
(`eigh_gap`, 0 for equal eigenvalues).  ``qr`` is the reduced factorisation with m >= n.
The adjoint of an FFT is the transform with the dual norm, cut or zero-padded to the
argument's length (`fft_fit`); irfft's adjoint counts the inner frequencies twice
(`irfft_weights`).
"""
import numpy as np

from ..errors import NoDerivativeError
from .core import is_zero, re_like
from .kernels import kernel


# -------------------------------------------------------------------------------- matrices
@kernel
def lower_to_sym(x, uplo="L"):
    """The symmetric matrix NumPy's cholesky/eigh see: `x`'s lower (or upper) triangle
    mirrored."""
    if is_zero(x):
        return 0.0
    if uplo.upper() == "U":
        return np.triu(x) + np.swapaxes(np.triu(x, 1), -1, -2)
    return np.tril(x) + np.swapaxes(np.tril(x, -1), -1, -2)


@kernel
def lower_to_sym_adjoint(s, uplo="L"):
    """Adjoint of `lower_to_sym`: off-diagonal pairs summed into the triangle read."""
    if is_zero(s):
        return 0.0
    st = np.swapaxes(s, -1, -2)
    if uplo.upper() == "U":
        return np.triu(s) + np.triu(st, 1)
    return np.tril(s) + np.tril(st, -1)


@kernel
def chol_phi(x):
    """The lower triangle of `x` with its diagonal halved."""
    if is_zero(x):
        return 0.0
    return np.tril(x) - 0.5 * diag_embed(np.diagonal(x, 0, -2, -1))


@kernel
def diag_embed(v):
    """Matrices with the last axis of `v` on their diagonal."""
    if is_zero(v):
        return 0.0
    v = np.asarray(v)
    n = v.shape[-1]
    out = np.zeros(v.shape + (n,), dtype=np.result_type(v, 1.0))
    i = np.arange(n)
    out[..., i, i] = v
    return out


@kernel
def copy_lower_to_upper(m):
    """``tril(m) + tril(m, -1).T``: the symmetric matrix with m's lower triangle."""
    if is_zero(m):
        return 0.0
    return np.tril(m) + np.swapaxes(np.tril(m, -1), -1, -2)


@kernel
def eigh_gap(w):
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it and where w[i] == w[j]."""
    w = np.asarray(w)
    diff = w[..., None, :] - w[..., :, None]
    same = diff == 0
    return np.where(same, 0.0, 1.0 / np.where(same, 1.0, diff))


@kernel
def eigh_gap_tangent(dw, w):
    """Tangent of `eigh_gap`: ``-F**2 * (dw[j] - dw[i])`` (a leading batch axis allowed)."""
    if is_zero(dw):
        return 0.0
    f = eigh_gap(w)
    dw = np.asarray(dw)
    return -f * f * (dw[..., None, :] - dw[..., :, None])


@kernel
def eigh_tangent(da, w, v, uplo="L"):
    """Tangents (dw, dV) of ``eigh`` along dA (batch axes allowed): with M = V^T dA V,
    dw = diag(M) and dV = V (F * M), F = `eigh_gap` (w)."""
    if is_zero(da):
        return 0.0, 0.0
    m = np.einsum("...ji,...jk,...kl->...il", v, lower_to_sym(da, uplo), v)
    return (np.einsum("...ii->...i", m),
            np.einsum("...ij,...jk->...ik", v, eigh_gap(w) * m))


@kernel
def cholesky_tangent(da, l):
    """Tangent of ``L = cholesky(A)`` along dA (batch axes allowed):
    dL = L phi(L^-1 dA L^-T), phi = the lower triangle with the diagonal halved."""
    if is_zero(da):
        return 0.0
    linv = np.linalg.inv(l)
    return np.einsum("...ij,...jk->...ik", l, chol_phi(np.einsum(
        "...ij,...jk,...lk->...il", linv, lower_to_sym(da), linv)))


@kernel
def eigh_has_repeated(a, uplo="L"):
    w = np.linalg.eigvalsh(a, UPLO=uplo)
    return bool(np.any(np.diff(w, axis=-1) == 0))


@kernel
def qr_r_inverse(r):
    """``inv(R)`` of a QR factorisation; refuses wide matrices (m < n)."""
    if np.shape(r)[-1] != np.shape(r)[-2]:
        raise NoDerivativeError("the derivative of np.linalg.qr needs m >= n "
                                f"(R has shape {np.shape(r)})")
    return np.linalg.inv(r)


@kernel
def qr_tangent(da, q, r):
    """Tangents (dQ, dR) of the reduced QR factorisation along dA (batch axes allowed).

    With X = Q^T dA R^-1 and Omega = tril(X, -1) - tril(X, -1)^T (skew):
    dR = (X - Omega) R and dQ = (dA - Q dR) R^-1."""
    if is_zero(da):
        return 0.0, 0.0
    rinv = qr_r_inverse(r)
    x = np.einsum("...ji,...jk,...kl->...il", q, da, rinv)
    low = np.tril(x, -1)
    omega = low - np.swapaxes(low, -1, -2)
    dr = np.einsum("...ij,...jk->...ik", x - omega, r)
    dq = np.einsum("...ij,...jk->...ik", da - np.einsum("...ij,...jk->...ik", q, dr), rinv)
    return dq, dr


@kernel
def solve_spec(b, which):
    """einsum subscripts for ``solve(A, b)``'s derivatives: b a vector (1-D) or matrices.

    0: A^-T g, 1: -(A^-T g) x^T, 2: A^-1 X."""
    vector = np.ndim(b) == 1
    return (("...ji,...j->...i", "...i,...j->...ij", "...ij,...j->...i") if vector else
            ("...ji,...jk->...ik", "...ik,...jk->...ij", "...ij,...jk->...ik"))[which]


# ------------------------------------------------------------------------------------- FFT
@kernel
def fft_dual_norm(norm):
    """The norm whose transform is the adjoint (conjugate transpose) of `norm`'s."""
    return {None: "forward", "backward": "forward", "ortho": "ortho",
            "forward": "backward"}[norm]


def _resize(v, length, axis):
    v = np.asarray(v)
    m = v.shape[axis]
    if m == length:
        return v
    if m > length:
        return np.take(v, np.arange(length), axis=axis)
    pad = [(0, 0)] * v.ndim
    pad[axis % v.ndim] = (0, length - m)
    return np.pad(v, pad)


@kernel
def fft_fit(v, a, axis=-1):
    """`v` cut or zero-padded along `axis` to a's length, real when `a` is real: the
    adjoint of the padding/truncation ``n=`` does, and of a real argument."""
    if is_zero(v):
        return 0.0
    return re_like(_resize(v, np.shape(a)[axis], axis), a)


@kernel
def rfft_pad(v, a, n=None, axis=-1):
    """The half spectrum `v` of ``rfft(a, n)`` zero-padded to the full length."""
    if is_zero(v):
        return 0.0
    length = n if n is not None else np.shape(a)[axis]
    return _resize(v, length, axis)


@kernel
def irfft_weights(v, like, axis=-1):
    """`v` (a half spectrum) with the frequencies irfft counts twice doubled."""
    if is_zero(v):
        return 0.0
    v = np.asarray(v)
    length = np.shape(like)[axis]
    w = np.full(v.shape[axis], 2.0)
    w[0] = 1.0
    if length % 2 == 0:
        w[length // 2] = 1.0
    shape = [1] * v.ndim
    shape[axis % v.ndim] = -1
    return v * w.reshape(shape)


@kernel
def imag_unit(x):
    """1j for a complex `x`, else 0.0 (the imaginary part of a real value is constant)."""
    return 1j if np.iscomplexobj(x) else 0.0
