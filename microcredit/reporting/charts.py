"""The bilan's charts, drawn on the server as SVG (pygal): the same images serve the dashboard and
the annual report's PDF.

Each `Chart` carries its SVG, the same SVG as a `data:` URI (an `<img src>` that the page's CSP
allows: the SVG's own `<style>` lives inside the image, not in the page), a French description
for the image's `alt`, and the figures as a table (headers and rows of French text) that the page
and the PDF show beside the image, for screen readers and for everyone.

Plotting coordinates are floats (pygal computes with them); every text a reader sees (values on
the bars, the tables) is written from the Decimal figures by `microcredit.core.formatting`.
"""

from __future__ import annotations

import base64
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pygal  # type: ignore[import-untyped]
from django.utils.translation import gettext as _
from pygal.style import Style  # type: ignore[import-untyped]

from microcredit.core.formatting import format_count, format_eur, format_percent
from microcredit.programmes.enums import LossRateBasis
from microcredit.reporting.rules import Bilan, Row
from microcredit.reporting.texts import loss_bases

__all__ = [
    "CHART_STYLE",
    "Chart",
    "bar_chart",
    "bilan_charts",
    "format_decimal",
    "horizontal_bar_chart",
    "integer_ticks",
    "reference_basis_text",
]

# The site's colours: text in dark slate on white (14.7:1), the bars in the primary blue (6.6:1
# against white, far above the 3:1 of RGAA 3.3 for a graphic) and the reference in dark orange.
TEXT = "#1f2937"
TEXT_SUBTLE = "#4b5563"  # guides and the axis' minor labels: 7.6:1 on white
GRID = "#d5dae3"
BAR = "#0d5ea6"
REFERENCE = "#9a3412"
BACKGROUND = "#ffffff"

CHART_STYLE = Style(
    background=BACKGROUND,
    plot_background=BACKGROUND,
    foreground=TEXT,
    foreground_strong=TEXT,
    foreground_subtle=GRID,
    guide_stroke_color=GRID,
    major_guide_stroke_color=GRID,
    guide_stroke_dasharray="none",
    major_guide_stroke_dasharray="none",
    opacity="1",
    opacity_hover="1",
    transition="none",
    colors=(BAR, REFERENCE),
    # The values are printed beyond the end of the bars, on the white background.
    value_colors=(TEXT, TEXT),
    font_family="DejaVu Sans, Liberation Sans, Arial, sans-serif",
    label_font_size=13,
    major_label_font_size=13,
    value_font_size=13,
    value_label_font_size=13,
    title_font_size=15,
    no_data_font_size=16,
)

WIDTH = 720
HEIGHT = 360
ROW_HEIGHT = 34  # a horizontal bar chart grows with its rows
MAX_ROWS = 30  # a breakdown longer than this is cut (the table keeps every row)


class _ValuesBeyondBars:
    """pygal's bars with the printed values clear of the bar's end, on the white background
    (pygal centres them on the end: half the text over the bar, a dark text on a dark bar).
    Overrides a private method of pygal, pinned at 3.1.3 (tests/reporting/test_charts.py)."""

    def _tooltip_and_print_values(
        self,
        serie_node: object,
        serie: object,
        parent: object,
        i: int,
        val: str,
        metadata: object,
        x: float,
        y: float,
        width: float,
        height: float,
    ) -> None:
        style = self.style  # type: ignore[attr-defined]
        gap = style.value_font_size / 2
        write = self._static_value  # type: ignore[attr-defined]
        if self.horizontal:  # type: ignore[attr-defined]
            # pygal draws in the vertical frame, then swaps the axes: the bar ends at y.
            write(serie_node, val, y + gap, x + width / 2, metadata, "start")
        else:
            write(
                serie_node,
                val,
                x + width / 2,
                y - gap - style.value_font_size / 3,
                metadata,
                "middle",
            )


