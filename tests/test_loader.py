"""Compiling, caching and running generated code.

* the compile cache (`tangent_like.pipeline.CACHE`) is reused, keyed so that a redefined
  function gets a new derivative, and emptied by `tl.clear_cache()`;
* generated code runs against the user's live module globals and closure cells;
* generated code is registered with `linecache`: tracebacks show its lines and
  `inspect.getsource` works on generated functions;
* concurrent first calls from several threads all get correct derivatives.
"""
import concurrent.futures
import importlib
import inspect
import linecache
import math
import sys
import textwrap
import threading
import traceback
import types
import uuid

import numpy as np
import pytest

import tangent_like as tl
import tangent_like.pipeline as pipeline
from tangent_like.syntax import nodes

GENERATED_PREFIX = "<tangent_like generated"


def entries_for(func):
    """The cache entries (globals, compiled) whose key is `func`'s code object."""
    return [v for k, v in list(pipeline.CACHE.items()) if k[0] is func.__code__]


def load_module_from_text(tmp_path, text, name=None):
    """Write `text` to a fresh module in `tmp_path` and import it (from source)."""
    name = name or f"tl_loader_mod_{uuid.uuid4().hex}"
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(text))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------------------
# Module-level functions (their source must be readable)

SCALE = 2.0


def scaled_square(x):
    return SCALE * x * x


def helper(x):
    return x * x


def uses_helper(x):
    return helper(x) + 1.0


def log_of_double(x):
    y = x * 2.0
    return math.log(y)


HERMITIAN = np.array([[0.0, 0.5j], [-0.5j, 0.0]])


def complex_chol(x):
    return np.real(np.sum(np.linalg.cholesky(x * np.eye(2) + HERMITIAN)))


def make_closure(k):
    def closure(x):
        return k * x * x

    def set_k(value):
        nonlocal k
        k = value

    return closure, set_k


# --------------------------------------------------------------------------------------
# (a) cache reuse

def test_second_call_reuses_the_compiled_code():
    def cubic(x):
        return x * x * x

    g = tl.grad(cubic)
    assert g(2.0) == pytest.approx(12.0)
    size = len(pipeline.CACHE)
    (first,) = entries_for(cubic)
    assert g(3.0) == pytest.approx(27.0)
    assert len(pipeline.CACHE) == size
    (second,) = entries_for(cubic)
    assert second[1] is first[1]
    # a new derivative object for the same function and options reuses it too
    assert tl.grad(cubic)(1.0) == pytest.approx(3.0)
    assert len(pipeline.CACHE) == size
    assert entries_for(cubic)[0][1] is first[1]
    # calling with keywords goes through the same compiled code
    assert g(x=1.0) == pytest.approx(3.0)
    assert len(pipeline.CACHE) == size


def test_cache_distinguishes_wrt_kinds_and_options():
    def prod(x, y):
        return np.sum(x * y)

    tl.grad(prod)(2.0, 3.0)
    n = len(entries_for(prod))
    tl.grad(prod)(2.0, 3.0)
    assert len(entries_for(prod)) == n
    assert tl.grad(prod, wrt=1)(2.0, 3.0) == pytest.approx(2.0)
    assert len(entries_for(prod)) == n + 1
    np.testing.assert_allclose(tl.grad(prod)(np.ones(2), 3.0), [3.0, 3.0])
    assert len(entries_for(prod)) == n + 2
    assert tl.grad(prod, optimize=False)(2.0, 3.0) == pytest.approx(3.0)
    assert len(entries_for(prod)) == n + 3
    compiled = {id(c) for _, c in entries_for(prod)}
    assert len(compiled) == n + 3


# --------------------------------------------------------------------------------------
# (b) redefinition

def test_redefined_function_gets_a_new_derivative(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)   # no stale .pyc on reload
    monkeypatch.syspath_prepend(str(tmp_path))
    name = f"tl_redefine_{uuid.uuid4().hex}"
    path = tmp_path / f"{name}.py"
    path.write_text("def f(x):\n    return x * x\n")
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(name)
        first_f = module.f
        assert tl.grad(module.f)(3.0) == pytest.approx(6.0)

        path.write_text("def f(x):\n    return x * x * x + 1.0\n")
        module = importlib.reload(module)
        assert module.f is not first_f
        assert module.f(3.0) == 28.0
        assert tl.grad(module.f)(3.0) == pytest.approx(27.0)
        assert "x * x * x" in tl.derivative_source(module.f, stage="parse")
        # the old function object keeps its own derivative
        assert tl.grad(first_f)(3.0) == pytest.approx(6.0)
    finally:
        sys.modules.pop(name, None)


