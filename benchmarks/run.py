#!/usr/bin/env python3
"""Benchmarks: tangent_like gradients vs. hand-written adjoints.

For every case the script times, in one process:

  t_f     the function itself
  t_grad  the gradient made by ``tl.grad(f, wrt=...)`` (after its first call)
  t_hand  a hand-written adjoint, written below next to each f in plain
          Python (a forward loop saving what the reverse sweep needs in a
          list, then a reverse loop; one loop where nothing needs saving)
  first   ``tl.grad(f)`` plus its first call on a function never transformed
          before (cold cache), i.e. including the source transformation
  peers   autograd and torch gradient times relative to t_f, when importable;
          jax.jit(jax.grad(f)) relative to t_f, with its compile time, in a
          subprocess per case that gets --jax-timeout seconds to compile
  numba   tl.grad(f, backend="numba") relative to the hand-written adjoint
          compiled by numba, when numba compiles it

and checks that every gradient agrees with the hand-written adjoint.

    python benchmarks/run.py                 # full run
    python benchmarks/run.py --quick         # fewer / shorter repeats
    python benchmarks/run.py --jax-timeout 0 # without the jax column
    python benchmarks/run.py --case rosenbrock_vec --markdown
    python benchmarks/run.py --check         # finite-difference check only

See benchmarks/README.md for how to read the table.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import importlib.util
import inspect
import json
import math
import os
import platform
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import timeit
import types
import warnings
from typing import Any, Callable

import numpy as np

# Use the working copy of tangent_like even when it is not installed.
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

try:
    import tangent_like as tl
    if not callable(getattr(tl, "grad", None)):
        raise ImportError("tangent_like has no grad() (is the core written yet?)")
    TL_ERROR = None
except Exception as exc:  # the core may not exist yet, or may be broken
    tl = None
    TL_ERROR = f"{type(exc).__name__}: {exc}"

try:
    import autograd
    import autograd.numpy as anp
except Exception:
    autograd = anp = None

try:
    import torch
    # One intra-op thread, as NumPy's elementwise code: with torch's default
    # (one per core) small operations were 10-20x slower in some processes
    # on a 2-core VM.
    torch.set_num_threads(1)
except Exception:
    torch = None

try:
    import numba
except Exception:
    numba = None

# jax is only imported by the worker subprocesses (--jax-worker), which run
# jax.jit under a wall-clock budget; this process only needs to know it exists.
HAVE_JAX = importlib.util.find_spec("jax") is not None
JAX_TIMEOUT = 60.0         # seconds of jit compilation per case (--jax-timeout)
JAX_TIMEOUT_QUICK = 15.0

TARGET_GRAD_OVER_HAND = 1.25
TARGET_FIRST_CALL = 0.100  # seconds


# ===========================================================================
# (a) scalar loop, n = 1000, gradient w.r.t. the Python float x
# ===========================================================================

def scalar_loop_math(x, n):
    for i in range(n):
        x = math.sin(x) * x + 0.5 * math.cos(x * i * 1e-3)
    return x


def scalar_loop_math_adjoint(x, n):
    xs = []
    for i in range(n):
        xs.append(x)
        x = math.sin(x) * x + 0.5 * math.cos(x * i * 1e-3)
    bx = 1.0
    for i in range(n - 1, -1, -1):
        x = xs[i]
        c = i * 1e-3
        bx *= math.cos(x) * x + math.sin(x) - 0.5 * c * math.sin(x * c)
    return bx


def scalar_loop_np(x, n):
    for i in range(n):
        x = np.sin(x) * x + 0.5 * np.cos(x * i * 1e-3)
    return x


def scalar_loop_np_adjoint(x, n):
    xs = []
    for i in range(n):
        xs.append(x)
        x = np.sin(x) * x + 0.5 * np.cos(x * i * 1e-3)
    bx = 1.0
    for i in range(n - 1, -1, -1):
        x = xs[i]
        c = i * 1e-3
        bx *= np.cos(x) * x + np.sin(x) - 0.5 * c * np.sin(x * c)
    return bx


# ===========================================================================
# (b) Lotka-Volterra, RK4, 1000 steps of dt = 0.01, state starts at (1, 1);
#     loss = final x + final y, gradient w.r.t. the 4 parameters
# ===========================================================================

def lv_rhs(x, y, alpha, beta, delta, gamma):
    dx = alpha * x - beta * x * y
    dy = delta * x * y - gamma * y
    return dx, dy


def lotka_volterra(alpha, beta, delta, gamma, n, dt):
    x = 1.0
    y = 1.0
    for _ in range(n):
        k1x, k1y = lv_rhs(x, y, alpha, beta, delta, gamma)
        k2x, k2y = lv_rhs(x + 0.5 * dt * k1x, y + 0.5 * dt * k1y,
                          alpha, beta, delta, gamma)
        k3x, k3y = lv_rhs(x + 0.5 * dt * k2x, y + 0.5 * dt * k2y,
                          alpha, beta, delta, gamma)
        k4x, k4y = lv_rhs(x + dt * k3x, y + dt * k3y,
                          alpha, beta, delta, gamma)
        x = x + dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
        y = y + dt / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)
    return x + y


def lotka_volterra_adjoint(alpha, beta, delta, gamma, n, dt):
    # Forward sweep: the same RK4 steps, saving the 4 stage points per step.
    h = 0.5 * dt
    x = 1.0
    y = 1.0
    tape = []
    for _ in range(n):
        k1x, k1y = lv_rhs(x, y, alpha, beta, delta, gamma)
        x2 = x + h * k1x
        y2 = y + h * k1y
        k2x, k2y = lv_rhs(x2, y2, alpha, beta, delta, gamma)
        x3 = x + h * k2x
        y3 = y + h * k2y
        k3x, k3y = lv_rhs(x3, y3, alpha, beta, delta, gamma)
        x4 = x + dt * k3x
        y4 = y + dt * k3y
        k4x, k4y = lv_rhs(x4, y4, alpha, beta, delta, gamma)
        tape.append((x, y, x2, y2, x3, y3, x4, y4))
        x = x + dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x)
        y = y + dt / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y)

    # Reverse sweep.  bx, by: adjoints of the state; for a stage point (xs, ys)
    # with adjoint (gx, gy) of k = lv_rhs(xs, ys):
    #   d alpha += gx*xs, d beta -= gx*xs*ys, d delta += gy*xs*ys, d gamma -= gy*ys
    #   adjoint of xs = gx*(alpha - beta*ys) + gy*delta*ys
    #   adjoint of ys = gy*(delta*xs - gamma) - gx*beta*xs
    w1 = dt / 6.0
    w2 = dt / 3.0
    bx = 1.0
    by = 1.0
    ba = bb = bd = bg = 0.0
    for i in range(n - 1, -1, -1):
        x1, y1, x2, y2, x3, y3, x4, y4 = tape[i]
        # stage 4: k4 enters the update with weight dt/6
        gx = w1 * bx
        gy = w1 * by
        xy = x4 * y4
        ba += gx * x4
        bb -= gx * xy
        bd += gy * xy
        bg -= gy * y4
        b4x = gx * (alpha - beta * y4) + gy * delta * y4
        b4y = gy * (delta * x4 - gamma) - gx * beta * x4
        # stage 3: weight dt/3, and x4 = x + dt*k3
        gx = w2 * bx + dt * b4x
        gy = w2 * by + dt * b4y
        xy = x3 * y3
        ba += gx * x3
        bb -= gx * xy
        bd += gy * xy
        bg -= gy * y3
        b3x = gx * (alpha - beta * y3) + gy * delta * y3
        b3y = gy * (delta * x3 - gamma) - gx * beta * x3
        # stage 2: weight dt/3, and x3 = x + dt/2*k2
        gx = w2 * bx + h * b3x
        gy = w2 * by + h * b3y
        xy = x2 * y2
        ba += gx * x2
        bb -= gx * xy
        bd += gy * xy
        bg -= gy * y2
        b2x = gx * (alpha - beta * y2) + gy * delta * y2
        b2y = gy * (delta * x2 - gamma) - gx * beta * x2
        # stage 1: weight dt/6, and x2 = x + dt/2*k1
        gx = w1 * bx + h * b2x
        gy = w1 * by + h * b2y
        xy = x1 * y1
        ba += gx * x1
        bb -= gx * xy
        bd += gy * xy
        bg -= gy * y1
        b1x = gx * (alpha - beta * y1) + gy * delta * y1
        b1y = gy * (delta * x1 - gamma) - gx * beta * x1
        # every stage point and the update depend on x directly
        bx = bx + b1x + b2x + b3x + b4x
        by = by + b1y + b2y + b3y + b4y
    return ba, bb, bd, bg


# ===========================================================================
# (c) Rosenbrock on a 1000-vector, gradient w.r.t. x
# ===========================================================================

def rosenbrock_loop(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def rosenbrock_loop_adjoint(x):
    # x is never overwritten, so nothing needs saving: one loop suffices.
    g = np.zeros_like(x)
    for i in range(x.shape[0] - 1):
        xi = x[i]
        t = x[i + 1] - xi ** 2
        g[i] += -400.0 * t * xi - 2.0 * (1 - xi)
        g[i + 1] += 200.0 * t
    return g


def rosenbrock_vec(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_vec_adjoint(x):
    a = x[:-1]
    t = x[1:] - a ** 2
    g = np.zeros_like(x)
    g[:-1] = -400.0 * t * a - 2.0 * (1 - a)
    g[1:] += 200.0 * t
    return g


# ===========================================================================
# (d) an elementwise function of a vector, summed; gradient w.r.t. x
# ===========================================================================

def vector_sum(x):
    return np.sum(np.tanh(x) * x + np.exp(-x ** 2))


def vector_sum_adjoint(x):
    # d/dx [tanh(x) x + exp(-x^2)] = tanh(x) + x (1 - tanh(x)^2) - 2 x exp(-x^2),
    # in place: 3 arrays, 9 ufunc passes over x.
    t = np.tanh(x)
    g = t * t
    np.subtract(1.0, g, g)
    g *= x
    g += t
    e = x * x
    np.negative(e, e)
    np.exp(e, e)
    e *= x
    e *= 2.0
    g -= e
    return g


# ===========================================================================
# (e) a 2-layer MLP, mean squared error on a batch of 64;
#     gradient w.r.t. the weights and biases
# ===========================================================================

def mlp_loss(W1, b1, W2, b2, X, y):
    h = np.tanh(X @ W1 + b1)
    pred = h @ W2 + b2
    return np.mean((pred - y) ** 2)


def mlp_loss_adjoint(W1, b1, W2, b2, X, y):
    h = X @ W1
    h += b1
    np.tanh(h, h)
    r = h @ W2
    r += b2
    r -= y
    r *= 2.0 / y.size                 # adjoint of the prediction
    dz = r @ W2.T                     # adjoint of h ...
    t = h * h
    np.subtract(1.0, t, t)
    dz *= t                           # ... and of X @ W1 + b1
    return X.T @ dz, dz.sum(axis=0), h.T @ r, r.sum(axis=0)


# ===========================================================================
# Cases
# ===========================================================================

@dataclasses.dataclass
class Case:
    name: str
    description: str
    f: Callable
    adjoint: Callable          # hand-written gradient, same shape of result as tl.grad
    args: tuple
    wrt: int | tuple
    helpers: tuple = ()        # module-level functions f calls (re-created with f)
    check_args: tuple = ()     # more argument tuples, used only for checking
    fd_at_args: bool = True    # finite differences also at args (not just check_args)

    def all_check_args(self) -> list[tuple]:
        """Where gradients must agree with the hand-written adjoint."""
        return [self.args, *self.check_args]

    def fd_check_args(self) -> list[tuple]:
        """Where finite differences are meaningful (not at underflow)."""
        return ([self.args] if self.fd_at_args else []) + list(self.check_args)


# The scalar loop contracts: d x_n / d x_0 shrinks ~0.6x per step and
# underflows to exactly 0.0 near step 724, so at n = 1000 any gradient that is
# ~0 would "agree".  Its gradients are therefore also checked at n = 10 and 12
# (gradients ~1e-2, well within reach of finite differences, which are only
# done there: at n = 1000 they would only measure rounding noise).

def case_scalar_math(n: int = 1000, name: str = "scalar_math") -> Case:
    return Case(name, f"scalar loop n={n}, math.sin/math.cos",
                scalar_loop_math, scalar_loop_math_adjoint, (0.3, n), 0,
                check_args=((0.3, 10), (-0.7, 12)), fd_at_args=False)


def case_scalar_math_1e4() -> Case:
    return case_scalar_math(10_000, "scalar_math_1e4")


def case_scalar_np() -> Case:
    return Case("scalar_np", "scalar loop n=1000, np.sin/np.cos on floats",
                scalar_loop_np, scalar_loop_np_adjoint, (0.3, 1000), 0,
                check_args=((0.3, 10), (-0.7, 12)), fd_at_args=False)


def case_lotka_volterra() -> Case:
    return Case("lotka_volterra_rk4", "RK4, 1000 steps, grad w.r.t. 4 params",
                lotka_volterra, lotka_volterra_adjoint,
                (1.1, 0.4, 0.1, 0.4, 1000, 0.01), (0, 1, 2, 3),
                helpers=(lv_rhs,), check_args=((0.9, 0.6, 0.3, 0.7, 300, 0.02),))


def _rosenbrock_point() -> np.ndarray:
    return np.random.default_rng(0).uniform(-1.5, 1.5, 1000)


def case_rosenbrock_loop() -> Case:
    return Case("rosenbrock_loop", "Rosenbrock, 1000-vector, element loop",
                rosenbrock_loop, rosenbrock_loop_adjoint,
                (_rosenbrock_point(),), 0)


def case_rosenbrock_vec() -> Case:
    return Case("rosenbrock_vec", "Rosenbrock, 1000-vector, vectorized",
                rosenbrock_vec, rosenbrock_vec_adjoint,
                (_rosenbrock_point(),), 0)


def case_vector_sum(n: int, name: str) -> Case:
    # Finite differences at 1e6 points would take hours: past 1e3 they are done
    # on a 50-vector instead (the hand-written adjoint is compared at both).
    x = np.random.default_rng(1).normal(size=n)
    small = (np.random.default_rng(2).normal(size=50),)
    return Case(name, f"np.sum(np.tanh(x) * x + np.exp(-x ** 2)), x of {n:.0e} floats",
                vector_sum, vector_sum_adjoint, (x,), 0,
                check_args=(small,), fd_at_args=n <= 1000)


def case_vector_sum_1e3() -> Case:
    return case_vector_sum(1000, "vector_sum_1e3")


def case_vector_sum_1e6() -> Case:
    return case_vector_sum(1_000_000, "vector_sum_1e6")


def _mlp_point(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(32, 64)) / np.sqrt(32), 0.1 * rng.normal(size=64),
            rng.normal(size=(64, 1)) / 8.0, 0.1 * rng.normal(size=1),
            rng.normal(size=(64, 32)), rng.normal(size=(64, 1)))


def case_mlp_loss() -> Case:
    return Case("mlp_loss", "MLP 32-64-1, tanh, MSE, batch 64, grad w.r.t. W1, b1, W2, b2",
                mlp_loss, mlp_loss_adjoint, _mlp_point(0), (0, 1, 2, 3),
                check_args=(_mlp_point(1),))


CASES = [case_scalar_np, case_scalar_math, case_scalar_math_1e4,
         case_vector_sum_1e3, case_vector_sum_1e6, case_mlp_loss,
         case_lotka_volterra, case_rosenbrock_loop, case_rosenbrock_vec]


# ===========================================================================
# Helpers: fresh copies of functions, timing, comparisons
# ===========================================================================

_FRESH_DIR = tempfile.TemporaryDirectory(prefix="tl_bench_")
_fresh_count = 0


def fresh_module(case: Case, **overrides: Any) -> types.ModuleType:
    """A brand-new module holding a copy of ``case.f`` and its helpers.

    The copy is written to a real file so ``inspect.getsource`` works on it,
    and its code objects are new, so no cache keyed on the function object,
    its code or its file can know it.  ``overrides`` replace module globals
    (used to point ``np``/``math`` at autograd or torch for the peers).
    """
    global _fresh_count
    _fresh_count += 1
    name = f"_tl_bench_fresh_{_fresh_count}"
    parts = ["import math", "import numpy as np", ""]
    for fn in (*case.helpers, case.f):
        parts.append(textwrap.dedent(inspect.getsource(fn)))
    path = os.path.join(_FRESH_DIR.name, name + ".py")
    with open(path, "w") as fh:
        fh.write("\n\n".join(parts))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    for key, value in overrides.items():
        setattr(module, key, value)
    return module


# A function whose single call takes longer than this (a slow peer: autograd
# on 10,000 scalar steps takes over a second) is timed SLOW_REPEATS times, the
# calibrating call included, instead of ``repeat`` times.
SLOW_CALL = 0.25   # seconds
SLOW_REPEATS = 3


def calibrated_timer(fn: Callable[[], Any],
                     target: float) -> tuple[timeit.Timer, int, float]:
    """A timeit.Timer for fn, the number of calls that takes ~target s, and the
    time per call of the last calibrating run."""
    timer = timeit.Timer(fn)  # timeit turns the garbage collector off
    number = 1
    elapsed = timer.timeit(number)
    while elapsed < 0.2 * target:
        number *= 10 if elapsed * 10 < 0.2 * target else 2
        elapsed = timer.timeit(number)
    return timer, max(1, round(number * target / elapsed)), elapsed / number


def best_times(fns: dict[str, Callable[[], Any]], target: float,
               repeat: int) -> tuple[dict[str, float], float]:
    """Seconds per call of each fn: the minimum over ``repeat`` repeats of N
    calls, N chosen so one repeat takes about ``target`` seconds.

    The repeats are interleaved (f, grad, hand, f, grad, hand, ...), so a slow
    spell of the machine (common on shared VMs) hits all of them alike and the
    ratios stay meaningful.  A function slower than SLOW_CALL per call gets
    SLOW_REPEATS single calls (its calibrating call is the first), spread over
    the first rounds.  Also returns the spread: the largest median/min over the
    functions, a hint of how noisy the machine was.
    """
    timers, samples, rounds = {}, {}, {}
    for name, fn in fns.items():
        timer, number, per_call = calibrated_timer(fn, target)
        timers[name] = timer, number
        slow = per_call > SLOW_CALL
        samples[name] = [per_call] if slow else []
        rounds[name] = min(repeat, SLOW_REPEATS) if slow else repeat
    for _ in range(repeat):
        for name, (timer, number) in timers.items():
            if len(samples[name]) < rounds[name]:
                samples[name].append(timer.timeit(number) / number)
    best = {name: min(ts) for name, ts in samples.items()}
    spread = max(float(np.median(ts)) / min(ts) for ts in samples.values())
    return best, spread


def as_list(grad: Any, wrt: int | tuple) -> list[np.ndarray]:
    items = list(grad) if isinstance(wrt, tuple) else [grad]
    return [np.asarray(g, dtype=float) for g in items]


def rel_error(got: Any, ref: Any, wrt: int | tuple) -> float:
    """max |got - ref| / max(|ref|), over all gradient components."""
    got_l, ref_l = as_list(got, wrt), as_list(ref, wrt)
    if len(got_l) != len(ref_l):
        return math.inf
    err = scale = 0.0
    for a, b in zip(got_l, ref_l):
        if a.shape != b.shape:
            return math.inf
        err = max(err, float(np.max(np.abs(a - b))))
        scale = max(scale, float(np.max(np.abs(b))))
    return err / scale if scale > 0 else err


def agrees(got: Any, ref: Any, wrt: int | tuple) -> bool:
    """np.allclose per gradient, with atol relative to the largest reference
    component, so that tiny (or exactly zero) gradients are not waved through."""
    got_l, ref_l = as_list(got, wrt), as_list(ref, wrt)
    if len(got_l) != len(ref_l):
        return False
    scale = max(float(np.max(np.abs(b), initial=0.0)) for b in ref_l)
    return all(a.shape == b.shape and np.allclose(a, b, rtol=1e-6, atol=1e-9 * scale)
               for a, b in zip(got_l, ref_l))


def agrees_everywhere(grad: Callable, case: Case) -> bool:
    """grad agrees with the hand-written adjoint at every check point."""
    return all(agrees(grad(*a), case.adjoint(*a), case.wrt)
               for a in case.all_check_args())


def describe_args(args: tuple) -> str:
    return ", ".join(f"array{np.shape(a)}" if np.ndim(a) else repr(a) for a in args)


def finite_differences(f: Callable, args: tuple, wrt: int | tuple) -> Any:
    """Gradient of a scalar f w.r.t. the arguments wrt by the 5-point central
    stencil (f(x-2h) - 8f(x-h) + 8f(x+h) - f(x+2h)) / 12h, h = 1e-4*max(1,|x|);
    its error is O(h^4), ~1e-10 relative on these cases."""
    result = []
    for k in (wrt if isinstance(wrt, tuple) else (wrt,)):
        base = args[k]

        def f_at(value, k=k):
            return float(f(*args[:k], value, *args[k + 1:]))

        def derivative(x0, moved):       # moved(dx) -> the argument moved by dx
            h = 1e-4 * max(1.0, abs(float(x0)))
            return (f_at(moved(-2 * h)) - 8 * f_at(moved(-h))
                    + 8 * f_at(moved(h)) - f_at(moved(2 * h))) / (12 * h)

        if np.ndim(base) == 0:
            result.append(derivative(base, lambda dx: base + dx))
        else:
            arr = np.array(base, dtype=float)
            grad = np.empty_like(arr)
            for idx in np.ndindex(arr.shape):
                def moved(dx, idx=idx):
                    copy = arr.copy()
                    copy[idx] += dx
                    return copy
                grad[idx] = derivative(arr[idx], moved)
            result.append(grad)
    return tuple(result) if isinstance(wrt, tuple) else result[0]


# ---------------------------------------------------------------------------
# Peers: the case's own source, with np/math pointed at the peer's functions
# ---------------------------------------------------------------------------

def autograd_gradient(case: Case) -> Callable:
    mod = fresh_module(case, np=anp, math=anp)
    return autograd.grad(getattr(mod, case.f.__name__), case.wrt)


def torch_gradient(case: Case) -> Callable:
    shim = types.SimpleNamespace(sin=torch.sin, cos=torch.cos, tanh=torch.tanh,
                                 exp=torch.exp, sum=torch.sum, mean=torch.mean)
    f = getattr(fresh_module(case, np=shim, math=shim), case.f.__name__)
    wrt = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)

    def grad(*args):
        # Arrays become tensors sharing their memory (torch.from_numpy, no
        # copy), as a torch user's data would already be tensors; scalars
        # that are differentiated become 0-d float64 tensors.
        args = [torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args]
        leaves = []
        for k in wrt:
            leaf = args[k]
            if isinstance(leaf, torch.Tensor):
                leaf = leaf.detach().requires_grad_(True)
            else:
                leaf = torch.tensor(float(leaf), dtype=torch.float64, requires_grad=True)
            args[k] = leaf
            leaves.append(leaf)
        grads = torch.autograd.grad(f(*args), leaves)
        out = tuple(g.numpy() for g in grads)
        return out if isinstance(case.wrt, tuple) else out[0]

    return grad


PEERS: dict[str, Callable[[Case], Callable] | None] = {
    "autograd": autograd_gradient if autograd is not None else None,
    "torch": torch_gradient if torch is not None else None,
}


def numba_jitted(func: Callable, helpers: tuple = ()) -> Callable:
    """``func`` compiled by numba (lazily, at its first call), reading numba
    versions of ``helpers``."""
    scope = dict(func.__globals__)
    scope.update({h.__name__: numba.njit(h) for h in helpers})
    return numba.njit(types.FunctionType(func.__code__, scope, func.__name__))


def numba_functions(case: Case) -> tuple[Callable, Callable, bool, bool]:
    """The numba column's pair: ``tl.grad(f, backend="numba")`` and the
    hand-written adjoint compiled by numba, both called once (compiled).
    Also whether tangent_like fell back to running Python code, and whether
    its gradient agrees with the hand-written adjoint.  Raises if numba
    does not compile the hand-written adjoint."""
    hand = numba_jitted(case.adjoint, case.helpers)
    hand(*case.args)
    fallback_warning = getattr(tl, "NumbaFallbackWarning", Warning)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = tl.grad(case.f, wrt=case.wrt, backend="numba")
        g(*case.args)
    fell_back = any(issubclass(w.category, fallback_warning) for w in caught)
    return g, hand, fell_back, agrees_everywhere(g, case)


# ---------------------------------------------------------------------------
# jax.jit(jax.grad(f)), in a subprocess with a wall-clock budget for compiling
# ---------------------------------------------------------------------------

# One intra-op thread and the CPU platform only, like the other columns.
JAX_ENV = {"JAX_PLATFORMS": "cpu",
           "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"}


def jax_worker(name: str, target: float, repeat: int, timeout: float) -> int:
    """The subprocess's side (``--jax-worker NAME``): jit-compile the gradient of
    the case's source with np/math pointed at jax.numpy, then time it against f
    (interleaved, in this process) and compare it with the hand-written adjoint.
    Prints one JSON object per line as results come: compile, times, ok.  Each
    of the two compiling steps (the timed point, then the check points) gets
    ``timeout`` seconds: SIGALRM, left at its default action, ends the process
    even inside XLA's compiler."""
    def emit(**fields):
        print(json.dumps(fields), flush=True)

    case = {c.name: c for c in (make() for make in CASES)}[name]
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)
        f = getattr(fresh_module(case, np=jnp, math=jnp), case.f.__name__)
        wrt = case.wrt if isinstance(case.wrt, tuple) else (case.wrt,)
        # Python scalars that are not differentiated (loop counts, step sizes)
        # are compile-time constants: range(n) needs n concrete.
        static = tuple(k for k, a in enumerate(case.args)
                       if k not in wrt and not isinstance(a, np.ndarray))
        grad = jax.jit(jax.grad(f, argnums=case.wrt), static_argnums=static)

        def on_device(args):      # arrays moved to jax once, outside the timing
            return tuple(jnp.asarray(a) if isinstance(a, np.ndarray) else a for a in args)

        def call(args):
            return jax.block_until_ready(grad(*args))

        args = on_device(case.args)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(max(1, math.ceil(timeout)))
        start = time.perf_counter()
        first = call(args)
        compile_time = time.perf_counter() - start
        signal.alarm(0)
        emit(compile=compile_time)
        ok = agrees(first, case.adjoint(*case.args), case.wrt)
        times, spread = best_times({"f": lambda: case.f(*case.args),
                                    "jax": lambda: call(args)}, target, repeat)
        emit(t_f=times["f"], t_jax=times["jax"], spread=spread)
        signal.alarm(max(1, math.ceil(timeout)))
        for more in case.check_args:
            ok = ok and agrees(call(on_device(more)), case.adjoint(*more), case.wrt)
        signal.alarm(0)
        emit(ok=bool(ok))
    except Exception as exc:
        emit(error=f"{type(exc).__name__}: {exc}".splitlines()[0][:300])
    return 0


