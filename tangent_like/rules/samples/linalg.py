"""Samples of the products, ``np.linalg`` and ``np.fft`` (rules/numpy_rules.py,
rules/operators.py, rules/numpy_linalg.py) and of the kernels their templates call.

Matrices are well conditioned (``3 I`` added), symmetric positive definite ones for
``cholesky``.  ``np.dot`` is sampled on scalars (Python floats), vectors, matrices, and an
N-D array with a vector; not on ``b`` of ndim >= 2 with an operand of ndim > 2
(``(2, 2, 3).(3, 2)``, ``(3,).(2, 3, 2)``, ``(2, 3).(2, 3, 4)``): there
`tangent_like.runtime.dot_adjoint_a`/`dot_adjoint_b` fail or are silently wrong (reported).
``@`` takes 1-D and 2-D operands on either side, and stacks of matrices; not a stack
(ndim > 2) on the left of a 1-D right operand, where `tangent_like.runtime.matmul_adjoint_b`
treats the cotangent as a matrix and is wrong (reported).
"""
import numpy as np


DOT_SHAPES = [((), (3,)), ((2, 3), ()), ((), ()), ((3,), (3,)), ((2, 3), (3,)),
              ((3,), (3, 2)), ((2, 3), (3, 4)), ((2, 2, 3), (3,))]
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 2)), ((2, 3), (3, 4)),
                 ((2, 2, 3), (3, 4)), ((3,), (2, 3, 4)), ((2, 2, 3), (2, 3, 4)),
                 ((2, 1, 3), (2, 3, 2))]


def dot(rng):
    return [{"a": rng.standard_normal(sa) if sa else float(rng.standard_normal()),
             "b": rng.standard_normal(sb) if sb else float(rng.standard_normal())}
            for sa, sb in DOT_SHAPES]


def matmul(rng):
    return [{"a": rng.standard_normal(sa), "b": rng.standard_normal(sb)}
            for sa, sb in MATMUL_SHAPES]


def einsum(rng):
    r = rng.standard_normal
    return [{"subscripts": "ij,jk->ik", "a": r((2, 3)), "b": r((3, 4))},
            {"subscripts": "ii->", "a": r((3, 3))},
            {"subscripts": "ii->i", "a": r((3, 3))},
            {"subscripts": "i,i->", "a": r(4), "b": r(4)},
            {"subscripts": "ij->j", "a": r((2, 3))},
            {"subscripts": "ij,j", "a": r((2, 3)), "b": r(3)},
            {"subscripts": "...ij,...jk->...ik", "a": r((2, 2, 3)), "b": r((3, 4))},
            {"subscripts": "ij,ij->ij", "a": r((2, 1)), "b": r((2, 3))},
            {"subscripts": "i,j,k->ijk", "a": r(2), "b": r(3), "c": r(2)},
            {"subscripts": "iij,jk,k->i", "a": r((2, 2, 3)), "b": r((3, 2)), "c": r(2)}]


def einsum_adjoint(rng):
    out = []
    for s in einsum(rng):
        ops = [x for x in (s["a"], s.get("b"), s.get("c")) if x is not None]
        y = np.einsum(s["subscripts"], *ops)
        for k in range(len(ops)):
            v = rng.standard_normal(np.shape(y)) if np.ndim(y) else float(rng.standard_normal())
            out.append({"v": v, "subscripts": s["subscripts"], "which": k, "a": s["a"],
                        "b": s.get("b"), "c": s.get("c")})
    return out


def einsum_call_adjoint(rng):
    """The samples of einsum_adjoint as positional arguments of a call, and calls in the
    interleaved form."""
    r = rng.standard_normal
    out = []
    for s in einsum_adjoint(rng):
        args = [s["subscripts"]] + [x for x in (s["a"], s["b"], s["c"]) if x is not None]
        out.append({"v": s["v"], "which": s["which"] + 1,
                    **{f"p{k}": x for k, x in enumerate(args)}})
    a, b = r((2, 3)), r((3, 4))
    for which in (0, 2):
        out.append({"v": r((2, 4)), "which": which, "p0": a, "p1": [0, 1], "p2": b,
                    "p3": [1, 2], "p4": [0, 2]})
    m = r((2, 2, 3))
    out.append({"v": r((2, 2)), "which": 0, "p0": m, "p1": [Ellipsis, 0, 1], "p2": [0, 0]})
    return out


def pair(rng):
    r = rng.standard_normal
    return [{"a": r(3), "b": r(3)}, {"a": r((2, 3)), "b": r(3)},
            {"a": r((2, 3)), "b": r((4, 3))}, {"a": r((2, 3)), "b": 1.5}]


