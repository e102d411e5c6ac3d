"""Rules for differences, convolutions, interpolation, polynomials, products of vectors and
selections: ``np.diff``, ``np.gradient``, ``np.convolve``, ``np.correlate``, ``np.interp``,
``np.polyval``, ``np.polyder``, ``np.kron``, ``np.cross``, ``np.select``, ``np.partition``,
``np.angle``, ``np.real_if_close``; and `math` functions of several numbers:
``math.hypot`` (any number of arguments), ``math.dist``, ``math.fsum``, ``math.prod``.

Conventions and limits:

* ``np.diff(a, n, axis)``: no ``prepend=``/``append=``.  ``np.gradient(f, *spacing,
  axis=, edge_order=)``: uniform spacings (scalars) only, which are constants (a
  differentiated spacing is refused); coordinate arrays are refused at run time.
* ``np.convolve``/``np.correlate``: every mode, complex values too (correlate conjugates
  its second argument).
* ``np.interp(x, xp, fp)``: derivatives in x and fp; xp, ``left=`` and ``right=`` are
  constants (refused when differentiated), ``period=`` is refused.  In x the derivative is
  the slope of the piece, 0 outside the knots; at a knot it is the slope of the piece to its
  right (at the last knot, to its left).
* ``np.polyval(p, x)``: p a 1-D array (or a constant list).
* ``np.cross``: 3- and 2-vectors, ``axisa``/``axisb``/``axisc``/``axis``.
* ``np.select``: the conditions are constant; each element's derivative goes to the choice
  (or the default) selected there.
* ``np.partition(a, kth)``: the derivative of the values (kth is constant): each result
  element's derivative goes to the element of a it is; equal elements are matched in order.
* ``np.angle(z)``: ``Im(dz / z)`` for complex z, 0 at z == 0; a real z's angle (0 or pi)
  is piecewise constant.  ``np.real_if_close``: the identity, or the real part.
* ``np.searchsorted``/``np.digitize`` are constants (integer results, in numpy_select).
"""
import math

import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from ..errors import NoDerivativeError
from .kinds import literal
from .registry import defrule, inactive, linear_helper, multilinear_helper, partials
from .samples import signal as samples
from .samples import with_defaults

A = lattice.ANY
S = lattice.SCALAR
TESTED_BY = "tests/test_numpy_more.py"


def _same_kind(param):
    def kind(arg_kinds, bound):
        k = arg_kinds.get(param, A)
        return k if lattice.is_array(k) else A
    return kind


# ------------------------------------------------------------------------- diff, gradient
with_defaults(defrule(
    np.diff, "a, n=1, axis=-1", kind=_same_kind("a"), samples=samples.diff,
    vjp={"a": "diff_adjoint(g, a, n, axis)"},
    jvp={"a": "tangent_call(np.diff, 0, da, n, axis)"},
    jvp_batch={"a": "np.diff(as_batched(da, a), n, batch_shift_axis(axis))"}))
with_defaults(defrule(
    np.gradient, "f, *spacing=(), axis=None, edge_order=1", kind=A, samples=samples.gradient,
    vjp={"f": "gradient_adjoint(g, f, spacing, axis, edge_order)"},
    jvp={"f": "gradient_tangent(df, f, spacing, axis, edge_order)"},
    jvp_batch={"f": "gradient_tangent(df, f, spacing, axis, edge_order, True)"},
    kink="uniform spacings only (constants)"), omit=("spacing",))


linear_helper(rt.diff_adjoint, "v, a, n=1, axis=-1", samples.diff_adjoint)
# (the spacings are constants, as np.gradient's rule makes sure: their tangent is 0)
defrule(rt.gradient_adjoint, "v, f, spacing=(), axis=None, edge_order=1",
        name="gradient_adjoint", kind=A, samples=samples.gradient_adjoint,
        jvp={"v": "gradient_adjoint(dv, f, spacing, axis, edge_order)", "f": "0.0",
             "spacing": "0.0", "axis": "0.0", "edge_order": "0.0"},
        jvp_batch={"v": "batch_map(gradient_adjoint, dv, f, spacing, axis, edge_order)"})