@dataclasses.dataclass
class JaxResult:
    cell: str = "n/a"
    t_jax: float | None = None
    t_f: float | None = None            # f timed in the subprocess, next to jax
    compile_time: float | None = None
    spread: float = 1.0
    error: str | None = None


def jax_result(case: Case, quick: bool, timeout: float) -> JaxResult:
    """Run ``jax_worker`` for the case in a fresh interpreter and read what it
    printed.  The cell is t_jax / t_f with the compile time in parentheses."""
    command = [sys.executable, os.path.abspath(__file__), "--jax-worker", case.name,
               "--jax-timeout", repr(timeout)] + (["--quick"] if quick else [])
    env = dict(os.environ, **JAX_ENV)
    try:
        proc = subprocess.run(command, capture_output=True, text=True, env=env,
                              timeout=3 * timeout + 120)
        out, err, code = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:          # a safety net only
        out, err, code = exc.stdout or "", exc.stderr or "", "timeout"
        out = out.decode() if isinstance(out, bytes) else out
        err = err.decode() if isinstance(err, bytes) else err
    found: dict[str, Any] = {}
    for line in out.splitlines():
        try:
            found.update(json.loads(line))
        except ValueError:
            pass
    result = JaxResult(compile_time=found.get("compile"), t_jax=found.get("t_jax"),
                       t_f=found.get("t_f"), spread=found.get("spread", 1.0))
    killed = code in (-signal.SIGALRM, "timeout")
    if "error" in found:
        result.cell, result.error = "error", found["error"]
    elif result.compile_time is None and killed:
        result.cell = f"> {timeout:.0f} s compile"
    elif result.t_jax is None:
        tail = (err.strip().splitlines() or ["no output"])[-1]
        result.cell, result.error = "error", f"worker exited ({code}): {tail[:300]}"
    else:
        result.cell = (f"{fmt_ratio(result.t_jax, result.t_f)}"
                       f" ({fmt_time(result.compile_time)})")
        if "ok" not in found:
            result.cell += " unchecked"
            result.error = (f"the gradient at the check points did not compile"
                            f" within {timeout:.0f} s" if killed else
                            f"worker exited ({code}) before checking")
        elif not found["ok"]:
            result.cell += " MISMATCH"
    return result


