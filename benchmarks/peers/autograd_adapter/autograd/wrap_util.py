"""autograd.wrap_util."""
from tl_adapter import module_getattr, unary_to_nary  # noqa: F401


__getattr__ = module_getattr(__name__, "autograd internals")
