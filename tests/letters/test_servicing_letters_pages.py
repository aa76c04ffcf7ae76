"""The letters after the cheque on the dossier page, their download, the director's previews of
the new kinds, and the backfill of those whose task failed.

The loan (conftest `disbursed_loan`): 1 200,00 € over 12 months at 1,75 %, cheque of 15/10/2025,
installment 100,95 € (derivation in test_servicing_letters.py), first due date 15/11/2025.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.models import AccessLog
from microcredit.letters.enums import LetterKind
from microcredit.letters.models import Letter
from microcredit.letters.selectors import letters_for_dossier
from microcredit.loans.models import Loan
from microcredit.servicing import hooks
from microcredit.servicing.enums import AlertKind, PlanMode, PlanState
from microcredit.servicing.models import Alert, RepaymentPlan
from tests.letters.conftest import at, normalised
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


def alert(loan: Loan, recipient: User, key: str) -> Alert:
    """The missed-installment alert servicing raises with the letter (same key: the due date)."""
    return Alert.objects.create(
        loan=loan,
        kind=AlertKind.MISSED_INSTALLMENT,
        key=key,
        recipient=recipient,
        as_of=date.fromisoformat(key).replace(day=16),
        days_past_due=1,
        bucket="late",
        overdue_amount=Decimal("100.95"),
    )


def agreed_plan(loan: Loan, referent: User, adviser: User) -> RepaymentPlan:
    """An agreed plan pointing at the loan's version 1 (the letter only reads its rows)."""
    return RepaymentPlan.objects.create(
        loan=loan,
        state=PlanState.AGREED,
        as_of=date(2025, 12, 20),
        months=3,
        mode=PlanMode.INSTEAD,
        overdue_amount=Decimal("201.90"),
        proposed_by=referent,
        decided_at=at(date(2025, 12, 21)),
        decided_by=adviser,
        schedule_version=loan.schedule_versions.get(number=1),
    )


