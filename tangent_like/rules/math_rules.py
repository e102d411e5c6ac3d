"""Rules for every differentiable function of the `math` module (scalars only).

Where a derivative is infinite at a point of the function's domain (``sqrt``, ``asin``,
``acos``, ``acosh``, ``cbrt`` at the ends of their domains) it is the IEEE infinity, as with
NumPy, not a ZeroDivisionError (`fdiv`); ``pow(a, b)`` has d/da = 0 where ``b == 0``.
``hypot`` at (0, 0) has derivative 0 (the least-norm subgradient, as np.linalg.norm at 0);
``atan2`` at (0, 0), where it jumps, has derivative nan.
"""
import math

from ..analysis import lattice
from .registry import defrule, inactive, unary

S = lattice.SCALAR

unary(math.sin, "math.cos(x)", kind=S)
unary(math.cos, "-math.sin(x)", kind=S)
unary(math.tan, "1.0 + y * y", kind=S)
unary(math.asin, "fdiv(1.0, math.sqrt(1.0 - x * x))", kind=S, domain="unit")
unary(math.acos, "fdiv(-1.0, math.sqrt(1.0 - x * x))", kind=S, domain="unit")
unary(math.atan, "1.0 / (1.0 + x * x)", kind=S)
unary(math.sinh, "math.cosh(x)", kind=S)
unary(math.cosh, "math.sinh(x)", kind=S)
unary(math.tanh, "1.0 - y * y", kind=S)
unary(math.asinh, "1.0 / math.sqrt(x * x + 1.0)", kind=S)
unary(math.acosh, "fdiv(1.0, math.sqrt(x * x - 1.0))", kind=S, domain="gt1")
unary(math.atanh, "1.0 / (1.0 - x * x)", kind=S, domain="unit")
unary(math.exp, "y", kind=S)
unary(math.expm1, "y + 1.0", kind=S)
if hasattr(math, "exp2"):
    unary(math.exp2, "y * 0.6931471805599453", kind=S)
unary(math.log2, "1.0 / (x * 0.6931471805599453)", kind=S, domain="positive")
unary(math.log10, "1.0 / (x * 2.302585092994046)", kind=S, domain="positive")
unary(math.log1p, "1.0 / (1.0 + x)", kind=S, domain="positive")
unary(math.sqrt, "fdiv(0.5, y)", kind=S, kink="sqrt at 0: derivative +inf",
      domain="positive")
if hasattr(math, "cbrt"):
    unary(math.cbrt, "fdiv(1.0, 3.0 * y * y)", kind=S, kink="cbrt at 0: derivative +inf",
          domain="nonzero")
unary(math.fabs, "(1.0 if x > 0 else -1.0 if x < 0 else 0.0)", kind=S,
      kink="fabs at 0: derivative 0", domain="nonzero")
unary(math.degrees, "57.29577951308232", kind=S)
unary(math.radians, "0.017453292519943295", kind=S)
unary(math.erf, "1.1283791670955126 * math.exp(-x * x)", kind=S)
unary(math.erfc, "-1.1283791670955126 * math.exp(-x * x)", kind=S)


def _log_vjp_x(bound):
    return "g / x" if _is_none(bound.get("base")) else "g / (x * math.log(base))"


def _log_jvp_x(bound):
    return "dx / x" if _is_none(bound.get("base")) else "dx / (x * math.log(base))"


def _is_none(node):
    return node is None or getattr(node, "value", 0) is None and type(node).__name__ == "Constant"


def _log_samples(rng):
    """math.log(x) and math.log(x, base): x > 0, base > 0 and != 1 (a float base is checked
    as an argument; an int base is bound as a literal and checks the x template with it)."""
    pos = lambda: float(rng.uniform(0.5, 2.0))  # noqa: E731
    return [{"x": pos()}, {"x": pos()},
            {"x": pos(), "base": float(rng.uniform(1.5, 4.0))},
            {"x": pos(), "base": float(rng.uniform(0.2, 0.7))},
            {"x": pos(), "base": 2}, {"x": pos(), "base": 10}]


defrule(math.log, "x, base=None", kind=S,
        vjp={"x": _log_vjp_x, "base": "-g * y / (base * math.log(base))"},
        jvp={"x": _log_jvp_x, "base": "-dbase * y / (base * math.log(base))"},
        samples=_log_samples)
defrule(math.pow, "a, b", kind=S,
        vjp={"a": "g * pow_slope(a, b)", "b": "g * y * log_of(a)"},
        jvp={"a": "da * pow_slope(a, b)", "b": "db * y * log_of(a)"},
        kink="d/da is 0 where b == 0, infinite at a == 0 with b < 1",
        domain={"a": "positive", "b": "any"})
defrule(math.atan2, "a, b", kind=S,
        vjp={"a": "g * fdiv(b, a * a + b * b)", "b": "-g * fdiv(a, a * a + b * b)"},
        jvp={"a": "da * fdiv(b, a * a + b * b)", "b": "-db * fdiv(a, a * a + b * b)"},
        kink="atan2 at (0, 0) jumps: derivative nan")
defrule(math.hypot, "a, b", kind=S,
        vjp={"a": "g * ratio_or_zero(a, y)", "b": "g * ratio_or_zero(b, y)"},
        jvp={"a": "da * ratio_or_zero(a, y)", "b": "db * ratio_or_zero(b, y)"},
        kink="hypot at (0, 0): derivative 0")
defrule(math.fmod, "a, b", kind=S,
        vjp={"a": "g", "b": "-g * math.trunc(a / b)"},
        jvp={"a": "da", "b": "-db * math.trunc(a / b)"},
        domain={"a": "any", "b": "nonzero"})
defrule(math.copysign, "a, b", kind=S,
        vjp={"a": "g * math.copysign(1.0, a) * math.copysign(1.0, b)"},
        jvp={"a": "da * math.copysign(1.0, a) * math.copysign(1.0, b)"},
        # a, b nonzero in every sign combination (b has no template: it only gives a sign)
        samples=lambda rng: [{"a": sa * float(rng.uniform(0.5, 2.0)),
                              "b": sb * float(rng.uniform(0.5, 2.0))}
                             for sa in (-1.0, 1.0) for sb in (-1.0, 1.0)])

for _f in (math.floor, math.ceil, math.trunc):
    inactive(_f, kind=lattice.INT, kink="piecewise constant: derivative 0")
for _f in (math.isclose, math.isnan, math.isinf, math.isfinite):
    inactive(_f, kind=lattice.INT)
for _f in (math.factorial, math.gcd, math.comb, math.perm):
    inactive(_f, kind=lattice.INT)
