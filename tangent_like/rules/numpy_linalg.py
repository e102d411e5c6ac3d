"""Rules for NumPy's products (inner, outer, vdot, tensordot, einsum), ``np.linalg``
(solve, inv, det, slogdet, cholesky, eigh, qr, svd, pinv, lstsq, cond, eig, eigvals,
eigvalsh, matrix_power) and ``np.fft`` (fft, ifft, rfft, irfft, their 2-d and n-d forms,
fftshift, ifftshift).

Products are multilinear: every one is written as an einsum, and the adjoint of an operand is
the einsum of the cotangent with the other operands, output and operand subscripts swapped
(`einsum_adjoint`; repeated indices such as ``'ii->'`` scatter onto the diagonal, letters of
the operand missing elsewhere broadcast, ``...`` and size-1 broadcasting are undone).
``np.einsum`` is supported with up to eight operands (``np.einsum(subscripts, a, b, c)``), or
four in the interleaved form (``np.einsum(a, [0, 1], b, [1, 2], [0, 2])``); the kernels tell
the two forms apart at run time (`einsum_call_adjoint`).  The ``optimize=`` keyword is not.

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
* ``svd``: the thin factorization (``full_matrices=False``) of real matrices, whose
  singular vectors need distinct nonzero singular values (refused at run time otherwise,
  NoDerivativeError), with NumPy's signs (locally constant); or the singular values alone
  (``compute_uv=False``, also complex matrices; at repeated values the singular vectors svd
  returns).  ``hermitian=True`` is refused.
* ``pinv`` and ``lstsq``: real matrices of constant (full) rank; ``rcond`` is constant.
  ``lstsq`` differentiates its solution, its residuals and its singular values (the rank is
  an integer).  ``cond``: ``p`` None, 2 or -2 (from the singular values); others refused.
* ``eig``: eigenvectors in NumPy's normalization (unit norm, largest component real), real
  or complex matrices; eigenvector derivatives need distinct eigenvalues (the coupling of
  equal ones is taken as 0, as for ``eigh``).  ``eigvals`` pairs its values with eig's
  vectors (refused if the two list them in different orders); ``eigvalsh`` reads one
  triangle, as ``eigh``.  ``matrix_power(a, n)``: n an integer constant.
* Complex matrices: ``solve``, ``inv`` and ``det`` are holomorphic; their adjoints are the
  conjugates of the real templates applied to the conjugate cotangent.  ``slogdet``,
  ``cholesky``, ``eigh`` and ``qr`` refuse complex values (NoDerivativeError when the
  derivative is evaluated): their rules are for real matrices only.

FFT: ``fft``, ``ifft``, ``rfft``, ``irfft`` along one axis, with ``n``, ``axis`` and
``norm``; ``fft2``/``fftn`` and kin along several (``s``, ``axes``, ``norm``; no ``out=``);
``fftshift``/``ifftshift`` are rearrangements (each one's adjoint is the other).
Complex values use the real inner product ``Re <g, y> = Re sum(conj(g) * y)``: the adjoint
of a complex value ``z`` is ``dL/dRe z + 1j dL/dIm z``, and the adjoint of a real argument
is real.  With it the adjoint of ``fft`` is ``ifft`` with the dual norm (unnormalised
``conj(F).T``), of ``rfft`` that applied to the zero-padded half spectrum (real part), and of
``irfft`` an ``rfft`` with the inner frequencies doubled (irfft ignores the imaginary parts
of the zero and Nyquist terms, and so does its adjoint).
``np.real``, ``np.imag``, ``np.conj`` and ``.real``/``.imag``/``.conj()`` carry derivatives
under the same convention.

The adjoint templates are compositions of primitives that have rules themselves (``einsum``,
``inv``, ``fft``..., and kernels with forward rules: `tangent_like.runtime.products`,
`tangent_like.runtime.linalg`), so forward-over-reverse differentiates generated gradient
code (Hessians).  Tangent templates use kernels without rules (``einsum_or_zero``,
``eigh_tangent``, ``qr_tangent``...).
"""
from collections import Counter

