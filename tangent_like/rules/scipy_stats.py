"""Rules for ``scipy.stats`` distributions (registered when SciPy can be imported).

A distribution's functions are methods of the object SciPy exports (``scipy.stats.norm``):
``norm.logpdf(x, mu, s)`` and ``st.norm.logpdf(...)`` both reach the bound method
``scipy.stats.norm.logpdf``, which is what each rule is registered for.  Methods of frozen
distributions (``norm(mu, s).logpdf(x)``) have no rule: call the distribution's own method
with the parameters.

Continuous families, with ``loc`` and ``scale``: ``norm``, ``t`` (df), ``gamma`` (a),
``beta`` (a, b), ``chi2`` (df), ``expon``.  ``logpdf`` and ``pdf`` are differentiable in
every argument; ``cdf``, ``logcdf``, ``sf`` and ``logsf`` in x, loc and scale (in x their
derivative is the density, in loc and scale the density times -1 and -z), not in the shape
parameters, where the derivatives of the regularized incomplete beta and gamma functions
have no closed form (refused).  Discrete: ``poisson`` (``logpmf``, ``pmf``, ``cdf``,
``logcdf``, ``sf``, ``logsf``) in mu; k and loc are integers.  Multivariate:
``multivariate_normal.logpdf``/``pdf`` in x, mean and cov (SciPy's layouts: cov a scalar, a
diagonal or a matrix of which SciPy reads the lower triangle, so the adjoint of cov lies in
that triangle; a singular cov is refused when the derivative runs), ``dirichlet.logpdf``/
``pdf`` in x and alpha (x with all k components or the k - 1 free ones).

Outside the support the density is the constant 0 and the distribution functions are
constant: their derivatives are 0 there (`on_support`; the distribution functions' are
written with the density).  The log density is -inf there, and its derivative is not
meaningful.  At the boundary of a support the one-sided derivative from inside is not
given: the derivative of the density is 0 there.

Templates call the distributions' own methods and ``scipy.special`` functions, which have
rules: forward mode over generated gradient code gives Hessians.  Complex values are refused
(SciPy computes some of these functions at complex arguments, not as analytic functions).
"""
import scipy.stats as st

from ..analysis import lattice
from ..runtime import special as kernels
from .registry import defrule, inactive, linear_helper, partials, real_only
from .samples import scipy_stats as samples

A = lattice.ANY
NO_CLOSED_FORM = "its derivative in this argument has no closed form"
_EDGE = "the density's derivative is 0 at the boundary of its support"
_Z = "(x - loc) / scale"


def _continuous(dist, shapes, logpdf, samples_, bounded=False):
    """The rules of a continuous family with shape parameters `shapes`, from the partial
    derivatives of its log density `logpdf` (parameter -> expression)."""
    name = f"scipy.stats.{dist.name}"
    params = ("x",) + shapes + ("loc", "scale")
    spec = ", ".join(("x",) + shapes + ("loc=0.0", "scale=1.0"))
    args = ", ".join(params)
    common = dict(broadcast=params, samples=samples_)
    if bounded:
        common["kink"] = _EDGE

    def register(method, **derivatives):
        return partials(getattr(dist, method), spec, name=f"{name}.{method}", real=params,
                        **derivatives, **common)

    register("logpdf", **logpdf)
    register("pdf", **{p: f"on_support(y * ({d}), y)" if bounded else f"y * ({d})"
                       for p, d in logpdf.items()})
    refused = {s: NO_CLOSED_FORM for s in shapes}
    density = f"{name}.pdf({args})"
    ratio = f"np.exp({name}.logpdf({args}) - y)"         # density / the function itself
    for method, sign, d in (("cdf", 1, density), ("sf", -1, density),
                            ("logcdf", 1, ratio), ("logsf", -1, ratio)):
        plus, minus = ("", "-") if sign > 0 else ("-", "")
        register(method, refused=refused, x=f"{plus}{d}", loc=f"{minus}{d}",
                 scale=f"{minus}{_Z} * {d}")


_continuous(st.norm, (), dict(
    x="-(x - loc) / (scale * scale)", loc="(x - loc) / (scale * scale)",
    scale=f"({_Z} * {_Z} - 1.0) / scale"), samples.norm)
# t: log density gammaln((df + 1) / 2) - gammaln(df / 2) - log(df pi) / 2 - log(scale)
#    - (df + 1) / 2 log(1 + z^2 / df)
_T_DEN = "(df * scale * scale + (x - loc) * (x - loc))"
_Z2 = f"({_Z} * {_Z})"
_continuous(st.t, ("df",), dict(
    x=f"-(df + 1.0) * (x - loc) / {_T_DEN}", loc=f"(df + 1.0) * (x - loc) / {_T_DEN}",
    scale=f"((df + 1.0) * (x - loc) * (x - loc) / {_T_DEN} - 1.0) / scale",
    df=f"0.5 * (scipy.special.digamma(0.5 * (df + 1.0)) - scipy.special.digamma(0.5 * df) "
       f"- 1.0 / df - np.log1p({_Z2} / df) + (df + 1.0) * {_Z2} / (df * (df + {_Z2})))"),
    samples.t)
