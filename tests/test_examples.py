"""The examples in examples/ run and give sensible answers.

Each example is imported from its file (examples/ is not a package) and its ``main()`` is run
with stdout captured.  The command-line tool is run once on the ODE example, as ``make demo``
does.
"""
import importlib.util
import math
import pathlib
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def _tangent_like_importable():
    try:
        import tangent_like  # noqa: F401
    except ImportError:
        return False
    return True


needs_tangent_like = pytest.mark.skipif(
    not _tangent_like_importable(), reason="tangent_like cannot be imported")


def load_example(name):
    """Import examples/<name>.py as module ``example_<name>``."""
    module_name = f"example_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # so that inspect finds the module of its functions
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[module_name]
        raise
    return module


# --- The primal functions: plain Python, checked without differentiating anything. ---

def test_ode_primal_is_a_float_that_settles_near_the_fixed_point():
    ode = load_example("ode")
    x = ode.simulate(0.5)
    assert isinstance(x, float)
    # dx/dt = -0.5 x + sin x has a stable fixed point where sin x = 0.5 x (x ~ 1.8955).
    assert 1.8 < x < 1.9
    # One explicit step by hand.
    x0, dt, k = 1.0, 0.01, 0.5
    slope = -k * x0 + math.sin(x0)
    pred = x0 + dt * slope
    expected = x0 + 0.5 * dt * (slope - k * pred + math.sin(pred))
    assert ode.simulate(k, steps=1) == pytest.approx(expected, rel=1e-15)


def test_rosen_primal_matches_scipy():
    from scipy import optimize
    rosenbrock = load_example("rosenbrock")
    x = np.array([1.3, 0.7, 0.8, 1.9, 1.2])
    assert rosenbrock.rosen(x) == pytest.approx(optimize.rosen(x), rel=1e-14)
    assert rosenbrock.rosen(np.ones(7)) == 0.0


def test_logistic_primal_is_the_log_loss():
    logistic = load_example("logistic")
    X, y, _ = logistic.make_data(n=50)
    w = np.array([0.1, -0.3, 0.2])
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    expected = -np.mean(y * np.log(p) + (1.0 - y) * np.log(1.0 - p))
    assert logistic.loss(w, X, y) == pytest.approx(expected, rel=1e-12)


# --- The examples' main(): the gradients made by tangent_like at work. ---

@needs_tangent_like
def test_ode_gradient_matches_central_difference(capsys):
    ode = load_example("ode")
    dk, fd = ode.main()
    out = capsys.readouterr().out
    assert isinstance(dk, float)
    assert dk == pytest.approx(fd, rel=1e-6)
    assert dk < 0  # a larger decay rate lowers the final state
    assert "def " in out  # the generated source is printed


@needs_tangent_like
def test_rosenbrock_converges_to_ones(capsys):
    rosenbrock = load_example("rosenbrock")
    result = rosenbrock.main()
    out = capsys.readouterr().out
    assert result.success, result.message
    np.testing.assert_allclose(result.x, np.ones(5), atol=1e-4)
    assert result.fun < 1e-8
    assert "iterations" in out


@needs_tangent_like
def test_rosenbrock_gradient_matches_scipy():
    import tangent_like as tl
    from scipy import optimize
    rosenbrock = load_example("rosenbrock")
    rng = np.random.default_rng(1)
    for n in (2, 3, 6):
        x = rng.normal(size=n)
        g = tl.grad(rosenbrock.rosen)(x)
        assert g.shape == x.shape and g.dtype == x.dtype
        np.testing.assert_allclose(g, optimize.rosen_der(x), rtol=1e-12, atol=1e-12)


@needs_tangent_like
def test_logistic_loss_decreases(capsys):
    logistic = load_example("logistic")
    final_loss = logistic.main()
    out = capsys.readouterr().out
    printed = [float(line.split("loss")[1]) for line in out.splitlines()
               if line.startswith("step")]
    assert printed[0] == pytest.approx(math.log(2.0))  # w = 0 predicts 1/2 everywhere
    assert all(a >= b for a, b in zip(printed, printed[1:]))  # never goes up
    assert printed[-1] < printed[0] - 0.2
    assert final_loss == pytest.approx(printed[-1], rel=1e-5)
    assert final_loss < 0.45
    assert "accuracy" in out


@needs_tangent_like
def test_logistic_gradient_is_the_textbook_formula():
    import tangent_like as tl
    logistic = load_example("logistic")
    X, y, _ = logistic.make_data(n=40)
    w = np.array([0.3, -0.2, 0.7])
    value, g = tl.value_and_grad(logistic.loss, wrt=0)(w, X, y)
    p = 1.0 / (1.0 + np.exp(-(X @ w)))
    assert value == pytest.approx(logistic.loss(w, X, y), rel=1e-14)
    np.testing.assert_allclose(g, X.T @ (p - y) / len(y), rtol=1e-10, atol=1e-14)


# --- The command-line tool, as run by `make demo`. ---

@needs_tangent_like
def test_cli_prints_the_ode_gradient():
    proc = subprocess.run(
        [sys.executable, "-m", "tangent_like", "examples/ode.py:simulate", "--wrt", "k"],
        cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "def " in proc.stdout
    compile(proc.stdout, "<tangent-like output>", "exec")  # the printed module is valid Python
