"""The version of tangent_like (also part of the key of the persistent cache)."""
__version__ = "0.1.0"
