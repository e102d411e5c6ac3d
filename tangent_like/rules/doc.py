"""Render the rule registry as Markdown: ``python -m tangent_like.rules.doc > docs/rules.md``.

``tests/test_rules_doc.py`` fails when docs/rules.md is out of date with the registry.
"""
import sys

from .. import runtime
from . import registry


def _modes(rule):
    if rule.inactive:
        return "constant"
    modes = []
    if rule.vjp:
        modes.append("reverse")
    if rule.jvp:
        modes.append("forward")
    if rule.jvp_batch:
        modes.append("vector forward")
    return ", ".join(modes)


def _family(rule):
    module = type(rule).__module__
    name = rule.name
    if name.startswith("tangent_like.runtime") or name in _runtime_names():
        return "Runtime helpers of generated code"
    if name.startswith("np.linalg") or name.startswith("np.fft"):
        return "NumPy linear algebra and FFT"
    if name.startswith("np.") or name.startswith("numpy"):
        return "NumPy"
    if name.startswith("math."):
        return "math"
    if name.startswith("scipy."):
        return "SciPy (with SciPy installed)"
    del module
    return "Python operators and builtins"


def _runtime_names():
    return set(runtime.HELPERS)


def render():
    rules = sorted(registry.all_rules(), key=lambda r: (_family(r), r.name))
    out = ["# Derivative rules", "",
           "Every primitive tangent_like knows, generated from the rule registry",
           "(`python -m tangent_like.rules.doc > docs/rules.md`; a test keeps it current).",
           "*constant* primitives carry no derivative (their results are constants for",
           "differentiation). The last column is the convention at non-differentiable points;",
           "`kinks=\"warn\"` or `\"raise\"` reports when evaluation reaches one.", ""]
    family = None
    for r in rules:
        f = _family(r)
        if f != family:
            out += ["", f"## {f}", "", "| primitive | modes | non-differentiable points |",
                    "| --- | --- | --- |"]
            family = f
        kink = "; ".join(([r.kink] if r.kink else []) + [
            f"no derivative in {p} ({why})" for p, why in r.refused.items()])
        kink = kink.replace("|", "\\|")
        out.append(f"| `{r.name}` | {_modes(r)} | {kink} |")
    methods = sorted(registry._METHODS.items())
    if methods:
        out += ["", "## ndarray methods and attributes", "",
                "| method | same as |", "| --- | --- |"]
        out += [f"| `x.{name}(...)` | `{rule.name}` |" for name, (rule, _) in methods]
        for name, rule in sorted(registry._ATTRIBUTES.items()):
            same = "constant" if rule == "inactive" else f"`{rule.name}`"
            out.append(f"| `x.{name}` | {same} |")
    n = sum(1 for r in rules if not r.inactive)
    out += ["", f"{len(rules)} primitives: {n} with derivative rules, "
            f"{len(rules) - n} constant.", ""]
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render())
