"""autograd.misc: utilities built on autograd's tracer (flatten, const_graph)."""
from tl_adapter import module_getattr


__getattr__ = module_getattr(__name__, "autograd internals")
