"""Every derivative rule of the registry, in both modes, against finite differences.

The test enumerates the registry, so a rule without a check cannot exist: a rule either has
samples (its own, or default ones from its domain) checked here, or names the test that
checks it end to end (``tested_by``).
"""
import pathlib

import pytest

from tangent_like.rules import registry
from tangent_like.rules.verify import check_rule

RULES = [r for r in registry.all_rules() if not r.inactive]
ROOT = pathlib.Path(__file__).parent.parent


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_rule_matches_finite_differences(rule):
    if rule.tested_by:
        assert (ROOT / rule.tested_by.split("::")[0]).exists(), rule.tested_by
        pytest.skip(f"checked end to end by {rule.tested_by}")
    assert check_rule(rule) > 0, f"{rule.name}: no template was checked"


def test_registry_has_forward_and_reverse_templates_side_by_side():
    for rule in RULES:
        if rule.tested_by:
            continue
        missing = set(rule.vjp) - set(rule.jvp)
        assert not missing, f"{rule.name}: adjoint without tangent for {sorted(missing)}"
