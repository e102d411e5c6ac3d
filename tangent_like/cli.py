"""Command line: print the derivative code of a function.

    tangent-like FILE.py:FUNC [--wrt NAME[,NAME...]] [--mode reverse] [--stage STAGE]
                 [--args VALUE...] [--standalone]
    tangent-like MODULE:FUNC ...

Exit status: 0 on success, 1 when the function is refused (diagnostics on stderr, one per
construct, compiler style), 2 on usage errors (bad target, unknown option).
"""
import argparse
import builtins
import importlib
import importlib.util
import math
import os
import sys

import numpy as np

from . import api, checking
from .errors import DerivativeUsageError, TangentLikeError, TransformError

STAGES = ("parse", "normalized", "transformed", "optimized")

EPILOG = """\
examples:
  tangent-like examples/ode.py:simulate --wrt k --args 0.5
  tangent-like model.py:loss --args 'f64[3], f64, f64[10,3], f64[10]' \\
      --standalone > loss_grad.py
  tangent-like mypkg.model:loss --wrt w,b --stage normalized

--args VALUE: a Python expression, NumPy being np (0.5, 3, np.ones(3), (1.0, 2.0)),
  or a spec: f64, f32, c128, i64 (a scalar of that type), f64[3], f64[10,3] (an
  array of that shape). A VALUE may hold several, separated by commas:
  --args 'np.ones(3), 2.0'. Without --args, each parameter with a default is of the
  kind of its default and the others are 1-d float arrays (the code's second line
  says so)."""


def _parser():
    p = argparse.ArgumentParser(
        prog="tangent-like",
        description="Print the derivative code tangent_like generates for a Python function.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("target", help="FILE.py:FUNC or MODULE:FUNC (FUNC may be dotted)")
    p.add_argument("--wrt", default="0",
                   help="argument(s) to differentiate with respect to: names or positions, "
                        "comma-separated (default: the first argument)")
    p.add_argument("--mode", default="reverse", choices=["reverse", "forward"],
                   help="reverse (gradients: primal and adjoint sweeps) or forward (tangents "
                        "beside the primal statements); default: reverse")
    p.add_argument("--stage", default="optimized", choices=STAGES,
                   help="pipeline stage to print (default: optimized, the final code)")
    p.add_argument("--no-optimize", action="store_true", help="skip the optimizer")
    p.add_argument("--kinks", default="ignore", choices=["ignore", "warn", "raise"],
                   help="report non-differentiable points reached at run time (default: "
                        "ignore, no cost)")
    p.add_argument("--backend", default="python", choices=["python", "numba"],
                   help="python (the default) or numba: the code lowered for numba's nopython "
                        "mode (typed tapes instead of a list of records)")
    p.add_argument("--checkpoint", default=None, metavar="SCHEME",
                   help="sqrt, binomial or a number of snapshots: print the code whose "
                        "top-level loops record snapshots and run again in the adjoint sweep")
    p.add_argument("--args", nargs="+", metavar="VALUE",
                   help="example arguments (see below): the code shown is the variant that "
                        "arguments of their kinds (float, int, array of a rank) run")
    p.add_argument("--standalone", action="store_true",
                   help="print a complete module that imports without tangent_like: the "
                        "derivative, the helpers it calls, the imports and globals it reads")
    p.add_argument("--check", action="store_true",
                   help="only list what tangent_like refuses in the function (and the "
                        "functions it calls), all at once; exit 1 when there is anything")
    return p


def _load_target(target):
    if ":" not in target:
        raise DerivativeUsageError(f"target {target!r} must look like FILE.py:FUNC or "
                                   "MODULE:FUNC")
    where, name = target.rsplit(":", 1)
    if where.endswith(".py") or os.path.sep in where:
        if not os.path.exists(where):
            raise DerivativeUsageError(f"no such file: {where}")
        path = os.path.abspath(where)
        mod_name = "_tangent_like_cli_" + os.path.splitext(os.path.basename(path))[0]
        sys.path.insert(0, os.path.dirname(path))
        spec = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[mod_name] = module
        spec.loader.exec_module(module)
    else:
        sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(where)
        except ImportError as exc:
            raise DerivativeUsageError(f"cannot import {where!r}: {exc}") from None
    obj = module
    for part in name.split("."):
        if not hasattr(obj, part):
            raise DerivativeUsageError(f"{where} has no attribute {name!r}")
        obj = getattr(obj, part)
    return obj


def _checkpoint(text):
    if text is None or not text.isdigit():
        return text
    return int(text)


def _wrt(text):
    items = [w.strip() for w in text.split(",") if w.strip()]
    parsed = [int(w) if w.lstrip("-").isdigit() else w for w in items]
    return parsed[0] if len(parsed) == 1 else tuple(parsed)


class _Spec:
    """``f64`` in --args: a scalar of a dtype; ``f64[3, 2]`` an array of it."""

    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def __getitem__(self, shape):
        shape = shape if isinstance(shape, tuple) else (shape,)
        return np.ones(shape, dtype=self.dtype)

    def example(self):
        return self.dtype.type(1).item()


SPECS = {name: _Spec(dtype) for name, dtype in [
    ("f64", np.float64), ("f32", np.float32), ("c128", np.complex128), ("c64", np.complex64),
    ("i64", np.int64), ("i32", np.int32)]}


def _examples(values):
    """The example arguments of --args: Python expressions with NumPy as np, and specs."""
    if values is None:
        return None
    scope = {"np": np, "math": math, "__builtins__": builtins, **SPECS}
    out = []
    for v in values:
        try:
            parsed = eval(f"({v},)" if v.strip() else "()", scope)    # noqa: S307
        except Exception as exc:       # noqa: BLE001 -- any failure is the user's text
            raise DerivativeUsageError(
                f"--args: {v!r} is neither a Python expression (np is NumPy) nor a spec "
                f"such as f64 or f64[3] ({type(exc).__name__}: {exc})") from None
        out.extend(_example(p) for p in parsed)
    return tuple(out)


def _example(value):
    if isinstance(value, _Spec):
        return value.example()
    if isinstance(value, (tuple, list)):
        return type(value)(_example(v) for v in value)
    return value


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
        func = _load_target(args.target)
        if args.check:
            report = checking.check(func, wrt=_wrt(args.wrt))
            print(str(report), file=sys.stderr if not report.ok else sys.stdout)
            return 0 if report.ok else 1
        text = api.derivative_source(func, mode=args.mode, wrt=_wrt(args.wrt),
                                     stage=args.stage, optimize=not args.no_optimize,
                                     kinks=args.kinks, args=_examples(args.args),
                                     standalone=args.standalone, backend=args.backend,
                                     checkpoint=_checkpoint(args.checkpoint))
    except TransformError as exc:
        for d in exc.diagnostics:
            print(d.format(), file=sys.stderr)
        n = len(exc.diagnostics)
        print(f"{n} error{'s' if n != 1 else ''}: the function was not differentiated",
              file=sys.stderr)
        return 1
    except DerivativeUsageError as exc:
        print(f"tangent-like: error: {exc}", file=sys.stderr)
        return 2
    except TangentLikeError as exc:
        print(f"tangent-like: error: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
