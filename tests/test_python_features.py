"""Python constructs beyond arithmetic, loops and calls: ``sorted``, ``map``, dicts, sets of
constants, ``tuple()`` and ``list()``, ``*args`` and ``**kwargs``, functions as values,
methods, properties, staticmethods and classmethods, ``has_aux`` and ``argnums``.

Each construct is checked against central finite differences in every mode that applies:
reverse (``tl.grad``), forward (``tl.jvp`` along a random direction), vector forward
(``tl.jacobian(mode="forward")``) and Hessians (``tl.hessian``, against second differences
of the function; forward mode over the generated gradient, which runs the forward rules of
the kernels the gradient calls).  What stays refused is refused with its location: the
line marked ``# <- refused`` in this file.
"""
import dataclasses
import functools
import inspect
import math

import numpy as np
import pytest

import tangent_like as tl

RNG = np.random.default_rng(20240611)


# =============================================================================== references
def _flat(value):
    """The floats of a value (a float, an array, a list, tuple or dict of them) in order."""
    if isinstance(value, dict):
        return np.concatenate([_flat(v) for v in value.values()]) if value else np.zeros(0)
    if isinstance(value, (list, tuple)):
        return np.concatenate([_flat(v) for v in value]) if value else np.zeros(0)
    return np.ravel(np.asarray(value, dtype=float))


def _unflat(vec, like):
    """`vec` in the structure of `like` (the inverse of `_flat`)."""
    if isinstance(like, dict):
        out, at = {}, 0
        for k, v in like.items():
            n = _flat(v).size
            out[k] = _unflat(vec[at:at + n], v)
            at += n
        return out
    if isinstance(like, (list, tuple)):
        out, at = [], 0
        for v in like:
            n = _flat(v).size
            out.append(_unflat(vec[at:at + n], v))
            at += n
        return type(like)(out)
    if isinstance(like, np.ndarray):
        return np.array(vec, dtype=float).reshape(like.shape)
    return float(vec[0])


class At:
    """Where a differentiated value sits in a call: positional argument `i`, keyword `key`,
    or attribute `attr` of the object a bound method is bound to."""

    def __init__(self, i=None, key=None, attr=None):
        self.i, self.key, self.attr = i, key, attr

    def get(self, f, args, kwargs):
        if self.attr is not None:
            return getattr(f.__self__, self.attr)
        return kwargs[self.key] if self.key is not None else args[self.i]

    def call(self, f, args, kwargs, value):
        args, kwargs = list(args), dict(kwargs)
        if self.attr is not None:
            obj = f.__self__
            old = getattr(obj, self.attr)
            setattr(obj, self.attr, value)
            try:
                return float(f(*args, **kwargs))
            finally:
                setattr(obj, self.attr, old)
        if self.key is not None:
            kwargs[self.key] = value
        else:
            args[self.i] = value
        return float(f(*args, **kwargs))


def fd_gradient(f, args, kwargs, at, h=1e-6):
    x = at.get(f, args, kwargs)
    flat = _flat(x)
    out = np.zeros(flat.size)
    for j in range(flat.size):
        step = h * max(1.0, abs(flat[j]))
        plus, minus = flat.copy(), flat.copy()
        plus[j] += step
        minus[j] -= step
        out[j] = (at.call(f, args, kwargs, _unflat(plus, x))
                  - at.call(f, args, kwargs, _unflat(minus, x))) / (2 * step)
    return out


def fd_hessian(f, args, kwargs, at, h=1e-4):
    x = at.get(f, args, kwargs)
    flat = _flat(x)
    n = flat.size
    out = np.zeros((n, n))

    def value(di, dj):
        v = flat.copy()
        if di is not None:
            v[di[0]] += di[1]
        if dj is not None:
            v[dj[0]] += dj[1]
        return at.call(f, args, kwargs, _unflat(v, x))
    for i in range(n):
        for j in range(n):
            out[i, j] = (value((i, h), (j, h)) - value((i, h), (j, -h))
                         - value((i, -h), (j, h)) + value((i, -h), (j, -h))) / (4 * h * h)
    return out


def _random_like(x):
    return _unflat(RNG.standard_normal(_flat(x).size), x)


