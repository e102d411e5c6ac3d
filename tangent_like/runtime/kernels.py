"""The table of kernels: the names generated code and rule templates call.

`HELPERS` maps a name to the function generated code sees under it (the loader puts the
table into the namespace of every generated function).  A family module registers each of
its kernels where it defines it, with the `kernel` decorator; ``tl.helper`` adds the user's.
"""

HELPERS = {}


def kernel(func):
    """Make `func` callable from generated code and rule templates under its own name."""
    HELPERS[func.__name__] = func
    return func
