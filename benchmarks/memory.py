#!/usr/bin/env python3
"""Memory of gradients of long loops: the record of the primal sweep, with and without
checkpointing, beside a hand-written adjoint.  The case is the RK4 Lotka-Volterra gradient
of benchmarks/run.py (4 parameters), T steps.

  bytes/step   peak memory (tracemalloc) of one gradient call, per step, Python code
  time         one gradient call (measured without tracemalloc), and its ratio to the
               default
  numba        ``backend="numba"`` for the long runs: the peak resident memory of a fresh
               process (numba's allocations are not seen by tracemalloc) minus that of the
               same process before the call

    python benchmarks/memory.py                 # T = 1e3 ... 1e5 in Python, 1e6 and 1e7 with numba
    python benchmarks/memory.py --quick         # T = 1e3, 1e4; 1e6 with numba
    python benchmarks/memory.py --markdown

Targets (issue figures, not asserts): default record <= 1.5x the hand-written one; with
checkpoint="binomial" (100 snapshots) >= 50x less memory at <= 3x the time; sqrt >= 10x less at <= 2x the time;
T = 1e7 under 1 GB with checkpointing.
"""
import argparse
import gc
import json
import os
import subprocess
import sys
import time
import tracemalloc

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(HERE)
sys.path.insert(0, REPO_ROOT)
sys.path.insert(0, HERE)

import run as run_cases  # noqa: E402 (benchmarks/run.py: the RK4 case, the table)

SCHEMES = [None, "sqrt", 100, "binomial"]


def args_for(T):
    return (1.1, 0.4, 0.1, 0.4, T, 10.0 / T)


def measure(g, T):
    args = args_for(T)
    g(*args_for(10))
    gc.collect()
    t0 = time.perf_counter()
    value = g(*args)
    seconds = time.perf_counter() - t0
    gc.collect()
    tracemalloc.start()
    g(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return value, seconds, peak


def python_rows(Ts):
    import numpy as np
    import tangent_like as tl
    cases = run_cases
    rows = []
    for T in Ts:
        hand_value, hand_time, hand_peak = measure(cases.lotka_volterra_adjoint, T)
        rows.append([f"{T:.0e}", "hand-written", f"{hand_peak / T:.0f}",
                     f"{hand_peak / 2**20:.2f} MiB", f"{hand_time * 1e3:.1f} ms", ""])
        base_time = None
        for scheme in SCHEMES:
            g = tl.grad(cases.lotka_volterra, wrt=(0, 1, 2, 3), checkpoint=scheme)
            value, seconds, peak = measure(g, T)
            assert np.allclose(value, hand_value, rtol=1e-9), (T, scheme)
            base_time = base_time or seconds
            rows.append([f"{T:.0e}", f"checkpoint={scheme!r}", f"{peak / T:.0f}",
                         f"{peak / 2**20:.2f} MiB", f"{seconds * 1e3:.1f} ms",
                         f"{seconds / base_time:.2f}x"])
    return rows


CHILD = r"""
import json, resource, sys, time, warnings
sys.path[:0] = [{repo!r}, {here!r}]
import run as cases
import tangent_like as tl
warnings.simplefilter("error")
T, scheme = {T}, {scheme!r}
g = tl.grad(cases.lotka_volterra, wrt=(0, 1, 2, 3), checkpoint=scheme, backend="numba")
g(1.1, 0.4, 0.1, 0.4, 10, 1.0)                  # compiles
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
g(1.1, 0.4, 0.1, 0.4, T, 10.0 / T)
seconds = time.perf_counter() - t0
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps([seconds, (after - before) * 1024]))
"""


def numba_rows(Ts):
    rows = []
    for T in Ts:
        base_time = None
        for scheme in SCHEMES[:3]:      # (the binomial schedule runs as Python)
            code = CHILD.format(repo=REPO_ROOT, here=HERE, T=T, scheme=scheme)
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
            if out.returncode:
                rows.append([f"{T:.0e}", f"numba, checkpoint={scheme!r}", "", "failed", "", ""])
                print(out.stderr[-2000:], file=sys.stderr)
                continue
            seconds, grown = json.loads(out.stdout.strip().splitlines()[-1])
            base_time = base_time or seconds
            rows.append([f"{T:.0e}", f"numba, checkpoint={scheme!r}", f"{grown / T:.1f}",
                         f"{grown / 2**20:.1f} MiB (RSS)", f"{seconds * 1e3:.0f} ms",
                         f"{seconds / base_time:.2f}x"])
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller runs")
    p.add_argument("--markdown", action="store_true", help="a Markdown table")
    opts = p.parse_args(argv)
    rows = python_rows([1000, 10000] if opts.quick else [1000, 10000, 100000])
    try:
        import numba  # noqa: F401
        rows += numba_rows([10**6] if opts.quick else [10**6, 10**7])
    except ImportError:
        print("numba is not installed: the long runs are left out", file=sys.stderr)
    headers = ["T", "gradient", "bytes/step", "peak", "time", "time / default"]
    print(run_cases.render_table(headers, rows, opts.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
