"""Rules for ``scipy.linalg`` (registered when SciPy can be imported).

* ``solve_triangular(a, b, trans, lower, unit_diagonal)`` reads one triangle of a (without
  its diagonal for ``unit_diagonal=True``): the adjoint of a lies in that triangle.
* ``cho_factor(a, lower)`` returns ``(c, lower)``: c holds the Cholesky factor of the
  symmetric matrix of a's upper (``lower=True``: lower) triangle in that triangle, and a's
  own values in the other one; both are differentiated.  ``cho_solve((c, lower), b)`` reads
  the factor's triangle of c.
* ``lu_factor(a)`` returns ``(lu, piv)`` with ``a = P L U`` (L unit lower triangular, U
  upper, packed in lu; the permutation P from the pivots piv): lu is differentiated with the
  pivots held fixed, which is exact wherever the pivoting does not change.  ``lu_solve((lu,
  piv), b, trans)`` reads ``P L U``.  Square matrices only.
* ``expm(A)``: the Frechet derivative ``L(A, E)`` is the upper right block of
  ``expm([[A, E], [0, A]])``; the adjoint of ``g`` is ``L(A^H, g)`` (complex matrices too:
  expm is holomorphic).
* ``sqrtm(A)`` for real square roots of nonsingular matrices (a singular A, whose square root
  has no derivative, and complex results are refused when the derivative runs): with
  ``X = sqrtm(A)``, ``X dX + dX X = dA`` is a Sylvester equation.
* ``solve_sylvester(a, b, q)``: ``X = solve_sylvester(a, b, q)`` solves ``a X + X b = q``;
  a and -b must have no common eigenvalue.

The derivatives are for single matrices: SciPy also takes stacks, refused when the
derivative runs.  ``overwrite_a=True`` and ``overwrite_b=True`` are refused (SciPy may
overwrite an argument the derivative needs).  Complex values are refused, except by expm.
The adjoint templates are compositions of primitives with rules (``solve_triangular``
itself, ``np.einsum``, ``np.linalg.inv``, the linear kernels of
`tangent_like.runtime.scipy_linalg`), so forward mode over generated gradient code gives
Hessians.
"""
import scipy.linalg as sl

from ..analysis import lattice
from ..runtime import scipy_linalg as kernels
from .kinds import literal, real_kind
from .registry import defrule, inactive, linear_helper, real_only
from .samples import scipy_linalg as samples

A = lattice.ANY


def _refuse_overwrite(*params):
    def refuse(bound):
        for p in params:
            if literal(bound, p, False) is not False:
                return (f"{p}=True lets SciPy overwrite an argument the derivative needs",
                        f"call it without {p}")
        return None
    return refuse


def _like(param):
    """The kind of argument `param` (an array), for results shaped like it."""
    def kind(arg_kinds, bound):
        k = arg_kinds.get(param, A)
        return k if lattice.is_array(k) else A
    return real_kind(kind, param)


def _pair(first):
    """A pair (a matrix, then pivots or a flag)."""
    return lattice.tuple_kind((first, A))


# ------------------------------------------------------------------------ solve_triangular
def _flipped(bound):
    """The ``trans`` of the transposed system: a literal where trans is one."""
    trans = literal(bound, "trans", 0)
    if trans in (0, 1, 2, "N", "T", "C", "n", "t", "c"):
        return repr(kernels.flipped_trans(trans))
    return "flipped_trans(trans)"


def _with_flipped(template):
    return lambda bound: template.replace("{flipped}", _flipped(bound))


_Z = "scipy.linalg.solve_triangular(a, dense_cotangent(g, y), {flipped}, lower, " \
     "unit_diagonal)"     # op(T)^-T g
real_only(defrule(
    sl.solve_triangular,
    "a, b, trans=0, lower=False, unit_diagonal=False, overwrite_b=False, check_finite=True",
    name="scipy.linalg.solve_triangular", kind=_like("b"),
    refuse_call=_refuse_overwrite("overwrite_b"),
    vjp={"a": _with_flipped(f"-triangle_of(np.einsum(solve_outer(a, b, trans), {_Z}, y), "
                            "lower, unit_diagonal)"),
         "b": _with_flipped(_Z)},
    jvp={"a": "solve_triangular_tangent(da, a, y, trans, lower, unit_diagonal)",
         "b": "scipy.linalg.solve_triangular(a, db, trans, lower, unit_diagonal)"},
    jvp_batch={"b": "batch_at(scipy.linalg.solve_triangular, 1, a, db, trans, lower, "
                    "unit_diagonal)"},
    samples=samples.solve_triangular,
    kink="reads one triangle of a (without the diagonal for unit_diagonal=True)"), "a", "b")
