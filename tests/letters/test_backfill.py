"""`microcredit letters_backfill`: the letters whose task failed are written later, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from microcredit.banking.enums import BankOutcome
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import DossierEvent
from microcredit.dossiers.services import dossier_transition
from microcredit.letters.enums import LetterKind
from microcredit.letters.models import Letter
from microcredit.letters.selectors import events_without_letter
from tests.factories import make_dossier
from tests.letters.conftest import normalised
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db


def backfill(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("letters_backfill", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def day(event: DossierEvent) -> str:
    return f"{timezone.localdate(event.at):%d/%m/%Y}"


@pytest.fixture
def missing(committee_decision, bank_decision, broken_renderer) -> list[DossierEvent]:  # type: ignore[no-untyped-def]
    """Three decisions whose letter failed to render, then the renderer repaired."""
    events = [
        committee_decision("adjourn", reason="Le devis à jour."),
        committee_decision("refuse_by_committee", reason="Projet non finançable."),
        bank_decision(BankOutcome.ACCEPTED),
    ]
    broken_renderer()
    assert not Letter.objects.exists()
    return events


@pytest.fixture
def bank_move_without_decision(adviser, referent, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    dossier = make_dossier(
        created_by=referent, referent=referent, state=DossierState.TRANSMITTED_TO_BANK
    )
    with django_capture_on_commit_callbacks(execute=True):
        return dossier_transition(
            actor=adviser,
            membership=adviser.memberships.get(),
            dossier_id=dossier.pk,
            transition="bank_accept",
            flow="bank",
        )


def test_the_backfill_writes_each_missing_letter_once(missing, referent) -> None:
    other = make_dossier(created_by=referent, referent=referent)
    other.events.create(actor=referent, transition="start_diagnosis", to_state="diagnosis")
    out, err = backfill()
    adjourned, refused, accepted = missing
    assert err == ""
    assert out.splitlines() == [
        f"Écrit : courrier « ajournement par la commission » du dossier "
        f"{adjourned.dossier.number}, décision du {day(adjourned)}.",
        f"Écrit : courrier « refus de la commission » du dossier "
        f"{refused.dossier.number}, décision du {day(refused)}.",
        f"Écrit : courrier « accord de la banque » du dossier "
        f"{accepted.dossier.number}, décision du {day(accepted)}.",
        "3 courriers écrits, 0 en échec.",
    ]
    letters = {x.event_id: x for x in Letter.objects.all()}
    assert set(letters) == {e.pk for e in missing}  # nothing for the move without a letter
    assert letters[accepted.pk].kind == LetterKind.BANK_ACCEPTANCE
    with letters[accepted.pk].file.open("rb") as handle:
        text = normalised(pdf_text(handle.read()))
    assert accepted.dossier.number in text and "(TAEG) 1,76 %" in text
    before = {(x.pk, x.sha256, x.file.name) for x in letters.values()}
    out, err = backfill()
    assert (out, err) == ("Aucun courrier manquant : chaque décision a son courrier.\n", "")
    assert {(x.pk, x.sha256, x.file.name) for x in Letter.objects.all()} == before


def test_the_dry_run_lists_and_writes_nothing(missing) -> None:
    out, err = backfill("--dry-run")
    lines = out.splitlines()
    assert err == ""
    assert len(lines) == 4
    for line, event in zip(lines, missing, strict=False):
        assert line.startswith("À écrire : courrier « ")
        assert f"du dossier {event.dossier.number}, décision du {day(event)}." in line
    assert lines[-1] == "3 courriers à écrire (simulation : rien n'a été écrit)."
    assert not Letter.objects.exists()


def test_a_letter_still_not_writable_is_reported_and_the_others_written(
    missing, bank_move_without_decision
) -> None:
    with pytest.raises(CommandError, match="1 courrier n'a pas pu être écrit"):
        backfill()
    assert set(Letter.objects.values_list("event_id", flat=True)) == {e.pk for e in missing}
    event = bank_move_without_decision
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("letters_backfill", stdout=StringIO(), stderr=err)
    assert err.getvalue() == (
        f"Non écrit : courrier « accord de la banque » du dossier {event.dossier.number}, "
        f"décision du {day(event)} — la décision de la banque de cette étape est introuvable.\n"
    )


def test_a_rendering_failure_during_the_backfill_is_reported(
    committee_decision, broken_renderer
) -> None:
    event = committee_decision("adjourn", reason="Le devis.")
    err = StringIO()
    with pytest.raises(CommandError, match="1 courrier n'a pas pu être écrit"):
        call_command("letters_backfill", stdout=StringIO(), stderr=err)
    assert f"du dossier {event.dossier.number}" in err.getvalue()
    assert "erreur OSError : [Errno 28] No space left on device." in err.getvalue()
    assert not Letter.objects.exists()


def test_events_without_letter_in_constant_queries(
    committee_decision, broken_renderer, count_queries
) -> None:
    first = committee_decision("adjourn", reason="Devis.")

    def read() -> list[str]:
        return [e.dossier.number for e in events_without_letter()]

    one = count_queries(read)
    committee_decision("refuse_by_committee", reason="Non.")
    committee_decision(
        "committee_reorient", reorientation_scheme="point_conseil_budget", reason="Autre aide."
    )
    assert count_queries(read) == one == 1
    assert next(e.pk for e in events_without_letter()) == first.pk
