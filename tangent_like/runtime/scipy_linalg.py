"""Kernels of the ``scipy.linalg`` rules (rules/scipy_linalg.py): the triangles that
``solve_triangular``, ``cho_factor`` and ``lu_factor`` read and write, the permutation of
``lu_factor``'s pivots, the block matrix of ``expm``'s Frechet derivative, and the tangents
of the factorizations.

Loaded when SciPy is installed, without importing it: `scipy` is given to this module with
SciPy's rules (`special.provide_scipy`).  The derivatives are for single matrices: a stack
of matrices (which SciPy also takes) is refused when the derivative runs.
"""
import numpy as np

from ..errors import NoDerivativeError
from .core import is_zero
from .kernels import kernel
from .linalg import block_upper

scipy = None    # the package, once SciPy's rules are registered (only their code calls these)


def _matrix(name, a, square=True):
    """Refuse what the derivative of `name` does not handle: stacks, non-square matrices."""
    shape = np.shape(a)
    if len(shape) != 2 or (square and shape[0] != shape[1]):
        raise NoDerivativeError(f"{name}: its derivative rule takes a single square matrix, "
                                f"and this one has shape {shape}",
                                hint="call it on each matrix of the stack")


def _transposed(trans):
    """Does ``trans`` (0, 1, 2, 'N', 'T', 'C') solve with the transpose?"""
    return trans not in (0, "N", "n")


# ------------------------------------------------------------------------ solve_triangular
@kernel
def triangle_of(m, lower=False, unit_diagonal=False):
    """The triangle of `m` solve_triangular reads: lower or upper, without the diagonal
    where it is taken as ones."""
    if is_zero(m):
        return 0.0
    k = -1 if unit_diagonal else 0
    return np.tril(m, k) if lower else np.triu(m, -k)


@kernel
def flipped_trans(trans):
    """The ``trans`` of the transposed system, in the same form (real matrices: 'C' is
    'T'; lu_solve takes integers only)."""
    if isinstance(trans, str):
        return "N" if _transposed(trans) else "T"
    return 0 if _transposed(trans) else 1


@kernel
def solve_outer(a, b, trans=0):
    """einsum subscripts of ``z x^T`` (``x z^T`` for a transposed system), z and x shaped
    like b: with ``z = op(a)^-T g``, minus the adjoint of the matrix of ``x = op(a)^-1 b``."""
    _matrix("scipy.linalg.solve_triangular or lu_solve", a)
    vector = np.ndim(b) == 1
    if _transposed(trans):
        return "j,i->ij" if vector else "jk,ik->ij"
    return "i,j->ij" if vector else "ik,jk->ij"


@kernel
def solve_triangular_tangent(da, a, x, trans=0, lower=False, unit_diagonal=False):
    """Tangent of ``x = solve_triangular(a, b, ...)`` along da (a leading batch axis
    allowed): ``-op(T)^-1 op(dT) x``, T and dT the triangles read."""
    if is_zero(da):
        return 0.0
    _matrix("scipy.linalg.solve_triangular", a)
    dt = triangle_of(da, lower, unit_diagonal)
    if _transposed(trans):
        dt = np.swapaxes(dt, -1, -2)
    rhs = np.einsum("...ij,j->...i" if np.ndim(x) == 1 else "...ij,jk->...ik", dt, x)
    if rhs.ndim == np.ndim(x):
        return -scipy.linalg.solve_triangular(a, rhs, trans, lower, unit_diagonal)
    return -np.stack([scipy.linalg.solve_triangular(a, r, trans, lower, unit_diagonal)
                      for r in rhs])


# ------------------------------------------------------------------- cho_factor, cho_solve
@kernel
def plus_transpose(m):
    """``m + m^T``."""
    if is_zero(m):
        return 0.0
    return m + np.swapaxes(m, -1, -2)


@kernel
def cho_lower(c, lower):
    """The lower-triangular Cholesky factor L (A = L L^T) in cho_factor's `c`: its lower
    triangle, or the transpose of its upper one."""
    if is_zero(c):
        return 0.0
    _matrix("scipy.linalg.cho_factor", c)
    return np.tril(c) if lower else np.triu(c).T


@kernel
def cho_lower_adjoint(v, lower):
    """Adjoint of `cho_lower`: `v` (shaped like L) put in the triangle of c holding the
    factor."""
    if is_zero(v):
        return 0.0
    return np.tril(v) if lower else np.triu(np.transpose(v))


@kernel
def cho_copied(v, lower):
    """The triangle of cho_factor's `c` that holds a's own values (not the factor's):
    strictly above the diagonal for a lower factor, below it for an upper one."""
    if is_zero(v):
        return 0.0
    return np.triu(v, 1) if lower else np.tril(v, -1)