# gamma: (a - 1) log z - z - gammaln(a) - log(scale)
_continuous(st.gamma, ("a",), dict(
    x="(a - 1.0) / (x - loc) - 1.0 / scale", loc="1.0 / scale - (a - 1.0) / (x - loc)",
    scale=f"({_Z} - a) / scale", a=f"np.log({_Z}) - scipy.special.digamma(a)"),
    samples.gamma, bounded=True)
# chi2: gamma with a = df / 2 and scale 2 scale
_continuous(st.chi2, ("df",), dict(
    x="(0.5 * df - 1.0) / (x - loc) - 0.5 / scale",
    loc="0.5 / scale - (0.5 * df - 1.0) / (x - loc)",
    scale=f"0.5 * ({_Z} - df) / scale",
    df=f"0.5 * (np.log(0.5 * {_Z}) - scipy.special.digamma(0.5 * df))"),
    samples.chi2, bounded=True)
# beta: (a - 1) log z + (b - 1) log(1 - z) - betaln(a, b) - log(scale)
_DIGAMMA_SUM = "scipy.special.digamma(a + b)"
_continuous(st.beta, ("a", "b"), dict(
    x="(a - 1.0) / (x - loc) - (b - 1.0) / (loc + scale - x)",
    loc="(b - 1.0) / (loc + scale - x) - (a - 1.0) / (x - loc)",
    scale="((b - 1.0) * (x - loc) / (loc + scale - x) - a) / scale",
    a=f"np.log({_Z}) - scipy.special.digamma(a) + {_DIGAMMA_SUM}",
    b=f"np.log1p(-{_Z}) - scipy.special.digamma(b) + {_DIGAMMA_SUM}"),
    samples.beta, bounded=True)
# expon: -z - log(scale)
_continuous(st.expon, (), dict(
    x="-1.0 / scale", loc="1.0 / scale", scale=f"({_Z} - 1.0) / scale"),
    samples.expon, bounded=True)


# --------------------------------------------------------------------------------- poisson
def _poisson():
    """poisson(k, mu, loc) in mu: d logpmf / d mu = (k - loc) / mu - 1; the distribution
    functions have the derivative -pmf(floor(k), mu) (d/dmu of the regularized upper
    incomplete gamma function Q(floor(k) + 1, mu))."""
    name = "scipy.stats.poisson"
    common = dict(broadcast=("k", "mu", "loc"), samples=samples.poisson,
                  refused={"k": "a count", "loc": "an integer shift"})
    slope = "(k - loc) / mu - 1.0"
    at_floor = "np.floor(k), mu, loc"
    pmf, ratio = f"{name}.pmf({at_floor})", f"np.exp({name}.logpmf({at_floor}) - y)"
    for method, d in (("logpmf", slope), ("pmf", f"on_support(y * ({slope}), y)"),
                      ("cdf", f"-{pmf}"), ("sf", pmf), ("logcdf", f"-{ratio}"),
                      ("logsf", ratio)):
        partials(getattr(st.poisson, method), "k, mu, loc=0", name=f"{name}.{method}",
                 real=("mu",), mu=d, **common)


_poisson()


# -------------------------------------------------------------------- multivariate normal
_DIM = "mvn_dim(mean, cov)"
_PRECISION = f"mvn_precision(mvn_covariance(cov, {_DIM}))"
_SCALED = f"np.einsum('ij,jk->ik', mvn_residuals(x, mean, {_DIM}), {_PRECISION})"  # P r


def _mvn_adjoints(seed):
    """Adjoints of logpdf (seed ``g``) or pdf (seed ``g * y``): with r = x - mean and
    P = inv(cov), d/dx = -P r, d/dmean = P r, d/dcov = (P r r^T P - P) / 2 per point."""
    cot = f"np.reshape(dense_cotangent({seed}, y), -1)"      # one value a point
    spread = f"np.einsum('i,ik->ik', {cot}, {_SCALED})"
    return {
        "x": f"-mvn_residuals_adjoint({spread}, x, mean, {_DIM}, 0)",
        "mean": f"-mvn_residuals_adjoint({spread}, x, mean, {_DIM}, 1)",
        "cov": f"mvn_covariance_adjoint(0.5 * (np.einsum('i,ij,ik->jk', {cot}, {_SCALED}, "
               f"{_SCALED}) - np.sum({cot}) * {_PRECISION}), cov)"}