# ===========================================================================
# Running a case
# ===========================================================================

@dataclasses.dataclass
class Row:
    case: Case
    t_f: float = math.nan
    t_hand: float = math.nan
    t_grad: float | None = None
    spread: float = 1.0                 # median/min of the repeats, worst one
    first_call: float | None = None
    check: str = "n/a"
    peers: dict = dataclasses.field(default_factory=dict)   # name -> (t, ok) or str
    numba: str = "n/a"                  # the numba column's cell
    jax: JaxResult = dataclasses.field(default_factory=JaxResult)
    errors: list = dataclasses.field(default_factory=list)


def cold_first_call(case: Case, repeats: int) -> float:
    """Best of ``repeats`` cold first calls: tl.grad(f) and one g(*args) on a
    fresh copy of f (and of its helpers), with the library cache cleared."""
    best = math.inf
    for _ in range(repeats):
        f = getattr(fresh_module(case), case.f.__name__)
        clear = getattr(tl, "clear_cache", None)
        if callable(clear):
            clear()
        start = time.perf_counter()
        g = tl.grad(f, wrt=case.wrt)
        g(*case.args)
        best = min(best, time.perf_counter() - start)
    return best


def run_case(case: Case, target: float, repeat: int, cold_repeats: int,
             jax_timeout: float | None = None, quick: bool = False) -> Row:
    """Time and check one case.  The jax column, when ``jax_timeout`` is given,
    runs last, in a subprocess, so it competes with none of the timings here."""
    args = case.args
    row = Row(case)
    fns = {"f": lambda: case.f(*args), "hand": lambda: case.adjoint(*args)}

    if tl is not None:
        try:
            g = tl.grad(case.f, wrt=case.wrt)
            g(*args)                  # first call: transformation, warm-up
            row.check = "ok" if agrees_everywhere(g, case) else "MISMATCH"
            fns["grad"] = lambda: g(*args)
        except Exception as exc:
            row.check = "error"
            row.errors.append(f"tangent_like: {type(exc).__name__}: {exc}")

    peer_ok = {}
    for name, make in PEERS.items():
        if make is None:
            continue
        try:
            pg = make(case)
            peer_ok[name] = agrees_everywhere(pg, case)
            fns[name] = lambda pg=pg: pg(*args)
        except Exception as exc:
            row.peers[name] = "error"
            row.errors.append(f"{name}: {type(exc).__name__}: {exc}")

    numba_flags = None
    if numba is not None and tl is not None:
        try:
            nb_grad, nb_hand, fell_back, nb_ok = numba_functions(case)
            fns["numba grad"] = lambda: nb_grad(*args)
            fns["numba hand"] = lambda: nb_hand(*args)
            numba_flags = fell_back, nb_ok
        except Exception as exc:
            first_line = (str(exc).strip().splitlines() or [""])[0][:200]
            row.errors.append(f"numba: n/a: {type(exc).__name__}: {first_line}")

    times, row.spread = best_times(fns, target, repeat)
    row.t_f, row.t_hand, row.t_grad = times["f"], times["hand"], times.get("grad")
    for name, ok in peer_ok.items():
        row.peers[name] = (times[name], ok)
    if numba_flags is not None:
        fell_back, nb_ok = numba_flags
        row.numba = (fmt_ratio(times["numba grad"], times["numba hand"])
                     + (" (Python)" if fell_back else "") + ("" if nb_ok else " MISMATCH"))
        if fell_back:
            row.errors.append('numba: tl.grad(backend="numba") ran the gradient as'
                              " Python code (NumbaFallbackWarning)")

    if "grad" in fns:
        try:
            row.first_call = cold_first_call(case, cold_repeats)
        except Exception as exc:
            row.errors.append(f"tangent_like, cold first call: {type(exc).__name__}: {exc}")

    if jax_timeout is not None:
        row.jax = jax_result(case, quick, jax_timeout)
        if row.jax.error:
            row.errors.append(f"jax: {row.jax.error}")
    return row


