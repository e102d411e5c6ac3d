"""Check derivative rules numerically: every template against central finite differences.

`check_rule(rule)` evaluates the rule's primitive on sample inputs and compares

* each adjoint template (``vjp[p]``) with the finite-difference gradient of ``<g, f(...)>``
  with respect to argument ``p``, for a random cotangent ``g``;
* each tangent template (``jvp[p]``) with the finite-difference derivative of ``f`` along a
  random direction ``dp``.

Samples come from ``rule.samples`` (a function of a NumPy random generator returning a list
of argument dicts: the built-in rules' are in `tangent_like.rules.samples`) or, for
elementwise rules, from ``rule.domain`` ("any", "positive", "unit", "gt1", "nonzero").
The same function checks user-defined rules.

A parameter whose sample value is a tuple or list of float arrays (or floats) is a sequence
parameter (``np.concatenate(arrays)``): it is checked element by element.  Its adjoint
template must return a tuple with one adjoint per element, each compared with the
finite-difference gradient with respect to that element; its tangent template receives a
tuple of per-element tangents (once all random, once with the first one the zero placeholder
``0.0`` the transformer passes for elements that carry no derivative).
"""
import math
import warnings

import numpy as np

from .. import runtime
from ..errors import NoDerivativeError
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
    """The primitive on the sample: parameters in order, those after a ``*name`` parameter
    (keyword-only in the primitive) by keyword.  Trailing ones at their default None are
    left out where the primitive refuses them (``max(a)``, not ``max(a, None, None)``)."""
    varargs = getattr(rule, "varargs", None)
    positional, keywords, after = [], [], False
    for p in rule.params:
        if varargs is not None and p.startswith(f"{varargs}__"):
            continue
        after = after or p in getattr(rule, "keyword_only", ())
        if p in args:
            (keywords if after else positional).append((p, args[p]))
        after = after or p == varargs
    try:
        return rule.func(*[v for _, v in positional], **dict(keywords))
    except TypeError:
        while positional and positional[-1][1] is None and \
                rule.defaults.get(positional[-1][0]) == "None":
            positional.pop()
        return rule.func(*[v for _, v in positional], **dict(keywords))


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


def check_rule(rule, samples=None, rtol=1e-5, atol=1e-7, seed=0, strict=False,
               degenerate=False, complex_values=False):
    """Raise AssertionError when a template of `rule` disagrees with finite differences.

    Every template is checked: ``vjp`` and ``jvp`` and, where the transformer would use
    them, ``real_vjp`` and ``real_jvp`` (all arguments real) and ``scalar_vjp`` (all
    arguments scalars).

    * `strict` also checks what the transformer relies on besides the values: an adjoint is
      shaped like its argument (after ``unbroadcast`` for a broadcasting parameter) and real
      for a real argument; a tangent is shaped like the result (broadcastable to it for a
      broadcasting parameter) and real for a real result; and the vector forward template
      (``jvp_batch``, else ``jvp``) along two directions at once matches the plain one.
    * `degenerate` adds variants of the samples with each array cut to 0 and to 1 element
      along each axis (one array at a time, and all of them along the same trailing axis),
      and with 0-d arrays in place of floats: those the primitive itself accepts.  The
      rule may refuse them (NoDerivativeError: a stack or a non-square matrix where the
      rule takes single square matrices).
    * `complex_values` adds variants with complex values in place of floats and float
      arrays (those the primitive accepts): the templates must match finite differences
      under the real inner product ``Re <g, y>`` (runtime's convention) or refuse complex
      values with NoDerivativeError.

    Returns the number of (template, sample) pairs checked."""
    rng = np.random.default_rng(seed)
    if samples is None:
        samples = rule.samples(rng) if rule.samples else default_samples(rule, rng)
    samples = list(samples)
    given = len(samples)
    if degenerate:
        samples += degenerate_variants(rule, samples)
    checked = 0
    for i, args in enumerate(samples):
        try:
            checked += _check_sample(rule, args, rng, rtol, atol, strict)
        except NoDerivativeError as exc:
            if i < given:       # a degenerate variant may be refused, a sample may not
                raise AssertionError(f"{rule.name} at {_describe(args)}: {exc}") from exc
            checked += 1
        except Exception as exc:
            raise AssertionError(f"{rule.name} at {_describe(args)}: {exc}") from exc
    if complex_values:
        for i, args in enumerate(list(samples)):
            for variant in complex_variants(rule, args, rng):
                try:
                    checked += _check_complex(rule, variant, rng, rtol, atol,
                                              refusals=i >= given)
                except Exception as exc:
                    raise AssertionError(f"{rule.name} at {_describe(variant)}: {exc}") \
                        from exc
    return checked


