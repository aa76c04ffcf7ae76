"""The database keeps a loan's organisation equal to its dossier's (loans migration 0011,
ADR 0018): on SQLite and on PostgreSQL, an INSERT or UPDATE that would break it is refused with
an IntegrityError and writes nothing."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation
from tests.factories import make_dossier, make_granted_dossier, make_loan, migrate

MESSAGE = "L'organisation du prêt doit être celle de son dossier."


@pytest.fixture
def other_ccas(db: None) -> Organisation:
    return Organisation.objects.create(kind="ccas", name="CCAS de Firminy", slug="ccas-firminy")


def unsaved_loan(dossier: Dossier, organisation: Organisation, bank_id: int) -> Loan:
    return Loan(
        dossier=dossier,
        organisation=organisation,
        bank_id=bank_id,
        principal=Decimal("1000.00"),
        nominal_rate_percent=Decimal("1.750"),
        months=12,
        disbursement_date=timezone.localdate(),
        installment=Decimal("84.12"),
        total_interest=Decimal("9.44"),
        total_due=Decimal("1009.44"),
        apr_percent=Decimal("1.76"),
    )


def refused(write) -> IntegrityError:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        write()
    assert MESSAGE in str(caught.value)
    return caught.value


@pytest.mark.django_db
def test_a_loan_of_its_dossiers_organisation_is_written(referent: User, adviser: User) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    assert loan.organisation_id == loan.dossier.organisation_id
    loan.state = "repaid"
    loan.save()  # a full UPDATE, organisation_id included
    loan.dossier.save()  # the dossier's full UPDATE keeps its (same) organisation
    assert Loan.objects.get(pk=loan.pk).state == "repaid"


@pytest.mark.django_db
def test_a_loan_of_another_organisation_is_refused_and_nothing_written(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    assert dossier.organisation_id != other_ccas.pk
    loan = unsaved_loan(dossier, other_ccas, bank_id=dossier.bank_decision.bank_id)
    refused(loan.save)
    assert not Loan.objects.filter(dossier=dossier).exists()
    # The same row with the dossier's organisation is accepted: only the organisation was wrong.
    unsaved_loan(dossier, dossier.organisation, bank_id=dossier.bank_decision.bank_id).save()
    assert Loan.objects.filter(dossier=dossier, organisation=dossier.organisation).exists()


@pytest.mark.django_db
def test_moving_a_loan_to_another_organisation_is_refused(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    own = loan.organisation_id
    refused(lambda: Loan.objects.filter(pk=loan.pk).update(organisation=other_ccas))
    loan.organisation = other_ccas
    refused(loan.save)
    assert Loan.objects.get(pk=loan.pk).organisation_id == own


@pytest.mark.django_db
def test_moving_a_loan_to_a_dossier_of_another_organisation_is_refused(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    elsewhere = make_dossier(created_by=referent, organisation=other_ccas)
    refused(lambda: Loan.objects.filter(pk=loan.pk).update(dossier=elsewhere))
    assert Loan.objects.get(pk=loan.pk).dossier_id == loan.dossier_id


@pytest.mark.django_db
def test_changing_the_organisation_of_a_dossier_under_its_loan_is_refused(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    dossier = loan.dossier
    refused(lambda: Dossier.objects.filter(pk=dossier.pk).update(organisation=other_ccas))
    dossier.organisation = other_ccas
    refused(dossier.save)
    assert Dossier.objects.get(pk=dossier.pk).organisation_id == loan.organisation_id
    # A dossier without a loan is not the trigger's business.
    free = make_dossier(created_by=referent)
    Dossier.objects.filter(pk=free.pk).update(organisation=other_ccas)
    assert Dossier.objects.get(pk=free.pk).organisation_id == other_ccas.pk


@pytest.mark.django_db(transaction=True)
def test_the_migration_refuses_existing_inconsistent_loans(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    loan = make_loan(created_by=referent, adviser=adviser)
    migrate(("loans", "0010_last_change_indexes"))  # no trigger: the old schema
    try:
        Loan.objects.filter(pk=loan.pk).update(organisation=other_ccas)
        with pytest.raises(RuntimeError, match=rf"1 prêt\(s\) .*prêts n° {loan.pk}\)"):
            migrate(("loans", "0011_loan_organisation_trigger"))
        Loan.objects.filter(pk=loan.pk).update(organisation=loan.dossier.organisation)
    finally:
        migrate(None)
    # Migrated again once aligned: the triggers are back.
    refused(lambda: Loan.objects.filter(pk=loan.pk).update(organisation=other_ccas))


def in_other_transaction(write, written: threading.Event, hold: float = 0.5) -> threading.Thread:  # type: ignore[no-untyped-def]
    """Run `write` in a transaction of another connection, kept open `hold` seconds after it."""

    def run() -> None:
        try:
            with transaction.atomic():
                write()
                written.set()
                time.sleep(hold)
        finally:
            written.set()
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_loan_created_while_its_dossier_moves_waits_and_is_refused(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    written = threading.Event()
    # No loan yet: the dossier may move; its transaction stays open while the loan is written.
    mover = in_other_transaction(
        lambda: Dossier.objects.filter(pk=dossier.pk).update(organisation=other_ccas), written
    )
    assert written.wait(timeout=10)
    # The loan copies the organisation it read before the move committed: it waits for the
    # move (FOR SHARE), then reads the moved organisation and is refused.
    loan = unsaved_loan(dossier, dossier.organisation, bank_id=dossier.bank_decision.bank_id)
    refused(loan.save)
    mover.join(timeout=30)
    assert not Loan.objects.filter(dossier=dossier).exists()


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_dossier_moved_while_its_loan_is_created_waits_and_is_refused(
    referent: User, adviser: User, other_ccas: Organisation
) -> None:
    dossier = make_granted_dossier(created_by=referent, adviser=adviser)
    written = threading.Event()
    loan = unsaved_loan(dossier, dossier.organisation, bank_id=dossier.bank_decision.bank_id)
    creator = in_other_transaction(loan.save, written)
    assert written.wait(timeout=10)
    refused(lambda: Dossier.objects.filter(pk=dossier.pk).update(organisation=other_ccas))
    creator.join(timeout=30)
    assert Loan.objects.get(dossier=dossier).organisation_id == dossier.organisation_id
    assert Dossier.objects.get(pk=dossier.pk).organisation_id == dossier.organisation_id
