"""Command line: print the derivative code of a function.

    tangent-like FILE.py:FUNC [--wrt NAME[,NAME...]] [--mode reverse] [--stage STAGE]
    tangent-like MODULE:FUNC ...

Exit status: 0 on success, 1 when the function is refused (diagnostics on stderr, one per
construct, compiler style), 2 on usage errors (bad target, unknown option).
"""
import argparse
import ast
import importlib
import importlib.util
import os
import sys

from . import api, checking
from .errors import DerivativeUsageError, TangentLikeError, TransformError

STAGES = ("parse", "normalized", "transformed", "optimized")


def _parser():
    p = argparse.ArgumentParser(
        prog="tangent-like",
        description="Print the derivative code tangent_like generates for a Python function.",
        epilog="examples:\n  tangent-like examples/ode.py:simulate --wrt k\n"
               "  tangent-like mypkg.model:loss --wrt w,b --stage normalized",
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
    p.add_argument("--args", nargs="+", metavar="VALUE",
                   help="example arguments (Python literals: 0.5, 3, (1.0, 2.0)) so that the "
                        "code shown is the variant those kinds of arguments run; without them "
                        "arguments may be anything (arrays included)")
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


def _wrt(text):
    items = [w.strip() for w in text.split(",") if w.strip()]
    parsed = [int(w) if w.lstrip("-").isdigit() else w for w in items]
    return parsed[0] if len(parsed) == 1 else tuple(parsed)


def _literals(values):
    if values is None:
        return None
    out = []
    for v in values:
        try:
            out.append(ast.literal_eval(v))
        except (ValueError, SyntaxError):
            raise DerivativeUsageError(f"--args: {v!r} is not a Python literal") from None
    return tuple(out)


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
                                     kinks=args.kinks, args=_literals(args.args))
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