def check_modes(f, args, kwargs=None, wrt=0, at=None, hessian=True, vector=True):
    """`f` differentiated with respect to `wrt` (found in the call `at`) in reverse, forward,
    vector forward mode and, with `hessian`, to second order, against finite differences."""
    kwargs = kwargs or {}
    at = at or (At(i=wrt) if isinstance(wrt, int) else At(key=wrt))
    x = at.get(f, args, kwargs)
    want = fd_gradient(f, args, kwargs, at)
    g = tl.grad(f, wrt=wrt)(*args, **kwargs)
    assert type(g) is type(x) or isinstance(x, float) and isinstance(g, float), (g, x)
    np.testing.assert_allclose(_flat(g), want, rtol=1e-5, atol=1e-6, err_msg="reverse")
    v = _random_like(x)
    _, t = tl.jvp(f, args, v, wrt=wrt, **kwargs)
    np.testing.assert_allclose(float(t), want @ _flat(v), rtol=1e-5, atol=1e-6,
                               err_msg="forward")
    if vector and isinstance(x, (float, np.ndarray)):
        jac = tl.jacobian(f, wrt=wrt, mode="forward")(*args, **kwargs)
        np.testing.assert_allclose(_flat(jac), want, rtol=1e-5, atol=1e-6,
                                   err_msg="vector forward")
    if hessian and isinstance(x, (float, np.ndarray)):
        hess = tl.hessian(f, wrt=wrt)(*args, **kwargs)
        np.testing.assert_allclose(np.reshape(hess, (want.size, want.size)),
                                   fd_hessian(f, args, kwargs, at), rtol=1e-4, atol=1e-5,
                                   err_msg="hessian")


def refused_line(func):
    """The line of `func` marked ``# <- refused``."""
    lines, start = inspect.getsourcelines(func)
    return start + next(i for i, line in enumerate(lines) if "# <- refused" in line)


def assert_refused(func, *args, error, wrt=0, **kwargs):
    with pytest.raises(error) as info:
        tl.grad(func, wrt=wrt)(*args, **kwargs)
    err = info.value
    assert type(err) is error, type(err)
    assert err.filename == __file__, err.filename
    assert err.lineno == refused_line(func), (err.lineno, str(err))
    assert isinstance(err.col_offset, int)
    return err


X3 = np.array([0.7, -1.3, 0.4])
X4 = np.array([1.5, -2.0, 0.7, -0.1])


# =================================================================================== sorted
def sorted_list(xs):
    s = sorted(xs)
    return s[0] * 2.0 + s[1] * s[-1]


def sorted_array(x):
    s = sorted(x)
    r = sorted(x, reverse=True)
    total = 0.0
    for i, v in enumerate(s):
        total = total + (i + 1.0) * v * r[i]
    return total + s[0] * s[-1]


def sorted_by_abs(x):
    return sum((i + 1.0) * v ** 3 for i, v in enumerate(sorted(x, key=abs)))


def sorted_generator(x):
    s = sorted(math.sin(v) * v for v in x)
    return s[0] + 2.0 * s[1] * s[2]


def test_sorted_of_a_list_follows_the_permutation():
    xs = [1.5, -2.0, 0.7]
    check_modes(sorted_list, (xs,))
    # sorted: [-2.0, 0.7, 1.5]; the value 2 s0 + s1 s2
    assert tl.grad(sorted_list)(xs) == pytest.approx([0.7, 2.0, 1.5])


@pytest.mark.parametrize("f", [sorted_array, sorted_by_abs, sorted_generator])
def test_sorted_of_an_array(f):
    check_modes(f, (X4.copy(),))


def test_sorted_keeps_ties_in_order():
    # at a tie the derivative follows Python's stable order: the first item first
    g = tl.grad(sorted_list)([1.0, 1.0, 3.0])
    assert g == pytest.approx([2.0, 3.0, 1.0])


def sorted_with_lambda_key(x):
    return sorted(x, key=lambda v: -v)[0]  # <- refused


def test_sorted_with_a_lambda_key_is_refused():
    err = assert_refused(sorted_with_lambda_key, X3, error=tl.UnsupportedSyntaxError)
    assert "key" in str(err)


# ====================================================================================== map
def _mul(a, b):
    return a * b


