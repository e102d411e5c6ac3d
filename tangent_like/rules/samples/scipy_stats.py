"""Samples of the ``scipy.stats`` rules (rules/scipy_stats.py): points inside each
distribution's support, positive scales and shape parameters, arrays that broadcast against
each other and Python floats; ``multivariate_normal`` with every layout SciPy takes (cov a
scalar, a diagonal, a matrix of which SciPy reads the lower triangle; one point or many;
dimension 1); ``dirichlet`` with the k - 1 free components of x (the k-th is 1 minus their
sum: finite differences of all k would leave the simplex, which SciPy refuses).
"""
import numpy as np

SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), ()), ((), ())]


def _value(rng, low, high, shape):
    v = rng.uniform(low, high, shape)
    return float(v) if shape == () else v


def continuous(shapes, low, high, support=None):
    """Samples of a family with shape parameters `shapes` (values in (low, high)) and loc,
    scale; x = loc + scale * z with z in `support` (else x anywhere in (-1.5, 1.5))."""
    def samples(rng):
        out = []
        for x_shape, p_shape in SHAPES:
            args = {"loc": _value(rng, -0.5, 0.5, p_shape),
                    "scale": _value(rng, 0.7, 1.8, p_shape)}
            args.update({s: _value(rng, low, high, p_shape) for s in shapes})
            if support is None:
                x = _value(rng, -1.5, 1.5, x_shape)
            else:
                z = _value(rng, *support, x_shape)
                x = args["loc"] + args["scale"] * np.asarray(z)
                x = float(x) if np.ndim(x) == 0 else np.broadcast_to(x, np.broadcast_shapes(
                    np.shape(x), x_shape)).copy()
            out.append({"x": x, **{s: args[s] for s in shapes}, "loc": args["loc"],
                        "scale": args["scale"]})
        return out
    return samples


norm = continuous((), 0, 0)
t = continuous(("df",), 2.5, 6.0)
gamma = continuous(("a",), 1.3, 3.0, support=(0.3, 3.0))
chi2 = continuous(("df",), 2.5, 6.0, support=(0.3, 3.0))
beta = continuous(("a", "b"), 1.3, 3.0, support=(0.15, 0.85))
expon = continuous((), 0, 0, support=(0.2, 2.5))


def poisson(rng):
    """Counts k (floats holding integers, with non-integers for the distribution
    functions' floor), rates mu > 0, integer shifts loc."""
    return [{"k": np.array([0.0, 1.0, 3.0]), "mu": rng.uniform(0.5, 4.0, 3), "loc": 0},
            {"k": np.array([[1.0, 2.0, 5.0], [0.0, 4.0, 2.0]]), "mu": rng.uniform(0.5, 4.0, 3),
             "loc": 0},
            {"k": 2.0, "mu": float(rng.uniform(0.5, 4.0)), "loc": 0},
            {"k": np.array([1.0, 2.5, 4.0]), "mu": float(rng.uniform(0.5, 4.0)), "loc": 1}]


def _spd(rng, n):
    m = rng.standard_normal((n, n))
    return m @ m.T + n * np.eye(n)


def multivariate_normal(rng):
    """Every layout of x, mean and cov SciPy takes; matrices not symmetric above the
    diagonal (SciPy reads the lower triangle)."""
    r = rng.standard_normal
    full = _spd(rng, 3)
    skew = full + np.triu(r((3, 3)), 1)
    return [{"x": r(3), "mean": r(3), "cov": full},
            {"x": r((4, 3)), "mean": r(3), "cov": skew},
            {"x": r((2, 2, 3)), "mean": r(3), "cov": full},
            {"x": r((1, 3)), "mean": r(3), "cov": full},
            {"x": r(3), "mean": r(3), "cov": float(rng.uniform(0.5, 2.0))},
            {"x": r((4, 3)), "mean": r(3), "cov": rng.uniform(0.5, 2.0, 3)},
            {"x": r(3), "mean": None, "cov": skew},
            {"x": r(4), "mean": float(r()), "cov": float(rng.uniform(0.5, 2.0))},
            {"x": float(r()), "mean": r(1), "cov": rng.uniform(0.5, 2.0, (1, 1))},
            {"x": r(1), "mean": r(3), "cov": full}]


def dirichlet(rng):
    """k - 1 free components of one point or of several (columns), inside the simplex."""
    out = []
    for k, n in ((3, None), (4, None), (3, 2)):
        alpha = rng.uniform(0.6, 3.0, k)
        shape = (k,) if n is None else (k, n)
        x = rng.uniform(0.5, 1.5, shape)
        x = x / np.sum(x, 0)
        out.append({"x": x[:-1], "alpha": alpha})
    return out


def _from(primal, kernel_args):
    """Samples of a layout kernel from the samples of `primal`."""
    def samples(rng):
        return [kernel_args(rng, args) for args in primal(rng)]
    return samples


def _mvn_dim(args):
    mean, cov = args["mean"], args["cov"]
    return int(np.size(mean)) if mean is not None else (
        int(np.shape(cov)[0]) if np.ndim(cov) >= 2 else 1)


mvn_covariance = _from(multivariate_normal, lambda rng, a: {"cov": a["cov"],
                                                            "dim": _mvn_dim(a)})


def mvn_residuals(rng):
    return [{"x": a["x"], "mean": a["mean"], "dim": _mvn_dim(a), "points": True}
            for a in multivariate_normal(rng)]


def mvn_residuals_adjoint(rng):
    out = []
    for a in mvn_residuals(rng):
        if a["mean"] is None:
            continue
        x = np.asarray(a["x"])
        laid = x[np.newaxis] if x.ndim == 0 else x.reshape(-1, 1) if (
            x.ndim == 1 and a["dim"] == 1) else x[np.newaxis] if x.ndim == 1 else x
        n = np.broadcast_shapes(laid.shape, (a["dim"],))
        for which in (0, 1):
            out.append({"v": rng.standard_normal((int(np.prod(n[:-1])), a["dim"])),
                        "x": a["x"], "mean": a["mean"], "dim": a["dim"], "which": which})
    return out


def mvn_covariance_adjoint(rng):
    return [{"v": rng.standard_normal((d, d)), "cov": cov}
            for d, cov in ((3, _spd(rng, 3)), (3, 1.5), (3, rng.uniform(0.5, 2.0, 3)),
                           (1, 1.5), (1, np.array([1.5])), (1, np.array([[1.5]])))]


def mvn_precision(rng):
    return [{"s": _spd(rng, 3)}, {"s": _spd(rng, 1)}]


def dirichlet_complete(rng):
    return [{"x": a["x"], "alpha": a["alpha"], "total": 1.0} for a in dirichlet(rng)] + \
        [{"x": rng.uniform(0.1, 0.3, 3), "alpha": rng.uniform(0.6, 3.0, 3), "total": 1.0}]


def dirichlet_complete_adjoint(rng):
    out = []
    for a in dirichlet_complete(rng):
        k = np.shape(a["alpha"])[0]
        out.append({"v": rng.standard_normal((k,) + np.shape(a["x"])[1:]), "x": a["x"],
                    "alpha": a["alpha"]})
    return out
