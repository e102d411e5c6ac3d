"""tangent_like: source-to-source automatic differentiation for Python and NumPy.

    import tangent_like as tl
    df = tl.grad(f)            # a new Python function, compiled from generated source
    print(df.source)           # the readable derivative code
"""
from .api import (cache_info, clear_cache, derivative_source, grad, jvp, set_cache_dir,
                  value_and_grad, vjp)
from .checking import check, check_grad
from .matrices import hessian, hvp, jacobian
from .decorator import differentiate
from .extend import check_rule, defrule, helper, nondifferentiable
from .errors import (CheckpointWarning, DerivativeUsageError, InternalError, KinkError,
                     KinkWarning, NoDerivativeError, TangentLikeError, TransformError,
                     UnsupportedSyntaxError)

from .version import __version__

__all__ = ["grad", "value_and_grad", "vjp", "jvp", "jacobian", "hessian", "hvp", "check",
           "check_grad", "derivative_source", "differentiate", "defrule", "nondifferentiable",
           "helper", "check_rule", "clear_cache", "cache_info", "set_cache_dir",
           "TangentLikeError", "TransformError", "UnsupportedSyntaxError",
           "NoDerivativeError", "DerivativeUsageError", "InternalError", "KinkError",
           "KinkWarning", "CheckpointWarning"]
