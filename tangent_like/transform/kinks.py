"""Reports of non-differentiable points, emitted into the primal code on request.

With ``kinks="warn"`` or ``"raise"``, each statement whose primitive has a kink condition
(``abs`` at 0, ``max`` at a tie, ``sqrt`` at 0, ``floor`` at an integer...) and receives a
differentiated value is followed by::

    kink(x == 0, 'model.py:12', 'abs', 'derivative 0 at 0', 'warn')

and each branch whose test compares two values (``if a < b``) is preceded by a check that
they are not equal, where the branch taken decides the derivative.  With the default
``kinks="ignore"`` nothing is emitted: there is no cost.
"""
from ..analysis.activity import binop_rule, unary_rule
from ..analysis.resolve import RuleTarget
from ..loader import user_line
from ..syntax import anno, nodes


def _where(unit, stmt):
    """"model.py:12": the user's line of `stmt`, also when `stmt` is generated code being
    differentiated again (a Hessian reports the line the user wrote)."""
    lineno = (anno.get(stmt, anno.Anno.ORIGIN) or (getattr(stmt, "lineno", None), 0))[0]
    src = getattr(stmt, "_tl_source", None) or unit.parsed.source
    origin = user_line(src.filename, lineno)
    return origin[0] if origin is not None else f"{src.short_name()}:{lineno}"


def _rule_of(value, analysis):
    if isinstance(value, nodes.BinOp):
        return binop_rule(value.op), {"a": value.left, "b": value.right}
    if isinstance(value, nodes.UnaryOp) and isinstance(value.op, (nodes.USub, nodes.UAdd)):
        return unary_rule(value.op), {"x": value.operand}
    target = analysis.targets.get(id(value))
    if isinstance(target, RuleTarget):
        return target.rule, target.bound
    return None, None


def after_assign(unit, stmt, mode):
    """Kink checks to run right after assignment `stmt` (an empty list when none apply)."""
    rule, bound = _rule_of(stmt.value, unit.analysis)
    if rule is None or not getattr(rule, "kink_when", None):
        return []
    if not any(isinstance(a, nodes.Name) and a.id in unit.analysis.active
               for a in bound.values()):
        return []
    subs = rule.substitutions(bound, None)
    when = rule.kink_when(bound) if callable(rule.kink_when) else rule.kink_when
    if when is None:
        return []
    cond = nodes.template_expr(when, **subs)
    return [_call(cond, _where(unit, stmt), rule.name, rule.kink or "", mode)]


def before_branch(unit, stmt, mode):
    """A tie check for ``if a < b`` when a differentiated value decides the branch."""
    test = stmt.test
    if not (isinstance(test, nodes.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], (nodes.Lt, nodes.LtE, nodes.Gt, nodes.GtE))):
        return []
    names = nodes.loaded_names(test)
    if not names & unit.analysis.active:
        return []
    cond = nodes.compare(nodes.copy(test.left), nodes.Eq, nodes.copy(test.comparators[0]))
    return [_call(cond, _where(unit, stmt), "branch condition",
                  "the branch taken decides the derivative", mode)]


def _call(cond, where, primitive, convention, mode):
    return nodes.expr_stmt(nodes.call("kink", [cond, nodes.const(where), nodes.const(primitive),
                                              nodes.const(convention), nodes.const(mode)]))