def test_two_functions_with_the_same_name(tmp_path):
    one = load_module_from_text(tmp_path, """
        def f(x):
            return 3.0 * x
        """)
    two = load_module_from_text(tmp_path, """
        def f(x):
            return x * x
        """)
    assert one.f.__code__ is not two.f.__code__
    assert tl.grad(one.f)(5.0) == pytest.approx(3.0)
    assert tl.grad(two.f)(5.0) == pytest.approx(10.0)
    assert tl.grad(one.f)(5.0) == pytest.approx(3.0)


def test_same_code_in_two_namespaces(tmp_path):
    text = """
        C = {c}

        def f(x):
            return C * x
        """
    one = load_module_from_text(tmp_path, text.format(c=2.0))
    two = load_module_from_text(tmp_path, text.format(c=5.0))
    assert tl.grad(one.f)(1.0) == pytest.approx(2.0)
    assert tl.grad(two.f)(1.0) == pytest.approx(5.0)


# --------------------------------------------------------------------------------------
# (c) live globals, (d) live closure cells

def test_global_constant_changed_after_the_first_gradient(monkeypatch):
    g = tl.grad(scaled_square)
    assert g(1.0) == pytest.approx(4.0)
    monkeypatch.setitem(globals(), "SCALE", 5.0)
    assert g(1.0) == pytest.approx(10.0)
    assert tl.grad(scaled_square)(1.0) == pytest.approx(10.0)
    assert tl.value_and_grad(scaled_square)(1.0) == pytest.approx((5.0, 10.0))


def test_global_helper_redefined_after_the_first_gradient(monkeypatch):
    g = tl.grad(uses_helper)
    assert g(3.0) == pytest.approx(6.0)

    def cube(x):
        return x * x * x

    monkeypatch.setitem(globals(), "helper", cube)
    assert uses_helper(3.0) == 28.0
    assert tl.value_and_grad(uses_helper)(3.0) == pytest.approx((28.0, 27.0))


WEIGHTS = 2.0


def weighted_sum(x):
    return np.sum(WEIGHTS * x)


def test_global_changed_from_scalar_to_array(monkeypatch):
    g = tl.grad(weighted_sum)
    assert g(1.0) == pytest.approx(2.0)
    monkeypatch.setitem(globals(), "WEIGHTS", np.array([1.0, 2.0, 3.0]))
    result = g(1.0)
    assert type(result) is float
    assert result == pytest.approx(6.0)
    np.testing.assert_allclose(g(np.ones(3)), [1.0, 2.0, 3.0])


def clipped_total(x):
    return sum(abs(v) for v in x)


def test_global_defined_later_shadowing_a_builtin(monkeypatch):
    """The code was made for the builtin `abs`; a global `abs` defined afterwards is what
    the function reads from then on, and so does its derivative."""
    g = tl.grad(clipped_total)
    assert g([1.0, -2.0]) == [1.0, -1.0]

    def abs(v):
        return v * v

    monkeypatch.setitem(globals(), "abs", abs)
    assert g([1.0, -2.0]) == [2.0, -4.0]


config = types.ModuleType("tl_test_config")     # a module of the user's
config.SCALE = 2.0


def scaled_by_config(x):
    return np.sum(x * config.SCALE)


def test_attribute_of_a_users_module_changed_kind(monkeypatch):
    g = tl.grad(scaled_by_config)
    assert g(1.0) == 2.0
    monkeypatch.setattr(config, "SCALE", 3.0)           # the same kind: the same code, live
    assert g(1.0) == 3.0
    monkeypatch.setattr(config, "SCALE", np.array([1.0, 2.0, 3.0]))    # made again
    assert g(1.0) == 6.0


def test_closure_cell_changed_with_nonlocal():
    closure, set_k = make_closure(1.0)
    g = tl.grad(closure)
    assert g(2.0) == pytest.approx(4.0)
    set_k(3.0)
    assert closure(2.0) == 12.0
    assert g(2.0) == pytest.approx(12.0)
    assert tl.value_and_grad(closure)(2.0) == pytest.approx((12.0, 12.0))


def test_closure_cell_changed_before_the_first_call():
    closure, set_k = make_closure(1.0)
    g = tl.grad(closure)
    set_k(-2.0)
    assert g(1.0) == pytest.approx(-4.0)


def test_closures_of_one_factory_are_kept_apart():
    closures = [make_closure(float(k))[0] for k in range(1, 6)]
    for k, c in enumerate(closures, start=1):
        assert tl.grad(c)(1.0) == pytest.approx(2.0 * k)
    for k, c in reversed(list(enumerate(closures, start=1))):
        assert tl.grad(c)(1.0) == pytest.approx(2.0 * k)