def _describe(args):
    """The sample in a failure message: arrays by shape."""
    def one(v):
        if isinstance(v, np.ndarray):
            return f"array{v.shape}"
        if isinstance(v, (tuple, list)):
            return type(v)(one(e) for e in v)
        return v
    return {p: one(v) for p, v in args.items()}


def _scalar_sample(args):
    """Would the transformer pick ``scalar_vjp`` (every argument a scalar)?"""
    return all(isinstance(v, (bool, int, float, np.integer, np.floating)) for v in args.values())


def _adjoint_tables(rule, args):
    yield "adjoint", rule.vjp
    yield "real adjoint", rule.real_vjp
    if _scalar_sample(args):
        yield "scalar adjoint", rule.scalar_vjp


def _is_float(x):
    return isinstance(x, float) or (isinstance(x, np.ndarray) and x.dtype.kind == "f")


def _check_shape(rule, what, p, got, shape, exact, real):
    """`got` (a template's result) is shaped `shape` (broadcastable to it unless `exact`;
    a scalar zero stands for zeros) and real when `real`."""
    if got is None:
        return
    arr = np.asarray(got)
    if arr.ndim == 0 and not np.any(arr) and np.shape(got) != shape:
        return
    if exact:
        assert arr.shape == tuple(shape), (
            f"{rule.name}: {what} for {p!r} has shape {arr.shape}, expected {tuple(shape)}")
    else:
        assert np.broadcast_shapes(arr.shape, tuple(shape)) == tuple(shape), (
            f"{rule.name}: {what} for {p!r} has shape {arr.shape}, not broadcastable to "
            f"{tuple(shape)}")
    assert arr.dtype.kind in ("fc" if not real else "f") or (
        arr.dtype.kind in "iub" and not np.any(arr)), (
        f"{rule.name}: {what} for {p!r} has dtype {arr.dtype}")


def _tangent_values(args, y, p, d):
    values = dict(args, y=y)
    values["d" + p] = d
    for q in args:
        if q != p and ("d" + q) not in values:
            values["d" + q] = 0.0
    return values


def _defaults(rule, values):
    """`values` with the parameters the sample leaves out at their defaults (templates name
    every parameter; the transformer substitutes the defaults)."""
    out = dict(values)
    for p, default in rule.defaults.items():
        if p not in out:
            out[p] = eval(default, {"np": np, "math": math})
    return out


def _parts(y):
    """The parts of a result: a tuple or list result (np.split) part by part."""
    return list(y) if isinstance(y, (tuple, list)) else [y]


def _random_cotangent(rng, y):
    parts = []
    for part in _parts(y):
        g = rng.standard_normal(np.shape(part))
        parts.append(float(g) if np.ndim(part) == 0 else g)
    if isinstance(y, tuple):
        return tuple(parts)         # (a named tuple result, np.linalg.svd's: a plain one)
    return parts if isinstance(y, list) else parts[0]


def _inner(g, y):
    return float(sum(np.sum(gi * np.asarray(yi)) for gi, yi in zip(_parts(g), _parts(y))))


def _complex(y):
    return any(np.iscomplexobj(part) for part in _parts(y))


