"""autograd.core: make_vjp / make_jvp of a function of one argument, by tangent_like."""
from tl_adapter import module_getattr, primitive  # noqa: F401
from tl_adapter import core_make_jvp as make_jvp  # noqa: F401
from tl_adapter import core_make_vjp as make_vjp  # noqa: F401

primitive_with_deprecation_warnings = primitive


__getattr__ = module_getattr(__name__, "autograd internals")