linear_helper(kernels.triangle_of, "m, lower=False, unit_diagonal=False", samples.triangle_of)
inactive(kernels.flipped_trans, name="flipped_trans")
inactive(kernels.solve_outer, name="solve_outer")


# ------------------------------------------------------------------- cho_factor, cho_solve
_GC = "dense_cotangent(cot_getitem(g, 0), y[0])"
_L = "cho_lower(y[0], lower)"
_LINV = f"np.linalg.inv({_L})"
real_only(defrule(
    sl.cho_factor, "a, lower=False, overwrite_a=False, check_finite=True",
    name="scipy.linalg.cho_factor", kind=_pair(A),
    refuse_call=_refuse_overwrite("overwrite_a"),
    # (a 0-d a is factored as a 1 x 1 matrix: the adjoint is reshaped to a's shape)
    vjp={"a": f"np.reshape(cho_copied({_GC}, lower) + lower_to_sym_adjoint(np.einsum("
              f"'ji,jk,kl->il', {_LINV}, chol_phi(np.einsum('ji,jk->ik', {_L}, "
              f"cho_lower({_GC}, lower))), {_LINV}), cho_uplo(lower)), np.shape(a))"},
    jvp={"a": "cho_factor_tangent(da, y[0], lower)"},
    samples=samples.cho_factor,
    kink="reads one triangle of a; a positive definite"), "a")

_ZC = "scipy.linalg.cho_solve(c_and_lower, dense_cotangent(g, y))"           # A^-1 g
_OUTER = f"np.einsum(solve_outer(c_and_lower[0], b), {_ZC}, y)"             # z x^T
# A = L L^T with the adjoint -(z x^T) of A: the adjoint of L is -(z x^T + x z^T) L
real_only(defrule(
    sl.cho_solve, "c_and_lower, b, overwrite_b=False, check_finite=True",
    name="scipy.linalg.cho_solve", kind=_like("b"),
    refuse_call=_refuse_overwrite("overwrite_b"),
    vjp={"c_and_lower": f"(cho_lower_adjoint(-np.einsum('ij,jk->ik', plus_transpose("
                        f"{_OUTER}), cho_lower(c_and_lower[0], c_and_lower[1])), "
                        "c_and_lower[1]), 0.0)",
         "b": _ZC},
    jvp={"c_and_lower": "cho_solve_tangent(dc_and_lower, c_and_lower, y)",
         "b": "scipy.linalg.cho_solve(c_and_lower, db)"},
    jvp_batch={"b": "batch_at(scipy.linalg.cho_solve, 1, c_and_lower, db)"},
    samples=samples.cho_solve, kink="reads the factor's triangle of c"), "c_and_lower", "b")
for _f, _p, _s in ((kernels.plus_transpose, "m", samples.plus_transpose),
                   (kernels.cho_lower, "c, lower", samples.cho_lower),
                   (kernels.cho_lower_adjoint, "v, lower", samples.cho_lower_adjoint),
                   (kernels.cho_copied, "v, lower", samples.cho_copied)):
    linear_helper(_f, _p, _s)
inactive(kernels.cho_uplo, name="cho_uplo")


# --------------------------------------------------------------------- lu_factor, lu_solve
_GLU = "dense_cotangent(cot_getitem(g, 0), y[0])"
_LU_L, _LU_U = "lu_unit_lower(y[0])", "np.triu(y[0])"
_LU_M = (f"np.tril(np.einsum('ji,jk->ik', {_LU_L}, {_GLU}), -1) + "
         f"np.triu(np.einsum('ij,kj->ik', {_GLU}, {_LU_U}))")
real_only(defrule(
    sl.lu_factor, "a, overwrite_a=False, check_finite=True", name="scipy.linalg.lu_factor",
    kind=_pair(A), refuse_call=_refuse_overwrite("overwrite_a"),
    # a = P L U: with M = tril(L^T G, -1) + triu(G U^T), the adjoint is P L^-T M U^-T
    vjp={"a": f"np.einsum('ij,jk->ik', lu_permutation(y[1]), np.einsum('ji,jk,lk->il', "
              f"np.linalg.inv({_LU_L}), {_LU_M}, np.linalg.inv({_LU_U})))"},
    jvp={"a": "lu_factor_tangent(da, y[0], y[1])"},
    samples=samples.lu_factor,
    kink="the pivots are held fixed (exact where the pivoting does not change)"), "a")

