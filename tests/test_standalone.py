"""Standalone derivative modules: ``tl.derivative_source(f, standalone=True)`` and
``tangent-like FILE.py:FUNC --standalone``.

Each module is written to a directory of its own and imported by a Python that cannot
import tangent_like: ``python -I -S`` (no site-packages and no ``.pth`` files, which is how
the editable install of tangent_like is exposed: a ``.pth`` file running a finder), with
NumPy's directory put back on ``sys.path`` by hand and, first on ``sys.meta_path``, a finder
that refuses tangent_like whatever the install.  The runner checks that ``import
tangent_like`` fails there, runs the module's entry point, and hands the result back; the
gradient (or tangent) is checked against central finite differences of the user's function.
"""
import importlib.util
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import tangent_like as tl
from fd import numerical_grad
from tangent_like import runtime, standalone
from tangent_like.errors import DerivativeUsageError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NUMPY_DIR = os.path.dirname(os.path.dirname(np.__file__))

MODELS = textwrap.dedent('''\
    import math

    import numpy as np

    SCALE = 2.5
    WEIGHTS = np.array([0.5, -1.0, 2.0])
    ORDER = (2, 1)
    LIMITS = {"low": -1.0, "high": float("inf")}


    def n_terms(x):
        """An int: its calls stay calls to this function in the generated code."""
        return len(x) + 1


    def smooth(z):
        total = 0.0
        for k in range(3):
            total = total + np.log1p(np.exp(z * (k + 1))) / (k + 1)
        return total


    def damped(x, n=20):
        total = 0.0
        for i in range(n):
            if x > 1.0:
                x = x * 0.5
            total = total + math.sin(x) * x
        return total


    def loss(w, b, X, y):
        residual = X @ w + b - y
        spread = np.sum((X - np.mean(X, axis=0)) ** 2, axis=1)
        return np.mean(residual ** 2) + np.sum(spread * residual) / len(y) + np.max(w) ** 2


    def with_helper(x):
        s = 0.0
        for i in range(n_terms(x)):
            s = s + np.sum(smooth(x * i))
        return s


    def calibrated(x):
        scaled = np.tanh(x / SCALE) * WEIGHTS
        return np.sum(scaled ** ORDER[0]) + min(LIMITS["high"], np.sum(x)) * ORDER[1]


    def kinked(x):
        return np.sum(np.abs(x) * x)
    ''')

