"""autograd.differential_operators, computed by tangent_like."""
from tl_adapter import (checkpoint, deriv, elementwise_grad, grad, grad_and_aux, grad_named,  # noqa: F401
                        hessian, hessian_tensor_product, hessian_vector_product,
                        holomorphic_grad, jacobian, make_ggnvp, make_hvp, make_jvp,
                        make_jvp_reversemode, make_vjp, multigrad_dict,
                        tensor_jacobian_product, value_and_grad, vector_jacobian_product)
