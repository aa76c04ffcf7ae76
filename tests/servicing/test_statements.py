"""The bank statement import (servicing.services.statements): a preview that records nothing and
says each line's status as the loans service would decide it, a confirmation all or nothing,
idempotent with the references the API already sent; who may import and confirm."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.errors import Refused
from microcredit.core.models import AuditEvent
from microcredit.loans.models import Loan, Repayment
from microcredit.loans.services import RepaymentLine, repayments_record_batch
from microcredit.servicing.enums import ImportState
from microcredit.servicing.models import StatementImport
from tests.factories import make_second_bank, membership_of
from tests.servicing.statement_helpers import (
    DISBURSED,
    TODAY,
    confirm,
    loan_of,
    preview,
    statement,
    statuses,
)

pytestmark = pytest.mark.django_db


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
def other_loan(referent: User, adviser: User) -> Loan:
    return loan_of(referent, adviser)


def good_file(loan: Loan, other: Loan) -> bytes:
    """Three repayments, Latin-1, « ; », French dates and comma decimals."""
    return statement(
        [
            ["VIR-1", loan.dossier.number, "10/04/2027", "52,17"],
            ["VIR-2", other.dossier.number, "10/04/2027", "52,17"],
            ["VIR-3", loan.dossier.number, "15/04/2027", "10,00"],
        ],
        encoding="cp1252",
    )


def test_good_lines_are_previewed_then_recorded(
    loan: Loan, other_loan: Loan, adviser: User
) -> None:
    content = good_file(loan, other_loan)
    result = preview(adviser, content)
    assert statuses(result) == ["new", "new", "new"]
    assert [line.number for line in result.lines] == [2, 3, 4]
    # 52.17 + 52.17 + 10.00 = 114.34
    assert (result.total, result.new_total) == (Decimal("114.34"), Decimal("114.34"))
    assert result.can_confirm
    assert not Repayment.objects.exists()  # the preview records nothing
    stored = result.statement_import
    stored.refresh_from_db()
    assert (stored.state, stored.lines, stored.encoding) == (ImportState.PREVIEWED, 3, "cp1252")
    assert stored.organisation_id == membership_of(adviser).organisation_id
    assert len(stored.sha256) == 64
    assert AuditEvent.objects.filter(action="statement_import_previewed").count() == 1

    done = confirm(adviser, stored.pk)
    assert (done.recorded, done.already_recorded, done.already_confirmed) == (3, 0, False)
    rows = Repayment.objects.order_by("reference")
    assert [(r.reference, r.loan_id, r.amount, r.via) for r in rows] == [
        ("VIR-1", loan.pk, Decimal("52.17"), "import"),
        ("VIR-2", other_loan.pk, Decimal("52.17"), "import"),
        ("VIR-3", loan.pk, Decimal("10.00"), "import"),
    ]
    stored.refresh_from_db()
    assert (stored.state, stored.recorded) == (ImportState.CONFIRMED, 3)
    assert stored.confirmed_at is not None
    event = AuditEvent.objects.get(action="statement_import_confirmed")
    assert event.new_values["recorded"] == 3
    assert event.object_id == str(stored.pk)


def test_the_same_file_twice_records_nothing_more(
    loan: Loan, other_loan: Loan, adviser: User
) -> None:
    content = good_file(loan, other_loan)
    first = preview(adviser, content)
    confirm(adviser, first.statement_import.pk)
    again = preview(adviser, content)
    assert statuses(again) == ["already_recorded"] * 3
    assert again.new_total == Decimal("0.00")
    assert [s.pk for s in again.earlier] == [first.statement_import.pk]
    done = confirm(adviser, again.statement_import.pk)
    assert (done.recorded, done.already_recorded) == (0, 3)
    # Confirming the first import twice records nothing more either.
    assert confirm(adviser, first.statement_import.pk).already_confirmed
    assert Repayment.objects.count() == 3
    assert AuditEvent.objects.filter(action="repayment_recorded").count() == 3


def test_a_repayment_sent_by_the_api_then_in_a_statement_is_already_recorded(
    loan: Loan, adviser: User
) -> None:
    sent = RepaymentLine("VIR-1", loan.dossier.number, DISBURSED.replace(month=4), Decimal("52.17"))
    repayments_record_batch(
        actor=adviser, membership=membership_of(adviser), lines=[sent], today=TODAY, via="api"
    )
    content = statement(
        [
            ["VIR-1", loan.dossier.number, "2027-04-10", "52.17"],
            ["VIR-2", loan.dossier.number, "2027-04-15", "5.00"],
            ["VIR-2", loan.dossier.number, "2027-04-15", "5.00"],  # the same line again
        ]
    )
    result = preview(adviser, content)
    assert statuses(result) == ["already_recorded", "new", "duplicate"]
    assert (result.new, result.already_recorded, result.refused) == (1, 2, 0)
    done = confirm(adviser, result.statement_import.pk)
    assert (done.recorded, done.already_recorded) == (1, 1)
    assert dict(Repayment.objects.values_list("reference", "via")) == {
        "VIR-1": "api",
        "VIR-2": "import",
    }


def test_one_bad_line_records_nothing_and_is_named(
    loan: Loan, other_loan: Loan, adviser: User
) -> None:
    repayments_record_batch(
        actor=adviser,
        membership=membership_of(adviser),
        lines=[RepaymentLine("VIR-0", loan.dossier.number, TODAY, Decimal("50.00"))],
        today=TODAY,
        via="api",
    )
    content = statement(
        [
            ["VIR-1", loan.dossier.number, "10/04/2027", "52,17"],
            ["VIR-2", "MC-2027-99999", "10/04/2027", "52,17"],
            ["VIR-3", other_loan.dossier.number, "21/04/2027", "52,17"],
            ["VIR-0", loan.dossier.number, "20/04/2027", "51,00"],
            ["VIR-5", other_loan.dossier.number, "10/04/2027", "52,17"],
        ]
    )
    result = preview(adviser, content)
    assert statuses(result) == ["new", "refused", "refused", "refused", "new"]
    reasons = {line.number: line.reasons for line in result.lines if line.reasons}
    assert reasons == {
        3: ("le dossier « MC-2027-99999 » est inconnu de la banque.",),
        4: ("la date est dans le futur.",),
        5: (
            "cette référence est déjà enregistrée pour un autre remboursement (dossier, date "
            "ou montant différents).",
        ),
    }
    assert not result.can_confirm
    with pytest.raises(ValidationError) as caught:
        confirm(adviser, result.statement_import.pk)
    first = caught.value.error_list[0]
    assert first.message == (
        "Ligne 3 (référence « VIR-2 ») : le dossier « MC-2027-99999 » est inconnu de la banque."
    )
    assert first.params == {"line": 3, "reference": "VIR-2"}
    assert [e.params["line"] for e in caught.value.error_list] == [3, 4, 5]  # type: ignore[index]
    assert list(Repayment.objects.values_list("reference", flat=True)) == ["VIR-0"]
    result.statement_import.refresh_from_db()
    assert result.statement_import.state == ImportState.PREVIEWED


def test_a_file_that_does_not_read_stores_nothing(loan: Loan, adviser: User) -> None:
    content = statement(
        [
            ["VIR-1", loan.dossier.number, "10/04/2027", "52,17"],
            ["VIR-2", loan.dossier.number, "le 10 avril", "52,17"],
        ]
    )
    with pytest.raises(ValidationError) as caught:
        preview(adviser, content)
    assert caught.value.messages == [
        "Ligne 3 : « le 10 avril » n'est pas une date (JJ/MM/AAAA ou AAAA-MM-JJ)."
    ]
    with pytest.raises(ValidationError, match="Le fichier est vide"):
        preview(adviser, b"")
    assert not StatementImport.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="statement_import").exists()


def test_another_banks_adviser_neither_sees_the_loans_nor_the_import(
    loan: Loan, adviser: User, make_user, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    bank_b, _programme = make_second_bank(saint_etienne)
    adviser_b = make_user(Role.BANK_ADVISER, username="conseiller-b", organisation=bank_b)
    content = statement([["VIR-1", loan.dossier.number, "10/04/2027", "52,17"]])
    theirs = preview(adviser_b, content)
    assert statuses(theirs) == ["refused"]
    assert "inconnu de la banque" in theirs.lines[0].reasons[0]
    ours = preview(adviser, content)
    with pytest.raises(Http404):
        confirm(adviser_b, ours.statement_import.pk)
    with pytest.raises(Http404):
        confirm(adviser, theirs.statement_import.pk)
    assert not Repayment.objects.exists()


@pytest.mark.parametrize("role", [Role.COMMITTEE_MEMBER, Role.REFERENT, Role.PARTNER_WORKER])
def test_other_roles_may_not_import(loan: Loan, adviser: User, make_user, role: Role) -> None:  # type: ignore[no-untyped-def]
    someone = make_user(role, username="quelqu-un")
    content = statement([["VIR-1", loan.dossier.number, "10/04/2027", "52,17"]])
    with pytest.raises(Refused, match="importent les relevés"):
        preview(someone, content)
    ours = preview(adviser, content)
    with pytest.raises(Refused):
        confirm(someone, ours.statement_import.pk)
    assert StatementImport.objects.count() == 1
    assert not Repayment.objects.exists()
