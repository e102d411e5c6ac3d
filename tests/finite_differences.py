"""Central finite differences the tests compare derivatives with."""
import numpy as np


def partial_gradient(f, args, k=0, eps=1e-6, **kwargs):
    """The gradient of scalar ``f(*args, **kwargs)`` with respect to the float array
    ``args[k]``, one central difference per element."""
    x = np.asarray(args[k], dtype=float)
    g = np.zeros(x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = eps
        plus, minus = list(args), list(args)
        plus[k], minus[k] = x + e, x - e
        g[i] = (f(*plus, **kwargs) - f(*minus, **kwargs)) / (2 * eps)
    return g


def gradient_differences(grad, args, k=0, eps=1e-5):
    """The Hessian with respect to the array ``args[k]`` as central differences of the
    gradient function `grad` (shape ``x.shape + x.shape``)."""
    x = np.asarray(args[k], dtype=float)
    h = np.zeros(x.shape + x.shape)
    for i in np.ndindex(x.shape):
        e = np.zeros(x.shape)
        e[i] = eps
        plus, minus = list(args), list(args)
        plus[k], minus[k] = x + e, x - e
        h[(Ellipsis,) + i] = (grad(*plus) - grad(*minus)) / (2 * eps)
    return h
