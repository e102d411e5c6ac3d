"""SciPy's functions in user code (rules/scipy_special.py, scipy_stats.py, scipy_linalg.py):
gradients of module-level functions that call them the ways users write the calls, in
reverse mode (``tl.grad``), forward mode (``tl.jvp``) and, where second derivatives exist,
Hessians, against central finite differences; the arguments without a derivative rule are
refused at the user's line.

The rules' templates are checked one by one by tests/test_rules.py and
tests/test_trust_rules.py; the pairs ``(c, lower)`` and ``(lu, piv)`` the factorizations
return are checked here, through ``cho_solve`` and ``lu_solve``.
"""
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest
import scipy.linalg
import scipy.special
import scipy.stats
import scipy.stats as st
from scipy.linalg import cho_factor, cho_solve, expm, lu_factor, lu_solve, solve_triangular
from scipy.special import digamma, gammaln, logsumexp
from scipy.stats import norm

import tangent_like as tl
from fd import numerical_grad

ROOT = pathlib.Path(__file__).resolve().parent.parent
RNG = np.random.default_rng(7)
DATA = RNG.normal(0.5, 1.3, 6)
COUNTS = np.array([3.0, 0.0, 5.0, 2.0, 1.0])
X = RNG.standard_normal((5, 3))
LABELS = np.eye(4)[[0, 2, 1, 3, 2]]
TRI = np.triu(RNG.standard_normal((3, 3))) + 3.0 * np.eye(3)
SPD = (lambda m: m @ m.T + 3.0 * np.eye(3))(RNG.standard_normal((3, 3)))


def check(f, args, wrt=0, rtol=1e-5, atol=1e-6, hessian=True):
    """tl.grad, tl.jvp along two random directions and (optionally) tl.hessian of scalar
    `f` with respect to argument `wrt`, against central finite differences."""
    want = numerical_grad(f, args, wrt=wrt)
    got = tl.grad(f, wrt=wrt)(*args)
    np.testing.assert_allclose(np.asarray(got, dtype=float), want, rtol=rtol, atol=atol,
                               err_msg=f"reverse mode of {f.__name__}")
    x = args[wrt]
    rng = np.random.default_rng(0)
    for _ in range(2):
        d = rng.standard_normal(np.shape(x))
        d = float(d) if np.ndim(x) == 0 and not isinstance(x, np.ndarray) else d
        _, tangent = tl.jvp(f, args, d, wrt=wrt)
        np.testing.assert_allclose(tangent, np.sum(want * d), rtol=rtol,
                                   atol=atol * max(1.0, float(np.sum(np.abs(d)))),
                                   err_msg=f"forward mode of {f.__name__}")
    if hessian:
        h = np.asarray(tl.hessian(f, wrt=wrt)(*args), dtype=float)
        size = int(np.size(x))
        grad = tl.grad(f, wrt=wrt)
        rows = []
        for e in np.eye(size):
            e = e.reshape(np.shape(x)) if np.ndim(x) else float(e[0])
            plus, minus = list(args), list(args)
            plus[wrt], minus[wrt] = x + 1e-5 * e, x - 1e-5 * e
            rows.append((np.ravel(grad(*plus)) - np.ravel(grad(*minus))) / 2e-5)
        np.testing.assert_allclose(h.reshape(size, size), np.array(rows), rtol=1e-4,
                                   atol=1e-5, err_msg=f"Hessian of {f.__name__}")


# ===================================================================== scipy.stats
def gaussian_loglik(mu, log_sigma):
    sigma = np.exp(log_sigma)
    return np.sum(norm.logpdf(DATA, mu, sigma))


def gaussian_loglik_keywords(mu, sigma):
    return np.sum(st.norm.logpdf(DATA, loc=mu, scale=sigma)) + \
        scipy.stats.norm.logcdf(mu, 0.0, 2.0)


