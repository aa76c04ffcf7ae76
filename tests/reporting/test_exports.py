"""The exports of dossiers, loans and repayments (issue #16, point 3): CSV and XLSX, minimised by
default, nominative for the roles that may see names, every export in the access log."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl  # type: ignore[import-untyped]
import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import HouseholdMember
from microcredit.core.enums import AccessAction
from microcredit.core.models import AccessLog
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan, Repayment
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.reporting import exports
from microcredit.reporting.rules import Period
from tests.factories import make_applicant, make_dossier, make_second_bank

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
YEAR_2025 = {"periode": "dates", "du": "2025-01-01", "au": "2025-12-31"}
SHEETS = {"dossiers": "Dossiers", "prets": "Prêts", "remboursements": "Remboursements"}


def _loan(dossier: Dossier, *, principal: str, on: date) -> Loan:
    assert dossier.bank_id is not None
    return Loan.objects.create(
        dossier=dossier,
        organisation_id=dossier.organisation_id,
        bank_id=dossier.bank_id,
        principal=Decimal(principal),
        nominal_rate_percent=Decimal("1.500"),
        months=24,
        disbursement_date=on,
        installment=Decimal("50.80"),
        total_interest=Decimal("19.20"),
        total_due=Decimal("1219.20"),
        apr_percent=Decimal("1.51"),
    )


def _repayment(loan: Loan, *, amount: str, on: date, reference: str, by: User) -> Repayment:
    return Repayment.objects.create(
        loan=loan,
        bank_id=loan.bank_id,
        reference=reference,
        date=on,
        amount=Decimal(amount),
        recorded_by=by,
        via="portal",
    )


def _disbursed(by: User, *, on: date, principal: str = "1200.00", **overrides: Any) -> Loan:
    dossier = make_dossier(
        created_by=by, state=DossierState.DISBURSED, application_date=on, **overrides
    )
    return _loan(dossier, principal=principal, on=on)


@pytest.fixture
def director(client_for: Callable[..., Client]) -> Client:
    return client_for(Role.DIRECTOR)


@pytest.fixture
def world(director: Client, saint_etienne: Organisation) -> dict[str, Any]:
    """Two dossiers of 2025 (one disbursed, with two repayments), one of 2024."""
    user = director.user  # type: ignore[attr-defined]
    applicant = make_applicant(
        organisation=saint_etienne,
        created_by=user,
        last_name="Fayolle",
        first_name="Élodie",
        birth_date=date(1990, 7, 14),
        email="elodie.fayolle@example.org",
        phone="0477112233",
        address="12 rue Michelet",
        family_situation="married",
    )
    HouseholdMember.objects.create(
        applicant=applicant, first_name="Léo", birth_date=date(2015, 1, 1), relationship="child"
    )
    loan = _disbursed(user, on=date(2025, 3, 10), principal="1200.00", applicant=applicant)
    _repayment(loan, amount="50.80", on=date(2025, 4, 10), reference="R-1", by=user)
    _repayment(loan, amount="50.80", on=date(2025, 5, 10), reference="R-2", by=user)
    received = make_dossier(
        created_by=user,
        application_date=date(2025, 9, 1),
        requested_amount=Decimal("3000.50"),
        reorientation_label="Fonds de solidarité",
    )
    old = make_dossier(created_by=user, application_date=date(2024, 6, 1))
    return {"loan": loan, "received": received, "old": old, "applicant": applicant}


def _get(client: Client, dataset: str, fmt: str, **params: str) -> Any:
    return client.get(reverse("reporting:export", args=[dataset, fmt]), params)


def _csv(response: Any) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


def _xlsx(response: Any, dataset: str) -> list[tuple[Any, ...]]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == [SHEETS[dataset]]
    return list(workbook[SHEETS[dataset]].iter_rows(values_only=True))


def _table(response: Any, dataset: str, fmt: str) -> list[dict[str, Any]]:
    rows: list[Any] = _csv(response) if fmt == "csv" else _xlsx(response, dataset)
    # openpyxl reads a date cell as a datetime at midnight: compare days.
    rows = [[v.date() if isinstance(v, datetime) else v for v in row] for row in rows]
    header = list(rows[0])
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


# --- The page ---------------------------------------------------------------------------------


def test_the_page_offers_the_three_datasets_in_both_formats(director: Client) -> None:
    response = director.get(reverse("reporting:exports"))
    assert response.status_code == 200
    html = response.content.decode()
    for dataset in exports.DATASETS:
        for fmt in exports.FORMATS:
            assert reverse("reporting:export", args=[dataset, fmt]) in html
    assert "Nominatif" in html
    # The bilan's own period choice (the dashboard's links carry the same parameters).
    for name in ("periode", "du", "au", "dispositif", "mode"):
        assert f'name="{name}"' in html


@time_machine.travel(datetime(2025, 11, 20, 10, 0, tzinfo=PARIS), tick=False)
def test_the_default_period_is_the_calendar_year(director: Client, world: dict[str, Any]) -> None:
    rows = _table(_get(director, "dossiers", "csv"), "dossiers", "csv")
    assert {row["Numéro du dossier"] for row in rows} == {
        world["loan"].dossier.number,
        world["received"].number,
    }
    response = _get(director, "dossiers", "xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="dossiers-2025-ccas-saint-etienne.xlsx"'
    )


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"periode": "dates", "du": "2025-13-01", "au": "2025-12-31"},
            "Saisissez une date valide.",
        ),
        (
            {"periode": "dates", "du": "2025-06-01", "au": "2025-01-01"},
            "Le dernier jour précède le premier : inversez les dates.",
        ),
        ({"periode": "dates", "du": "2025-06-01"}, "Indiquez le dernier jour de la période."),
    ],
)
def test_a_bad_period_exports_nothing_and_says_why(
    director: Client, world: dict[str, Any], params: dict[str, str], message: str
) -> None:
    page = director.get(reverse("reporting:exports"), params)
    assert page.status_code == 200
    assert message in page.content.decode()
    response = _get(director, "prets", "csv", **params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "rien n'a été exporté" in html
    assert f'value="{params["du"]}"' in html  # the choice shown again, to be corrected
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


@pytest.mark.parametrize(("dataset", "fmt"), [("clients", "csv"), ("dossiers", "pdf")])
def test_an_unknown_dataset_or_format_is_not_found(
    director: Client, dataset: str, fmt: str
) -> None:
    assert _get(director, dataset, fmt).status_code == 404


@pytest.mark.parametrize("role", [Role.COMMITTEE_MEMBER, Role.BANK_ADVISER, Role.REFERENT])
def test_other_roles_may_not_export(client_for: Callable[..., Client], role: Role) -> None:
    client = client_for(role)
    assert client.get(reverse("reporting:exports")).status_code == 403
    for fmt in exports.FORMATS:
        assert _get(client, "dossiers", fmt, mode="nominative").status_code == 403
    assert not AccessLog.objects.filter(action=AccessAction.EXPORT).exists()


# --- The datasets -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_the_dossiers(director: Client, world: dict[str, Any], fmt: str) -> None:
    response = _get(director, "dossiers", fmt, **YEAR_2025)
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="dossiers-2025-ccas-saint-etienne.{fmt}"'
    )
    rows = _table(response, "dossiers", fmt)
    assert [row["Numéro du dossier"] for row in rows] == [
        world["loan"].dossier.number,
        world["received"].number,
    ]
    disbursed, received = rows
    assert disbursed["Catégorie de projet (code)"] == "mobilite"
    assert disbursed["Catégorie de projet"] == "Mobilité"
    assert disbursed["État"] == "décaissé (en remboursement)"
    assert disbursed["Composition du foyer (code)"] == "couple_with_children"
    assert disbursed["Composition du foyer"] == "couple avec enfants"
    assert disbursed["Activité"] == "demandeur·se d'emploi"
    assert disbursed["Tranche d'âge"] == "de 25 à 34 ans"  # 34 on 10 March 2025
    assert disbursed["Commune (code INSEE)"] == "42218"
    assert received["Composition du foyer"] == "personne seule"
    assert received["Réorienté vers"] == "Fonds de solidarité"
    if fmt == "csv":
        assert disbursed["Date de la demande"] == "10/03/2025"
        assert disbursed["Montant prêté (€)"] == "1200,00"
        assert received["Montant demandé (€)"] == "3000,50"
        assert received["Montant prêté (€)"] == ""
        assert disbursed["Durée demandée (mois)"] == "24"
    else:
        assert disbursed["Date de la demande"] == date(2025, 3, 10)
        assert disbursed["Montant prêté (€)"] == 1200
        assert received["Montant demandé (€)"] == pytest.approx(3000.5)
        assert received["Montant prêté (€)"] is None
        assert disbursed["Durée demandée (mois)"] == 24


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_the_loans(director: Client, world: dict[str, Any], fmt: str) -> None:
    rows = _table(_get(director, "prets", fmt, **YEAR_2025), "prets", fmt)
    assert len(rows) == 1
    (loan,) = rows
    assert loan["Numéro du dossier"] == world["loan"].dossier.number
    assert loan["État du prêt"] == "en remboursement"
    assert loan["Banque"] == world["loan"].bank.name
    assert loan["Tranche d'âge"] == "de 25 à 34 ans"
    if fmt == "csv":
        assert loan["Date du décaissement"] == "10/03/2025"
        assert loan["Montant prêté (€)"] == "1200,00"
        assert loan["Taux nominal annuel (%)"] == "1,5"
        assert loan["Mensualité (€)"] == "50,80"
    else:
        assert loan["Date du décaissement"] == date(2025, 3, 10)
        assert loan["Montant prêté (€)"] == 1200
        assert loan["Taux nominal annuel (%)"] == pytest.approx(1.5)
        assert loan["Mensualité (€)"] == pytest.approx(50.8)


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_the_repayments(director: Client, world: dict[str, Any], fmt: str) -> None:
    params = {"periode": "dates", "du": "2025-05-01", "au": "2025-05-31"}
    rows = _table(_get(director, "remboursements", fmt, **params), "remboursements", fmt)
    assert [row["Référence de la banque"] for row in rows] == ["R-2"]
    (repayment,) = rows
    assert repayment["Numéro du dossier"] == world["loan"].dossier.number
    assert repayment["Remboursement anticipé"] == "non"
    assert repayment["Canal"] == "portail"
    if fmt == "csv":
        assert repayment["Date du paiement"] == "10/05/2025"
        assert repayment["Montant (€)"] == "50,80"
    else:
        assert repayment["Date du paiement"] == date(2025, 5, 10)
        assert repayment["Montant (€)"] == pytest.approx(50.8)


def test_the_xlsx_keeps_numbers_and_dates_typed(director: Client, world: dict[str, Any]) -> None:
    response = _get(director, "prets", "xlsx", **YEAR_2025)
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["Prêts"]
    header = [cell.value for cell in sheet[1]]
    assert all(cell.font.bold for cell in sheet[1])
    amount = sheet.cell(row=2, column=header.index("Montant prêté (€)") + 1)
    assert amount.data_type == "n"
    assert amount.number_format == "#,##0.00"
    when = sheet.cell(row=2, column=header.index("Date du décaissement") + 1)
    assert when.is_date


def test_a_scheme_chosen_keeps_its_rows_only(
    director: Client, world: dict[str, Any], saint_etienne: Organisation
) -> None:
    user = director.user  # type: ignore[attr-defined]
    _bank_b, programme_b = make_second_bank(saint_etienne)
    other = make_dossier(created_by=user, programme=programme_b, application_date=date(2025, 2, 1))
    everything = _table(_get(director, "dossiers", "csv", **YEAR_2025), "dossiers", "csv")
    assert other.number in {row["Numéro du dossier"] for row in everything}
    chosen = _table(
        _get(director, "dossiers", "csv", dispositif=str(programme_b.pk), **YEAR_2025),
        "dossiers",
        "csv",
    )
    assert [row["Numéro du dossier"] for row in chosen] == [other.number]
    assert chosen[0]["Dispositif"] == programme_b.name


def test_another_organisations_rows_are_absent(
    director: Client, world: dict[str, Any], bank: Organisation
) -> None:
    user = director.user  # type: ignore[attr-defined]
    elsewhere = Organisation.objects.create(kind="ccas", name="CCAS d'ailleurs", slug="ailleurs")
    programme = Programme.objects.create(
        organisation=elsewhere, name="Prêt d'ailleurs", slug="pret", bank_partner=bank
    )
    loan = _disbursed(user, on=date(2025, 4, 1), programme=programme)
    _repayment(loan, amount="10.00", on=date(2025, 5, 1), reference="AILLEURS-1", by=user)
    for dataset in exports.DATASETS:
        for fmt in exports.FORMATS:
            response = _get(director, dataset, fmt, mode="nominative", **YEAR_2025)
            rows = _table(response, dataset, fmt)
            assert rows, dataset
            assert loan.dossier.number not in {row["Numéro du dossier"] for row in rows}
    # The other CCAS's scheme is not a choice either.
    response = _get(director, "dossiers", "csv", dispositif=str(programme.pk), **YEAR_2025)
    assert response.status_code == 400


# --- Minimised and nominative -----------------------------------------------------------------

PERSONAL = ("Fayolle", "Élodie", "14/07/1990", "12 rue Michelet", "0477112233", "elodie.fayolle")


@pytest.mark.parametrize("dataset", exports.DATASETS)
def test_a_minimised_export_names_no_one_and_is_logged(
    director: Client, world: dict[str, Any], dataset: str
) -> None:
    response = _get(director, dataset, "csv", **YEAR_2025)
    content = b"".join(response.streaming_content).decode("utf-8")
    for value in PERSONAL:
        assert value not in content
    assert "Nom" not in content.splitlines()[0].split(";")
    assert "Date de naissance" not in content
    assert "Passer le permis" not in content  # the project's free text
    log = AccessLog.objects.get(action=AccessAction.EXPORT)
    assert log.user_id == director.user.pk  # type: ignore[attr-defined]
    assert log.detail.startswith(f"{dataset}.csv du 01/01/2025 au 31/12/2025, ")
    assert "nominatif" not in log.detail


def test_a_minimised_xlsx_names_no_one(director: Client, world: dict[str, Any]) -> None:
    rows = _xlsx(_get(director, "dossiers", "xlsx", **YEAR_2025), "dossiers")
    cells = {str(value) for row in rows for value in row}
    for value in ("Fayolle", "Élodie", "12 rue Michelet", "0477112233", "Nom", "Prénom"):
        assert value not in cells
    assert "1990-07-14 00:00:00" not in cells


@pytest.mark.parametrize("fmt", exports.FORMATS)
@pytest.mark.parametrize("dataset", exports.DATASETS)
def test_a_nominative_export_names_the_people_and_is_logged(
    director: Client, world: dict[str, Any], dataset: str, fmt: str
) -> None:
    response = _get(director, dataset, fmt, mode="nominative", **YEAR_2025)
    rows = _table(response, dataset, fmt)
    row = next(r for r in rows if r["Numéro du dossier"] == world["loan"].dossier.number)
    assert row["Nom"] == "Fayolle"
    assert row["Prénom"] == "Élodie"
    assert row["Adresse"] == "12 rue Michelet"
    assert row["E-mail"] == "elodie.fayolle@example.org"
    assert row["Téléphone"] == "0477112233"
    born = "14/07/1990" if fmt == "csv" else date(1990, 7, 14)
    assert row["Date de naissance"] == born
    (log,) = AccessLog.objects.filter(action=AccessAction.EXPORT)
    assert log.detail.endswith(", nominatif")
    assert f"{dataset}.{fmt} du 01/01/2025 au 31/12/2025, {len(rows)} ligne" in log.detail


def test_names_are_for_the_ccas_staff_only(
    make_user: Callable[..., User], saint_etienne: Organisation
) -> None:
    assert {role for role in Role if exports.names_allowed(Membership(role=role))} == {
        Role.DIRECTOR,
        Role.REFERENT,
        Role.AGENT,
    }
    member = make_user(Role.COMMITTEE_MEMBER)
    membership = Membership.objects.get(user=member)
    with pytest.raises(PermissionDenied):
        exports.export_build(
            dataset="dossiers",
            user=member,
            membership=membership,
            period=Period(date(2025, 1, 1), date(2025, 12, 31)),
            nominative=True,
        )


# --- Formula injection ------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", exports.FORMATS)
def test_cells_are_never_formulas(director: Client, saint_etienne: Organisation, fmt: str) -> None:
    user = director.user  # type: ignore[attr-defined]
    applicant = make_applicant(
        organisation=saint_etienne,
        created_by=user,
        last_name='=HYPERLINK("http://example.org","x")',
        first_name="@SUM(A1)",
        address="+33 rue",
        phone="-1+2",
    )
    make_dossier(
        created_by=user,
        applicant=applicant,
        application_date=date(2025, 2, 2),
        reorientation_label="=1+1",
    )
    rows = _table(_get(director, "dossiers", fmt, mode="nominative", **YEAR_2025), "dossiers", fmt)
    (row,) = rows
    assert row["Nom"] == '\'=HYPERLINK("http://example.org","x")'
    assert row["Prénom"] == "'@SUM(A1)"
    assert row["Adresse"] == "'+33 rue"
    assert row["Téléphone"] == "'-1+2"
    assert row["Réorienté vers"] == "'=1+1"


def test_neutralise_leaves_numbers_and_plain_text() -> None:
    assert exports.neutralise("Mobilité") == "Mobilité"
    assert exports.neutralise("-5") == "'-5"
    assert exports._csv_text(Decimal("-12.5"), exports.Kind.MONEY) == "-12,50"


# --- Rules and costs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (date(2001, 3, 11), date(2025, 3, 10), "moins de 25 ans"),
        (date(2000, 3, 10), date(2025, 3, 10), "de 25 à 34 ans"),
        (date(1981, 1, 1), date(2025, 3, 10), "de 35 à 44 ans"),
        (date(1960, 3, 10), date(2025, 3, 10), "65 ans et plus"),
        (None, date(2025, 3, 10), ""),
    ],
)
def test_age_bands(born: date | None, on: date, band: str) -> None:
    assert exports.age_band(born, on, exports.age_bands()) == band


def test_the_file_name_of_a_period_that_is_not_a_year() -> None:
    period = Period(date(2025, 1, 1), date(2025, 6, 30))
    assert exports.filename("prets", period, "ccas-x", "csv") == (
        "prets-2025-01-01_2025-06-30-ccas-x.csv"
    )


@pytest.mark.parametrize("fmt", exports.FORMATS)
@pytest.mark.parametrize("dataset", exports.DATASETS)
def test_the_number_of_queries_does_not_grow_with_the_rows(
    director: Client,
    count_queries: Callable[[Callable[[], object]], int],
    dataset: str,
    fmt: str,
) -> None:
    user = director.user  # type: ignore[attr-defined]

    def add(n: int) -> None:
        for i in range(n):
            loan = _disbursed(user, on=date(2025, 3, 1 + i))
            _repayment(
                loan, amount="20.00", on=date(2025, 4, 1 + i), reference=f"Q{n}-{i}", by=user
            )
            HouseholdMember.objects.create(
                applicant=loan.dossier.applicant,
                first_name="Enfant",
                birth_date=date(2015, 1, 1),
                relationship="child",
            )

    def download() -> None:
        response = _get(director, dataset, fmt, mode="nominative", **YEAR_2025)
        assert response.status_code == 200
        b"".join(response.streaming_content)

    add(2)
    few = count_queries(download)
    add(8)
    many = count_queries(download)
    assert few == many
    rows = _table(_get(director, dataset, fmt, **YEAR_2025), dataset, fmt)
    assert len(rows) == 10