def test_the_dossier_page_lists_the_letters_after_the_cheque_pending_or_written(
    client, disbursed_loan, referent, adviser, django_capture_on_commit_callbacks, count_queries
) -> None:
    loan = disbursed_loan
    alert(loan, referent, "2025-11-15")
    with (
        time_machine.travel(at(date(2025, 11, 16)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        hooks.letter_due.send(loan, LetterKind.MISSED_INSTALLMENT, "2025-11-15")
    agreed_plan(loan, referent, adviser)  # its letter not written yet
    loan.dossier.refresh_from_db()  # disbursed (the instance was read before the move)
    rows = letters_for_dossier(loan.dossier)
    assert [(r.kind, r.pending, r.on) for r in rows] == [
        (LetterKind.REPAYMENT_PLAN, True, date(2025, 12, 21)),
        (LetterKind.MISSED_INSTALLMENT, False, date(2025, 11, 15)),
        (LetterKind.DISBURSEMENT, False, date(2025, 10, 15)),
        (LetterKind.BANK_ACCEPTANCE, False, date(2025, 10, 15)),
    ]
    missed = rows[1].letter
    assert missed is not None and missed.key == "2025-11-15"
    client.force_login(referent)
    url = reverse("dossiers:detail", args=[loan.dossier_id])
    page = client.get(url).content.decode()
    assert "Plan de reprise accepté" in page and "Mensualité impayée" in page
    assert "Versement du prêt et échéancier" in page
    assert page.count("courrier en attente") == 1
    assert reverse("letters:download", args=[missed.pk]) in page
    assert "INVALID_TEMPLATE_VARIABLE" not in page
    # The page's queries do not grow with the follow-up's letters.
    one = count_queries(lambda: client.get(url))
    for month in (12, 1, 2):
        year = 2025 if month == 12 else 2026
        alert(loan, referent, f"{year}-{month:02d}-15")
    assert count_queries(lambda: client.get(url)) == one
    assert client.get(url).content.decode().count("courrier en attente") == 4
    # The download of a letter after the cheque, by the staff only, logged.
    response = client.get(reverse("letters:download", args=[missed.pk]))
    assert response.status_code == 200
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert "Montant à rattraper au 16/11/2025 100,95 €" in normalised(pdf_text(content))
    assert AccessLog.objects.filter(action="letter_download").count() == 1
    client.force_login(adviser)
    assert client.get(reverse("letters:download", args=[missed.pk])).status_code == 404


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (LetterKind.DISBURSEMENT, ["Votre micro-crédit de 1 200,00 € a été versé le", "N° Date"]),
        (LetterKind.MISSED_INSTALLMENT, ["Nous n'avons pas reçu le paiement", "à rattraper"]),
        (LetterKind.REPAYMENT_PLAN, ["Votre plan de reprise est accepté", "Votre nouvel"]),
        (LetterKind.GUARANTEE_CALL, ["Montant demandé au garant", "Fonds de cohésion sociale"]),
        (LetterKind.CLOSING, ["Vous avez remboursé tout votre prêt", "par virement"]),
    ],
)
def test_the_director_previews_each_letter_after_the_cheque(client_for, kind, expected) -> None:
    client = client_for(Role.DIRECTOR)
    page = client.get(reverse("letters:templates") + f"?courrier={kind}").content.decode()
    assert LetterKind(kind).label.capitalize() in page
    assert "INVALID_TEMPLATE_VARIABLE" not in page
    url = reverse("letters:template_preview") + f"?courrier={kind}"
    response = client.post(url, {"subject": "Objet à l'essai", "introduction": "Bonjour !"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = normalised(pdf_text(response.content))
    assert "Objet : Objet à l'essai" in text
    for words in expected:
        assert words in text, words
    assert "Dominique Exemple" in text  # the référent's contact
    assert "INVALID_TEMPLATE_VARIABLE" not in text


def backfill(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("letters_backfill", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_backfill_writes_the_letters_after_the_cheque_whose_task_failed(
    disbursed_loan, referent, adviser, django_capture_on_commit_callbacks, broken_renderer
) -> None:
    loan = disbursed_loan
    number = loan.dossier.number
    alert(loan, referent, "2025-11-15")
    alert(loan, adviser, "2025-11-15")  # two recipients, one letter
    with (
        time_machine.travel(at(date(2025, 11, 16)), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        hooks.letter_due.send(loan, LetterKind.MISSED_INSTALLMENT, "2025-11-15")
    assert not Letter.objects.filter(kind=LetterKind.MISSED_INSTALLMENT).exists()
    plan = agreed_plan(loan, referent, adviser)
    out, err = backfill("--dry-run")
    assert out.splitlines() == [
        f"À écrire : courrier « mensualité impayée » du dossier {number}, échéance du 15/11/2025.",
        f"À écrire : courrier « plan de reprise accepté » du dossier {number}, plan accepté du "
        "21/12/2025.",
        "2 courriers à écrire (simulation : rien n'a été écrit).",
    ]
    with pytest.raises(CommandError, match="2 courriers n'ont pas pu être écrits"):
        backfill()  # the renderer still broken: reported, nothing written
    broken_renderer()
    with time_machine.travel(at(date(2025, 12, 22)), tick=False):
        out, err = backfill()
    assert err == ""
    assert out.splitlines()[-1] == "2 courriers écrits, 0 en échec."
    letters = {x.kind: x for x in Letter.objects.filter(event__isnull=True)}
    assert (letters[LetterKind.MISSED_INSTALLMENT].key, letters[LetterKind.REPAYMENT_PLAN].key) == (
        "2025-11-15",
        str(plan.pk),
    )
    with letters[LetterKind.MISSED_INSTALLMENT].file.open("rb") as handle:
        assert "Montant à rattraper au 16/11/2025 100,95 €" in normalised(pdf_text(handle.read()))
    assert backfill() == ("Aucun courrier manquant : chaque décision a son courrier.\n", "")
    assert Letter.objects.filter(event__isnull=True).count() == 2


def test_the_backfill_says_when_a_missed_installment_was_paid_meanwhile(
    disbursed_loan, referent, adviser
) -> None:
    loan = disbursed_loan
    loan.repayments.create(
        bank=loan.bank,
        reference="VIR-1",
        date=date(2025, 11, 15),
        amount=Decimal("100.95"),
        recorded_by=adviser,
        via="portal",
    )
    alert(loan, referent, "2025-11-15")
    out, err = backfill()
    assert err == ""
    assert out.splitlines() == [
        f"Sans objet : courrier « mensualité impayée » du dossier {loan.dossier.number}, "
        "échéance du 15/11/2025 (plus rien à signaler à cette date).",
        "0 courrier écrit, 0 en échec.",
    ]
    assert not Letter.objects.filter(event__isnull=True).exists()