def gaussian_vector_params(params):
    return np.sum(norm.logpdf(DATA, params[0], np.exp(params[1])) * np.linspace(0.5, 1.5, 6))


@pytest.mark.parametrize("wrt", [0, 1])
def test_gaussian_log_likelihood_in_mean_and_scale(wrt):
    check(gaussian_loglik, (0.3, 0.2), wrt=wrt)
    check(gaussian_loglik_keywords, (0.3, 1.4), wrt=wrt)


def test_gaussian_log_likelihood_vector_of_parameters():
    check(gaussian_vector_params, (np.array([0.3, 0.2]),))


def gaussian_loglik_closed_form(mu, sigma):
    return np.sum(-0.5 * ((DATA - mu) / sigma) ** 2 - np.log(sigma)) - 3.0 * np.log(2 * np.pi)


def test_gaussian_log_likelihood_matches_the_closed_form_gradient():
    got = tl.grad(gaussian_loglik_keywords, wrt=(0, 1))(0.3, 1.4)
    closed = tl.grad(gaussian_loglik_closed_form, wrt=(0, 1))(0.3, 1.4)
    cdf = scipy.stats.norm.pdf(0.3, 0.0, 2.0) / scipy.stats.norm.cdf(0.3, 0.0, 2.0)
    np.testing.assert_allclose(got, (closed[0] + cdf, closed[1]), rtol=1e-12)


def distributions(x, df, a):
    total = np.sum(st.t.logpdf(DATA, df, x, 1.5)) + np.sum(st.t.cdf(DATA, 4.0, x))
    total += np.sum(st.gamma.logpdf(np.abs(DATA) + 0.1, a, scale=x * x))
    total += np.sum(st.gamma.cdf(np.abs(DATA) + 0.1, 2.0, 0.0, x * x))
    total += st.beta.logpdf(0.3, a, df) + st.beta.pdf(0.6, a, 2.0) + \
        st.beta.sf(0.4, 2.0, 3.0, 0.0, x)
    total += np.sum(st.expon.logsf(np.abs(DATA), 0.0, x)) + st.chi2.logpdf(1.5, df)
    return total + np.sum(st.norm.sf(DATA, x) + st.norm.logsf(DATA, 0.0, x))


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_continuous_distributions_in_every_differentiable_argument(wrt):
    check(distributions, (1.3, 3.5, 2.2), wrt=wrt)


def poisson_model(log_rate):
    rate = np.exp(log_rate)
    return np.sum(st.poisson.logpmf(COUNTS, rate)) + st.poisson.cdf(2.0, rate[0]) + \
        np.sum(st.poisson.pmf(COUNTS, rate))


def test_poisson_in_its_rate():
    check(poisson_model, (np.array([0.5, -0.2, 1.1, 0.3, 0.0]),))


def mvn_loglik(x, mean, cov):
    return np.sum(st.multivariate_normal.logpdf(x, mean, cov)) + \
        np.sum(st.multivariate_normal.pdf(x[0], mean, cov))


def mvn_symmetric(chol):
    cov = chol @ chol.T + np.eye(3)
    return np.sum(st.multivariate_normal.logpdf(X, np.zeros(3), cov))


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_multivariate_normal(wrt):
    check(mvn_loglik, (X, np.array([0.1, -0.2, 0.3]), SPD), wrt=wrt, hessian=wrt != 0)


def test_multivariate_normal_through_a_symmetric_covariance():
    check(mvn_symmetric, (np.tril(RNG.standard_normal((3, 3))),))


def test_multivariate_normal_reads_the_lower_triangle_of_cov():
    """SciPy reads the lower triangle: the adjoint of the upper one is 0."""
    grad = tl.grad(mvn_loglik, wrt=2)(X, np.zeros(3), SPD + np.triu(np.ones((3, 3)), 1))
    assert np.all(np.triu(grad, 1) == 0.0)


