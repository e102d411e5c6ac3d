"""Testing tools for tangent_like.

`tangent_like.testing.fuzz` is a differential fuzzer: it writes random, valid Python/NumPy
functions to module files, differentiates them, and checks every derivative against central
finite differences.  Run it with ``python -m tangent_like.testing.fuzz --help``.
"""
