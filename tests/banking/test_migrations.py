"""The data migration gives the disbursements recorded before it their bank and payee's SIRET."""

from __future__ import annotations

import pytest
from django.db import connection

from microcredit.accounts.models import User
from microcredit.banking.models import Disbursement
from tests.factories import make_loan, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("banking", "0001_initial")
AFTER = ("banking", "0002_disbursement_bank_payee_siret")


def test_existing_disbursements_get_the_bank_of_their_loan(referent: User, adviser: User) -> None:
    loan = make_loan(created_by=referent, adviser=adviser, payee_siret="73282932000074")
    migrate(BEFORE)
    try:
        with connection.cursor() as cursor:
            columns = {c.name for c in connection.introspection.get_table_description(
                cursor, Disbursement._meta.db_table
            )}  # fmt: skip
        assert "bank_id" not in columns and "payee_siret" not in columns
    finally:
        migrate(AFTER)
    try:
        disbursement = Disbursement.objects.get(dossier=loan.dossier)
        assert disbursement.bank_id == loan.bank_id
        assert disbursement.payee_siret == "73282932000074"
    finally:
        migrate(None)  # every app's latest schema (going back undid the dependent ones too)
