"""Forward mode, Jacobians, Hessians and derivatives of derivatives against central finite
differences: tangents shaped like their primals, nested derivatives and their shapes, names
of generated code that never meet the user's, functools.partial, and clear refusals.
"""
import functools
import importlib
import math
import sys
import textwrap
import warnings

import numpy as np
import pytest

import tangent_like as tl
from tangent_like.runtime import add_at, unbroadcast


# ----------------------------------------------------------------------------- references

def _with(args, index, value):
    call = list(args)
    call[index] = value
    return call


def fd_jacobian(f, args, index=0, h=1e-6, kwargs=None):
    """Central differences of f (float or array valued) w.r.t. argument `index`:
    shape out.shape + x.shape."""
    kwargs = kwargs or {}
    x = args[index]

    def at(value):
        return np.asarray(f(*_with(args, index, value), **kwargs), dtype=np.float64)

    if not isinstance(x, np.ndarray):
        step = h * max(1.0, abs(x))
        return (at(x + step) - at(x - step)) / (2.0 * step)
    out_shape = np.shape(f(*args, **kwargs))
    jac = np.zeros(out_shape + x.shape)
    for idx in np.ndindex(x.shape):
        step = h * max(1.0, abs(float(x[idx])))
        plus, minus = x.copy(), x.copy()
        plus[idx] += step
        minus[idx] -= step
        jac[(Ellipsis,) + idx] = (at(plus) - at(minus)) / (2.0 * step)
    return jac


def fd_directional(f, args, index, v, h=1e-6):
    """Central difference of f along direction v of argument `index`."""
    x = args[index]
    plus = f(*_with(args, index, x + h * v))
    minus = f(*_with(args, index, x - h * v))
    return (np.asarray(plus, dtype=np.float64) - np.asarray(minus, dtype=np.float64)) / (2 * h)


def fd_hessian(f, args, index=0, h=1e-4):
    """Second central differences of scalar f: shape x.shape + x.shape."""
    x = args[index]
    scalar = not isinstance(x, np.ndarray)
    xa = np.atleast_1d(np.asarray(x, dtype=np.float64))
    n = xa.size

    def at(delta):
        value = (xa + delta.reshape(xa.shape))
        return float(f(*_with(args, index, float(value[0]) if scalar else
                                value.reshape(np.shape(x)))))

    eye = np.eye(n) * h
    hess = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            hess[i, j] = (at(eye[i] + eye[j]) - at(eye[i] - eye[j]) - at(-eye[i] + eye[j])
                          + at(-eye[i] - eye[j])) / (4 * h * h)
    return float(hess[0, 0]) if scalar else hess.reshape(np.shape(x) + np.shape(x))


def close(got, want, rtol=1e-6, atol=1e-8):
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=rtol, atol=atol)


# ----------------------------------------- 1. a tangent is shaped like its primal (broadcast)

def add(x, y):
    return x + y


def rsub(x, y):
    return y - x


def sum_ones_plus(x):
    return np.sum(np.ones(10) + x)


def item_of_product(x):
    return (np.ones(3) * x)[1]


def reshaped_item(x):
    return np.reshape(np.ones(4) + x, (2, 2))[0, 1]


def squared_sum_of_broadcast(x, y):
    return np.sum((x + y) ** 2)


def outer_sum(x, y):
    s = x + y
    return s[2, 3] * np.sum(x - y) + np.sum(s * s)


def maximum_of_scalar(x, y):
    return np.sum(np.maximum(x, y) ** 2)


def where_of_scalar(x):
    return np.sum(np.where(np.arange(3) > 0, x, 0.0) ** 3)


def np_add_prod(x, y):
    return np.prod(np.add(x, y))


def accumulated(x):
    s = np.zeros(3)
    for i in range(3):
        s = s + x * (i + 1.0)
    return s[2] * s[0] + np.sum(s)


def array_of_broadcast(x, y):
    return (x - y) * 2.0


