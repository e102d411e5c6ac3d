"""Users give derivative rules to functions without Python source, declare functions
non-differentiable, and replace the transformation of a Python function."""
import math

import numpy as np
import pytest
import scipy.special

import tangent_like as tl
from fd import numerical_grad


@pytest.fixture(scope="module", autouse=True)
def erf_rule():
    rule = tl.defrule(scipy.special.erf, "x", kind="elementwise",
                      vjp={"x": "g * 1.1283791670955126 * np.exp(-x * x)"},
                      jvp={"x": "dx * 1.1283791670955126 * np.exp(-x * x)"})
    yield rule


def uses_erf(x):
    return np.sum(scipy.special.erf(x) * x)


def test_a_function_without_source_gets_a_rule():
    x = np.array([0.3, -0.8, 1.4])
    np.testing.assert_allclose(tl.grad(uses_erf)(x), numerical_grad(uses_erf, (x,), {}, 0),
                               rtol=1e-7)
    _, t = tl.jvp(uses_erf, (x,), np.ones(3))
    assert t == pytest.approx(float(np.sum(tl.grad(uses_erf)(x))))
    assert "1.1283791670955126" in tl.grad(uses_erf).source


def test_the_rule_checker_applies_to_user_rules(erf_rule):
    assert tl.check_rule(erf_rule) > 0


def test_a_wrong_user_rule_is_caught_by_the_checker():
    wrong = tl.defrule(scipy.special.expit, "x", kind="elementwise",
                       vjp={"x": "g * y"}, jvp={"x": "dx * y"})
    with pytest.raises(AssertionError):
        tl.check_rule(wrong)
    tl.defrule(scipy.special.expit, "x", kind="elementwise",
               vjp={"x": "g * y * (1.0 - y)"}, jvp={"x": "dx * y * (1.0 - y)"})
    assert tl.check_rule(tl.rules.registry.lookup(scipy.special.expit)) > 0


def test_nondifferentiable_declaration():
    with pytest.raises(tl.NoDerivativeError):
        tl.grad(uses_unknown)(1.5)
    tl.nondifferentiable(scipy.special.round)
    assert tl.grad(uses_unknown)(1.5) == pytest.approx(1.0)


def uses_unknown(x):
    return x + scipy.special.round(x)


def naive_logsumexp(a, b):
    return math.log(math.exp(a) + math.exp(b))


def uses_logsumexp(x):
    return naive_logsumexp(x, 2.0 * x)


def test_a_rule_replaces_the_transformation_of_a_python_function():
    x = 0.3
    before = tl.grad(uses_logsumexp)(x)
    tl.defrule(naive_logsumexp, "a, b", kind="scalar",
               vjp={"a": "g * math.exp(a - y)", "b": "g * math.exp(b - y)"},
               jvp={"a": "da * math.exp(a - y)", "b": "db * math.exp(b - y)"})
    after = tl.grad(uses_logsumexp)
    assert after(x) == pytest.approx(before, rel=1e-12)
    assert "math.exp(a - y)" not in after.source       # substituted: names are the caller's
    assert "primal_naive_logsumexp" not in after.source
    assert "naive_logsumexp(x" in after.source


def reverse_only(x):
    return x * 3.0


def uses_reverse_only(x):
    return np.sum(reverse_only(x) * x)


def test_a_rule_without_a_forward_template_is_refused_in_forward_mode_located():
    tl.defrule(reverse_only, "x", vjp={"x": "g * 3.0"})
    x = np.array([0.5, 1.5])
    np.testing.assert_allclose(tl.grad(uses_reverse_only)(x), 6.0 * x)
    with pytest.raises(tl.NoDerivativeError, match="no forward-mode rule") as info:
        tl.jvp(uses_reverse_only, (x,), np.ones(2))
    assert info.value.diagnostics[0].filename == __file__
    with pytest.raises(tl.NoDerivativeError, match="in the derivative code of"):
        tl.hessian(uses_reverse_only)(x)


def straight_through(x):
    return np.round(x)


def quantized_loss(x):
    return np.sum(straight_through(x) * x)


def test_a_user_rule_wins_over_inlining_the_function_it_replaces():
    """A small function of the same module would be inlined; with a rule of its own (a
    straight-through estimator here) the rule decides its derivative, in every mode."""
    tl.defrule(straight_through, "x", vjp={"x": "g"}, jvp={"x": "dx"})
    x = np.array([0.4, 1.7])
    want = np.round(x) + x                 # d/dx [r(x) * x] with r'(x) taken as 1
    np.testing.assert_allclose(tl.grad(quantized_loss)(x), want)
    np.testing.assert_allclose(tl.jvp(quantized_loss, (x,), np.ones(2))[1], np.sum(want))
