"""Rules for ``scipy.special`` (registered when SciPy can be imported).

Elementwise functions, with their derivative in every argument that has one:

* gamma functions: ``gammaln``, ``digamma`` (``psi``), ``polygamma`` (in x: the order n is
  an integer), ``gamma``, ``rgamma``, ``beta``, ``betaln``, ``multigammaln`` (in a: the
  dimension d is an integer); ``gammainc``, ``gammaincc``, ``betainc`` and ``betaincc`` in
  x only (their derivatives in a and b have no closed form: refused); ``gammasgn`` is
  piecewise constant;
* error functions and the normal distribution: ``erf``, ``erfc``, ``erfinv``, ``erfcinv``,
  ``ndtr``, ``ndtri``, ``log_ndtr``;
* logistic and entropy functions: ``expit``, ``logit``, ``log_expit``, ``xlogy``,
  ``xlog1py``, ``entr``, ``rel_entr``;
* Bessel functions: ``i0``, ``i1``, ``i0e``, ``i1e``, ``j0``, ``j1``, ``y0``, ``y1``, and
  ``iv``, ``ive``, ``jv`` (``jn``), ``yv``, ``yn`` in their argument (the order is constant:
  a derivative in it has no closed form);
* ``scipy.special.sinc`` is ``np.sinc`` (rules/elementwise.py).

Reductions: ``logsumexp(a, axis, b, keepdims)`` in a and b (not ``return_sign=True``),
``softmax(x, axis)`` and ``log_softmax(x, axis)``.

Complex values: ``erf``, ``erfc``, ``ndtr``, ``log_ndtr``, ``gamma``, ``rgamma``, ``xlogy``,
``xlog1py``, ``iv``, ``jv`` and ``yv`` are holomorphic where SciPy takes complex arguments
(the adjoint conjugates the derivative); ``digamma``, ``polygamma``, ``ive`` and the
reductions refuse complex values when the derivative runs; the other functions do not take
complex values at all.

Templates call SciPy's own functions (``scipy.special.digamma(x)``), which have rules
themselves: forward mode over generated gradient code gives Hessians.

Non-differentiable points (each rule's ``kink``): ``i0e`` and ``ive`` at 0 (the factor
``exp(-|x|)``; sign(0) = 0); ``entr`` and ``rel_entr`` at x = 0 (infinite derivative);
``xlogy`` and ``xlog1py`` where x = 0 at the pole of the logarithm (d/dx is infinite, d/dy
nan; along x = 0 the function is 0).
"""
import scipy.special as sc

from ..analysis import lattice
from ..runtime import special as kernels
from .kinds import literal, maybe_complex
from .numpy_reduce import reduce_kind
from .registry import (DISCRETE_NAMES, defrule, holomorphic, inactive, linear_helper, partials,
                       real_only, unary)
from .samples import special as samples
from .samples import with_defaults

A = lattice.ANY
NO_CLOSED_FORM = "its derivative in this argument has no closed form"


def _named(func):
    return "scipy.special." + ("digamma" if func is sc.digamma else func.__name__)


def _unary(func, derivative, complex_values=False, **options):
    """``y = func(x)`` with ``dy/dx = derivative``; holomorphic with `complex_values`."""
    return (holomorphic if complex_values else unary)(func, derivative, name=_named(func),
                                                       **options)


def _order_and_argument(func, order, argument, derivative, complex_values, samples_,
                        **options):
    """``y = func(order, argument)``, differentiable in its argument only."""
    return partials(func, f"{order}, {argument}", name=_named(func), conj=complex_values,
                    broadcast=(order, argument), samples=samples_,
                    refused={order: f"the order; {NO_CLOSED_FORM}" if order == "v"
                             else "an integer order"},
                    **{argument: derivative}, **options)