import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from ..errors import NoDerivativeError
from ..syntax import nodes
from .kinds import UNKNOWN, literal, real_kind
from .registry import (attribute, defrule, inactive, linear_helper, lookup, lookup_attribute,
                       lookup_method, method, multilinear_helper, partials)
from .samples import linalg as samples

A = lattice.ANY
TESTED_BY = "tests/test_numpy_select_linalg.py"


# ------------------------------------------------------------------------------ einsum
def _einsum_kind(arg_kinds, bound):
    node = bound.get("subscripts")
    if not (isinstance(node, nodes.Constant) and isinstance(node.value, str)) \
            or "." in node.value:
        return A
    s = node.value.replace(" ", "")
    if "->" in s:
        out = s.split("->")[1]
    else:
        counts = Counter(ch for ch in s if ch.isalpha())
        out = [ch for ch, n in counts.items() if n == 1]
    return lattice.SCALAR if len(out) == 0 else ("array", len(out))


_EINSUM_SLOTS = ("subscripts", "a", "b", "c", "e", "f", "h", "k", "m")   # positional


def _einsum_template(pattern, position):
    """A template passing the call's positional arguments as they are (the kernels tell
    the two forms of the call apart)."""
    def template(bound):
        present = ", ".join(p for p in _EINSUM_SLOTS if p in bound)
        return pattern.format(k=position, p=_EINSUM_SLOTS[position], args=present)
    return template


_einsum = defrule(
    np.einsum, ", ".join(["subscripts"] + [f"{p}=None" for p in _EINSUM_SLOTS[1:]]),
    kind=real_kind(_einsum_kind, *_EINSUM_SLOTS[1:]),
    vjp={p: _einsum_template("einsum_call_adjoint(g, {k}, {args})", k)
         for k, p in enumerate(_EINSUM_SLOTS)},
    jvp={p: _einsum_template("einsum_call_tangent(d{p}, {k}, {args})", k)
         for k, p in enumerate(_EINSUM_SLOTS)},
    jvp_batch={p: _einsum_template("einsum_call_tangent(d{p}, {k}, {args}, batch=True)", k)
               for k, p in enumerate(_EINSUM_SLOTS)},
    samples=samples.einsum, kink="up to eight operands, or four in the interleaved form "
    "(operand, sublist, ...); no optimize= keyword")


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
                 samples=samples.pair)
_outer = defrule(np.outer, "a, b", kind=real_kind(("array", 2), "a", "b"),
                 vjp={"a": "outer_adjoint(g, 0, a, b)", "b": "outer_adjoint(g, 1, a, b)"},
                 jvp={"a": "tangent_call(np.outer, 0, da, b)",
                      "b": "tangent_call(np.outer, 1, a, db)"},
                 jvp_batch={"a": "batch_at(np.outer, 0, da, b)",
                            "b": "batch_at(np.outer, 1, a, db)"},
                 samples=samples.outer)
_vdot = defrule(np.vdot, "a, b", kind=real_kind(lattice.SCALAR, "a", "b"),
                vjp={"a": "vdot_adjoint(g, 0, a, b)", "b": "vdot_adjoint(g, 1, a, b)"},
                jvp={"a": "tangent_call(np.vdot, 0, da, b)",
                     "b": "tangent_call(np.vdot, 1, a, db)"},
                jvp_batch={"a": "batch_at(np.vdot, 0, da, b)",
                           "b": "batch_at(np.vdot, 1, a, db)"},
                samples=samples.vdot)
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
    samples=samples.tensordot)

multilinear_helper(rt.einsum_adjoint, "v, subscripts, which, a, b=None, c=None", ["a", "b", "c"],
                   samples.einsum_adjoint)
_CALL_SLOTS = [f"p{k}" for k in range(len(_EINSUM_SLOTS))]
multilinear_helper(rt.einsum_call_adjoint, ", ".join(["v", "which", "p0"] + [
    f"{p}=None" for p in _CALL_SLOTS[1:]]), _CALL_SLOTS, samples.einsum_call_adjoint)