# ----------------------------------------------------------------- convolve, correlate
_REV = "np.conj(np.flip(v))"        # np.correlate(a, v) is np.convolve(a, conj(v[::-1]))
with_defaults(defrule(
    np.convolve, "a, v, mode='full'", kind=_same_kind("a"), samples=samples.convolve,
    vjp={"a": "conv_adjoint(g, 0, a, v, mode)", "v": "conv_adjoint(g, 1, a, v, mode)"},
    jvp={"a": "tangent_call(np.convolve, 0, da, v, mode)",
         "v": "tangent_call(np.convolve, 1, a, dv, mode)"},
    jvp_batch={"a": "batch_at(np.convolve, 0, as_batched(da, a), v, mode)",
               "v": "batch_at(np.convolve, 1, a, as_batched(dv, v), mode)"}))
with_defaults(defrule(
    np.correlate, "a, v, mode='valid'", kind=_same_kind("a"), samples=samples.convolve,
    vjp={"a": f"conv_adjoint(g, 0, a, {_REV}, mode)",
         "v": f"np.conj(np.flip(conv_adjoint(g, 1, a, {_REV}, mode)))"},
    jvp={"a": "tangent_call(np.correlate, 0, da, v, mode)",
         "v": "tangent_call(np.correlate, 1, a, dv, mode)"},
    jvp_batch={"a": "batch_at(np.correlate, 0, as_batched(da, a), v, mode)",
               "v": "batch_at(np.correlate, 1, a, as_batched(dv, v), mode)"}))
multilinear_helper(rt.conv_adjoint, "v, which, a, b, mode='full'", ["a", "b"],
                   samples.conv_adjoint)


# -------------------------------------------------------------------------------- interp
def _interp_kind(arg_kinds, bound):
    if literal(bound, "period", None) is not None:
        raise NoDerivativeError("np.interp(..., period=) has no derivative rule",
                                hint="map x into one period first")
    x = arg_kinds.get("x", A)
    return x if (lattice.is_array(x) or x == S) and not _complex_fp(arg_kinds) else A


def _complex_fp(arg_kinds):
    fp = arg_kinds.get("fp", A)
    return not lattice.is_array(fp) and fp not in (S, lattice.INT)


_IW = "interp_weights(x, xp, left, right, period)"
with_defaults(defrule(
    np.interp, "x, xp, fp, left=None, right=None, period=None", kind=_interp_kind,
    samples=samples.interp,
    vjp={"x": "re_like(g * cj(interp_slope(x, xp, fp, left, right, period)), x)",
         "fp": f"interp_fp_adjoint(g, {_IW})"},
    jvp={"x": "dx * interp_slope(x, xp, fp, left, right, period)",
         "fp": f"interp_fp_tangent(dfp, {_IW})"},
    jvp_batch={"x": "dx * interp_slope(x, xp, fp, left, right, period)",
               "fp": f"interp_fp_tangent(dfp, {_IW}, True)"},
    kink="at a knot: the slope of the piece to its right; 0 outside the knots; xp, left, "
         "right constant", kink_when="interp_at_knot(x, xp)"))
defrule(rt.interp_slope, "x, xp, fp, left=None, right=None, period=None", name="interp_slope",
        kind=A, tested_by=TESTED_BY,
        jvp={"x": "0.0", "fp": "interp_slope(x, xp, dfp, left, right, period)",
             **{p: "0.0" for p in ("xp", "left", "right", "period")}},
        jvp_batch={"fp": "batch_at(interp_slope, 2, x, xp, dfp, left, right, period)"})
defrule(rt.interp_weights, "x, xp, left=None, right=None, period=None",
        name="interp_weights", kind=A, tested_by=TESTED_BY,
        jvp={"x": "interp_weights_tangent(dx, x, xp, left, right, period)",
             **{p: "0.0" for p in ("xp", "left", "right", "period")}})
defrule(rt.interp_fp_adjoint, "v, w", name="interp_fp_adjoint", kind=A, tested_by=TESTED_BY,
        jvp={"v": "interp_fp_adjoint(dv, w)", "w": "interp_fp_adjoint(v, dw)"},
        jvp_batch={"v": "batch_map(interp_fp_adjoint, dv, w)",
                   "w": "batch_at(interp_fp_adjoint, 1, v, dw)"})
defrule(rt.interp_fp_tangent, "dfp, w, batch=False", name="interp_fp_tangent", kind=A,
        tested_by=TESTED_BY, jvp={"dfp": "interp_fp_tangent(ddfp, w, batch)",
                                  "w": "interp_fp_tangent(dfp, dw, batch)"})


# ---------------------------------------------------------------------------- polynomials
with_defaults(defrule(
    np.polyder, "p, m=1", kind=A, samples=samples.polyder,
    vjp={"p": "polyder_adjoint(g, p, m)"},
    jvp={"p": "tangent_call(np.polyder, 0, dp, m)"},
    jvp_batch={"p": "batch_at(np.polyder, 0, as_batched(dp, p), m)"}))