def _finite(y):
    return all(np.all(np.isfinite(np.asarray(part))) for part in _parts(y))


def _compare(rule, what, p, got, want, rtol, atol, lead=()):
    """`got` (None for zero; a tuple for a tuple result) against `want` part by part, each
    part broadcast to the wanted shape (`lead`: a batch axis `got`'s parts carry)."""
    wants = want if isinstance(want, list) else [want]
    gots = [None] * len(wants) if got is None else (
        list(got) if isinstance(want, list) else [got])
    assert len(gots) == len(wants), f"{rule.name}: {what} for {p!r} has {len(gots)} parts"
    for gi, wi in zip(gots, wants):
        gi = np.zeros_like(wi) if gi is None or (np.ndim(gi) == 0 and gi == 0) else gi
        np.testing.assert_allclose(np.broadcast_to(np.asarray(gi), np.shape(wi)), wi,
                                   rtol=rtol, atol=atol,
                                   err_msg=f"{rule.name}: {what} for {p!r}")


def _check_sample(rule, args, rng, rtol, atol, strict):
    with np.errstate(all="ignore"):
        y = _call(rule, args)
    bound = _bound_nodes(rule, args)
    values_checked = _finite(y)        # finite differences of nan say nothing
    checked = 0
    for p, x in args.items():
        if _is_sequence(x):
            checked += _check_sequence(rule, args, p, x, y, bound, rng, rtol, atol)
            continue
        if not _is_float(x) or p in rule.refused:     # (a refused one: no derivative)
            continue
        as_scalar = isinstance(x, float)

        def f_of(v, p=p):
            a = dict(args)
            a[p] = float(v) if as_scalar else np.asarray(v)     # a 0-d array stays one
            with np.errstate(all="ignore"):
                return _call(rule, a)

        if p in rule.vjp:
            g = _random_cotangent(rng, y)
            want = _fd_grad(lambda v: _inner(g, f_of(v)), x)
            for what, table in _adjoint_tables(rule, args):
                if p not in table:
                    continue
                got = _eval(table[p], _defaults(rule, dict(args, g=g, y=y)), bound)
                if got is not None and p in rule.broadcast:
                    got = runtime.unbroadcast(got, x)
                if strict:
                    _check_shape(rule, what, p, got, np.shape(x), True, True)
                got = np.zeros_like(want) if got is None else np.broadcast_to(
                    runtime.unbroadcast(np.asarray(got, dtype=np.float64), x), np.shape(x))
                if values_checked:
                    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol,
                                               err_msg=f"{rule.name}: {what} for {p!r}")
                checked += 1
        for what, table in (("tangent", rule.jvp), ("real tangent", rule.real_jvp)):
            if p not in table:
                continue
            dx = rng.standard_normal(np.shape(x))
            dx = float(dx) if as_scalar else dx
            got = _eval(table[p], _defaults(rule, _tangent_values(args, y, p, dx)), bound)
            if strict:
                _check_tangent_shape(rule, what, p, got, y, (), not _complex(y))
            if values_checked:
                _compare(rule, what, p, got, _directional(f_of, x, dx), rtol, atol)
            checked += 1
            if strict and what == "tangent":
                checked += _check_batch(rule, args, p, x, y, bound, f_of, rng, rtol, atol,
                                        values_checked)
    return checked


def _check_tangent_shape(rule, what, p, got, y, lead, real):
    """A tangent shaped like the result (`lead`: a leading batch axis), part by part for a
    tuple result; broadcastable to it for a broadcasting parameter."""
    if isinstance(y, (tuple, list)):
        if got is None:
            return
        assert isinstance(got, (tuple, list)) and len(got) == len(y), (
            f"{rule.name}: {what} for {p!r} must have one part per part of the result")
        for gi, yi in zip(got, y):
            _check_shape(rule, what, p, gi, lead + np.shape(yi), True, real)
        return
    _check_shape(rule, what, p, got, lead + np.shape(y), p not in rule.broadcast, real)