def map_lambda(x):
    return sum(map(lambda a: a * math.sin(a), x)) + max(map(abs, x))


def map_named(x, y):
    products = list(map(_mul, x, y))
    total = 0.0
    for e in map(np.exp, products):
        total = total + e
    return total * tuple(map(lambda a: a * a, x))[1]


def test_map_consumed_by_sum_max_list_tuple_and_for():
    check_modes(map_lambda, (X3.copy(),))
    check_modes(map_named, (X3.copy(), np.array([0.2, 0.5, -0.3])))
    check_modes(map_named, (X3.copy(), np.array([0.2, 0.5, -0.3])), wrt=1)


def map_kept(x):
    items = map(math.sin, x)  # <- refused
    return sum(items)


def test_a_map_kept_for_later_is_refused():
    # a map consumed at once (by a call or a for loop) is a comprehension; kept, it would be
    # a lazy iterator
    assert_refused(map_kept, X3, error=tl.NoDerivativeError)


# ==================================================================================== dicts
def dict_display(x, y):
    d = {"a": x[0], "b": y, 1: x[1] * y}
    return d["a"] * d["b"] + d[1] ** 2


def dict_comprehension(x):
    d = {i: x[i] ** 2 for i in range(3)}
    e = {k: v * d[0] for k, v in d.items() if k > 0}
    return d[0] + e[1] * e[2]


def dict_methods(x, y):
    d = dict(a=x, b=y * 2.0)
    total = 0.0
    for v in d.values():
        total = total + v * v
    for k in d.keys():
        total = total + d[k] * d.get(k, 0.0) + d.get("c", x * y)
    for k, v in d.items():
        total = total + math.sin(v) * d[k]
    for k in d:
        total = total + d[k]
    return total


def dict_writes(x, y):
    d = {}
    d["a"] = x * y
    d["b"] = math.sin(x)
    d["a"] = d["a"] + 1.0
    key = "c"
    e = {key: y, "a": x, key: 2.0 * y}
    return d["a"] * d["b"] + e["c"] * e["a"]


def dict_views(x):
    d = {"a": x[0], "b": x[1] * x[2]}
    values = list(d.values())
    pairs = list(d.items())
    keys = sorted(d)
    zipped = dict(zip(keys, values))
    return values[0] * pairs[1][1] + zipped["b"] ** 2 + sum(d.values()) * x[0]


@pytest.mark.parametrize("f, args", [
    (dict_display, (X3.copy(), 0.6)),
    (dict_comprehension, (X3.copy(),)),
    (dict_methods, (0.7, -1.3)),
    (dict_writes, (0.7, -1.3)),
    (dict_views, (X3.copy(),)),
], ids=lambda v: getattr(v, "__name__", ""))
def test_dicts(f, args):
    for i in range(len(args)):
        check_modes(f, args, wrt=i)


def dict_third(x):
    d = {"a": x, "b": x * x}
    return d.get("a", 1.0) * d["b"] * sum(d.values())


def test_third_derivative_through_dict_kernels():
    # forward over forward over reverse: the forward rules of the kernels of dict templates
    x, h = 0.7, 1e-4
    hess = tl.grad(tl.grad(dict_third))
    want = (hess(x + h) - hess(x - h)) / (2 * h)
    assert tl.grad(tl.grad(tl.grad(dict_third)))(x) == pytest.approx(want, rel=1e-6)
    assert hess(x) == pytest.approx(12.0 * x ** 2 + 20.0 * x ** 3, rel=1e-9)


def _weighted(p, x):
    total = 0.0
    for k in range(2):
        total = total + p["w"] * x ** (k + 1.0)
    if x > 0.0:
        total = total * p["s"]
    return total


def dict_argument(p, x):
    return _weighted(p, x) + _weighted(p, 2.0 * x) * p["s"]


def test_dict_arguments_of_the_function_and_its_callees():
    p = {"w": 0.8, "s": 1.7}
    check_modes(dict_argument, (p, 0.6), hessian=False)
    g = tl.grad(dict_argument)(p, 0.6)
    assert isinstance(g, dict) and set(g) == {"w", "s"}
    check_modes(dict_argument, (p, 0.6), wrt=1)


def dict_result(x):
    return {"sq": x * x, "sin": np.sin(x)}


