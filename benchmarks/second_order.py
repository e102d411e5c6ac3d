#!/usr/bin/env python3
"""Benchmarks: tangent_like Hessians, Hessian-vector products and Jacobians vs. hand-written code.

For every case the script times, in one process (interleaved repeats, best of N,
the same method as run.py):

  t_f     the function itself
  t_tl    the tangent_like derivative (tl.hvp, tl.hessian or tl.jacobian), after
          its first call, so the transformation is not counted
  t_hand  a hand-written reference, written below next to each function in
          plain vectorized NumPy, the way an expert would write it
  first   the first call on a function never transformed before (cold cache):
          the source transformations (reverse mode, then forward mode over the
          generated gradient for Hessians) plus one evaluation
  peers   autograd and torch.func times relative to t_hand, when importable

and checks that every result agrees with the hand-written reference.

    python benchmarks/second_order.py                 # full run
    python benchmarks/second_order.py --quick         # fewer / shorter repeats
    python benchmarks/second_order.py --case hvp_mlp --markdown
    python benchmarks/second_order.py --check         # finite-difference check only

See benchmarks/README.md ("Second-order derivatives and Jacobians") for how to
read the table.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import math
import os
import sys
import time
import types
from typing import Any, Callable

import numpy as np

# run.py sits next to this file; its helpers (timing, formatting, fresh copies
# of functions, the peers' imports) are shared.  Importing it also puts the
# working copy of tangent_like first on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import (TL_ERROR, _FRESH_DIR, agrees, anp, autograd, best_times,  # noqa: E402
                 fmt_ratio, fmt_time, fresh_module, header_lines, parse_options, rel_error,
                 render_table, select_cases, tl, torch)

if tl is not None and not all(callable(getattr(tl, name, None))
                              for name in ("hvp", "hessian", "jacobian")):
    TL_ERROR = "tangent_like has no hvp/hessian/jacobian"
    tl = None

if torch is not None:
    try:
        import torch.func as torch_func
        # One intra-op thread: with torch's default (one per core) the small
        # matmuls of these cases were 10-20x slower in some processes and not in
        # others on a 2-core VM (the threads contend), so the column was noise.
        torch.set_num_threads(1)
    except Exception:
        torch = torch_func = None
else:
    torch_func = None

N_ROSEN = 100


# ===========================================================================
# (a) Rosenbrock, N = 100: Hessian-vector products and the dense Hessian
# ===========================================================================

def rosenbrock_loop(x):
    s = 0.0
    for i in range(x.shape[0] - 1):
        s += 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return s


def rosenbrock_vec(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def rosenbrock_grad(x):
    """Hand-written gradient (only used by --check, to vouch for tl.grad)."""
    a = x[:-1]
    t = x[1:] - a ** 2
    g = np.zeros_like(x)
    g[:-1] = -400.0 * t * a - 2.0 * (1 - a)
    g[1:] += 200.0 * t
    return g


# The Hessian is tridiagonal:
#   H[i, i]     = 1200 x_i^2 - 400 x_{i+1} + 2   (i < n-1)   + 200 (i > 0)
#   H[i, i+1]   = H[i+1, i] = -400 x_i

def rosenbrock_hvp(x, v):
    a = x[:-1]
    off = -400.0 * a
    hv = np.empty_like(x)
    hv[:-1] = (1200.0 * a * a - 400.0 * x[1:] + 2.0) * v[:-1] + off * v[1:]
    hv[-1] = 0.0
    hv[1:] += 200.0 * v[1:] + off * v[:-1]
    return hv


def rosenbrock_hessian(x):
    n = x.shape[0]
    a = x[:-1]
    off = -400.0 * a
    h = np.zeros((n, n))
    diag = h.reshape(-1)[::n + 1]         # views of the three diagonals
    diag[:-1] = 1200.0 * a * a - 400.0 * x[1:] + 2.0
    diag[1:] += 200.0
    h.reshape(-1)[1::n + 1] = off
    h.reshape(-1)[n::n + 1] = off
    return h


# ===========================================================================
# (b) a small MLP loss: HVP with respect to the first layer's weights
# ===========================================================================

def mlp_loss(w1, X, y, w2):
    h = np.tanh(X @ w1)
    pred = h @ w2
    return np.mean((pred - y) ** 2)


def mlp_grad(w1, X, y, w2):
    """Hand-written gradient with respect to w1 (used by --check)."""
    h = np.tanh(X @ w1)
    dpred = (2.0 / y.shape[0]) * (h @ w2 - y)
    return X.T @ ((1.0 - h * h) * np.outer(dpred, w2))


def mlp_hvp(w1, X, y, w2, v):
    # Forward over reverse by hand: mlp_grad above, differentiated along v.
    #   z = X w1, h = tanh z, s = 1 - h^2, r = h w2 - y, dp = 2r/m
    #   grad = X^T [(s * dp[:, None]) * w2]
    #   z' = X v, h' = s z', s' = -2 h h', dp' = 2 (h' w2)/m
    #   grad' = X^T [(s * dp'[:, None] + s' * dp[:, None]) * w2]
    # The first term is the Gauss-Newton part, the second the curvature of tanh.
    h = np.tanh(X @ w1)
    s = 1.0 - h * h
    dh = s * (X @ v)
    c = 2.0 / y.shape[0]
    dp = c * (h @ w2 - y)
    ddp = c * (dh @ w2)
    return X.T @ ((s * ddp[:, None] - 2.0 * h * dh * dp[:, None]) * w2)


# ===========================================================================
# (c) Jacobians: 10 outputs of 1000 inputs, and 1000 outputs of 10 inputs
# ===========================================================================

def wide(x, W):
    return W @ np.tanh(x)


def wide_jacobian(x, W):
    return W * (1.0 - np.tanh(x) ** 2)


def tall(x, A):
    return np.tanh(A @ x)


def tall_jacobian(x, A):
    return (1.0 - np.tanh(A @ x) ** 2)[:, None] * A


# ===========================================================================
# Cases
# ===========================================================================

@dataclasses.dataclass
class Case:
    name: str
    description: str
    f: Callable                 # the module-level function being differentiated
    args: tuple                 # f's arguments; the derivative is w.r.t. args[0]
    make_tl: Callable           # f -> the tangent_like derivative, called with call_args
    hand: Callable              # hand-written reference, called with call_args
    extra: tuple = ()           # appended to args for the derivative (v, for an HVP)
    peer: str | None = None     # "hvp", "hessian", "jacrev" or "jacfwd"
    grad: Callable | None = None   # hand-written gradient (HVP and Hessian cases)
    check_points: tuple = ()    # more call_args tuples where results must agree
    helpers: tuple = ()         # for run.fresh_module

    @property
    def call_args(self) -> tuple:
        return self.args + self.extra

    def all_points(self) -> list[tuple]:
        return [self.call_args, *self.check_points]

    @property
    def kind(self) -> str:
        return self.name.split("_")[0]       # hvp, hess or jac


def _rosen_x(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-1.5, 1.5, N_ROSEN)


def _rosen_v(seed: int) -> np.ndarray:
    return np.random.default_rng(seed + 100).standard_normal(N_ROSEN)


def _mlp_point(seed: int) -> tuple:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((64, 8))
    w1 = rng.standard_normal((8, 16)) / np.sqrt(8)
    w2 = rng.standard_normal(16) / np.sqrt(16)
    y = rng.standard_normal(64)
    v = rng.standard_normal((8, 16))
    return (w1, X, y, w2), v


def _hvp(f):
    return tl.hvp(f, wrt=0)


def _hessian(f):
    return tl.hessian(f, wrt=0)


def _jacobian(mode):
    def make(f):
        return tl.jacobian(f, wrt=0, mode=mode)
    make.__name__ = f"jacobian_{mode}"
    return make


def cases() -> list[Case]:
    out = []
    x, v = _rosen_x(0), _rosen_v(0)
    x2, v2 = _rosen_x(1), _rosen_v(1)
    for tag, f in (("loop", rosenbrock_loop), ("vec", rosenbrock_vec)):
        out.append(Case(f"hvp_rosen_{tag}", f"HVP, Rosenbrock N={N_ROSEN}, {tag}",
                        f, (x,), _hvp, rosenbrock_hvp, extra=(v,), peer="hvp",
                        grad=rosenbrock_grad, check_points=((x2, v2),)))
    for tag, f in (("loop", rosenbrock_loop), ("vec", rosenbrock_vec)):
        out.append(Case(f"hess_rosen_{tag}", f"dense Hessian, Rosenbrock N={N_ROSEN}, {tag}",
                        f, (x,), _hessian, rosenbrock_hessian, peer="hessian",
                        grad=rosenbrock_grad, check_points=((x2,),)))

    args, v = _mlp_point(0)
    args2, v2 = _mlp_point(1)
    out.append(Case("hvp_mlp", "HVP w.r.t. w1 (8x16), tanh MLP, X 64x8",
                    mlp_loss, args, _hvp, mlp_hvp, extra=(v,), peer="hvp",
                    grad=mlp_grad, check_points=((*args2, v2),)))

    rng = np.random.default_rng(2)
    xw, W = rng.standard_normal(1000), rng.standard_normal((10, 1000))
    xt, A = rng.standard_normal(10), rng.standard_normal((1000, 10)) / np.sqrt(10)
    rng = np.random.default_rng(3)
    wide2 = (rng.standard_normal(1000), rng.standard_normal((10, 1000)))
    tall2 = (rng.standard_normal(10), rng.standard_normal((1000, 10)) / np.sqrt(10))
    for mode, peer, note in (("reverse", "jacrev", "10 pullbacks"),
                             ("forward", "jacfwd", "1000 directions"),
                             ("auto", None, "picks reverse")):
        out.append(Case(f"jac_wide_{mode}", f"Jacobian 10x1000 of W @ tanh(x), {mode}: {note}",
                        wide, (xw, W), _jacobian(mode), wide_jacobian, peer=peer,
                        check_points=(wide2,)))
    for mode, peer, note in (("forward", "jacfwd", "10 directions"),
                             ("reverse", "jacrev", "1000 pullbacks"),
                             ("auto", None, "picks forward")):
        out.append(Case(f"jac_tall_{mode}", f"Jacobian 1000x10 of tanh(A @ x), {mode}: {note}",
                        tall, (xt, A), _jacobian(mode), tall_jacobian, peer=peer,
                        check_points=(tall2,)))
    return out


# ===========================================================================
# Peers: the same function source with np pointed at autograd.numpy / torch
# ===========================================================================

def autograd_derivative(case: Case) -> Callable | None:
    f = getattr(fresh_module(case, np=anp), case.f.__name__)
    if case.peer == "hvp":
        return autograd.hessian_vector_product(f, 0)      # (*args, v)
    if case.peer == "hessian":
        return autograd.hessian(f, 0)
    if case.peer == "jacrev":
        return autograd.jacobian(f, 0)                    # reverse mode, a vjp per output
    return None                                           # no vector forward mode


def torch_derivative(case: Case) -> Callable | None:
    """A zero-argument callable; its inputs are float64 tensors made once, here."""
    if case.peer is None:
        return None
    shim = types.SimpleNamespace(sum=torch.sum, tanh=torch.tanh, mean=torch.mean)
    f = getattr(fresh_module(case, np=shim), case.f.__name__)
    t = [torch.as_tensor(a, dtype=torch.float64) for a in case.call_args]
    if case.peer == "hvp":
        x, rest, v = t[0], t[1:-1], t[-1]
        g = torch_func.grad(lambda x: f(x, *rest))
        return lambda: torch_func.jvp(g, (x,), (v,))[1]    # forward over reverse
    op = {"hessian": torch_func.hessian, "jacrev": torch_func.jacrev,
          "jacfwd": torch_func.jacfwd}[case.peer]
    d = op(f)
    return lambda: d(*t)


def as_array(value: Any) -> np.ndarray:
    if torch is not None and isinstance(value, torch.Tensor):
        value = value.detach().numpy()
    return np.asarray(value, dtype=float)


def peer_callables(case: Case) -> dict[str, Callable | None | str]:
    """name -> zero-argument callable, None (no such operation) or "not installed"."""
    out: dict[str, Any] = {}
    if autograd is None:
        out["autograd"] = "not installed"
    else:
        d = autograd_derivative(case)
        out["autograd"] = None if d is None else (lambda d=d: d(*case.call_args))
    out["torch"] = "not installed" if torch is None else torch_derivative(case)
    return out


PEER_NAMES = ("autograd", "torch")


# ===========================================================================
# Running a case
# ===========================================================================

@dataclasses.dataclass
class Row:
    case: Case
    t_f: float = math.nan
    t_hand: float = math.nan
    t_tl: float | None = None
    spread: float = 1.0
    first_call: float | None = None
    check: str = "n/a"
    peers: dict = dataclasses.field(default_factory=dict)   # name -> (t, ok) or str
    errors: list = dataclasses.field(default_factory=list)


def agrees_at_all_points(d: Callable, case: Case) -> bool:
    return all(agrees(as_array(d(*p)), case.hand(*p), 0) for p in case.all_points())


def cold_first_call(case: Case, repeats: int) -> float:
    """Best of ``repeats`` cold first calls: make the derivative of a fresh copy of
    f (new module file, new code objects), after tl.clear_cache(), and call it once."""
    best = math.inf
    for _ in range(repeats):
        f = getattr(fresh_module(case), case.f.__name__)
        tl.clear_cache()
        start = time.perf_counter()
        case.make_tl(f)(*case.call_args)
        best = min(best, time.perf_counter() - start)
    return best


def run_case(case: Case, target: float, repeat: int, cold_repeats: int) -> Row:
    row = Row(case)
    args, call_args = case.args, case.call_args
    fns = {"f": lambda: case.f(*args), "hand": lambda: case.hand(*call_args)}

    if tl is not None:
        try:
            d = case.make_tl(case.f)
            d(*call_args)                       # first call: transformation, warm-up
            row.check = "ok" if agrees_at_all_points(d, case) else "MISMATCH"
            fns["tl"] = lambda: d(*call_args)
        except Exception as exc:
            row.check = "error"
            row.errors.append(f"tangent_like: {type(exc).__name__}: {exc}")

    peer_ok = {}
    for name, fn in peer_callables(case).items():
        if fn is None or isinstance(fn, str):
            row.peers[name] = "n/a"
            continue
        try:
            peer_ok[name] = agrees(as_array(fn()), case.hand(*call_args), 0)
            fns[name] = fn
        except Exception as exc:
            row.peers[name] = "error"
            row.errors.append(f"{name}: {type(exc).__name__}: {exc}")

    times, row.spread = best_times(fns, target, repeat)
    row.t_f, row.t_hand, row.t_tl = times["f"], times["hand"], times.get("tl")
    for name, ok in peer_ok.items():
        row.peers[name] = (times[name], ok)

    if "tl" in fns:
        try:
            row.first_call = cold_first_call(case, cold_repeats)
        except Exception as exc:
            row.errors.append(f"tangent_like, cold first call: {type(exc).__name__}: {exc}")
    return row


# ===========================================================================
# Output
# ===========================================================================

HEADERS = (["case", "t_f", "t_tl", "t_hand", "tl/hand", "tl/f", "first call"]
           + [f"{p}/hand" for p in PEER_NAMES] + ["check"])


def table_cells(row: Row) -> list[str]:
    cells = [row.case.name, fmt_time(row.t_f), fmt_time(row.t_tl), fmt_time(row.t_hand),
             fmt_ratio(row.t_tl, row.t_hand), fmt_ratio(row.t_tl, row.t_f),
             fmt_time(row.first_call)]
    for name in PEER_NAMES:
        peer = row.peers.get(name, "n/a")
        if isinstance(peer, str):
            cells.append(peer)
        else:
            t, ok = peer
            cells.append(fmt_ratio(t, row.t_hand) + ("" if ok else " MISMATCH"))
    cells.append(row.check)
    return cells


def library_warmup() -> str | None:
    """Time the process's first grad, hvp and forward Jacobian, each on a trivial
    function, so one-time start-up costs (lazy imports, rule tables) stay out of
    the first case's `first call`."""
    if tl is None:
        return None
    name = "_tl_second_order_warmup"
    path = os.path.join(_FRESH_DIR.name, name + ".py")
    with open(path, "w") as fh:
        fh.write("import numpy as np\n\n"
                 "def w_grad(x):\n    return np.sum(x * x)\n\n"
                 "def w_hvp(x):\n    return np.sum(x * x)\n\n"
                 "def w_jac(x):\n    return np.tanh(x) * 2.0\n")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    x = np.ones(3)
    parts = []
    try:
        for label, call in (("grad", lambda: tl.grad(module.w_grad)(x)),
                            ("hvp", lambda: tl.hvp(module.w_hvp)(x, x)),
                            ("jacobian forward",
                             lambda: tl.jacobian(module.w_jac, mode="forward")(x))):
            start = time.perf_counter()
            call()
            parts.append(f"{label} {fmt_time(time.perf_counter() - start)}")
    except Exception as exc:
        parts.append(f"failed ({type(exc).__name__}: {exc})")
    return ", ".join(parts)