BROADCASTING = [
    (add, (2.0, np.ones(4)), 0),
    (add, (np.arange(3.0), 1.5), 0),
    (rsub, (2.0, np.arange(4.0)), 0),
    (sum_ones_plus, (0.5,), 0),
    (item_of_product, (0.5,), 0),
    (reshaped_item, (0.5,), 0),
    (squared_sum_of_broadcast, (np.array([0.3]), np.arange(4.0)), 0),
    (squared_sum_of_broadcast, (np.array([0.3, -0.2, 0.7])[:, None],
                                np.array([[0.1, 0.5, -0.4, 0.9]])), 0),
    (outer_sum, (np.array([[0.3], [-0.2], [0.7]]), np.array([[0.1, 0.5, -0.4, 0.9]])), 0),
    (outer_sum, (np.array([[0.3], [-0.2], [0.7]]), np.array([[0.1, 0.5, -0.4, 0.9]])), 1),
    (maximum_of_scalar, (0.25, np.array([0.1, 0.5, -0.4])), 0),
    (where_of_scalar, (0.7,), 0),
    (np_add_prod, (0.4, np.array([0.1, 0.5, 1.4])), 0),
    (accumulated, (0.8,), 0),
    (array_of_broadcast, (0.8, np.arange(3.0)), 0),
    (array_of_broadcast, (np.array([0.8]), np.arange(6.0).reshape(2, 3)), 0),
]