def test_a_dict_result_in_vjp_and_jvp():
    out, pullback = tl.vjp(dict_result, X3)
    assert set(out) == {"sq", "sin"}
    ct = {"sq": np.array([1.0, 0.0, 2.0]), "sin": np.ones(3)}
    (g,) = pullback(ct)
    np.testing.assert_allclose(g, 2 * X3 * ct["sq"] + np.cos(X3))
    _, t = tl.jvp(dict_result, (X3,), np.ones(3))
    np.testing.assert_allclose(t["sq"], 2 * X3)
    np.testing.assert_allclose(t["sin"], np.cos(X3))


def dict_active_key(x):
    d = {}
    d[x] = 1.0  # <- refused
    return d[x] * x


def dict_unpacked(x, p):
    d = {**p, "x": x}  # <- refused
    return d["x"]


def test_dict_refusals():
    assert_refused(dict_active_key, 0.5, error=tl.NoDerivativeError)
    assert_refused(dict_unpacked, 0.5, {"a": 1.0}, error=tl.UnsupportedSyntaxError)


# ===================================================================== sets of constants
def set_of_constants(x):
    parities = {i % 2 for i in range(5)}
    scale = 2.0 if 3 in {1, 2, 3} else 1.0
    return scale * len(parities) * x ** 2


def set_of_active(x):
    values = {x, 2.0 * x}  # <- refused
    return max(values)


def test_sets_of_constants_and_refused_sets_of_differentiated_values():
    check_modes(set_of_constants, (0.7,))
    err = assert_refused(set_of_active, 0.5, error=tl.NoDerivativeError)
    assert "order" in str(err)


# ======================================================================== tuple(), list()
def tuple_and_list(x):
    t = tuple(x)
    items = list(x)
    return t[0] * items[1] * t[-1] + sum(items) * t[1]


def list_copy_then_write(xs):
    ys = list(xs)
    ys[0] = ys[0] * 2.0
    return ys[0] * xs[1] + tuple(ys)[2]


def test_tuple_and_list_constructors():
    check_modes(tuple_and_list, (X3.copy(),))
    check_modes(tuple_and_list, ([0.7, -1.3, 0.4],))
    check_modes(list_copy_then_write, ([0.7, -1.3, 0.4],))
    check_modes(list_copy_then_write, ((0.7, -1.3, 0.4),))


# ======================================================================= *args, **kwargs
def star(*xs):
    return xs[0] * xs[1] + math.sin(xs[2]) * len(xs)


def star_kw(x, **kw):
    return x * kw["s"] + kw.get("t", 1.0) * x ** 2 * kw["s"]


def mixed(x, *rest, scale=2.0, **opts):
    total = x * scale
    for r in rest:
        total = total + r * r * x
    for k, v in opts.items():
        total = total + v * x * scale
    return total


def _variadic(*vals, power=2.0, **weights):
    s = 0.0
    for v in vals:
        s = s + v ** power
    for k in weights:
        s = s * weights[k]
    return s


def calls_variadic(x, y):
    return _variadic(x, y, 3.0, power=3.0, w=x) + _variadic(y)


def passes_on(*xs, **kw):
    return _variadic(*xs, **kw) * xs[0]


def kwonly(x, *, s, t=1.0):
    return x * s ** 2 + t * s


def posonly(x, y, /):
    return x * y ** 3


@pytest.mark.parametrize("wrt", [0, 1, 2])
def test_star_args_by_position(wrt):
    check_modes(star, (0.7, -1.3, 0.4), wrt=wrt)
    assert tl.grad(star, wrt=(0, 2))(0.7, -1.3, 0.4) == pytest.approx(
        (-1.3, 3 * math.cos(0.4)))


def test_star_kwargs_by_name():
    check_modes(star_kw, (0.7,), {"s": 1.3, "t": 0.4}, wrt="s")
    check_modes(star_kw, (0.7,), {"s": 1.3, "t": 0.4}, wrt="t")
    check_modes(star_kw, (0.7,), {"s": 1.3}, wrt=0)


