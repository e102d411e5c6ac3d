"""A fuzz case: a module's source, the arguments of its ``f``, and what to differentiate.

Cases are run from real module files, because tangent_like reads the source of the
functions it differentiates (`inspect.getsource`).  `loaded` writes a case to a private
temporary directory (or uses the file it came from) and imports it under a unique name.
"""
import atexit
import contextlib
import copy
import importlib.util
import itertools
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field

import numpy as np

_counter = itertools.count(1)
_directory = None
SCRATCH_VARIABLE = "TANGENT_LIKE_FUZZ_SCRATCH"


@dataclass
class Case:
    """One generated (or stored) program and how to differentiate it.

    ``args`` are literals: a float for a scalar argument, nested lists of floats for an
    array (converted to float64 arrays by `arguments`).  ``wrt`` is an argument position or
    a tuple of positions.  ``hessian`` asks for the Hessian check too (on ``wrt``'s first
    argument).  ``modes``, when set, restricts the modes a stored case is run in.
    """

    source: str
    args: list
    wrt: object = 0
    hessian: bool = False
    modes: tuple = None
    origin: str = ""
    tags: list = field(default_factory=list)
    path: str = None

    def arguments(self):
        """Fresh argument values: floats and float64 arrays."""
        return tuple(a if isinstance(a, float) else np.array(a, dtype=np.float64)
                     for a in copy.deepcopy(self.args))

    @property
    def wrt_positions(self):
        """The wrt positions, as a tuple."""
        return self.wrt if isinstance(self.wrt, tuple) else (self.wrt,)

    def replace(self, **changes):
        """A copy with some fields changed."""
        fields = dict(self.__dict__)
        fields.update(changes)
        return Case(**fields)


def scratch_directory():
    """The directory cases are written to: one per process tree.

    Worker processes of a pool end without running `atexit` handlers, so a directory made
    in a worker would be left behind; the first process makes it, its forked workers
    inherit it through the environment, and the maker removes it at exit.
    """
    global _directory
    inherited = os.environ.get(SCRATCH_VARIABLE)
    if inherited and os.path.isdir(inherited):
        return inherited
    if _directory is None or not os.path.isdir(_directory):
        _directory = tempfile.mkdtemp(prefix="tangent_like_fuzz_")
        atexit.register(shutil.rmtree, _directory, True)
        os.environ[SCRATCH_VARIABLE] = _directory
    return _directory


@contextlib.contextmanager
def loaded(case):
    """Import ``case`` as a module from a real file; yield the module.

    A case read from a file is imported from that file.  Otherwise the source is written to
    a fresh file in a temporary directory, removed afterwards.
    """
    name = f"tangent_like_fuzz_case_{os.getpid()}_{next(_counter)}"
    if case.path is not None:
        path, scratch = case.path, False
    else:
        path, scratch = os.path.join(scratch_directory(), name + ".py"), True
        with open(path, "w") as out:
            out.write(case.source)
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(name, None)
        if scratch:
            with contextlib.suppress(OSError):
                os.remove(path)
