"""The numba backend (``backend="numba"``): the generated sweeps lowered to typed tapes and
compiled in nopython mode.  Every gradient is checked against finite differences (or the
Python backend, itself checked against them); what numba cannot compile must run as Python
with a `NumbaFallbackWarning`, never fail."""
import json
import math
import os
import stat
import subprocess
import sys
import warnings

import numpy as np
import pytest

import tangent_like as tl
from corpus import CASES
from fd import assert_grad_close
from finite_differences import partial_gradient
from test_corpus import _params, fresh_inputs, reference_gradient
from test_numba_pairing import settle   # (a while loop with a break: its trip count recorded)

pytest.importorskip("numba")
from tangent_like.backends.jit import NumbaFallbackWarning  # noqa: E402

pytestmark = pytest.mark.filterwarnings("error::tangent_like.backends.jit.NumbaFallbackWarning")


def numba_grad(f, *args, wrt=0):
    """The gradient by the numba backend; fails if it fell back to Python."""
    return tl.grad(f, wrt=wrt, backend="numba")(*args)


def fd(f, args, k=0, eps=1e-6):
    args = list(args)
    x = args[k]
    args[k] = x + eps
    plus = f(*args)
    args[k] = x - eps
    return (plus - f(*args)) / (2 * eps)


# ----------------------------------------------------------------------- scalar loops
def scalar_loop(x, n):
    for i in range(n):
        x = math.sin(x) * x + 0.5 * math.cos(x * i * 1e-3)
    return x


def branchy(x, n):
    s = 0.0
    for i in range(n):
        if x > 0.5:
            x = x * 0.9
        else:
            x = math.exp(x) * 0.3
        s += x
    return s


def lv_rhs(x, y, alpha, beta):
    return alpha * x - beta * x * y, x * y - y


def rk4(alpha, beta, n, dt):
    x = 1.0
    y = 1.0
    for _ in range(n):
        k1x, k1y = lv_rhs(x, y, alpha, beta)
        k2x, k2y = lv_rhs(x + 0.5 * dt * k1x, y + 0.5 * dt * k1y, alpha, beta)
        k3x, k3y = lv_rhs(x + 0.5 * dt * k2x, y + 0.5 * dt * k2y, alpha, beta)
        k4x, k4y = lv_rhs(x + dt * k3x, y + dt * k3y, alpha, beta)
        x = x + dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
        y = y + dt / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)
    return x + y


