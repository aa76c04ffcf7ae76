"""The statistics export: the bilan's figures as a workbook (openpyxl) with its expected sheets and
known values in known cells, and as one long CSV table read back; the figures derived by hand
in tests/reporting/report_data.py; the director's only, their organisation only; the same
queries whatever the data."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook  # type: ignore[import-untyped]

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.organisations.models import Organisation
from microcredit.reporting import report
from microcredit.reporting.rules import Row
from tests.factories import saint_etienne_programme
from tests.reporting.report_data import CLAIMED_PRINCIPAL, hand_bilan, loans_of_2026, small_loan

pytestmark = pytest.mark.django_db

SHEETS = [
    "Synthèse",
    "Entonnoir",
    "Objets des prêts",
    "Tranches",
    "Profils",
    "Droits",
    "Référents",
]
YEAR_2026 = {"annee": "2026"}


def url(fmt: str) -> str:
    return reverse("reporting:statistics_export", args=[fmt])


@pytest.fixture
def referent(make_user: Callable[..., User]) -> User:
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user: Callable[..., User]) -> User:
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def director(client_for: Callable[..., Client]) -> Client:
    return client_for(Role.DIRECTOR)


def workbook(client: Client, params: dict[str, str]) -> Any:
    response = client.get(url("xlsx"), params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return load_workbook(io.BytesIO(response.content))


def csv_rows(client: Client, params: dict[str, str]) -> list[list[str]]:
    response = client.get(url("csv"), params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_the_workbook_has_its_sheets_and_the_figures(
    director: Client, referent: User, adviser: User
) -> None:
    loans_of_2026(referent, adviser)
    response = director.get(url("xlsx"), YEAR_2026)
    assert response["Content-Disposition"] == (
        'attachment; filename="bilan-ccas-saint-etienne-2026-01-01-2026-12-31.xlsx"'
    )
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == SHEETS

    synthesis = book["Synthèse"]
    assert [c.value for c in synthesis[1]] == ["Indicateur", "Valeur", "Unité"]
    assert [c.value for c in synthesis["A2":"B5"][0]] == ["Organisation", "CCAS de Saint-Étienne"]
    assert synthesis["B3"].value == "tous les dispositifs"
    assert synthesis["B4"].value.date() == date(2026, 1, 1)  # a date cell, shown DD/MM/YYYY
    assert synthesis["B4"].number_format == "DD/MM/YYYY"
    assert synthesis["B5"].value.date() == date(2026, 12, 31)
    # Rows by label: numbers as numbers, with their number formats and units.
    rows = {row[0].value: row for row in synthesis.iter_rows(min_row=2)}
    expected = {
        "Dossiers reçus": (3, "#,##0", "dossiers"),
        "Personnes reçues": (3, "#,##0", "personnes"),
        "Prêts décaissés": (3, "#,##0", "prêts"),
        "Montant prêté": (1800, "#,##0.00", "€"),
        "Appels en garantie": (1, "#,##0", "prêts"),
        "Capital restant dû appelé en garantie": (CLAIMED_PRINCIPAL, "#,##0.00", "€"),
        "Taux de perte en nombre de prêts (appels / prêts décaissés)": (33.33, "0.00", "%"),
        "Taux de perte en montant (capital appelé / montant prêté)": (50.11, "0.00", "%"),
        "Taux de perte national de référence": (7.02, "0.00", "%"),
    }
    for label, (value, number_format, unit) in expected.items():
        cells = rows[label]
        assert isinstance(cells[1].value, int | float), label
        assert Decimal(str(cells[1].value)) == Decimal(str(value)), label
        assert (cells[1].number_format, cells[2].value) == (number_format, unit), label
    assert rows["Base du taux de référence"][1].value == "en nombre de prêts"
    assert rows["Source du taux de référence"][1].value.startswith("Caisse des Dépôts")
    assert synthesis["A9"].value == "Prêts décaissés" and synthesis["B9"].value == 3
    assert synthesis["A10"].value == "Montant prêté" and synthesis["B10"].value == 1800

    purposes = book["Objets des prêts"]
    assert [c.value for c in purposes[1]] == ["Objet du prêt", "Prêts", "Montant (€)"]
    assert [c.value for c in purposes[2]] == ["Mobilité", 3, 1800]
    assert purposes["C2"].number_format == "#,##0.00"

    funnel = book["Entonnoir"]
    stages = {row[0].value: row for row in funnel.iter_rows(min_row=2)}
    assert stages["reçus"][1].value == 3
    assert stages["reçus"][2].value is None  # the first stage has no conversion
    assert stages["décaissés"][1].value == 3

    bands = [[c.value for c in row] for row in book["Tranches"].iter_rows(min_row=2)]
    assert ["Montant", "moins de 500 €", 2, 600] in bands
    assert ["Montant", "de 1 000 à 1 999,99 €", 1, 1200] in bands
    assert sum(row[2] for row in bands if row[0] == "Durée") == 3

    profiles = [[c.value for c in row] for row in book["Profils"].iter_rows(min_row=2)]
    assert ["Tranche d'âge", "de 35 à 44 ans", 3] in profiles
    for group in ("Composition du foyer", "Activité", "Tranche d'âge"):
        assert sum(row[2] for row in profiles if row[0] == group) == 3, group

    # The référent's caseload: the two 300 € loans are being repaid (the third is closed by
    # its guarantee call).
    caseload = [[c.value for c in row] for row in book["Référents"].iter_rows(min_row=2)]
    assert caseload == [[referent.get_full_name() or referent.username, 2]]


def test_the_csv_is_one_long_table_with_decimal_commas(
    director: Client, referent: User, adviser: User
) -> None:
    loans_of_2026(referent, adviser)
    params = {"periode": "dates", "du": "2026-01-01", "au": "2026-12-31"}  # the dashboard's
    response = director.get(url("csv"), params)
    assert response["Content-Disposition"] == (
        'attachment; filename="bilan-ccas-saint-etienne-2026-01-01-2026-12-31.csv"'
    )
    rows = csv_rows(director, params)
    assert rows[0] == ["section", "indicateur", "libellé", "valeur", "unité"]
    assert all(len(row) == 5 for row in rows)
    lines = {(row[0], row[1]): row for row in rows[1:]}
    assert lines["Synthèse", "period_start"][3] == "01/01/2026"
    assert lines["Synthèse", "disbursed_count"][2:] == ["Prêts décaissés", "3", "prêts"]
    assert lines["Synthèse", "disbursed_amount"][3:] == ["1800,00", "€"]
    assert lines["Synthèse", "guarantee_calls_amount"][3] == "901,97"
    assert lines["Synthèse", "loss_rate_count_percent"][3:] == ["33,33", "%"]
    assert lines["Synthèse", "loss_rate_amount_percent"][3:] == ["50,11", "%"]
    assert lines["Synthèse", "national_reference_percent"][3:] == ["7,02", "%"]
    assert lines["Objets des prêts", "mobilite.count"][2:] == ["Mobilité — Prêts", "3", "prêts"]
    assert lines["Objets des prêts", "mobilite.amount"][3:] == ["1800,00", "€"]
    assert lines["Entonnoir", "received.conversion_percent"][3] == ""  # none for the first stage
    assert lines["Entonnoir", "disbursed.count"][3] == "3"
    assert lines["Tranches", "amount.lt500.count"][2:4] == ["Montant — moins de 500 € — Prêts", "2"]
    assert lines["Profils", "age_band.35_44.count"][3] == "3"


def test_another_ccas_director_gets_their_own_figures_only(
    client_for: Callable[..., Client], referent: User, adviser: User
) -> None:
    loans_of_2026(referent, adviser)
    other = Organisation.objects.create(kind="ccas", name="CCAS de Firminy", slug="ccas-firminy")
    client = client_for(Role.DIRECTOR, username="directrice-firminy", organisation=other)
    response = client.get(url("xlsx"), YEAR_2026)
    assert response["Content-Disposition"].endswith(
        'filename="bilan-ccas-firminy-2026-01-01-2026-12-31.xlsx"'
    )
    synthesis = load_workbook(io.BytesIO(response.content))["Synthèse"]
    rows = {row[0].value: row[1].value for row in synthesis.iter_rows(min_row=2)}
    assert rows["Organisation"] == "CCAS de Firminy"
    assert (rows["Prêts décaissés"], rows["Montant prêté"]) == (0, 0)
    # Saint-Étienne's scheme is not theirs: refused, no file.
    refused = client.get(url("csv"), {**YEAR_2026, "dispositif": str(saint_etienne_programme().pk)})
    assert refused.status_code == 400
    assert "Dispositif" in refused.content.decode()


def test_one_scheme_of_the_organisation(director: Client, referent: User, adviser: User) -> None:
    loans_of_2026(referent, adviser)
    programme = saint_etienne_programme()
    rows = csv_rows(director, {**YEAR_2026, "dispositif": str(programme.pk)})
    lines = {row[1]: row for row in rows[1:]}
    assert lines["programme"][3] == programme.name
    assert lines["disbursed_count"][3] == "3"


def test_the_queries_do_not_grow_with_the_data(
    director: Client,
    referent: User,
    adviser: User,
    count_queries: Callable[[Callable[[], object]], int],
) -> None:
    def queries() -> list[int]:
        return [
            count_queries(partial(director.get, url(fmt), YEAR_2026)) for fmt in ("xlsx", "csv")
        ]

    loans_of_2026(referent, adviser)
    before = queries()
    small_loan(referent, adviser, date(2026, 5, 4))
    small_loan(referent, adviser, date(2026, 5, 5))
    after = queries()
    assert before == after
    rows = {row[1]: row for row in csv_rows(director, YEAR_2026)[1:]}
    assert rows["disbursed_count"][3] == "5"  # the two loans are counted


@pytest.mark.parametrize("fmt", ["pdf", "json", "XLSX", "csv2"])
def test_another_format_is_not_found(director: Client, fmt: str) -> None:
    assert director.get(url(fmt), YEAR_2026).status_code == 404


@pytest.mark.parametrize(
    "role", [Role.REFERENT, Role.AGENT, Role.COMMITTEE_MEMBER, Role.BANK_ADVISER]
)
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_only_the_director_exports(client_for: Callable[..., Client], role: Role, fmt: str) -> None:
    assert client_for(role).get(url(fmt), YEAR_2026).status_code == 403


def test_a_refused_period_gives_no_file(director: Client) -> None:
    response = director.get(url("xlsx"), {"du": "2026-03-01", "au": "2026-01-31"})
    assert response.status_code == 400
    assert "Le dernier jour précède le premier" in response.content.decode()


# --- The builders, on a bilan built by hand ----------------------------------------------------


def test_a_label_that_looks_like_a_formula_stays_text(saint_etienne: Organisation) -> None:
    figures = hand_bilan(
        purposes=(Row("x", '=HYPERLINK("http://example.org","clic")', 3, Decimal("900.00")),),
        caseload=(Row("7", "+Alice", 4),),
    )
    indicators = report.statistics_indicators(figures, organisation=saint_etienne, programme=None)
    sheets = report.statistics_sheets(figures)
    book = load_workbook(io.BytesIO(report.statistics_xlsx(indicators, sheets)))
    cell = book["Objets des prêts"]["A2"]
    assert (cell.data_type, cell.value) == ("s", '\'=HYPERLINK("http://example.org","clic")')
    assert book["Référents"]["A2"].value == "'+Alice"
    content = report.statistics_csv(indicators, sheets).decode("utf-8-sig")
    lines = {row[1]: row for row in csv.reader(io.StringIO(content), delimiter=";")}
    assert lines["x.count"][2].startswith("'=HYPERLINK(")
    assert lines["7.count"][2].startswith("'+Alice")


def test_figures_that_cannot_be_computed_are_empty_cells(saint_etienne: Organisation) -> None:
    figures = hand_bilan(
        disbursed_count=0,
        disbursed_amount=Decimal("0.00"),
        loss_rate_count_percent=None,
        loss_rate_amount_percent=None,
    )
    indicators = report.statistics_indicators(figures, organisation=saint_etienne, programme=None)
    sheets = report.statistics_sheets(figures)
    book = load_workbook(io.BytesIO(report.statistics_xlsx(indicators, sheets)))
    rows = {row[0].value: row[1].value for row in book["Synthèse"].iter_rows(min_row=2)}
    assert rows["Taux de perte en nombre de prêts (appels / prêts décaissés)"] is None
    assert rows["Prêts décaissés"] == 0
    lines = {
        row[1]: row
        for row in csv.reader(
            io.StringIO(report.statistics_csv(indicators, sheets).decode("utf-8-sig")),
            delimiter=";",
        )
    }
    assert lines["loss_rate_count_percent"][3] == ""
    assert lines["portfolio_as_of"][3] == ""
    assert lines["disbursed_amount"][3] == "0,00"