RUNNER = textwrap.dedent('''\
    import importlib, inspect, pickle, sys, warnings


    class NoTangentLike:
        """Whatever the install, tangent_like is not importable here."""

        @staticmethod
        def find_spec(name, path=None, target=None):
            if name.split(".")[0] == "tangent_like":
                raise ModuleNotFoundError(f"no module named {name!r}", name=name)
            return None


    sys.meta_path.insert(0, NoTangentLike)
    module_dir, numpy_dir, request = sys.argv[1:4]
    sys.path[:0] = [module_dir, numpy_dir]
    try:
        import tangent_like
    except ImportError:
        pass
    else:
        raise SystemExit("tangent_like is importable")
    with open(request, "rb") as fh:
        name, entry, args, directions = pickle.load(fh)
    module = importlib.import_module(name)
    assert all(hasattr(module, n) for n in getattr(module, "__all__", ())), module.__all__
    function = getattr(module, entry)
    kwargs = {}
    if directions is not None:          # forward mode: the tangents are keyword-only
        params = inspect.signature(function).parameters
        tangents = [p for p in params.values() if p.kind is p.KEYWORD_ONLY]
        kwargs = {p.name: d for p, d in zip(tangents, directions)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = function(*args, **kwargs)
        except Exception as exc:        # handed back to the test
            result = exc
    assert not any(m.split(".")[0] == "tangent_like" for m in sys.modules)
    caught = [(type(w.message).__name__, str(w.message), w.filename) for w in caught]
    with open(request, "wb") as fh:
        pickle.dump((result, caught), fh)
    ''')


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    where = tmp_path_factory.mktemp("user")
    path = where / "models.py"
    path.write_text(MODELS)
    spec = importlib.util.spec_from_file_location("standalone_models", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_isolated(text, tmp_path, entry, args, directions=None, name="generated"):
    """Import the module `text` where tangent_like cannot be imported and call `entry`;
    returns (result or the exception raised, [(warning class, message, file)])."""
    module_dir = tmp_path / "isolated"
    module_dir.mkdir(exist_ok=True)
    (module_dir / f"{name}.py").write_text(text)
    runner = tmp_path / "runner.py"
    runner.write_text(RUNNER)
    request = tmp_path / "request.pickle"
    request.write_bytes(pickle.dumps((name, entry, args, directions)))
    done = subprocess.run([sys.executable, "-I", "-S", str(runner), str(module_dir),
                           NUMPY_DIR, str(request)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return pickle.loads(request.read_bytes())


def check_reverse(func, text, tmp_path, args, wrt):
    (value, grads), _ = run_isolated(text, tmp_path, f"value_and_grad_{func.__name__}", args)
    assert np.allclose(value, func(*args))
    expected = numerical_grad(func, args, wrt=wrt)
    expected = expected if isinstance(wrt, tuple) else (expected,)
    assert len(grads) == len(expected)
    for got, want in zip(grads, expected):
        assert np.shape(got) == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def check_forward(func, text, tmp_path, args, wrt, directions):
    (value, tangent), _ = run_isolated(text, tmp_path, f"forward_{func.__name__}", args,
                                       directions)
    assert np.allclose(value, func(*args))
    grads = numerical_grad(func, args, wrt=wrt)
    grads = grads if isinstance(wrt, tuple) else (grads,)
    expected = sum(np.sum(np.asarray(g) * d) for g, d in zip(grads, directions))
    np.testing.assert_allclose(tangent, expected, rtol=1e-5, atol=1e-6)


RNG = np.random.default_rng(7)
W, B, X, Y = RNG.normal(size=3), 0.3, RNG.normal(size=(5, 3)), RNG.normal(size=5)


# ------------------------------------------------------------------------- reverse mode

def test_scalar_loop(models, tmp_path):
    text = tl.derivative_source(models.damped, args=(0.7,), standalone=True)
    assert "unbroadcast" not in text and "cj(" not in text      # the float variant
    assert text.startswith("# Standalone reverse mode of damped (models.py) with respect "
                           "to x,\n# generated by tangent_like for arguments x: float, n: int")
    check_reverse(models.damped, text, tmp_path, (0.7,), 0)
    check_reverse(models.damped, text, tmp_path, (1.3, 5), 0)


def test_arrays_broadcasting_and_reductions(models, tmp_path):
    text = tl.derivative_source(models.loss, wrt=(0, 1), args=(W, B, X, Y), standalone=True)
    assert "\ndef unbroadcast(" in text and "\ndef sum_adjoint(" in text
    assert "\n__all__ = ['value_and_grad_loss', 'primal_loss', 'adjoint_loss']\n" in text
    check_reverse(models.loss, text, tmp_path, (W, B, X, Y), (0, 1))


def test_assumed_kinds_without_arguments(models, tmp_path):
    """Without example arguments: 1-d arrays, and the kinds of the defaults."""
    text = tl.derivative_source(models.with_helper, standalone=True)
    assert "for arguments x: 1-d array\n" in text
    check_reverse(models.with_helper, text, tmp_path, (np.array([0.2, -0.4, 0.9]),), 0)


def test_user_helper_source_is_copied(models, tmp_path):
    text = tl.derivative_source(models.with_helper, args=(np.ones(3),), standalone=True)
    assert '\ndef n_terms(x):\n    """An int' in text          # the user's own source
    check_reverse(models.with_helper, text, tmp_path, (np.array([0.2, -0.4, 0.9]),), 0)


def test_module_level_constants(models, tmp_path):
    text = tl.derivative_source(models.calibrated, args=(np.ones(3),), standalone=True)
    assert "\nSCALE = 2.5\n" in text
    assert "\nWEIGHTS = np.array([0.5, -1.0, 2.0], dtype=np.float64)\n" in text
    assert "\nORDER = (2, 1)\n" in text
    assert "\nLIMITS = {'low': -1.0, 'high': float('inf')}\n" in text
    check_reverse(models.calibrated, text, tmp_path, (np.array([0.5, -1.5, 2.0]),), 0)


def test_wrong_kinds_of_arguments_are_refused(models, tmp_path):
    """The float variant has no `unbroadcast`: it refuses an array instead of returning a
    wrong derivative."""
    text = tl.derivative_source(models.damped, args=(0.7,), standalone=True)
    error, _ = run_isolated(text, tmp_path, "value_and_grad_damped", (np.ones(2),))
    assert isinstance(error, TypeError)
    assert "generated for x: float, not 1-d array" in str(error)


def test_kink_warnings_point_at_the_caller(models, tmp_path):
    text = tl.derivative_source(models.kinked, args=(np.ones(2),), kinks="warn",
                                standalone=True)
    (value, grads), caught = run_isolated(text, tmp_path, "value_and_grad_kinked",
                                          (np.array([0.0, 2.0]),))
    assert [(c[0], os.path.basename(c[2])) for c in caught] == [("KinkWarning", "runner.py")]
    assert "models.py:" in caught[0][1]


# ------------------------------------------------------------------------- forward mode

def test_forward_mode_arrays(models, tmp_path):
    text = tl.derivative_source(models.loss, mode="forward", wrt=(0, 1), args=(W, B, X, Y),
                                standalone=True)
    assert "\n__all__ = ['forward_loss']\n" in text
    assert text.startswith("# Standalone forward mode of loss")
    check_forward(models.loss, text, tmp_path, (W, B, X, Y), (0, 1),
                  [RNG.normal(size=3), 0.7])


def test_forward_mode_scalar_loop(models, tmp_path):
    text = tl.derivative_source(models.damped, mode="forward", args=(0.7, 8), standalone=True)
    check_forward(models.damped, text, tmp_path, (0.7, 8), 0, [1.0])


# ------------------------------------------------------------------------ the command line

def test_command_line_standalone(models, tmp_path):
    path = models.__file__
    done = subprocess.run(
        [sys.executable, "-m", "tangent_like", f"{path}:loss", "--wrt", "w,b", "--standalone",
         "--args", "f64[3], f64, f64[5,3]", "f64[5]"], cwd=tmp_path, capture_output=True,
        text=True, timeout=120, env=dict(os.environ, PYTHONPATH=REPO))
    assert done.returncode == 0, done.stderr
    assert done.stdout == tl.derivative_source(models.loss, wrt=(0, 1), args=(W, B, X, Y),
                                               standalone=True)
    check_reverse(models.loss, done.stdout, tmp_path, (W, B, X, Y), (0, 1))


# -------------------------------------------------------------------------------- refusals

class Box:
    def __init__(self, value):
        self.value = value


BOX = Box(2.0)


def boxed(x):
    return x * BOX.value


def test_global_without_source_form_is_refused():
    with pytest.raises(DerivativeUsageError, match=r"test_standalone.py:\d+: .*global 'BOX'"):
        tl.derivative_source(boxed, args=(1.0,), standalone=True)


def boxed_default(x, box=BOX):
    return x * box.value


def test_default_without_source_form_is_refused():
    with pytest.raises(DerivativeUsageError, match=r"test_standalone.py:\d+: boxed_default: "
                                                   r"the default value of 'box'"):
        tl.derivative_source(boxed_default, args=(1.0,), standalone=True)


def test_standalone_of_an_earlier_stage_is_refused(models):
    with pytest.raises(DerivativeUsageError, match="standalone"):
        tl.derivative_source(models.damped, stage="normalized", standalone=True)


def test_closure_values_become_constants(tmp_path):
    def make(scale):
        def scaled(x):
            return np.sum(x * scale)
        return scaled

    text = tl.derivative_source(make(3.0), args=(np.ones(2),), standalone=True)
    assert "\nscale = 3.0\n" in text
    check_reverse(make(3.0), text, tmp_path, (np.array([1.0, -2.0]),), 0)


OTHER = textwrap.dedent('''\
    import numpy as np

    SCALE = 10.0


    def waves(x):
        """Long enough not to be inlined: its primal and adjoint are functions of their own."""
        total = 0.0
        for i in range(3):
            if total > 100.0:
                break
            total = total + np.sum(np.sin(x * SCALE) * i) + np.sum(x ** 2)
            total = total * 1.0 + np.sum(np.cos(x)) - np.sum(np.tanh(x * i)) + np.sum(x ** 3)
        return total
    ''')


def _import_two_modules(tmp_path, monkeypatch, main):
    (tmp_path / "standalone_other.py").write_text(OTHER)
    (tmp_path / "standalone_main.py").write_text(main)
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("standalone_other", "standalone_main"):
        sys.modules.pop(name, None)
    import standalone_main
    return standalone_main


def test_code_of_two_user_modules(tmp_path, monkeypatch):
    main = _import_two_modules(tmp_path, monkeypatch, textwrap.dedent('''\
        from standalone_other import waves


        def f(x):
            return waves(x) * 2.0
        '''))
    text = tl.derivative_source(main.f, args=(np.ones(2),), standalone=True)
    assert "\nSCALE = 10.0\n" in text
    check_reverse(main.f, text, tmp_path, (np.array([0.3, -0.2]),), 0)


def test_one_name_for_two_values_is_refused(tmp_path, monkeypatch):
    """Two user modules read their own SCALE: one module cannot hold both."""
    main = _import_two_modules(tmp_path, monkeypatch, textwrap.dedent('''\
        from standalone_other import waves

        SCALE = 2.0


        def f(x):
            return waves(x) * SCALE
        '''))
    with pytest.raises(DerivativeUsageError, match=r"cannot bind 'SCALE' twice: .*2\.0.*"
                                                   r"from standalone_other\.py.*10\.0"):
        tl.derivative_source(main.f, args=(np.ones(2),), standalone=True)


# --------------------------------------------------------------------------------- runtime

def test_every_kernel_can_stand_alone(tmp_path):
    """All runtime kernels, copied into one module with what they read, import without
    tangent_like (no two helpers of the runtime share a name, none reads a module of
    tangent_like)."""
    names = sorted(n for n, f in runtime.HELPERS.items()
                   if getattr(f, "__module__", "").startswith("tangent_like.runtime")
                   and not getattr(f, "needs_tangent_like", False))
    text = standalone.kernels_source(names)
    text += "\n\ndef _present():\n    return " + " and ".join(
        f"callable({n})" for n in names) + "\n"
    present, _ = run_isolated(text, tmp_path, "_present", (), name="kernels")
    assert present is True


def test_the_isolated_python_cannot_import_tangent_like(tmp_path):
    """The check above means something: a module importing tangent_like fails there."""
    text = "import tangent_like\n\n\ndef f():\n    return 1\n"
    with pytest.raises(AssertionError, match="No module named 'tangent_like'|no module named"):
        run_isolated(text, tmp_path, "f", ())