# ===========================================================================
# Output
# ===========================================================================

def fmt_time(t: float | None) -> str:
    if t is None:
        return "n/a"
    if t < 1e-3:
        return f"{t * 1e6:.1f} us"
    if t < 1.0:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


def fmt_ratio(num: float | None, den: float | None) -> str:
    if num is None or den is None:
        return "n/a"
    r = num / den
    return f"{r:.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 10 else f"{r:.2f}x"


def table_cells(row: Row) -> list[str]:
    cells = [row.case.name, fmt_time(row.t_f), fmt_time(row.t_grad),
             fmt_time(row.t_hand), fmt_ratio(row.t_grad, row.t_hand),
             fmt_ratio(row.t_grad, row.t_f), fmt_ratio(row.t_hand, row.t_f),
             fmt_time(row.first_call)]
    for name in PEERS:
        peer = row.peers.get(name)
        if peer is None:
            cells.append("n/a")
        elif isinstance(peer, str):
            cells.append(peer)
        else:
            t, ok = peer
            cells.append(fmt_ratio(t, row.t_f) + ("" if ok else " MISMATCH"))
    cells += [row.jax.cell, row.numba, row.check]
    return cells


HEADERS = (["case", "t_f", "t_grad", "t_hand", "grad/hand", "grad/f",
            "hand/f", "first call"] + [f"{p}/f" for p in PEERS]
           + ["jax.jit/f (compile)", "numba grad/hand", "check"])