multilinear_helper(rt.outer_adjoint, "v, which, a, b", ["a", "b"], samples.outer_adjoint)
multilinear_helper(rt.vdot_adjoint, "v, which, a, b", ["a", "b"], samples.vdot_adjoint)
inactive(rt.tensordot_subscripts, kind=A, name="tensordot_subscripts")
inactive(rt.inner_subscripts, kind=A, name="inner_subscripts")


# ----------------------------------------------------------------------- linear algebra
inactive(rt.solve_spec, kind=A, name="solve_spec")

_G = "dense_cotangent(g, y)"
_GC = "dense_cotangent(cj(g), y)"
_INV_T_G = f"np.einsum(solve_spec(b, 0), np.linalg.inv(A), {_G})"


def _holomorphic(vjp, **templates):
    """Templates of a holomorphic function from its real adjoint templates `vjp`: complex
    values take ``conj(T(conj(g)))`` for each real template T (which never conjugates);
    `real_vjp` keeps T for real values."""
    return dict(vjp={p: f"cj({t.replace(_G, _GC)})" for p, t in vjp.items()},
                real_vjp=dict(vjp), **templates)


def _real_only(name, param, vjp, jvp):
    """Templates of the rule `name` for real values only: each refuses complex values of
    `param` (NoDerivativeError when the derivative runs); `real_vjp` skips the check."""
    def check(table):
        return {p: f"refuse_complex({name!r}, {param}, {t})" for p, t in table.items()}
    return dict(vjp=check(vjp), real_vjp=dict(vjp), jvp=check(jvp))


def _same_kind(param):
    def kind(arg_kinds, bound):
        k = arg_kinds.get(param, A)
        return k if lattice.is_array(k) else A
    return kind


def _solve_kind(arg_kinds, bound):
    b = arg_kinds.get("b", A)
    return b if arg_kinds.get("A") == ("array", 2) and lattice.is_array(b) else A


defrule(
    np.linalg.solve, "A, b", name="np.linalg.solve", kind=_solve_kind,
    **_holomorphic(
        vjp={"A": f"unbroadcast(-np.einsum(solve_spec(b, 1), {_INV_T_G}, y), A)",
             "b": f"unbroadcast({_INV_T_G}, b)"}),
    jvp={"A": "-einsum_or_zero(solve_spec(b, 2), np.linalg.inv(A), "
              "einsum_or_zero(solve_spec(b, 2), dA, y))",
         "b": "einsum_or_zero(solve_spec(b, 2), np.linalg.inv(A), db)"},
    # batched: the batch axis must not meet a stack axis of the other operand ('...')
    jvp_batch={"A": "-einsum_or_zero(solve_spec(b, 2), np.linalg.inv(A), "
                    "einsum_or_zero(solve_spec(b, 2), batch_align(dA, A, y), y))",
               "b": "einsum_or_zero(solve_spec(b, 2), np.linalg.inv(A), "
                    "batch_align(db, b, y))"},
    samples=samples.solve, kink="A must be invertible")
defrule(
    np.linalg.inv, "A", name="np.linalg.inv", kind=_same_kind("A"),
    **_holomorphic(vjp={"A": f"-np.einsum('...ji,...jk,...lk->...il', y, {_G}, y)"}),
    jvp={"A": "-einsum_or_zero('...ij,...jk,...kl->...il', y, dA, y)"},
    samples=samples.square,
    kink="A must be invertible")


def _det_kind(arg_kinds, bound):
    return lattice.SCALAR if arg_kinds.get("A") == ("array", 2) else A


defrule(
    np.linalg.det, "A", name="np.linalg.det", kind=_det_kind,
    **_holomorphic(vjp={"A": f"np.einsum('...,...ji->...ij', {_G} * y, np.linalg.inv(A))"}),
    jvp={"A": "y * einsum_or_zero('...ij,...ji->...', np.linalg.inv(A), dA)"},
    samples=samples.square,
    kink="uses inv(A): A must be invertible")


def _slogdet_kind(arg_kinds, bound):
    if arg_kinds.get("A") == ("array", 2):
        return lattice.tuple_kind((lattice.SCALAR, lattice.SCALAR))
    return lattice.tuple_kind((A, A))