def outer(rng):
    return [{"a": rng.standard_normal(3), "b": rng.standard_normal(4)},
            {"a": rng.standard_normal((2, 2)), "b": rng.standard_normal(3)}]


def vdot(rng):
    return [{"a": rng.standard_normal(3), "b": rng.standard_normal(3)},
            {"a": rng.standard_normal((2, 3)), "b": rng.standard_normal(6)}]


def tensordot(rng):
    r = rng.standard_normal
    return [{"a": r((2, 3, 4)), "b": r((3, 4, 2)), "axes": 2},
            {"a": r((2, 3)), "b": r((3, 4)), "axes": 1},
            {"a": r(3), "b": r(2), "axes": 0},
            {"a": r((2, 3, 4)), "b": r((4, 2, 5)), "axes": ([0, 2], [1, 0])},
            {"a": r((2, 3)), "b": r((4, 3)), "axes": (1, 1)}]


def two_operand_adjoint(fn, base):
    def samples(rng):
        out = []
        for s in base(rng):
            y = fn(s["a"], s["b"])
            for k in (0, 1):
                v = rng.standard_normal(np.shape(y)) if np.ndim(y) else \
                    float(rng.standard_normal())
                out.append({"v": v, "which": k, "a": s["a"], "b": s["b"]})
        return out
    return samples


outer_adjoint = two_operand_adjoint(np.outer, lambda rng: [
    {"a": rng.standard_normal(3), "b": rng.standard_normal((2, 2))}])
vdot_adjoint = two_operand_adjoint(np.vdot, lambda rng: [
    {"a": rng.standard_normal((2, 2)), "b": rng.standard_normal(4)}])


def squares(rng, shapes=((3, 3), (2, 3, 3))):
    out = []
    for shape in shapes:
        n = shape[-1]
        out.append(rng.standard_normal(shape) + 3.0 * np.eye(n))
    return out


def spd(rng, shape):
    m = rng.standard_normal(shape)
    return np.einsum("...ij,...kj->...ik", m, m) + shape[-1] * np.eye(shape[-1])


def lower_to_sym(rng):
    return [{"x": rng.standard_normal((3, 3)), "uplo": "L"},
            {"x": rng.standard_normal((2, 3, 3)), "uplo": "U"}]


def lower_to_sym_adjoint(rng):
    return [{"s": rng.standard_normal((3, 3)), "uplo": "L"},
            {"s": rng.standard_normal((2, 3, 3)), "uplo": "U"}]


def chol_phi(rng):
    return [{"x": rng.standard_normal((3, 3))}, {"x": rng.standard_normal((2, 3, 3))}]


def diag_embed(rng):
    return [{"v": rng.standard_normal(3)}, {"v": rng.standard_normal((2, 3))}]


def copy_lower_to_upper(rng):
    return [{"m": rng.standard_normal((3, 3))}]


def eigh_gap(rng):
    return [{"w": np.array([-1.0, 0.5, 2.0])}, {"w": np.array([[0.1, 0.7], [-2.0, 1.0]])}]


def qr_r_inverse(rng):
    return [{"r": np.triu(s)} for s in squares(rng)]


def solve(rng):
    r = rng.standard_normal
    a, stack = squares(rng)
    return [{"A": a, "b": r(3)}, {"A": a, "b": r((3, 2))}, {"A": stack, "b": r((2, 3, 2))},
            {"A": stack, "b": r(3)}, {"A": stack, "b": r((3, 1))}]


def square(rng):
    return [{"A": a} for a in squares(rng)]


def cholesky(rng):
    return [{"A": spd(rng, (3, 3))}, {"A": spd(rng, (2, 3, 3))}]


def svd(rng):
    r = rng.standard_normal
    out = []
    for shape in ((3, 3), (4, 2), (2, 4), (2, 3, 2)):
        a = r(shape)
        out.append({"a": a, "full_matrices": False})
        out.append({"a": a, "full_matrices": True, "compute_uv": False})
    return out


def svd_checked(rng):
    return [{"s": np.array([3.0, 1.5, 0.5])}, {"s": np.array([[2.0, 1.0], [4.0, 0.3]])}]


def svd_values_adjoint(rng):
    r = rng.standard_normal
    return [{"v": r(2), "a": r((3, 2))}, {"v": r((2, 3)), "a": r((2, 3, 4))}]


def pinv(rng):
    r = rng.standard_normal
    return [{"a": r((3, 3)) + 3.0 * np.eye(3)}, {"a": r((4, 2))}, {"a": r((2, 4))},
            {"a": r((2, 3, 2))}]