@kernel
def cho_uplo(lower):
    """The triangle cho_factor reads: 'L' or 'U'."""
    return "L" if lower else "U"


@kernel
def cho_factor_tangent(da, c, lower):
    """Tangent ``(dc, 0.0)`` of ``(c, lower) = cho_factor(a, lower)`` along da (a leading
    batch axis allowed): the factor's tangent in its triangle, da's own values in the
    other."""
    if is_zero(da):
        return 0.0, 0.0
    if np.ndim(c) > np.ndim(da) - (np.ndim(da) > np.ndim(c)):    # a 0-d a: c is (1, 1)
        da = np.reshape(da, np.shape(da) + (1, 1))
    low = cho_lower(c, lower)
    sym = np.swapaxes(np.tril(da), -1, -2) + np.tril(da, -1) if lower else \
        np.triu(da) + np.swapaxes(np.triu(da, 1), -1, -2)
    linv = np.linalg.inv(low)
    inner = np.einsum("ij,...jk,lk->...il", linv, sym, linv)
    dlow = np.einsum("ij,...jk->...ik", low, np.tril(inner) - 0.5 * np.einsum(
        "...ii,ij->...ij", inner, np.eye(low.shape[0])))
    factor = dlow if lower else np.swapaxes(dlow, -1, -2)
    copied = np.triu(da, 1) if lower else np.tril(da, -1)
    return factor + copied, 0.0


@kernel
def cho_solve_tangent(dfactor, c_and_lower, x):
    """Tangent of ``x = cho_solve((c, lower), b)`` along the tangent of c (`dfactor`: a
    tangent of the pair, or of c; a leading batch axis allowed): ``-A^-1 dA x`` with
    A = L L^T."""
    dc = dfactor[0] if isinstance(dfactor, (tuple, list)) else dfactor
    if is_zero(dc):
        return 0.0
    c, lower = c_and_lower
    low = cho_lower(c, lower)
    dlow = np.tril(dc) if lower else np.swapaxes(np.triu(dc), -1, -2)
    da = np.einsum("...ij,kj->...ik", dlow, low)
    da = da + np.swapaxes(da, -1, -2)
    inverse = scipy.linalg.cho_solve(c_and_lower, np.eye(low.shape[0]))
    vector = np.ndim(x) == 1
    rhs = np.einsum("...ij,j->...i" if vector else "...ij,jk->...ik", da, x)
    return -np.einsum("ij,...j->...i" if vector else "ij,...jk->...ik", inverse, rhs)


# ------------------------------------------------------------------- lu_factor, lu_solve
@kernel
def lu_permutation(piv):
    """The permutation matrix P with ``a = P L U`` from lu_factor's pivots (row i was
    interchanged with row piv[i], in order)."""
    if np.any(np.asarray(piv) >= len(piv)):
        raise NoDerivativeError("scipy.linalg.lu_factor: its derivative rule takes a square "
                                "matrix, and this one has more rows than columns")
    perm = np.arange(len(piv))
    for i, p in enumerate(piv):
        perm[i], perm[p] = perm[p], perm[i]
    return np.eye(len(piv))[perm].T


@kernel
def lu_unit_lower(lu):
    """L of lu_factor's packed ``lu``: its strict lower triangle and a unit diagonal."""
    _matrix("scipy.linalg.lu_factor", lu)
    return np.tril(lu, -1) + np.eye(np.shape(lu)[0])


@kernel
def lu_factor_tangent(da, lu, piv):
    """Tangent ``(dlu, 0.0)`` of ``(lu, piv) = lu_factor(a)`` along da (a leading batch axis
    allowed): with F = L^-1 P^T da U^-1, dL = L tril(F, -1) and dU = triu(F) U."""
    if is_zero(da):
        return 0.0, 0.0
    low, up = lu_unit_lower(lu), np.triu(lu)
    f = np.einsum("ij,kj,...kl,lm->...im", np.linalg.inv(low), lu_permutation(piv), da,
                  np.linalg.inv(up))
    return (np.einsum("ij,...jk->...ik", low, np.tril(f, -1))
            + np.einsum("...ij,jk->...ik", np.triu(f), up)), 0.0