defrule(
    np.linalg.slogdet, "A", name="np.linalg.slogdet", kind=_slogdet_kind,
    **_real_only(
        "np.linalg.slogdet", "A",
        vjp={"A": "np.einsum('...,...ji->...ij', dense_cotangent(cot_getitem(g, 1), y[1]), "
                  "np.linalg.inv(A))"},
        jvp={"A": "(0.0, einsum_or_zero('...ij,...ji->...', np.linalg.inv(A), dA))"}),
    tested_by=TESTED_BY, kink="the sign is constant; A must be invertible")


_L = "np.linalg.inv(y)"
defrule(
    np.linalg.cholesky, "A", name="np.linalg.cholesky", kind=_same_kind("A"),
    **_real_only(
        "np.linalg.cholesky", "A",
        vjp={"A": f"lower_to_sym_adjoint(np.einsum('...ji,...jk,...kl->...il', {_L}, "
                  f"chol_phi(np.einsum('...ji,...jk->...ik', y, {_G})), {_L}))"},
        jvp={"A": "cholesky_tangent(dA, y)"}),
    samples=samples.cholesky,
    kink="reads the lower triangle only; A positive definite")


def _eigh_kind(arg_kinds, bound):
    if arg_kinds.get("A") == ("array", 2):
        return lattice.tuple_kind((("array", 1), ("array", 2)))
    return lattice.tuple_kind((A, A))


_W, _V = "y[0]", "y[1]"
_GW = f"dense_cotangent(cot_getitem(g, 0), {_W})"
_GV = f"dense_cotangent(cot_getitem(g, 1), {_V})"
defrule(
    np.linalg.eigh, "A, UPLO='L'", name="np.linalg.eigh", kind=_eigh_kind,
    **_real_only(
        "np.linalg.eigh", "A",
        vjp={"A": f"lower_to_sym_adjoint(np.einsum('...ij,...jk,...lk->...il', {_V}, "
                  f"diag_embed({_GW}) + eigh_gap({_W}) * np.einsum('...ji,...jk->...ik', "
                  f"{_V}, {_GV}), {_V}), UPLO)"},
        jvp={"A": f"eigh_tangent(dA, {_W}, {_V}, UPLO)"}),
    tested_by=TESTED_BY, kink_when="eigh_has_repeated(A, UPLO)",
    kink="reads one triangle (UPLO); eigenvector derivatives need distinct eigenvalues "
         "(the coupling of equal eigenvalues is taken as 0)")


def _qr_kind(arg_kinds, bound):
    mode = bound.get("mode")
    if mode is not None and not (isinstance(mode, nodes.Constant) and mode.value == "reduced"):
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
defrule(
    np.linalg.qr, "A, mode='reduced'", name="np.linalg.qr", kind=_qr_kind,
    **_real_only(
        "np.linalg.qr", "A",
        vjp={"A": f"np.einsum('...ij,...kj->...ik', {_GQ} + np.einsum('...ij,...jk->...ik', "
                  f"{_Q}, copy_lower_to_upper({_QR_M})), qr_r_inverse({_R}))"},
        jvp={"A": f"qr_tangent(dA, {_Q}, {_R})"}),
    tested_by=TESTED_BY, kink="mode='reduced', m >= n, full column rank")


# ---------------------------------------------------------------------------------- FFT
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
inactive(rt.fft_dual_norm, kind=A, name="fft_dual_norm")
for _h, _p in ((rt.fft_fit, "v, a, axis=-1"), (rt.rfft_pad, "v, a, n=None, axis=-1"),
               (rt.irfft_weights, "v, like, axis=-1")):
    linear_helper(_h, _p, None, tested_by=TESTED_BY)


# ---------------------------------------------------------------- complex parts (for FFT)
inactive(rt.imag_unit, kind=A, name="imag_unit")

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


