"""Kernels of ``np.linalg`` (solve, inv, det, slogdet, cholesky, eigh, qr, svd, pinv, lstsq,
cond, eig, eigvals, matrix_power) and ``np.fft`` (fft, ifft, rfft, irfft and their n-d
forms), for stacks of matrices ``(..., n, n)`` throughout.

The adjoints of svd, eig and pinv are formulas of matrix products evaluated by kernels
(`svd_adjoint`, `eig_adjoint`, `pinv_adjoint`) whose tangents run the same formula on dual
numbers (`tangent_like.runtime.dual`).  svd needs distinct nonzero singular values for its
vectors (`svd_checked` refuses others); eig's vectors follow NumPy's normalization (unit
norm, largest component real: `eig_gauge`).  ``matrix_power``'s derivative is the upper
right block of the power of ``[[a, da], [0, a]]`` (`block_upper`).

``cholesky`` and ``eigh`` read one triangle of A, as NumPy does (`lower_to_sym`): their
adjoints are zero in the other one.  ``eigh`` couples eigenvectors by ``1 / (w_j - w_i)``
(`eigh_gap`, 0 for equal eigenvalues).  ``qr`` is the reduced factorisation with m >= n.
The adjoint of an FFT is the transform with the dual norm, cut or zero-padded to the
argument's length (`fft_fit`); irfft's adjoint counts the inner frequencies twice
(`irfft_weights`).
"""
import numpy as np

from ..errors import NoDerivativeError
from .dual import (dual_along, dual_ein, dual_inv, dual_linear, dual_smooth,
                   dual_value)
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


# ------------------------------------------------------------------------------------ SVD
def _mt(x):
    return np.swapaxes(x, -1, -2)


@kernel
def svd_checked(s):
    """The singular values `s`, after checking that the derivatives of the singular vectors
    exist: the values must be distinct and nonzero (the thin factorization's vectors are not
    unique otherwise, and their derivatives are infinite)."""
    s = np.asarray(s)
    if s.size and (np.any(s == 0) or np.any(np.diff(np.sort(s, axis=-1), axis=-1) == 0)):
        raise NoDerivativeError("the derivative of the singular vectors of np.linalg.svd "
                                "needs distinct, nonzero singular values, and this matrix "
                                "has repeated or zero ones",
                                hint="differentiate the singular values alone "
                                     "(np.linalg.svd(a, compute_uv=False)) or a function "
                                     "of the matrix that does not depend on the choice "
                                     "of singular vectors")
    return s


@kernel
def svd_tangent(da, u, s, vh):
    """Tangents (dU, ds, dVh) of the thin SVD ``a = U diag(s) Vh`` along `da` (real, batch
    axes allowed): with P = U^T da V and F[i, j] = 1 / (s_j^2 - s_i^2),
    ds = diag(P), dU = U (F o (P S + S P^T)) + (I - U U^T) da V / s,
    dV = V (F o (S P + P^T S)) + (I - V V^T) da^T U / s."""
    if is_zero(da):
        return 0.0, 0.0, 0.0
    s = svd_checked(s)
    v = _mt(vh)
    p = np.einsum("...ji,...jk,...kl->...il", u, da, v)
    f = eigh_gap(s * s)
    ds = np.einsum("...ii->...i", p)
    sp = p * s[..., None, :]                    # P S
    ps = s[..., :, None] * p                    # S P
    dav = np.einsum("...ij,...jk->...ik", da, v)
    dau = np.einsum("...ji,...jk->...ik", da, u)
    du = (np.einsum("...ij,...jk->...ik", u, f * (sp + _mt(sp)))
          + (dav - np.einsum("...ij,...kj,...kl->...il", u, u, dav)) / s[..., None, :])
    dv = (np.einsum("...ij,...jk->...ik", v, f * (ps + _mt(ps)))
          + (dau - np.einsum("...ij,...kj,...kl->...il", v, v, dau)) / s[..., None, :])
    return du, ds, _mt(dv)


