"""The bank statement pages: the upload with the documented columns, the preview (statuses,
amounts, totals, the confirm button disabled by one refused line), the confirmation, the list of
past imports (paginated, its query count flat), who may reach them; the preview's query count
bounded for 50 lines."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.formatting import format_eur
from microcredit.core.models import AccessLog
from microcredit.loans.models import Loan, Repayment
from microcredit.servicing.enums import ImportState
from microcredit.servicing.models import StatementImport
from microcredit.servicing.selectors.statements import PAGE_SIZE
from tests.factories import make_second_bank
from tests.servicing.statement_helpers import TODAY, loan_of, on, preview, statement, upload

pytestmark = pytest.mark.django_db

UPLOAD = reverse("servicing:statement_upload")


@pytest.fixture(autouse=True)
def on_the_import_day() -> Iterator[None]:
    """The pages are used on TODAY (the loans are disbursed before, on their own day)."""
    with on(TODAY):
        yield


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def adviser(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="conseiller")


@pytest.fixture
def loan(referent: User, adviser: User) -> Loan:
    return loan_of(referent, adviser)


@pytest.fixture
def browser(client: Client, adviser: User) -> Client:
    client.force_login(adviser)
    return client


def post_file(client: Client, content: bytes, name: str = "releve.csv") -> object:
    return client.post(UPLOAD, {"upload": upload(content, name)})


def get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_upload_page_documents_the_columns_with_an_example(browser: Client) -> None:
    page = get(browser, UPLOAD)
    for header in ("référence", "dossier", "date", "montant", "remboursement anticipé"):
        assert f"<code>{header}</code>" in page
    assert "VIR-2026-0001;MC-2026-00042;06/12/2026;52,17" in page
    assert "tout ou rien" in page
    assert "Aucun relevé déposé" in page


def test_a_latin1_statement_is_previewed_then_confirmed(browser: Client, loan: Loan) -> None:
    content = statement(
        [
            ["VIR-1", loan.dossier.number, "10/04/2027", "52,17"],
            ["VIR-2", loan.dossier.number, "15/04/2027", "1 000,00"],
        ],
        header=("Référence", "Numéro", "Date", "Montant"),
        encoding="cp1252",
    )
    response = post_file(browser, content, "relevé avril.csv")
    imported = StatementImport.objects.get()
    detail = reverse("servicing:statement_detail", args=[imported.pk])
    assert response.url == detail  # type: ignore[attr-defined]
    page = get(browser, detail)
    assert "relevé avril.csv" in page
    assert page.count("Nouveau") == 2
    # 52.17 + 1,000.00 = 1,052.17
    for amount in ("52.17", "1000.00", "1052.17"):
        assert format_eur(Decimal(amount)) in page
    assert "disabled" not in page
    assert AccessLog.objects.filter(action="statement_import_detail").count() == 1
    assert not Repayment.objects.exists()

    response = browser.post(reverse("servicing:statement_confirm", args=[imported.pk]))
    assert response.url == detail  # type: ignore[attr-defined]
    assert Repayment.objects.count() == 2
    page = get(browser, detail)
    assert "2 remboursement(s) enregistré(s), 0 déjà enregistré(s)" in page
    assert "Confirmer l'import" not in page
    page = get(browser, UPLOAD)
    assert "Confirmé" in page
    assert "relevé avril.csv" in page


def test_a_utf8_statement_with_bom_and_commas_goes_through_the_page(
    browser: Client, loan: Loan
) -> None:
    content = b"\xef\xbb\xbf" + statement(
        [["VIR-1", loan.dossier.number, "2027-04-10", "52.17"]],
        header=("reference", "dossier", "date", "montant"),
        delimiter=",",
    )
    post_file(browser, content)
    imported = StatementImport.objects.get()
    assert imported.encoding == "utf-8-sig"
    browser.post(reverse("servicing:statement_confirm", args=[imported.pk]))
    assert list(Repayment.objects.values_list("reference", "amount")) == [
        ("VIR-1", Decimal("52.17"))
    ]


def test_one_refused_line_disables_the_confirmation_and_says_why(
    browser: Client, loan: Loan
) -> None:
    content = statement(
        [
            ["VIR-1", loan.dossier.number, "10/04/2027", "52,17"],
            ["VIR-2", "MC-2027-99999", "10/04/2027", "52,17"],
        ]
    )
    post_file(browser, content)
    imported = StatementImport.objects.get()
    page = get(browser, reverse("servicing:statement_detail", args=[imported.pk]))
    assert "Le dossier « MC-2027-99999 » est inconnu de la banque." in page
    assert 'type="submit" disabled' in page
    assert "une ligne refusée empêche d'enregistrer les autres" in page
    # Posting anyway records nothing and names the line.
    response = browser.post(reverse("servicing:statement_confirm", args=[imported.pk]), follow=True)
    assert "Ligne 3 (référence « VIR-2 »)" in response.content.decode()
    assert not Repayment.objects.exists()
    imported.refresh_from_db()
    assert imported.state == ImportState.PREVIEWED


def test_a_file_that_does_not_read_is_shown_on_the_form(browser: Client, loan: Loan) -> None:
    content = statement([["VIR-1", loan.dossier.number, "10/04/2027"]])
    response = post_file(browser, content)
    assert response.status_code == 200  # type: ignore[attr-defined]
    assert "Ligne 2 : 3 colonnes au lieu des 4 de l&#x27;en-tête." in response.content.decode()  # type: ignore[attr-defined]
    empty = browser.post(UPLOAD, {})
    assert empty.status_code == 200
    assert "Ce champ est obligatoire." in empty.content.decode()
    assert not StatementImport.objects.exists()


def test_the_past_imports_are_paginated_with_a_flat_query_count(
    browser: Client, adviser: User, count_queries
) -> None:  # type: ignore[no-untyped-def]
    def add(count: int) -> None:
        for n in range(count):
            StatementImport.objects.create(
                organisation_id=adviser.memberships.get().organisation_id,
                original_name=f"releve-{n:02d}.csv",
                sha256="0" * 64,
                encoding="utf-8",
                content="",
                uploaded_by=adviser,
            )

    add(3)
    few = count_queries(lambda: get(browser, UPLOAD))
    add(PAGE_SIZE + 2)
    many = count_queries(lambda: get(browser, UPLOAD))
    assert many == few
    first, second = get(browser, UPLOAD), get(browser, f"{UPLOAD}?page=2")
    assert first.count("releve-") == PAGE_SIZE
    assert second.count("releve-") == 3 + PAGE_SIZE + 2 - PAGE_SIZE
    assert "Page 2 sur 2" in second


def test_the_preview_of_50_lines_makes_a_bounded_number_of_queries(
    referent: User, adviser: User, count_queries
) -> None:  # type: ignore[no-untyped-def]
    loans = [loan_of(referent, adviser) for _ in range(5)]

    def rows(count: int, prefix: str) -> list[list[str]]:
        return [
            [f"{prefix}-{n}", loans[n % 5].dossier.number, "10/04/2027", "1,00"]
            for n in range(count)
        ]

    ten = count_queries(lambda: preview(adviser, statement(rows(10, "A"))))
    fifty = count_queries(lambda: preview(adviser, statement(rows(50, "B"))))
    # The loans service writes each new line in the savepoint rolled back (the repayment and
    # its audit row): at most a constant per line, nothing per loan or per lookup.
    assert fifty - ten <= 2 * 40, (ten, fifty)
    assert fifty <= 150, fifty


def test_who_reaches_the_pages(
    client: Client, adviser: User, loan: Loan, make_user, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    ours = preview(adviser, statement([["VIR-1", loan.dossier.number, "10/04/2027", "5,00"]]))
    detail = reverse("servicing:statement_detail", args=[ours.statement_import.pk])
    confirm = reverse("servicing:statement_confirm", args=[ours.statement_import.pk])
    client.force_login(make_user(Role.COMMITTEE_MEMBER, username="membre"))
    assert client.get(UPLOAD).status_code == 403
    assert client.get(detail).status_code == 403
    bank_b, _programme = make_second_bank(saint_etienne)
    client.force_login(make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b))
    assert client.get(UPLOAD).status_code == 200
    assert "Aucun relevé déposé" in client.get(UPLOAD).content.decode()
    assert client.get(detail).status_code == 404
    assert client.post(confirm).status_code == 404
    assert not Repayment.objects.exists()