# ------------------------------------------------------------------------- kernel rules
# Forward rules of the matrix kernels the adjoint templates call (Hessians).
linear_helper(rt.lower_to_sym, "x, uplo='L'", samples.lower_to_sym)
linear_helper(rt.lower_to_sym_adjoint, "s, uplo='L'", samples.lower_to_sym_adjoint)
linear_helper(rt.chol_phi, "x", samples.chol_phi)
linear_helper(rt.diag_embed, "v", samples.diag_embed)
linear_helper(rt.copy_lower_to_upper, "m", samples.copy_lower_to_upper)
defrule(rt.eigh_gap, "w", kind=A, jvp={"w": "eigh_gap_tangent(dw, w)"}, name="eigh_gap",
        samples=samples.eigh_gap)
defrule(rt.qr_r_inverse, "r", kind=A,
        jvp={"r": "-np.einsum('...ij,...jk,...kl->...il', y, dr, y)"}, name="qr_r_inverse",
        samples=samples.qr_r_inverse)
inactive(rt.eigh_has_repeated, kind=lattice.INT, name="eigh_has_repeated")


# ------------------------------------------------------------------ svd, pinv, lstsq, cond
# The thin SVD (full_matrices=False) of real matrices: the adjoint is written with
# primitives that have forward rules (einsum, eigh_gap, diag_embed), so Hessians go through
# it; the singular values alone (compute_uv=False) also of complex matrices.
def _svd_uv(bound):
    """True for np.linalg.svd(a, full_matrices=False), False for compute_uv=False; refuses
    the rest."""
    uv = literal(bound, "compute_uv", True)
    if uv not in (True, False):
        raise NoDerivativeError("np.linalg.svd: compute_uv must be written True or False",
                                hint="write compute_uv=False (or leave it out) literally")
    if literal(bound, "hermitian", False) is not False:
        raise NoDerivativeError("np.linalg.svd(..., hermitian=True) has no derivative rule",
                                hint="call it without hermitian=")
    if uv and literal(bound, "full_matrices", True) is not False:
        raise NoDerivativeError("np.linalg.svd is differentiable as the thin factorization "
                                "(full_matrices=False) or for the singular values alone "
                                "(compute_uv=False)",
                                hint="call np.linalg.svd(a, full_matrices=False)")
    return uv


def _svd_kind(arg_kinds, bound):
    two = arg_kinds.get("a") == ("array", 2)
    if _svd_uv(bound):
        return lattice.tuple_kind((("array", 2), ("array", 1), ("array", 2)) if two
                                  else (A, A, A))
    return ("array", 1) if two else A


_SVD_VJP = ("svd_adjoint(dense_cotangent(cot_getitem(g, 0), y[0]), "
            "dense_cotangent(cot_getitem(g, 1), y[1]), dense_cotangent(cot_getitem(g, 2), "
            "y[2]), y[0], y[1], y[2])")


def _svd_template(uv_template, values_template, real_only=True):
    def template(bound):
        if _svd_uv(bound):
            return (f"refuse_complex('np.linalg.svd', a, {uv_template})" if real_only
                    else uv_template)
        return values_template
    return template


defrule(
    np.linalg.svd, "a, full_matrices=True, compute_uv=True, hermitian=False",
    name="np.linalg.svd", kind=_svd_kind,
    vjp={"a": _svd_template(_SVD_VJP, "svd_values_adjoint(g, a)")},
    real_vjp={"a": _svd_template(_SVD_VJP, "svd_values_adjoint(g, a)", False)},
    jvp={"a": _svd_template("svd_tangent(da, y[0], y[1], y[2])", "svd_values_tangent(da, a)")},

    samples=samples.svd,
    kink="full_matrices=False or compute_uv=False; singular vectors (real matrices) need "
         "distinct nonzero singular values (refused otherwise, at run time); their signs are "
         "NumPy's")


def _transposed_kind(arg_kinds, bound):
    k = arg_kinds.get("a", A)
    return k if k == ("array", 2) else A


def _pinv_kind(arg_kinds, bound):
    if literal(bound, "hermitian", False) is not False:
        raise NoDerivativeError("np.linalg.pinv(..., hermitian=True) has no derivative rule",
                                hint="call it without hermitian=")
    return _transposed_kind(arg_kinds, bound)