@kernel
def svd_values_adjoint(v, a):
    """Adjoint of ``np.linalg.svd(a, compute_uv=False)`` for the cotangent `v` of the
    singular values: ``U diag(v) Vh`` (also for complex a)."""
    if is_zero(v):
        return 0.0
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return re_like(np.einsum("...ik,...k,...kj->...ij", u, v, vh), a)


@kernel
def svd_values_tangent(da, a):
    """Tangent of the singular values of `a` along `da`: ``Re diag(U^H da V)`` (batch axes
    allowed)."""
    if is_zero(da):
        return 0.0
    u, _, vh = np.linalg.svd(a, full_matrices=False)
    return np.real(np.einsum("...ik,...ij,...kj->...k", np.conj(u), da, np.conj(vh)))


@kernel
def svd_values_adjoint_tangent(v, a, da):
    """Tangent of `svd_values_adjoint` (v, a) along `da` (real a, distinct singular values):
    ``dU diag(v) Vh + U diag(v) dVh``."""
    if is_zero(v) or is_zero(da):
        return 0.0
    if np.iscomplexobj(a) or np.iscomplexobj(da):
        raise NoDerivativeError("second derivatives of the singular values of complex "
                                "matrices are not supported")
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    du, _, dvh = svd_tangent(da, u, s, vh)
    return re_like(np.einsum("...ik,...k,...kj->...ij", du, v, vh)
                   + np.einsum("...ik,...k,...kj->...ij", u, v, dvh), a)


@kernel
def cond_weights(s, p=None):
    """d cond / d s for ``cond = s_max / s_min`` (p None or 2) or ``s_min / s_max`` (p -2),
    from the singular values `s` (sorted descending)."""
    s = np.asarray(s)
    w = np.zeros_like(s)
    top, low = s[..., 0], s[..., -1]
    if p == -2:
        top, low = low, top
        i, j = -1, 0
    else:
        i, j = 0, -1
    w[..., i] += 1.0 / low
    w[..., j] -= top / (low * low)
    return w


@kernel
def cond_weights_tangent(ds, s, p=None):
    """Tangent of `cond_weights` along the tangent `ds` of the singular values (a leading
    batch axis allowed)."""
    if is_zero(ds):
        return 0.0
    s = np.asarray(s)
    ds = np.asarray(ds)
    i, j = (-1, 0) if p == -2 else (0, -1)
    top, low = s[..., i], s[..., j]
    dtop, dlow = ds[..., i], ds[..., j]
    out = np.zeros(np.broadcast_shapes(ds.shape, s.shape), dtype=np.result_type(ds, s, 1.0))
    out[..., i] = -dlow / (low * low)
    out[..., j] = -dtop / (low * low) + 2.0 * top * dlow / (low * low * low)
    return out


@kernel
def check_cond_order(p):
    """np.linalg.cond's derivative rule covers the 2-norm condition numbers (p None, 2, -2)."""
    if p not in (None, 2, -2):
        raise NoDerivativeError(f"np.linalg.cond(x, p={p!r}) has no derivative rule (only "
                                "p=None, 2 or -2, from the singular values)",
                                hint="write it as np.linalg.norm(x, p) * "
                                     "np.linalg.norm(np.linalg.inv(x), p)")
    return p


# ----------------------------------------------------------------------------- pinv, lstsq
@kernel
def pinv_tangent(da, a, pinv):
    """Tangent of ``P = pinv(a)`` along `da` (constant rank; batch axes allowed):
    ``-P da P + P P^T da^T (I - a P) + (I - P a) da^T P^T P``."""
    if is_zero(da):
        return 0.0
    dat = _mt(da)
    t1 = -np.einsum("...ij,...jk,...kl->...il", pinv, da, pinv)
    x = np.einsum("...ij,...kj,...kl->...il", pinv, pinv, dat)       # P P^T da^T
    t2 = x - np.einsum("...ij,...jk,...kl->...il", x, a, pinv)
    y = np.einsum("...ij,...kj,...kl->...il", dat, pinv, pinv)       # da^T P^T P
    t3 = y - np.einsum("...ij,...jk,...kl->...il", pinv, a, y)
    return t1 + t2 + t3