def rosenbrock_loop(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def relax(u, steps):
    """Arrays overwritten in a loop: each iteration's array is recorded on the float tape."""
    for _ in range(steps):
        v = np.zeros_like(u)
        for i in range(1, u.shape[0] - 1):
            v[i] = 0.5 * u[i] + 0.25 * (u[i - 1] + u[i + 1]) * u[i]
        u = v
    return np.sum(u)


def test_scalar_loop_with_a_tape_longer_than_its_first_size():
    # 3 floats a step, 5000 steps: the float tape (1024 at first) grows
    assert numba_grad(scalar_loop, 0.3, 5000) == pytest.approx(
        tl.grad(scalar_loop)(0.3, 5000), rel=1e-12)
    assert numba_grad(scalar_loop, 0.7, 4) == pytest.approx(fd(scalar_loop, (0.7, 4)),
                                                             rel=1e-6)


@pytest.mark.parametrize("x", [0.3, 0.9])
def test_branches_record_their_decisions(x):
    assert numba_grad(branchy, x, 30) == pytest.approx(fd(branchy, (x, 30)), rel=1e-6)


def test_rk4_gradient_with_respect_to_two_parameters():
    got = numba_grad(rk4, 0.6, 0.5, 300, 0.01, wrt=(0, 1))
    want = tl.grad(rk4, wrt=(0, 1))(0.6, 0.5, 300, 0.01)
    assert np.allclose(got, want, rtol=1e-12)
    assert got[0] == pytest.approx(fd(rk4, (0.6, 0.5, 300, 0.01), 0), rel=1e-6)


def test_while_loop_with_break_records_its_trip_count():
    got = numba_grad(settle, 0.05, 1e-9)
    assert got == pytest.approx(fd(settle, (0.05, 1e-9)), rel=1e-5)


def test_arrays_recorded_with_their_shapes():
    x = np.linspace(-0.5, 1.5, 7)
    assert np.allclose(numba_grad(rosenbrock_loop, x), partial_gradient(rosenbrock_loop, (x,)),
                       rtol=1e-6, atol=1e-8)
    u = np.linspace(0.1, 0.9, 9)
    with warnings.catch_warnings():     # (the adjoint of v, an array made in the loop and
        warnings.simplefilter("ignore", NumbaFallbackWarning)   # never read back, gets no
        got = tl.grad(relax, backend="numba")(u, 5)             # shape: Python code)
    assert np.allclose(got, partial_gradient(relax, (u, 5)), rtol=1e-6, atol=1e-8)
    assert got.shape == u.shape and got.dtype == np.float64


def test_value_and_grad_and_jvp():
    value, g = tl.value_and_grad(branchy, backend="numba")(0.3, 20)
    assert value == pytest.approx(branchy(0.3, 20), rel=1e-14)
    assert g == pytest.approx(tl.grad(branchy)(0.3, 20), rel=1e-12)
    out, tangent = tl.jvp(rk4, (0.6, 0.5, 100, 0.01), 1.0, backend="numba")
    assert out == pytest.approx(rk4(0.6, 0.5, 100, 0.01), rel=1e-14)
    assert tangent == pytest.approx(fd(rk4, (0.6, 0.5, 100, 0.01)), rel=1e-6)


def test_the_source_shows_the_typed_tapes():
    g = tl.grad(branchy, backend="numba")
    g(0.3, 5)
    text = g.source
    assert "Compiled by numba" in text
    assert "_tf[_nf] = exp_x" in text and "_ti[_ni] = _cond" in text
    assert "_stack" not in text
    g = tl.grad(rosenbrock_loop, backend="numba")
    g(np.linspace(0.0, 1.0, 5))
    adjoint = g.source[g.source.index("def adjoint_"):]
    assert "x_i = x[i]" in adjoint and "_nf -= " not in adjoint.split("for i in")[1]


def test_cli_prints_the_lowered_code():
    out = subprocess.run([sys.executable, "-m", "tangent_like", f"{__file__}:branchy",
                          "--args", "0.3", "5", "--backend", "numba"],
                         capture_output=True, text=True, check=True).stdout
    assert "tape_room(_tf, _nf, 1)" in out and "reversed_range(range(n))" in out


# ------------------------------------------------------------------ globals and fallbacks
RATE = 0.1
WEIGHTS = np.array([1.0, 2.0, 3.0])


def uses_rate(x):
    s = 0.0
    for i in range(10):
        s = s + RATE * math.sin(x * i)
    return s


def uses_weights(x):
    return np.sum(WEIGHTS * x)


def test_a_rebound_global_float_is_seen():
    global RATE
    g = tl.grad(uses_rate, backend="numba")
    first = g(0.3)
    RATE = 0.2
    try:
        assert g(0.3) == pytest.approx(2 * first, rel=1e-12)   # numba froze 0.1: compiled again
    finally:
        RATE = 0.1


@pytest.mark.filterwarnings("default")
def test_a_global_array_runs_as_python_with_a_warning():
    with pytest.warns(NumbaFallbackWarning, match="global array 'WEIGHTS'.*as an argument"):
        g = tl.grad(uses_weights, backend="numba")(np.ones(3))
    assert np.array_equal(g, WEIGHTS)
    WEIGHTS[0] = 5.0            # a change in place is seen: the Python code reads the global
    try:
        assert tl.grad(uses_weights, backend="numba")(np.ones(3))[0] == 5.0
    finally:
        WEIGHTS[0] = 1.0


@pytest.mark.filterwarnings("default")
def test_what_numba_cannot_compile_runs_as_python_with_the_reason():
    def with_closure(x):
        return x * scale

    scale = 3.0
    with pytest.warns(NumbaFallbackWarning, match="enclosing function"):
        assert tl.grad(with_closure, backend="numba")(2.0) == 3.0

    def prints(x):
        print("x", x, sep="=")
        return x * x

    with pytest.warns(NumbaFallbackWarning, match="numba could not compile it"):
        assert tl.grad(prints, backend="numba")(2.0) == 4.0


def test_unknown_backend_and_second_order_are_refused():
    with pytest.raises(tl.DerivativeUsageError, match="choose one of python, numba"):
        tl.grad(scalar_loop, backend="cuda")(0.3, 2)
    from tangent_like.pipeline import Options
    with pytest.raises(tl.DerivativeUsageError, match="first-order"):
        Options(mode="forward", batch=True, backend="numba")


# ------------------------------------------------------------------------ the corpus
MUST_COMPILE = {"lotka_volterra", "euler_decay", "horner", "harmonic_rk4-wrt_state",
                "logistic_growth", "skip_negative", "search_then_score", "trapezoid_work",
                "exponential_moving_average", "black_scholes_call-delta_vega",
                # array code: adjoints of arrays as zeros, the kernels' numba versions
                "quadratic_form", "two_layer_network", "softmax_cross_entropy",
                "matrix_product_energy", "least_squares_residual", "np_mean_tanh",
                "euclidean_distance", "power_law", "dot_1d", "ridge_loss", "sharpe_ratio",
                "affine_exp_mean", "gaussian_negative_log_likelihood", "inverse_trig",
                "loop_over_rows",
                # loops left early: records read back under the branch on their condition
                "first_passage-runs_out", "loan_balance-paid_off", "loan_balance-amortizing",
                "lower_triangle_sum", "gradient_flow_on_circle"}


@pytest.mark.filterwarnings("ignore::tangent_like.backends.jit.NumbaFallbackWarning")
@pytest.mark.parametrize("c", _params(CASES))
def test_corpus_through_the_numba_backend(c):
    args, kwargs = fresh_inputs(c)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = tl.grad(c.func, wrt=c.wrt, backend="numba")(*args, **kwargs)
    fell_back = [w for w in caught if issubclass(w.category, NumbaFallbackWarning)]
    if c.name in MUST_COMPILE:
        assert not fell_back, str(fell_back[0].message)
    assert_grad_close(c.func, c.args, c.kwargs, c.wrt, got,
                      reference=reference_gradient(c.name), rtol=c.rtol, atol=c.atol)


# ------------------------------------------------------------------ checkpointed loops
def ar1_nll(phi, sigma, y):
    total = 0.0
    for t in range(1, y.shape[0]):
        r = y[t] - phi * y[t - 1]
        total += 0.5 * (r / sigma) ** 2 + math.log(sigma)
    return total


@pytest.mark.parametrize("scheme", [1, 3, "sqrt"])
def test_checkpointed_loops_with_arrays_in_their_state(scheme):
    # the segments run again in the adjoint sweep record on the tape where an array popped
    # before lay: the array popped must not be a view of the tape
    y = np.cumsum(np.random.default_rng(0).normal(size=60)) * 0.1
    got = tl.grad(ar1_nll, wrt=(0, 1), backend="numba", checkpoint=scheme)(0.9, 0.5, y)
    want = tl.grad(ar1_nll, wrt=(0, 1))(0.9, 0.5, y)
    assert np.allclose(got, want, rtol=1e-12)
    x = np.linspace(-0.5, 1.5, 7)
    assert np.allclose(tl.grad(rosenbrock_loop, backend="numba", checkpoint=scheme)(x),
                       tl.grad(rosenbrock_loop)(x), rtol=1e-12)
    assert tl.grad(rk4, wrt=(0, 1), backend="numba", checkpoint=scheme)(0.6, 0.5, 50, 0.01) \
        == pytest.approx(tl.grad(rk4, wrt=(0, 1))(0.6, 0.5, 50, 0.01), rel=1e-12)


def masked_scale(y, z):
    t = np.cos(z)
    t[t > 0.08] *= 1.0 + y
    return np.sum(t)


def nested_default(y):
    a = 0.5

    def g(u, c=0.5):
        return a * u * c * y
    return g(0.5)


@pytest.mark.parametrize("f, args", [
    (masked_scale, (0.78, np.array([[-1.1, -0.6, 0.9], [-0.4, -0.9, -0.03]]))),
    (nested_default, (0.3,))])
def test_errors_of_numbas_compiler_run_the_python_code(f, args):
    # (found by the fuzzer: an AssertionError and an IndexError raised while numba compiled)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NumbaFallbackWarning)
        got = tl.grad(f, backend="numba")(*args)
    assert np.allclose(got, tl.grad(f)(*args), rtol=1e-14)


def divides(x, n):
    s = 0.0
    for i in range(n):
        s = s + x / (n - 3 - i)
    return s


def test_errors_of_the_running_code_are_raised_as_they_are():
    g = tl.grad(divides, backend="numba")
    assert g(0.5, 2) == pytest.approx(tl.grad(divides)(0.5, 2))
    with pytest.raises(ZeroDivisionError):
        g(0.5, 5)
    assert g(0.5, 2) == pytest.approx(tl.grad(divides)(0.5, 2))     # still compiled code
    assert g._last.entry.jitted is not None


# ------------------------------------------------------------------------- array code
def row_energy(A, w):
    """Sums along axes, a row vector broadcast over a matrix, a product of matrices."""
    B = A * w + np.tanh(A)
    return np.sum(np.sum(B ** 2, axis=1)) + np.sum(np.sum(A @ A.T, axis=0) * 0.5) + np.mean(B)


def column_scores(A, v):
    s = np.sum(A * A, axis=0)
    return np.dot(s, v) + np.sum(np.dot(A, v) ** 2)


def mixed_ranks(x, M):
    return np.sum((x + M) ** 2) + np.sum(np.exp(x) * 2.0)


def written_items(x):
    """Items read and written in a loop: the adjoint accumulates into an array."""
    y = x * 1.0
    for i in range(1, x.shape[0]):
        y[i] = y[i - 1] * 0.5 + x[i] ** 2
    return np.sum(y * y)


def min_of_three(a, b, c):
    return min(a * b, b + c, c * 2.0) + max(a, b)


def safe_power(x, p):
    return np.sum(x ** p) + x[0] ** 2.5


def rows_in_a_loop(A, w):
    """`row` is made in the loop: its adjoint gets its shape once the loop has bound it."""
    total = 0.0
    for row in A:
        total += np.sum(row * w) * row[0]
    return total


ARRAYS = np.array([[0.3, -0.7, 1.1], [0.5, 0.2, -0.4]])


@pytest.mark.parametrize("f, args, wrt", [
    (row_energy, (ARRAYS, np.array([0.5, -1.0, 2.0])), (0, 1)),
    (column_scores, (ARRAYS, np.array([0.4, 0.9, -0.3])), (0, 1)),
    (mixed_ranks, (np.array([0.1, 0.2, -0.3]), ARRAYS), (0, 1)),
    (written_items, (np.array([0.3, -0.2, 0.8, 0.5]),), 0),
    (min_of_three, (0.7, 1.3, 0.4), (0, 1, 2)),
    (rows_in_a_loop, (ARRAYS, np.array([0.5, -1.0, 2.0])), (0, 1)),
    (safe_power, (np.array([0.5, 1.5, 2.0]), 1.7), (0, 1))])
def test_array_code_compiles_and_agrees_with_finite_differences(f, args, wrt):
    got = numba_grad(f, *args, wrt=wrt)
    want = tl.grad(f, wrt=wrt)(*[np.copy(a) for a in args])
    for k, (g, w) in enumerate(zip(got if isinstance(wrt, tuple) else (got,),
                                   want if isinstance(wrt, tuple) else (want,))):
        assert np.allclose(g, w, rtol=1e-10, atol=1e-12)
        index = wrt[k] if isinstance(wrt, tuple) else wrt
        assert np.allclose(g, partial_gradient(f, args, index), rtol=1e-5, atol=1e-7)


def summed_in_a_loop(x, n):
    s = 0.0
    for i in range(n):
        s = s + np.sum(np.sin(x) * i)
    return s


def test_the_adjoint_of_an_array_starts_as_zeros_of_its_shape():
    # (0.0 and then an array in a loop: a variable of two types, which numba refuses)
    x = np.array([0.3, -0.2, 1.1])
    g = tl.grad(summed_in_a_loop, backend="numba")
    assert np.allclose(g(x, 4), partial_gradient(summed_in_a_loop, (x, 4)), rtol=1e-6)
    adjoint = g.source[g.source.index("def adjoint_"):]
    assert "bx = np.zeros(x.shape)" in adjoint and "bx = 0.0" not in adjoint
    assert "bx = 0.0" in tl.grad(summed_in_a_loop).source_for(x, 4)    # (the Python code)
    g = tl.grad(rows_in_a_loop, wrt=(0, 1), backend="numba")
    g(ARRAYS, np.array([0.5, -1.0, 2.0]))
    assert "brow = np.zeros((0,))" in g.source and "if brow.size == 0:" in g.source


def test_jvp_of_array_code():
    x = np.array([0.1, 0.2, -0.3])
    out, tangent = tl.jvp(mixed_ranks, (x, ARRAYS), np.ones(3), backend="numba")
    want = tl.jvp(mixed_ranks, (x, ARRAYS), np.ones(3))
    assert out == pytest.approx(want[0], rel=1e-14)
    assert tangent == pytest.approx(want[1], rel=1e-12)


@pytest.mark.filterwarnings("default")
def test_what_the_kernels_numba_versions_do_not_take_runs_as_python():
    def along_two_axes(A):
        return np.sum(np.sum(A ** 2, axis=(0, 1)))

    with pytest.warns(NumbaFallbackWarning, match="numba could not compile it"):
        got = tl.grad(along_two_axes, backend="numba")(ARRAYS)
    assert np.allclose(got, 2 * ARRAYS)


# --------------------------------------------------- numba's machine code kept on disk
NUMBA_MODEL = '''
import math

RATE = 0.5


def helper(x):
    return math.sin(x) * 0.5


def decay(k, n):
    x = 1.0
    for i in range(n):
        x = x - RATE * k * helper(x) * 0.01
    return x
'''

NUMBA_DRIVER = '''
import json, sys, warnings
import tangent_like as tl
from tangent_like import pipeline
from tangent_like.backends.jit import NumbaFallbackWarning
import nmodel

warnings.simplefilter("error", NumbaFallbackWarning)
if "--no-transform" in sys.argv:
    def refuse(*args, **kwargs):
        raise AssertionError("transformed again")
    pipeline._run = refuse
g = tl.grad(nmodel.decay, backend="numba")
value = g(0.8, 50)
eps = 1e-6
info = tl.cache_info()
print(json.dumps({"grad": value,
                  "fd": (nmodel.decay(0.8 + eps, 50) - nmodel.decay(0.8 - eps, 50)) / (2 * eps),
                  "numba_hits": sum(g._last.entry.jitted.stats.cache_hits.values()),
                  "disk": [info.disk_hits, info.disk_misses]}))
'''


def _run_numba_driver(project, *args):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(project), REPO, env.get("PYTHONPATH", "")])
    env["TANGENT_LIKE_CACHE_DIR"] = str(project / "cache")
    r = subprocess.run([sys.executable, str(project / "driver.py"), *args], cwd=project,
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["grad"] == pytest.approx(out["fd"], rel=1e-6)
    return out


REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_a_new_process_loads_numbas_machine_code_from_the_persistent_cache(tmp_path):
    (tmp_path / "nmodel.py").write_text(NUMBA_MODEL)
    (tmp_path / "driver.py").write_text(NUMBA_DRIVER)
    first = _run_numba_driver(tmp_path)
    assert first["disk"] == [0, 1] and first["numba_hits"] == 0
    assert len(list((tmp_path / "cache" / "numba").glob("*.py"))) == 1
    second = _run_numba_driver(tmp_path, "--no-transform")
    assert second["disk"] == [1, 0] and second["numba_hits"] >= 1
    assert second["grad"] == first["grad"]
    # a changed global number: the stored code again, compiled by numba for the new value
    (tmp_path / "nmodel.py").write_text(NUMBA_MODEL.replace("RATE = 0.5", "RATE = 0.7"))
    third = _run_numba_driver(tmp_path, "--no-transform")
    assert third["disk"] == [1, 0] and third["numba_hits"] == 0
    assert third["grad"] != pytest.approx(first["grad"], rel=1e-3)
    assert len(list((tmp_path / "cache" / "numba").glob("*.py"))) == 2
    # a changed helper: a miss, new code
    (tmp_path / "nmodel.py").write_text(NUMBA_MODEL.replace("RATE = 0.5", "RATE = 0.7")
                                        .replace("* 0.5\n", "* 0.25\n"))
    fourth = _run_numba_driver(tmp_path)
    assert fourth["disk"] == [0, 1] and fourth["numba_hits"] == 0
    assert fourth["grad"] != pytest.approx(third["grad"], rel=1e-3)
    fifth = _run_numba_driver(tmp_path, "--no-transform")
    assert fifth["disk"] == [1, 0] and fifth["numba_hits"] >= 1
    assert fifth["grad"] == fourth["grad"]
    folder = tmp_path / "cache" / "numba"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_parameters_handed_over_go_to_the_adjoint_as_arguments():
    """An array parameter the adjoint sweep reads goes to it from the entry, not through
    a tape (which would copy it twice)."""
    pytest.importorskip("numba")

    x = np.linspace(-1.0, 1.5, 7)
    g = tl.grad(_rosen_elements, backend="numba")
    got = g(x)
    assert np.allclose(got, tl.value_and_grad(_rosen_elements)(x)[1], rtol=1e-13)
    src = g.source
    assert "tape_push_array" not in src
    assert "adjoint__rosen_elements(x, _range)" in src and "_tf" not in src


def _rosen_elements(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s
