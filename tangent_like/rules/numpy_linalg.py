"""Rules for NumPy's products (inner, outer, vdot, tensordot, einsum), ``np.linalg``
(solve, inv, det, slogdet, cholesky, eigh, qr) and ``np.fft`` (fft, ifft, rfft, irfft).

Products are multilinear: every one is written as an einsum, and the adjoint of an operand is
the einsum of the cotangent with the other operands, output and operand subscripts swapped
(`einsum_adjoint`; repeated indices such as ``'ii->'`` scatter onto the diagonal, letters of
the operand missing elsewhere broadcast, ``...`` and size-1 broadcasting are undone).
``np.einsum`` is supported with one to three operands (``np.einsum(subscripts, a, b, c)``;
the ``optimize=`` keyword and the interleaved operand/sublist form are not).

Linear algebra (stacks of matrices ``(..., n, n)`` are supported throughout):

* ``solve``, ``inv``, ``det``, ``slogdet``: A must be invertible; the derivatives use
  ``inv(A)`` (``det`` of a singular matrix raises where the adjugate would still exist).
  ``slogdet`` returns ``(sign, logabsdet)``: the sign is constant (derivative 0).
* ``cholesky`` and ``eigh`` read only the lower triangle of A (``eigh(A, UPLO='U')`` the
  upper one), exactly as NumPy does: the derivative of the function NumPy computes is
  returned, so the adjoint is zero above the diagonal and counts each off-diagonal pair
  once (for a symmetric A built from other values, the chain rule gives the usual
  symmetric result).  ``eigh`` needs distinct eigenvalues for eigenvector derivatives;
  where two eigenvalues are exactly equal their coupling term is taken as 0, so derivatives
  through the eigenvalues alone stay exact with repeated eigenvalues.  The eigenvectors'
  signs are NumPy's (locally constant).
* ``qr``: ``mode='reduced'`` (the default), A of full column rank with m >= n.
* Complex matrices: ``solve``, ``inv`` and ``det`` are holomorphic; their adjoints are the
  conjugates of the real templates applied to the conjugate cotangent.  ``slogdet``,
  ``cholesky``, ``eigh`` and ``qr`` refuse complex values (NoDerivativeError when the
  derivative is evaluated): their rules are for real matrices only.

FFT: ``fft``, ``ifft``, ``rfft``, ``irfft`` along one axis, with ``n``, ``axis`` and
``norm``.  Complex values use the real inner product ``Re <g, y> = Re sum(conj(g) * y)``: the
adjoint of a complex value ``z`` is ``dL/dRe z + 1j dL/dIm z``, and the adjoint of a real
argument is real.  With it the adjoint of ``fft`` is ``ifft`` with the dual norm (unnormalised
``conj(F).T``), of ``rfft`` that applied to the zero-padded half spectrum (real part), and of
``irfft`` an ``rfft`` with the inner frequencies doubled (irfft ignores the imaginary parts
of the zero and Nyquist terms, and so does its adjoint).
``np.real``, ``np.imag``, ``np.conj`` and ``.real``/``.imag``/``.conj()`` carry derivatives
under the same convention.

The adjoint templates are compositions of primitives that have rules themselves (``einsum``,
``inv``, ``fft``..., and helpers registered with forward rules), so forward-over-reverse
differentiates generated gradient code (Hessians).  Tangent templates use helpers without
rules (``einsum_or_zero``, ``eigh_tangent``, ``qr_tangent``...).
"""
import string
from collections import Counter

import numpy as np

from ..analysis import lattice
from ..errors import NoDerivativeError
from .registry import (attribute, defrule, helper, inactive, lookup, lookup_attribute,
                       lookup_method, method)
from .numpy_rules import real_kind
from .numpy_select import _dense, _is_zero, _real_like, linear_helper, multilinear_helper

A = lattice.ANY
TESTED_BY = "tests/test_numpy_select_linalg.py"


# ------------------------------------------------------------------------------ einsum
def _einsum_parse(subscripts, shapes):
    """Explicit subscripts (no ``...``, output given) and letter sizes for these operands."""
    s = subscripts.replace(" ", "")
    if "->" in s:
        lhs, out = s.split("->")
    else:
        lhs, out = s, None
    ins = lhs.split(",")
    if len(ins) != len(shapes):
        raise ValueError(f"einsum {subscripts!r}: {len(ins)} operands in the subscripts, "
                         f"{len(shapes)} given")
    used = {ch for ch in s if ch.isalpha()}
    free = [ch for ch in string.ascii_letters if ch not in used]
    ell_nd = 0
    for t, shape in zip(ins, shapes):
        if "..." in t:
            ell_nd = max(ell_nd, len(shape) - (len(t) - 3))
    ell = "".join(free[:ell_nd])
    explicit = []
    for t, shape in zip(ins, shapes):
        if "..." in t:
            k = len(shape) - (len(t) - 3)
            t = t.replace("...", ell[ell_nd - k:])
        explicit.append(t)
    if out is None:
        counts = Counter(ch for t in ins for ch in t if ch.isalpha())
        out = ell + "".join(sorted(ch for ch, n in counts.items() if n == 1))
    else:
        out = out.replace("...", ell)
    sizes = {}
    for t, shape in zip(explicit, shapes):
        for ch, n in zip(t, shape):
            if sizes.get(ch, 1) == 1:
                sizes[ch] = n
    return explicit, out, sizes