def test_named_and_variadic_parameters_together():
    args, kwargs = (0.7, -1.3, 0.4), {"scale": 1.5, "a": 0.3, "b": -0.2}
    for wrt in (0, 1, 2, "scale", "a", "b"):
        check_modes(mixed, args, kwargs, wrt=wrt)
    value, grads = tl.value_and_grad(mixed, wrt=(0, "a"))(*args, **kwargs)
    assert value == pytest.approx(mixed(*args, **kwargs))
    assert grads == pytest.approx((1.5 + 1.69 + 0.16 + 0.1 * 1.5, 0.7 * 1.5))


def test_callees_with_star_args_and_kwargs():
    check_modes(calls_variadic, (0.7, -1.3), wrt=0)
    check_modes(calls_variadic, (0.7, -1.3), wrt=1)
    check_modes(passes_on, (0.7, -1.3), {"w": 0.4}, wrt=1)
    check_modes(passes_on, (0.7, -1.3), {"w": 0.4}, wrt="w")


def test_keyword_only_and_positional_only_parameters():
    check_modes(kwonly, (0.7,), {"s": 1.3, "t": -0.4}, wrt="s")
    check_modes(kwonly, (0.7,), {"s": 1.3}, wrt=0)
    check_modes(posonly, (0.7, -1.3), wrt=1)


def test_wrt_of_variadic_parameters_is_checked():
    with pytest.raises(tl.DerivativeUsageError, match="name its parts"):
        tl.grad(star, wrt="xs")
    with pytest.raises(tl.DerivativeUsageError, match="does not pass it"):
        tl.grad(star, wrt=3)(0.7, -1.3, 0.4)
    with pytest.raises(tl.DerivativeUsageError, match="integer"):
        tl.grad(star_kw, wrt="n")(0.7, s=1.0, n=3)
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(mixed, wrt=-1)


# ===================================================================== functions as values
def apply(x, fn):
    return fn(x) * fn(2.0 * x)


def _cube(t):
    return t ** 3


class Scaled:
    def __init__(self, k):
        self.k = k

    def times(self, t):
        return self.k * t * t


def over_functions(x):
    total = 0.0
    for fn in (np.sin, math.cos, _cube, lambda t: t * np.exp(t)):
        total = total + fn(x) * fn(x)
    return total


@pytest.mark.parametrize("fn", [np.sin, math.exp, _cube, lambda t: t * t + 1.0,
                                Scaled(1.5).times], ids=["ufunc", "math", "user", "lambda",
                                                         "bound method"])
def test_a_function_argument_is_specialized_on(fn):
    check_modes(apply, (0.7, fn))


def test_derivatives_are_compiled_per_function_object():
    d = tl.grad(apply)
    assert d(0.7, np.sin) == pytest.approx(
        math.cos(0.7) * math.sin(1.4) + 2 * math.sin(0.7) * math.cos(1.4))
    assert d(0.7, _cube) == pytest.approx(6 * 2 ** 3 * 0.7 ** 5)
    assert "primal__cube" in d.source_for(0.7, _cube) or "_cube" in d.source_for(0.7, _cube)
    assert d.source_for(0.7, np.sin) != d.source_for(0.7, _cube)
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(apply, wrt=1)(0.7, np.sin)


def test_loops_over_a_tuple_of_functions_are_written_out():
    check_modes(over_functions, (0.7,))


def picks_a_function(x, flag):
    fn = np.sin if flag else np.cos
    return fn(x)  # <- refused


def loop_over_functions_with_break(x):
    total = 0.0
    for fn in (np.sin, np.cos):
        total = total + fn(x)  # <- refused
        if total > 1.0:
            break
    return total


def test_functions_not_known_at_the_call_are_refused():
    assert_refused(picks_a_function, 0.5, True, error=tl.UnsupportedSyntaxError)
    assert_refused(loop_over_functions_with_break, 0.5, error=tl.UnsupportedSyntaxError)


# ============================================================== methods and properties
class Model:
    def __init__(self, w, b):
        self.w = w
        self.b = b

    @property
    def w2(self):
        return self.w * self.w

    @staticmethod
    def act(z):
        return np.tanh(z)

    @classmethod
    def penalty(cls, z):
        return 0.5 * z * z

    def predict(self, x):
        return self.act(self.w2 @ x + self.b)

    def loss(self, x, y):
        return np.sum((self.predict(x) - y) ** 2) + self.penalty(np.sum(self.w))