@kernel
def lstsq_residual_cotangent(v, residuals, r):
    """The cotangent `v` of lstsq's residuals (sums of squares of the columns of
    ``r = b - a x``) as a cotangent of r: ``2 r v`` (nothing when the residuals are empty:
    a rank-deficient or square system: zeros shaped like r)."""
    if is_zero(v) or np.size(residuals) == 0:
        return np.zeros(np.shape(r), dtype=np.result_type(r, 1.0))
    return 2.0 * r * v


@kernel
def lstsq_residual_tangent(dr, residuals, r):
    """Tangent of lstsq's residuals along the tangent `dr` of ``r = b - a x`` (at the
    solution: the change of x does not count): ``2 sum(r dr)`` over each column."""
    if is_zero(dr) or np.size(residuals) == 0:
        return 0.0
    if np.ndim(r) == 1:         # b a vector: residuals of shape (1,)
        return 2.0 * np.sum(r * dr, axis=-1)[..., None]
    return 2.0 * np.sum(r * dr, axis=-2)


# ------------------------------------------------------------------------------------ eig
@kernel
def eig_gauge(v):
    """1 at the largest component (in absolute value) of each eigenvector (column of `v`),
    0 elsewhere: where LAPACK makes each unit eigenvector real."""
    v = np.asarray(v)
    k = np.argmax(np.abs(v), axis=-2)
    return (np.arange(v.shape[-2])[:, None] == k[..., None, :]).astype(float)


@kernel
def eig_tangent(da, w, v):
    """Tangents (dw, dV) of ``np.linalg.eig`` along `da` (batch axes allowed), in NumPy's
    normalization: each eigenvector has unit norm and its largest component real.
    With P = V^-1 da V: dw = diag(P), dV = V (F o P) + V diag(alpha), F[i, j] =
    1 / (w_j - w_i), alpha keeping the norm and the real component."""
    if is_zero(da):
        return 0.0, 0.0
    vinv = np.linalg.inv(v)
    p = np.einsum("...ij,...jk,...kl->...il", vinv, da, v)
    dw = np.einsum("...ii->...i", p)
    dv = np.einsum("...ij,...jk->...ik", v, eigh_gap(w) * p)
    c = np.einsum("...ji,...ji->...i", np.conj(v), dv)
    m = eig_gauge(v)
    r = np.real(np.einsum("...ji,...ji->...i", m, v))
    e = np.einsum("...ji,...ji->...i", m, dv)
    alpha = -np.real(c) - 1j * np.imag(e) / r
    dv = dv + v * alpha[..., None, :]
    return re_like(dw, w), re_like(dv, v)


# --------------------------------------------------------------------------- matrix power
@kernel
def block_upper(x, e):
    """The block matrix ``[[x, e], [0, x]]`` (stacks allowed): a matrix function of it has
    the function's derivative at x along e in its upper right block."""
    if is_zero(x) and is_zero(e):
        return 0.0
    ref = e if is_zero(x) else x
    shape = np.broadcast_shapes(np.shape(ref), np.shape(e) if not is_zero(e) else ())
    x = np.broadcast_to(0.0 if is_zero(x) else x, shape)
    e = np.broadcast_to(0.0 if is_zero(e) else e, shape)
    zero = np.zeros(shape, dtype=np.result_type(x, e))
    return np.concatenate([np.concatenate([x, e], axis=-1),
                           np.concatenate([zero, x], axis=-1)], axis=-2)


@kernel
def upper_right(b):
    """The upper right block of a block matrix with square blocks."""
    if is_zero(b):
        return 0.0
    n = np.shape(b)[-1] // 2
    return b[..., :n, n:]


