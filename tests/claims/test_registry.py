"""The registry file is validated, and every problem is located (file, line, claim id, field)."""

from __future__ import annotations

from pathlib import Path

import pytest

from circularity.claims import ClaimsError, read_registry
from circularity.claims.registry import _bundled_path

ASSUMPTIONS = _bundled_path("published_assumptions.yaml")

GOOD = """\
claims:
  - id: cahn-600b
    text: the $600B question
    source: {publisher: Sequoia, date: 2024-06-20}
    formula: cahn_required_revenue($cahn_2024.gpu_runrate, $cahn_2024.gpu_share_of_tco, $cahn_2024.end_user_gross_margin)
    claimed: 600
    unit: USD_bn_per_year
    tolerance: {rel: 0.001}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "claims.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ClaimsError) as info:
        read_registry(write(tmp_path, text), ASSUMPTIONS)
    return [str(p) for p in info.value.problems]


def test_bundled_registry_has_at_least_25_claims(registry):
    assert len(registry.claims) >= 25
    assert len({c.id for c in registry.claims}) == len(registry.claims)


def test_every_published_input_has_source_url_date_and_confidence(registry):
    for key, a in registry.assumptions.items():
        assert a.source.date, key
        assert a.confidence, key
        assert a.source.url or a.confidence in ("derived", "secondary_single"), key


def test_a_good_file_reads(tmp_path):
    reg = read_registry(write(tmp_path, GOOD), ASSUMPTIONS)
    assert reg.claims[0].formula_text.startswith("cahn_required_revenue($cahn_2024.gpu_runrate")


def test_bad_field_is_located_by_file_line_claim_and_field(tmp_path):
    found = problems(tmp_path, GOOD.replace("{rel: 0.001}", "{rel: 0.001, abs: 1}"))
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path / 'claims.yaml'}:8: cahn-600b.tolerance")
    assert "exactly one" in found[0]


def test_unknown_unit_names_the_claim(tmp_path):
    (found,) = problems(tmp_path, GOOD.replace("unit: USD_bn_per_year", "unit: dollars"))
    assert ":7: cahn-600b.unit:" in found


def test_unknown_computation_is_located_at_the_formula(tmp_path):
    (found,) = problems(tmp_path, GOOD.replace("cahn_required_revenue(", "cahn_needed("))
    assert ":5: cahn-600b.formula: unknown computation 'cahn_needed'" in found


def test_wrong_arguments_say_the_parameters(tmp_path):
    (found,) = problems(tmp_path, GOOD.replace(", $cahn_2024.end_user_gross_margin", ""))
    assert "cahn-600b.formula" in found and "end_user_gross_margin" in found


def test_unknown_assumption_lists_the_models_keys(tmp_path):
    (found,) = problems(tmp_path, GOOD.replace("$cahn_2024.gpu_runrate", "$cahn_2024.gpu_rate"))
    assert "unknown assumption '$cahn_2024.gpu_rate'" in found and "cahn_2024.gpu_runrate" in found


def test_code_is_not_a_formula(tmp_path):
    (found,) = problems(
        tmp_path,
        GOOD.replace(
            "formula: cahn_required_revenue",
            "formula: __import__('os').system('true') or cahn_required_revenue",
        ),
    )
    assert "cahn-600b.formula" in found


def test_duplicate_ids_and_claim_loops_are_reported_together(tmp_path):
    loop = """\
claims:
  - id: a
    text: a
    source: {publisher: P, date: 2025}
    formula: sum(claim(b), 1)
    claimed: 1
    unit: ratio
    tolerance: {abs: 0}
  - id: b
    text: b
    source: {publisher: P, date: 2025}
    formula: sum(claim(a), 1)
    claimed: 1
    unit: ratio
    tolerance: {abs: 0}
  - id: b
    text: b again
    source: {publisher: P, date: 2025}
    formula: ratio(1, 2)
    claimed: 1
    unit: ratio
    tolerance: {abs: 0}
"""
    found = problems(tmp_path, loop)
    assert any(":16: b.id: duplicate id" in p for p in found)
    assert any("loop: a -> b -> a" in p for p in found)


def test_unknown_claim_reference(tmp_path):
    (found,) = problems(
        tmp_path,
        GOOD.replace("formula: cahn_required_revenue(", "formula: sum(claim(nope), ").replace(
            ", $cahn_2024.gpu_share_of_tco, $cahn_2024.end_user_gross_margin)", ")"
        ),
    )
    assert "claim('nope') names no claim" in found


def test_missing_field_is_named(tmp_path):
    (found,) = problems(tmp_path, GOOD.replace("    claimed: 600\n", ""))
    assert "cahn-600b.claimed: Field required" in found


def test_invalid_yaml_gives_the_line(tmp_path):
    (found,) = problems(tmp_path, GOOD + "  - id: [unclosed\n")
    assert "not valid YAML" in found and "claims.yaml:" in found


def test_assumption_with_unknown_source_is_located(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text(
        "sources:\n  s: {publisher: P, date: 2025}\nmodels:\n  m:\n    title: M\n    values:\n"
        "      x: {value: 1, unit: ratio, source: nope, confidence: confirmed}\n",
        encoding="utf-8",
    )
    with pytest.raises(ClaimsError) as info:
        read_registry(write(tmp_path, GOOD), path)
    text = str(info.value)
    assert f"{path}:7: m.x.source: unknown source 'nope'" in text
