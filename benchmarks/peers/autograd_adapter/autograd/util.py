"""autograd.util."""
from tl_adapter import module_getattr, quick_grad_check  # noqa: F401


__getattr__ = module_getattr(__name__, "autograd internals")
