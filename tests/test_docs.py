"""Every ```python block of README.md and docs/*.md runs, so the documentation stays true.

How a page is run
-----------------
The ```python blocks of a page run in order, like the cells of a notebook: they share one
namespace, so a block may use the imports and functions of the blocks above it. Each block
is written to a file of its own in a temporary directory (tangent_like reads the source of
the functions it differentiates), named ``<page>_<n>.py`` (``quickstart_3.py``), and runs
with the repository root as the current directory, so that paths such as
``examples/ode.py`` resolve.

Conventions, for writers of the docs
------------------------------------
A block says what it expects with a comment on its first line:

``# expect: NoDerivativeError`` (or any error class of ``tangent_like``)
    The block shows a refusal: it must raise exactly that class (not a subclass, not a
    parent), and when the error carries a location, it must point at a line of the block
    itself or of a block above it (the one defining the refused function), never into
    tangent_like or elsewhere.

Other markers are HTML comments, invisible on the rendered page, on the line just before
the opening fence:

``<!-- docs-test: file NAME.py -->``
    The block is written to ``NAME.py`` instead of ``<page>_<n>.py``, so that a message or
    generated code quoting the file name and line numbers can be shown as it is printed.

``<!-- docs-test: output -->``
    This block (```text, ```python, any language) is the output of the closest ```python
    block above it: what that block prints, followed, for an ``# expect:`` block, by the
    error's message. The comparison is the one of doctest with ELLIPSIS: ``...`` matches
    anything, so ``0.9182...`` matches every digit after the ones shown. The temporary
    directory is removed from file names first.

``<!-- docs-test: skip REASON -->``
    The block is not run, for the reason given. Use sparingly: a block that can be made
    complete in a few lines should be.

Blocks in other languages (```sh, ```console, ```text without a marker) are not run.
Pages whose blocks are not edited with the rest of the docs (docs/design.md; docs/rules.md,
which is generated, has no python block) get what they need from ``PRELUDES`` below, or are
left out in ``UNMARKABLE``.

A block that shows a bug of tangent_like is listed in ``KNOWN_BUGS`` below, with the bug:
its page is then an expected failure until the bug is fixed.

Each page runs against the built-in derivative rules: rules registered by other tests are
set aside, and rules the page registers are removed afterwards.
"""
import contextlib
import doctest
import io
import pathlib
import re
import sys
import types
import warnings

import pytest

import tangent_like as tl
from tangent_like import runtime
from tangent_like.rules import registry

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md"] + sorted((ROOT / "docs").glob("*.md"))

FENCE = re.compile(r"^```([\w+-]*)\s*$")
MARKER = re.compile(r"^<!--\s*docs-test:\s*(\w+)\s*(.*?)\s*-->\s*$")
EXPECT = re.compile(r"^#\s*expect:\s*(\w+)\s*$")

# Code run before the first block of a page whose blocks use names the page never defines.
PRELUDES = {
    # the declarations of the rule registry's own modules, quoted to explain it
    "design.md": "import math\nimport operator\n"
                 "import numpy as np\n"
                 "from tangent_like.analysis import lattice\n"
                 "from tangent_like.rules.registry import defrule, inactive, partials, unary\n"
                 "from tangent_like.rules.samples import elementwise as samples, uniform\n",
}

# Blocks of pages that cannot carry a marker: (page, block number among the page's
# ```python blocks, counted from 1) -> reason for not running them.
UNMARKABLE = {}

# Blocks whose run shows a bug of tangent_like (a wrong derivative, a crash in generated
# code): (page, block number) -> the bug. The block stays in the docs as it should work; its
# page still runs to the end, and its test is marked xfail until the bug is fixed.
KNOWN_BUGS = {}


class Block:
    def __init__(self, page, lang, line, code, marker):
        self.page = page            # file name of the page
        self.lang = lang
        self.line = line            # line of the opening fence in the page, from 1
        self.code = code
        self.marker = marker        # (name, argument) of a docs-test marker, or None
        self.number = None          # among the page's ```python blocks, from 1
        self.expect = None          # error class name of an `# expect:` line
        first = code.splitlines()[0] if code.strip() else ""
        m = EXPECT.match(first)
        if m:
            self.expect = m.group(1)

    def __repr__(self):
        return f"{self.page}:{self.line}"