class _Bar(_ValuesBeyondBars, pygal.Bar):  # type: ignore[misc]
    pass


class _HorizontalBar(_ValuesBeyondBars, pygal.HorizontalBar):  # type: ignore[misc]
    pass


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    description: str  # the French text after « title : » in the image's alt
    svg: str
    data_uri: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def format_decimal(value: Decimal, places: int = 1) -> str:
    """A number in French, half-up to `places` decimals, without trailing zeros: « 12,5 », « 3 »."""
    text = format_percent(value, places).removesuffix("\u00a0%")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


# pygal writes its configuration into a <script> even without its JavaScript (js=[]), and the
# day of drawing into a comment: an image needs neither.
_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def _clean(svg: str) -> str:
    return _COMMENT.sub("", _SCRIPT.sub("", svg))


def _data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _describe(labels: Sequence[str], texts: Sequence[str]) -> str:
    if not labels:
        return _("aucune donnée pour la période.")
    pairs = [f"{label}\u00a0: {text}" for label, text in zip(labels, texts, strict=True)]
    return "; ".join(pairs) + "."


def _headroom(values: Sequence[int | Decimal]) -> tuple[float, float] | None:
    """The value axis of horizontal bars, long enough for the value written beyond the longest."""
    top = max((float(v) for v in values), default=0.0)
    return (0.0, top * 1.25) if top > 0 else None


_STEPS = tuple(m * 10**e for e in range(10) for m in (1, 2, 5))


def integer_ticks(top: float, most: int = 8) -> list[int]:
    """Whole graduations from 0 to at least `top`, at most `most` steps of 1, 2 or 5 × 10ⁿ: a
    count axis reads 0, 1, 2 (not 0, 0,4, 0,8)."""
    if top <= 0:
        return [0, 1]
    step = next(s for s in _STEPS if math.ceil(top / s) <= most)
    return list(range(0, math.ceil(top / step) * step + 1, step))


def _counts_axis(values: Sequence[int | Decimal], headroom: float = 1.0) -> dict[str, object]:
    """Whole graduations when every value is a count (an int); pygal's own otherwise."""
    if not values or not all(isinstance(v, int) for v in values):
        return {}
    return {"y_labels": integer_ticks(max(float(v) for v in values) * headroom)}


def _config(height: int) -> dict[str, object]:
    return {
        "js": [],
        "disable_xml_declaration": True,
        "width": WIDTH,
        "height": height,
        "explicit_size": True,
        "style": CHART_STYLE,
        "show_legend": False,
        "print_values": True,
        "print_values_position": "top",  # keeps pygal's headroom above the vertical bars
        "print_zeroes": True,
        "truncate_label": -1,
        "no_data_text": _("Aucune donnée"),
        # The axis' graduations (the values on the bars have their own text).
        "value_formatter": lambda value: format_decimal(Decimal(str(value)), 2),
        "margin": 16,
        "spacing": 12,
        "min_scale": 4,
        "max_scale": 8,
        "show_minor_y_labels": True,
    }


def _build(
    chart: pygal.graph.graph.Graph,
    *,
    key: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[int | Decimal],
    texts: Sequence[str],
    colours: Sequence[int] | None,
    description: str | None,
    headers: Sequence[str] | None,
    rows: Sequence[Sequence[str]] | None,
) -> Chart:
    if not (len(labels) == len(values) == len(texts)):
        raise ValueError("labels, values and texts must have the same length")
    shown = range(min(len(labels), MAX_ROWS))
    chart.x_labels = [labels[i] for i in shown]
    points = []
    for i in shown:
        point: dict[str, object] = {
            "value": float(values[i]),
            "formatter": (lambda _value, text=texts[i]: text),
        }
        if colours is not None and colours[i]:
            point["color"] = REFERENCE
        points.append(point)
    if points:
        chart.add(title, points)
    svg = _clean(chart.render(is_unicode=True))
    return Chart(
        key=key,
        title=title,
        description=description if description is not None else _describe(labels, texts),
        svg=svg,
        data_uri=_data_uri(svg),
        headers=tuple(headers) if headers is not None else (_("Catégorie"), _("Valeur")),
        rows=tuple(tuple(row) for row in rows)
        if rows is not None
        else tuple(zip(labels, texts, strict=True)),
    )


