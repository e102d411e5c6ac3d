"""Rules for elementwise functions: NumPy's ufuncs and the functions of `math` (scalars).

A function of `math` and its NumPy twin share one statement (``math.atan2`` and
``np.arctan2``, ``math.sqrt`` and ``np.sqrt``): one derivative, written for each module.
What differs are the options of Python floats: `math` results are scalars, and where a
derivative divides by zero at a pole the `math` form divides with `fdiv` (an IEEE infinity,
as NumPy gives, instead of ZeroDivisionError); NumPy's functions also take complex values:
the holomorphic ones conjugate their derivative in the adjoint (``g * cj(f'(z))``), with
plain ``g * f'(x)`` templates for code specialized to real values (``real_vjp``), and use
NumPy's division (``safe``) where a Python float may reach a pole.

Conventions at non-differentiable points (each registration's ``kink``): ``fabs`` and
``np.sign`` at 0 use sign(0) = 0; ``maximum``/``minimum`` at a tie give the derivative to
the first argument, ``fmax``/``fmin`` too (a NaN argument gets none); ``sqrt`` and ``log``
(and ``math.cbrt``) at 0 have an infinite derivative (IEEE infinities, also for Python
floats); ``hypot`` at (0, 0) has derivative 0 (the least-norm subgradient, as
``np.linalg.norm`` at 0); ``math.atan2`` at (0, 0), where it jumps, has derivative nan;
``pow(a, b)`` has d/da = 0 where ``b == 0``; ``remainder``/``fmod`` use the derivative of
the piece; roundings are piecewise constant (derivative 0).
"""
import ast
import math

import numpy as np

from .. import runtime as rt
from ..analysis import lattice
from .registry import defrule, holomorphic, inactive, partials, unary
from .samples import elementwise as samples
from .samples import kernels as kernel_samples

S = lattice.SCALAR
B = ("a", "b")


def _over(num, den, fdiv=False):
    """``num / den``; with `fdiv` (the `math` form of a derivative with a pole) ``fdiv(num,
    den)``, which gives NumPy's IEEE infinity where ``1.0 / 0.0`` raises."""
    if fdiv:
        return f"fdiv({num}, {den})"
    atomic = isinstance(ast.parse(den, mode="eval").body,
                        (ast.Name, ast.Constant, ast.Call, ast.Attribute))
    return f"{num} / {den if atomic else f'({den})'}"


def twins(math_func, np_func, derivative, pole=None, real=False, math_only=None,
          numpy_only=None, **options):
    """Register ``math_func`` (None: not in this Python's `math`) and its NumPy twin with
    one `derivative` in x and y, ``{m}`` standing for the module (``math`` or ``np``).

    A derivative ``(numerator, denominator)`` is a quotient with a pole at the edge of the
    domain: `pole` "math" divides with `fdiv` in the `math` form (the function is finite
    there, a Python float reaches the pole), "numpy" gives the NumPy form np.divide as its
    ``safe`` derivative.  The NumPy function is `holomorphic` unless `real`; `math_only`
    and `numpy_only` are options of one of the two."""
    def written(m, fdiv=False):
        if isinstance(derivative, str):
            return derivative.format(m=m)
        return _over(*(part.format(m=m) for part in derivative), fdiv=fdiv)

    if math_func is not None:
        unary(math_func, written("math", pole == "math"), kind=S, **options,
              **(math_only or {}))
    np_options = dict(options, **(numpy_only or {}))
    if pole == "numpy":
        np_options["safe"] = "np.divide({}, {})".format(*(p.format(m="np") for p in derivative))
    (unary if real else holomorphic)(np_func, written("np"), **np_options)


_INF_AT_0 = "{} at 0: derivative +inf"
for _math, _np, _derivative, _options in [
        (math.sin, np.sin, "{m}.cos(x)", {}),
        (math.cos, np.cos, "-{m}.sin(x)", {}),
        (math.tan, np.tan, "1.0 + y * y", {}),
        (math.asin, np.arcsin, ("1.0", "{m}.sqrt(1.0 - x * x)"),
         dict(pole="math", domain="unit")),
        (math.acos, np.arccos, ("-1.0", "{m}.sqrt(1.0 - x * x)"),
         dict(pole="math", domain="unit")),
        (math.atan, np.arctan, "1.0 / (1.0 + x * x)", {}),
        (math.sinh, np.sinh, "{m}.cosh(x)", {}),
        (math.cosh, np.cosh, "{m}.sinh(x)", {}),
        (math.tanh, np.tanh, "1.0 - y * y", {}),
        (math.asinh, np.arcsinh, "1.0 / {m}.sqrt(x * x + 1.0)", {}),
        (math.acosh, np.arccosh, ("1.0", "{m}.sqrt(x * x - 1.0)"), dict(
            pole="math", domain="gt1",
            numpy_only=dict(complex_derivative="1.0 / (np.sqrt(x - 1.0) * np.sqrt(x + 1.0))"))),
        (math.atanh, np.arctanh, ("1.0", "1.0 - x * x"), dict(pole="numpy", domain="unit")),
        (math.exp, np.exp, "y", {}),
        (math.expm1, np.expm1, "y + 1.0", {}),
        (getattr(math, "exp2", None), np.exp2, "y * 0.6931471805599453", {}),
        (math.log2, np.log2, ("1.0", "x * 0.6931471805599453"),
         dict(pole="numpy", domain="positive")),
        (math.log10, np.log10, ("1.0", "x * 2.302585092994046"),
         dict(pole="numpy", domain="positive")),
        (math.log1p, np.log1p, ("1.0", "1.0 + x"), dict(pole="numpy", domain="positive")),
        (math.sqrt, np.sqrt, ("0.5", "y"), dict(pole="math", domain="positive",
                                                kink=_INF_AT_0.format("sqrt"),
                                                kink_when="x == 0")),
        (getattr(math, "cbrt", None), np.cbrt, ("1.0", "3.0 * y * y"), dict(
            pole="math", real=True, domain="nonzero",
            math_only=dict(kink=_INF_AT_0.format("cbrt")))),
        (math.degrees, np.degrees, "57.29577951308232", dict(real=True)),
        (math.radians, np.radians, "0.017453292519943295", dict(real=True))]:
    twins(_math, _np, _derivative, **_options)