defrule(
    np.linalg.pinv, "a, rcond=None, hermitian=False", name="np.linalg.pinv", kind=_pinv_kind,
    **_real_only("np.linalg.pinv", "a",
                 vjp={"a": f"pinv_adjoint({_G}, a, y)"},
                 jvp={"a": "pinv_tangent(da, a, y)"}),
    samples=samples.pinv, kink="the rank must not change (a of full rank)")


def _lstsq_kind(arg_kinds, bound):
    return lattice.tuple_kind((A, A, lattice.INT, A))


_P = "np.linalg.pinv(a)"
_GX = "dense_cotangent(cot_getitem(g, 0), y[0])"
_R = "(b - np.matmul(a, y[0]))"
_GR = f"lstsq_residual_cotangent(cot_getitem(g, 1), y[1], {_R})"
_LSTSQ_VJP = {
    "a": (f"pinv_adjoint(np.einsum(solve_spec(b, 1), {_GX}, b), a, {_P}) - "
          f"np.einsum(solve_spec(b, 1), {_GR}, y[0]) + "
          "svd_values_adjoint(cot_getitem(g, 3), a)"),
    "b": f"np.einsum(solve_spec(b, 0), {_P}, {_GX}) + {_GR}"}
_LSTSQ_JVP = {
    "a": (f"(einsum_or_zero(solve_spec(b, 2), pinv_tangent(da, a, {_P}), b), "
          f"lstsq_residual_tangent(-einsum_or_zero(solve_spec(b, 2), da, y[0]), y[1], {_R}), "
          "0.0, svd_values_tangent(da, a))"),
    "b": (f"(einsum_or_zero(solve_spec(b, 2), {_P}, db), "
          f"lstsq_residual_tangent(db, y[1], {_R}), 0.0, 0.0)")}
_lstsq = dict(_real_only("np.linalg.lstsq", "a", vjp=_LSTSQ_VJP, jvp=_LSTSQ_JVP))
for _table in ("vjp", "jvp"):
    _lstsq[_table] = {p: t.replace("refuse_complex('np.linalg.lstsq', a, ",
                                   "refuse_complex('np.linalg.lstsq', (a, b), ")
                      for p, t in _lstsq[_table].items()}
defrule(np.linalg.lstsq, "a, b, rcond=None", name="np.linalg.lstsq", kind=_lstsq_kind,
        samples=samples.lstsq,
        kink="a of full rank (the solution is pinv(a) @ b); rcond is constant; rank has no "
             "derivative", **_lstsq)


def _cond_kind(arg_kinds, bound):
    p = literal(bound, "p", None)
    if p is not UNKNOWN:
        rt.check_cond_order(p)
    return lattice.SCALAR if arg_kinds.get("x") == ("array", 2) else A


_CW = "cond_weights(np.linalg.svd(x, compute_uv=False), check_cond_order(p))"
defrule(np.linalg.cond, "x, p=None", name="np.linalg.cond", kind=_cond_kind,
        vjp={"x": f"svd_values_adjoint(np.expand_dims(dense_cotangent(g, y), -1) * {_CW}, x)"},
        jvp={"x": f"np.sum(svd_values_tangent(dx, x) * {_CW}, axis=-1)"},
        samples=samples.cond,
        kink="p None, 2 or -2 only (from the singular values); the extreme singular values "
             "must be simple")


# ------------------------------------------------------------ eig, eigvals, eigvalsh, power
def _eig_kind(arg_kinds, bound):
    return lattice.tuple_kind((A, A))


_EW, _EV = "y[0]", "y[1]"
_GEW = "dense_cotangent(cot_getitem(g, 0), y[0])"
_GEV = "dense_cotangent(cot_getitem(g, 1), y[1])"
defrule(np.linalg.eig, "a", name="np.linalg.eig", kind=_eig_kind,
        vjp={"a": f"re_like(eig_adjoint({_GEW}, {_GEV}, {_EW}, {_EV}), a)"},
        jvp={"a": f"eig_tangent(da, {_EW}, {_EV})"},
        samples=samples.eig, kink_when="eig_has_repeated(a)",
        kink="eigenvectors as NumPy normalizes them (unit norm, largest component real); "
             "eigenvector derivatives need distinct eigenvalues (the coupling of equal "
             "eigenvalues is taken as 0)")
