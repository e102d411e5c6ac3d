"""What generated derivative code calls, besides NumPy and math: the kernels.

One module per family; each registers its kernels in `HELPERS` (the names generated code
and rule templates see) where it defines them, with the `kernel` decorator:

* `core`: the zero sentinel (`is_zero`) and dense zeros, the complex convention (`re_like`,
  `cj`, `inner_mul`), `unbroadcast`, adding adjoints (`cot_add`), seeds, kink reports;
* `elementwise`: ``abs`` of complex values, powers, IEEE divisions, ``sinc``;
* `batch`: vector forward mode (tangents with a leading batch axis);
* `reduce` and `norm`: reductions and scans, ``np.linalg.norm``;
* `signal`: differences, convolutions, interpolation, polynomials, kron, cross, select;
* `stats`: order statistics (median, quantiles) and the NaN-ignoring reductions;
* `select`: ``min``/``max``, ``clip``, ``sort``, ``take``, diagonals and triangles;
* `shape`: transposes, reshapes, joins, splits and copies;
* `products`: ``dot``, ``matmul``, ``einsum`` and the products written as einsums;
* `linalg`: ``np.linalg`` and ``np.fft``;
* `structures`: items, writes, ``np.array`` of sequences, casts, ``np.linspace``;
* `special` and `scipy_linalg`: SciPy's functions (``scipy.special``, ``scipy.stats``,
  ``scipy.linalg``), imported with SciPy's rules when SciPy is installed; generated code
  also sees the package ``scipy`` itself.
* `containers`: dicts, ``tuple(xs)`` and ``list(xs)``, the order of ``sorted``.
* `nested`: calls of derivatives (``dg(x)`` for ``dg = tl.grad(g)``) in differentiated code.

Every kernel of the NumPy families is also an attribute of this package
(``tangent_like.runtime.sum_adjoint``), which is the name its rule has in docs/rules.md.  The runtime never imports the rules: the
forward rules of kernels (for derivatives of generated code) are declared in
`tangent_like.rules`.
"""
from . import (batch, containers, core, elementwise, linalg, nested, norm,  # noqa: F401
               products, reduce, select, shape, signal, stats, structures)
from .kernels import HELPERS, kernel  # noqa: F401

globals().update(HELPERS)