holomorphic(np.log, "1.0 / x", "np.divide(1.0, x)", kink=_INF_AT_0.format("log"),
            kink_when="x == 0", domain="positive")
holomorphic(np.square, "2.0 * x")
holomorphic(np.reciprocal, "-y * y", domain="nonzero")
holomorphic(np.sinc, "sinc_derivative(x)")
holomorphic(rt.sinc_derivative, "sinc_second(x)", name="sinc_derivative")
unary(np.negative, "-1.0")
unary(np.positive, "1.0")
unary(np.fabs, "np.sign(x)", kink="fabs at 0: derivative 0", kink_when="x == 0",
      domain="nonzero")
unary(np.deg2rad, "0.017453292519943295")
unary(np.rad2deg, "57.29577951308232")
unary(math.fabs, "(1.0 if x > 0 else -1.0 if x < 0 else 0.0)", kind=S,
      kink="fabs at 0: derivative 0", kink_when="x == 0", domain="nonzero")
unary(math.erf, "1.1283791670955126 * math.exp(-x * x)", kind=S)
unary(math.erfc, "-1.1283791670955126 * math.exp(-x * x)", kind=S)


def _log_vjp_x(bound):
    return "g / x" if _is_none(bound.get("base")) else "g / (x * math.log(base))"


def _log_jvp_x(bound):
    return "dx / x" if _is_none(bound.get("base")) else "dx / (x * math.log(base))"


def _is_none(node):
    return node is None or getattr(node, "value", 0) is None and type(node).__name__ == "Constant"


defrule(math.log, "x, base=None", kind=S,
        vjp={"x": _log_vjp_x, "base": "-g * y / (base * math.log(base))"},
        jvp={"x": _log_jvp_x, "base": "-dbase * y / (base * math.log(base))"},
        kink=_INF_AT_0.format("log"), kink_when="x == 0", samples=samples.math_log)

# ------------------------------------------------------------------- two arguments
for _f, _m, _options in ((np.arctan2, "np", dict(broadcast=B)),
                         (math.atan2, "math", dict(kind=S, kink="atan2 at (0, 0) jumps: "
                                                                "derivative nan"))):
    partials(_f, "a, b", a=_over("b", "a * a + b * b", _m == "math"),
             b="-" + _over("a", "a * a + b * b", _m == "math"), **_options)
# (math.hypot of any number of coordinates is in numpy_signal)
partials(np.hypot, "a, b", a="ratio_or_zero(a, y)", b="ratio_or_zero(b, y)",
         kink="hypot at (0, 0): derivative 0", broadcast=B)
_POW_KINK = "d/da is 0 where b == 0, infinite at a == 0 with b < 1"
for _f, _slope, _options in (
        (math.pow, "pow_slope(a, b)", dict(kind=S, kink=_POW_KINK)),
        (pow, "pow_slope(a, b)", dict(name="pow", broadcast=B, conj=True, kink=_POW_KINK)),
        (np.float_power, "pow_slope(a, b, np.float_power)", dict(
            broadcast=B, conj=True, kink_when="(a == 0) & (b < 1) & (b != 0)",
            kink=f"{_POW_KINK}; d/db uses log(a) (0 where a == 0)"))):
    partials(_f, "a, b", a=_slope, b="y * log_of(a)", domain={"a": "positive", "b": "any"},
             **_options)
_PIECE = "jumps where a / b is an integer; the derivative of the piece is used"
for _f, _m, _options in ((math.fmod, "math", dict(kind=S, domain={"a": "any", "b": "nonzero"})),
                         (np.fmod, "np", dict(broadcast=B, domain={"a": "any", "b": "positive"},
                                              kink_when="np.fmod(a, b) == 0", kink=_PIECE))):
    partials(_f, "a, b", a="1", b=f"-{_m}.trunc(a / b)", **_options)