def _directional(f_of, x, d, eps=1e-6):
    """Central differences along `d` (a list of parts for a tuple result)."""
    plus, minus = f_of(x + eps * d), f_of(x - eps * d)
    if isinstance(plus, (tuple, list)):     # (a flag in a tuple result: subtracted as 0/1)
        return [(np.asarray(a) * 1.0 - np.asarray(b)) / (2 * eps) for a, b in zip(plus, minus)]
    return (np.asarray(plus) - np.asarray(minus)) / (2 * eps)


def _check_batch(rule, args, p, x, y, bound, f_of, rng, rtol, atol, values_checked=True,
                 k=2):
    """The vector forward template (the plain one without ``jvp_batch``) along `k`
    directions at once, batch axis first, as forward.py calls it."""
    template = rule.jvp_batch.get(p, rule.jvp[p])
    d = rng.standard_normal((k,) + np.shape(x))
    arg = runtime.batch_align(d, x, y) if p in rule.broadcast else d
    got = _eval(template, _defaults(rule, _tangent_values(args, y, p, arg)), bound)
    _check_tangent_shape(rule, "vector tangent", p, got, y, (k,), not _complex(y))
    if not values_checked:
        return 1
    per_direction = [_directional(f_of, x, float(t) if isinstance(x, float) else t)
                     for t in d]
    if isinstance(y, (tuple, list)):       # each part batched: (k,) + the part's shape
        want = [np.stack([w[i] for w in per_direction]) for i in range(len(y))]
    else:
        want = np.stack([np.broadcast_to(w, np.shape(y)) for w in per_direction])
    _compare(rule, "vector tangent", p, got, want, rtol, atol)
    return 1


def _accepts(rule, args):
    """Does the primitive accept these arguments (no exception)?"""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            _call(rule, args)
    except Exception:
        return False
    return True


def degenerate_variants(rule, samples):
    """Variants of `samples` with size-0, size-1 and 0-d arrays (see `check_rule`).

    None for the helpers of generated code: their arguments are derived from each other (a
    primal result, a cotangent shaped like it), so cutting one alone makes a call that never
    happens; the primitives' own degenerate variants reach them with consistent ones."""
    if rule.func in runtime.HELPERS.values():
        return []
    out = []
    for args in samples:
        arrays = [p for p, v in args.items() if isinstance(v, np.ndarray)
                  and v.dtype.kind == "f" and v.ndim > 0]
        changes = []
        for p in arrays:
            x = args[p]
            for ax in range(x.ndim):
                changes += [{p: np.take(x, np.arange(n), axis=ax)} for n in (0, 1)]
            changes.append({p: np.asarray(x.reshape(-1)[0])})
        for k in range(1, max((args[p].ndim for p in arrays), default=0) + 1):
            changes += [{p: np.take(args[p], np.arange(n), axis=-k) for p in arrays
                         if args[p].ndim >= k} for n in (0, 1)]
        floats = [p for p, v in args.items() if isinstance(v, float)]
        if floats:
            changes.append({p: np.asarray(args[p]) for p in floats})
        for change in changes:
            variant = dict(args, **change)
            if _accepts(rule, variant):
                out.append(variant)
    return out


def complex_variants(rule, args, rng):
    """Variants of `args` with complex values in place of the differentiable floats and
    float arrays, one at a time and all together (those the primitive accepts)."""
    # (a helper's `result` is the primal's output: it follows the other arguments)
    params = [p for p, v in args.items() if _is_float(v) and (p in rule.vjp or p in rule.jvp)
              and p != "result" and p not in rule.refused]

    def complexify(v):
        im = 0.3 * rng.standard_normal(np.shape(v))
        if isinstance(v, float):
            return complex(v + 1j * float(im))
        return np.asarray(v + 1j * im)          # (a 0-d array stays one)

    choices = [[p] for p in params] + ([params] if len(params) > 1 else [])
    out = []
    for chosen in choices:
        variant = dict(args, **{p: complexify(args[p]) for p in chosen})
        if _accepts(rule, variant):
            out.append(variant)
    return out


