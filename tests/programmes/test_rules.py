"""Pure parameter rules: parsing the editable lists, cross-field checks (no database)."""

from decimal import Decimal

import pytest

from microcredit.programmes import rules
from microcredit.programmes.communes import communes


def test_purposes_parse_into_categories_and_subcategories() -> None:
    parsed = rules.parse_purposes("Mobilité : permis de conduire ; réparation\nSanté : optique")
    assert parsed == [
        {
            "code": "mobilite",
            "label": "Mobilité",
            "subcategories": [
                {"code": "permis_de_conduire", "label": "permis de conduire"},
                {"code": "reparation", "label": "réparation"},
            ],
        },
        {
            "code": "sante",
            "label": "Santé",
            "subcategories": [{"code": "optique", "label": "optique"}],
        },
    ]
    assert rules.parse_purposes(rules.format_purposes(parsed)) == parsed


def test_duplicate_category_is_refused() -> None:
    with pytest.raises(rules.ParameterError, match="en double"):
        rules.parse_purposes("Santé : optique\nsante : dentaire")


def test_territory_uses_the_official_commune_list() -> None:
    registry = communes()
    assert registry["42218"] == "Saint-Étienne"
    assert registry["69123"] == "Lyon"
    assert len(registry) > 34000
    parsed = rules.parse_territory("42218 : 42000, 42100", registry)
    assert parsed == [{"insee": "42218", "name": "Saint-Étienne", "postcodes": ["42000", "42100"]}]
    with pytest.raises(rules.ParameterError, match="inconnu"):
        rules.parse_territory("42999 : 42000", registry)


def test_usury_table_accepts_french_decimals_and_an_open_band() -> None:
    rows = rules.parse_usury_table("2026-01-01 ; ; 8,67\n2026-01-01 ; 3 000 ; 23,56 %")
    assert rows == [
        {"valid_from": "2026-01-01", "amount_up_to": "3000.00", "rate_percent": "23.56"},
        {"valid_from": "2026-01-01", "amount_up_to": None, "rate_percent": "8.67"},
    ]
    with pytest.raises(rules.ParameterError, match="invalide"):
        rules.parse_usury_table("01/01/2026 ; 3000 ; 23,56")


def test_cross_field_checks() -> None:
    check = rules.check_parameters(
        {
            "min_amount": Decimal("500"),
            "max_amount": Decimal("300"),
            "min_months": 3,
            "max_months": 36,
            "nominal_rate_percent": Decimal("-0.5"),
            "max_deferral_months": 0,
        }
    )
    assert not check.ok
    assert set(check.errors) == {"max_amount", "nominal_rate_percent"}
    assert rules.check_parameters({"min_amount": Decimal("300"), "max_amount": Decimal("3000")}).ok