_ZL = "scipy.linalg.lu_solve(lu_and_piv, dense_cotangent(g, y), {flipped})"
_W = (f"np.einsum('ji,jk->ik', lu_permutation(lu_and_piv[1]), "
      f"-np.einsum(solve_outer(lu_and_piv[0], b, trans), {_ZL}, y))")     # P^T (adjoint of a)
real_only(defrule(
    sl.lu_solve, "lu_and_piv, b, trans=0, overwrite_b=False, check_finite=True",
    name="scipy.linalg.lu_solve", kind=_like("b"),
    refuse_call=_refuse_overwrite("overwrite_b"),
    vjp={"lu_and_piv": _with_flipped(
             f"(np.tril(np.einsum('ij,kj->ik', {_W}, np.triu(lu_and_piv[0])), -1) + "
             f"np.triu(np.einsum('ji,jk->ik', lu_unit_lower(lu_and_piv[0]), {_W})), 0.0)"),
         "b": _with_flipped(_ZL)},
    jvp={"lu_and_piv": "lu_solve_tangent(dlu_and_piv, lu_and_piv, y, trans)",
         "b": "scipy.linalg.lu_solve(lu_and_piv, db, trans)"},
    jvp_batch={"b": "batch_at(scipy.linalg.lu_solve, 1, lu_and_piv, db, trans)"},
    samples=samples.lu_solve, kink="reads P L U"), "lu_and_piv", "b")
defrule(kernels.lu_unit_lower, "lu", name="lu_unit_lower", kind=A,
        jvp={"lu": "np.tril(dlu, -1)"}, samples=samples.lu_unit_lower)
inactive(kernels.lu_permutation, name="lu_permutation")


# ------------------------------------------------------------------------------------ expm
_G = "dense_cotangent(g, y)"
defrule(sl.expm, "A", name="scipy.linalg.expm", kind=_like("A"),
        vjp={"A": f"upper_right(scipy.linalg.expm(frechet_block(A, {_G}, True)))"},
        jvp={"A": "upper_right(scipy.linalg.expm(frechet_block(A, dA)))"},
        samples=samples.expm)
defrule(kernels.frechet_block, "a, e, adjoint=False", name="frechet_block", kind=A,
        jvp={"a": "frechet_block(da, 0.0, adjoint)", "e": "frechet_block(0.0, de)"},
        samples=samples.frechet_block)


# ----------------------------------------------------------------- sqrtm, solve_sylvester
_ROOT = "sqrtm_root(y, A)"
real_only(defrule(
    sl.sqrtm, "A", name="scipy.linalg.sqrtm", kind=A,
    # (a 0-d A has a 1 x 1 square root: its tangent and adjoint are reshaped)
    vjp={"A": f"np.reshape(scipy.linalg.solve_sylvester(np.transpose({_ROOT}), "
              f"np.transpose({_ROOT}), {_G}), np.shape(A))"},
    jvp={"A": f"scipy.linalg.solve_sylvester({_ROOT}, {_ROOT}, np.reshape(dA, np.shape(y)))"},
    jvp_batch={"A": f"batch_at(scipy.linalg.solve_sylvester, 2, {_ROOT}, {_ROOT}, "
                    "np.reshape(dA, (-1,) + np.shape(y)))"},
    samples=samples.sqrtm,
    kink="A nonsingular, with a real square root"), "A", "y")
defrule(kernels.sqrtm_root, "x, a", name="sqrtm_root", kind=A, jvp={"x": "dx", "a": "0.0"},
        samples=samples.sqrtm_root)

_GQ = f"scipy.linalg.solve_sylvester(square_transpose(a), square_transpose(b), {_G})"


def _sylvester_tangents():
    out = {}
    for k, p in enumerate("abq"):
        tangents = ["0.0"] * 3
        tangents[k] = f"d{p}"
        out[p] = f"sylvester_tangent({', '.join(tangents)}, a, b, y)"
    return out


real_only(defrule(
    sl.solve_sylvester, "a, b, q", name="scipy.linalg.solve_sylvester", kind=_like("q"),
    vjp={"a": f"-np.einsum('ij,kj->ik', {_GQ}, y)", "b": f"-np.einsum('ji,jk->ik', y, {_GQ})",
         "q": f"sylvester_q_adjoint({_GQ}, q)"},
    jvp=_sylvester_tangents(), samples=samples.solve_sylvester,
    kink="a and -b must have no common eigenvalue"), "a", "b", "q")
linear_helper(kernels.square_transpose, "m", samples.square_transpose)
linear_helper(kernels.sylvester_q_adjoint, "v, q", samples.sylvester_q_adjoint)
