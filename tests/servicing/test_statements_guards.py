"""The statement import with the loans service's rules of issue #12: an amount above what is due
is refused (nothing recorded, the line named), and the CCAS's agent or director imports the
statements of their organisation's loans."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.loans.models import Loan, Repayment
from microcredit.servicing.models import StatementImport
from tests.factories import membership_of
from tests.servicing.statement_helpers import confirm, loan_of, preview, statement, statuses

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


def test_an_amount_above_what_is_due_is_refused_and_nothing_is_recorded(
    loan: Loan, adviser: User
) -> None:
    # The loan lent 1,200.00 €: 99,999,999.99 € is far above its payoff plus the tolerance.
    content = statement(
        [
            ["VIR-1", loan.dossier.number, "10/04/2027", "52,17"],
            ["VIR-2", loan.dossier.number, "10/04/2027", "99 999 999,99"],
        ],
        encoding="cp1252",
    )
    result = preview(adviser, content)
    assert statuses(result) == ["new", "refused"]
    [reason] = result.lines[1].reasons
    assert reason.startswith("le montant dépasse ce qui est dû au 10/04/2027 : au plus ")
    assert not result.can_confirm
    with pytest.raises(ValidationError) as caught:
        confirm(adviser, result.statement_import.pk)
    [error] = caught.value.error_list
    assert error.code == "amount_exceeds_due"
    assert error.params == {"line": 3, "reference": "VIR-2"}
    assert str(error.message).startswith("Ligne 3 (référence « VIR-2 ») : le montant dépasse")
    assert not Repayment.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.DIRECTOR])
def test_the_ccas_agent_or_director_imports_their_organisations_statement(
    loan: Loan, make_user, role: Role
) -> None:  # type: ignore[no-untyped-def]
    staff = make_user(role, username="ccas")
    content = statement([["VIR-1", loan.dossier.number, "10/04/2027", "52,17"]])
    result = preview(staff, content)
    assert statuses(result) == ["new"]
    assert result.statement_import.organisation_id == membership_of(staff).organisation_id
    done = confirm(staff, result.statement_import.pk)
    assert done.recorded == 1
    repayment = Repayment.objects.get()
    assert (repayment.bank_id, repayment.via, repayment.recorded_by_id) == (
        loan.bank_id,
        "import",
        staff.pk,
    )
    assert repayment.amount == Decimal("52.17")
    assert StatementImport.objects.get().recorded == 1
