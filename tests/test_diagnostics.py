"""Diagnostics: tl.check lists every problem at once; runtime errors point at user lines;
tl.check_grad compares both modes with finite differences."""
import inspect
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import tangent_like as tl

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def helper_with_try(x):
    try:                                  # <- problem: try
        return x
    finally:
        pass


def many_problems(x, xs):
    scale = 1.0
    z = {v * 2 for v in xs}               # <- problem: set comprehension
    with open(os.devnull) as fh:          # <- problem: with
        pass
    w = helper_with_try(x)
    xs.append(x)                          # <- problem: append
    return w * scale


def fine(x):
    return math.sin(x) * x


def domain_error(x):
    y = x * x
    z = math.sqrt(y - 2.0)                # <- raises
    return z


def _marked_lines(*funcs):
    out = []
    for f in funcs:
        lines, first = inspect.getsourcelines(f)
        out += [first + i for i, l in enumerate(lines) if "# <- problem" in l]
    return sorted(out)


def test_check_reports_every_problem_at_once_with_locations():
    report = tl.check(many_problems)
    assert not report
    assert sorted(d.lineno for d in report) == _marked_lines(helper_with_try, many_problems)
    text = str(report)
    assert text.count("test_diagnostics.py:") == 4
    assert "^" in text and "4 errors" in text


def test_check_of_a_supported_function_is_empty():
    report = tl.check(fine)
    assert report and len(report) == 0
    assert "no problems found" in str(report)


def test_runtime_error_in_generated_code_names_the_user_line():
    with pytest.raises(ValueError) as info:
        tl.grad(domain_error)(1.0)
    notes = "\n".join(getattr(info.value, "__notes__", []))
    lines, first = inspect.getsourcelines(domain_error)
    line = first + next(i for i, l in enumerate(lines) if "# <- raises" in l)
    assert f"test_diagnostics.py:{line}" in notes
    assert "math.sqrt(y - 2.0)" in notes


def test_check_grad_report():
    report = tl.check_grad(fine, 0.7)
    assert report
    assert "reverse vs finite differences" in str(report)
    x = np.array([0.2, -0.4, 1.5])
    assert tl.check_grad(vector_loss, x)


def vector_loss(x):
    return np.sum(np.tanh(x) * x)


def test_cli_check_lists_problems_and_exits_1():
    r = subprocess.run([sys.executable, "-m", "tangent_like",
                        f"{__file__}:many_problems", "--check"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 1
    assert r.stderr.count("error:") == 4
    r = subprocess.run([sys.executable, "-m", "tangent_like", f"{__file__}:fine", "--check"],
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert r.returncode == 0 and "no problems found" in r.stdout


def cholesky_of_complex(a):
    low = np.linalg.cholesky(a @ a.conj().T + np.eye(2))
    return np.real(np.sum(low * low.conj()))


def test_a_refusal_raised_while_the_derivative_runs_names_the_users_line():
    a = np.array([[1.0 + 1j, 0.2], [0.1, 1.0]])
    with pytest.raises(tl.NoDerivativeError) as info:
        tl.grad(cholesky_of_complex)(a)
    line = cholesky_of_complex.__code__.co_firstlineno + 1
    assert str(info.value).startswith(f"test_diagnostics.py:{line}: error: np.linalg.cholesky")
    assert "low = np.linalg.cholesky" in str(info.value)