_V_OF = "np.linalg.eig(eig_same_order(a, y))[1]"
defrule(np.linalg.eigvals, "a", name="np.linalg.eigvals", kind=A,
        vjp={"a": f"re_like(np.einsum('...ji,...j,...kj->...ik', cj(np.linalg.inv({_V_OF})), "
                  f"dense_cotangent(g, y), cj({_V_OF})), a)"},
        jvp={"a": f"eig_tangent(da, y, {_V_OF})[0]"},
        samples=samples.eig, kink="the eigenvalues of a defective matrix are not "
                                  "differentiable")
_VH_OF = "np.linalg.eigh(a, UPLO)[1]"
defrule(np.linalg.eigvalsh, "a, UPLO='L'", name="np.linalg.eigvalsh", kind=A,
        **_real_only(
            "np.linalg.eigvalsh", "a",
            vjp={"a": f"lower_to_sym_adjoint(np.einsum('...ij,...j,...kj->...ik', {_VH_OF}, "
                      f"dense_cotangent(g, y), {_VH_OF}), UPLO)"},
            jvp={"a": f"eigh_tangent(da, y, {_VH_OF}, UPLO)[0]"}),
        samples=samples.eigvalsh,
        kink="reads one triangle (UPLO), as eigh; equal eigenvalues keep the order of eigh")
defrule(np.linalg.matrix_power, "a, n", name="np.linalg.matrix_power", kind=_same_kind("a"),
        vjp={"a": "upper_right(np.linalg.matrix_power(block_upper(cj(np.swapaxes(a, -1, -2)), "
                  "dense_cotangent(g, y)), n))", "n": "0.0"},
        jvp={"a": "power_tangent(da, a, n)", "n": "0.0"},
        samples=samples.matrix_power, kink="n is an integer (negative: a invertible)")


# Forward rules of the kernels of these templates (Hessians).
def _formula_kernel(func, params, samples_of):
    """The forward rule of an adjoint kernel whose tangent along each argument is
    ``<name>_tangent(number, tangent, *arguments)``."""
    names = [p.strip() for p in params.split(",")]
    name = func.__name__
    args = ", ".join(names)
    return defrule(func, params, name=name, kind=A, samples=samples_of,
                   jvp={p: f"{name}_tangent({i}, d{p}, {args})" for i, p in enumerate(names)},
                   jvp_batch={p: f"batch_at({name}_tangent, 1, {i}, d{p}, {args})"
                              for i, p in enumerate(names)})


_formula_kernel(rt.svd_adjoint, "gu, gs, gvh, u, s, vh", samples.svd_adjoint)
_formula_kernel(rt.eig_adjoint, "gw, gv, w, v", samples.eig_adjoint)
_formula_kernel(rt.pinv_adjoint, "g, a, p", samples.pinv_adjoint)
partials(rt.svd_checked, "s", s="1", name="svd_checked", kind=A, samples=samples.svd_checked)
defrule(rt.svd_values_adjoint, "v, a", name="svd_values_adjoint", kind=A,
        samples=samples.svd_values_adjoint,
        jvp={"v": "svd_values_adjoint(dv, a)", "a": "svd_values_adjoint_tangent(v, a, da)"},
        jvp_batch={"v": "batch_map(svd_values_adjoint, dv, a)",
                   "a": "svd_values_adjoint_tangent(v, a, da)"})
defrule(rt.cond_weights, "s, p=None", name="cond_weights", kind=A, samples=samples.cond_weights,
        jvp={"s": "cond_weights_tangent(ds, s, p)", "p": "0.0"})
defrule(rt.lstsq_residual_cotangent, "v, residuals, r", name="lstsq_residual_cotangent",
        kind=A, tested_by="tests/test_numpy_more.py",
        jvp={"v": "lstsq_residual_cotangent(dv, residuals, r)", "residuals": "0.0",
             "r": "lstsq_residual_cotangent(v, residuals, dr)"},
        jvp_batch={"v": "batch_map(lstsq_residual_cotangent, dv, residuals, r)",
                   "r": "batch_at(lstsq_residual_cotangent, 2, v, residuals, dr)"})
