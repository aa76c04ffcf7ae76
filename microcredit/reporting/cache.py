"""The statistics page's bilan, kept a few minutes in Django's cache (docs/reporting.md,
« Le bilan en cache »).

`bilan()` reads every dossier, loan and event of the period: 0.7–1 s over 100,000 dossiers. The
director's dashboard shows the figures computed at most `BILAN_CACHE_SECONDS` ago, says when
they were computed, and offers to compute them again (`refresh=True`).

The key holds everything that chooses the figures: the organisations (their ids, sorted), the
period's first and last days, the scheme (or every scheme), the day the figures are computed
(the caseload is « as it stands today »), the language of the labels, and the shape of `Bilan`
(a changed dataclass never reads an older entry). `bilan()` takes no user: who may see an
organisation's bilan is the view's access rule (the organisation's director), so two directors
of one CCAS share the entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.translation import get_language

from microcredit.core.cache import cached
from microcredit.reporting import rules
from microcredit.reporting.charts import Chart, bilan_charts
from microcredit.reporting.rules import Bilan, Period
from microcredit.reporting.selectors import bilan

__all__ = ["BILAN_CACHE_SECONDS", "CachedBilan", "bilan_cache_key", "bilan_cached"]

# How long a computed bilan is shown before it is computed again.
BILAN_CACHE_SECONDS = 5 * 60
KEY_PREFIX = "reporting:bilan:"


@dataclass(frozen=True)
class CachedBilan:
    """A bilan, its charts (drawing them costs two thirds of a page that reads the bilan from
    the cache) and the moment its computation started (its figures are at least that fresh)."""

    figures: Bilan
    charts: tuple[Chart, ...]
    computed_at: datetime


_NESTED: dict[str, type] = {
    "period": rules.Period,
    "funnel": rules.FunnelStage,
    "profiles": rules.Profiles,
    "rights": rules.RightRow,
}


def _shape_digest() -> str:
    def shape(cls: type) -> list[object]:
        return [
            [f.name, shape(_NESTED[f.name]) if f.name in _NESTED else None] for f in fields(cls)
        ]

    assert is_dataclass(Bilan)  # noqa: S101 (the shape is read from its fields)
    text = json.dumps(
        [shape(Bilan), [f.name for f in fields(rules.Row)], [f.name for f in fields(Chart)]]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:12]


SHAPE = _shape_digest()


def bilan_cache_key(
    *,
    organisation_ids: Sequence[int],
    period: Period,
    programme_id: int | None,
    today: date,
    language: str | None = None,
) -> str:
    """The cache key of one bilan: every input that chooses its figures and labels."""
    parts = {
        "organisations": sorted(set(organisation_ids)),
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "programme": programme_id,
        "today": today.isoformat(),
        "language": language or get_language() or "",
        "shape": SHAPE,
    }
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return KEY_PREFIX + digest


def bilan_cached(
    *,
    organisation_ids: Sequence[int],
    period: Period,
    programme_id: int | None = None,
    today: date,
    refresh: bool = False,
) -> CachedBilan:
    """The bilan computed less than `BILAN_CACHE_SECONDS` ago, or computed now (and kept);
    `refresh` computes it now whatever the cache holds. One cache read when it is there."""
    key = bilan_cache_key(
        organisation_ids=organisation_ids, period=period, programme_id=programme_id, today=today
    )
    now = timezone.now()

    def compute() -> CachedBilan:
        figures = bilan(
            organisation_ids=organisation_ids, period=period, programme_id=programme_id, today=today
        )
        return CachedBilan(figures=figures, charts=tuple(bilan_charts(figures)), computed_at=now)

    def fresh(kept: object) -> bool:
        # The age is checked here too: a cache backend's expiry is not the only guard.
        return isinstance(kept, CachedBilan) and (
            now - timedelta(seconds=BILAN_CACHE_SECONDS) <= kept.computed_at <= now
        )

    return cached(key, BILAN_CACHE_SECONDS, compute, refresh=refresh, valid=fresh)