def lstsq(rng):
    r = rng.standard_normal
    return [{"a": r((4, 2)), "b": r(4), "rcond": None},
            {"a": r((5, 3)), "b": r((5, 2)), "rcond": None},
            {"a": r((3, 3)) + 3.0 * np.eye(3), "b": r(3), "rcond": None},
            {"a": r((2, 4)), "b": r(2), "rcond": None}]


def cond(rng):
    r = rng.standard_normal
    return [{"x": r((3, 3)) + 2.0 * np.eye(3)}, {"x": r((4, 2)), "p": 2},
            {"x": r((3, 3)), "p": -2}, {"x": r((2, 3, 3)), "p": None}]


def cond_weights(rng):
    return [{"s": np.array([3.0, 1.5, 0.5]), "p": None},
            {"s": np.array([[2.0, 1.0], [4.0, 0.3]]), "p": -2}]


def eig(rng):
    r = rng.standard_normal
    sym = r((3, 3))
    return [{"a": r((3, 3))}, {"a": r((4, 4))}, {"a": r((2, 3, 3))}, {"a": sym + sym.T}]


def eigvalsh(rng):
    r = rng.standard_normal
    return [{"a": r((3, 3)), "UPLO": "L"}, {"a": r((2, 3, 3)), "UPLO": "U"}]


def matrix_power(rng):
    a, stack = squares(rng)
    return [{"a": a, "n": 3}, {"a": a, "n": 0}, {"a": a, "n": 1}, {"a": a, "n": -2},
            {"a": stack, "n": 2}]


def upper_right(rng):
    return [{"b": rng.standard_normal((4, 4))}, {"b": rng.standard_normal((2, 6, 6))}]


def block_upper(rng):
    r = rng.standard_normal
    return [{"x": r((2, 2)), "e": r((2, 2))}, {"x": r((2, 3, 3)), "e": r((2, 3, 3))}]


def fftn(name):
    """Samples of np.fft.fftn and its kin (`name`): lengths cut and padded, some axes,
    every norm (irfftn's half spectrum is real here: the checker adds complex variants)."""
    def samples(rng):
        r = rng.standard_normal
        two = name.endswith("2")
        out = [{"a": r((3, 4))}, {"a": r((2, 3, 4)), "norm": "ortho"},
               {"a": r((3, 4)), "s": (2, 6), "norm": "forward"},
               {"a": r((2, 3, 5)), "axes": (0, 2), "s": (3, 4)}]
        if not two:
            out += [{"a": r((2, 3, 4)), "axes": (1,)}, {"a": r((3, 4)), "s": (5,)}]
        for a in out:
            if two and "axes" not in a:
                a["axes"] = (-2, -1)
            a.setdefault("s", None)
            a.setdefault("axes", None if not two else (-2, -1))
            a.setdefault("norm", None)
        return out
    return samples


def fftshift(rng):
    r = rng.standard_normal
    return [{"x": r((3, 4))}, {"x": r((5,)), "axes": 0}, {"x": r((2, 3, 5)), "axes": (0, 2)},
            {"x": r((2, 5)), "axes": -1}]


def fftn_fit(rng):
    r = rng.standard_normal
    return [{"v": r((2, 6)), "a": r((3, 4)), "axes": (0, 1)},
            {"v": r((3, 3)) + 1j * r((3, 3)), "a": r((3, 4)) + 0j, "axes": (1,)}]


def svd_adjoint(rng):
    out = []
    for shape in ((3, 3), (4, 2), (2, 3, 2)):
        u, s, vh = np.linalg.svd(rng.standard_normal(shape), full_matrices=False)
        out.append({"gu": rng.standard_normal(u.shape), "gs": rng.standard_normal(s.shape),
                    "gvh": rng.standard_normal(vh.shape), "u": u, "s": s, "vh": vh})
    return out


def eig_adjoint(rng):
    out = []
    for a in (rng.standard_normal((3, 3)), rng.standard_normal((2, 3, 3))):
        w, v = np.linalg.eig(a)
        r = rng.standard_normal
        out.append({"gw": r(w.shape) + 1j * r(w.shape), "gv": r(v.shape) + 1j * r(v.shape),
                    "w": w, "v": v})
    return out


def pinv_adjoint(rng):
    out = []
    for s in pinv(rng):
        p = np.linalg.pinv(s["a"])
        out.append({"g": rng.standard_normal(p.shape), "a": s["a"], "p": p})
    return out
