"""Derivatives of elementwise functions that take more than one expression to write:
``abs`` of complex values, powers where the formula breaks down, IEEE divisions for Python
floats, ``sinc`` near 0.
"""
import math

import numpy as np

from .core import is_complex
from .kernels import kernel


@kernel
def abs_slope(x):
    """d|x|/dx in the adjoint convention: ``sign(x)`` for reals, ``x / |x|`` for complex
    values (0 at 0 for both)."""
    if is_complex(x):
        return ratio_or_zero(x, np.abs(x))
    return np.sign(x)


@kernel
def abs_slope_tangent(dx, x):
    """Tangent of `abs_slope`: 0 for reals (piecewise constant); for complex values
    ``(dx - u Re(conj(u) dx)) / |x|`` with ``u = x / |x|`` (0 at 0)."""
    if not is_complex(x):
        return np.zeros(np.broadcast_shapes(np.shape(dx), np.shape(x)))
    r = np.abs(x)
    u = ratio_or_zero(x, r)
    return ratio_or_zero(dx - u * np.real(np.conj(u) * dx), r)


@kernel
def abs_tangent(dx, x):
    """Tangent of ``abs(x)``: ``sign(x) dx`` for reals, ``Re(conj(x) dx) / |x|`` for complex."""
    if getattr(x, "dtype", None) is not None and x.dtype.kind == "c":
        return np.real(np.conj(x) * dx) / np.abs(x)
    if isinstance(x, complex):
        return (x.conjugate() * dx).real / abs(x)
    return dx * np.sign(x)


@kernel
def log_of(a):
    """log(a) for the derivative of a ** b with respect to b (0 where a == 0)."""
    if isinstance(a, (int, float)):
        return math.log(a) if a > 0 else (0.0 if a == 0 else float("nan"))
    a = np.asarray(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a == 0, 0.0, np.log(np.where(a == 0, 1.0, a)))


@kernel
def pow_slope(a, b, power=np.power):
    """``d(a ** b)/da = b * a ** (b - 1)``, also where the formula breaks down: 0 where
    ``b == 0`` (``a ** 0`` is the constant 1, even at ``a == 0``) and IEEE infinities instead
    of ZeroDivisionError for a Python float ``a == 0`` with ``b < 1``.  `power` computes
    arrays' powers (np.float_power for that function's float64 results)."""
    if np.ndim(a) == 0 and np.ndim(b) == 0 and not isinstance(a, np.ndarray) \
            and not isinstance(b, np.ndarray):
        if b == 0:
            return 0.0
        if a == 0 and not is_complex(b):
            return 1.0 if b == 1 else 0.0 if b > 1 else b * math.inf
        return b * a ** (b - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = b * power(a, np.subtract(b, 1))
    return np.where(np.equal(b, 0), 0.0, out)


@kernel
def pow_curvature(a, b, power=np.power):
    """``d^2(a ** b)/da^2 = b (b - 1) a ** (b - 2)``: 0 where ``b`` is 0 or 1 (``a ** b`` is
    then constant or linear in ``a``, even at ``a == 0``)."""
    scalars = not isinstance(a, np.ndarray) and not isinstance(b, np.ndarray)
    if scalars and b in (0, 1):
        return 0.0
    out = np.multiply(b, pow_slope(a, np.subtract(b, 1), power))
    if scalars:
        return out
    return np.where(np.equal(b, 0) | np.equal(b, 1), 0.0, out)


@kernel
def pow_slope_in_b(a, b, power=np.power):
    """``d/db (b a ** (b - 1)) = a ** (b - 1) (1 + b log a)``, 0 where ``a == 0`` (the
    convention of `log_of`: derivatives with respect to the exponent vanish there)."""
    if np.ndim(a) == 0 and not isinstance(a, np.ndarray):
        if a == 0:
            return 0.0
        return power(a, b - 1.0) * (1.0 + b * log_of(a))
    a = np.asarray(a)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = power(a, np.subtract(b, 1.0)) * (1.0 + np.multiply(b, log_of(a)))
    return np.where(a == 0, 0.0, out)


@kernel
def fdiv(a, b):
    """``a / b`` with IEEE semantics for Python floats: +-inf (or nan for 0 / 0) where ``b``
    is 0, as NumPy gives, instead of ZeroDivisionError (a derivative at a point where it is
    infinite)."""
    if np.ndim(b) == 0 and np.ndim(a) == 0 and b == 0:
        if a == 0 or a != a:
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


@kernel
def ratio_or_zero(a, b):
    """``a / b``, 0 where ``b == 0`` (the derivative of a norm at 0: its least-norm
    subgradient)."""
    if np.ndim(a) == 0 and np.ndim(b) == 0:
        return a / b if b != 0 else 0.0
    zero = np.equal(b, 0)
    return np.where(zero, 0.0, a / np.where(zero, 1.0, b))


@kernel
def sinc_derivative(x):
    """d sinc(x) / dx, with its series near 0 (where it is 0)."""
    x = np.asarray(x, dtype=np.result_type(x, 1.0))
    small = np.abs(x) < 1e-4
    safe = np.where(small, 1.0, x)
    pi2 = math.pi ** 2
    far = (np.cos(math.pi * safe) - np.sinc(safe)) / safe
    near = -pi2 * x / 3.0 + pi2 * pi2 * x ** 3 / 30.0
    out = np.where(small, near, far)
    return out[()] if out.ndim == 0 else out


@kernel
def sinc_second(x):
    """d^2 sinc(x) / dx^2 (from x s'' + 2 s' = -pi^2 x s), with its series near 0."""
    x = np.asarray(x, dtype=np.result_type(x, 1.0))
    small = np.abs(x) < 1e-3
    safe = np.where(small, 1.0, x)
    pi2 = math.pi ** 2
    far = -pi2 * np.sinc(safe) - 2.0 * sinc_derivative(safe) / safe
    near = -pi2 / 3.0 + pi2 * pi2 * x * x / 10.0
    out = np.where(small, near, far)
    return out[()] if out.ndim == 0 else out
