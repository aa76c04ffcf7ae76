"""Reads of letters, through the dossier permission funnel."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES
from microcredit.accounts.models import Membership, User
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import dossier_for_user_or_404
from microcredit.letters.enums import LetterKind
from microcredit.letters.models import Letter, LetterTemplate


def letters_for_dossier(dossier: Dossier) -> QuerySet[Letter]:
    """The letters written to the applicant of `dossier`, newest first (one query).

    The caller has checked that the person may see the dossier; letters are for CCAS staff."""
    return Letter.objects.filter(dossier=dossier).select_related("event").order_by("-created_at")


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