linear_helper(rt.polyder_adjoint, "v, p, m=1", samples.polyder_adjoint)
defrule(
    np.polyval, "p, x", kind=lambda k, b: k.get("x", A) if not _complex_fp(
        {"fp": k.get("p", A)}) and (lattice.is_array(k.get("x", A)) or k.get("x") == S) else A,
    samples=samples.polyval,
    vjp={"p": "polyval_adjoint_p(g, p, x)",
         "x": "re_like(g * cj(np.polyval(np.polyder(p), x)), x)"},
    jvp={"p": "tangent_call(np.polyval, 0, dp, x)",
         "x": "dx * np.polyval(np.polyder(p), x)"},
    jvp_batch={"p": "batch_at(np.polyval, 0, as_batched(dp, p), x)",
               "x": "dx * np.polyval(np.polyder(p), x)"})
defrule(rt.polyval_adjoint_p, "v, p, x", name="polyval_adjoint_p", kind=A,
        samples=samples.polyval_adjoint_p,
        jvp={"v": "polyval_adjoint_p(dv, p, x)", "p": "0.0",
             "x": "polyval_adjoint_p_tangent(v, p, x, dx)"},
        jvp_batch={"v": "batch_map(polyval_adjoint_p, dv, p, x)",
                   "x": "polyval_adjoint_p_tangent(v, p, x, as_batched(dx, x))"})


# ------------------------------------------------------------------------------ kron, cross
defrule(np.kron, "a, b", kind=A, samples=samples.kron,
        vjp={"a": "kron_adjoint(g, 0, a, b)", "b": "kron_adjoint(g, 1, a, b)"},
        jvp={"a": "tangent_call(np.kron, 0, da, b)", "b": "tangent_call(np.kron, 1, a, db)"},
        jvp_batch={"a": "batch_at(np.kron, 0, as_batched(da, a), b)",
                   "b": "batch_at(np.kron, 1, a, as_batched(db, b))"})
multilinear_helper(rt.kron_adjoint, "v, which, a, b", ["a", "b"], samples.kron_adjoint)
_AXES = "axisa, axisb, axisc, axis"
with_defaults(defrule(
    np.cross, f"a, b, axisa=-1, axisb=-1, axisc=-1, axis=None", kind=A,
    samples=samples.cross,
    vjp={"a": f"cross_adjoint(g, 0, a, b, {_AXES})", "b": f"cross_adjoint(g, 1, a, b, {_AXES})"},
    jvp={"a": f"tangent_call(np.cross, 0, da, b, {_AXES})",
         "b": f"tangent_call(np.cross, 1, a, db, {_AXES})"},
    jvp_batch={"a": f"batch_at(np.cross, 0, as_batched(da, a), b, {_AXES})",
               "b": f"batch_at(np.cross, 1, a, as_batched(db, b), {_AXES})"}))
multilinear_helper(rt.cross_adjoint, f"v, which, a, b, axisa=-1, axisb=-1, axisc=-1, "
                   "axis=None", ["a", "b"], samples.cross_adjoint)


# ------------------------------------------------------------------------ select, partition
with_defaults(defrule(
    np.select, "condlist, choicelist, default=0", kind=A, samples=samples.select,
    vjp={"condlist": "0.0", "choicelist": "np_select_adjoint(g, condlist, choicelist)",
         "default": "np_select_default_adjoint(g, condlist, default)"},
    jvp={"condlist": "0.0",
         "choicelist": "np_select_tangent(dchoicelist, condlist, choicelist)",
         "default": "np_select_default_tangent(ddefault, condlist)"},
    jvp_batch={"choicelist": "np_select_tangent(dchoicelist, condlist, choicelist, True)",
               "default": "np_select_default_tangent(ddefault, condlist, True)"},
    kink="the conditions are constant; each element's derivative goes to the choice taken"))
defrule(rt.np_select_adjoint, "v, condlist, choicelist, default=0", name="np_select_adjoint",
        kind=A, tested_by=TESTED_BY,
        jvp={"v": "np_select_adjoint(dv, condlist, choicelist)", "condlist": "0.0",
             "choicelist": "0.0", "default": "0.0"},
        jvp_batch={"v": "batch_map(np_select_adjoint, dv, condlist, choicelist)"})