def _operands(a, b, c):
    return [x for x in (a, b, c) if x is not None]


def _conj(x):
    return np.conj(x) if np.iscomplexobj(x) else x


@helper
def einsum_adjoint(v, subscripts, which, a, b=None, c=None):
    """Adjoint of operand `which` of ``np.einsum(subscripts, a, b, c)`` for cotangent `v`."""
    ops = _operands(a, b, c)
    shapes = [np.shape(x) for x in ops]
    if any(np.size(x) == 0 for x in ops):    # an empty operand: the result is 0 or empty
        return np.zeros(shapes[which], dtype=np.result_type(ops[which], 1.0))
    ins, out, sizes = _einsum_parse(subscripts, shapes)
    v = _dense(v, tuple(sizes[ch] for ch in out))
    target, tshape = ins[which], shapes[which]
    others = [k for k in range(len(ops)) if k != which]
    uniq = "".join(dict.fromkeys(target))
    avail = set(out).union(*[set(ins[k]) for k in others])
    calc = "".join(ch for ch in uniq if ch in avail)
    spec = ",".join([out] + [ins[k] for k in others]) + "->" + calc
    G = np.einsum(spec, v, *[_conj(ops[k]) for k in others])
    tsize = dict(zip(target, tshape))
    G = np.reshape(G, [G.shape[calc.index(ch)] if ch in calc else 1 for ch in uniq])
    for i, ch in enumerate(uniq):        # size-1 dimensions broadcast by einsum
        if tsize[ch] == 1 and G.shape[i] != 1:
            G = np.sum(G, axis=i, keepdims=True)
    G = np.broadcast_to(G, [tsize[ch] for ch in uniq])
    if len(uniq) == len(target):
        res = np.array(G)
    else:                                # repeated letters: onto the diagonal
        res = np.zeros(tshape, dtype=G.dtype)
        mesh = np.ix_(*[np.arange(tsize[ch]) for ch in uniq])
        res[tuple(mesh[uniq.index(ch)] for ch in target)] = G
    return _real_like(res, ops[which])


@helper
def einsum_or_zero(subscripts, *operands):
    """``np.einsum`` in tangent templates: 0.0 when an operand is the zero tangent 0.0 (the
    result is multilinear in each operand)."""
    if any(_is_zero(x) for x in operands):
        return 0.0
    return np.einsum(subscripts, *operands)


@helper
def einsum_tangent(d, subscripts, which, a, b=None, c=None, batch=False):
    """``np.einsum`` with operand `which` replaced by its tangent `d` (with a leading batch
    axis when `batch`)."""
    if _is_zero(d):
        return 0.0
    ops = _operands(a, b, c)
    if not batch:
        ops[which] = d
        return np.einsum(subscripts, *ops)
    ins, out, _ = _einsum_parse(subscripts, [np.shape(x) for x in ops])
    z = next(ch for ch in string.ascii_letters if ch not in set("".join(ins) + out))
    ins[which] = z + ins[which]
    ops[which] = d
    return np.einsum(",".join(ins) + "->" + z + out, *ops)


def _einsum_kind(arg_kinds, bound):
    import gast
    node = bound.get("subscripts")
    if not (isinstance(node, gast.Constant) and isinstance(node.value, str)) \
            or "." in node.value:
        return A
    s = node.value.replace(" ", "")
    if "->" in s:
        out = s.split("->")[1]
    else:
        counts = Counter(ch for ch in s if ch.isalpha())
        out = [ch for ch, n in counts.items() if n == 1]
    return lattice.SCALAR if len(out) == 0 else ("array", len(out))


def _einsum_samples(rng):
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


def _einsum_template(pattern, k):
    """A template naming only the operands the call passes (the others are absent)."""
    def template(bound):
        ops = ", ".join(p for p in "abc" if p in bound)
        return pattern.format(k=k, p="abc"[k], ops=ops)
    return template