def _complex_fd_grad(f, x, eps=1e-6):
    """dF/dRe x + 1j dF/dIm x of the real function `f` (the real gradient for real x)."""
    x = np.asarray(x, dtype=np.complex128 if np.iscomplexobj(x) else np.float64)
    units = (1.0, 1j) if np.iscomplexobj(x) else (1.0,)
    out = np.zeros(x.shape, dtype=complex if np.iscomplexobj(x) else np.float64)
    for idx in np.ndindex(x.shape):
        for u in units:
            xp, xm = x.copy(), x.copy()
            xp[idx] += eps * u
            xm[idx] -= eps * u
            out[idx] += u * (f(xp) - f(xm)) / (2 * eps)
    return out


def _check_complex(rule, args, rng, rtol, atol, refusals=False):
    """The general templates on arguments some of which are complex (see `check_rule`);
    `refusals`: a degenerate variant, which the rule may refuse for its shapes too."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        y = _call(rule, args)
    bound = _bound_nodes(rule, args)
    values_checked = _finite(y)
    checked = 0
    for p, x in args.items():
        if isinstance(x, (tuple, list)) or not (_is_float(x) or np.iscomplexobj(x)) \
                or p in rule.refused:
            continue
        python = not isinstance(x, np.ndarray)

        def f_of(v, p=p):
            a = dict(args)
            a[p] = type(x)(v) if python else np.asarray(v)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                return _call(rule, a)

        try:
            if p in rule.vjp:
                g = _random_cotangent(rng, y)
                if isinstance(y, (tuple, list)):
                    g = (tuple if isinstance(y, tuple) else list)(
                        gi + 1j * rng.standard_normal(np.shape(gi)) if np.iscomplexobj(yi)
                        else gi for gi, yi in zip(g, y))
                elif np.iscomplexobj(y):
                    g = g + 1j * rng.standard_normal(np.shape(y))
                want = _complex_fd_grad(lambda v: float(sum(
                    np.sum(np.real(np.conj(gi) * np.asarray(yi)))
                    for gi, yi in zip(_parts(g), _parts(f_of(v))))), x)
                got = _eval(rule.vjp[p], _defaults(rule, dict(args, g=g, y=y)), bound)
                if got is not None and p in rule.broadcast:
                    got = runtime.unbroadcast(got, x)
                _check_shape(rule, "complex adjoint", p, got, np.shape(x), True,
                             not np.iscomplexobj(x))
                got = np.zeros_like(want) if got is None else np.asarray(got)
                if values_checked:
                    np.testing.assert_allclose(
                        got, want, rtol=rtol, atol=atol,
                        err_msg=f"{rule.name}: complex adjoint for {p!r}")
                checked += 1
            if p in rule.jvp:
                d = rng.standard_normal(np.shape(x))
                if np.iscomplexobj(x):
                    d = d + 1j * rng.standard_normal(np.shape(x))
                d = d[()] if python else d
                got = _eval(rule.jvp[p], _defaults(rule, _tangent_values(args, y, p, d)),
                            bound)
                _check_tangent_shape(rule, "complex tangent", p, got, y, (), not _complex(y))
                if values_checked:
                    _compare(rule, "complex tangent", p, got,
                             _directional(f_of, x if python else np.asarray(x), d), rtol, atol)
                checked += 1
        except NoDerivativeError as exc:
            assert refusals or "complex" in str(exc), f"{rule.name}: {exc}"
            checked += 1          # refused: the rule is for real values only
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
        got = _eval(rule.vjp[p], _defaults(rule, dict(args, g=g, y=y)), bound)
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
            got = _eval(rule.jvp[p], _defaults(rule, values), bound)
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
