"""The ``@differentiate`` decorator: a function that carries its derivatives."""
from .api import derivative_source, grad, jvp, value_and_grad
from .matrices import hessian, hvp, jacobian


def differentiate(f=None, *, wrt=0, optimize=True, kinks="ignore"):
    """Decorator: `f` stays callable and gains ``f.grad``, ``f.value_and_grad``, ``f.jvp``,
    ``f.jacobian``, ``f.hessian``, ``f.hvp`` and ``f.derivative_source()``, all with the
    same `wrt`, `optimize` and `kinks`.  ``f.hessian`` and ``f.hvp`` are None when `wrt`
    names several arguments (they take one)."""
    def wrap(func):
        options = dict(wrt=wrt, optimize=optimize, kinks=kinks)
        func.grad = grad(func, **options)
        func.value_and_grad = value_and_grad(func, **options)
        func.jvp = lambda primals, tangents: jvp(func, primals, tangents, **options)
        func.jacobian = jacobian(func, **options)
        single = not isinstance(wrt, (tuple, list))
        func.hessian = hessian(func, **options) if single else None
        func.hvp = hvp(func, **options) if single else None
        func.derivative_source = lambda mode="reverse", stage=None: derivative_source(
            func, mode=mode, stage=stage, **options)
        return func
    if f is not None:
        return wrap(f)
    return wrap
