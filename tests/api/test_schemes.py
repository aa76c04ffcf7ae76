"""GET /api/v1/schemes: the partner CCAS's scheme in force, as the bank's decision is checked
against it (values read back from the version in force, not an older or a future one), only the
token's bank's programmes, amounts as `Money` strings, queries constant with the programmes."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import timezone

from microcredit.api.schemas import MONEY_PATTERN, PERCENT_PATTERN
from microcredit.loans.services import MAX_BATCH
from microcredit.programmes.models import Programme, ProgrammeVersion
from tests.api.helpers import assert_error
from tests.factories import make_second_bank, saint_etienne_programme

pytestmark = pytest.mark.django_db

URL = "/api/v1/schemes"


def new_version(programme: Programme, valid_from, **values) -> ProgrammeVersion:  # type: ignore[no-untyped-def]
    """A copy of the programme's latest version, from `valid_from`, with `values` changed."""
    version = ProgrammeVersion.objects.filter(programme=programme).latest("valid_from")
    version.pk = None
    version.number = ProgrammeVersion.objects.filter(programme=programme).count() + 1
    version.valid_from = valid_from
    for name, value in values.items():
        setattr(version, name, value)
    version.save()
    return version


def test_the_scheme_in_force_today_with_its_values(api, adviser) -> None:  # type: ignore[no-untyped-def]
    programme = saint_etienne_programme()
    today = timezone.localdate()
    usury = [
        {"valid_from": "2025-10-01", "amount_up_to": "3000.00", "rate_percent": "23.49"},
        {"valid_from": "2025-10-01", "amount_up_to": None, "rate_percent": "8.73"},
        {"valid_from": today.isoformat(), "amount_up_to": None, "rate_percent": "8.67"},
        {"valid_from": today.isoformat(), "amount_up_to": "3000.00", "rate_percent": "23.56"},
        {"valid_from": (today + timedelta(days=30)).isoformat(), "amount_up_to": None,
         "rate_percent": "9.99"},
    ]  # fmt: skip
    current = new_version(
        programme,
        today,
        min_amount=Decimal("250.00"),
        max_amount=Decimal("2800.50"),
        min_months=6,
        max_months=30,
        max_deferral_months=4,
        allow_interest_only_deferral=True,
        allow_capitalised_deferral=False,
        nominal_rate_percent=Decimal("1.125"),
        repayment_tolerance=Decimal("7.30"),
        usury_thresholds=usury,
    )
    # A version starting tomorrow is not in force yet.
    new_version(programme, today + timedelta(days=1), max_amount=Decimal("9999.00"))

    response = api.get(URL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["on"] == today.isoformat()
    assert body["limits"] == {
        "offer_file_max_bytes": settings.DOCUMENT_MAX_BYTES,
        "repayment_batch_max": MAX_BATCH,
    }
    [scheme] = body["items"]
    assert scheme == {
        "organisation": programme.organisation.name,
        "organisation_slug": programme.organisation.slug,
        "programme": programme.name,
        "programme_slug": programme.slug,
        "version": current.number,
        "valid_from": today.isoformat(),
        "min_amount": "250.00",
        "max_amount": "2800.50",
        "min_months": 6,
        "max_months": 30,
        "max_deferral_months": 4,
        "deferral_kinds": ["none", "interest_only"],
        "nominal_rate_percent": "1.125",
        # Today's rows only (the older table and the future one aside), bounded bands first.
        "usury_thresholds": [
            {"valid_from": today.isoformat(), "amount_up_to": "3000.00", "rate_percent": "23.56"},
            {"valid_from": today.isoformat(), "amount_up_to": None, "rate_percent": "8.67"},
        ],
        "repayment_tolerance": "7.30",
    }
    for name in ("min_amount", "max_amount", "repayment_tolerance"):
        assert re.fullmatch(MONEY_PATTERN, scheme[name])
    for row in scheme["usury_thresholds"]:
        assert re.fullmatch(PERCENT_PATTERN, row["rate_percent"])


def test_the_loaded_scheme_as_the_bank_sees_it(api) -> None:  # type: ignore[no-untyped-def]
    version = ProgrammeVersion.objects.filter(programme=saint_etienne_programme()).latest(
        "valid_from"
    )
    [scheme] = api.get(URL).json()["items"]
    assert Decimal(scheme["min_amount"]) == version.min_amount
    assert Decimal(scheme["max_amount"]) == version.max_amount
    assert (scheme["min_months"], scheme["max_months"]) == (version.min_months, version.max_months)
    assert scheme["max_deferral_months"] == version.max_deferral_months
    assert Decimal(scheme["nominal_rate_percent"]) == version.nominal_rate_percent
    assert re.fullmatch(PERCENT_PATTERN, scheme["nominal_rate_percent"])
    assert set(scheme["deferral_kinds"]) == {"none", "interest_only", "capitalised"}
    assert scheme["usury_thresholds"], "a loaded scheme has usury thresholds in force"


def test_another_banks_programmes_are_not_listed(api, api_b) -> None:  # type: ignore[no-untyped-def]
    mine = [s["programme_slug"] for s in api.get(URL).json()["items"]]
    theirs = [s["programme_slug"] for s in api_b.get(URL).json()["items"]]
    assert mine == ["micro-credit-personnel"]
    assert theirs == ["pret-banque-b"]


def test_amounts_and_rates_keep_two_decimals_whatever_their_scale(api) -> None:  # type: ignore[no-untyped-def]
    new_version(
        saint_etienne_programme(),
        timezone.localdate(),
        usury_thresholds=[
            {"valid_from": "2026-01-01", "amount_up_to": "3000", "rate_percent": "23.5"}
        ],
    )
    [scheme] = api.get(URL).json()["items"]
    assert scheme["usury_thresholds"] == [
        {"valid_from": "2026-01-01", "amount_up_to": "3000.00", "rate_percent": "23.50"}
    ]


def test_a_programme_without_a_version_in_force_is_left_out(api, bank, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    programme = Programme.objects.create(
        organisation=saint_etienne, name="Futur", slug="futur", bank_partner=bank
    )
    new_version(saint_etienne_programme(), timezone.localdate() + timedelta(days=10))
    version = ProgrammeVersion.objects.filter(programme=saint_etienne_programme()).latest(
        "valid_from"
    )
    version.pk = None
    version.programme = programme
    version.save()
    slugs = [s["programme_slug"] for s in api.get(URL).json()["items"]]
    assert slugs == ["micro-credit-personnel"]


def test_queries_do_not_grow_with_the_programmes(api, bank, count_queries) -> None:  # type: ignore[no-untyped-def]
    api.get(URL)  # the token's first use is written once (at most once a minute)
    few = count_queries(lambda: api.get(URL))
    for n in range(4):
        _other_bank, programme = make_second_bank(
            saint_etienne_programme().organisation, slug=f"autre-{n}"
        )
        programme.bank_partner = bank
        programme.save()
        new_version(programme, timezone.localdate())
    body = api.get(URL).json()
    assert len(body["items"]) == 5
    assert count_queries(lambda: api.get(URL)) == few


def test_without_a_token(client) -> None:  # type: ignore[no-untyped-def]
    assert_error(client.get(URL), 401)


def test_the_operation_in_the_schema(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/schemes"]["get"]
    assert operation["operationId"] == "scheme_list"
    assert operation["tags"] == ["schemes"]
    assert {"200", "401", "429"} <= set(operation["responses"])