_einsum = defrule(
    np.einsum, "subscripts, a, b=None, c=None", kind=real_kind(_einsum_kind, "a", "b", "c"),
    vjp={p: _einsum_template("einsum_adjoint(g, subscripts, {k}, {ops})", k)
         for k, p in enumerate("abc")},
    jvp={p: _einsum_template("einsum_tangent(d{p}, subscripts, {k}, {ops})", k)
         for k, p in enumerate("abc")},
    jvp_batch={p: f"einsum_tangent(d{p}, subscripts, {k}, a, b, c, True)"
               for k, p in enumerate("abc")},
    samples=_einsum_samples, kink="one to three operands; no optimize= keyword")


def _einsum_adjoint_samples(rng):
    out = []
    for s in _einsum_samples(rng):
        ops = _operands(s["a"], s.get("b"), s.get("c"))
        y = np.einsum(s["subscripts"], *ops)
        for k in range(len(ops)):
            v = rng.standard_normal(np.shape(y)) if np.ndim(y) else float(rng.standard_normal())
            out.append({"v": v, "subscripts": s["subscripts"], "which": k, "a": s["a"],
                        "b": s.get("b"), "c": s.get("c")})
    return out


multilinear_helper(einsum_adjoint, "v, subscripts, which, a, b=None, c=None", ["a", "b", "c"],
                   _einsum_adjoint_samples)


# --------------------------------------------------------- inner, outer, vdot, tensordot
@helper
def tensordot_subscripts(a, b, axes=2):
    """The einsum subscripts of ``np.tensordot(a, b, axes)``."""
    na, nb = np.ndim(a), np.ndim(b)
    if isinstance(axes, (int, np.integer)):
        ax_a, ax_b = list(range(na - axes, na)), list(range(axes))
    else:
        ax_a, ax_b = axes
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
    ax_a = [x % na for x in ax_a]
    ax_b = [x % nb for x in ax_b]
    letters = iter(string.ascii_letters)
    la = [next(letters) for _ in range(na)]
    lb = [None] * nb
    for i, j in zip(ax_a, ax_b):
        lb[j] = la[i]
    lb = [x if x is not None else next(letters) for x in lb]
    out = [la[i] for i in range(na) if i not in ax_a] + \
        [lb[j] for j in range(nb) if j not in ax_b]
    return "".join(la) + "," + "".join(lb) + "->" + "".join(out)


@helper
def inner_subscripts(a, b):
    """The einsum subscripts of ``np.inner(a, b)`` (a product when one is a scalar)."""
    na, nb = np.ndim(a), np.ndim(b)
    L = string.ascii_letters
    if na == 0 or nb == 0:
        la, lb = L[:na], L[na:na + nb]
        return f"{la},{lb}->{la}{lb}"
    la = L[:na - 1] + "Z"
    lb = L[na - 1:na + nb - 2] + "Z"
    return f"{la},{lb}->{la[:-1]}{lb[:-1]}"


inactive(tensordot_subscripts, kind=A, name="tensordot_subscripts")
inactive(inner_subscripts, kind=A, name="inner_subscripts")


@helper
def outer_adjoint(v, which, a, b):
    """Adjoint of ``np.outer(a, b)`` (operands flattened) with respect to operand `which`."""
    av, bv = np.ravel(a), np.ravel(b)
    v = _dense(v, (av.size, bv.size))
    if which == 0:
        return _real_like(np.reshape(v @ _conj(bv), np.shape(a)), a)
    return _real_like(np.reshape(_conj(av) @ v, np.shape(b)), b)


@helper
def vdot_adjoint(v, which, a, b):
    """Adjoint of ``np.vdot(a, b) = sum(conj(a) * b)`` with respect to operand `which`."""
    if which == 0:
        return _real_like(np.reshape(np.ravel(b) * np.conj(v), np.shape(a)), a)
    return _real_like(np.reshape(np.ravel(a) * v, np.shape(b)), b)


def _pair_samples(rng):
    r = rng.standard_normal
    return [{"a": r(3), "b": r(3)}, {"a": r((2, 3)), "b": r(3)},
            {"a": r((2, 3)), "b": r((4, 3))}, {"a": r((2, 3)), "b": 1.5}]


def _inner_kind(arg_kinds, bound):
    if arg_kinds.get("a") == ("array", 1) and arg_kinds.get("b") == ("array", 1):
        return lattice.SCALAR
    return A


_inner = defrule(np.inner, "a, b", kind=_inner_kind,
                 vjp={"a": "einsum_adjoint(g, inner_subscripts(a, b), 0, a, b)",
                      "b": "einsum_adjoint(g, inner_subscripts(a, b), 1, a, b)"},
                 jvp={"a": "tangent_call(np.inner, 0, da, b)",
                      "b": "tangent_call(np.inner, 1, a, db)"},
                 jvp_batch={"a": "einsum_tangent(da, inner_subscripts(a, b), 0, a, b, None, "
                                 "True)",
                            "b": "einsum_tangent(db, inner_subscripts(a, b), 1, a, b, None, "
                                 "True)"},
                 samples=_pair_samples)
