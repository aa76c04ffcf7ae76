"""The Banque de France's figures (issue #16, point 6): every figure derived by hand on a small
data set, the CSV file read back, another CCAS's loans left out, the director only, and a number
of queries that does not grow with the loans."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from loan_engine import Keep, build_schedule, partial_repayment
from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.dossiers.enums import DossierState
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan
from microcredit.loans.selectors import loan_terms
from microcredit.loans.services.schedules import loan_create, schedule_version_store
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.reporting.regulator import (
    HalfYear,
    RegulatorFigures,
    last_complete_half,
    regulator_figures_for,
)
from microcredit.servicing.models import ArrearsSnapshot, GuaranteeClaim
from tests.factories import make_dossier, saint_etienne_programme

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
TODAY = date(2027, 3, 15)  # the last complete half-year: 2026-S2
YEAR_END = date(2026, 12, 31)
URL = reverse("reporting:regulator")
CSV_URL = reverse("reporting:regulator_csv")
_refs = count(1)


@pytest.fixture(autouse=True)
def _today() -> Iterator[None]:
    with time_machine.travel(datetime.combine(TODAY, time(10, 0), tzinfo=PARIS), tick=False):
        yield


def cent(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def french_balance(principal: str, rate_percent: str, months: int, paid: int) -> Decimal:
    """The balance after `paid` installments, from docs/LOAN_CONVENTIONS.md (constant
    installment rounded half-up; each month's interest = balance × rate / 12, rounded once)."""
    p, r = Decimal(principal), Decimal(rate_percent)
    i = r / Decimal(1200)
    installment = cent(p * i / (1 - (1 + i) ** -months))
    balance = p
    for _ in range(paid):
        balance -= installment - cent(balance * r / Decimal(1200))
    return balance


def make(
    director: User,
    bank: Organisation,
    *,
    on: date,
    principal: str,
    rate: str = "0",
    months: int = 12,
    purpose: str = "mobilite",
    apr: str | None = None,
    state: str = LoanState.ACTIVE,
    programme: Programme | None = None,
) -> Loan:
    dossier = make_dossier(
        created_by=director,
        state=DossierState.DISBURSED,
        programme=programme,
        application_date=on,
        purpose_category=purpose,
        purpose_subcategory="",
    )
    loan = loan_create(
        actor=director,
        dossier=dossier,
        bank_id=bank.pk,
        principal=Decimal(principal),
        nominal_rate_percent=Decimal(rate),
        months=months,
        deferral_months=0,
        deferral_kind="none",
        disbursement_date=on,
    )
    changes: dict[str, object] = {}
    if apr is not None:
        changes["apr_percent"] = Decimal(apr)
    if state != LoanState.ACTIVE:
        changes["state"] = state
    if changes:
        Loan.objects.filter(pk=loan.pk).update(**changes)
        loan.refresh_from_db()
    return loan


def claim(director: User, loan: Loan, *, on: date, outstanding: str) -> GuaranteeClaim:
    Loan.objects.filter(pk=loan.pk).update(state=LoanState.GUARANTEE_CALLED)
    principal = Decimal(outstanding)
    return GuaranteeClaim.objects.create(
        loan=loan,
        reference=f"AG-{next(_refs)}",
        acceleration_date=on,
        first_unpaid_date=on,
        guarantor_name="Fonds de cohésion sociale",
        rate_percent=Decimal("50.00"),
        includes_interest=False,
        outstanding_principal=principal,
        accrued_interest=Decimal("0.00"),
        amount=cent(principal / 2),
        recorded_by=director,
    )


def snapshot(loan: Loan, *, days: int, outstanding: str, on: date = YEAR_END) -> None:
    ArrearsSnapshot.objects.create(
        loan=loan,
        as_of=on,
        days_past_due=days,
        bucket="90+" if days >= 90 else "current",
        overdue_amount=Decimal("0.00"),
        outstanding_principal=Decimal(outstanding),
        installment=loan.installment,
    )


def other_ccas_programme() -> Programme:
    ccas = Organisation.objects.create(kind="ccas", name="CCAS d'ailleurs", slug="ccas-ailleurs")
    programme = Programme.objects.create(
        organisation=ccas,
        name="Prêt d'ailleurs",
        slug="pret-ailleurs",
        bank_partner=saint_etienne_programme().bank_partner,
    )
    version = ProgrammeVersion.objects.filter(programme=saint_etienne_programme()).earliest(
        "valid_from"
    )
    version.pk = None
    version.programme = programme
    version.save()
    return programme


@pytest.fixture
def director(make_user: Callable[..., User]) -> User:
    return make_user(Role.DIRECTOR)


@pytest.fixture
def loans(director: User, bank: Organisation) -> dict[str, Loan]:
    """The data set (Saint-Étienne unless said):

    2026-S1: A 1 000 € at 1,75 % over 12 months (APR 1,77 %), mobility, on 15/01;
             B 3 000 € at 3 % over 24 months (APR 3,04 %), housing, on 31/03;
             C 2 000 € at 0 % over 36 months (APR 0 %), mobility, on 30/06, then 500 € repaid
             early on 05/10/2026 (schedule version 2, installment kept).
    2026-S2: D 1 500 € at 0 % over 18 months, on 01/07/2026, 95 days late at year end.
    Before:  E 600 € at 0 % over 6 months on 31/12/2025, repaid (schedule ends 30/06/2026);
             G 1 200 € at 0 % over 24 months on 10/03/2025, guarantee called on 15/09/2026
             (700 € outstanding claimed); H 800 € at 0 % over 24 months on 20/01/2025,
             guarantee called on 20/11/2025; K 300 € over 3 months in 2024, repaid.
    Another CCAS: F 4 000 € at 5 % on 01/02/2026, its guarantee called on 01/10/2026, 120 days
             late at year end: in none of the figures.
    """
    made = {
        "A": make(director, bank, on=date(2026, 1, 15), principal="1000", rate="1.75",
                  months=12, apr="1.77"),
        "B": make(director, bank, on=date(2026, 3, 31), principal="3000", rate="3", months=24,
                  purpose="logement", apr="3.04"),
        "C": make(director, bank, on=date(2026, 6, 30), principal="2000", months=36, apr="0"),
        "D": make(director, bank, on=date(2026, 7, 1), principal="1500", months=18,
                  purpose="emploi_et_formation"),
        "E": make(director, bank, on=date(2025, 12, 31), principal="600", months=6,
                  state=LoanState.REPAID),
        "G": make(director, bank, on=date(2025, 3, 10), principal="1200", months=24),
        "H": make(director, bank, on=date(2025, 1, 20), principal="800", months=24),
        "K": make(director, bank, on=date(2024, 1, 10), principal="300", months=3,
                  state=LoanState.REPAID),
        "F": make(director, bank, on=date(2026, 2, 1), principal="4000", rate="5", months=24,
                  programme=other_ccas_programme()),
    }  # fmt: skip
    c = made["C"]
    schedule = build_schedule(loan_terms(c))
    schedule_version_store(
        actor=director,
        loan=c,
        schedule=partial_repayment(schedule, date(2026, 10, 5), Decimal("500"), Keep.INSTALLMENT),
        reason="Remboursement anticipé partiel",
    )
    claim(director, made["G"], on=date(2026, 9, 15), outstanding="700.00")
    claim(director, made["H"], on=date(2025, 11, 20), outstanding="66.68")
    claim(director, made["F"], on=date(2026, 10, 1), outstanding="2500.00")
    snapshot(made["A"], days=0, outstanding="83.96")
    snapshot(made["B"], days=0, outstanding="1896.05")
    snapshot(made["C"], days=0, outstanding="1166.64")
    snapshot(made["D"], days=95, outstanding="1250.00")
    snapshot(made["F"], days=120, outstanding="3000.00")
    return made


def figures(half: HalfYear, programme_id: int | None = None) -> RegulatorFigures:
    programme = saint_etienne_programme()
    return regulator_figures_for(
        organisation_id=programme.organisation_id,
        half=half,
        today=TODAY,
        programme_id=programme_id,
    )


def test_the_default_is_the_last_complete_half_year() -> None:
    assert last_complete_half(date(2027, 3, 15)) == HalfYear(2026, 2)
    assert last_complete_half(date(2027, 6, 30)) == HalfYear(2026, 2)
    assert last_complete_half(date(2027, 7, 1)) == HalfYear(2027, 1)
    assert HalfYear(2026, 2).code == "2026-S2"
    assert (HalfYear(2026, 1).start, HalfYear(2026, 1).end) == (date(2026, 1, 1), date(2026, 6, 30))


def test_the_half_years_new_loans_derived_by_hand(loans: dict[str, Loan]) -> None:
    new = figures(HalfYear(2026, 1)).new_loans
    # A, B, C (D is disbursed on 1 July, E on 31 December 2025, F is another CCAS's).
    assert new.count == 3
    assert new.principal == Decimal("6000.00")
    assert new.average_principal == Decimal("2000.00")
    assert new.average_months == Decimal("24.00")  # (12 + 24 + 36) / 3
    # Nominal: (1.75 × 1000 + 3 × 3000 + 0 × 2000) / 6000 = 10750 / 6000 = 1.7916… → 1.79.
    assert (new.nominal_rate.minimum, new.nominal_rate.weighted_average) == (
        Decimal("0.00"),
        Decimal("1.79"),
    )
    assert new.nominal_rate.maximum == Decimal("3.00")
    # APR: (1.77 × 1000 + 3.04 × 3000 + 0) / 6000 = 10890 / 6000 = 1.815 → 1.82 (half-up).
    assert (new.apr.minimum, new.apr.weighted_average, new.apr.maximum) == (
        Decimal("0.00"),
        Decimal("1.82"),
        Decimal("3.04"),
    )
    assert [(r.key, r.label, r.count, r.amount) for r in new.purposes] == [
        ("mobilite", "Mobilité", 2, Decimal("3000.00")),
        ("logement", "Logement", 1, Decimal("3000.00")),
    ]


def test_an_empty_half_year_has_no_averages(loans: dict[str, Loan]) -> None:
    new = figures(HalfYear(2024, 2)).new_loans
    assert (new.count, new.principal, new.average_principal, new.average_months) == (
        0,
        Decimal("0.00"),
        None,
        None,
    )
    assert new.nominal_rate.weighted_average is None and new.purposes == ()


def test_the_years_outstanding_and_defaults_derived_by_hand(loans: dict[str, Loan]) -> None:
    year = figures(HalfYear(2026, 2)).year_end
    assert (year.as_of, year.complete) == (YEAR_END, True)
    # A: 11 installments paid (15/02 to 15/12); B: 9 (30/04 to 31/12), by the conventions.
    a = french_balance("1000", "1.75", 12, 11)
    b = french_balance("3000", "3", 24, 9)
    assert (a, b) == (Decimal("83.96"), Decimal("1896.05"))
    # C, schedule version 2: 3 × 55.56 paid (to 30/09), 500 € early on 05/10, then 3 × 55.56
    # again (installment kept): 2000 − 6 × 55.56 − 500 = 1166.64 (version 1 would say 1666.64).
    c = Decimal("2000") - 6 * Decimal("55.56") - Decimal("500")
    # D: 5 × 83.33 paid (01/08 to 01/12): 1083.35. E is repaid, G and H called: none counts.
    d = Decimal("1500") - 5 * Decimal("83.33")
    assert year.outstanding_principal == a + b + c + d == Decimal("4230.00")
    assert year.outstanding_count == 4
    # G's call on 15/09/2026 (H's was in 2025, F is another CCAS's).
    assert (year.guarantee_calls, year.guarantee_calls_principal) == (1, Decimal("700.00"))
    # D, 95 days late, with what its snapshot says is still owed (F is another CCAS's).
    assert year.past_due is not None and year.snapshots_missing == 0
    assert (year.past_due.count, year.past_due.outstanding_principal) == (1, Decimal("1250.00"))
    # E (its schedule ends on 30/06/2026); K ended in 2024.
    assert year.repaid_count == 1


def test_the_previous_year_end(loans: dict[str, Loan]) -> None:
    """At 31/12/2025: E (600, nothing due yet), G (1200 − 9 × 50), H (called in 2025: out);
    no snapshot that day, so no figure of arrears."""
    year = figures(HalfYear(2025, 1)).year_end
    assert year.outstanding_principal == Decimal("600.00") + Decimal("1200") - 9 * Decimal("50")
    assert year.outstanding_count == 2
    assert (year.guarantee_calls, year.guarantee_calls_principal) == (1, Decimal("66.68"))
    assert year.past_due is None and year.snapshots_missing == 2
    assert year.repaid_count == 0


def test_arrears_are_not_shown_when_a_snapshot_is_missing(loans: dict[str, Loan]) -> None:
    ArrearsSnapshot.objects.filter(loan=loans["A"]).delete()
    year = figures(HalfYear(2026, 2)).year_end
    assert year.past_due is None and year.snapshots_missing == 1
    assert year.outstanding_principal == Decimal("4230.00")  # the schedules do not need them


def test_the_running_year_is_taken_at_today(loans: dict[str, Loan]) -> None:
    year = figures(HalfYear(2027, 1)).year_end
    assert (year.as_of, year.complete) == (TODAY, False)
    # A: its last line was due on 15/01/2027 → 0; B: 11 paid (to 28/02/2027); C: 8 lines of
    # 55.56 and the early 500 €; D: 8 paid (to 01/03/2027).
    b = french_balance("3000", "3", 24, 11)
    c = Decimal("2000") - 8 * Decimal("55.56") - Decimal("500")
    d = Decimal("1500") - 8 * Decimal("83.33")
    assert year.outstanding_principal == b + c + d
    assert year.outstanding_count == 3


def test_one_scheme_only(loans: dict[str, Loan]) -> None:
    programme = saint_etienne_programme()
    assert figures(HalfYear(2026, 1), programme.pk).new_loans.count == 3
    other = Programme.objects.create(
        organisation_id=programme.organisation_id, name="Autre", slug="autre"
    )
    empty = figures(HalfYear(2026, 1), other.pk)
    assert (empty.new_loans.count, empty.year_end.outstanding_principal) == (0, Decimal("0.00"))


# --- The page and the file ---------------------------------------------------------------


def director_client(client: Client, director: User) -> Client:
    client.force_login(director)
    return client


def test_the_page_shows_the_half_year_and_the_year(
    client: Client, director: User, loans: dict[str, Loan]
) -> None:
    response = director_client(client, director).get(URL, {"annee": "2026", "semestre": "S1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nouveaux prêts décaissés du 01/01/2026 au 30/06/2026" in html
    assert "6\u202f000,00\u00a0€" in html  # the half-year's amount
    assert "1,82\u00a0%" in html  # the weighted APR
    assert "4\u202f230,00\u00a0€" in html  # the outstanding principal at 31/12/2026
    assert "Mobilité" in html
    assert "4\u202f000,00" not in html  # the other CCAS's loan
    assert f"{CSV_URL}?annee=2026&amp;semestre=S1" in html


def test_without_a_choice_the_page_shows_the_last_complete_half_year(
    client: Client, director: User, loans: dict[str, Loan]
) -> None:
    response = director_client(client, director).get(URL)
    html = response.content.decode()
    assert "Nouveaux prêts décaissés du 01/07/2026 au 31/12/2026" in html
    assert 'role="status"' not in html
    # The years offered: from the first loan's (2024) to this year.
    assert '<option value="2024">' in html and '<option value="2027">' in html
    assert '<option value="2023">' not in html


@pytest.mark.parametrize(
    "params",
    [
        {"annee": "deux mille", "semestre": "S1"},
        {"annee": "1990", "semestre": "S1"},
        {"annee": "2026", "semestre": "S3"},
        {"annee": "2026"},
        {"semestre": "S1", "annee": "2026\x00"},
    ],
)
def test_a_bad_period_gives_the_default_and_says_why(
    client: Client, director: User, loans: dict[str, Loan], params: dict[str, str]
) -> None:
    response = director_client(client, director).get(URL, params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "La période demandée n&#x27;est pas valide" in html
    assert "Nouveaux prêts décaissés du 01/07/2026 au 31/12/2026" in html


def test_an_unknown_scheme_gives_every_scheme_and_says_why(
    client: Client, director: User, loans: dict[str, Loan]
) -> None:
    other = Programme.objects.get(slug="pret-ailleurs")  # another CCAS's scheme
    for value in (str(other.pk), "abc", "999999"):
        response = director_client(client, director).get(
            URL, {"annee": "2026", "semestre": "S1", "dispositif": value}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "Le dispositif demandé n&#x27;existe pas" in html
        assert "6\u202f000,00\u00a0€" in html  # Saint-Étienne's loans, every scheme


def read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_the_csv_file_read_back(client: Client, director: User, loans: dict[str, Loan]) -> None:
    response = director_client(client, director).get(CSV_URL, {"annee": "2026", "semestre": "S1"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="banque-de-france-2026-S1-ccas-saint-etienne.csv"'
    )
    rows = read_csv(response.content)
    assert rows[0] == ["section", "indicateur", "valeur", "unité"]
    assert all(len(row) == 4 for row in rows)
    values = {row[1]: (row[2], row[3]) for row in rows[1:]}
    assert values["Semestre"] == ("2026-S1", "")
    assert values["Chiffres annuels arrêtés au"] == ("2026-12-31", "date")
    assert values["Nombre de prêts décaissés"] == ("3", "prêts")
    assert values["Montant total prêté"] == ("6000,00", "EUR")
    assert values["Montant moyen prêté"] == ("2000,00", "EUR")
    assert values["Durée moyenne de remboursement"] == ("24,00", "mois")
    assert values["Taux nominal moyen pondéré par le montant"] == ("1,79", "%")
    assert values["TAEG minimum"] == ("0,00", "%")
    assert values["TAEG moyen pondéré par le montant"] == ("1,82", "%")
    assert values["TAEG maximum"] == ("3,04", "%")
    assert values["Mobilité : nombre"] == ("2", "prêts")
    assert values["Logement : montant"] == ("3000,00", "EUR")
    assert values["Capital restant dû"] == ("4230,00", "EUR")
    assert values["Nombre de prêts en cours"] == ("4", "prêts")
    assert values["Appels en garantie de l'année"] == ("1", "prêts")
    assert values["Capital restant dû appelé en garantie"] == ("700,00", "EUR")
    assert values["Prêts en retard de 90 jours ou plus"] == ("1", "prêts")
    assert values["Prêts remboursés dans l'année"] == ("1", "prêts")
    assert "4000,00" not in response.content.decode("utf-8-sig")


def test_the_csv_has_the_same_lines_whatever_the_data(
    client: Client, director: User, loans: dict[str, Loan]
) -> None:
    """Only the purpose lines depend on the data; an unavailable figure is an empty value."""
    ArrearsSnapshot.objects.filter(loan=loans["A"]).delete()
    full = read_csv(
        director_client(client, director).get(CSV_URL, {"annee": "2026", "semestre": "S1"}).content
    )
    empty = read_csv(client.get(CSV_URL, {"annee": "2024", "semestre": "S2"}).content)
    assert [r[:2] for r in full if "objet" not in r[0]] == [r[:2] for r in empty]
    late = next(r for r in full if r[1] == "Prêts en retard de 90 jours ou plus")
    assert late[2] == ""


def test_the_csv_of_one_scheme_names_it(
    client: Client, director: User, loans: dict[str, Loan]
) -> None:
    programme = saint_etienne_programme()
    response = director_client(client, director).get(
        CSV_URL, {"annee": "2026", "semestre": "S2", "dispositif": str(programme.pk)}
    )
    assert response["Content-Disposition"] == (
        f'attachment; filename="banque-de-france-2026-S2-ccas-saint-etienne-{programme.slug}.csv"'
    )
    rows = read_csv(response.content)
    assert ["Période", "Dispositif", programme.name, ""] in rows


def test_a_csv_asked_with_bad_values_leads_to_the_page(client: Client, director: User) -> None:
    response = director_client(client, director).get(CSV_URL, {"annee": "x", "semestre": "S1"})
    assert response.status_code == 302
    assert response["Location"] == f"{URL}?annee=x&semestre=S1"


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT, Role.ADMIN, Role.BANK_ADVISER])
def test_only_the_director(client_for: Callable[..., Client], role: Role) -> None:
    client = client_for(role)
    assert client.get(URL).status_code == 403
    assert client.get(CSV_URL).status_code == 403


def test_another_ccas_director_sees_only_their_loans(
    client: Client, make_user: Callable[..., User], loans: dict[str, Loan]
) -> None:
    other = Organisation.objects.get(slug="ccas-ailleurs")
    director = make_user(Role.DIRECTOR, username="directrice-ailleurs", organisation=other)
    rows = read_csv(
        director_client(client, director).get(CSV_URL, {"annee": "2026", "semestre": "S1"}).content
    )
    values = {row[1]: row[2] for row in rows[1:]}
    assert values["Nombre de prêts décaissés"] == "1"
    assert values["Montant total prêté"] == "4000,00"
    assert values["Appels en garantie de l'année"] == "1"
    assert values["Capital restant dû"] == "0,00"  # F's guarantee was called in 2026


def test_the_number_of_queries_does_not_grow_with_the_loans(
    client: Client,
    director: User,
    bank: Organisation,
    loans: dict[str, Loan],
    count_queries: Callable[[Callable[[], object]], int],
) -> None:
    director_client(client, director)

    def page() -> None:
        assert client.get(URL, {"annee": "2026", "semestre": "S2"}).status_code == 200

    def file() -> None:
        assert client.get(CSV_URL, {"annee": "2026", "semestre": "S2"}).status_code == 200

    small = (count_queries(page), count_queries(file))
    for n in range(6):
        loan = make(director, bank, on=date(2026, 8, 1 + n), principal="1000", months=12,
                    purpose=("logement", "sante")[n % 2])  # fmt: skip
        snapshot(loan, days=100 * (n % 2), outstanding="600.00")
        if n == 5:
            claim(director, loan, on=date(2026, 12, 1), outstanding="900.00")
    assert figures(HalfYear(2026, 2)).new_loans.count == 7
    assert (count_queries(page), count_queries(file)) == small