# ===========================================================================
# --check: finite differences
# ===========================================================================

def directional_fd(g: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
                   d: np.ndarray) -> np.ndarray:
    """Derivative of g at x along d by the 5-point central stencil
    (g(x-2hd) - 8g(x-hd) + 8g(x+hd) - g(x+2hd)) / 12h, h = 1e-3*max(1,max|x|)/max|d|."""
    h = 1e-3 * max(1.0, float(np.max(np.abs(x)))) / float(np.max(np.abs(d)))
    at = [np.asarray(g(x + k * h * d), dtype=float) for k in (-2, -1, 1, 2)]
    return (at[0] - 8.0 * at[1] + 8.0 * at[2] - at[3]) / (12.0 * h)


def basis_fd(g: Callable[[np.ndarray], np.ndarray], x: np.ndarray) -> np.ndarray:
    """Jacobian of g at x, one directional difference per element of x: shape
    g(x).shape + x.shape."""
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = 1.0
        cols.append(directional_fd(g, x, e.reshape(x.shape)))
    return np.moveaxis(np.array(cols), 0, -1).reshape(np.shape(cols[0]) + x.shape)


def run_checks(case_list: list[Case], markdown: bool) -> int:
    """Compare the hand-written references (and tangent_like, when importable) with
    finite differences: of tl.grad for HVPs and Hessians, of f for Jacobians.
    Returns the number of failures."""
    tol = 1e-7
    headers = ["case", "point", "FD of", "grad vs hand grad", "max|fd|",
               "hand vs FD", "tl vs FD", "result"]
    rows, failures = [], 0
    for case in case_list:
        d = base = None
        if tl is not None:
            try:
                d = case.make_tl(case.f)
                if case.grad is not None:
                    base = tl.grad(case.f, wrt=0)
            except Exception as exc:
                d = exc
        for k, point in enumerate(case.all_points()):
            x = point[0]
            rest = point[1:len(case.args)]
            ok, grad_cell = True, "-"
            if case.grad is None:           # Jacobian: differences of f itself
                fd_of = "f"
                fd = basis_fd(lambda x: case.f(x, *rest), x)
            else:
                hand_grad = lambda x: case.grad(x, *rest)     # noqa: E731
                if base is not None:
                    fd_of = "tl.grad"
                    g = lambda x: base(x, *rest)              # noqa: E731
                    err = rel_error(g(x), hand_grad(x), 0)
                    grad_cell = f"{err:.1e}"
                    ok = err < 1e-10
                else:
                    fd_of, g = "hand grad", hand_grad
                fd = directional_fd(g, x, point[-1]) if case.kind == "hvp" \
                    else basis_fd(g, x)
            hand_err = rel_error(case.hand(*point), fd, 0)
            ok = ok and hand_err < tol
            tl_cell = "n/a"
            if d is not None:
                try:
                    if isinstance(d, Exception):
                        raise d
                    tl_err = rel_error(as_array(d(*point)), fd, 0)
                    tl_cell = f"{tl_err:.1e}"
                    ok = ok and tl_err < tol
                except Exception as exc:
                    tl_cell = f"error: {type(exc).__name__}"
                    ok = False
            failures += not ok
            rows.append([case.name, str(k), fd_of, grad_cell,
                         f"{float(np.max(np.abs(fd))):.3g}", f"{hand_err:.1e}", tl_cell,
                         "ok" if ok else "FAIL"])
    print("relative error max|r - fd| / max|fd| against 5-point central differences"
          f" (tolerance {tol:g}); tl.grad vs the hand-written gradient must be < 1e-10")
    print(render_table(headers, rows, markdown))
    return failures


