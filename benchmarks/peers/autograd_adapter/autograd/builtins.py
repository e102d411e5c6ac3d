"""autograd.builtins: the built-in containers (tangent_like differentiates them directly)."""
import builtins as _b

dict = _b.dict
list = _b.list
tuple = _b.tuple
isinstance = _b.isinstance
type = _b.type