def blocks_of(path):
    """The fenced blocks of a Markdown page, in order."""
    lines = path.read_text().splitlines()
    blocks, i, number = [], 0, 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        start, lang = i, m.group(1)
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        assert j < len(lines), f"{path.name}:{start + 1}: unclosed code block"
        marker = None
        if start > 0:
            mm = MARKER.match(lines[start - 1])
            if mm:
                marker = (mm.group(1), mm.group(2))
        block = Block(path.name, lang, start + 1, "\n".join(lines[start + 1:j]) + "\n",
                      marker)
        if lang == "python":
            number += 1
            block.number = number
        blocks.append(block)
        i = j + 1
    for line_no, line in enumerate(lines, 1):
        mm = MARKER.match(line)
        if mm:
            assert mm.group(1) in ("file", "output", "skip"), \
                f"{path.name}:{line_no}: unknown docs-test marker {mm.group(1)!r}"
            assert line_no < len(lines) and FENCE.match(lines[line_no]), \
                f"{path.name}:{line_no}: a docs-test marker must be just before a code block"
            if mm.group(1) == "skip":
                assert mm.group(2), f"{path.name}:{line_no}: a skip needs a reason"
    return blocks


def plan(path):
    """[(block, what)], what being "run", "expect", "output" or "skip: reason"."""
    out = []
    for b in blocks_of(path):
        kind = b.marker[0] if b.marker else None
        if kind == "output":
            out.append((b, "output"))
        elif b.lang != "python":
            continue
        elif kind == "skip":
            out.append((b, "skip: " + b.marker[1]))
        elif (b.page, b.number) in UNMARKABLE:
            out.append((b, "skip: " + UNMARKABLE[(b.page, b.number)]))
        elif b.expect:
            out.append((b, "expect"))
        else:
            out.append((b, "run"))
    return out


def _located_in(err, written):
    """An error without location, or located at a line of one of the `written` blocks
    ({path: number of lines})."""
    filename = getattr(err, "filename", None)
    if filename is None:
        return True
    lines = written.get(str(pathlib.Path(filename).resolve()))
    return lines is not None and err.lineno is not None and 1 <= err.lineno <= lines


def _normalized(text):
    """Without trailing spaces and blank lines at either end."""
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()) + "\n"


@contextlib.contextmanager
def builtin_rules():
    """The registry of derivative rules with only the built-in rules, restored afterwards."""
    saved = (dict(registry._RULES), dict(registry._METHODS), dict(registry._ATTRIBUTES),
             dict(runtime.HELPERS))
    for key, rule in list(registry._RULES.items()):
        if getattr(rule, "user", False):
            del registry._RULES[key]
    tl.clear_cache()
    try:
        yield
    finally:
        for live, old in zip((registry._RULES, registry._METHODS, registry._ATTRIBUTES,
                              runtime.HELPERS), saved):
            live.clear()
            live.update(old)
        tl.clear_cache()


def _fail(block, message, known, cause=None):
    """A failure of `block`: raised, or, for a block of `KNOWN_BUGS`, recorded in `known`."""
    key = (block.page, block.number)
    if key in KNOWN_BUGS:
        known.setdefault(key, message)
        return
    raise AssertionError(f"{block}: {message}") from cause


def run_page(page, tmp_path, monkeypatch):
    """Runs the blocks of `page`; returns {"run": n, "expect": n, "skip": n, "output": n}.

    A failure raises AssertionError, except in the blocks of `KNOWN_BUGS`: the page then
    runs to its end and the test is marked xfail; such a block that no longer fails makes
    the test fail, so that it is taken off the list."""
    monkeypatch.chdir(ROOT)
    stem = page.stem.lower().replace("-", "_")
    module = types.ModuleType(f"docs_{stem}")
    module.__file__ = str(tmp_path / f"{stem}.py")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    exec(PRELUDES.get(page.name, ""), namespace)
    counts = {"run": 0, "expect": 0, "skip": 0, "output": 0}
    written = {}                # path of each block's file -> its number of lines
    last = None                 # (block, its output) of the last block run
    known = {}                  # (page, number) of a KNOWN_BUGS block -> how it failed
    checker = doctest.OutputChecker()
    for block, what in plan(page):
        if what.startswith("skip"):
            counts["skip"] += 1
            continue
        if what == "output":
            assert last is not None, f"{block}: an output block with no python block above"
            want = _normalized(block.code)
            got = _normalized(last[1].replace(str(tmp_path) + "/", ""))
            if not checker.check_output(want, got, doctest.ELLIPSIS):
                _fail(last[0], f"prints something else than {block} shows\n" +
                      checker.output_difference(doctest.Example("", want), got,
                                                doctest.ELLIPSIS), known)
            counts["output"] += 1
            continue
        name = block.marker[1] if block.marker and block.marker[0] == "file" else \
            f"{stem}_{block.number}.py"
        path = tmp_path / name
        assert not path.exists(), f"{block}: file {name} is already used on this page"
        path.write_text(block.code)
        written[str(path.resolve())] = block.code.count("\n")
        code = compile(block.code, str(path), "exec")
        stdout = io.StringIO()
        error = None
        with contextlib.redirect_stdout(stdout), warnings.catch_warnings():
            warnings.simplefilter("ignore", tl.KinkWarning)
            try:
                exec(code, namespace)
            except Exception as exc:        # noqa: BLE001 -- judged below
                error = exc
        printed = stdout.getvalue()
        if what == "expect":
            expected = getattr(tl, block.expect, None)
            assert isinstance(expected, type) and issubclass(expected, Exception), \
                f"{block}: '# expect: {block.expect}' names no error class of tangent_like"
            if error is None:
                _fail(block, f"expected {block.expect}, nothing was raised", known)
            elif type(error) is not expected:
                _fail(block, f"expected {block.expect}, got {type(error).__name__}: {error}",
                      known, error)
            elif not _located_in(error, written):
                _fail(block, f"the {block.expect} is located at {error.filename}:"
                      f"{error.lineno}, not in a block of the page", known, error)
            if error is not None:
                printed += str(error) + "\n"
            counts["expect"] += 1
        else:
            if error is not None:
                _fail(block, f"the block raised {type(error).__name__}: {error}", known, error)
            counts["run"] += 1
        last = (block, printed)
    fixed = [key for key in KNOWN_BUGS if key[0] == page.name and key not in known]
    assert not fixed, f"blocks of KNOWN_BUGS that run as shown now: {fixed}"
    if known:
        pytest.xfail("; ".join(f"{page.name} block {n}: {KNOWN_BUGS[(p, n)]} ({how})"
                               for (p, n), how in known.items()))
    return counts


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page(page, tmp_path, monkeypatch):
    with builtin_rules():
        run_page(page, tmp_path, monkeypatch)


