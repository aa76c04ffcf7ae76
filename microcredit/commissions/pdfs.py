"""The Commission Permanente's PDFs: a dossier's minimised summary and the session's minutes
(procès-verbal), rendered from HTML templates with what the selectors read."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from microcredit.commissions.enums import CommitteeDecision
from microcredit.commissions.models import AgendaItem, CommissionSession
from microcredit.commissions.rules import DossierSummary
from microcredit.commissions.selectors import (
    agenda,
    masked_decision_reasons,
    session_members,
    version_key,
    versions_in_force,
)
from microcredit.core.pdf import logo_data_uri, render_pdf


def summary_pdf(item: AgendaItem, summary: DossierSummary) -> bytes:
    session = item.session
    return render_pdf(
        "commissions/pdf/summary.html",
        {
            "summary": summary,
            "session": session,
            "organisation": session.organisation,
            "logo": logo_data_uri(session.organisation.logo),
        },
    )


@dataclass(frozen=True)
class MinutesRow:
    position: int
    number: str
    purpose_label: str
    amount: Decimal | None
    months: int | None
    decision: str
    reason: str


def minutes_context(session: CommissionSession, *, draft: bool) -> dict[str, object]:
    """What the procès-verbal says (members by name; dossiers by number only)."""
    members = session_members(session)
    rows = []
    counts: Counter[str] = Counter()
    items = agenda(session)
    versions = versions_in_force(version_key(item.dossier) for item in items)
    reasons = masked_decision_reasons(items)
    for item in items:
        dossier = item.dossier
        version = versions[version_key(dossier)]
        purpose = (
            version.purpose_label(dossier.purpose_category) if version else dossier.purpose_category
        )
        if version and dossier.purpose_subcategory:
            purpose += " — " + version.subcategory_label(
                dossier.purpose_category, dossier.purpose_subcategory
            )
        rows.append(
            MinutesRow(
                position=item.position,
                number=dossier.number,
                purpose_label=purpose,
                amount=dossier.requested_amount,
                months=dossier.requested_months,
                decision=item.get_decision_display() if item.decision else "",
                reason=reasons.get(item.pk, ""),
            )
        )
        if item.decision:
            counts[item.decision] += 1
    return {
        "session": session,
        "organisation": session.organisation,
        "logo": logo_data_uri(session.organisation.logo),
        "present": [m.user for m in members if m.present],
        "absent": [m.user for m in members if not m.present],
        "rows": rows,
        "counts": [(label, counts.get(value, 0)) for value, label in CommitteeDecision.choices],
        "draft": draft,
    }


def minutes_pdf(
    session: CommissionSession, *, draft: bool, closed_on: date | None = None, closed_by: str = ""
) -> bytes:
    context = minutes_context(session, draft=draft)
    context.update(closed_on=closed_on, closed_by=closed_by)
    return render_pdf("commissions/pdf/minutes.html", context)
