"""Shrink a failing case to a small program that fails the same way.

The minimizer edits the program's syntax tree, one change at a time, and keeps a change when
the program is still valid (``f`` runs and gives a finite scalar, finite differences agree)
and still fails in the same mode with the same class and signature.  Changes, tried
greedily until none applies:

* differentiate with respect to a single argument instead of several;
* drop the parameters of ``f`` that are not differentiated (when nothing uses them);
* delete a statement (an empty body becomes ``pass``), including a helper function;
* replace an ``if``, ``for`` or ``while`` statement by its body (a ``for`` loop by its first
  iteration, the loop variable bound first) or an ``if`` by its ``else`` branch;
* replace an expression by one of its operands or arguments (which drops a call), or by a
  constant.
"""
import ast
import copy
import time

from .oracle import run_case

#: Default limits of one minimization: candidate programs run, and seconds.
MAX_RUNS = 800
MAX_SECONDS = 120.0


def failure_key(outcome):
    """What a smaller program must reproduce: class and signature."""
    return (outcome.kind, outcome.signature)


# -- statement edits -------------------------------------------------------------------

def _statement_lists(tree):
    """Every (node, field) holding a list of statements, in source order."""
    out = []
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list) and stmts and isinstance(stmts[0], ast.stmt):
                out.append((node, field))
    out.sort(key=lambda nf: (getattr(getattr(nf[0], nf[1])[0], "lineno", 0), nf[1]))
    return out


def _protected(stmt, owner):
    """Statements never removed: the definition of ``f``."""
    return isinstance(owner, ast.Module) and isinstance(stmt, ast.FunctionDef) \
        and stmt.name == "f"


def _first_iteration(loop):
    """Statements binding a ``for`` loop's target as in its first iteration, or None."""
    it = loop.iter
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name):
        name = it.func.id
        if name == "range":
            start = it.args[0] if len(it.args) >= 2 else ast.Constant(0)
            return ast.Assign(targets=[loop.target], value=start)
        if name == "enumerate" and it.args:
            value = ast.Tuple([ast.Constant(0), _item(it.args[0])], ast.Load())
            return ast.Assign(targets=[loop.target], value=value)
        if name == "zip" and it.args:
            value = ast.Tuple([_item(a) for a in it.args], ast.Load())
            return ast.Assign(targets=[loop.target], value=value)
    return ast.Assign(targets=[loop.target], value=_item(it))


def _item(seq):
    return ast.Subscript(value=copy.deepcopy(seq), slice=ast.Constant(0), ctx=ast.Load())


def _statement_edits(stmt):
    """Replacements (lists of statements) for one statement, smallest first."""
    edits = [[]]
    if isinstance(stmt, ast.If):
        edits.append(stmt.body)
        if stmt.orelse:
            edits.append(stmt.orelse)
    elif isinstance(stmt, ast.While):
        edits.append(stmt.body)
    elif isinstance(stmt, ast.For):
        edits.append([_first_iteration(stmt)] + stmt.body)
    return edits


def statement_candidates(tree):
    """Edits removing or simplifying one statement: ``("stmt", list, index, choice)``."""
    for list_index, (owner, field) in enumerate(_statement_lists(tree)):
        for k, stmt in enumerate(getattr(owner, field)):
            if _protected(stmt, owner) or isinstance(stmt, ast.Pass):
                continue
            for choice in range(len(_statement_edits(stmt))):
                yield ("stmt", list_index, k, choice)


def _apply_statement(tree, edit):
    """The tree with one statement edit applied."""
    _, list_index, k, choice = edit
    tree = copy.deepcopy(tree)
    owner, field = _statement_lists(tree)[list_index]
    stmts = getattr(owner, field)
    replacement = copy.deepcopy(_statement_edits(stmts[k])[choice])
    stmts[k:k + 1] = replacement
    if not stmts and not isinstance(owner, ast.Module):
        if field == "orelse":
            setattr(owner, field, [])
        else:
            stmts.append(ast.Pass())
    return tree


# -- expression edits ------------------------------------------------------------------

def _simpler(node):
    """Smaller expressions to put in place of ``node``."""
    out = []
    if isinstance(node, ast.BinOp):
        out += [node.left, node.right]
    elif isinstance(node, ast.UnaryOp):
        out.append(node.operand)
    elif isinstance(node, ast.Call):
        # a generator expression left on its own would never run: not the same program
        out += [a for a in node.args if not isinstance(a, (ast.Starred, ast.GeneratorExp))]
    elif isinstance(node, ast.IfExp):
        out += [node.body, node.orelse]
    elif isinstance(node, ast.BoolOp):
        out += node.values
    elif isinstance(node, ast.Subscript):
        out.append(node.value)
    elif isinstance(node, ast.Attribute) and node.attr == "T":
        out.append(node.value)
    if not isinstance(node, (ast.Constant, ast.Name)) or \
            (isinstance(node, ast.Name) and node.id not in ("np", "math")):
        if not isinstance(node, ast.Compare):
            out.append(ast.Constant(0.5))
    return out