_outer = defrule(np.outer, "a, b", kind=real_kind(("array", 2), "a", "b"),
                 vjp={"a": "outer_adjoint(g, 0, a, b)", "b": "outer_adjoint(g, 1, a, b)"},
                 jvp={"a": "tangent_call(np.outer, 0, da, b)",
                      "b": "tangent_call(np.outer, 1, a, db)"},
                 jvp_batch={"a": "batch_at(np.outer, 0, da, b)",
                            "b": "batch_at(np.outer, 1, a, db)"},
                 samples=lambda rng: [{"a": rng.standard_normal(3), "b": rng.standard_normal(4)},
                                      {"a": rng.standard_normal((2, 2)),
                                       "b": rng.standard_normal(3)}])
_vdot = defrule(np.vdot, "a, b", kind=real_kind(lattice.SCALAR, "a", "b"),
                vjp={"a": "vdot_adjoint(g, 0, a, b)", "b": "vdot_adjoint(g, 1, a, b)"},
                jvp={"a": "tangent_call(np.vdot, 0, da, b)",
                     "b": "tangent_call(np.vdot, 1, a, db)"},
                jvp_batch={"a": "batch_at(np.vdot, 0, da, b)",
                           "b": "batch_at(np.vdot, 1, a, db)"},
                samples=lambda rng: [{"a": rng.standard_normal(3), "b": rng.standard_normal(3)},
                                     {"a": rng.standard_normal((2, 3)),
                                      "b": rng.standard_normal(6)}])


def _tensordot_samples(rng):
    r = rng.standard_normal
    return [{"a": r((2, 3, 4)), "b": r((3, 4, 2)), "axes": 2},
            {"a": r((2, 3)), "b": r((3, 4)), "axes": 1},
            {"a": r(3), "b": r(2), "axes": 0},
            {"a": r((2, 3, 4)), "b": r((4, 2, 5)), "axes": ([0, 2], [1, 0])},
            {"a": r((2, 3)), "b": r((4, 3)), "axes": (1, 1)}]


_tensordot = defrule(
    np.tensordot, "a, b, axes=2", kind=A,
    vjp={"a": "einsum_adjoint(g, tensordot_subscripts(a, b, axes), 0, a, b)",
         "b": "einsum_adjoint(g, tensordot_subscripts(a, b, axes), 1, a, b)"},
    jvp={"a": "tangent_call(np.tensordot, 0, da, b, axes)",
         "b": "tangent_call(np.tensordot, 1, a, db, axes)"},
    jvp_batch={"a": "einsum_tangent(da, tensordot_subscripts(a, b, axes), 0, a, b, None, "
                    "True)",
               "b": "einsum_tangent(db, tensordot_subscripts(a, b, axes), 1, a, b, None, "
                    "True)"},
    samples=_tensordot_samples)


def _two_operand_adjoint_samples(fn, base):
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


multilinear_helper(outer_adjoint, "v, which, a, b", ["a", "b"],
                   _two_operand_adjoint_samples(np.outer, lambda rng: [
                       {"a": rng.standard_normal(3), "b": rng.standard_normal((2, 2))}]))
multilinear_helper(vdot_adjoint, "v, which, a, b", ["a", "b"],
                   _two_operand_adjoint_samples(np.vdot, lambda rng: [
                       {"a": rng.standard_normal((2, 2)), "b": rng.standard_normal(4)}]))


# ------------------------------------------------------------------ matrix-valued helpers
@helper
def lower_to_sym(x, uplo="L"):
    """The symmetric matrix NumPy's cholesky/eigh see: `x`'s lower (or upper) triangle
    mirrored."""
    if _is_zero(x):
        return 0.0
    if uplo.upper() == "U":
        return np.triu(x) + np.swapaxes(np.triu(x, 1), -1, -2)
    return np.tril(x) + np.swapaxes(np.tril(x, -1), -1, -2)


@helper
def lower_to_sym_adjoint(s, uplo="L"):
    """Adjoint of `lower_to_sym`: off-diagonal pairs summed into the triangle read."""
    if _is_zero(s):
        return 0.0
    st = np.swapaxes(s, -1, -2)
    if uplo.upper() == "U":
        return np.triu(s) + np.triu(st, 1)
    return np.tril(s) + np.tril(st, -1)


@helper
def chol_phi(x):
    """The lower triangle of `x` with its diagonal halved."""
    if _is_zero(x):
        return 0.0
    return np.tril(x) - 0.5 * diag_embed(np.diagonal(x, 0, -2, -1))