@kernel
def power_tangent(da, a, n):
    """Tangent of ``np.linalg.matrix_power(a, n)`` along `da` (batch axes allowed)."""
    if is_zero(da):
        return 0.0
    return upper_right(np.linalg.matrix_power(block_upper(a, da), n))


@kernel
def eig_same_order(a, w):
    """`a`, after checking that ``np.linalg.eig(a)`` lists its eigenvalues as `w` (those of
    np.linalg.eigvals) does: the eigenvalue derivatives pair them with eig's vectors."""
    w2 = np.linalg.eigvals(a)
    if np.shape(w2) != np.shape(w) or not np.allclose(w2, w, rtol=1e-10, atol=1e-12):
        raise NoDerivativeError("np.linalg.eigvals and np.linalg.eig list the eigenvalues of "
                                "this matrix in different orders",
                                hint="use w, v = np.linalg.eig(a)")
    return a


@kernel
def eig_has_repeated(a):
    """True when two eigenvalues of `a` are equal (eigenvector derivatives do not exist)."""
    w = np.linalg.eigvals(a)
    diff = w[..., :, None] - w[..., None, :]
    n = np.shape(w)[-1]
    return bool(np.any((diff == 0) & ~np.eye(n, dtype=bool)))


# ----------------------------------------------------------------------- n-dimensional FFT
@kernel
def fft_axes(a, s=None, axes=None):
    """The axes ``np.fft.fftn(a, s, axes)`` transforms, nonnegative: every axis, or the last
    ``len(s)`` ones, unless given."""
    nd = np.ndim(a)
    if axes is None:
        axes = range(nd - (len(s) if s is not None else nd), nd)
    return tuple(int(ax) % nd for ax in axes)


@kernel
def fft_lengths(a, s=None, axes=None):
    """The lengths of the transforms of ``np.fft.fftn(a, s, axes)`` (a's, unless s is
    given)."""
    if s is not None:
        return tuple(int(n) for n in s)
    return tuple(np.shape(a)[ax] for ax in fft_axes(a, s, axes))


@kernel
def fftn_fit(v, a, axes):
    """`v` cut or zero-padded along each of `axes` to a's lengths, real when `a` is real (the
    adjoint of the padding/truncation ``s=`` does, and of a real argument)."""
    if is_zero(v):
        return 0.0
    for ax in axes:
        v = _resize(v, np.shape(a)[ax], ax)
    return re_like(v, a)


@kernel
def fft_last_axes(axes):
    """All but the last of the transformed `axes` (irfftn's complex transforms)."""
    return tuple(axes)[:-1]


# ------------------------------------------------------------ adjoints of the factorizations
# Each formula runs on arrays (the adjoint) and on dual values (its tangent: `dual_along`).
def _svd_adjoint_formula(gu, gs, gvh, u, s, vh):
    s = dual_smooth(svd_checked, lambda ds, s: ds, s)
    f = dual_smooth(eigh_gap, eigh_gap_tangent, s * s)
    j = f * (dual_ein("...ji,...jk->...ik", u, gu) - dual_ein("...ji,...jk->...ik", gu, u))
    k = f * (dual_ein("...ij,...kj->...ik", vh, gvh) - dual_ein("...ij,...kj->...ik", gvh, vh))
    rows = dual_linear(np.expand_dims, s, -1)
    cols = dual_linear(np.expand_dims, s, -2)
    core = j * cols + dual_linear(diag_embed, gs) + rows * k
    off_u = (gu - dual_ein("...ij,...kj,...kl->...il", u, u, gu)) / cols
    off_v = (gvh - dual_ein("...ij,...kj,...kl->...il", gvh, vh, vh)) / rows
    return (dual_ein("...ij,...jk,...kl->...il", u, core, vh)
            + dual_ein("...ij,...jk->...ik", off_u, vh) + dual_ein("...ij,...jk->...ik", u, off_v))


