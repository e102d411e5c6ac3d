"""A stand-in for autograd whose derivatives are computed by tangent_like.

Only for running autograd's published test suite against tangent_like
(benchmarks/peers/autograd_suite.py); see tl_adapter.py for the conventions.
"""
import builtins as _builtins

from tl_adapter import (checkpoint, deriv, elementwise_grad, grad, grad_and_aux, grad_named,  # noqa: F401
                        hessian, hessian_tensor_product, hessian_vector_product,
                        holomorphic_grad, jacobian, make_ggnvp, make_hvp, make_jvp, make_vjp,
                        multigrad_dict, primitive, tensor_jacobian_product, value_and_grad,
                        vector_jacobian_product)

# autograd's container types exist so that its tracer can see into them; tangent_like
# differentiates the built-in containers themselves.
dict = _builtins.dict
list = _builtins.list
tuple = _builtins.tuple
isinstance = _builtins.isinstance
type = _builtins.type

from tl_adapter import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, "not adapted")