def bar_chart(
    *,
    key: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[int | Decimal],
    texts: Sequence[str] | None = None,
    highlighted: Sequence[int] | None = None,
    description: str | None = None,
    headers: Sequence[str] | None = None,
    rows: Sequence[Sequence[str]] | None = None,
    height: int = HEIGHT,
) -> Chart:
    """Vertical bars, one per label, each with its value written above it.

    `texts` are the values as the reader sees them (counts by default); `highlighted` flags the
    bars drawn in the reference colour (1) instead of the primary (0). The table is `headers` and
    `rows` when given, else two columns: the label and its value.
    """
    shown_texts = list(texts) if texts is not None else [format_count(int(v)) for v in values]
    chart = _Bar(
        **_config(height),
        **_counts_axis(values),
        x_label_rotation=0 if len(labels) <= 6 else 30,
    )
    return _build(
        chart,
        key=key,
        title=title,
        labels=labels,
        values=values,
        texts=shown_texts,
        colours=highlighted,
        description=description,
        headers=headers,
        rows=rows,
    )


def horizontal_bar_chart(
    *,
    key: str,
    title: str,
    labels: Sequence[str],
    values: Sequence[int | Decimal],
    texts: Sequence[str] | None = None,
    highlighted: Sequence[int] | None = None,
    description: str | None = None,
    headers: Sequence[str] | None = None,
    rows: Sequence[Sequence[str]] | None = None,
) -> Chart:
    """Horizontal bars read from top to bottom in the order given (long labels fit on the left);
    the height grows with the number of rows. Same arguments as `bar_chart`."""
    shown_texts = list(texts) if texts is not None else [format_count(int(v)) for v in values]
    count = min(len(labels), MAX_ROWS)
    height = max(160, 70 + ROW_HEIGHT * count)
    chart = _HorizontalBar(
        **_config(height), **_counts_axis(values[:count], 1.25), range=_headroom(values[:count])
    )
    # pygal draws the first value at the bottom: give it the rows reversed.
    order = list(range(count))[::-1]
    return _build(
        chart,
        key=key,
        title=title,
        labels=[labels[i] for i in order],
        values=[values[i] for i in order],
        texts=[shown_texts[i] for i in order],
        colours=[highlighted[i] for i in order] if highlighted is not None else None,
        description=description
        if description is not None
        else _describe(labels[:count], shown_texts[:count]),
        headers=headers,
        rows=rows if rows is not None else tuple(zip(labels, shown_texts, strict=True)),
    )


def _rows_chart(
    key: str, title: str, rows: Sequence[Row], label_header: str, *, horizontal: bool
) -> Chart:
    labels = [row.label for row in rows]
    counts = [row.count for row in rows]
    headers = (label_header, _("Nombre"))
    build = horizontal_bar_chart if horizontal else bar_chart
    return build(key=key, title=title, labels=labels, values=counts, headers=headers)


def _optional_percent(value: Decimal | None) -> str:
    return format_percent(value) if value is not None else _("non calculable")


def funnel_chart(bilan: Bilan) -> Chart:
    stages = bilan.funnel
    labels = [stage.label for stage in stages]
    rows = [
        (
            stage.label,
            format_count(stage.count),
            format_percent(stage.conversion_percent)
            if stage.conversion_percent is not None
            else "—",
            (
                _("%(days)s j (sur %(measured)s)")
                % {
                    "days": format_decimal(stage.median_days),
                    "measured": format_count(stage.delays_measured),
                }
            )
            if stage.median_days is not None
            else "—",
        )
        for stage in stages
    ]
    return horizontal_bar_chart(
        key="funnel",
        title=_("Parcours des dossiers reçus, étape par étape"),
        labels=labels,
        values=[stage.count for stage in stages],
        headers=(
            _("Étape"),
            _("Dossiers"),
            _("Passage depuis l'étape précédente"),
            _("Délai médian depuis l'étape précédente"),
        ),
        rows=rows,
    )


