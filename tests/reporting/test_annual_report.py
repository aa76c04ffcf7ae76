"""The annual report: a tagged PDF (WeasyPrint) whose text, read back with pypdf, holds the
figures of the period as the report writes them in French (data set and figures derived by hand
in tests/reporting/report_data.py), the parameters in force and the method; the director's
only, for their organisation; the same queries whatever the data; categories of 1 or 2 grouped."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.organisations.models import Organisation
from microcredit.reporting import report
from microcredit.reporting.charts import Chart
from tests.factories import saint_etienne_programme
from tests.pdfs import assert_accessible, pdf_text
from tests.reporting.report_data import hand_bilan, loans_of_2026, small_loan
from tests.servicing.claim_helpers import PARIS

pytestmark = pytest.mark.django_db

URL = reverse("reporting:annual_report")
TITLE_2026 = "Bilan du micro-crédit social — CCAS de Saint-Étienne — 2026"


def flat(text: str) -> str:
    """The PDF's text on one line, its no-break spaces as plain spaces."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


@pytest.fixture(autouse=True)
def weasyprint_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """WeasyPrint logs no error (it does for a PDF/UA image without alternative text)."""
    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        yield
    errors = [r.getMessage() for r in caplog.records if r.name == "weasyprint"]
    assert not errors


@pytest.fixture
def referent(make_user: Callable[..., User]) -> User:
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user: Callable[..., User]) -> User:
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def director(client_for: Callable[..., Client]) -> Client:
    return client_for(Role.DIRECTOR)


def get_pdf(client: Client, params: dict[str, str]) -> tuple[bytes, str]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return response.content, response["Content-Disposition"]


def test_the_report_holds_the_figures_and_the_parameters_in_force(
    director: Client,
    referent: User,
    adviser: User,
    count_queries: Callable[[Callable[[], object]], int],
) -> None:
    loans = loans_of_2026(referent, adviser)
    content, disposition = get_pdf(director, {"annee": "2026"})
    assert disposition == 'inline; filename="bilan-ccas-saint-etienne-2026-01-01-2026-12-31.pdf"'
    found = assert_accessible(content, title=TITLE_2026)
    assert found.author == "CCAS de Saint-Étienne"
    assert {"Table", "TH", "TD", "Figure", "H3"} <= set(found.structure)  # charts and tables
    text = flat(pdf_text(content))
    assert TITLE_2026 in text
    assert "Période du 01/01/2026 au 31/12/2026 inclus" in text
    # Les chiffres clés, as derived by hand.
    for expected in (
        "Personnes reçues 3 personnes 3 dossiers ouverts",
        "Prêts décaissés 3 prêts pour 1 800,00 €",
        "Montant moyen d'un prêt 600,00 €",
        "Appels en garantie 1 appel 901,97 € de capital restant dû appelé",
        "33,33 % 1 appel de garantie sur 3 prêts décaissés",
        "50,11 % 901,97 € de capital restant dû appelé sur 1 800,00 € prêtés",
        "7,02 % en nombre de prêts — source : Caisse des Dépôts",
        "Le taux de perte de la période (33,33 %) est supérieur à la référence nationale (7,02 %).",
    ):
        assert expected in text, expected
    # The funnel, the purposes, the borrowers (3 of 37 years), the charts' tables.
    assert "Sur 3 dossiers reçus, 3 ont abouti à un prêt (100,00 %)" in text
    assert "Mobilité 3 1 800,00 €" in text
    assert "de 35 à 44 ans 3" in text
    # Les paramètres en vigueur at the period's end (the Saint-Étienne scheme's version 1).
    for expected in (
        "Les paramètres en vigueur",
        "Micro-crédit personnel — version 1, en vigueur depuis le 12/02/2010",
        "Montant du prêt de 300,00 € à 3 000,00 €",
        "Durée de remboursement de 3 à 36 mois",
        "Taux nominal annuel 1,75 %",
        "Territoire 1 commune : Saint-Étienne",
        "Fonds de cohésion sociale, à 50,00 % du capital restant dû",
        "Méthode",
    ):
        assert expected in text, expected
    # No person in a published report: no name, no dossier number.
    dossier = loans[0].dossier
    assert dossier.number not in text
    assert dossier.applicant.last_name not in text

    # The same queries with more loans.
    before = count_queries(lambda: director.get(URL, {"annee": "2026"}))
    small_loan(referent, adviser, date(2026, 5, 4))
    small_loan(referent, adviser, date(2026, 5, 5))
    after = count_queries(lambda: director.get(URL, {"annee": "2026"}))
    assert before == after