def normalized_dirichlet(x, alpha):
    return st.dirichlet.logpdf(x / np.sum(x), alpha) + st.dirichlet.pdf(x / np.sum(x), alpha)


def dirichlet_free(x, alpha):
    return st.dirichlet.logpdf(x, alpha)


@pytest.mark.parametrize("wrt", [0, 1])
def test_dirichlet(wrt):
    x, alpha = np.array([0.2, 0.5, 0.3]), np.array([1.5, 2.0, 3.0])
    check(normalized_dirichlet, (x, alpha), wrt=wrt)
    check(dirichlet_free, (x[:2], alpha), wrt=wrt)


# =================================================================== scipy.special
def bayesian_model(alpha, beta):
    """Log posterior of a gamma-Poisson model in its hyperparameters (alpha, beta)."""
    k = COUNTS
    log_marginal = gammaln(k + alpha) - gammaln(alpha) + alpha * np.log(beta) \
        - (k + alpha) * np.log1p(beta) - scipy.special.gammaln(k + 1.0)
    prior = -alpha + digamma(alpha) * 0.1 - scipy.special.betaln(alpha, beta)
    return np.sum(log_marginal) + prior


@pytest.mark.parametrize("wrt", [0, 1])
def test_bayesian_model_with_gammaln_and_digamma(wrt):
    check(bayesian_model, (2.5, 0.7), wrt=wrt)


def special_functions(x):
    y = scipy.special.expit(x) + scipy.special.log_expit(x) + scipy.special.erf(x)
    y = y + scipy.special.ndtr(x) + scipy.special.log_ndtr(x) + scipy.special.i0e(x)
    y = y + scipy.special.xlogy(x, x * x + 1.0) + scipy.special.entr(x * x + 0.5)
    y = y + scipy.special.iv(1.5, x * x) + scipy.special.gamma(x + 2.0)
    y = y + scipy.special.polygamma(1, x + 2.0) + scipy.special.gammainc(1.5, x * x + 0.1)
    y = y + scipy.special.erfinv(0.5 * np.tanh(x)) + scipy.special.logit(scipy.special.expit(x))
    y = y + scipy.special.multigammaln(x + 3.0, 2) + scipy.special.sinc(x)
    return np.sum(y * scipy.special.gammasgn(x + 0.5))


def test_elementwise_special_functions():
    check(special_functions, (np.array([0.3, -0.7, 1.2]),))


def softmax_cross_entropy(w, X, labels):
    logits = X @ w
    return np.sum(logsumexp(logits, axis=1) - np.sum(logits * labels, axis=1))


def softmax_cross_entropy_probabilities(w, X, labels):
    probs = scipy.special.softmax(X @ w, axis=1)
    return -np.sum(labels * np.log(probs)) + np.sum(scipy.special.log_softmax(X @ w, axis=1))


def weighted_logsumexp(a, b):
    return logsumexp(a, b=b) + np.sum(logsumexp(a.reshape(2, 3), axis=0, keepdims=True))


def test_softmax_cross_entropy_with_logsumexp():
    w = RNG.standard_normal((3, 4))
    check(softmax_cross_entropy, (w, X, LABELS))
    check(softmax_cross_entropy_probabilities, (w, X, LABELS))


@pytest.mark.parametrize("wrt", [0, 1])
def test_logsumexp_with_weights(wrt):
    check(weighted_logsumexp, (RNG.standard_normal(6), RNG.uniform(0.5, 2.0, 6)), wrt=wrt)


# =================================================================== scipy.linalg
def triangular_solve(b, a):
    x = solve_triangular(a, b)
    y = scipy.linalg.solve_triangular(a, x * x, trans=1, lower=False)
    return np.sum(y * y) + np.sum(solve_triangular(a.T, b, lower=True, unit_diagonal=True))


@pytest.mark.parametrize("wrt", [0, 1])
def test_triangular_solve(wrt):
    check(triangular_solve, (np.array([1.0, -2.0, 0.5]), TRI), wrt=wrt)