@helper
def diag_embed(v):
    """Matrices with the last axis of `v` on their diagonal."""
    if _is_zero(v):
        return 0.0
    v = np.asarray(v)
    n = v.shape[-1]
    out = np.zeros(v.shape + (n,), dtype=np.result_type(v, 1.0))
    i = np.arange(n)
    out[..., i, i] = v
    return out


@helper
def copy_lower_to_upper(m):
    """``tril(m) + tril(m, -1).T``: the symmetric matrix with m's lower triangle."""
    if _is_zero(m):
        return 0.0
    return np.tril(m) + np.swapaxes(np.tril(m, -1), -1, -2)


@helper
def eigh_gap(w):
    """``F[i, j] = 1 / (w[j] - w[i])`` off the diagonal, 0 on it and where w[i] == w[j]."""
    w = np.asarray(w)
    diff = w[..., None, :] - w[..., :, None]
    same = diff == 0
    return np.where(same, 0.0, 1.0 / np.where(same, 1.0, diff))


@helper
def eigh_gap_tangent(dw, w):
    """Tangent of `eigh_gap`: ``-F**2 * (dw[j] - dw[i])`` (a leading batch axis allowed)."""
    if _is_zero(dw):
        return 0.0
    f = eigh_gap(w)
    dw = np.asarray(dw)
    return -f * f * (dw[..., None, :] - dw[..., :, None])


@helper
def eigh_tangent(da, w, v, uplo="L"):
    """Tangents (dw, dV) of ``eigh`` along dA (batch axes allowed): with M = V^T dA V,
    dw = diag(M) and dV = V (F * M), F = `eigh_gap` (w)."""
    if _is_zero(da):
        return 0.0, 0.0
    m = np.einsum("...ji,...jk,...kl->...il", v, lower_to_sym(da, uplo), v)
    return (np.einsum("...ii->...i", m),
            np.einsum("...ij,...jk->...ik", v, eigh_gap(w) * m))


@helper
def cholesky_tangent(da, l):
    """Tangent of ``L = cholesky(A)`` along dA (batch axes allowed):
    dL = L phi(L^-1 dA L^-T), phi = the lower triangle with the diagonal halved."""
    if _is_zero(da):
        return 0.0
    linv = np.linalg.inv(l)
    return np.einsum("...ij,...jk->...ik", l, chol_phi(np.einsum(
        "...ij,...jk,...lk->...il", linv, lower_to_sym(da), linv)))


@helper
def eigh_has_repeated(a, uplo="L"):
    w = np.linalg.eigvalsh(a, UPLO=uplo)
    return bool(np.any(np.diff(w, axis=-1) == 0))


inactive(eigh_has_repeated, kind=lattice.INT, name="eigh_has_repeated")


@helper
def qr_r_inverse(r):
    """``inv(R)`` of a QR factorisation; refuses wide matrices (m < n)."""
    if np.shape(r)[-1] != np.shape(r)[-2]:
        raise NoDerivativeError("the derivative of np.linalg.qr needs m >= n "
                                f"(R has shape {np.shape(r)})")
    return np.linalg.inv(r)


@helper
def qr_tangent(da, q, r):
    """Tangents (dQ, dR) of the reduced QR factorisation along dA (batch axes allowed).

    With X = Q^T dA R^-1 and Omega = tril(X, -1) - tril(X, -1)^T (skew):
    dR = (X - Omega) R and dQ = (dA - Q dR) R^-1."""
    if _is_zero(da):
        return 0.0, 0.0
    rinv = qr_r_inverse(r)
    x = np.einsum("...ji,...jk,...kl->...il", q, da, rinv)
    low = np.tril(x, -1)
    omega = low - np.swapaxes(low, -1, -2)
    dr = np.einsum("...ij,...jk->...ik", x - omega, r)
    dq = np.einsum("...ij,...jk->...ik", da - np.einsum("...ij,...jk->...ik", q, dr), rinv)
    return dq, dr


def _square_samples(rng, shapes=((3, 3), (2, 3, 3))):
    out = []
    for shape in shapes:
        n = shape[-1]
        out.append(rng.standard_normal(shape) + 3.0 * np.eye(n))
    return out


def _spd(rng, shape):
    m = rng.standard_normal(shape)
    return np.einsum("...ij,...kj->...ik", m, m) + shape[-1] * np.eye(shape[-1])


linear_helper(lower_to_sym, "x, uplo='L'", lambda rng: [
    {"x": rng.standard_normal((3, 3)), "uplo": "L"},
    {"x": rng.standard_normal((2, 3, 3)), "uplo": "U"}])
