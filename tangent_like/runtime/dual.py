"""Values with one tangent (dual numbers) for the matrix formulas of linear algebra adjoints.

The adjoint of ``np.linalg.svd`` or ``np.linalg.eig`` is a formula of a dozen matrix
products.  Written once as a Python function of the helpers below (`ein`, `gap`, `inv`,
`linear`...), it runs on arrays to give the adjoint (a kernel of generated code, one call)
and on `Dual` values to give that kernel's tangent along one of its arguments (its forward
rule: second derivatives), exactly, by the product rule applied operation by operation.
"""
import numpy as np


class Dual:
    """An array (or number) `v` with the tangent `t` of one direction."""

    __slots__ = ("v", "t")
    __array_ufunc__ = None      # ndarray <op> Dual defers to the Dual's reflected operator

    def __init__(self, v, t):
        self.v = v
        self.t = t

    def __add__(self, other):
        return Dual(self.v + dual_value(other), self.t + dual_tangent(other))

    __radd__ = __add__

    def __sub__(self, other):
        return Dual(self.v - dual_value(other), self.t - dual_tangent(other))

    def __rsub__(self, other):
        return Dual(dual_value(other) - self.v, dual_tangent(other) - self.t)

    def __neg__(self):
        return Dual(-self.v, -self.t)

    def __mul__(self, other):
        return Dual(self.v * dual_value(other), self.t * dual_value(other) + self.v * dual_tangent(other))

    __rmul__ = __mul__

    def __truediv__(self, other):
        q = self.v / dual_value(other)
        return Dual(q, (self.t - q * dual_tangent(other)) / dual_value(other))

    def __rtruediv__(self, other):
        q = dual_value(other) / self.v
        return Dual(q, (dual_tangent(other) - q * self.t) / self.v)

    def __getitem__(self, index):
        return Dual(self.v[index], self.t[index])


def dual_value(x):
    return x.v if isinstance(x, Dual) else x


def dual_tangent(x):
    """The tangent of `x`: 0 for a plain value."""
    return x.t if isinstance(x, Dual) else 0.0


def dual_linear(fn, x, *args):
    """``fn(x, *args)`` for `fn` linear in x (over the reals: np.conj, np.real)."""
    if isinstance(x, Dual):
        return Dual(fn(x.v, *args), fn(x.t, *args))
    return fn(x, *args)


def dual_ein(spec, *ops):
    """``np.einsum(spec, *ops)``, multilinear: the tangent sums one term per dual operand."""
    out = np.einsum(spec, *[dual_value(o) for o in ops])
    terms = [np.einsum(spec, *[o.t if j == i else dual_value(o) for j, o in enumerate(ops)])
             for i, o in enumerate(ops) if isinstance(o, Dual)]
    return Dual(out, sum(terms)) if terms else out


def dual_smooth(fn, fn_tangent, x):
    """``fn(x)`` whose tangent along dx is ``fn_tangent(dx, x)``."""
    if isinstance(x, Dual):
        return Dual(fn(x.v), fn_tangent(x.t, x.v))
    return fn(x)


def dual_inv(a):
    """``np.linalg.inv(a)``; its tangent is ``-dual_inv(a) da dual_inv(a)``."""
    if isinstance(a, Dual):
        ai = np.linalg.inv(a.v)
        return Dual(ai, -np.einsum("...ij,...jk,...kl->...il", ai, a.t, ai))
    return np.linalg.inv(a)


def dual_along(formula, args, which, d):
    """The tangent of ``formula(*args)`` along the tangent `d` of ``args[which]``."""
    args = list(args)
    args[which] = Dual(args[which], d)
    out = formula(*args)
    return dual_tangent(out) if not isinstance(out, tuple) else tuple(dual_tangent(o) for o in out)
