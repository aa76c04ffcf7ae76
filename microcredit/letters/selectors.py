"""Reads of letters, through the dossier permission funnel."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.models import Membership, User
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.selectors import dossier_for_user_or_404
from microcredit.letters.enums import LETTER_FOR_TRANSITION, LetterKind
from microcredit.letters.models import Letter, LetterTemplate


@dataclass(frozen=True)
class LetterRow:
    """A decision of the dossier that calls for a letter, and its letter (None: pending, not
    written yet: the task has not run, or it failed and `microcredit letters_backfill` will
    write it)."""

    event: DossierEvent
    letter: Letter | None

    @property
    def kind(self) -> str:
        return LETTER_FOR_TRANSITION[self.event.transition]

    @property
    def kind_label(self) -> str:
        return LetterKind(self.kind).label

    @property
    def pending(self) -> bool:
        return self.letter is None


def letters_for_dossier(dossier: Dossier) -> list[LetterRow]:
    """Each decision of `dossier` that calls for a letter, newest first, with its letter or
    none yet (one query, whatever the number of decisions).

    The caller has checked that the person may see the dossier; letters are for CCAS staff."""
    events = (
        DossierEvent.objects.filter(dossier=dossier, transition__in=list(LETTER_FOR_TRANSITION))
        .select_related("letter")
        .order_by("-at", "-id")
    )
    return [LetterRow(event, getattr(event, "letter", None)) for event in events]


def events_without_letter() -> QuerySet[DossierEvent]:
    """The decisions that call for a letter and have none, oldest first, with their dossier
    (one query): what `microcredit letters_backfill` writes."""
    return (
        DossierEvent.objects.filter(transition__in=list(LETTER_FOR_TRANSITION), letter__isnull=True)
        .select_related("dossier")
        .order_by("at", "id")
    )


def letter_for_user_or_404(user: User, membership: Membership | None, letter_id: int) -> Letter:
    """The letter if `user` works the dossier it belongs to (CCAS staff); 404 otherwise.

    Letters carry the applicant's name and address: never shown to the bank or the commission,
    whatever they may see of the dossier."""
    if membership is None or membership.role not in DOSSIER_STAFF_ROLES:
        raise Http404("Courrier introuvable.")
    letter = Letter.objects.select_related("dossier").filter(pk=letter_id).first()
    if letter is None:
        raise Http404("Courrier introuvable.")
    dossier_for_user_or_404(user, membership, letter.dossier_id)
    return letter


@dataclass(frozen=True)
class TemplateRow:
    kind: str
    label: str
    template: LetterTemplate | None  # None: the default texts


def letter_templates(organisation_id: int) -> list[TemplateRow]:
    """Each kind of letter with the organisation's own texts, if any (one query)."""
    own = {t.kind: t for t in LetterTemplate.objects.filter(organisation_id=organisation_id)}
    return [TemplateRow(kind, label, own.get(kind)) for kind, label in LetterKind.choices]