partials(rt.eig_same_order, "a, w", a="1", w="0.0", name="eig_same_order", kind=A,
         tested_by="tests/test_numpy_more.py")
linear_helper(rt.upper_right, "b", samples.upper_right)
defrule(rt.block_upper, "x, e", name="block_upper", kind=A, samples=samples.block_upper,
        jvp={"x": "block_upper(dx, 0.0)", "e": "block_upper(0.0, de)"},
        jvp_batch={"x": "block_upper(dx, 0.0)", "e": "block_upper(0.0, de)"})
for _k in (rt.eig_gauge, rt.check_cond_order, rt.eig_has_repeated):
    inactive(_k, kind=A, name=_k.__name__)


# ------------------------------------------------------------------- n-dimensional FFT, shifts
# fft2/fftn and their inverses are fft applied along several axes: the adjoint is the
# transform with the dual norm along the same axes, cut or padded back (`fftn_fit`).
# rfftn keeps half of the last axis (zero-padded back, `rfft_pad`); irfftn counts the inner
# frequencies of its last axis twice (`irfft_weights`).
_AX = "fft_axes(a, s, axes)"
_LAST = f"{_AX}[-1]"


def _fftn_rule(func, name, params, vjp):
    fn = name
    return defrule(func, params, name=name, kind=A, vjp={"a": vjp},
                   jvp={"a": f"tangent_call({fn}, 0, da, s, axes, norm)"},
                   jvp_batch={"a": f"{fn}(as_batched(da, a), s, batch_shift_axis({_AX}), "
                                   "norm)"},
                   samples=samples.fftn(name), kink="complex values: real inner product "
                                                    "Re<g, y>")


for _fn, _inverse in (("fftn", "ifftn"), ("fft2", "ifft2")):
    _params = ("a, s=None, axes=None, norm=None" if _fn.endswith("n") else
               "a, s=None, axes=(-2, -1), norm=None")
    _fftn_rule(getattr(np.fft, _fn), f"np.fft.{_fn}", _params,
               f"fftn_fit(np.fft.ifftn({_G}, None, {_AX}, {_DUAL}), a, {_AX})")
    _fftn_rule(getattr(np.fft, _inverse), f"np.fft.{_inverse}", _params,
               f"fftn_fit(np.fft.fftn({_G}, None, {_AX}, {_DUAL}), a, {_AX})")
    _real = "rfft" + _fn[3:]
    _fftn_rule(getattr(np.fft, _real), f"np.fft.{_real}", _params,
               f"fftn_fit(np.fft.ifftn(rfft_pad({_G}, a, fft_lengths(a, s, axes)[-1], "
               f"{_LAST}), None, {_AX}, {_DUAL}), a, {_AX})")
    _fftn_rule(getattr(np.fft, "i" + _real), f"np.fft.i{_real}", _params,
               f"fftn_fit(np.fft.fftn(irfft_weights(np.fft.rfft({_G}, None, {_LAST}, "
               f"{_DUAL}), y, {_LAST}), None, fft_last_axes({_AX}), {_DUAL}), a, {_AX})")

for _shift, _back in (("fftshift", "ifftshift"), ("ifftshift", "fftshift")):
    defrule(getattr(np.fft, _shift), "x, axes=None", name=f"np.fft.{_shift}",
            kind=_same_kind("x"), samples=samples.fftshift,
            vjp={"x": f"np.fft.{_back}(dense_cotangent(g, y), axes)"},
            jvp={"x": f"tangent_call(np.fft.{_shift}, 0, dx, axes)"},
            jvp_batch={"x": f"np.fft.{_shift}(as_batched(dx, x), "
                            "batch_all_axes(axes, as_batched(dx, x)))"},
            kink="a rearrangement (its adjoint is the inverse shift)")
linear_helper(rt.fftn_fit, "v, a, axes", samples.fftn_fit)
for _k in (rt.fft_axes, rt.fft_lengths, rt.fft_last_axes):
    inactive(_k, kind=A, name=_k.__name__)