linear_helper(lower_to_sym_adjoint, "s, uplo='L'", lambda rng: [
    {"s": rng.standard_normal((3, 3)), "uplo": "L"},
    {"s": rng.standard_normal((2, 3, 3)), "uplo": "U"}])
linear_helper(chol_phi, "x", lambda rng: [{"x": rng.standard_normal((3, 3))},
                                          {"x": rng.standard_normal((2, 3, 3))}])
linear_helper(diag_embed, "v", lambda rng: [{"v": rng.standard_normal(3)},
                                            {"v": rng.standard_normal((2, 3))}])
linear_helper(copy_lower_to_upper, "m", lambda rng: [{"m": rng.standard_normal((3, 3))}])
defrule(eigh_gap, "w", kind=A, jvp={"w": "eigh_gap_tangent(dw, w)"}, name="eigh_gap",
        samples=lambda rng: [{"w": np.array([-1.0, 0.5, 2.0])},
                             {"w": np.array([[0.1, 0.7], [-2.0, 1.0]])}])
defrule(qr_r_inverse, "r", kind=A, jvp={"r": "-np.einsum('...ij,...jk,...kl->...il', y, dr, y)"},
        name="qr_r_inverse",
        samples=lambda rng: [{"r": np.triu(s)} for s in _square_samples(rng)])


# ----------------------------------------------------------------------- linear algebra
@helper
def solve_spec(b, which):
    """einsum subscripts for ``solve(A, b)``'s derivatives: b a vector (1-D) or matrices.

    0: A^-T g, 1: -(A^-T g) x^T, 2: A^-1 X."""
    vector = np.ndim(b) == 1
    return (("...ji,...j->...i", "...i,...j->...ij", "...ij,...j->...i") if vector else
            ("...ji,...jk->...ik", "...ik,...jk->...ij", "...ij,...jk->...ik"))[which]


inactive(solve_spec, kind=A, name="solve_spec")

_G = "dense_cotangent(g, y)"
_INV_T_G = f"np.einsum(solve_spec(b, 0), np.linalg.inv(A), {_G})"


def _same_kind(param):
    def kind(arg_kinds, bound):
        k = arg_kinds.get(param, A)
        return k if lattice.is_array(k) else A
    return kind


def _solve_kind(arg_kinds, bound):
    b = arg_kinds.get("b", A)
    return b if arg_kinds.get("A") == ("array", 2) and lattice.is_array(b) else A


def _solve_samples(rng):
    r = rng.standard_normal
    a, stack = _square_samples(rng)
    return [{"A": a, "b": r(3)}, {"A": a, "b": r((3, 2))}, {"A": stack, "b": r((2, 3, 2))},
            {"A": stack, "b": r(3)}, {"A": stack, "b": r((3, 1))}]


_solve = defrule(
    np.linalg.solve, "A, b", name="np.linalg.solve", kind=_solve_kind,
    vjp={"A": f"unbroadcast(-np.einsum(solve_spec(b, 1), {_INV_T_G}, y), A)",
         "b": f"unbroadcast({_INV_T_G}, b)"},
    jvp={"A": "-einsum_or_zero(solve_spec(b, 2), np.linalg.inv(A), "
              "einsum_or_zero(solve_spec(b, 2), dA, y))",
         "b": "einsum_or_zero(solve_spec(b, 2), np.linalg.inv(A), db)"},
    # batched: the batch axis must not meet a stack axis of the other operand ('...')
    jvp_batch={"A": "-einsum_or_zero(solve_spec(b, 2), np.linalg.inv(A), "
                    "einsum_or_zero(solve_spec(b, 2), batch_align(dA, A, y), y))",
               "b": "einsum_or_zero(solve_spec(b, 2), np.linalg.inv(A), "
                    "batch_align(db, b, y))"},
    samples=_solve_samples, kink="A must be invertible")
_inv = defrule(
    np.linalg.inv, "A", name="np.linalg.inv", kind=_same_kind("A"),
    vjp={"A": f"-np.einsum('...ji,...jk,...lk->...il', y, {_G}, y)"},
    jvp={"A": "-einsum_or_zero('...ij,...jk,...kl->...il', y, dA, y)"},
    samples=lambda rng: [{"A": a} for a in _square_samples(rng)],
    kink="A must be invertible")


def _det_kind(arg_kinds, bound):
    return lattice.SCALAR if arg_kinds.get("A") == ("array", 2) else A


_det = defrule(
    np.linalg.det, "A", name="np.linalg.det", kind=_det_kind,
    vjp={"A": f"np.einsum('...,...ji->...ij', {_G} * y, np.linalg.inv(A))"},
    jvp={"A": "y * einsum_or_zero('...ij,...ji->...', np.linalg.inv(A), dA)"},
    samples=lambda rng: [{"A": a} for a in _square_samples(rng)],
    kink="uses inv(A): A must be invertible")


