"""``{% load dossiers %}``: the dossier page's parts this app owns, each computed in Python.

- ``{% dossier_eligibility %}``: the « Éligibilité » section, its banner counting the criteria
  met and naming those not met (`rules.eligibility_tally`), with the stable live region that
  announces a new check made through htmx;
- ``{% dossier_request_warnings %}``: the loan asked for outside the scheme's bounds, and the
  applicant's other open dossiers (for the CCAS's staff), recomputed on each read.

Both read the page's context: ``dossier``, ``page`` (its ``eligibility`` and ``version``),
``editable`` and ``staff``.
"""

from __future__ import annotations

from typing import Any

from django import template

from microcredit.dossiers import selectors
from microcredit.dossiers.models import Dossier, EligibilityCheck
from microcredit.dossiers.rules import eligibility_tally
from microcredit.dossiers.texts import eligibility_headline, request_warning_text
from microcredit.programmes.models import ProgrammeVersion

register = template.Library()


def eligibility_context(
    dossier: Dossier, eligibility: EligibilityCheck | None, *, editable: bool
) -> dict[str, Any]:
    """What the eligibility section shows (the page and the htmx answer alike)."""
    return {
        "dossier": dossier,
        "eligibility": eligibility,
        "headline": eligibility_headline(eligibility_tally(eligibility.criteria))
        if eligibility is not None
        else "",
        "editable": editable,
    }


def request_warnings_context(
    dossier: Dossier, version: ProgrammeVersion | None, *, staff: bool
) -> dict[str, Any]:
    return {
        "warnings": [
            request_warning_text(w) for w in selectors.dossier_request_warnings(dossier, version)
        ],
        "others": selectors.other_open_dossiers(dossier.applicant_id, exclude_dossier_id=dossier.pk)
        if staff
        else [],
    }


@register.inclusion_tag("dossiers/_eligibility.html", takes_context=True)
def dossier_eligibility(context: template.Context) -> dict[str, Any]:
    return eligibility_context(
        context["dossier"], context["page"].eligibility, editable=bool(context.get("editable"))
    )


@register.inclusion_tag("dossiers/_request_warnings.html", takes_context=True)
def dossier_request_warnings(context: template.Context) -> dict[str, Any]:
    return request_warnings_context(
        context["dossier"], context["page"].version, staff=bool(context.get("staff"))
    )
