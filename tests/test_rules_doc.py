"""docs/rules.md lists every rule of the registry: regenerate it when this fails with
``python -m tangent_like.rules.doc > docs/rules.md``."""
import pathlib

from tangent_like.rules.doc import render


def test_rules_reference_is_up_to_date():
    path = pathlib.Path(__file__).parent.parent / "docs" / "rules.md"
    assert path.read_text() == render(), "docs/rules.md is out of date: regenerate it"