@kernel
def lu_solve_tangent(dfactor, lu_and_piv, x, trans=0):
    """Tangent of ``x = lu_solve((lu, piv), b, trans)`` along the tangent of lu (`dfactor`:
    a tangent of the pair, or of lu; a leading batch axis allowed): ``-op(A)^-1 op(dA) x``
    with A = P L U."""
    dlu = dfactor[0] if isinstance(dfactor, (tuple, list)) else dfactor
    if is_zero(dlu):
        return 0.0
    lu, piv = lu_and_piv
    low, up, perm = lu_unit_lower(lu), np.triu(lu), lu_permutation(piv)
    da = np.einsum("ij,...jk,kl->...il", perm, np.tril(dlu, -1), up) + \
        np.einsum("ij,jk,...kl->...il", perm, low, np.triu(dlu))
    a_inv = scipy.linalg.lu_solve(lu_and_piv, np.eye(low.shape[0]))
    if _transposed(trans):
        da, a_inv = np.swapaxes(da, -1, -2), a_inv.T
    vector = np.ndim(x) == 1
    rhs = np.einsum("...ij,j->...i" if vector else "...ij,jk->...ik", da, x)
    return -np.einsum("ij,...j->...i" if vector else "ij,...jk->...ik", a_inv, rhs)


# ------------------------------------------------------------------------------------ expm
@kernel
def frechet_block(a, e, adjoint=False):
    """The block matrix ``[[a, e], [0, a]]`` (stacks too; a zero `a` or `e` is 0.0), with
    ``a^H`` in place of a for the `adjoint`: the upper right block of its exponential is the
    Frechet derivative of expm at a along e (at a^H: the adjoint of the one at a)."""
    if is_zero(a) and is_zero(e):
        return 0.0
    if np.ndim(e if is_zero(a) else a) < 2:
        raise NoDerivativeError("scipy.linalg.expm: its derivative rule takes square "
                                "matrices (or stacks of them), and this is a scalar",
                                hint="use np.exp for a scalar")
    if adjoint and not is_zero(a):
        a = np.conj(np.swapaxes(a, -1, -2))
    return block_upper(a, e)


# ----------------------------------------------------------------------------------- sqrtm
@kernel
def sqrtm_root(x, a):
    """`x`, the square root sqrtm computed of `a`, after checking that its derivative
    exists: a is a single square matrix (SciPy 1.17's sqrtm of a 0-d array is not its
    square root), and ``x dX + dX x = dA`` has a unique solution (no two eigenvalues of x sum
    to 0: a has no eigenvalue 0)."""
    _matrix("scipy.linalg.sqrtm", a)
    w = np.linalg.eigvals(x)
    sums = np.abs(w[:, None] + w[None, :])
    if sums.size and np.min(sums) <= 1e-8 * max(1.0, float(np.max(np.abs(w)))):
        raise NoDerivativeError("scipy.linalg.sqrtm: the square root of a singular matrix "
                                "has no derivative", hint="keep the matrix nonsingular")
    return x


# ------------------------------------------------------------------------- solve_sylvester
@kernel
def square_transpose(m):
    """The transpose of the square matrix `m` (refuses anything else: SciPy's
    solve_sylvester takes some inconsistent shapes)."""
    if is_zero(m):
        return 0.0
    _matrix("scipy.linalg.solve_sylvester", m)
    return np.transpose(m)


@kernel
def sylvester_tangent(da, db, dq, a, b, x):
    """Tangent of ``x = solve_sylvester(a, b, q)`` along (da, db, dq), each possibly the
    zero 0.0 (a leading batch axis allowed): the solution of
    ``a dX + dX b = dq - da x - x db``."""
    _matrix("scipy.linalg.solve_sylvester", a)
    _matrix("scipy.linalg.solve_sylvester", b)
    rhs = 0.0
    if not is_zero(dq):
        dq = np.asarray(dq)
        # a scalar q is q times the identity to SciPy (batched: one scalar a direction)
        rhs = dq if dq.ndim >= 2 else dq.reshape(dq.shape + (1, 1)) * np.eye(*np.shape(x))
    if not is_zero(da):
        rhs = rhs - np.einsum("...ij,jk->...ik", da, x)
    if not is_zero(db):
        rhs = rhs - np.einsum("ij,...jk->...ik", x, db)
    if is_zero(rhs):
        return 0.0
    if np.ndim(rhs) == 2:
        return scipy.linalg.solve_sylvester(a, b, rhs)
    return np.stack([scipy.linalg.solve_sylvester(a, b, r) for r in rhs])


@kernel
def sylvester_q_adjoint(v, q):
    """The adjoint of solve_sylvester's q from the adjoint `v` of the matrix it stands for:
    a 0-d q is q times the identity to SciPy (its adjoint is the trace of v)."""
    if is_zero(v):
        return 0.0
    if np.ndim(q) == 0:
        return np.trace(v)
    _matrix("scipy.linalg.solve_sylvester", q, square=False)
    return v