# ---------------------------------------------------------------------- gamma functions
_unary(sc.gammaln, "scipy.special.digamma(x)", domain="positive")
_unary(sc.digamma, "scipy.special.polygamma(1, x)", domain="positive", real=("x",))
partials(sc.polygamma, "n, x", name=_named(sc.polygamma), broadcast=("n", "x"), real=("x",),
         samples=samples.polygamma, refused={"n": "an integer order"},
         x="scipy.special.polygamma(n + 1, x)")
_unary(sc.gamma, "y * scipy.special.digamma(x)", complex_values=True, domain="positive")
_unary(sc.rgamma, "-y * scipy.special.digamma(x)", complex_values=True, domain="positive")
_DIGAMMA_SUM = "scipy.special.digamma(a + b)"
partials(sc.beta, "a, b", name=_named(sc.beta), broadcast=("a", "b"), domain="positive",
         a=f"y * (scipy.special.digamma(a) - {_DIGAMMA_SUM})",
         b=f"y * (scipy.special.digamma(b) - {_DIGAMMA_SUM})")
partials(sc.betaln, "a, b", name=_named(sc.betaln), broadcast=("a", "b"), domain="positive",
         a=f"scipy.special.digamma(a) - {_DIGAMMA_SUM}",
         b=f"scipy.special.digamma(b) - {_DIGAMMA_SUM}")
partials(sc.multigammaln, "a, d", name=_named(sc.multigammaln), samples=samples.multigammaln,
         refused={"d": "the dimension, an integer"}, a="multi_polygamma(0, a, d)")
partials(kernels.multi_polygamma, "n, a, d", name="multi_polygamma",
         samples=samples.multi_polygamma, a="multi_polygamma(n + 1, a, d)")
# d/dx P(a, x) = x ** (a - 1) exp(-x) / gamma(a), written with xlogy (exact at x == 0, a == 1)
_LOWER_GAMMA_DENSITY = "np.exp(scipy.special.xlogy(a - 1.0, x) - x - scipy.special.gammaln(a))"
for _f, _sign in ((sc.gammainc, ""), (sc.gammaincc, "-")):
    partials(_f, "a, x", name=_named(_f), broadcast=("a", "x"), samples=samples.gammainc,
             refused={"a": NO_CLOSED_FORM}, x=_sign + _LOWER_GAMMA_DENSITY)
# d/dx I_x(a, b) = x ** (a - 1) (1 - x) ** (b - 1) / beta(a, b)
_BETA_DENSITY = ("np.exp(scipy.special.xlogy(a - 1.0, x) + scipy.special.xlog1py(b - 1.0, -x) "
                 "- scipy.special.betaln(a, b))")
for _f, _sign in ((sc.betainc, ""), (sc.betaincc, "-")):
    partials(_f, "a, b, x", name=_named(_f), broadcast=("a", "b", "x"),
             samples=samples.betainc, refused={"a": NO_CLOSED_FORM, "b": NO_CLOSED_FORM},
             x=_sign + _BETA_DENSITY)
DISCRETE_NAMES.add("scipy.special.gammasgn")
inactive(sc.gammasgn, kind="elementwise", name=_named(sc.gammasgn), params="x",
         kink="piecewise constant: derivative 0, jumps at the poles of gamma")

# ----------------------------------------------------- error functions, normal distribution
_unary(sc.erf, "1.1283791670955126 * np.exp(-x * x)", complex_values=True)
_unary(sc.erfc, "-1.1283791670955126 * np.exp(-x * x)", complex_values=True)
_unary(sc.erfinv, "0.886226925452758 * np.exp(y * y)", domain="unit")
_unary(sc.erfcinv, "-0.886226925452758 * np.exp(y * y)", samples=samples.erfcinv)
_unary(sc.ndtr, "0.3989422804014327 * np.exp(-0.5 * x * x)", complex_values=True)
_unary(sc.ndtri, "2.5066282746310002 * np.exp(0.5 * y * y)", samples=samples.unit_interval)
_unary(sc.log_ndtr, "0.3989422804014327 * np.exp(-0.5 * x * x - y)", complex_values=True)