def _editable_expressions(tree):
    """Expressions that may be replaced, in a fixed order."""
    out = []

    def visit(node, in_target=False):
        for field, value in ast.iter_fields(node):
            children = value if isinstance(value, list) else [value]
            for child in children:
                if not isinstance(child, ast.AST):
                    continue
                target = in_target or field in ("targets", "target") or \
                    isinstance(child, ast.arguments)
                if isinstance(child, ast.expr) and not target and \
                        not isinstance(getattr(child, "ctx", None), ast.Store) and \
                        not (isinstance(node, ast.Call) and field == "func") and \
                        not (isinstance(node, ast.Attribute)):
                    out.append(child)
                visit(child, target)

    visit(tree)
    return out


def expression_candidates(tree):
    """Edits replacing one expression: ``("expr", index, choice)``."""
    for index, node in enumerate(_editable_expressions(tree)):
        for choice in range(len(_simpler(node))):
            yield ("expr", index, choice)


class _Replace(ast.NodeTransformer):
    """Put ``replacement`` in place of the node ``target``."""
    def __init__(self, target, replacement):
        self.target = target
        self.replacement = replacement

    def visit(self, node):
        if node is self.target:
            return self.replacement
        return self.generic_visit(node)


def _apply_expression(tree, edit):
    """The tree with one expression edit applied."""
    _, index, choice = edit
    tree = copy.deepcopy(tree)
    node = _editable_expressions(tree)[index]
    replacement = copy.deepcopy(_simpler(node)[choice])
    return _Replace(node, replacement).visit(tree)


# -- the search ------------------------------------------------------------------------

def _source(tree):
    """Source text of a tree."""
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


class _Search:
    """Greedy search for a smaller case with the same failure."""

    def __init__(self, case, mode, key, timeout, max_runs, max_seconds):
        self.mode = mode
        self.key = key
        self.timeout = timeout
        self.runs = 0
        self.max_runs = max_runs
        self.deadline = time.monotonic() + max_seconds
        self.case = case.replace(modes=(mode,), hessian=mode == "hessian", path=None)
        self.outcome = None

    @property
    def exhausted(self):
        """Has the search used up its runs or its time?"""
        return self.runs >= self.max_runs or time.monotonic() > self.deadline

    def fails(self, candidate):
        """Does ``candidate`` fail as required?  Remembers the outcome if so."""
        self.runs += 1
        outcome = run_case(candidate, [self.mode], self.timeout)[self.mode]
        if failure_key(outcome) == self.key:
            self.outcome = outcome
            return True
        return False

    def try_source(self, tree):
        """Keep the program of ``tree`` if it fails as required."""
        candidate = self.case.replace(source=_source(tree))
        if self.fails(candidate):
            self.case = candidate
            return True
        return False

    def reduce_parameters(self):
        """Drop parameters of ``f`` that are not differentiated, with their arguments."""
        position = len(self.case.args) - 1
        while position >= 0 and not self.exhausted:
            if position not in self.case.wrt_positions and len(self.case.args) > 1:
                tree = ast.parse(self.case.source)
                f = next(node for node in tree.body
                         if isinstance(node, ast.FunctionDef) and node.name == "f")
                del f.args.args[position]
                shift = [p - (p > position) for p in self.case.wrt_positions]
                wrt = tuple(shift) if isinstance(self.case.wrt, tuple) else shift[0]
                args = self.case.args[:position] + self.case.args[position + 1:]
                candidate = self.case.replace(source=_source(tree), args=args, wrt=wrt)
                if self.fails(candidate):
                    self.case = candidate
            position -= 1

    def reduce_wrt(self):
        """Differentiate with respect to one argument, if that still fails."""
        if not isinstance(self.case.wrt, tuple):
            return
        for position in self.case.wrt:
            if self.exhausted:
                return
            for wrt in (position, (position,)):
                candidate = self.case.replace(wrt=wrt)
                if self.fails(candidate):
                    self.case = candidate
                    return

    def pass_over(self, candidates, apply):
        """Apply edits of one kind until none is accepted; True if any was."""
        progress = False
        start = 0
        while not self.exhausted:
            tree = ast.parse(self.case.source)
            edits = list(candidates(tree))
            accepted = False
            for offset in range(len(edits)):
                if self.exhausted:
                    break
                i = (start + offset) % len(edits)
                try:
                    new = apply(tree, edits[i])
                    ast.parse(_source(new))
                except (SyntaxError, ValueError, IndexError, TypeError, AttributeError):
                    continue
                if self.try_source(new):
                    progress = accepted = True
                    start = i
                    break
            if not accepted:
                break
        return progress

    def run(self):
        """Minimize; returns (case, outcome), outcome None if not reproduced."""
        tree = ast.parse(self.case.source)
        if not self.try_source(tree):      # the unparsed program must still fail
            return self.case, None
        self.reduce_wrt()
        while not self.exhausted:
            changed = self.pass_over(statement_candidates, _apply_statement)
            changed |= self.pass_over(expression_candidates, _apply_expression)
            if not changed:
                break
        self.reduce_parameters()
        return self.case, self.outcome


def minimize(case, mode, outcome, timeout=None, max_runs=MAX_RUNS, max_seconds=MAX_SECONDS):
    """A small case failing in ``mode`` like ``outcome``; returns ``(case, outcome)``.

    ``outcome`` must be a crash or a wrong result (anything else is returned as it is).
    When the failure cannot be reproduced after re-formatting the program, ``case`` is
    returned as it was, restricted to ``mode``.
    """
    if not outcome.failed:
        return case, outcome
    search = _Search(case, mode, failure_key(outcome), timeout, max_runs, max_seconds)
    small, small_outcome = search.run()
    return small, small_outcome or outcome