@kernel
def svd_adjoint(gu, gs, gvh, u, s, vh):
    """Adjoint of the thin SVD ``a = U diag(s) Vh`` (real, distinct nonzero singular values)
    for the cotangents of U, s and Vh: with F[i, j] = 1 / (s_j^2 - s_i^2),
    ``U [(F o (U^T gU - gU^T U)) S + diag(gs) + S (F o (Vh gVh^T - gVh Vh^T))] Vh
    + (I - U U^T) gU S^-1 Vh + U S^-1 gVh (I - Vh^T Vh)``."""
    return _svd_adjoint_formula(gu, gs, gvh, u, s, vh)


@kernel
def svd_adjoint_tangent(which, d, gu, gs, gvh, u, s, vh):
    """Tangent of `svd_adjoint` along the tangent `d` of its argument number `which`."""
    if is_zero(d):
        return 0.0
    return dual_along(_svd_adjoint_formula, (gu, gs, gvh, u, s, vh), which, d)


def _eig_adjoint_formula(gw, gv, w, v):
    vhg = dual_ein("...ji,...ji->...i", dual_linear(np.conj, v), gv)     # diag(V^H gV)
    gauge = eig_gauge(dual_value(v))
    real = dual_linear(np.real, dual_ein("...ji,...ji->...i", gauge, v))
    dvb = (gv - v * dual_linear(np.expand_dims, dual_linear(np.real, vhg), -2)
           - 1j * gauge * dual_linear(np.expand_dims, dual_linear(np.imag, vhg) / real, -2))
    f = dual_linear(np.conj, dual_smooth(eigh_gap, eigh_gap_tangent, w))
    pb = dual_linear(diag_embed, gw) + f * dual_ein("...ji,...jk->...ik",
                                                    dual_linear(np.conj, v), dvb)
    return dual_ein("...ji,...jk,...lk->...il", dual_linear(np.conj, dual_inv(v)), pb,
                    dual_linear(np.conj, v))


@kernel
def eig_adjoint(gw, gv, w, v):
    """Adjoint of ``w, V = np.linalg.eig(a)`` for the cotangents of w and V, in NumPy's
    normalization (unit eigenvectors whose largest component is real): with
    F[i, j] = 1 / (w_j - w_i), ``V^-H [diag(gw) + conj(F) o (V^H gV')] V^H``, where gV' adds
    to gV the cotangents of the normalization."""
    return _eig_adjoint_formula(gw, gv, w, v)


@kernel
def eig_adjoint_tangent(which, d, gw, gv, w, v):
    """Tangent of `eig_adjoint` along the tangent `d` of its argument number `which`."""
    if is_zero(d):
        return 0.0
    return dual_along(_eig_adjoint_formula, (gw, gv, w, v), which, d)


def _pinv_adjoint_formula(g, a, p):
    x = dual_ein("...ji,...jk,...lk->...il", g, p, p)          # g^T P P^T
    y = dual_ein("...ji,...jk,...lk->...il", p, p, g)          # P^T P g^T
    return (-dual_ein("...ji,...jk,...lk->...il", p, g, p) + x
            - dual_ein("...ij,...jk,...kl->...il", a, p, x) + y
            - dual_ein("...ij,...jk,...kl->...il", y, p, a))


@kernel
def pinv_adjoint(g, a, p):
    """Adjoint of ``P = pinv(a)`` (constant rank, real) for the cotangent g of P:
    ``-P^T g P^T + (I - a P) g^T P P^T + P^T P g^T (I - P a)``."""
    if is_zero(g):
        return 0.0
    return _pinv_adjoint_formula(g, a, p)


@kernel
def pinv_adjoint_tangent(which, d, g, a, p):
    """Tangent of `pinv_adjoint` along the tangent `d` of its argument number `which`."""
    if is_zero(d) or is_zero(g):
        return 0.0
    return dual_along(_pinv_adjoint_formula, (g, a, p), which, d)