def _slogdet_kind(arg_kinds, bound):
    if arg_kinds.get("A") == ("array", 2):
        return lattice.tuple_kind((lattice.SCALAR, lattice.SCALAR))
    return lattice.tuple_kind((A, A))


_GC = "dense_cotangent(cj(g), y)"


def _holomorphic(rule):
    """Complex values: the adjoint of a holomorphic function is ``conj(T(conj(g)))`` for the
    real template T (which never conjugates); `real_vjp` keeps T for real values."""
    rule.real_vjp = dict(rule.vjp)
    rule.vjp = {p: f"cj({t.replace(_G, _GC)})" for p, t in rule.vjp.items()}
    return rule


def _real_only(rule, param):
    """Refuse complex values of `param` in the derivatives of `rule` (real rules only)."""
    def check(t):
        return f"refuse_complex({rule.name!r}, {param}, {t})"
    rule.real_vjp = dict(rule.vjp)
    rule.vjp = {p: check(t) for p, t in rule.vjp.items()}
    rule.jvp = {p: check(t) for p, t in rule.jvp.items()}
    rule.jvp_batch = {p: check(t) for p, t in rule.jvp_batch.items()}
    return rule


for _rule in (_solve, _inv, _det):
    _holomorphic(_rule)

_slogdet = defrule(
    np.linalg.slogdet, "A", name="np.linalg.slogdet", kind=_slogdet_kind,
    vjp={"A": "np.einsum('...,...ji->...ij', dense_cotangent(cot_getitem(g, 1), y[1]), "
              "np.linalg.inv(A))"},
    jvp={"A": "(0.0, einsum_or_zero('...ij,...ji->...', np.linalg.inv(A), dA))"},
    tested_by=TESTED_BY, kink="the sign is constant; A must be invertible")


_L = "np.linalg.inv(y)"
_cholesky = defrule(
    np.linalg.cholesky, "A", name="np.linalg.cholesky", kind=_same_kind("A"),
    vjp={"A": f"lower_to_sym_adjoint(np.einsum('...ji,...jk,...kl->...il', {_L}, "
              f"chol_phi(np.einsum('...ji,...jk->...ik', y, {_G})), {_L}))"},
    jvp={"A": "cholesky_tangent(dA, y)"},
    samples=lambda rng: [{"A": _spd(rng, (3, 3))}, {"A": _spd(rng, (2, 3, 3))}],
    kink="reads the lower triangle only; A positive definite")


def _eigh_kind(arg_kinds, bound):
    if arg_kinds.get("A") == ("array", 2):
        return lattice.tuple_kind((("array", 1), ("array", 2)))
    return lattice.tuple_kind((A, A))


_W, _V = "y[0]", "y[1]"
_GW = f"dense_cotangent(cot_getitem(g, 0), {_W})"
_GV = f"dense_cotangent(cot_getitem(g, 1), {_V})"
_eigh = defrule(
    np.linalg.eigh, "A, UPLO='L'", name="np.linalg.eigh", kind=_eigh_kind,
    vjp={"A": f"lower_to_sym_adjoint(np.einsum('...ij,...jk,...lk->...il', {_V}, "
              f"diag_embed({_GW}) + eigh_gap({_W}) * np.einsum('...ji,...jk->...ik', {_V}, "
              f"{_GV}), {_V}), UPLO)"},
    jvp={"A": f"eigh_tangent(dA, {_W}, {_V}, UPLO)"},
    tested_by=TESTED_BY, kink_when="eigh_has_repeated(A, UPLO)",
    kink="reads one triangle (UPLO); eigenvector derivatives need distinct eigenvalues "
         "(the coupling of equal eigenvalues is taken as 0)")


def _qr_kind(arg_kinds, bound):
    import gast
    mode = bound.get("mode")
    if mode is not None and not (isinstance(mode, gast.Constant) and mode.value == "reduced"):
        raise NoDerivativeError("np.linalg.qr is differentiable with mode='reduced' only",
                                hint="call np.linalg.qr(A) without mode")
    if arg_kinds.get("A") == ("array", 2):
        return lattice.tuple_kind((("array", 2), ("array", 2)))
    return lattice.tuple_kind((A, A))


_Q, _R = "y[0]", "y[1]"
_GQ = f"dense_cotangent(cot_getitem(g, 0), {_Q})"
_GR = f"dense_cotangent(cot_getitem(g, 1), {_R})"
_QR_M = (f"np.einsum('...ij,...kj->...ik', {_R}, {_GR}) - "
         f"np.einsum('...ji,...jk->...ik', {_GQ}, {_Q})")
