"""autograd.scipy.signal: autograd's convolve(A, B, axes, dot_axes, mode) is its own
function, not SciPy's: a stub."""
from tl_adapter import stub as _stub

convolve = _stub("autograd.scipy.signal.convolve", "autograd-specific signature")