def render_table(headers: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(headers) + " |",
                 "|" + "|".join([":---"] + ["---:"] * (len(headers) - 1)) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(x) for x in col) for col in zip(headers, *rows)]

    def line(cells):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(headers), line(["-" * w for w in widths])]
                     + [line(r) for r in rows])


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except Exception:
        return "?"


def header_lines(target: float, repeat: int) -> list[str]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    if tl is None:
        lib = f"tangent_like: not importable ({TL_ERROR})"
    else:
        version = getattr(tl, "__version__", "(no __version__)")
        cache = "tl.clear_cache()" if callable(getattr(tl, "clear_cache", None)) \
            else "fresh copies of f (no tl.clear_cache)"
        where = os.path.dirname(getattr(tl, "__file__", None) or "?")
        lib = (f"tangent_like {version} from {where};"
               f" cold first call via {cache}")
    peers = ", ".join(
        f"{name} {package_version(name)}" if present else f"{name} n/a"
        for name, present in (("autograd", autograd is not None),
                              ("torch", torch is not None), ("jax", HAVE_JAX),
                              ("numba", numba is not None)))
    return [
        f"python {platform.python_version()} ({platform.python_implementation()}),"
        f" numpy {np.__version__}, {platform.system()} {platform.machine()}",
        f"cores: {os.cpu_count()} (usable by this process: {usable})",
        lib,
        f"peers: {peers}",
        f"timing: min over {repeat} repeats of N calls, N chosen so a repeat takes"
        f" ~{target * 1e3:.0f} ms; gc off while timing",
        f"targets: grad/hand <= {TARGET_GRAD_OVER_HAND}, first call"
        f" < {TARGET_FIRST_CALL * 1e3:.0f} ms",
    ]