# --------------------------------------------------------------- logistic, entropies
_unary(sc.expit, "y * (1.0 - y)")
_unary(sc.logit, "1.0 / (x * (1.0 - x))", samples=samples.unit_interval)
_unary(sc.log_expit, "scipy.special.expit(-x)")
_unary(sc.entr, "-np.log(x) - 1.0", domain="positive", kink_when="x == 0",
       kink="entr at 0: derivative +inf")
_XLOG = ("where x1 == 0 at the pole of the logarithm: d/dx1 is infinite and d/dx2 nan "
         "(along x1 == 0 the function is 0)")
partials(sc.xlogy, "x1, x2", name=_named(sc.xlogy), conj=True, broadcast=("x1", "x2"),
         domain={"x1": "any", "x2": "positive"}, kink_when="(x1 == 0) & (x2 == 0)",
         kink=_XLOG, x1="np.log(x2)", x2="x1 / x2")
partials(sc.xlog1py, "x1, x2", name=_named(sc.xlog1py), conj=True, broadcast=("x1", "x2"),
         domain={"x1": "any", "x2": "positive"}, kink_when="(x1 == 0) & (x2 == -1)",
         kink=_XLOG, x1="np.log1p(x2)", x2="x1 / (1.0 + x2)")
partials(sc.rel_entr, "x1, x2", name=_named(sc.rel_entr), broadcast=("x1", "x2"),
         domain="positive", kink_when="x1 == 0", kink="rel_entr at x1 == 0: d/dx1 is -inf",
         x1="np.log(x1 / x2) + 1.0", x2="-x1 / x2")

# ------------------------------------------------------------------------------ Bessel
_EXP_KINK = "the factor exp(-|x|) at 0: sign(0) = 0"
_unary(sc.i0, "scipy.special.i1(x)")
_unary(sc.i1, "0.5 * (scipy.special.i0(x) + scipy.special.iv(2.0, x))")
_unary(sc.i0e, "scipy.special.i1e(x) - np.sign(x) * y", domain="nonzero", kink_when="x == 0",
       kink=_EXP_KINK)
_unary(sc.i1e, "0.5 * (scipy.special.i0e(x) + scipy.special.ive(2.0, x)) - np.sign(x) * y")
_unary(sc.j0, "-scipy.special.j1(x)")
_unary(sc.j1, "0.5 * (scipy.special.j0(x) - scipy.special.jv(2.0, x))")
_unary(sc.y0, "-scipy.special.y1(x)", domain="positive")
_unary(sc.y1, "0.5 * (scipy.special.y0(x) - scipy.special.yv(2.0, x))", domain="positive")
_order_and_argument(sc.iv, "v", "z", "0.5 * (scipy.special.iv(v - 1.0, z) + "
                    "scipy.special.iv(v + 1.0, z))", True, samples.bessel)
_order_and_argument(
    sc.ive, "v", "z", "0.5 * (scipy.special.ive(v - 1.0, z) + scipy.special.ive(v + 1.0, z)) "
    "- np.sign(z) * y", False, samples.bessel, kink_when="z == 0", kink=_EXP_KINK, real=("z",))
_order_and_argument(sc.jv, "v", "z", "0.5 * (scipy.special.jv(v - 1.0, z) - "
                    "scipy.special.jv(v + 1.0, z))", True, samples.bessel)
_order_and_argument(sc.yv, "v", "z", "0.5 * (scipy.special.yv(v - 1.0, z) - "
                    "scipy.special.yv(v + 1.0, z))", True, samples.bessel)
_order_and_argument(sc.yn, "n", "x", "0.5 * (scipy.special.yn(n - 1, x) - "
                    "scipy.special.yn(n + 1, x))", False, samples.yn)


