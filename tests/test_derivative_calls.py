"""Calls of derivatives inside differentiated functions (``dg(x)`` for ``dg = tl.grad(g)``,
or ``tl.grad(g)(x)`` in place), in every mode, against finite differences."""
import numpy as np
import pytest

import tangent_like as tl
from finite_differences import partial_gradient


def potential(x, w):
    return np.sum(np.sin(x) * w) + np.sum(x ** 3) * w[0]


force = tl.grad(potential)
force_w = tl.grad(potential, wrt="w")


def force_loss(x, w):
    return np.sum(force(x, w) ** 2)


def inline_loss(x, w):
    return np.sum(tl.grad(potential)(x, w) * x)


def both_loss(x, w):
    return np.sum(force(x, w) * force_w(x, w))


def scaled_force(x, w):
    return force(x, w) * 2.0


X = np.array([0.3, 0.5, -0.2])
WS = np.array([1.0, 2.0, 0.5])


@pytest.mark.parametrize("f", [force_loss, inline_loss, both_loss])
@pytest.mark.parametrize("k", [0, 1])
def test_reverse_mode(f, k):
    np.testing.assert_allclose(tl.grad(f, wrt=k)(X, WS), partial_gradient(f, (X, WS), k),
                               rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("f", [force_loss, inline_loss, both_loss])
def test_forward_mode(f):
    v = np.array([1.0, -1.0, 0.5])
    _, t = tl.jvp(f, (X, WS), v)
    assert t == pytest.approx(float(partial_gradient(f, (X, WS), 0) @ v), rel=1e-6)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_a_gradient_call(mode):
    got = tl.jacobian(scaled_force, mode=mode)(X, WS)
    expected = np.stack([partial_gradient(lambda x, w: scaled_force(x, w)[i], (X, WS), 0)
                         for i in range(3)])
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("k", [0, 1])
def test_hessian_and_hvp_need_third_derivatives(k):
    gradient = tl.grad(force_loss, wrt=k)
    args = (X, WS)
    expected = np.stack([partial_gradient(lambda *a: gradient(*a)[i], args, k, eps=1e-5)
                         for i in range(3)])
    np.testing.assert_allclose(tl.hessian(force_loss, wrt=k)(*args), expected,
                               rtol=1e-6, atol=1e-7)
    v = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(tl.hvp(force_loss, wrt=k)(*args, v), expected @ v,
                               rtol=1e-6, atol=1e-7)


def test_the_generated_code_names_the_call():
    text = tl.grad(force_loss).source_for(X, WS)
    assert "derivative_vjp(force, " in text


def potential_of_pair(p, s):
    a, b = p
    return s * np.sum(np.sin(a) * b ** 2)


pair_force = tl.grad(potential_of_pair, wrt="s")


def pair_loss(p, s):
    return pair_force(p, s) ** 2


def test_a_tuple_argument_of_the_called_gradient():
    p = (np.array([0.3, 0.5]), np.array([1.0, 2.0]))
    ga, gb = tl.grad(pair_loss)(p, 1.5)
    ea = partial_gradient(lambda a, b: pair_loss((a, b), 1.5), p, 0)
    eb = partial_gradient(lambda a, b: pair_loss((a, b), 1.5), p, 1)
    np.testing.assert_allclose(ga, ea, rtol=1e-6)
    np.testing.assert_allclose(gb, eb, rtol=1e-6)


def with_aux(x):
    return np.sum(x ** 2), x


aux_force = tl.grad(with_aux, has_aux=True)


def calls_aux(x):
    return np.sum(aux_force(x)[0])


def test_a_derivative_it_cannot_differentiate_is_refused_where_it_is_called():
    with pytest.raises(tl.NoDerivativeError, match="has_aux") as info:
        tl.grad(calls_aux)(X)
    assert "test_derivative_calls.py" in str(info.value)


def calls_jacobian(x):
    return np.sum(tl.jacobian(potential)(x, WS))


def test_a_call_of_another_derivative_is_refused_where_it_is_called():
    with pytest.raises(tl.NoDerivativeError, match="tl.grad") as info:
        tl.grad(calls_jacobian)(X)
    assert "test_derivative_calls.py" in str(info.value)


def real_of(z):
    return np.sum(np.real(z) ** 2 * np.imag(z))


def calls_with_complex(z):
    return np.sum(np.abs(tl.grad(real_of)(z)) ** 2)


def test_a_call_with_complex_arguments_is_refused():
    z = np.array([0.3 + 0.2j, -0.5 + 1.0j])
    with pytest.raises(tl.NoDerivativeError, match="complex") as info:
        tl.grad(calls_with_complex)(z)
    assert "test_derivative_calls.py" in str(info.value)
    with pytest.raises(tl.NoDerivativeError, match="complex"):
        tl.jvp(calls_with_complex, (z,), np.ones(2) + 0j)


def test_a_standalone_module_cannot_hold_a_call_of_a_gradient():
    with pytest.raises(tl.DerivativeUsageError, match="standalone"):
        tl.derivative_source(force_loss, args=(X, WS), standalone=True)


def tuple_potential(p):
    return np.sum(np.sin(p[0])) + np.sum(np.cos(p[1])) + np.sum(p[2] ** 2)


def uses_two_parts(p):
    g = tl.grad(tuple_potential)(p)
    return np.sum(g[0]) + np.sum(np.sin(g[1]))        # g[2] unused: its adjoint is zero


def test_a_part_of_a_called_gradient_left_unused():
    p = (np.array([0.3, 0.4]), np.array([1.0, -1.0]), np.array([0.5, 0.5]))
    got = tl.grad(uses_two_parts)(p)
    for k in range(3):
        expected = partial_gradient(lambda *q: uses_two_parts(q), p, k)
        np.testing.assert_allclose(got[k], expected, rtol=1e-6, atol=1e-8)


def dict_potential(p):
    return np.sum(np.sin(p["a"])) + np.sum(np.cos(p["b"]))


def uses_dict_gradient(p):
    g = tl.grad(dict_potential)(p)
    return np.sum(g["a"]) + np.sum(np.sin(g["a"])) + np.sum(np.sin(g["b"]))


def test_hvp_of_a_function_calling_a_gradient_of_a_dict():
    p = {"a": np.array([0.3, -0.2]), "b": np.array([0.7, 1.1]), "c": np.ones(2)}
    v = {"a": np.array([1.0, 0.5]), "b": np.array([-1.0, 2.0]), "c": np.zeros(2)}
    gradient = tl.grad(uses_dict_gradient)
    eps = 1e-6
    plus = gradient({k: p[k] + eps / 2 * v[k] for k in p})
    minus = gradient({k: p[k] - eps / 2 * v[k] for k in p})
    hv = tl.hvp(uses_dict_gradient)(p, v)
    for k in p:
        np.testing.assert_allclose(hv[k], (plus[k] - minus[k]) / eps, rtol=1e-5, atol=1e-7)