defrule(rt.np_select_default_adjoint, "v, condlist, default", kind=A,
        name="np_select_default_adjoint", tested_by=TESTED_BY,
        jvp={"v": "np_select_default_adjoint(dv, condlist, default)", "condlist": "0.0",
             "default": "0.0"},
        jvp_batch={"v": "batch_map(np_select_default_adjoint, dv, condlist, default)"})

with_defaults(defrule(
    np.partition, "a, kth, axis=-1, kind='introselect', order=None", kind=A,
    samples=samples.partition,
    vjp={"a": "partition_adjoint(g, a, y, axis)"},
    jvp={"a": "partition_tangent(da, a, y, axis)"},
    jvp_batch={"a": "partition_tangent(da, a, y, axis, True)"},
    kink="equal elements are matched in order; kth is constant"))
defrule(rt.partition_adjoint, "v, a, result, axis=-1", name="partition_adjoint", kind=A,
        tested_by=TESTED_BY,
        jvp={"v": "partition_adjoint(dv, a, result, axis)", "a": "0.0", "result": "0.0",
             "axis": "0.0"},
        jvp_batch={"v": "batch_map(partition_adjoint, dv, a, result, axis)"})


# ------------------------------------------------------------------------- angle, complex
with_defaults(defrule(
    np.angle, "z, deg=False", kind=lambda k, b: S if k.get("z") == S else (
        k.get("z") if lattice.is_array(k.get("z", A)) else A),
    samples=samples.angle,
    vjp={"z": "re_like(g * angle_weight(z, deg), z)"},
    jvp={"z": "inner_mul(angle_weight(z, deg), dz)"},
    kink="0 at z == 0; a real z's angle (0 or pi) is piecewise constant",
    kink_when="np.any(np.asarray(z) == 0)"))
defrule(rt.angle_weight, "z, deg=False", name="angle_weight", kind=A,
        samples=samples.angle_weight,
        jvp={"z": "angle_weight_tangent(dz, z, deg)", "deg": "0.0"})
with_defaults(defrule(
    np.real_if_close, "a, tol=100", kind=A, samples=samples.real_if_close,
    vjp={"a": "g"}, jvp={"a": "re_like(da, y)"},
    kink="the identity, or the real part where the imaginary parts are negligible"))

inactive(rt.partition_index, kind=A, name="partition_index")
inactive(rt.interp_at_knot, kind=lattice.INT, name="interp_at_knot")


# ------------------------------------------------------------------ math of several numbers
# math.hypot of any number of coordinates (up to 8): d/dx_i = x_i / hypot (0 at the origin)
_HYPOT = [f"x{i}" for i in range(1, 9)]
defrule(math.hypot, ", ".join([_HYPOT[0]] + [f"{p}=None" for p in _HYPOT[1:]]), kind=S,
        vjp={p: f"g * ratio_or_zero({p}, y)" for p in _HYPOT},
        jvp={p: f"d{p} * ratio_or_zero({p}, y)" for p in _HYPOT},
        samples=samples.hypot, kink="hypot at the origin: derivative 0")
# math functions take real numbers (complex values are refused where the derivative runs)
def _real(name, params, table):
    return {p: f"refuse_complex({name!r}, {params}, {t})" for p, t in table.items()}


defrule(math.dist, "p, q", kind=S, samples=samples.dist,
        vjp=_real("math.dist", "(p, q)", {"p": "dist_adjoint(g, p, q, y, 1.0)",
                                          "q": "dist_adjoint(g, p, q, y, -1.0)"}),
        jvp=_real("math.dist", "(p, q)", {"p": "dist_tangent(dp, p, q, y, 1.0)",
                                          "q": "dist_tangent(dq, p, q, y, -1.0)"}),
        kink="p == q: derivative 0")
defrule(math.fsum, "seq", kind=S, samples=samples.fsum,
        vjp=_real("math.fsum", "seq", {"seq": "fill_like(seq, g)"}),
        jvp=_real("math.fsum", "seq", {"seq": "sum_tangent(dseq, seq)"}),
        jvp_batch=_real("math.fsum", "seq", {"seq": "sum_tangent(dseq, seq, True)"}))
defrule(
    math.prod, "seq, start=1", kind=S, samples=samples.prod,
    vjp=_real("math.prod", "(seq, start)", {"seq": "prod_seq_adjoint(g, seq, start)",
                                            "start": "g * math.prod(seq)"}),
    jvp=_real("math.prod", "(seq, start)", {"seq": "prod_seq_tangent(dseq, seq, start)",
                                            "start": "dstart * math.prod(seq)"}),
    kink="smooth (products of the other items, no division)")
