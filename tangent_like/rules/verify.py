"""Check derivative rules numerically: every template against central finite differences.

`check_rule(rule)` evaluates the rule's primitive on sample inputs and compares

* each adjoint template (``vjp[p]``) with the finite-difference gradient of ``<g, f(...)>``
  with respect to argument ``p``, for a random cotangent ``g``;
* each tangent template (``jvp[p]``) with the finite-difference derivative of ``f`` along a
  random direction ``dp``.

Samples come from ``rule.samples`` (a function of a NumPy random generator returning a list
of argument dicts) or, for elementwise rules, from ``rule.domain`` ("any", "positive",
"unit", "gt1", "nonzero").  The same function checks user-defined rules.

A parameter whose sample value is a tuple or list of float arrays (or floats) is a sequence
parameter (``np.concatenate(arrays)``): it is checked element by element.  Its adjoint
template must return a tuple with one adjoint per element, each compared with the
finite-difference gradient with respect to that element; its tangent template receives a
tuple of per-element tangents (once all random, once with the first one the zero placeholder
``0.0`` the transformer passes for elements that carry no derivative).
"""
import math

import numpy as np

from .. import runtime
from ..syntax import nodes

_DOMAINS = {
    "any": lambda rng, shape: rng.uniform(-1.5, 1.5, shape),
    "positive": lambda rng, shape: rng.uniform(0.5, 2.0, shape),
    "unit": lambda rng, shape: rng.uniform(-0.8, 0.8, shape),
    "gt1": lambda rng, shape: rng.uniform(1.2, 3.0, shape),
    "nonzero": lambda rng, shape: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape),
}


def _value(rng, domain, shape, scalar):
    v = _DOMAINS[domain](rng, shape)
    if scalar:
        return float(v)
    return np.asarray(v, dtype=np.float64)


def default_samples(rule, rng):
    """Argument dicts for an elementwise rule from its domain(s), with broadcasting shapes."""
    domains = rule.domain if isinstance(rule.domain, dict) else {}
    params = [p for p in rule.params if p in rule.vjp or p in rule.jvp]
    scalar = rule.kind == "scalar"
    if scalar:
        shapes = [[()] * len(params)]
    elif len(params) == 1:
        shapes = [[(3,)], [(2, 3)]]
    else:
        shapes = [[(2, 3), (3,)], [(3,), ()], [(4,), (4,)]][: 3]
    out = []
    for combo in shapes:
        args = {}
        for p, shape in zip(params, combo):
            dom = domains.get(p, rule.domain if isinstance(rule.domain, str) else "any")
            args[p] = _value(rng, dom, shape, scalar or shape == ())
        out.append(args)
    return out


def _namespace():
    ns = dict(runtime.HELPERS)
    ns.update(np=np, math=math)
    return ns


def _eval(template, values, bound_nodes):
    if callable(template):
        template = template(bound_nodes)
    if template.strip() == "0.0":
        return None
    return eval(compile(nodes.unparse(nodes.parse_expr(template)), "<rule>", "eval"),
                _namespace(), dict(values))


def _call(rule, args):
    positional = [args[p] for p in rule.params if p in args]
    return rule.func(*positional)


def _bound_nodes(rule, args):
    out = {}
    for p in rule.params:
        if p in args:
            v = args[p]
            out[p] = nodes.const(v) if isinstance(v, (int, bool, type(None))) or (
                isinstance(v, float) and False) else nodes.name(p)
    return out


def _fd_grad(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)
    g = np.zeros_like(x)
    flat = g.reshape(-1)
    for i in range(x.size):
        xp, xm = x.copy(), x.copy()
        xp.reshape(-1)[i] += eps
        xm.reshape(-1)[i] -= eps
        flat[i] = (f(xp) - f(xm)) / (2 * eps)
    return g


