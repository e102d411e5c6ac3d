"""Samples of the ``scipy.linalg`` rules (rules/scipy_linalg.py) and of the kernels their
templates call: well-conditioned matrices with random values in the triangle a function does
not read (its adjoint must be 0 there), symmetric positive definite ones for the Cholesky
factorization, matrices with eigenvalues in the right half-plane for ``sqrtm``, vectors
and matrices on the right.  The factorizations' pairs ``(c, lower)`` and ``(lu, piv)`` are
not perturbed here (they are not float arrays): ``cho_solve`` and ``lu_solve`` are checked
in them end to end, through ``cho_factor`` and ``lu_factor``, by tests/test_scipy_rules.py.
"""
import numpy as np
import scipy.linalg


def _matrix(rng, n=3):
    return rng.standard_normal((n, n)) + n * np.eye(n)


def _spd(rng, n=3):
    m = rng.standard_normal((n, n))
    return m @ m.T + n * np.eye(n)


def _rhs(rng, n=3):
    return [rng.standard_normal(n), rng.standard_normal((n, 2))]


def solve_triangular(rng):
    out = []
    for trans, lower, unit in ((0, False, False), (1, True, False), ("T", False, True),
                               (2, True, True), ("N", True, False), ("C", False, False)):
        for b in _rhs(rng):
            out.append({"a": _matrix(rng), "b": b, "trans": trans, "lower": lower,
                        "unit_diagonal": unit})
    return out


def cho_factor(rng):
    """Positive definite in the triangle read, random in the other."""
    out = []
    for lower in (False, True):
        a = _spd(rng)
        junk = rng.standard_normal((3, 3))
        a = a + (np.triu(junk, 1) if lower else np.tril(junk, -1))
        out.append({"a": a, "lower": lower})
    out.append({"a": _spd(rng, 1), "lower": False})
    return out


def cho_solve(rng):
    return [{"c_and_lower": scipy.linalg.cho_factor(_spd(rng), lower), "b": b}
            for lower in (False, True) for b in _rhs(rng)]


def lu_factor(rng):
    return [{"a": _matrix(rng)}, {"a": rng.standard_normal((3, 3))}, {"a": _matrix(rng, 1)}]


def lu_solve(rng):
    return [{"lu_and_piv": scipy.linalg.lu_factor(rng.standard_normal((3, 3))), "b": b,
             "trans": trans} for trans in (0, 1, 2) for b in _rhs(rng)]


def expm(rng):
    return [{"A": 0.5 * rng.standard_normal((3, 3))}, {"A": 0.5 * rng.standard_normal((2, 2, 2))},
            {"A": rng.standard_normal((1, 1))}]


def sqrtm(rng):
    """Matrices whose square roots are real and nonsingular."""
    upper = np.triu(rng.standard_normal((3, 3)), 1) + np.diag(rng.uniform(0.5, 2.0, 3))
    return [{"A": _spd(rng)}, {"A": upper}, {"A": _spd(rng) + 0.3 * rng.standard_normal((3, 3))}]


def solve_sylvester(rng):
    """a and -b without a common eigenvalue."""
    return [{"a": _matrix(rng), "b": _matrix(rng), "q": rng.standard_normal((3, 3))},
            {"a": _matrix(rng, 2), "b": _matrix(rng), "q": rng.standard_normal((2, 3))}]


# ------------------------------------------------------------------------------- kernels
def triangle_of(rng):
    return [{"m": rng.standard_normal((3, 3)), "lower": lower, "unit_diagonal": unit}
            for lower in (False, True) for unit in (False, True)]


def plus_transpose(rng):
    return [{"m": rng.standard_normal((3, 3))}, {"m": rng.standard_normal((2, 3, 3))}]


def cho_lower(rng):
    return [{"c": rng.standard_normal((3, 3)), "lower": lower} for lower in (False, True)]


def cho_lower_adjoint(rng):
    return [{"v": rng.standard_normal((3, 3)), "lower": lower} for lower in (False, True)]


cho_copied = cho_lower_adjoint


def lu_unit_lower(rng):
    return [{"lu": rng.standard_normal((3, 3))}, {"lu": rng.standard_normal((1, 1))}]


def frechet_block(rng):
    return [{"a": rng.standard_normal((3, 3)), "e": rng.standard_normal((3, 3))},
            {"a": rng.standard_normal((2, 2, 2)), "e": rng.standard_normal((2, 2, 2))}]


def sqrtm_root(rng):
    return [{"x": scipy.linalg.sqrtm(a["A"]), "a": a["A"]} for a in sqrtm(rng)]


def square_transpose(rng):
    return [{"m": rng.standard_normal((3, 3))}, {"m": rng.standard_normal((1, 1))}]


def sylvester_q_adjoint(rng):
    return [{"v": rng.standard_normal((3, 3)), "q": rng.standard_normal((3, 3))},
            {"v": rng.standard_normal((3, 3)), "q": 1.5}]