def test_the_dashboard_period_gives_the_loans_of_that_period(
    director: Client, referent: User, adviser: User
) -> None:
    """The first quarter: the 1,200 € loan and the first 300 € one; the guarantee is called in
    July, after the period's end, so no loss yet."""
    loans_of_2026(referent, adviser)
    content, disposition = get_pdf(
        director, {"periode": "dates", "du": "2026-01-01", "au": "2026-03-31"}
    )
    assert disposition.endswith('filename="bilan-ccas-saint-etienne-2026-01-01-2026-03-31.pdf"')
    title = "Bilan du micro-crédit social — CCAS de Saint-Étienne — du 01/01/2026 au 31/03/2026"
    assert_accessible(content, title=title)
    text = flat(pdf_text(content))
    assert "Prêts décaissés 2 prêts pour 1 500,00 €" in text
    assert "Montant moyen d'un prêt 750,00 €" in text
    # (« 0 appel » or « 0 appels »: the French plural of 0 comes with the catalogue)
    assert re.search(r"0,00 % 0 appels? de garantie sur 2 prêts décaissés", text)
    assert "Le taux de perte de la période (0,00 %) est inférieur à la référence nationale" in text


def test_without_a_period_the_report_is_the_last_complete_year(
    client_for: Callable[..., Client],
) -> None:
    with time_machine.travel(datetime.combine(date(2027, 2, 1), time(10), tzinfo=PARIS)):
        content, disposition = get_pdf(client_for(Role.DIRECTOR), {})
    assert disposition.endswith('filename="bilan-ccas-saint-etienne-2026-01-01-2026-12-31.pdf"')
    assert_accessible(content, title=TITLE_2026)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"annee": "1999"}, "Année : indiquez une année de 2000 à"),
        ({"annee": "deux mille"}, "Année : indiquez une année de 2000 à"),
        ({"du": "2026-03-01", "au": "2026-01-31"}, "Le dernier jour précède le premier"),
    ],
)
def test_a_refused_period_says_why_and_gives_no_file(
    director: Client, params: dict[str, str], message: str
) -> None:
    response = director.get(URL, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()


def test_another_organisations_scheme_is_refused(client_for: Callable[..., Client]) -> None:
    other = Organisation.objects.create(kind="ccas", name="CCAS de Firminy", slug="ccas-firminy")
    client = client_for(Role.DIRECTOR, username="directrice-firminy", organisation=other)
    response = client.get(URL, {"annee": "2026", "dispositif": str(saint_etienne_programme().pk)})
    assert response.status_code == 400
    assert "Dispositif" in response.content.decode()


@pytest.mark.parametrize(
    "role", [Role.REFERENT, Role.AGENT, Role.COMMITTEE_MEMBER, Role.BANK_ADVISER]
)
def test_only_the_director_reads_the_report(client_for: Callable[..., Client], role: Role) -> None:
    assert client_for(role).get(URL, {"annee": "2026"}).status_code == 403


# --- What the report publishes (a bilan built by hand) ------------------------------------------


def test_categories_of_one_or_two_are_grouped_and_totals_kept() -> None:
    published = report.published_bilan(hand_bilan())
    other = "autres (moins de 3 chacune)"
    assert [(r.label, r.count, r.amount) for r in published.purposes] == [
        ("Mobilité", 3, Decimal("2400.00")),
        ("Emploi et formation", 0, Decimal("0.00")),
        (other, 3, Decimal("1700.00")),  # Santé 2 and Logement 1
    ]
    assert [(r.label, r.count) for r in published.profiles.household_types] == [
        ("personne seule", 5),
        (other, 1),  # a single category of 1 keeps its count, not its name
    ]
    assert [(r.label, r.count) for r in published.reorientations] == [(other, 1)]
    assert [(r.right, r.detected, r.opened) for r in published.rights] == [
        ("ppa", 4, 2),
        ("other", 1, 1),
    ]
    assert published.caseload == ()  # the référents' names stay in the director's export


def test_the_report_sections_show_the_grouped_rows_only() -> None:
    sections = report.report_sections(hand_bilan())
    blocks: list[report.Table | Chart] = []
    for section in sections:
        blocks.extend(section.charts)
        blocks.extend(section.tables)
    cells = [cell for block in blocks for row in block.rows for cell in row]
    descriptions = " ".join(chart.description for s in sections for chart in s.charts)
    for hidden in ("Santé", "Logement", "couple", "Fonds de solidarité logement", "ASF"):
        assert not any(hidden in cell for cell in cells), hidden
        assert hidden not in descriptions, hidden
    assert "Mobilité" in cells
    assert "autres (moins de 3 chacune)" in cells
    assert "Alice Martin" not in cells


def test_the_key_figures_say_when_a_rate_cannot_be_computed() -> None:
    figures = {
        f.label: f
        for f in report.key_figures(
            hand_bilan(
                disbursed_count=0,
                disbursed_amount=Decimal("0.00"),
                loss_rate_count_percent=None,
                loss_rate_amount_percent=None,
                national_reference_percent=None,
                national_reference_basis="",
                national_reference_source="",
            )
        )
    }
    assert figures["Taux de perte en nombre de prêts"].value == (
        "non calculable (aucun prêt décaissé)"
    )
    assert figures["Montant moyen d'un prêt"].value == "non calculable (aucun prêt décaissé)"
    assert figures["Taux de perte national de référence"].value == "non renseigné"
