"""Sample arguments of the rules: what `tangent_like.rules.verify` checks each rule at.

A rule's ``samples`` is a function of a NumPy random generator returning a list of argument
dicts (parameter -> value); rules without one are checked at arguments drawn from their
``domain``.  One module per family of rules (`elementwise`, `reduce`, `shape`, `select`,
`linalg`, `structures`, and `kernels` for the forward rules of the runtime kernels); this
module has what they share: samples derived from a primitive's samples for the kernels its
templates call, and samples that name every parameter.
"""
import numpy as np


def uniform(rng, shape, low=-1.5, high=1.5):
    """Values spread over ``[low, high)``: away from the kinks at +-2 and the poles."""
    return rng.uniform(low, high, shape)


def randn(rng, shape):
    """Standard normal values: a Python float for the shape ``()``."""
    return float(rng.standard_normal()) if shape == () else rng.standard_normal(shape)


def like(rng, y):
    """A random cotangent of `y` (a list of them for a tuple or list `y`)."""
    if isinstance(y, (tuple, list)):
        return [rng.standard_normal(np.shape(p)) for p in y]
    v = rng.standard_normal(np.shape(y))
    return float(v) if np.ndim(y) == 0 else v


def with_defaults(rule, omit=()):
    """Make `rule`'s samples name every parameter (defaults filled in, the checker passes
    them positionally and templates read them), except those in `omit` (keyword-only in
    the primitive's signature, read by no template)."""
    samples = rule.samples

    def filled(rng):
        out = []
        for args in samples(rng):
            full = {}
            for p in rule.params:
                if p in args:
                    full[p] = args[p]
                elif p in rule.defaults and p not in omit:
                    full[p] = eval(rule.defaults[p], {"np": np})
            out.append(full)
        return out
    rule.samples = filled
    return rule


def call_positional(func, args, params):
    """``func`` called with the arguments of `params` present in `args`, in that order."""
    return func(*[args[p] for p in params if p in args])


def of_adjoint(primal_samples, primal, params, build):
    """Samples of a kernel's rule from a primitive's samples: `build(args, y, v)` gets the
    primal arguments, its output and a random cotangent of that output."""
    def samples(rng):
        out = []
        for args in primal_samples(rng):
            y = call_positional(primal, args, params)
            v = rng.standard_normal(np.shape(y))
            out.append(build(args, y, float(v) if np.ndim(y) == 0 else v))
        return out
    return samples


def pick(samples, *names, where=None):
    """The parameters `names` of the dicts `samples(rng)` gives (optionally filtered)."""
    return lambda rng: [{n: a[n] for n in names if n in a} for a in samples(rng)
                        if where is None or where(a)]
