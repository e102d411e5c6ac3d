#!/usr/bin/env python3
"""What users pay for the source transformation, beyond its one first time.

Each figure is measured in this one process (ratios and differences are what to read; the
machine may be noisy):

  closure first call   a new closure ``make_loss(k)`` of code already transformed, over a
                       value of the same kind: ``tl.grad(loss)`` plus its first call (ms)
  closure memory       memory kept after N such closures were made, differentiated and
                       dropped (tracemalloc, KiB; N = --closures)
  grad again           ``tl.grad(f)(x)`` written inside a loop, minus a stored gradient's
                       call ``g(x)`` (microseconds per step)
  redefinition         a function defined again from the same source text (a notebook
                       cell run again): its first call (ms)
  import               ``import tangent_like`` after NumPy, in a fresh interpreter with
                       bytecode cached (ms)
  first call           ``tl.grad(f)(x)`` of a function never transformed, in a fresh
                       interpreter after the import (ms): a small loss, and RK4
  warm disk cache      the same first calls in a fresh interpreter whose persistent cache
                       (``TANGENT_LIKE_CACHE_DIR``) holds them from an earlier run (ms)

    python benchmarks/compile_once.py
    python benchmarks/compile_once.py --closures 10000
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import tangent_like as tl  # noqa: E402


def make_loss(k):
    def loss(x):
        return np.sum(np.sin(k * x) ** 2) + k * np.sum(x)
    return loss


def best(fn, repeat=5, number=200):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return min(times)


def closure_first_call(x, n):
    tl.grad(make_loss(0.5))(x)          # the code, transformed once
    t = time.perf_counter()
    for i in range(n):
        tl.grad(make_loss(1.0 + i))(x)
    return (time.perf_counter() - t) / n


def closure_memory(x, n):
    tl.grad(make_loss(0.5))(x)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for i in range(n):
        tl.grad(make_loss(1.0 + i))(x)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / 1024


def grad_again(x):
    f = make_loss(2.0)
    g = tl.grad(f)
    g(x)
    stored = best(lambda: g(x))
    again = best(lambda: tl.grad(f)(x))
    return stored, again


SOURCE = """
import numpy as np

def redefined(x):
    return np.sum(np.tanh(x) * x)
"""


def redefinition(x, n):
    namespace = {}
    path = os.path.join(REPO_ROOT, "benchmarks", "_redefined.py")
    with open(path, "w") as f:
        f.write(SOURCE)
    try:
        code = compile(SOURCE, path, "exec")
        exec(code, namespace)
        tl.grad(namespace["redefined"])(x)
        t = time.perf_counter()
        for _ in range(n):
            exec(code, namespace)           # the same code object: a cell run again
            tl.grad(namespace["redefined"])(x)
        return (time.perf_counter() - t) / n
    finally:
        os.remove(path)


FRESH = """
import time, numpy as np
t = time.perf_counter()
import tangent_like as tl
t_import = time.perf_counter() - t
import sys
sys.path.insert(0, {bench!r})
sys.path.insert(0, {root!r})
from run import lotka_volterra

def loss(x):
    return np.sum(np.sin(x) * x)

t = time.perf_counter()
tl.grad(loss)(np.ones(5))
t_small = time.perf_counter() - t
t = time.perf_counter()
tl.grad(lotka_volterra, wrt=(0, 1, 2, 3))(1.0, 0.5, 0.4, 1.2, 200, 0.01)
t_rk4 = time.perf_counter() - t
print(t_import, t_small, t_rk4)
"""


def fresh_process(repeat=3, cache_dir=None):
    """Import time and first calls (seconds) in fresh interpreters, the best of `repeat`
    runs after one unmeasured run (which writes bytecode, and fills `cache_dir`, the
    persistent cache, when one is given)."""
    script = FRESH.format(bench=os.path.join(REPO_ROOT, "benchmarks"), root=REPO_ROOT)
    runs = []
    with tempfile.TemporaryDirectory() as tmp:      # (a file: its functions have source)
        path = os.path.join(tmp, "fresh.py")
        with open(path, "w") as f:
            f.write(script)
        # as installed: bytecode cached (a first run writes it, when the environment
        # forbids it -- PYTHONDONTWRITEBYTECODE -- every import compiles every module)
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONDONTWRITEBYTECODE", "TANGENT_LIKE_CACHE_DIR")}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO_ROOT, env.get("PYTHONPATH"))
                                            if p)      # this checkout's tangent_like
        if cache_dir is not None:
            env["TANGENT_LIKE_CACHE_DIR"] = cache_dir
        for k in range(repeat + 1):
            out = subprocess.run([sys.executable, path], capture_output=True, text=True,
                                 cwd=REPO_ROOT, check=True, env=env)
            if k:
                runs.append([float(v) for v in out.stdout.split()])
    return [min(r[k] for r in runs) for k in range(3)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--closures", type=int, default=1000,
                        help="closures made for the memory figure (default 1000)")
    args = parser.parse_args()
    x = np.linspace(0.1, 1.0, 5)
    rows = [("closure first call", f"{closure_first_call(x, 300) * 1e3:.3f} ms")]
    rows.append((f"closure memory ({args.closures} closures)",
                 f"{closure_memory(x, args.closures):.0f} KiB"))
    stored, again = grad_again(x)
    rows.append(("grad again", f"+{(again - stored) * 1e6:.1f} us "
                 f"({again * 1e6:.1f} us vs {stored * 1e6:.1f} us stored)"))
    rows.append(("redefinition first call", f"{redefinition(x, 100) * 1e3:.3f} ms"))
    t_import, t_small, t_rk4 = fresh_process()
    rows.append(("import (after NumPy)", f"{t_import * 1e3:.0f} ms"))
    rows.append(("first call, small loss", f"{t_small * 1e3:.0f} ms"))
    rows.append(("first call, RK4 Lotka-Volterra", f"{t_rk4 * 1e3:.0f} ms"))
    with tempfile.TemporaryDirectory() as cache:
        _, t_small, t_rk4 = fresh_process(cache_dir=os.path.join(cache, "derivatives"))
    rows.append(("first call, small loss, warm disk cache", f"{t_small * 1e3:.1f} ms"))
    rows.append(("first call, RK4, warm disk cache", f"{t_rk4 * 1e3:.1f} ms"))
    width = max(len(r[0]) for r in rows)
    print(f"tangent_like {tl.__version__ if hasattr(tl, '__version__') else ''}, "
          f"Python {sys.version.split()[0]}, NumPy {np.__version__}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