X2 = np.array([0.3, -0.7])
Y2 = np.array([0.2, 0.1])


def _model():
    return Model(np.array([[0.5, -0.3], [0.2, 0.8]]), np.array([0.1, -0.2]))


def test_bound_method_with_respect_to_its_arguments():
    m = _model()
    check_modes(m.loss, (X2.copy(), Y2.copy()), wrt=0)


@pytest.mark.parametrize("attr", ["w", "b"])
def test_bound_method_with_respect_to_an_attribute_of_its_object(attr):
    m = _model()
    check_modes(m.loss, (X2.copy(), Y2.copy()), wrt=f"self.{attr}", at=At(attr=attr),
                vector=False)
    g = tl.grad(m.loss, wrt=f"self.{attr}")(X2, Y2)
    assert g.shape == getattr(m, attr).shape


def test_attribute_and_argument_together():
    m = _model()
    gw, gx = tl.grad(m.loss, wrt=("self.w", 0))(X2, Y2)
    np.testing.assert_allclose(gw, tl.grad(m.loss, wrt="self.w")(X2, Y2))
    np.testing.assert_allclose(gx, tl.grad(m.loss)(X2, Y2))


def model_loss(m, x):
    return m.loss(x, Y2) + np.sum(m.w2)


def test_methods_and_properties_of_an_argument():
    check_modes(model_loss, (_model(), X2.copy()), wrt=1)
    g = tl.grad(model_loss)(_model(), X2)
    assert isinstance(g, dict) and set(g) >= {"w", "b"}
    m = _model()
    num = fd_gradient(lambda w: model_loss(Model(w, m.b), X2), (m.w,), {}, At(i=0))
    np.testing.assert_allclose(np.ravel(g["w"]), num, rtol=1e-5, atol=1e-6)


@dataclasses.dataclass
class Params:
    w: np.ndarray
    s: float


def _dot_scaled(p, x):
    total = 0.0
    for _ in range(2):
        total = total + np.sum(p.w * x) * p.s
    return total


def dataclass_to_a_callee(p, x):
    return _dot_scaled(p, x) + _dot_scaled(p, 2.0 * x) ** 2


def test_a_dataclass_passed_on_to_a_callee():
    p = Params(np.array([0.4, -0.6]), 0.5)
    g = tl.grad(dataclass_to_a_callee)(p, X2)
    assert isinstance(g, Params)
    num = fd_gradient(lambda w: dataclass_to_a_callee(Params(w, 0.5), X2), (p.w,), {},
                      At(i=0))
    np.testing.assert_allclose(g.w, num, rtol=1e-5, atol=1e-6)
    check_modes(dataclass_to_a_callee, (p, X2.copy()), wrt=1)


class Cached:
    def __init__(self, w):
        self.w = w

    @functools.cached_property
    def w2(self):
        return self.w * self.w


def reads_a_cached_property(c, x):
    return c.w2 * x  # <- refused


def test_attributes_computed_by_other_descriptors_are_refused():
    assert_refused(reads_a_cached_property, Cached(2.0), 0.5, error=tl.NoDerivativeError)
    # not differentiated, the object is a constant: the descriptor runs as usual
    assert tl.grad(reads_a_cached_property, wrt=1)(Cached(2.0), 0.5) == pytest.approx(4.0)


# ======================================================================= has_aux, argnums
def with_aux(x, y):
    loss = np.sum(x * y) ** 2
    return loss, {"pred": x * y, "n": 3, "name": "run", "parts": [loss, x]}


def test_has_aux_passes_the_auxiliary_value_through():
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    g, aux = tl.grad(with_aux, has_aux=True)(x, y)
    np.testing.assert_allclose(g, 2 * 11.0 * y)
    assert aux["n"] == 3 and aux["name"] == "run"
    np.testing.assert_allclose(aux["pred"], x * y)
    (value, aux2), gy = tl.value_and_grad(with_aux, argnums=1, has_aux=True)(x, y)
    assert value == pytest.approx(121.0) and aux2["parts"][0] == pytest.approx(121.0)
    np.testing.assert_allclose(gy, 2 * 11.0 * x)
    assert "has_aux" in repr(tl.grad(with_aux, has_aux=True))