def _page(tmp_path, text):
    page = tmp_path / "page.md"
    page.write_text(text)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    return page, run_dir


OK_PAGE = """
```python
import tangent_like as tl

def f(x):
    return x * x

print(tl.grad(f)(3.0))
```

<!-- docs-test: output -->
```text
6.0
```

<!-- docs-test: file refused.py -->
```python
# expect: UnsupportedSyntaxError
def g(x):
    global y
    return x

tl.grad(g)(1.0)
```

<!-- docs-test: output -->
```text
refused.py:3:5: error: 'global' declarations are not supported -- ...
```

<!-- docs-test: skip shows a signature only -->
```python
tl.grad(f, wrt=0)
```

```sh
not run
```
"""


def test_the_conventions_of_a_page_that_holds(tmp_path, monkeypatch):
    page, run_dir = _page(tmp_path, OK_PAGE)
    counts = run_page(page, run_dir, monkeypatch)
    assert counts == {"run": 1, "expect": 1, "skip": 1, "output": 2}


@pytest.mark.parametrize("old, new, complaint", [
    ("6.0\n", "6.5\n", "prints something else than"),
    ("# expect: UnsupportedSyntaxError", "# expect: NoDerivativeError", "expected NoDerivativeError"),
    ("    global y\n", "", "nothing was raised"),
    ("# expect: UnsupportedSyntaxError", "# expect: TransformError", "got UnsupportedSyntaxError"),
    ("return x * x", "return x * undefined_name", "the block raised"),
    ("<!-- docs-test: skip shows a signature only -->", "<!-- docs-test: skip -->", "needs a reason"),
])
def test_the_conventions_of_a_page_that_does_not_hold(tmp_path, monkeypatch, old, new, complaint):
    assert old in OK_PAGE
    page, run_dir = _page(tmp_path, OK_PAGE.replace(old, new, 1))
    with pytest.raises(AssertionError, match=complaint):
        run_page(page, run_dir, monkeypatch)


def test_a_refusal_must_be_located_in_the_page(tmp_path, monkeypatch):
    """An error located outside the page's blocks (here: in a module of the repository)
    does not count as the refusal the block shows."""
    page, run_dir = _page(tmp_path, """
```python
# expect: UnsupportedSyntaxError
import tangent_like as tl
from tangent_like.errors import UnsupportedSyntaxError

raise UnsupportedSyntaxError("elsewhere", filename=tl.__file__, lineno=1)
```
""")
    with pytest.raises(AssertionError, match="not in a block of the page"):
        run_page(page, run_dir, monkeypatch)


def test_a_known_bug_makes_its_page_an_expected_failure(tmp_path, monkeypatch):
    monkeypatch.setitem(KNOWN_BUGS, ("page.md", 1), "a wrong derivative")
    page, run_dir = _page(tmp_path, OK_PAGE.replace("6.0\n", "6.5\n", 1))
    with pytest.raises(pytest.xfail.Exception, match="a wrong derivative"):
        run_page(page, run_dir, monkeypatch)
    (tmp_path / "fixed").mkdir()
    page, run_dir = _page(tmp_path / "fixed", OK_PAGE)
    with pytest.raises(AssertionError, match="run as shown now"):
        run_page(page, run_dir, monkeypatch)