def check_rule(rule, samples=None, rtol=1e-5, atol=1e-7, seed=0):
    """Raise AssertionError when a template of `rule` disagrees with finite differences.

    Returns the number of (template, sample) pairs checked."""
    rng = np.random.default_rng(seed)
    if samples is None:
        samples = rule.samples(rng) if rule.samples else default_samples(rule, rng)
    checked = 0
    for args in samples:
        y = _call(rule, args)
        bound = _bound_nodes(rule, args)
        for p, x in args.items():
            if _is_sequence(x):
                checked += _check_sequence(rule, args, p, x, y, bound, rng, rtol, atol)
                continue
            if not isinstance(x, (float, np.ndarray)) or (
                    isinstance(x, np.ndarray) and x.dtype.kind != "f"):
                continue
            as_scalar = isinstance(x, float)

            def f_of(v, p=p):
                a = dict(args)
                a[p] = float(v) if as_scalar else v
                return _call(rule, a)

            if p in rule.vjp:
                g = rng.standard_normal(np.shape(y))
                g = float(g) if np.ndim(y) == 0 else g
                values = dict(args, g=g, y=y)
                got = _eval(rule.vjp[p], values, bound)
                want = _fd_grad(lambda v: float(np.sum(g * f_of(v))), x)
                got = np.zeros_like(want) if got is None else np.broadcast_to(
                    runtime.unbroadcast(np.asarray(got, dtype=np.float64), x), np.shape(x))
                np.testing.assert_allclose(got, want, rtol=rtol, atol=atol,
                                           err_msg=f"{rule.name}: adjoint for {p!r}")
                checked += 1
            if p in rule.jvp:
                dx = rng.standard_normal(np.shape(x))
                dx = float(dx) if as_scalar else dx
                values = dict(args, y=y)
                values["d" + p] = dx
                for q in args:
                    if q != p and ("d" + q) not in values:
                        values["d" + q] = 0.0
                got = _eval(rule.jvp[p], values, bound)
                eps = 1e-6
                want = (np.asarray(f_of(x + eps * dx), dtype=np.float64)
                        - np.asarray(f_of(x - eps * dx), dtype=np.float64)) / (2 * eps)
                got = np.zeros_like(want) if got is None else np.asarray(got, dtype=np.float64)
                np.testing.assert_allclose(np.broadcast_to(got, np.shape(want)), want,
                                           rtol=rtol, atol=atol,
                                           err_msg=f"{rule.name}: tangent for {p!r}")
                checked += 1
    return checked


def _is_sequence(x):
    """A tuple or list of float arrays or floats: a sequence parameter."""
    return isinstance(x, (tuple, list)) and len(x) > 0 and all(
        isinstance(e, float) or (isinstance(e, np.ndarray) and e.dtype.kind == "f")
        for e in x)


def _replace(seq, i, v):
    parts = list(seq)
    parts[i] = float(v) if isinstance(seq[i], float) else v
    return type(seq)(parts)


def _check_sequence(rule, args, p, seq, y, bound, rng, rtol, atol):
    """Check the templates of the sequence parameter `p` element by element."""
    checked = 0

    def f_of(s):
        a = dict(args)
        a[p] = s
        return _call(rule, a)

    if p in rule.vjp:
        g = rng.standard_normal(np.shape(y))
        g = float(g) if np.ndim(y) == 0 else g
        got = _eval(rule.vjp[p], dict(args, g=g, y=y), bound)
        if got is not None:
            assert isinstance(got, tuple) and len(got) == len(seq), (
                f"{rule.name}: the adjoint for the sequence {p!r} must be a tuple of "
                f"{len(seq)} adjoints, got {type(got).__name__}")
        for i, e in enumerate(seq):
            want = _fd_grad(lambda v, i=i: float(np.sum(g * f_of(_replace(seq, i, v)))), e)
            gi = None if got is None else got[i]
            gi = np.zeros_like(want) if gi is None else np.broadcast_to(
                runtime.unbroadcast(np.asarray(gi, dtype=np.float64), e), np.shape(e))
            np.testing.assert_allclose(gi, want, rtol=rtol, atol=atol,
                                       err_msg=f"{rule.name}: adjoint for {p}[{i}]")
            checked += 1
    if p in rule.jvp:
        d = [rng.standard_normal(np.shape(e)) for e in seq]
        d = [float(t) if isinstance(e, float) else t for t, e in zip(d, seq)]
        for tangents in (tuple(d), (0.0,) + tuple(d[1:])):
            values = dict(args, y=y)
            values["d" + p] = tangents
            for q in args:
                if q != p and ("d" + q) not in values:
                    values["d" + q] = 0.0
            got = _eval(rule.jvp[p], values, bound)
            eps = 1e-6
            direction = [np.zeros(np.shape(e)) if (isinstance(t, float) and t == 0.0
                                                   and not isinstance(e, float)) else t
                         for t, e in zip(tangents, seq)]
            plus = type(seq)(_replace(seq, i, e + eps * t)[i] for i, (e, t) in
                             enumerate(zip(seq, direction)))
            minus = type(seq)(_replace(seq, i, e - eps * t)[i] for i, (e, t) in
                              enumerate(zip(seq, direction)))
            want = (np.asarray(f_of(plus), dtype=np.float64)
                    - np.asarray(f_of(minus), dtype=np.float64)) / (2 * eps)
            got = np.zeros_like(want) if got is None else np.asarray(got, dtype=np.float64)
            np.testing.assert_allclose(np.broadcast_to(got, np.shape(want)), want,
                                       rtol=rtol, atol=atol,
                                       err_msg=f"{rule.name}: tangent for {p}")
            checked += 1
    return checked
