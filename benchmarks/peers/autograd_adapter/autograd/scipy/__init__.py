"""autograd.scipy: SciPy itself.  tangent_like has no rules for SciPy, so a SciPy
function that receives a differentiated value is refused (NoDerivativeError)."""
import scipy as _scipy  # noqa: F401
