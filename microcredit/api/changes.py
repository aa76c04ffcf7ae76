"""What changed on a dossier for the bank, and when (#18, `updated_since` on the dossier list).

A dossier counts as changed at the latest of these instants, each one stored and indexed:

- `Dossier.updated_at` (every save: a state move, hence the decision, the disbursement, a loan
  repaid or its guarantee called, which follow the dossier's state, and the CCAS's edits);
- `BankDecision.offer_recorded_at` (the signed offer: no state move);
- `Repayment.recorded_at` and `Incident.recorded_at` (the bank's lines, by any channel);
- `ScheduleVersion.created_at` (an early repayment's or a repayment plan's new schedule).

`changed_since` selects the dossiers with one of them at or after an instant through a union of
index range scans (its cost follows the changes, not the number of dossiers); `last_change` is
the same latest instant, as an annotation (a subquery per source, one probe of its (loan,
instant) index: constant query count). The list computes it for its page's rows alone, except
to sort on it (`order=updated`): then `changed_since_by_last_change` pages the changes since an
instant by their latest one (an aggregate over the same union), and without an instant every
dossier of the bank is probed and sorted (no index can serve a GREATEST of five tables without
storing it).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Model, OuterRef, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Greatest

from microcredit.banking.models import BankDecision
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Incident, Repayment, ScheduleVersion

# Each source of a change: its model, the path to its dossier, its instant (see the module).
SOURCES: tuple[tuple[type[Model], str, str], ...] = (
    (Dossier, "pk", "updated_at"),
    (BankDecision, "dossier_id", "offer_recorded_at"),
    (Repayment, "loan__dossier_id", "recorded_at"),
    (Incident, "loan__dossier_id", "recorded_at"),
    (ScheduleVersion, "loan__dossier_id", "created_at"),
)


def _since(since: dt.datetime, *, with_instant: bool) -> list[QuerySet]:  # type: ignore[type-arg]
    """Each source's changes at or after `since` (an index range scan each), as rows of
    `changed_dossier` (and `changed_at` with `with_instant`)."""
    return [
        model._default_manager.filter(**{f"{at}__gte": since})
        .order_by()
        .values(changed_dossier=F(dossier), **({"changed_at": F(at)} if with_instant else {}))
        for model, dossier, at in SOURCES
    ]


def _changes_since(since: dt.datetime) -> QuerySet:  # type: ignore[type-arg]
    """Every change at or after `since`: one row per instant (`changed_dossier`, `changed_at`),
    a union of index range scans over SOURCES."""
    first, *others = _since(since, with_instant=True)
    return first.union(*others, all=True)


def changed_since(dossiers: QuerySet[Dossier], since: dt.datetime) -> QuerySet[Dossier]:
    """`dossiers` restricted to those changed at or after `since` (see the module)."""
    first, *others = _since(since, with_instant=False)
    return dossiers.filter(pk__in=first.union(*others))


def changed_since_by_last_change(
    dossiers: QuerySet[Dossier], since: dt.datetime, start: int, stop: int
) -> RawSQL:
    """The ids of `dossiers` changed at or after `since`, from the oldest last change to the
    latest (then by id), rows `start` to `stop`: `changed_since` ordered by `last_change`,
    for a `pk__in`.

    For a dossier changed since that instant, its last change is the latest of its changes
    since then: one aggregate over the union of the index range scans, instead of the last
    change of every such dossier, probe after probe (its cost follows the changes)."""
    changes_sql, changes_params = _changes_since(since).query.sql_with_params()
    among_sql, among_params = dossiers.order_by().values("pk").query.sql_with_params()
    # Both inner queries are the ORM's, compiled with their parameters (no outside text).
    return RawSQL(  # noqa: S611
        f"SELECT changes.changed_dossier FROM ({changes_sql}) changes"  # noqa: S608
        f" WHERE changes.changed_dossier IN ({among_sql})"
        " GROUP BY changes.changed_dossier"
        " ORDER BY MAX(changes.changed_at), changes.changed_dossier"
        " LIMIT %s OFFSET %s",
        (*changes_params, *among_params, stop - start, start),
    )


def _latest(queryset: QuerySet, field: str) -> Subquery:  # type: ignore[type-arg]
    return Subquery(queryset.order_by(f"-{field}").values(field)[:1])


def with_last_change(dossiers: QuerySet[Dossier]) -> QuerySet[Dossier]:
    """`dossiers` annotated with `last_change`: the latest of the instants above (never null:
    `updated_at` is always set; SQLite's MAX() of a NULL is NULL, hence the Coalesce).

    Each source's latest instant is one probe of its (loan, instant) index from the dossier's
    loan, joined once (the dossier list joins it anyway): the list sorts on it for
    `order=updated`, computed on every dossier it sorts."""
    updated = F("updated_at")
    loan = OuterRef("loan__id")
    return dossiers.annotate(
        last_change=Greatest(
            updated,
            Coalesce(F("bank_decision__offer_recorded_at"), updated),
            Coalesce(_latest(Repayment.objects.filter(loan_id=loan), "recorded_at"), updated),
            Coalesce(_latest(Incident.objects.filter(loan_id=loan), "recorded_at"), updated),
            Coalesce(_latest(ScheduleVersion.objects.filter(loan_id=loan), "created_at"), updated),
        )
    )
