"""autograd.extend: primitive / defvjp / defjvp as tangent_like rules (tl.defrule)."""
from tl_adapter import (module_getattr, defjvp, defjvp_argnum, defjvp_argnums,  # noqa: F401
                        defvjp, defvjp_argnum, defvjp_argnums, notrace_primitive, primitive)


__getattr__ = module_getattr(__name__, "autograd internals")