def library_warmup() -> str | None:
    """Time the process's first transformation, of a trivial function, so that
    one-time library start-up costs don't land in the first case's column."""
    if tl is None:
        return None
    src = "def _warmup(x):\n    return x * x + 1.0\n"
    path = os.path.join(_FRESH_DIR.name, "_tl_bench_warmup.py")
    with open(path, "w") as fh:
        fh.write(src)
    spec = importlib.util.spec_from_file_location("_tl_bench_warmup", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["_tl_bench_warmup"] = module
    spec.loader.exec_module(module)
    try:
        start = time.perf_counter()
        tl.grad(module._warmup, wrt=0)(3.0)
        return fmt_time(time.perf_counter() - start)
    except Exception as exc:
        return f"failed ({type(exc).__name__}: {exc})"


# ===========================================================================
# --check: finite differences
# ===========================================================================

def run_checks(cases: list[Case], markdown: bool) -> int:
    """Compare the hand-written adjoints (and tl.grad, when importable) with
    central finite differences.  Returns the number of failures."""
    tol = 1e-7
    headers = ["case", "at", "max|fd|", "hand vs FD", "tl.grad vs FD", "result"]
    rows, failures = [], 0
    for case in cases:
        g = None
        if tl is not None:
            try:
                g = tl.grad(case.f, wrt=case.wrt)
            except Exception as exc:
                g = exc
        for args in case.fd_check_args():
            fd = finite_differences(case.f, args, case.wrt)
            scale = max(float(np.max(np.abs(v))) for v in as_list(fd, case.wrt))
            hand_err = rel_error(case.adjoint(*args), fd, case.wrt)
            ok = hand_err < tol
            tl_cell = "n/a"
            if g is not None:
                try:
                    if isinstance(g, Exception):
                        raise g
                    tl_err = rel_error(g(*args), fd, case.wrt)
                    tl_cell = f"{tl_err:.1e}"
                    ok = ok and tl_err < tol
                except Exception as exc:
                    tl_cell = f"error: {type(exc).__name__}"
                    ok = False
            failures += not ok
            rows.append([case.name, describe_args(args), f"{scale:.2g}",
                         f"{hand_err:.1e}", tl_cell, "ok" if ok else "FAIL"])
    print(f"relative error max|g - fd| / max|fd| against 5-point central"
          f" differences; tolerance {tol:g}")
    print(render_table(headers, rows, markdown))
    return failures


# ===========================================================================
# main
# ===========================================================================

def parse_options(description, check_help, argv=None, more_options=None):
    """The options every benchmark script takes (--quick, --case, --markdown, --check);
    ``more_options(parser)`` adds a script's own."""
    parser = argparse.ArgumentParser(description=description)
    if more_options is not None:
        more_options(parser)
    parser.add_argument("--quick", action="store_true",
                        help="3 repeats of ~10 ms instead of 7 of ~50 ms")
    parser.add_argument("--case", action="append", metavar="NAME",
                        help="run only this case (may be given several times)")
    parser.add_argument("--markdown", action="store_true",
                        help="print the table as Markdown")
    parser.add_argument("--check", action="store_true", help=check_help)
    return parser, parser.parse_args(argv)


def select_cases(parser, all_cases, names):
    """The cases named with --case (all when none), refusing unknown names."""
    if not names:
        return all_cases
    known = [c.name for c in all_cases]
    unknown = [n for n in names if n not in known]
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)}; choose from {', '.join(known)}")
    return [c for c in all_cases if c.name in names]