def _operand_tangents(kernel, operands, rest, factor, batch=False):
    """Tangent templates of a density computed by `kernel(d_op1, d_op2, ..., *rest)`, one
    operand's tangent at a time (the others 0.0), times `factor` (``y * `` for a pdf)."""
    out = {}
    for k, p in enumerate(operands):
        tangents = ["0.0"] * len(operands)
        tangents[k] = f"d{p}"
        args = ", ".join(tangents + list(rest))
        call = f"batch_at({kernel}, {k}, {args})" if batch else f"{kernel}({args})"
        out[p] = factor + call
    return out


def _mvn_tangents(factor, batch=False):
    return _operand_tangents("mvn_tangent", ("x", "mean", "cov"), ("x", "mean", "cov", "y"),
                             factor, batch)


for _method, _seed, _factor in (("logpdf", "g", ""), ("pdf", "g * y", "y * ")):
    real_only(defrule(
        getattr(st.multivariate_normal, _method), "x, mean=None, cov=1, allow_singular=False",
        name=f"scipy.stats.multivariate_normal.{_method}", kind=A, vjp=_mvn_adjoints(_seed),
        jvp=_mvn_tangents(_factor), jvp_batch=_mvn_tangents(_factor, batch=True),
        samples=samples.multivariate_normal,
        kink="reads the lower triangle of cov; cov positive definite"), "x", "mean", "cov")

inactive(kernels.mvn_dim, kind=lattice.INT, name="mvn_dim")
defrule(kernels.mvn_residuals, "x, mean, dim, points=True", name="mvn_residuals", kind=A,
        jvp={"x": "mvn_residuals(dx, None, dim)", "mean": "mvn_residuals(x, dmean, dim, False)"},
        jvp_batch={"x": "batch_at(mvn_residuals, 0, dx, None, dim)",
                   "mean": "batch_at(mvn_residuals, 1, x, dmean, dim, False)"},
        samples=samples.mvn_residuals)
linear_helper(kernels.mvn_residuals_adjoint, "v, x, mean, dim, which",
              samples.mvn_residuals_adjoint)
linear_helper(kernels.mvn_covariance, "cov, dim", samples.mvn_covariance)
linear_helper(kernels.mvn_covariance_adjoint, "v, cov", samples.mvn_covariance_adjoint)
defrule(kernels.mvn_precision, "s", name="mvn_precision", kind=A,
        jvp={"s": "-np.einsum('ij,...jk,kl->...il', y, ds, y)"}, samples=samples.mvn_precision)


# ------------------------------------------------------------------------------- dirichlet
_COLUMNS = "np.reshape(dirichlet_complete(x, alpha), (np.size(alpha), -1))"   # a point each


def _dirichlet_adjoints(seed):
    """Adjoints of logpdf (seed ``g``) or pdf (seed ``g * y``): d/dx_i = (alpha_i - 1) / x_i
    (through the completion of the last component), d/dalpha_i = log x_i
    + digamma(sum(alpha)) - digamma(alpha_i)."""
    cot = f"np.reshape(dense_cotangent({seed}, y), -1)"      # one value a point
    return {
        "x": f"dirichlet_complete_adjoint({cot} * (np.reshape(alpha, (-1, 1)) - 1.0) / "
             f"{_COLUMNS}, x, alpha)",
        "alpha": f"np.einsum('ij,j->i', np.log({_COLUMNS}), {cot}) + np.sum({cot}) * "
                 "(scipy.special.digamma(np.sum(alpha)) - scipy.special.digamma(alpha))"}


def _dirichlet_tangents(factor, batch=False):
    return _operand_tangents("dirichlet_tangent", ("x", "alpha"), ("x", "alpha", "y"),
                             factor, batch)


for _method, _seed, _factor in (("logpdf", "g", ""), ("pdf", "g * y", "y * ")):
    real_only(defrule(
        getattr(st.dirichlet, _method), "x, alpha", name=f"scipy.stats.dirichlet.{_method}",
        kind=A, vjp=_dirichlet_adjoints(_seed), jvp=_dirichlet_tangents(_factor),
        jvp_batch=_dirichlet_tangents(_factor, batch=True), samples=samples.dirichlet,
        kink="x on the simplex; a component 0 has an infinite derivative"), "x", "alpha")

defrule(kernels.dirichlet_complete, "x, alpha, total=1.0", name="dirichlet_complete", kind=A,
        jvp={"x": "dirichlet_complete(dx, alpha, 0.0)", "alpha": "0.0"},
        jvp_batch={"x": "batch_at(dirichlet_complete, 0, dx, alpha, 0.0)"},
        samples=samples.dirichlet_complete)
linear_helper(kernels.dirichlet_complete_adjoint, "v, x, alpha",
              samples.dirichlet_complete_adjoint)
