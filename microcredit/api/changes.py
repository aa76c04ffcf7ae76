"""What changed on a dossier for the bank, and when (#18, `updated_since` on the dossier list).

A dossier counts as changed at the latest of these instants, each one stored and indexed:

- `Dossier.updated_at` (every save: a state move, hence the decision, the disbursement, a loan
  repaid or its guarantee called, which follow the dossier's state, and the CCAS's edits);
- `BankDecision.offer_recorded_at` (the signed offer: no state move);
- `Repayment.recorded_at` and `Incident.recorded_at` (the bank's lines, by any channel);
- `ScheduleVersion.created_at` (an early repayment's or a repayment plan's new schedule).

`changed_since` selects the dossiers with one of them at or after an instant through a union of
index range scans (its cost follows the changes, not the number of dossiers); `last_change` is
the same latest instant, as an annotation (a subquery per source: constant query count).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest

from microcredit.banking.models import BankDecision
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Incident, Repayment, ScheduleVersion


def changed_since(dossiers: QuerySet[Dossier], since: dt.datetime) -> QuerySet[Dossier]:
    """`dossiers` restricted to those changed at or after `since` (see the module)."""
    ids = (
        Dossier.objects.filter(updated_at__gte=since)
        .order_by()
        .values("pk")
        .union(
            BankDecision.objects.filter(offer_recorded_at__gte=since)
            .order_by()
            .values("dossier_id"),
            Repayment.objects.filter(recorded_at__gte=since).order_by().values("loan__dossier_id"),
            Incident.objects.filter(recorded_at__gte=since).order_by().values("loan__dossier_id"),
            ScheduleVersion.objects.filter(created_at__gte=since)
            .order_by()
            .values("loan__dossier_id"),
        )
    )
    return dossiers.filter(pk__in=ids)


def _latest(queryset: QuerySet, field: str) -> Subquery:  # type: ignore[type-arg]
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


def with_last_change(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """`dossiers` annotated with `last_change`: the latest of the instants above (never null:
    `updated_at` is always set; SQLite's MAX() of a NULL is NULL, hence the Coalesce)."""
    updated = F("updated_at")
    return dossiers.annotate(
        last_change=Greatest(
            updated,
            Coalesce(F("bank_decision__offer_recorded_at"), updated),
            Coalesce(
                _latest(Repayment.objects.filter(loan__dossier_id=OuterRef("pk")), "recorded_at"),
                updated,
            ),
            Coalesce(
                _latest(Incident.objects.filter(loan__dossier_id=OuterRef("pk")), "recorded_at"),
                updated,
            ),
            Coalesce(
                _latest(
                    ScheduleVersion.objects.filter(loan__dossier_id=OuterRef("pk")), "created_at"
                ),
                updated,
            ),
        )
    )
