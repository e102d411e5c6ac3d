"""Naming conventions of generated code, in one place.

* the adjoint of ``x`` is ``bx`` (``b_x`` when ``bx`` is taken), the tangent of ``x`` is ``dx``;
* temporaries are named after what they hold: ``sin_x`` for ``math.sin(x)``, else after the
  assignment they belong to (``y_1``, ``y_2``);
* stack, loop and branch bookkeeping names start with ``_`` (``_stack``, ``_cond1``, ``_trips1``);
* the sweeps of a function ``f`` are ``primal_f`` and ``adjoint_f``; the entry point is ``grad_f``.
"""
import keyword
import re

from . import nodes


class Namer:
    """Hands out names that collide neither with each other nor with a set of taken names."""

    def __init__(self, taken=()):
        self.taken = set(taken)
        self.adjoints = {}

    def reserve(self, names):
        self.taken.update(names)

    def fresh(self, base):
        base = _clean(base)
        if base not in self.taken and not keyword.iskeyword(base):
            self.taken.add(base)
            return base
        stem = re.sub(r"_\d+$", "", base) or "t"
        i = 1
        while f"{stem}_{i}" in self.taken:
            i += 1
        result = f"{stem}_{i}"
        self.taken.add(result)
        return result

    def adjoint(self, var):
        """The adjoint name of variable `var` (stable for a given namer)."""
        if var not in self.adjoints:
            base = "b" + var if not var.startswith("_") else "b" + var
            if base in self.taken:
                base = "b_" + var.lstrip("_")
            self.adjoints[var] = self.fresh(base)
        return self.adjoints[var]

    def tangent(self, var):
        """The tangent name of variable `var` (``dx``; ``d_x`` when ``dx`` is taken)."""
        key = ("tangent", var)
        if key not in self.adjoints:
            base = "d" + var
            if base in self.taken:
                base = "d_" + var.lstrip("_")
            self.adjoints[key] = self.fresh(base)
        return self.adjoints[key]

    def temp_for(self, expr, target=None):
        """A descriptive name for a temporary holding `expr`."""
        return self.fresh(describe(expr) or (f"{target}_1" if target else "t"))


_OPS = {nodes.Add: "plus", nodes.Sub: "minus", nodes.Mult: "times", nodes.Div: "over",
        nodes.Pow: "pow", nodes.MatMult: "matmul", nodes.FloorDiv: "floordiv",
        nodes.Mod: "mod"}


def describe(expr, depth=0):
    """Short identifier describing a simple expression, or None."""
    if isinstance(expr, nodes.Name):
        return expr.id.lstrip("_") or None
    if isinstance(expr, nodes.Constant) and isinstance(expr.value, (int, float)) \
            and not isinstance(expr.value, bool):
        if float(expr.value).is_integer() and abs(expr.value) < 1000:
            return str(int(abs(expr.value)))
        return None
    if depth > 0:
        return None
    if isinstance(expr, nodes.Call):
        fname = nodes.dotted_name(expr.func)
        if fname is None:
            return None
        fname = fname.split(".")[-1]
        if len(expr.args) == 1 and not expr.keywords:
            arg = describe(expr.args[0], depth + 1)
            if arg:
                return f"{fname}_{arg}"
        return fname
    if isinstance(expr, nodes.BinOp):
        left = describe(expr.left, depth + 1)
        right = describe(expr.right, depth + 1)
        op = _OPS.get(type(expr.op))
        if left and right and op:
            return f"{left}_{op}_{right}"
        return None
    if isinstance(expr, nodes.UnaryOp) and isinstance(expr.op, nodes.USub):
        inner = describe(expr.operand, depth + 1)
        return f"neg_{inner}" if inner else None
    if isinstance(expr, nodes.Subscript):
        base = describe(expr.value, depth + 1)
        idx = expr.slice
        if base and isinstance(idx, nodes.Name):
            return f"{base}_{idx.id}"
        if base and isinstance(idx, nodes.Constant) and isinstance(idx.value, int):
            return f"{base}_{idx.value}" if idx.value >= 0 else f"{base}_last{-idx.value}"
        return f"{base}_item" if base else None
    if isinstance(expr, nodes.Attribute):
        base = describe(expr.value, depth + 1)
        return f"{base}_{expr.attr}" if base else None
    return None


def _clean(base):
    base = re.sub(r"\W", "_", base)
    if not base or base[0].isdigit():
        base = "t_" + base
    if len(base) > 24:
        base = base[:24].rstrip("_")
    return base


def is_stack(name):
    """``_stack``, ``_dstack``, ``_ddstack``...: the records of generated derivative code."""
    return re.fullmatch(r"_d*stack", name) is not None


def tangent_stack(name):
    """The stack that carries the tangents of what stack `name` records."""
    return "_d" + name[1:]