_qr = defrule(
    np.linalg.qr, "A, mode='reduced'", name="np.linalg.qr", kind=_qr_kind,
    vjp={"A": f"np.einsum('...ij,...kj->...ik', {_GQ} + np.einsum('...ij,...jk->...ik', "
              f"{_Q}, copy_lower_to_upper({_QR_M})), qr_r_inverse({_R}))"},
    jvp={"A": f"qr_tangent(dA, {_Q}, {_R})"},
    tested_by=TESTED_BY, kink="mode='reduced', m >= n, full column rank")


for _rule in (_slogdet, _cholesky, _eigh, _qr):
    _real_only(_rule, "A")


# ---------------------------------------------------------------------------------- FFT
@helper
def fft_dual_norm(norm):
    """The norm whose transform is the adjoint (conjugate transpose) of `norm`'s."""
    return {None: "forward", "backward": "forward", "ortho": "ortho",
            "forward": "backward"}[norm]


inactive(fft_dual_norm, kind=A, name="fft_dual_norm")


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


@helper
def fft_fit(v, a, axis=-1):
    """`v` cut or zero-padded along `axis` to a's length, real when `a` is real: the
    adjoint of the padding/truncation ``n=`` does, and of a real argument."""
    if _is_zero(v):
        return 0.0
    return _real_like(_resize(v, np.shape(a)[axis], axis), a)


@helper
def rfft_pad(v, a, n=None, axis=-1):
    """The half spectrum `v` of ``rfft(a, n)`` zero-padded to the full length."""
    if _is_zero(v):
        return 0.0
    length = n if n is not None else np.shape(a)[axis]
    return _resize(v, length, axis)


@helper
def irfft_weights(v, like, axis=-1):
    """`v` (a half spectrum) with the frequencies irfft counts twice doubled."""
    if _is_zero(v):
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


for _h, _p in ((fft_fit, "v, a, axis=-1"), (rfft_pad, "v, a, n=None, axis=-1"),
               (irfft_weights, "v, like, axis=-1")):
    linear_helper(_h, _p, None).tested_by = TESTED_BY

_FFT_PARAMS = "a, n=None, axis=-1, norm=None"


def _fft_rule(func, name, vjp):
    return defrule(func, _FFT_PARAMS, name=name, kind=A, vjp={"a": vjp},
                   jvp={"a": f"tangent_call({name}, 0, da, n, axis, norm)"},
                   jvp_batch={"a": f"batch_at({name}, 0, da, n, axis, norm)"},
                   tested_by=TESTED_BY, kink="complex values: real inner product Re<g, y>")


_DUAL = "fft_dual_norm(norm)"
_fft_rule(np.fft.fft, "np.fft.fft", f"fft_fit(np.fft.ifft({_G}, None, axis, {_DUAL}), a, axis)")
_fft_rule(np.fft.ifft, "np.fft.ifft",
          f"fft_fit(np.fft.fft({_G}, None, axis, {_DUAL}), a, axis)")
_fft_rule(np.fft.rfft, "np.fft.rfft",
          f"fft_fit(np.fft.ifft(rfft_pad({_G}, a, n, axis), None, axis, {_DUAL}), a, axis)")
_fft_rule(np.fft.irfft, "np.fft.irfft",
          f"fft_fit(irfft_weights(np.fft.rfft({_G}, None, axis, {_DUAL}), y, axis), a, axis)")
for _f in (np.fft.fftfreq, np.fft.rfftfreq):
    if lookup(_f) is None:
        inactive(_f, kind=A)


# ---------------------------------------------------------------- complex parts (for FFT)
@helper
def imag_unit(x):
    """1j for a complex `x`, else 0.0 (the imaginary part of a real value is constant)."""
    return 1j if np.iscomplexobj(x) else 0.0


inactive(imag_unit, kind=A, name="imag_unit")

if lookup(np.real) is None:
    _real = defrule(np.real, "x", kind="elementwise", vjp={"x": "g"},
                    jvp={"x": "np.real(dx)"}, tested_by=TESTED_BY)
    if lookup_attribute("real") is None:
        attribute("real", _real)
if lookup(np.imag) is None:
    _imag = defrule(np.imag, "x", kind="elementwise", vjp={"x": "g * imag_unit(x)"},
                    jvp={"x": "np.imag(dx)"}, tested_by=TESTED_BY)
    if lookup_attribute("imag") is None:
        attribute("imag", _imag)
if lookup(np.conj) is None:
    _conjugate = defrule(np.conj, "x", kind="elementwise", vjp={"x": "np.conj(g)"},
                         jvp={"x": "np.conj(dx)"}, tested_by=TESTED_BY)
    for _m in ("conj", "conjugate"):
        if lookup_method(_m) is None:
            method(_m, _conjugate, "x")