def test_triangular_solve_reads_one_triangle():
    grad = tl.grad(triangular_solve, wrt=1)(np.array([1.0, -2.0, 0.5]), TRI + np.tril(
        np.ones((3, 3)), -1))
    assert np.all(np.tril(grad, -1) == 0.0)


def matrix_exponential(a):
    return np.sum(expm(a) * np.arange(9.0).reshape(3, 3)) + np.trace(scipy.linalg.expm(a @ a))


def test_expm():
    check(matrix_exponential, (0.4 * RNG.standard_normal((3, 3)),))


def cholesky_solve(a, b):
    factor = cho_factor(a)
    x = cho_solve(factor, b)
    lower = cho_factor(a, lower=True)
    return np.sum(x * x) + np.sum(cho_solve(lower, b) * np.arange(3.0))


def cholesky_solve_pair(a, b):
    c, low = scipy.linalg.cho_factor(a, lower=True)
    return np.sum(scipy.linalg.cho_solve((c, low), b) ** 2)


@pytest.mark.parametrize("wrt", [0, 1])
def test_cho_factor_and_cho_solve(wrt):
    """SciPy reads one triangle of a: a not symmetric above the diagonal."""
    a = SPD + np.triu(RNG.standard_normal((3, 3)), 1)
    check(cholesky_solve, (a, np.array([1.0, 2.0, -1.0])), wrt=wrt)
    check(cholesky_solve_pair, (a, np.array([[1.0, 0.5], [2.0, 0.0], [-1.0, 1.0]])), wrt=wrt)


def lu_solve_both(a, b):
    factors = lu_factor(a)
    return np.sum(lu_solve(factors, b) ** 2) + np.sum(lu_solve(factors, b, trans=1))


@pytest.mark.parametrize("wrt", [0, 1])
def test_lu_factor_and_lu_solve(wrt):
    a = RNG.standard_normal((3, 3)) + np.diag([0.5, -3.0, 2.0])
    check(lu_solve_both, (a, np.array([1.0, 2.0, -1.0])), wrt=wrt)


def square_root(a):
    return np.sum(scipy.linalg.sqrtm(a @ a.T + np.eye(3)) * np.arange(9.0).reshape(3, 3))


def sylvester(a):
    return np.sum(scipy.linalg.solve_sylvester(a, a.T + np.eye(3), np.ones((3, 3))) ** 2)


def test_sqrtm_and_solve_sylvester():
    a = RNG.standard_normal((3, 3)) + 2.0 * np.eye(3)
    check(square_root, (a,), rtol=1e-4, atol=1e-5)
    check(sylvester, (a,))


# ==================================================================== refusals
def gammainc_in_a(a):
    return np.sum(scipy.special.gammainc(a, DATA ** 2))


def logsumexp_sign(a):
    return logsumexp(a, return_sign=True)[0]


def t_cdf_in_df(df):
    return np.sum(st.t.cdf(DATA, df))


def overwriting_solve(a, b):
    return np.sum(solve_triangular(a, b, overwrite_b=True))


def frozen_distribution(mu):
    return np.sum(norm(mu, 1.0).logpdf(DATA))


def singular_sqrtm(a):
    return np.sum(scipy.linalg.sqrtm(a))


@pytest.mark.parametrize("f, args, message", [
    (gammainc_in_a, (1.5,), "scipy.special.gammainc has no derivative with respect to its "
                            "argument 'a' (its derivative in this argument has no closed form)"),
    (logsumexp_sign, (DATA,), "return_sign=True"),
    (t_cdf_in_df, (3.0,), "scipy.stats.t.cdf has no derivative with respect to its argument "
                          "'df'"),
    (overwriting_solve, (TRI, DATA[:3]), "overwrite_b=True"),
    (frozen_distribution, (0.5,), "norm has no derivative rule")],
    ids=lambda v: getattr(v, "__name__", ""))