@pytest.mark.parametrize("f, args, wrt", BROADCASTING,
                         ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_jvp_tangent_is_shaped_like_the_primal_and_matches_finite_differences(f, args, wrt):
    x = args[wrt]
    rng = np.random.default_rng(0)
    v = float(rng.standard_normal()) if not isinstance(x, np.ndarray) else \
        rng.standard_normal(x.shape)
    out, tangent = tl.jvp(f, args, v, wrt=wrt)
    assert np.shape(tangent) == np.shape(out)
    close(tangent, fd_directional(f, args, wrt, v))


@pytest.mark.parametrize("f, args, wrt", BROADCASTING,
                         ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_of_broadcasting_functions_matches_finite_differences(f, args, wrt, mode):
    got = tl.jacobian(f, wrt=wrt, mode=mode)(*args)
    close(got, fd_jacobian(f, args, wrt))


@pytest.mark.parametrize("f, args, wrt", [c for c in BROADCASTING
                                          if np.ndim(c[0](*c[1])) == 0],
                         ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_hessian_of_broadcasting_functions_matches_finite_differences(f, args, wrt):
    close(tl.hessian(f, wrt=wrt)(*args), fd_hessian(f, args, wrt), rtol=1e-5, atol=1e-6)


def test_scalar_tangent_of_a_broadcast_sum_has_the_array_shape():
    out, tangent = tl.jvp(add, (2.0, np.ones(4)), (1.0,), wrt=(0,))
    assert np.shape(tangent) == (4,)
    close(tangent, np.ones(4))
    assert tl.jvp(sum_ones_plus, (0.5,), (1.0,))[1] == pytest.approx(10.0)
    assert tl.jvp(item_of_product, (0.5,), 1.0)[1] == pytest.approx(1.0)
    assert tl.jvp(reshaped_item, (0.5,), 1.0)[1] == pytest.approx(1.0)


def test_a_tangent_of_the_wrong_shape_is_refused():
    with pytest.raises(tl.DerivativeUsageError, match="shape"):
        tl.jvp(add, (np.ones(3), 1.0), np.ones(4))


# ------------------------------------------------------ 2. Hessians of linear functions

def identity(x):
    return x


def affine(x):
    return 3.0 * np.sum(x) + 1.0


def ignores_x(x, y):
    return y * y


def test_hessian_of_a_linear_function_is_zero():
    h = tl.hessian(identity)(0.3)
    assert h == 0.0 and isinstance(h, float)
    close(tl.hessian(affine)(np.ones(3)), np.zeros((3, 3)))
    close(tl.hessian(ignores_x)(np.ones(2), 3.0), np.zeros((2, 2)))
    assert tl.hvp(identity)(0.3, 1.0) == 0.0
    close(tl.hvp(affine)(np.ones(3), np.ones(3)), np.zeros(3))
    assert tl.grad(tl.grad(identity))(0.3) == 0.0


# ------------------------------------------------------------ 3. Jacobians of Jacobians

def sin_outer(x):
    return np.sin(np.outer(x, x)) + np.cos(x @ x)


def test_jacobian_of_a_jacobian_has_four_axes_and_matches_finite_differences():
    x = np.array([0.3, -0.7])
    jj = tl.jacobian(tl.jacobian(sin_outer))(x)
    assert jj.shape == (2, 2, 2, 2)
    close(jj, fd_jacobian(tl.jacobian(sin_outer), (x,)), rtol=1e-6, atol=1e-7)


def test_jacobian_of_a_gradient_is_the_hessian():
    x = np.array([0.3, -0.7, 1.1])
    f = squared_norm_sin
    close(tl.jacobian(tl.grad(f))(x), tl.hessian(f)(x), rtol=1e-10, atol=1e-12)
    close(tl.jacobian(tl.grad(f))(x), fd_hessian(f, (x,)), rtol=1e-5, atol=1e-6)


def squared_norm_sin(x):
    return np.sum(np.sin(x) * x) ** 2


# --------------------------------------------------------------- 4. hygiene of names

def make_quadratic_form():
    H = np.eye(2) * 3.0
    H[0, 1] = 0.5

    def f(x):
        return x @ H @ x
    return f, H


def test_hessian_of_a_closure_over_a_variable_named_H():
    f, H = make_quadratic_form()
    x = np.array([0.4, -1.2])
    close(tl.hessian(f)(x), H + H.T, rtol=1e-12)
    close(tl.jacobian(tl.jacobian(f))(x), H + H.T, rtol=1e-12)


# Names generated code uses: its helpers, np and math, builtins it calls, the names of
# generated functions, stacks, tangents and adjoints of the function's own variables.
GENERATED_LIKE = ["H", "J", "g", "y", "bx", "dx", "d_x", "b_x", "value", "tangent", "result",
                  "cotangent", "_stack", "_dstack", "primal_f", "adjoint_f", "forward_f",
                  "value_and_grad_f", "forward_primal_f", "forward_value_and_grad_f", "sum",
                  "len", "range", "reversed", "min", "np", "math", "unbroadcast", "add_at",
                  "cj", "seed_for", "is_zero", "tie", "batch_align", "zero_tangent",
                  "tangent_item", "tangent_parts", "broadcast_tangent", "batch_broadcast",
                  "sum_adjoint", "t_1", "x_1", "x_times_x", "_", "t_2", "x_2", "bx_2", "prod",
                  "x_times_x_times_x"]

MODULE = '''
import numpy as np
import math

{name} = 1.5


def uses_global(x):
    return x * x * x * {name} + x * {name}


def make_closure():
    {name} = 1.5

    def uses_closure(x):
        return x * x * x * {name} + x * {name}
    return uses_closure


def local_variable(x):
    {name} = x * x
    return {name} * x + {name}


def helper(x):
    return x * {name}


def calls_helper(x):
    return helper(x) * x * x + x * {name}
'''


@pytest.fixture(scope="module")
def name_modules(tmp_path_factory):
    root = tmp_path_factory.mktemp("names")
    sys.path.insert(0, str(root))
    mods = {}
    try:
        for i, name in enumerate(GENERATED_LIKE):
            (root / f"names_{i}.py").write_text(textwrap.dedent(MODULE.format(name=name)))
            mods[name] = importlib.import_module(f"names_{i}")
        yield mods
    finally:
        sys.path.remove(str(root))


@pytest.mark.parametrize("name", GENERATED_LIKE)
def test_user_names_like_generated_ones_are_never_captured(name, name_modules):
    m = name_modules[name]
    x, c = 0.7, 1.5
    cubic = [m.uses_global, m.make_closure(), m.calls_helper]
    for f in cubic:
        assert tl.grad(f)(x) == pytest.approx(3 * c * x * x + c, rel=1e-12)
        assert tl.grad(f)(x) == pytest.approx(fd_jacobian(f, (x,)), rel=1e-6)
        assert tl.hessian(f)(x) == pytest.approx(6 * c * x, rel=1e-12)
        assert tl.jvp(f, (x,), 1.0)[1] == pytest.approx(3 * c * x * x + c, rel=1e-12)
    f = cubic[1]
    assert tl.grad(tl.grad(f))(x) == pytest.approx(6 * c * x, rel=1e-12)
    assert tl.hvp(f)(x, 2.0) == pytest.approx(12 * c * x, rel=1e-12)
    assert tl.jacobian(f, mode="forward")(x) == pytest.approx(3 * c * x * x + c)
    f = m.local_variable
    assert tl.grad(f)(x) == pytest.approx(3 * x * x + 2 * x, rel=1e-12)
    assert tl.hessian(f)(x) == pytest.approx(6 * x + 2, rel=1e-12)
    assert tl.jvp(f, (x,), 1.0)[1] == pytest.approx(3 * x * x + 2 * x, rel=1e-12)


def test_a_rebound_aliased_global_rebuilds_the_derivative(name_modules):
    m = name_modules["unbroadcast"]         # read by the user's code through an alias
    g = tl.grad(m.uses_global)
    assert g(1.0) == pytest.approx(4 * 1.5)
    m.unbroadcast = 2.0
    try:
        assert g(1.0) == pytest.approx(4 * 2.0)
    finally:
        m.unbroadcast = 1.5


def shadowing_locals(x, y):
    unbroadcast = x * y                 # a helper's name, as a local variable
    _stack = unbroadcast + 1.0          # the record's name
    _dstack = np.sum(_stack * y)
    sum_adjoint = _dstack * x
    return sum_adjoint


def test_local_variables_named_like_generated_ones():
    x, y = 0.7, np.array([0.3, -0.4, 1.2])
    f = shadowing_locals
    close(tl.grad(f)(x, y), fd_jacobian(f, (x, y)))
    close(tl.hessian(f)(x, y), fd_hessian(f, (x, y)), rtol=1e-5)
    close(tl.jvp(f, (x, y), 1.0)[1], fd_jacobian(f, (x, y)))


def param_named_like_a_helper(x, unbroadcast):
    return x * unbroadcast


def test_a_parameter_named_like_a_helper_is_refused_where_it_is():
    with pytest.raises(tl.UnsupportedSyntaxError, match="rename the parameter") as info:
        tl.grad(param_named_like_a_helper)(1.0, 2.0)
    assert info.value.diagnostics[0].lineno == param_named_like_a_helper.__code__.co_firstlineno


# ----------------------------------- 5. a non-differentiated parameter reassigned actively

def reassigns_constant(x, z):
    a = x
    z = z - a
    return z * x


def reassigns_constant_array(x, z):
    z = z * x
    return np.sum(z * z)


def test_forward_mode_with_a_reassigned_constant_parameter():
    args = (1.5, 2.0)
    out, tangent = tl.jvp(reassigns_constant, args, 1.0, wrt=0)
    assert out == pytest.approx(reassigns_constant(*args))
    assert tangent == pytest.approx(fd_jacobian(reassigns_constant, args, 0))
    assert tl.jacobian(reassigns_constant, mode="forward")(*args) == pytest.approx(
        fd_jacobian(reassigns_constant, args, 0))
    assert tl.hessian(reassigns_constant)(*args) == pytest.approx(-2.0)
    args = (0.7, np.array([0.3, -1.0, 2.0]))
    assert tl.jvp(reassigns_constant_array, args, 1.0)[1] == pytest.approx(
        fd_jacobian(reassigns_constant_array, args, 0))
    assert tl.hessian(reassigns_constant_array)(*args) == pytest.approx(
        fd_hessian(reassigns_constant_array, args), rel=1e-5)


def test_reverse_mode_with_a_reassigned_constant_parameter():
    args = (1.5, 2.0)
    assert tl.grad(reassigns_constant)(*args) == pytest.approx(
        fd_jacobian(reassigns_constant, args, 0))


# ------------------------------------------- 6. Hessian through a broadcast of a product

def product_times_broadcast_sum(x, y):
    c = x[0] * x[1]
    return c * np.sum(y + c)


def test_hessian_through_a_broadcast_sum_matches_finite_differences():
    args = (np.array([0.4, 0.9]), np.array([0.3, -0.2, 0.5]))
    h = tl.hessian(product_times_broadcast_sum)(*args)
    close(h, fd_hessian(product_times_broadcast_sum, args), rtol=1e-5)
    for v in np.eye(2):
        close(tl.hvp(product_times_broadcast_sum)(*args, v), h @ v, rtol=1e-10)


# ------------------------------------------------- 7. partial objects, builtins, *args

def scaled_square(x, s):
    return s * x * x


def test_partial_objects_are_differentiated_with_their_bound_arguments_constant():
    p = functools.partial(scaled_square, s=3.0)
    assert tl.grad(p)(2.0) == pytest.approx(12.0)
    assert tl.value_and_grad(p)(2.0) == pytest.approx((12.0, 12.0))
    assert tl.grad(p, wrt="s")(2.0) == pytest.approx(4.0)
    assert tl.jvp(p, (2.0,), 1.0)[1] == pytest.approx(12.0)
    assert tl.hessian(p)(2.0) == pytest.approx(6.0)
    assert tl.grad(tl.grad(p))(2.0) == pytest.approx(6.0)
    q = functools.partial(scaled_square, np.array([1.0, 2.0]))      # x bound: wrt s
    close(tl.jacobian(q)(3.0), [1.0, 4.0])
    out, pullback = tl.vjp(functools.partial(scaled_square, s=2.0), np.array([1.0, 3.0]))
    close(pullback(np.ones(2))[0], [4.0, 12.0])


def test_functions_without_python_source_are_refused_with_what_to_do():
    with pytest.raises(tl.DerivativeUsageError, match=r"lambda x: np\.sin\(x\)"):
        tl.grad(np.sin)
    with pytest.raises(tl.DerivativeUsageError, match="no Python source"):
        tl.grad(math.exp)
    with pytest.raises(tl.DerivativeUsageError, match="no Python source"):
        tl.hessian(np.sum)


def decorated(fn):
    @functools.wraps(fn)
    def wrapper(x):
        return 2.0 * fn(x)
    return wrapper


@decorated
def doubled_square(x):
    return x * x


def test_a_decorated_function_is_differentiated_as_it_is():
    assert doubled_square(3.0) == 18.0
    assert tl.grad(doubled_square)(3.0) == pytest.approx(12.0)
    assert tl.hessian(doubled_square)(3.0) == pytest.approx(4.0)


def star_args(*xs):
    return xs[0] * xs[1]


def star_kwargs(x, **options):
    return x * options["a"]


def test_star_args_and_kwargs_are_differentiated_by_position_and_name():
    assert tl.grad(star_args, wrt=1)(2.0, 3.0) == pytest.approx(2.0)
    assert tl.grad(star_kwargs, wrt="a")(2.0, a=3.0) == pytest.approx(2.0)
    assert tl.grad(star_kwargs)(2.0, a=3.0) == pytest.approx(3.0)


def test_check_accepts_star_args():
    assert tl.check(star_args)


# ---------------------------------------------------- 8. shapes of every matrix function

def scalar_out(x):
    return np.sum(np.sin(x) * x) + np.sum(x) ** 2


def vector_out(x):
    return np.sum(x * x) * np.array([1.0, -2.0]) + np.sum(np.sin(x) * x) * np.array([0.5, 3.0])


INPUTS = [0.7, np.array([0.3, -0.5, 0.9]), np.array([[0.3, -0.5, 0.9], [0.2, 0.1, -1.1]])]


def _ids(x):
    return f"shape{np.shape(x)}"


@pytest.mark.parametrize("x", INPUTS, ids=_ids)
def test_first_derivatives_have_the_documented_shapes(x):
    xs = np.shape(x)
    for mode in ("forward", "reverse", "auto"):
        j = tl.jacobian(scalar_out, mode=mode)(x)
        assert np.shape(j) == xs
        close(j, fd_jacobian(scalar_out, (x,)))
        j = tl.jacobian(vector_out, mode=mode)(x)
        assert np.shape(j) == (2,) + xs
        close(j, fd_jacobian(vector_out, (x,)))
    h = tl.hessian(scalar_out)(x)
    assert np.shape(h) == xs + xs
    close(h, fd_hessian(scalar_out, (x,)), rtol=1e-5, atol=1e-6)
    v = np.ones(xs) if xs else 1.0
    hv = tl.hvp(scalar_out)(x, v)
    assert np.shape(hv) == xs
    close(hv, np.tensordot(h, v, axes=len(xs)) if xs else h * v, rtol=1e-10)
    out, t = tl.jvp(vector_out, (x,), v)
    assert np.shape(t) == (2,)
    close(t, fd_directional(vector_out, (x,), 0, v))


@pytest.mark.parametrize("x", INPUTS, ids=_ids)
def test_derivatives_of_derivatives_have_the_documented_shapes(x):
    xs = np.shape(x)
    hess = fd_hessian(scalar_out, (x,))
    jg = tl.jacobian(tl.grad(scalar_out))(x)
    assert np.shape(jg) == xs + xs
    close(jg, hess, rtol=1e-5, atol=1e-6)
    jj = tl.jacobian(tl.jacobian(vector_out))(x)
    assert np.shape(jj) == (2,) + xs + xs
    close(jj, fd_jacobian(tl.jacobian(vector_out), (x,)), rtol=1e-6, atol=1e-7)
    jh = tl.jacobian(tl.hessian(scalar_out))(x)
    assert np.shape(jh) == xs + xs + xs
    close(jh, fd_jacobian(tl.hessian(scalar_out), (x,)), rtol=1e-6, atol=1e-7)
    v = np.ones(xs) if xs else 1.0
    _, t = tl.jvp(tl.jacobian(vector_out), (x,), v)
    assert np.shape(t) == (2,) + xs
    close(t, fd_directional(tl.jacobian(vector_out), (x,), 0, v), rtol=1e-6, atol=1e-7)
    _, t = tl.jvp(tl.hessian(scalar_out), (x,), v)
    assert np.shape(t) == xs + xs
    close(t, fd_directional(tl.hessian(scalar_out), (x,), 0, v), rtol=1e-6, atol=1e-7)
    hh = tl.hessian(tl.grad(scalar_out, wrt=0), wrt=0) if not xs else None
    if hh is not None:       # a scalar derivative of a scalar: its Hessian
        assert np.shape(hh(x)) == ()
    if not xs:
        g3 = tl.grad(tl.grad(tl.grad(scalar_out)))(x)
        close(g3, fd_jacobian(tl.grad(tl.grad(scalar_out)), (x,)), rtol=1e-6)


def mixed(x, y):
    return np.sum(np.sin(x) * y) * y


def test_gradient_of_a_scalar_derivative_with_respect_to_an_array():
    x, y = np.array([0.3, -0.5, 0.9]), 0.8
    dy = tl.grad(mixed, wrt=1)
    got = tl.grad(dy, wrt=0)(x, y)
    assert got.shape == (3,)
    close(got, fd_jacobian(dy, (x, y), 0))
    close(tl.hvp(dy, wrt=0)(x, y, np.ones(3)),
          fd_jacobian(tl.grad(dy, wrt=0), (x, y), 0) @ np.ones(3), rtol=1e-6)


def test_gradient_of_an_array_valued_derivative_is_refused():
    with pytest.raises(tl.DerivativeUsageError, match="jacobian"):
        tl.grad(tl.grad(scalar_out))(np.ones(3))
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(tl.value_and_grad(scalar_out))


# ------------------------------------------------------------- found by random programs

def _written_copy(a, b):
    c = a * 1.0                       # folded to a copy of `a`: the optimizer propagates it
    c[-1, 1] = math.tanh(b)
    return np.sum(c) * b


def writes_into_a_copy(z, b):
    return _written_copy(z, b)


def test_zero_tangent_of_a_propagated_copy():
    args = (np.ones((2, 3)) * 0.5, 0.4)
    _, tangent = tl.jvp(writes_into_a_copy, args, 1.0, wrt=1)
    close(tangent, fd_jacobian(writes_into_a_copy, args, 1))
    close(tl.hessian(writes_into_a_copy, wrt=1)(*args),
          fd_hessian(writes_into_a_copy, args, 1), rtol=1e-5)


def scalar_unbroadcast_to_array(x, y):
    return np.sum(unbroadcast(x[0] * y, x) * x)


@pytest.mark.parametrize("n", [3, 4])
def test_vector_forward_rule_of_unbroadcast_from_a_scalar(n):
    """unbroadcast(v, x) with a scalar v (an adjoint still 0.0 in generated code): its
    batched tangent must be aligned before it is stretched to x's shape."""
    x, y = np.linspace(-0.5, 0.8, n), 0.7
    close(tl.jacobian(scalar_unbroadcast_to_array, mode="forward")(x, y),
          fd_jacobian(scalar_unbroadcast_to_array, (x, y)))


def grows_in_place(x):
    s = x[0] * x[1]
    s = s + x                         # kept as is (its adjoint needs no old value)
    s = s * 0.5
    return np.sum(s * s)


def test_tangent_of_a_statement_that_assigns_its_own_operand():
    """``s = s + x`` with a scalar `s` becoming an array: the batched tangent of the old `s`
    is aligned with the old value's shape, not the new one's."""
    x = np.array([0.3, -0.5, 0.8, 1.2, 0.1, -0.9])
    close(tl.jacobian(grows_in_place, mode="forward")(x), fd_jacobian(grows_in_place, (x,)))
    _, tangent = tl.jvp(grows_in_place, (x,), np.ones(6))
    close(tangent, fd_directional(grows_in_place, (x,), 0, np.ones(6)))


def scalar_added_to_a_slice(x):
    return np.sum(add_at(0.0, x, slice(1, 3), x[0] * 2.0) * x)


@pytest.mark.parametrize("n", [3, 4])
def test_vector_forward_rule_of_add_at_with_a_scalar_into_a_slice(n):
    """add_at(acc, x, index, v) with a scalar v spread over a slice (an adjoint that is
    still the zero 0.0 times a factor, in generated code): its batched tangent is aligned
    with ``x[index]``."""
    x = np.linspace(-0.5, 0.8, n)
    close(tl.jacobian(scalar_added_to_a_slice, mode="forward")(x),
          fd_jacobian(scalar_added_to_a_slice, (x,)))


def list_of_zero_tangents(x, y):
    t4 = np.array([0.1, 0.2, 0.3, 0.4]) * y
    t6 = np.array([v + v for v in t4])      # active only because t4 is, later
    t4[0] = x[0] * x[1]
    s = 0.0
    for v, u in zip(t6, t4):
        s = s + np.sum(np.tanh(np.array([v, u]) * x[:2]))
    return s


def test_hessian_through_an_array_of_elements_whose_tangents_are_all_zero():
    args = (np.array([0.3, -0.5, 0.8, 0.2]), 0.7)
    close(tl.hessian(list_of_zero_tangents)(*args), fd_hessian(list_of_zero_tangents, args),
          rtol=1e-5, atol=1e-6)


class Model:
    def __init__(self):
        self.w = np.array([1.0, 2.0])

    def loss(self, x, scale=1.0):
        return np.sum(self.w * x ** 3) * scale


def test_bound_methods_in_every_derivative():
    m, x = Model(), np.array([0.5, -1.0])
    close(tl.grad(m.loss)(x), 3 * m.w * x ** 2)
    close(tl.hessian(m.loss)(x), np.diag(6 * m.w * x))
    close(tl.jacobian(m.loss)(x), 3 * m.w * x ** 2)
    close(tl.hvp(m.loss)(x, np.ones(2)), 6 * m.w * x)
    close(tl.jvp(m.loss, (x,), np.ones(2))[1], np.sum(3 * m.w * x ** 2))
    assert tl.grad(m.loss, wrt="scale")(x, 2.0) == pytest.approx(m.loss(x))
    close(tl.jacobian(tl.grad(m.loss))(x), np.diag(6 * m.w * x))
    assert "bound method" in repr(tl.grad(m.loss))


def test_check_of_a_partial_object_without_example_arguments():
    assert tl.check(functools.partial(scaled_square, s=3.0))
    assert tl.check_grad(functools.partial(scaled_square, s=3.0), 1.5)


def test_jvp_of_a_list_argument_and_a_tangent_of_the_wrong_length():
    f = item_product
    assert tl.jvp(f, ([1.0, 2.0],), ([1.0, 0.0],))[1] == pytest.approx(2.0)
    assert tl.jvp(f, ([1.0, 2.0],), [0.0, 1.0])[1] == pytest.approx(1.0)
    with pytest.raises(tl.DerivativeUsageError, match="sequence of 2"):
        tl.jvp(f, ([1.0, 2.0],), [1.0])


def item_product(x):
    return x[0] * x[1]


# ------------------------------------------- third derivatives through forward-code helpers

def writes_an_item(x):
    a = np.zeros(3)
    a[1] = x[0] * x[1]
    a[2] = np.sin(x[2])
    return np.sum(a * a * x)


def builds_a_list(x):
    xs = []
    for i in range(3):
        xs.append(x[i] * x[(i + 1) % 3])
    return np.sum(np.array(xs) ** 2)


def min_and_max(x):
    return min(x[0] * x[1], x[2]) * max(x[1], x[2] * x[2]) + x[0] ** 3


THIRD_ORDER = [writes_an_item, builds_a_list, min_and_max]


@pytest.mark.parametrize("f", THIRD_ORDER, ids=lambda f: f.__name__)
def test_third_derivatives_through_the_helpers_of_forward_code(f):
    """Forward mode over forward-over-reverse code runs the forward rules of the helpers
    that forward templates call (placed, tangent_list, stack_tangents, select_tangent)."""
    x = np.array([0.7, -0.4, 1.3])
    third = tl.jacobian(tl.hessian(f))(x)
    assert third.shape == (3, 3, 3)
    close(third, fd_jacobian(tl.hessian(f), (x,)), rtol=1e-5, atol=1e-6)


def products_of_matrices(x, y):
    t2 = np.tanh(x @ y.T)
    return np.sum(y @ t2) + np.sum(x * x * x)


def test_third_derivative_through_matrix_product_adjoints_with_zero_tangents():
    """Forward over forward-over-reverse: a zero tangent (the float 0.0) reaching a matrix
    product adjoint's rule is not passed to the helper."""
    x = np.array([[0.3, -0.2], [0.5, 0.1]])
    y = np.array([[0.7, -0.4], [0.2, 0.9], [0.1, 0.3]])
    third = tl.jacobian(tl.hessian(products_of_matrices))(x, y)
    assert third.shape == (2,) * 6
    close(third, fd_jacobian(tl.hessian(products_of_matrices), (x, y)), rtol=1e-5, atol=1e-6)


def reshapes_and_sums(x):
    m = np.reshape(x * x, (2, 2))
    parts = [m[0, 0] * m[1, 1], np.sin(m[0, 1])]
    return sum(parts) + np.sum(m @ m)


def test_third_derivative_through_reshapes_and_sums_of_lists():
    x = np.array([0.3, -0.7, 0.5, 1.1])
    third = tl.jacobian(tl.hessian(reshapes_and_sums))(x)
    close(third, fd_jacobian(tl.hessian(reshapes_and_sums), (x,)), rtol=1e-5, atol=1e-6)


def rows_picked_by_a_cast(W):
    idx = np.int64(W[:, -1])            # an index array with repeats, computed by a cast
    return np.sum(W[:, :-1][idx] ** 2)


def test_an_index_array_made_by_an_integer_cast_accumulates_its_repeats():
    W = np.array([[0.3, -0.2, -1.4], [0.5, 0.7, 1.2], [-0.6, 0.1, 0.3], [0.9, -0.4, 1.7]])
    assert list(np.int64(W[:, -1])) == [-1, 1, 0, 1]
    want = fd_jacobian(rows_picked_by_a_cast, (W,))
    np.testing.assert_allclose(tl.grad(rows_picked_by_a_cast)(W), want, atol=1e-6)
    np.testing.assert_allclose(tl.jvp(rows_picked_by_a_cast, (W,), (np.ones_like(W),))[1],
                               np.sum(want), atol=1e-6)


# ------------------------------------------------- numpy.matrix: * is a matrix product there
def _matrix(rows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.matrix(rows)


_MATRIX = _matrix([[1.0, 2.0], [3.0, 4.0]])


class _Holder:
    M = _matrix([[1.0, 0.0], [0.0, 2.0]])


def _times_global(x):
    return np.sum(x * _MATRIX)


def _times_attribute(x):
    return np.sum(x * _Holder.M)


def _square_sum(a):
    return np.sum(a * a)


def test_a_matrix_argument_is_refused_not_differentiated_elementwise():
    with pytest.raises(tl.DerivativeUsageError, match="numpy.matrix"):
        tl.grad(_square_sum)(_matrix([[1.0, 2.0], [3.0, 4.0]]))


@pytest.mark.parametrize("f", [_times_global, _times_attribute])
def test_a_matrix_read_by_the_function_is_refused_where_it_is_read(f):
    with pytest.raises(tl.UnsupportedSyntaxError, match="numpy.matrix") as info:
        tl.grad(f)(np.ones((2, 2)))
    assert "test_trust_api.py" in str(info.value)


def test_a_matrix_in_a_closure_is_refused():
    m = _matrix([[1.0, 2.0], [3.0, 4.0]])

    def f(x):
        return np.sum(x * m)
    with pytest.raises(tl.UnsupportedSyntaxError, match="numpy.matrix") as info:
        tl.grad(f)(np.ones((2, 2)))
    assert "test_trust_api.py:" in str(info.value)