def purposes_chart(bilan: Bilan) -> Chart:
    rows = bilan.purposes
    return horizontal_bar_chart(
        key="purposes",
        title=_("Prêts décaissés par objet"),
        labels=[row.label for row in rows],
        values=[row.count for row in rows],
        headers=(_("Objet du prêt"), _("Prêts"), _("Montant prêté")),
        rows=[
            (
                row.label,
                format_count(row.count),
                format_eur(row.amount) if row.amount is not None else "—",
            )
            for row in rows
        ],
    )


def reference_basis_text(bilan: Bilan) -> str:
    """The national reference's basis in words (« en nombre de prêts »): the parameters store
    a code of `LossRateBasis`; a text that is not one is shown as it is."""
    basis = bilan.national_reference_basis
    if basis in LossRateBasis.values:
        return str(LossRateBasis(basis).label)
    return basis


def loss_chart(bilan: Bilan) -> Chart:
    """The two loss rates of the period beside the national reference (when each is known)."""
    entries: list[tuple[str, Decimal, int]] = []
    table: list[tuple[str, str, str]] = []
    count_label = _("Taux de perte en nombre")
    amount_label = _("Taux de perte en montant")
    reference_label = _("Référence nationale")
    bases = loss_bases(bilan)
    count_basis, amount_basis = bases.count, bases.amount
    reference_basis = " — ".join(
        part for part in (reference_basis_text(bilan), bilan.national_reference_source) if part
    )
    for label, value, basis, flag in (
        (count_label, bilan.loss_rate_count_percent, count_basis, 0),
        (amount_label, bilan.loss_rate_amount_percent, amount_basis, 0),
        (reference_label, bilan.national_reference_percent, reference_basis, 1),
    ):
        table.append((label, _optional_percent(value), basis))
        if value is not None:
            entries.append((label, value, flag))
    return bar_chart(
        key="losses",
        title=_("Taux de perte et référence nationale"),
        labels=[label for label, _value, _flag in entries],
        values=[value for _label, value, _flag in entries],
        texts=[format_percent(value) for _label, value, _flag in entries],
        highlighted=[flag for _label, _value, flag in entries],
        headers=(_("Taux"), _("Valeur"), _("Base de calcul")),
        rows=table,
    )


def bilan_charts(bilan: Bilan) -> list[Chart]:
    """Every chart of the bilan, in the order the dashboard and the report show them."""
    profiles = bilan.profiles
    return [
        funnel_chart(bilan),
        purposes_chart(bilan),
        _rows_chart(
            "amount_bands",
            _("Prêts décaissés par tranche de montant"),
            bilan.amount_bands,
            _("Montant prêté"),
            horizontal=False,
        ),
        _rows_chart(
            "duration_bands",
            _("Prêts décaissés par tranche de durée"),
            bilan.duration_bands,
            _("Durée"),
            horizontal=False,
        ),
        _rows_chart(
            "household_types",
            _("Emprunteurs par composition du foyer"),
            profiles.household_types,
            _("Composition du foyer"),
            horizontal=True,
        ),
        _rows_chart(
            "activities",
            _("Emprunteurs par activité"),
            profiles.activities,
            _("Activité"),
            horizontal=True,
        ),
        _rows_chart(
            "age_bands",
            _("Emprunteurs par tranche d'âge"),
            profiles.age_bands,
            _("Âge"),
            horizontal=False,
        ),
        loss_chart(bilan),
    ]
