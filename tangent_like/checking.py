"""Checks without differentiating: `check` lists refused constructs, `check_grad` compares
both modes with finite differences."""
import functools
import inspect

import numpy as np

from . import pipeline
from .analysis import lattice
from .api import grad, jvp
from .errors import DerivativeUsageError
from .targets import as_partial, check_function, partial_wrt, wrt_names
from .values import kinds_of, path_of, wrt_params


class CheckReport:
    """What `check` found: a list of located diagnostics (empty when `f` is supported)."""

    def __init__(self, func, diagnostics):
        self.func = func
        self.diagnostics = sorted(diagnostics, key=lambda d: (
            d.filename or "", d.lineno or 0, d.col_offset or 0))

    @property
    def ok(self):
        return not self.diagnostics

    def __bool__(self):
        return self.ok

    def __len__(self):
        return len(self.diagnostics)

    def __iter__(self):
        return iter(self.diagnostics)

    def __str__(self):
        if self.ok:
            return f"{self.func.__qualname__}: no problems found"
        n = len(self.diagnostics)
        return "\n".join(d.format() for d in self.diagnostics) + \
            f"\n{n} error{'s' if n != 1 else ''} in {self.func.__qualname__}"

    def __repr__(self):
        return f"<CheckReport {self.func.__qualname__}: {len(self.diagnostics)} problem(s)>"


def check(f, *args, wrt=0, **kwargs):
    """Every construct of `f` (and of the functions it calls) that tangent_like refuses, at
    once, without generating code.  Example arguments, when given, specialize the check to
    their kinds; otherwise arguments may be anything."""
    f = as_partial(f)
    if isinstance(f, functools.partial):     # example arguments: the bound ones too
        if args or kwargs:
            return check(f.func, *f.args, *args, wrt=partial_wrt(f, wrt),
                         **{**f.keywords, **kwargs})
        return check(f.func, wrt=partial_wrt(f, wrt))
    f = check_function(f, syntax=False)      # every refusal is reported, not just the first
    try:
        names, _ = wrt_names(f, wrt)
    except TransformError as exc:       # *args or **kwargs: located diagnostics
        return CheckReport(f, exc.diagnostics)
    sig = inspect.signature(f, follow_wrapped=False)
    if args or kwargs:
        kinds, _ = kinds_of(sig, args, kwargs)
    else:
        kinds = {name: lattice.ANY for name in sig.parameters}
    return CheckReport(f, pipeline.diagnose(f, wrt_params(names), kinds))


class GradCheck:
    """The result of `check_grad`: per argument, the gradients and their differences."""

    def __init__(self, rows, ok):
        self.rows = rows          # (argument, check, max abs error, max rel error, passed)
        self.ok = ok

    def __bool__(self):
        return self.ok

    def __str__(self):
        lines = [f"{'argument':<12} {'check':<28} {'abs err':>10} {'rel err':>10}  result"]
        for name, what, abs_err, rel_err, passed in self.rows:
            lines.append(f"{name:<12} {what:<28} {abs_err:>10.2e} {rel_err:>10.2e}  "
                         f"{'ok' if passed else 'FAIL'}")
        lines.append("all checks passed" if self.ok else "SOME CHECKS FAILED")
        return "\n".join(lines)

    __repr__ = __str__


def check_grad(f, *args, wrt=0, rtol=1e-5, atol=1e-7, eps=1e-6, seed=0, **kwargs):
    """Compare reverse mode, forward mode and central finite differences on `f(*args)`.

    For every `wrt` argument: the reverse-mode gradient against central differences, element
    by element; forward mode (``jvp``) along a random direction against the gradient dotted
    with it (a random projection) and against a central difference along that direction.
    Returns a `GradCheck` report (true when everything agrees)."""
    f = as_partial(f)
    if isinstance(f, functools.partial):
        return check_grad(f.func, *f.args, *args, wrt=partial_wrt(f, wrt), rtol=rtol,
                          atol=atol, eps=eps, seed=seed, **{**f.keywords, **kwargs})
    f = check_function(f)
    names, single = wrt_names(f, wrt)
    parts = [str(w) for w in names if path_of(w)]
    if parts:
        raise DerivativeUsageError(f"check_grad compares whole arguments, and wrt names "
                                   f"parts of arguments ({', '.join(parts)}): check the "
                                   "function with respect to the arguments they belong to")
    sig = inspect.signature(f, follow_wrapped=False)
    bound = sig.bind(*args, **kwargs)
    bound.apply_defaults()
    grads = grad(f, wrt=names)(*args, **kwargs)
    rng = np.random.default_rng(seed)
    rows, ok = [], True

    def call_with(name, value):
        b = sig.bind(*args, **kwargs)
        b.apply_defaults()
        b.arguments[name] = value
        return f(*b.args, **b.kwargs)

    def errors(got, want):
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
        abs_err = float(np.max(np.abs(got - want))) if got.size else 0.0
        scale = float(np.max(np.abs(want))) if want.size else 0.0
        return abs_err, abs_err / max(scale, 1e-300), bool(np.allclose(got, want, rtol=rtol,
                                                                      atol=atol))

    for name, g in zip(names, grads):
        x = bound.arguments[name]
        xa = np.asarray(x, dtype=np.float64)
        fd = np.zeros_like(xa)
        for i in range(xa.size):
            xp, xm = xa.copy(), xa.copy()
            xp.reshape(-1)[i] += eps
            xm.reshape(-1)[i] -= eps
            conv = (lambda v: float(v)) if xa.ndim == 0 and not isinstance(x, np.ndarray) \
                else (lambda v: v.astype(getattr(x, "dtype", np.float64)))
            fd.reshape(-1)[i] = (float(call_with(name, conv(xp)))
                                 - float(call_with(name, conv(xm)))) / (2 * eps)
        a, r, passed = errors(g, fd)
        rows.append((name, "reverse vs finite differences", a, r, passed))
        ok &= passed
        direction = rng.standard_normal(xa.shape)
        tangent = float(direction) if xa.ndim == 0 and not isinstance(x, np.ndarray) \
            else direction.astype(getattr(x, "dtype", np.float64))
        _, jv = jvp(f, tuple(bound.args), tangent, wrt=name, **bound.kwargs)
        a, r, passed = errors(jv, np.sum(np.asarray(g) * direction))
        rows.append((name, "forward vs reverse projection", a, r, passed))
        ok &= passed
        plus = xa + eps * direction
        minus = xa - eps * direction
        conv = (lambda v: float(v)) if xa.ndim == 0 and not isinstance(x, np.ndarray) \
            else (lambda v: v.astype(getattr(x, "dtype", np.float64)))
        fd_dir = (float(call_with(name, conv(plus))) - float(call_with(name, conv(minus)))) \
            / (2 * eps)
        a, r, passed = errors(jv, fd_dir)
        rows.append((name, "forward vs finite differences", a, r, passed))
        ok &= passed
    return GradCheck(rows, ok)
