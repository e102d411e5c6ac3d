"""The regression corpus: minimized failing programs, one module file each.

A corpus file is an ordinary module defining ``f`` (and its helpers), with a comment header
saying what went wrong when it was found and a ``FUZZ_CASE`` dict of literals saying how to
run it::

    FUZZ_CASE = {"args": [[0.1, 0.2, 0.3], 0.5], "wrt": 0, "modes": ["grad"]}

``args`` are floats (scalar arguments) and nested lists (float64 arrays); ``wrt`` is a
position or a list of positions; ``modes`` lists the oracle's modes to run.
"""
import ast
import hashlib
import os
import re

from .case import Case

HEADER = "# Minimized by the tangent_like differential fuzzer " \
         "(python -m tangent_like.testing.fuzz)."


def file_name(kind, mode, source):
    """``{class}_{mode}_{hash}.py``: the hash is that of the program."""
    digest = hashlib.sha1(source.encode()).hexdigest()[:8]
    return f"{kind}_{mode.replace('-', '_')}_{digest}.py"


def _tidy(source):
    """Two blank lines around top-level definitions, one after the imports."""
    out = []
    for line in source.rstrip().splitlines():
        top_def = line.startswith("def ")
        if top_def and out:
            while out and out[-1] == "":
                out.pop()
            out += ["", ""]
        out.append(line)
    return "\n".join(out) + "\n"


def render(case, mode, outcome):
    """The text of a corpus file for ``case`` failing in ``mode`` with ``outcome``."""
    wrt = list(case.wrt) if isinstance(case.wrt, tuple) else case.wrt
    spec = {"args": case.args, "wrt": wrt, "modes": [mode]}
    header = [HEADER,
              f"# class:     {outcome.kind}",
              f"# mode:      {mode}",
              f"# signature: {outcome.signature}"]
    if outcome.message:
        header.append(f"# message:   {outcome.message[:300]}")
    where = [line for line in outcome.detail.splitlines() if line.startswith("tangent_like: ")]
    if where:
        where = re.sub(r"from \S+\.py:\d+: ", "at: ", where[-1][len("tangent_like: "):])
        header.append(f"# where:     {where[:300]}")
    if case.origin:
        header.append(f"# found in:  {case.origin}")
    body = _tidy(case.source)
    imports, rest = [], []
    for line in body.splitlines():
        (imports if not rest and line.startswith(("import ", "from ")) else rest).append(line)
    while rest and rest[0] == "":
        rest.pop(0)
    third_party = [line for line in imports if "numpy" in line]
    imports = [line for line in imports if line not in third_party]
    if imports and third_party:
        imports.append("")
    imports += third_party
    return "\n".join(header + imports + ["", f"FUZZ_CASE = {spec!r}", "", ""] + rest) + "\n"


def write(directory, case, mode, outcome):
    """Write a corpus file into ``directory``; returns its path."""
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, file_name(outcome.kind, mode, case.source))
    with open(path, "w") as out:
        out.write(render(case, mode, outcome))
    return path


def load(path):
    """The `Case` stored in a corpus file (run from the file itself)."""
    with open(path) as src:
        text = src.read()
    spec = None
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "FUZZ_CASE" for t in node.targets):
            spec = ast.literal_eval(node.value)
    if spec is None:
        raise ValueError(f"{path}: no FUZZ_CASE dict")
    wrt = tuple(spec["wrt"]) if isinstance(spec["wrt"], list) else spec["wrt"]
    modes = tuple(spec.get("modes") or ())
    args = [float(a) if isinstance(a, (int, float)) else a for a in spec["args"]]
    match = re.search(r"^# found in:\s*(.*)$", text, re.MULTILINE)
    return Case(source=text, args=args, wrt=wrt, hessian="hessian" in modes,
                modes=modes or None, origin=match.group(1) if match else "",
                path=os.path.abspath(path))


def paths(directory):
    """The corpus files in ``directory``, sorted."""
    if not os.path.isdir(directory):
        return []
    return sorted(os.path.join(directory, name) for name in os.listdir(directory)
                  if name.endswith(".py") and not name.startswith("_"))