def not_a_pair(x):
    return x * 2.0


def test_has_aux_needs_a_pair():
    with pytest.raises(tl.DerivativeUsageError, match="pair"):
        tl.grad(not_a_pair, has_aux=True)(1.0)
    with pytest.raises(tl.DerivativeUsageError):
        tl.grad(tl.grad(with_aux, has_aux=True))


def two_args(x, y):
    return x * y ** 2


def test_argnums_is_another_name_for_wrt():
    assert tl.grad(two_args, argnums=1)(2.0, 3.0) == pytest.approx(12.0)
    assert tl.grad(two_args, argnums=(0, 1))(2.0, 3.0) == pytest.approx((9.0, 12.0))
    assert tl.value_and_grad(two_args, argnums=1)(2.0, 3.0)[1] == pytest.approx(12.0)
    assert tl.jvp(two_args, (2.0, 3.0), 1.0, argnums=1)[1] == pytest.approx(12.0)
    assert tl.vjp(two_args, 2.0, 3.0, argnums=1)[1](1.0) == pytest.approx((12.0,))
    assert tl.jacobian(two_args, argnums=1)(2.0, 3.0) == pytest.approx(12.0)
    assert tl.hessian(two_args, argnums=1)(2.0, 3.0) == pytest.approx(4.0)
    assert tl.hvp(two_args, argnums=1)(2.0, 3.0, 1.0) == pytest.approx(4.0)
    with pytest.raises(tl.DerivativeUsageError, match="both"):
        tl.grad(two_args, wrt=0, argnums=1)
    with pytest.raises(tl.DerivativeUsageError, match="both"):
        tl.jacobian(two_args, wrt=1, argnums=1)


# ================================================================================= more
class Quadratic:
    def __init__(self, c):
        self.c = c

    def __call__(self, t):
        return self.c * t ** 2


def test_an_object_with_a_call_method_as_a_function_argument():
    check_modes(apply, (0.7, Quadratic(1.5)))
    assert tl.grad(apply, wrt="fn.c")(0.7, Quadratic(1.5)) == pytest.approx(
        2 * 1.5 * 4 * 0.7 ** 4)


def builds_an_object(r):
    g = Quadratic(r)  # <- refused
    return g(2.0)


def test_objects_built_from_differentiated_values_are_refused():
    assert_refused(builds_an_object, 0.7, error=tl.NoDerivativeError)


def nested_dicts(x):
    d = {"inner": {"b": x, "c": 2.0 * x}, "n": 3}
    inner = d["inner"]
    keys = sorted(inner)
    return inner["b"] * inner.get("c") * d["n"] + sum(inner[k] ** 2 for k in keys)


def test_nested_dicts_and_sorted_keys():
    check_modes(nested_dicts, (0.7,))


class Loss:
    def __init__(self, w):
        self.w = w

    def value(self, x):
        residual = self.w * x - 1.0
        return np.sum(residual ** 2), {"residual": residual}


def test_has_aux_of_a_bound_method_and_a_part():
    m = Loss(np.array([0.5, -0.3]))
    g, aux = tl.grad(m.value, wrt="self.w", has_aux=True)(X2)
    np.testing.assert_allclose(g, 2 * (m.w * X2 - 1.0) * X2)
    np.testing.assert_allclose(aux["residual"], m.w * X2 - 1.0)


def test_check_and_source_of_the_new_constructs():
    for f in (dict_methods, mixed, over_functions, sorted_array, map_named):
        assert tl.check(f), tl.check(f)
    text = tl.derivative_source(mixed, wrt=(1, "a"))
    compile(text, "<generated>", "exec")
    assert "def primal_mixed(_stack, x, *rest" in text
    assert "sort_order" in tl.derivative_source(sorted_array)
    with pytest.raises(tl.DerivativeUsageError, match="whole arguments"):
        tl.check_grad(star_kw, 0.7, wrt="s", s=1.3)


def labelled(x, **kw):
    tag = kw["name"].upper() + str(kw["name"])
    return x * kw["s"] * len(tag)