# --------------------------------------------------------------------------- reductions
def _weighted(bound):
    """Is logsumexp given weights ``b`` (not the literal None)?"""
    return literal(bound, "b", None) is not None


def _logsumexp_kind(arg_kinds, bound):
    if _weighted(bound) or maybe_complex(arg_kinds.get("a", lattice.INT)):
        return A
    return reduce_kind({"x": arg_kinds.get("a")}, bound)


def _refuse_sign(bound):
    if literal(bound, "return_sign", False) is not False:
        return ("scipy.special.logsumexp with return_sign=True has no derivative rule",
                "call it without return_sign (the sign is constant where the sum is not 0)")
    return None


_SPREAD = "spread_reduced({}, a, b, axis, keepdims)"
_WEIGHTS = f"np.exp(a - {_SPREAD.format('y')})"     # exp(a - logsumexp): softmax of a


def _lse_weights(bound):
    """d logsumexp / da: ``b * exp(a - y)`` (without b, the softmax of a)."""
    return f"b * {_WEIGHTS}" if _weighted(bound) else _WEIGHTS


def _lse_adjoint_a(bound):
    # summed back to a's shape: b may be larger, and a 0-d a counts as 1-D
    return f"unbroadcast({_SPREAD.format('g')} * {_lse_weights(bound)}, a)"


def _lse_tangent_a(bound):
    return f"np.sum(da * {_lse_weights(bound)}, axis=axis, keepdims=keepdims)"


def _lse_batch_a(bound):
    return (f"batch_reduce(np.sum, batch_align(as_batched(da, a), a, {_WEIGHTS}) * "
            f"{_lse_weights(bound)}, axis, keepdims)")


_logsumexp = real_only(with_defaults(defrule(
    sc.logsumexp, "a, axis=None, b=None, keepdims=False, return_sign=False",
    name="scipy.special.logsumexp", kind=_logsumexp_kind, refuse_call=_refuse_sign,
    vjp={"a": _lse_adjoint_a, "b": f"unbroadcast({_SPREAD.format('g')} * {_WEIGHTS}, b)"},
    jvp={"a": _lse_tangent_a, "b": f"np.sum(db * {_WEIGHTS}, axis=axis, keepdims=keepdims)"},
    jvp_batch={"a": _lse_batch_a,
               "b": f"batch_reduce(np.sum, batch_align(as_batched(db, b), b, {_WEIGHTS}) * "
                    f"{_WEIGHTS}, axis, keepdims)"},
    samples=samples.logsumexp)), "a", "b")
linear_helper(kernels.spread_reduced, "v, a, b=None, axis=None, keepdims=False",
              samples.spread_reduced)


def _same_real_kind(arg_kinds, bound):
    k = arg_kinds.get("x", A)
    return k if lattice.is_array(k) or k == lattice.SCALAR else A


_DX = "as_batched(dx, x)"
real_only(defrule(
    sc.softmax, "x, axis=None", name="scipy.special.softmax", kind=_same_real_kind,
    vjp={"x": "y * (g - np.sum(g * y, axis=axis, keepdims=True))"},
    jvp={"x": "y * (dx - np.sum(dx * y, axis=axis, keepdims=True))"},
    jvp_batch={"x": f"y * ({_DX} - batch_reduce(np.sum, {_DX} * y, axis, True))"},
    samples=samples.softmax), "x")
real_only(defrule(
    sc.log_softmax, "x, axis=None", name="scipy.special.log_softmax", kind=_same_real_kind,
    vjp={"x": "g - np.exp(y) * np.sum(dense_cotangent(g, y), axis=axis, keepdims=True)"},
    jvp={"x": "dx - np.sum(np.exp(y) * dx, axis=axis, keepdims=True)"},
    jvp_batch={"x": f"{_DX} - batch_reduce(np.sum, np.exp(y) * {_DX}, axis, True)"},
    samples=samples.softmax), "x")
linear_helper(kernels.on_support, "v, density", samples.on_support)