# ===========================================================================
# main
# ===========================================================================

def main(argv: list[str] | None = None) -> int:
    parser, opts = parse_options(__doc__.split("\n\n")[0], "check the results against "
                                 "central finite differences instead of timing them", argv)
    case_list = select_cases(parser, cases(), opts.case)

    target, repeat, cold = (0.010, 3, 1) if opts.quick else (0.050, 7, 3)
    bullet = "- " if opts.markdown else ""
    lines = [line for line in header_lines(target, repeat)
             if not line.startswith("targets:")
             and not (tl is None and line.startswith("tangent_like"))]
    if tl is None:
        lines.insert(2, f"tangent_like: not importable ({TL_ERROR})")
    lines.append("peer operations: autograd.hessian_vector_product / hessian / jacobian;"
                 " torch.func jvp(grad) / hessian / jacrev / jacfwd"
                 + (f", torch on {torch.get_num_threads()} thread" if torch is not None else ""))
    for line in lines:
        print(bullet + line)

    if opts.check:
        print()
        return 1 if run_checks(case_list, opts.markdown) else 0

    warm = library_warmup()
    if warm is not None:
        print(f"{bullet}library warm-up (first of each in this process, trivial"
              f" functions): {warm}")
    print()

    rows = []
    for case in case_list:
        print(f"running {case.name}: {case.description} ...", file=sys.stderr, flush=True)
        rows.append(run_case(case, target, repeat, cold))
    print(render_table(HEADERS, [table_cells(r) for r in rows], opts.markdown))

    notes = []
    worst = max((r.spread for r in rows), default=1.0)
    if worst > 1.20:
        notes.append(f"noisy machine: a median repeat was up to {worst:.2f}x the"
                     " best one; compare ratios, not absolute times, and rerun")
    for r in rows:
        notes += [f"{r.case.name}: {e}" for e in r.errors]
    if notes:
        print()
        for note in notes:
            print(bullet + note)
    return 1 if any(r.check in ("MISMATCH", "error") for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