def test_refused_at_the_users_line(f, args, message):
    for mode in ("reverse", "forward"):
        with pytest.raises(tl.NoDerivativeError) as info:
            if mode == "reverse":
                tl.grad(f)(*args)
            else:
                tl.jvp(f, args, np.ones(np.shape(args[0])) if np.ndim(args[0]) else 1.0)
        assert message in str(info.value)
        assert "test_scipy_rules.py" in str(info.value)


@pytest.mark.filterwarnings("ignore::scipy.linalg.LinAlgWarning")
def test_refused_when_the_derivative_runs():
    """What only the values show: the square root of a singular matrix, complex values."""
    with pytest.raises(tl.NoDerivativeError, match="singular"):
        tl.grad(singular_sqrtm)(np.diag([1.0, 2.0, 0.0]))
    with pytest.raises(tl.NoDerivativeError, match="complex"):
        tl.grad(complex_digamma)(np.array([1.5, 2.0]))


def complex_digamma(x):
    return np.sum(np.real(scipy.special.digamma(x + 0.5j)))


def test_a_constant_order_passes_through_second_derivatives():
    """The recorded order v comes back as a float in the gradient code: the Hessian in z
    still works (its tangent is checked to be 0 at run time)."""
    check(bessel_in_z, (np.array([1.5, 2.0, 3.0]), np.array([0.5, 1.2, 2.0])), wrt=1)


def bessel_in_z(v, z):
    return np.sum(scipy.special.iv(v, z) + scipy.special.gammainc(v, z))


def _run_script(path, text):
    """Run `text` as a fresh Python process (this checkout's tangent_like first on its path);
    its completed process, which must have succeeded."""
    path.write_text(text)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    return out


def test_without_scipy_tangent_like_imports_and_has_no_scipy_rules(tmp_path):
    out = _run_script(tmp_path / "no_scipy.py", "import sys\n"
                      "sys.modules['scipy'] = None      # import scipy fails\n"
                      "import numpy as np\n"
                      "import tangent_like as tl\n"
                      "from tangent_like.rules import registry\n\n\n"
                      "def f(x):\n"
                      "    return np.sum(np.sin(x) * x)\n\n\n"
                      "assert not any(r.name.startswith('scipy') for r in registry.all_rules())\n"
                      "print(tl.grad(f)(np.array([0.0, 1.0]))[0])\n")
    assert out.stdout.strip() == "0.0"


def test_scipy_rules_are_registered_when_scipy_is_imported(tmp_path):
    """Importing tangent_like does not import scipy.stats (slow to import); the rules of a
    module are registered once the program imports it, before a rule of the user's."""
    out = _run_script(tmp_path / "late_scipy.py", "import sys\n"
                      "import numpy as np\n"
                      "import tangent_like as tl\n"
                      "from tangent_like.rules import registry\n"
                      "assert 'scipy.stats' not in sys.modules\n"
                      "import scipy.special\n"
                      "mine = tl.defrule(scipy.special.erf, 'x', kind='elementwise',\n"
                      "                  vjp={'x': 'g * 1.1283791670955126 * np.exp(-x * x)'},\n"
                      "                  jvp={'x': 'dx * 1.1283791670955126 * np.exp(-x * x)'})\n"
                      "from scipy.stats import norm\n\n\n"
                      "def f(x):\n"
                      "    return np.sum(norm.logpdf(x, 1.0, 2.0) + scipy.special.erf(x))\n\n\n"
                      "x = np.array([0.5, -1.0])\n"
                      "want = -(x - 1.0) / 4.0 + 1.1283791670955126 * np.exp(-x * x)\n"
                      "assert np.allclose(tl.grad(f)(x), want)\n"
                      "assert registry.lookup(scipy.special.erf) is mine\n"
                      "print('ok')\n")
    assert out.stdout.strip() == "ok"