# --------------------------------------------------------------------------------------
# (e) tracebacks, linecache and inspect

def _generated_frames(exc):
    return [fr for fr in traceback.extract_tb(exc.__traceback__)
            if fr.filename.startswith(GENERATED_PREFIX)]


def test_traceback_of_an_error_in_the_primal_sweep():
    with pytest.raises(ValueError) as info:
        tl.grad(log_of_double)(-1.0)
    frames = _generated_frames(info.value)
    assert frames, traceback.format_exception(info.value)
    last = frames[-1]
    assert last.name.startswith("primal_log_of_double")
    line = linecache.getline(last.filename, last.lineno)
    assert "math.log(" in line
    assert line.strip() == last.line
    # survives the cache check that traceback printing does
    linecache.checkcache()
    assert linecache.getline(last.filename, last.lineno) == line
    text = "".join(traceback.format_exception(info.value))
    assert GENERATED_PREFIX in text and "math.log(" in text


def test_traceback_of_an_error_in_the_adjoint_sweep():
    # the derivative rule of cholesky refuses complex matrices when the adjoint runs
    with pytest.raises(tl.NoDerivativeError) as info:
        tl.grad(complex_chol)(2.0)
    frames = _generated_frames(info.value)
    assert frames
    last = frames[-1]
    assert last.name.startswith("adjoint_complex_chol")
    assert linecache.getline(last.filename, last.lineno).strip() == last.line
    assert last.line


def test_generated_functions_have_source():
    def quartic(x):
        return x * x * x * x

    g = tl.grad(quartic)
    assert g(1.0) == pytest.approx(4.0)
    ((_, compiled),) = entries_for(quartic)
    assert compiled.functions
    for name, fn in compiled.functions.items():
        assert fn.__code__.co_filename.startswith(GENERATED_PREFIX)
        source = inspect.getsource(fn)
        assert f"def {name}(" in source
        assert textwrap.dedent(source).strip() in compiled.source
        lines, start = inspect.getsourcelines(fn)
        assert linecache.getline(fn.__code__.co_filename, start) == lines[0]


def test_generated_file_names_are_distinct():
    def a(x):
        return x * 2.0

    def b(x):
        return x * 3.0

    tl.grad(a)(1.0)
    tl.grad(b)(1.0)
    fa = {f.__code__.co_filename for _, c in entries_for(a) for f in c.functions.values()}
    fb = {f.__code__.co_filename for _, c in entries_for(b) for f in c.functions.values()}
    assert fa and fb and not fa & fb
    assert any("a" in name for name in fa)


# --------------------------------------------------------------------------------------
# (f) threads

THREAD_MODULE = "import numpy as np\n" + "".join(f"""

def f{i}(x):
    y = {i + 1}.0 * x * x
    return y + np.sin(x)
""" for i in range(24))


def test_concurrent_first_calls(tmp_path):
    module = load_module_from_text(tmp_path, THREAD_MODULE)
    funcs = [getattr(module, f"f{i}") for i in range(24)]
    shared = funcs[0]
    barrier = threading.Barrier(8)
    x = 0.7

    def expected(i, x):
        return 2.0 * (i + 1) * x + np.cos(x)

    def work(t):
        barrier.wait(timeout=30)
        results = []
        for i in range(1 + 3 * t, 1 + 3 * t + 3) if t < 7 else range(22, 24):
            results.append((i, tl.grad(funcs[i])(x)))
            results.append((i, tl.value_and_grad(funcs[i])(x)[1]))
        results.append((0, tl.grad(shared)(x)))            # every thread: the same function
        closure, _ = make_closure(float(t))
        results.append(("closure", t, tl.grad(closure)(x)))
        arr = np.linspace(0.0, 1.0, 4)
        _, pullback = tl.vjp(funcs[t + 1], arr)
        results.append(("array", t, pullback(np.ones_like(arr))[0]))
        return results

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        outputs = list(pool.map(work, range(8)))
    assert len(outputs) == 8
    assert len(entries_for(shared)) == 1       # compiled once, though asked for by 8 threads
    for t, results in enumerate(outputs):
        for r in results:
            if r[0] == "closure":
                assert r[2] == pytest.approx(2.0 * r[1] * x)
            elif r[0] == "array":
                arr = np.linspace(0.0, 1.0, 4)
                np.testing.assert_allclose(r[2], expected(r[1] + 1, arr))
            else:
                assert r[1] == pytest.approx(expected(r[0], x)), (t, r)


# --------------------------------------------------------------------------------------
# (g) clear_cache

