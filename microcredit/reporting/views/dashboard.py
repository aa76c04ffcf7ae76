"""The director's bilan: the figures of a period and a scheme, their charts with their tables,
and, for each figure that counts dossiers, a link to the dossier list filtered to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import Role
from microcredit.accounts.http import MemberRequest
from microcredit.reporting.cache import BILAN_CACHE_SECONDS, bilan_cached
from microcredit.reporting.charts import Chart, reference_basis_text
from microcredit.reporting.forms_filters import BilanFilterForm
from microcredit.reporting.rules import NOT_GIVEN, Bilan, Row
from microcredit.reporting.texts import loss_bases


@dataclass(frozen=True)
class ShownChart:
    """A chart as the page shows it: its table's rows, each with the link to its dossiers."""

    chart: Chart
    rows: tuple[tuple[tuple[str, ...], str], ...]  # (cells, dossier list URL or "")


class DossierLinks:
    """The dossier list's URLs for the figures of one bilan (the list's own GET filters)."""

    def __init__(self, figures: Bilan) -> None:
        self.figures = figures
        self.base = reverse("dossiers:list")
        self.scheme = (
            {"dispositif": str(figures.programme_id)} if figures.programme_id is not None else {}
        )
        period = figures.period
        self.received_params = {
            "recu_du": period.start.isoformat(),
            "recu_au": period.end.isoformat(),
            **self.scheme,
        }
        self.disbursed_params = {
            "decaisse_du": period.start.isoformat(),
            "decaisse_au": period.end.isoformat(),
            **self.scheme,
        }

    def _url(self, **params: str) -> str:
        return f"{self.base}?{urlencode(params)}"

    def received(self) -> str:
        return self._url(**self.received_params)

    def stage(self, key: str) -> str:
        return self._url(**self.received_params, etape=key)

    def reorientation(self, row: Row) -> str:
        return self._url(**self.received_params, reorientation=row.key)

    def caseload(self, row: Row) -> str:
        referent = "aucun" if row.key == NOT_GIVEN else row.key
        return self._url(referent=referent, en_cours="1", **self.scheme)

    def disbursed(self) -> str:
        return self._url(**self.disbursed_params)

    def purpose(self, row: Row) -> str:
        return self._url(**self.disbursed_params, categorie=row.key)


def _shown(chart: Chart, links: Sequence[str] | None = None) -> ShownChart:
    urls = list(links) if links is not None else [""] * len(chart.rows)
    return ShownChart(chart=chart, rows=tuple(zip(chart.rows, urls, strict=True)))


def _dashboard_charts(
    figures: Bilan, drawn: Sequence[Chart], links: DossierLinks
) -> dict[str, ShownChart]:
    charts = {chart.key: chart for chart in drawn}
    shown = {key: _shown(chart) for key, chart in charts.items()}
    shown["funnel"] = _shown(charts["funnel"], [links.stage(s.key) for s in figures.funnel])
    shown["purposes"] = _shown(charts["purposes"], [links.purpose(r) for r in figures.purposes])
    return shown


@roles_required(Role.DIRECTOR)
@require_http_methods(["GET", "HEAD", "POST"])
def statistics(request: MemberRequest, /, **kwargs: str) -> HttpResponse:
    """The bilan of the period chosen (GET), as computed at most `BILAN_CACHE_SECONDS` ago; a
    POST (« Recalculer ») computes it again now, then shows the same period."""
    organisation_id = request.membership.organisation_id
    today = timezone.localdate()
    form = BilanFilterForm(request.GET or None, organisation_id=organisation_id, today=today)
    if form.is_bound:
        form.is_valid()  # refused: the errors are shown beside the default figures
    cached = bilan_cached(
        organisation_ids=[organisation_id],
        period=form.period,
        programme_id=form.programme_id,
        today=today,
        refresh=request.method == "POST",
    )
    if request.method == "POST":
        query = request.GET.urlencode()
        return HttpResponseRedirect(
            reverse("reporting:statistics") + (f"?{query}" if query else "")
        )
    figures = cached.figures
    computed_at = timezone.localtime(cached.computed_at)
    links = DossierLinks(figures)
    context: dict[str, Any] = {
        "form": form,
        "figures": figures,
        "charts": _dashboard_charts(figures, cached.charts, links),
        "filter_query": form.query_string(),
        "period_text": form.period_text(),
        "programme": form.programme,
        "received_url": links.received(),
        "disbursed_url": links.disbursed(),
        "reorientations": [(row, links.reorientation(row)) for row in figures.reorientations],
        "caseload": [(row, links.caseload(row)) for row in figures.caseload],
        "caseload_total": sum(row.count for row in figures.caseload),
        "reference_basis": reference_basis_text(figures),
        "loss_bases": loss_bases(figures),
        "computed_day": computed_at.strftime("%d/%m/%Y"),
        "computed_time": f"{computed_at:%H} h {computed_at:%M}",
        "cache_minutes": BILAN_CACHE_SECONDS // 60,
        "refresh_query": request.GET.urlencode(),
    }
    return render(request, "reporting/statistics.html", context)