partials(np.remainder, "a, b", a="1", b="-np.floor_divide(a, b)", broadcast=B,
         domain={"a": "any", "b": "positive"}, kink_when="np.remainder(a, b) == 0",
         kink=_PIECE)
partials(math.copysign, "a, b", a="math.copysign(1.0, a) * math.copysign(1.0, b)", kind=S,
         samples=samples.math_copysign)
partials(np.copysign, "a, b", a="np.sign(a) * np.copysign(1.0, b)", b="0.0", broadcast=B,
         domain="nonzero", kink_when="a == 0",
         kink="d/da is 0 at a == 0 (as for abs); b only gives a sign: derivative 0")
# np.ldexp(x1, x2) = x1 * 2 ** x2: the exponent x2 is an integer
partials(np.ldexp, "x1, x2", x1="np.ldexp(1.0, x2)", x2="0.0", broadcast=("x1", "x2"),
         samples=samples.ldexp)
# (np.greater_equal...: Python complex scalars have no ordering, NumPy's lexicographic one
# is the one np.maximum uses)
for _f, _first, _second in ((np.maximum, "greater_equal", "greater"),
                            (np.minimum, "less_equal", "less")):
    partials(_f, "a, b", a=f"np.{_first}(a, b)", b=f"np.{_second}(b, a)", broadcast=B,
             kink_when="a == b", kink=f"{_f.__name__} at a tie: the first argument")
for _f, _cmp in ((np.fmax, ">="), (np.fmin, "<=")):
    _first = f"np.logical_or(a {_cmp} b, np.isnan(b))"
    partials(_f, "a, b", a=_first, b=f"np.logical_not({_first})", broadcast=B,
             kink_when="a == b",
             kink="at a tie the first argument gets the derivative; NaN arguments get none")
for _f, _exp in ((np.logaddexp, "np.exp"), (np.logaddexp2, "np.exp2")):
    partials(_f, "a, b", a=f"{_exp}(a - y)", b=f"{_exp}(b - y)", broadcast=B)

# ------------------------------------------------------------------- piecewise constant
for _m, _fs, _kind in (("math", (math.floor, math.ceil, math.trunc), lattice.INT),
                       ("np", (np.floor, np.ceil, np.trunc, np.rint, np.round),
                        "elementwise")):
    for _f in _fs:
        inactive(_f, kind=_kind, params="x", kink_when=f"x == {_m}.floor(x)",
                 kink="piecewise constant: derivative 0, jumps at integers")
inactive(np.sign, kind="elementwise", params="x", kink_when="x == 0",
         kink="sign is piecewise constant: derivative 0")
for _f in (np.heaviside, np.signbit):
    inactive(_f, kind="elementwise", kink="piecewise constant: derivative 0")
for _f in (math.isclose, math.isnan, math.isinf, math.isfinite, math.factorial, math.gcd,
           math.comb, math.perm):
    inactive(_f, kind=lattice.INT)

# ------------------------------------------------------------------- kernels
# Forward rules of the kernels the templates above call (Hessians differentiate them).
defrule(rt.fdiv, "a, b", name="fdiv", broadcast=B, domain={"a": "any", "b": "nonzero"},
        jvp={"a": "fdiv(da, b)", "b": "-db * fdiv(y, b)"})
defrule(rt.ratio_or_zero, "a, b", name="ratio_or_zero", broadcast=B,
        domain={"a": "any", "b": "nonzero"},
        jvp={"a": "ratio_or_zero(da, b)", "b": "-db * ratio_or_zero(y, b)"})
defrule(rt.pow_slope, "a, b, power=np.power", name="pow_slope", broadcast=B,
        jvp={"a": "da * pow_curvature(a, b, power)",
             "b": "db * pow_slope_in_b(a, b, power)",
             "power": "0.0"},
        samples=kernel_samples.pow_slope)
_A = "np.where(np.equal(a, 0), 1.0, a)"     # a where a != 0: the terms vanish at a == 0
defrule(rt.pow_slope_in_b, "a, b, power=np.power", name="pow_slope_in_b", broadcast=B,
        jvp={"a": f"da * np.where(np.equal(a, 0), 0.0, power({_A}, b - 2.0) * "
                  "((b - 1.0) * (1.0 + b * log_of(a)) + b))",
             "b": f"db * np.where(np.equal(a, 0), 0.0, power({_A}, b - 1.0) * log_of(a) * "
                  "(2.0 + b * log_of(a)))",
             "power": "0.0"},
        samples=kernel_samples.pow_slope)
defrule(rt.pow_curvature, "a, b, power=np.power", name="pow_curvature", broadcast=B,
        jvp={"a": "da * b * pow_curvature(a, b - 1, power)",
             "b": f"db * np.where(np.equal(a, 0), 0.0, power({_A}, b - 2.0) * "
                  "((2.0 * b - 1.0) + b * (b - 1.0) * log_of(a)))",
             "power": "0.0"},
        samples=kernel_samples.pow_slope)
defrule(rt.abs_slope, "x", name="abs_slope", kind="elementwise", domain="nonzero",
        jvp={"x": "abs_slope_tangent(dx, x)"})