def test_clear_cache_empties_the_cache():
    def tiny(x):
        return x * 5.0

    g = tl.grad(tiny)
    assert g(1.0) == pytest.approx(5.0)
    assert len(pipeline.CACHE) > 0 and entries_for(tiny)
    (before,) = entries_for(tiny)
    tl.clear_cache()
    assert len(pipeline.CACHE) == 0
    # the derivative still works afterwards and compiles anew
    assert g(1.0) == pytest.approx(5.0)
    (after,) = entries_for(tiny)
    assert after[1] is not before[1]
    assert g(x=2.0) == pytest.approx(5.0)


def test_negative_constants_keep_their_sign_under_operators():
    """A negative default inlined (or a folded value) is a Constant(-0.4): ``-0.4 ** 2``
    would be -(0.4 ** 2)."""
    for op in (nodes.gast.Pow(), nodes.gast.Mult()):
        expr = nodes.gast.BinOp(left=nodes.const(-0.4), op=op, right=nodes.const(2))
        text = nodes.unparse(expr)
        assert eval(text) == pytest.approx((-0.4) ** 2 if isinstance(op, nodes.gast.Pow)
                                           else -0.8), text


# --------------------------------------------------------------------------------------
# closures made again reuse the code of their kinds

def make_scaled(k, w):
    def scaled(x):
        return np.sum(np.sin(k * x) * w) + np.sum(k ** 2)
    return scaled


def make_applied(fn):
    def applied(x):
        return np.sum(fn(x))
    return applied


def test_closures_of_the_same_kinds_share_code_and_read_their_own_values():
    x = np.linspace(0.1, 1.0, 4)
    first = make_scaled(1.0, np.ones(4))
    tl.grad(first)(x)
    size, before = len(pipeline.CACHE), tl.cache_info().hits
    for k in (2.0, 3.5, -1.0):
        w = np.arange(4.0) * k
        g = tl.grad(make_scaled(k, w))(x)
        np.testing.assert_allclose(g, k * np.cos(k * x) * w)
    assert len(pipeline.CACHE) == size
    assert tl.cache_info().hits >= before + 3
    # the first closure still reads its own cells
    np.testing.assert_allclose(tl.grad(first)(x), np.cos(x))


def test_closures_of_other_kinds_or_functions_get_their_own_code():
    x = np.linspace(0.1, 1.0, 4)
    tl.grad(make_scaled(1.0, np.ones(4)))(x)
    size = len(pipeline.CACHE)
    k = np.array([1.0, 2.0, 3.0, 4.0])            # an array where a float was
    g = tl.grad(make_scaled(k, 2.0))(x)
    np.testing.assert_allclose(g, k * np.cos(k * x) * 2.0)
    assert len(pipeline.CACHE) == size + 1
    np.testing.assert_allclose(tl.grad(make_applied(np.sin))(x), np.cos(x))
    np.testing.assert_allclose(tl.grad(make_applied(np.cos))(x), -np.sin(x))


def test_grad_of_the_same_function_again_is_a_lookup():
    def cube(x):
        return x ** 3
    tl.grad(cube)(2.0)
    size = len(pipeline.CACHE)
    for v in (1.0, 2.0, 3.0):
        assert tl.grad(cube)(v) == pytest.approx(3 * v * v)
    assert len(pipeline.CACHE) == size
    assert tl.grad(cube).source.startswith("# Reverse mode")


def test_threads_building_gradients_of_distinct_closures():
    x = np.linspace(0.1, 1.0, 4)
    errors = []

    def work(k):
        for j in range(20):
            kk = k + j / 10.0
            g = tl.grad(make_scaled(kk, np.ones(4)))(x)
            if not np.allclose(g, kk * np.cos(kk * x)):
                errors.append((kk, g))

    threads = [threading.Thread(target=work, args=(float(k),)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_a_function_defined_again_takes_its_own_defaults():
    # a notebook cell run again: the same text compiles to equal code, whose derivative is
    # reused -- with the defaults of the new function, evaluated anew
    source = "def scaled_by_default(x, w=W):\n    return x * w\n"
    filename = f"<cell {uuid.uuid4().hex}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = {"W": 1.0}
    exec(compile(source, filename, "exec"), namespace)
    assert tl.grad(namespace["scaled_by_default"])(2.0) == 1.0
    namespace["W"] = 3.0
    exec(compile(source, filename, "exec"), namespace)
    f = namespace["scaled_by_default"]
    assert tl.grad(f)(2.0) == 3.0
    assert tl.value_and_grad(f)(2.0) == (6.0, 3.0)
    assert tl.jvp(f, (2.0,), 1.0) == (6.0, 3.0)