def test_strings_next_to_differentiated_values_stay_constants():
    assert tl.grad(labelled, wrt="s")(2.0, s=1.5, name="ab") == pytest.approx(8.0)
    check_modes(labelled, (2.0,), {"s": 1.5, "name": "ab"}, wrt="s")
    with pytest.raises(tl.DerivativeUsageError, match="str"):
        tl.grad(labelled, wrt="name")(2.0, s=1.5, name="ab")


def test_self_names_the_object_of_any_bound_method():
    class Weighted:
        def __init__(self, w):
            self.w = w

        def f(this, x):
            return this.w * x ** 2
    m = Weighted(1.5)
    assert tl.grad(m.f, wrt="self.w")(2.0) == pytest.approx(4.0)
    assert tl.grad(m.f, wrt=("this.w", 0))(2.0) == pytest.approx((4.0, 6.0))


class Holder:
    def __init__(self, xs):
        self.xs = xs


def reads_a_list_field_twice(h, y):
    xs = h.xs
    return np.sum(np.array(xs) * np.array(xs) * y)


def test_adjoints_of_values_of_unknown_kind_add_part_by_part():
    # a list read from an object field has no known kind: its two adjoints (tuples) are
    # added element by element, not concatenated
    h = Holder([1.0, 2.0, 3.0])
    assert tl.grad(reads_a_list_field_twice, wrt="h.xs")(h, 2.0) == pytest.approx(
        [4.0, 8.0, 12.0])
    g = tl.grad(reads_a_list_field_twice)(h, 2.0)
    assert g["xs"] == pytest.approx((4.0, 8.0, 12.0))


class Table:
    def __init__(self, weights, xs):
        self.weights = weights
        self.xs = xs


def loops_over_fields(t, y):
    total = 0.0
    for k in t.weights:             # a dict read from a field: its kind is not known
        total = total + k * y
    for v in t.xs:
        total = total + v * y * y
    return total


def test_loops_over_values_of_unknown_kind_read_the_keys_of_a_dict():
    # ``for k in d`` reads keys, even where the analysis cannot tell d is a dict (an int
    # key 0 would otherwise read d[0], a value)
    t = Table({3: 1.0, 0: 2.0}, [1.5, 2.5])
    assert loops_over_fields(t, 2.0) == pytest.approx(6.0 + 4.0 * 4.0)
    check_modes(loops_over_fields, (t, 2.0), wrt=1)
    assert tl.grad(loops_over_fields, wrt="t.xs")(t, 2.0) == pytest.approx([4.0, 4.0])


def test_ties_of_sorted_are_reported_on_request():
    with pytest.warns(tl.KinkWarning, match="sorted at a tie"):
        tl.grad(sorted_list, kinks="warn")([1.0, 1.0, 3.0])
    with pytest.raises(tl.KinkError):
        tl.grad(sorted_list, kinks="raise")([1.0, 1.0, 3.0])
    assert tl.grad(sorted_list, kinks="raise")([1.0, 2.0, 3.0]) == pytest.approx(
        [2.0, 3.0, 2.0])


# ------------------------------------------------------ functools.partial objects, called
def _dense(w, x, scale=1.0):
    return np.tanh(x @ w) * scale


_W0 = np.array([[0.5, -0.2], [0.1, 0.3]])
_LAYER = functools.partial(_dense, _W0, scale=2.0)
_CUBE = functools.partial(np.power, 3.0)      # 3 ** x


def _calls_partials(x):
    return np.sum(_LAYER(x) ** 2) + np.sum(_LAYER(x, scale=0.5)) + np.sum(_CUBE(x))


def test_calls_of_partial_objects_in_every_mode():
    x = np.array([0.4, -0.7])
    fd = np.array([(_calls_partials(x + e) - _calls_partials(x - e)) / 2e-6
                   for e in np.eye(2) * 1e-6])
    np.testing.assert_allclose(tl.grad(_calls_partials)(x), fd, rtol=1e-6)
    assert tl.jvp(_calls_partials, (x,), np.ones(2))[1] == pytest.approx(fd.sum(), rel=1e-6)
    gradient = tl.grad(_calls_partials)
    expected = np.stack([(gradient(x + e) - gradient(x - e)) / 2e-6
                         for e in np.eye(2) * 1e-6], axis=1)
    np.testing.assert_allclose(tl.hessian(_calls_partials)(x), expected, atol=1e-6)