def jax_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jax-timeout", type=float, metavar="SECONDS",
                        help="budget for jax.jit to compile one case's gradient, "
                        f"default {JAX_TIMEOUT:.0f} ({JAX_TIMEOUT_QUICK:.0f} with --quick);"
                        " 0 leaves the jax column out")
    parser.add_argument("--jax-worker", metavar="NAME", help=argparse.SUPPRESS)


def main(argv: list[str] | None = None) -> int:
    parser, opts = parse_options(__doc__.split("\n\n")[0], "check the gradients against "
                                 "central finite differences instead of timing them", argv,
                                 jax_options)
    target, repeat, cold = (0.010, 3, 1) if opts.quick else (0.050, 7, 3)
    jax_timeout = opts.jax_timeout
    if jax_timeout is None:
        jax_timeout = JAX_TIMEOUT_QUICK if opts.quick else JAX_TIMEOUT
    if opts.jax_worker:
        return jax_worker(opts.jax_worker, target, repeat, jax_timeout)
    if jax_timeout <= 0 or not HAVE_JAX:
        jax_timeout = None
    cases = select_cases(parser, [make() for make in CASES], opts.case)

    bullet = "- " if opts.markdown else ""
    for line in header_lines(target, repeat):
        print(bullet + line)

    if opts.check:
        print()
        return 1 if run_checks(cases, opts.markdown) else 0

    warm = library_warmup()
    if warm is not None:
        print(f"{bullet}library warm-up (first transformation in this process,"
              f" trivial function): {warm}")
    print()

    rows = []
    for case in cases:
        print(f"running {case.name}: {case.description} ...",
              file=sys.stderr, end=" ", flush=True)
        start = time.perf_counter()
        rows.append(run_case(case, target, repeat, cold, jax_timeout, opts.quick))
        print(f"{time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    print(render_table(HEADERS, [table_cells(r) for r in rows], opts.markdown))

    notes = []
    worst = max((max(r.spread, r.jax.spread) for r in rows), default=1.0)
    if worst > 1.20:
        notes.append(f"noisy machine: a median repeat was up to {worst:.2f}x the"
                     " best one; compare ratios, not absolute times, and rerun")
    for r in rows:
        notes += [f"{r.case.name}: {e}" for e in r.errors]
        if r.t_grad is not None and r.t_grad / r.t_hand > TARGET_GRAD_OVER_HAND:
            notes.append(f"{r.case.name}: grad/hand {r.t_grad / r.t_hand:.2f}x"
                         f" misses the {TARGET_GRAD_OVER_HAND}x target")
        if r.first_call is not None and r.first_call >= TARGET_FIRST_CALL:
            notes.append(f"{r.case.name}: first call {fmt_time(r.first_call)}"
                         f" misses the {TARGET_FIRST_CALL * 1e3:.0f} ms target")
    if notes:
        print()
        for note in notes:
            print(bullet + note)
    bad = any(r.check in ("MISMATCH", "error") for r in rows)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
