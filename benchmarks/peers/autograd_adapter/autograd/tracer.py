"""autograd.tracer: tangent_like traces nothing, so no value is ever a box."""
from tl_adapter import module_getattr, notrace_primitive, primitive  # noqa: F401


def isbox(x):
    return False


__getattr__ = module_getattr(__name__, "autograd internals")
