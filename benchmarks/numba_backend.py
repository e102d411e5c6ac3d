#!/usr/bin/env python3
"""The numba backend against numba-compiled hand-written adjoints, in one process.

For each loop case of benchmarks/run.py:

  t_f           the function in Python
  t_f numba     the function compiled by numba (what a numba user runs)
  grad python   tl.grad(f) (the default backend)
  grad numba    tl.grad(f, backend="numba"), after its first call
  hand numba    the hand-written adjoint of run.py compiled by numba
  first call    tl.grad(f, backend="numba") and its first call, in this process (numba's
                own start-up is paid by a warm-up compile before the first case)

    python benchmarks/numba_backend.py [--quick] [--markdown]

Targets (issue figures, not asserts): grad numba <= 2x hand numba and <= 0.1x t_f; first
call <= 2 s.
"""
import argparse
import dataclasses
import os
import sys
import time
import timeit
import warnings

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import run as cases  # noqa: E402  (benchmarks/run.py: the functions and hand adjoints)
import tangent_like as tl  # noqa: E402

LOOP_CASES = ["scalar_math", "scalar_math_1e4", "scalar_np", "lotka_volterra_rk4",
              "lotka_volterra_rk4_1e4", "rosenbrock_loop"]


def case_lotka_volterra_1e4():
    """RK4 over the same time span in 10000 steps (T = 1e4)."""
    case = cases.case_lotka_volterra()
    return dataclasses.replace(case, name="lotka_volterra_rk4_1e4",
                               description="RK4, 10000 steps, grad w.r.t. 4 params",
                               args=case.args[:4] + (10000, 0.001))


def best_time(f, args, budget):
    n = 1
    while timeit.timeit(lambda: f(*args), number=n) < budget / 5:
        n *= 2
    return min(timeit.repeat(lambda: f(*args), number=n, repeat=5)) / n


def fmt(t):
    return f"{t * 1e6:.1f} us" if t < 1e-3 else f"{t * 1e3:.2f} ms"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="shorter timings")
    p.add_argument("--markdown", action="store_true", help="a Markdown table")
    opts = p.parse_args(argv)
    try:
        import numba
    except ImportError:
        print("numba is not installed: pip install 'tangent_like[numba]'")
        return 0
    budget = 0.02 if opts.quick else 0.1
    numba.njit(lambda x: x + 1.0)(1.0)          # numba's own start-up, paid once
    headers = ["case", "t_f", "t_f numba", "grad python", "grad numba", "hand numba",
               "numba grad / numba hand", "numba grad / t_f", "first call"]
    rows = []
    for make in cases.CASES + [case_lotka_volterra_1e4]:
        case = make()
        if case.name not in LOOP_CASES:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("error")       # a fallback to Python is a failure here
            g = tl.grad(case.f, wrt=case.wrt, backend="numba")
            t0 = time.perf_counter()
            got = g(*case.args)
            first = time.perf_counter() - t0
        want = tl.grad(case.f, wrt=case.wrt)(*case.args)
        assert np.allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float),
                           rtol=1e-10, atol=1e-12), case.name
        f_nb = cases.numba_jitted(case.f, case.helpers)
        hand_nb = cases.numba_jitted(case.adjoint, case.helpers)
        f_nb(*case.args)
        hand_nb(*case.args)
        t_f = best_time(case.f, case.args, budget)
        t_fnb = best_time(f_nb, case.args, budget)
        t_py = best_time(tl.grad(case.f, wrt=case.wrt), case.args, budget)
        t_nb = best_time(g, case.args, budget)
        t_hand = best_time(hand_nb, case.args, budget)
        rows.append([case.name, fmt(t_f), fmt(t_fnb), fmt(t_py), fmt(t_nb), fmt(t_hand),
                     f"{t_nb / t_hand:.2f}x", f"{t_nb / t_f:.3f}x", f"{first:.2f} s"])
    print(f"numba {numba.__version__}, numpy {np.__version__}, python "
          f"{sys.version.split()[0]}, {os.cpu_count()} cores")
    print(cases.render_table(headers, rows, opts.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
