"""The bilan's charts: SVG images that a page shows through a data: URI and WeasyPrint draws in the
annual report, each with its figures as a French table."""

from __future__ import annotations

import base64
import io
import logging
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from microcredit.core.contrast import TEXT_MINIMUM, contrast_ratio
from microcredit.reporting import charts
from microcredit.reporting.charts import Chart, bar_chart, bilan_charts, horizontal_bar_chart
from microcredit.reporting.rules import Bilan, FunnelStage, Period, Profiles, Row


def sample_bilan(**changes: object) -> Bilan:
    """A bilan built by hand (the seed's figures: 9 calls out of 192 loans)."""
    values: dict[str, object] = {
        "period": Period(date(2026, 1, 1), date(2026, 12, 31)),
        "organisation_ids": (1,),
        "programme_id": None,
        "contacts": 41,
        "received": 30,
        "people_received": 28,
        "funnel": (
            FunnelStage("received", "accueil", 30, None, None, 0),
            FunnelStage("diagnosis", "diagnostic", 25, Decimal("83.33"), Decimal("7.5"), 20),
            FunnelStage("disbursed", "décaissé", 10, Decimal("40.00"), Decimal("30"), 10),
        ),
        "reorientations": (Row("fsl", "Fonds de solidarité logement", 3),),
        "caseload": (Row("5", "Marie Curie", 12),),
        "disbursed_count": 192,
        "disbursed_amount": Decimal("412345.67"),
        "purposes": (
            Row("mobilite", "Mobilité", 120, Decimal("300000.00")),
            Row("logement", "Logement", 72, Decimal("112345.67")),
        ),
        "amount_bands": (
            Row("lt1000", "moins de 1 000 €", 20),
            Row("1000-2000", "de 1 000 à 2 000 €", 100),
            Row("gt2000", "plus de 2 000 €", 72),
        ),
        "duration_bands": (Row("le12", "12 mois ou moins", 20), Row("13-36", "13 à 36 mois", 172)),
        "profiles": Profiles(
            household_types=(
                Row("single", "personne seule", 80),
                Row("couple_children", "couple avec enfants", 50),
            ),
            activities=(Row("employee", "salarié", 100),),
            age_bands=(Row("18-25", "18 à 25 ans", 30), Row("26-40", "26 à 40 ans", 90)),
            income_sources=(),
        ),
        "portfolio_as_of": None,
        "outstanding_principal": None,
        "par30_percent": None,
        "plans": (),
        "completions": (),
        "guarantee_calls": 9,
        "guarantee_calls_amount": Decimal("12000.00"),
        "loss_rate_count_percent": Decimal("4.69"),
        "loss_rate_amount_percent": Decimal("2.91"),
        "national_reference_percent": Decimal("7.02"),
        "national_reference_source": "CDC, 2e trimestre 2014",
        "national_reference_basis": "en nombre de prêts",
        "bonifications_count": 0,
        "bonifications_amount": Decimal("0.00"),
    }
    values.update(changes)
    return Bilan(**values)  # type: ignore[arg-type]


def decoded(chart: Chart) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert chart.data_uri.startswith(prefix)
    return base64.b64decode(chart.data_uri[len(prefix) :]).decode("utf-8")


def by_key(bilan: Bilan) -> dict[str, Chart]:
    return {chart.key: chart for chart in bilan_charts(bilan)}


def test_every_chart_of_the_bilan_is_a_self_contained_svg_image() -> None:
    all_charts = bilan_charts(sample_bilan())
    assert [c.key for c in all_charts] == [
        "funnel",
        "purposes",
        "amount_bands",
        "duration_bands",
        "household_types",
        "activities",
        "age_bands",
        "losses",
    ]
    for chart in all_charts:
        assert decoded(chart) == chart.svg
        assert chart.svg.startswith("<svg")  # no XML declaration
        assert 'width="720"' in chart.svg
        # Nothing that runs or fetches: no script, no external stylesheet or font.
        assert "<script" not in chart.svg
        assert "xml-stylesheet" not in chart.svg
        assert "googleapis" not in chart.svg
        assert "http://" not in chart.svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert chart.title and chart.description
        assert all(len(row) == len(chart.headers) for row in chart.rows)


def test_values_are_written_in_french_on_the_bars_and_in_the_tables() -> None:
    chart = by_key(sample_bilan())["purposes"]
    assert chart.headers == ("Objet du prêt", "Prêts", "Montant prêté")
    assert chart.rows == (
        ("Mobilité", "120", "300\u202f000,00\u00a0€"),
        ("Logement", "72", "112\u202f345,67\u00a0€"),
    )
    texts = re.findall(r'<text[^>]*class="value"[^>]*>([^<]*)</text>', chart.svg)
    assert sorted(texts) == ["120", "72"]
    assert "Mobilité" in chart.svg
    assert chart.description == "Mobilité\u00a0: 120; Logement\u00a0: 72."


def test_the_funnel_table_shows_conversions_and_median_delays() -> None:
    chart = by_key(sample_bilan())["funnel"]
    assert chart.rows == (
        ("accueil", "30", "—", "—"),
        ("diagnostic", "25", "83,33\u00a0%", "7,5 j (sur 20)"),
        ("décaissé", "10", "40,00\u00a0%", "30 j (sur 10)"),
    )
    # Read from top to bottom in the funnel's order: pygal draws the first row at the bottom,
    # so the labels come in the reverse order in the SVG.
    labels = re.findall(r"<text[^>]*>(accueil|diagnostic|décaissé)</text>", chart.svg)
    assert labels == ["décaissé", "diagnostic", "accueil"]


def test_loss_rates_are_shown_beside_the_national_reference_with_their_basis() -> None:
    chart = by_key(sample_bilan())["losses"]
    assert chart.rows == (
        (
            "Taux de perte en nombre",
            "4,69\u00a0%",
            "9 appels de garantie sur 192 prêts décaissés",
        ),
        (
            "Taux de perte en montant",
            "2,91\u00a0%",
            "12\u202f000,00\u00a0€ de capital restant dû appelé sur 412\u202f345,67\u00a0€ prêtés",
        ),
        ("Référence nationale", "7,02\u00a0%", "en nombre de prêts — CDC, 2e trimestre 2014"),
    )
    # The reference is drawn in its own colour.
    assert charts.REFERENCE in chart.svg


def test_the_reference_basis_stored_as_a_code_is_said_in_words() -> None:
    chart = by_key(sample_bilan(national_reference_basis="count"))["losses"]
    assert chart.rows[2][2] == "en nombre de prêts — CDC, 2e trimestre 2014"
    chart = by_key(sample_bilan(national_reference_basis="amount"))["losses"]
    assert chart.rows[2][2] == "en montants — CDC, 2e trimestre 2014"


@pytest.mark.parametrize(
    ("top", "ticks"),
    [
        (0, [0, 1]),
        (2, [0, 1, 2]),
        (3.75, [0, 1, 2, 3, 4]),
        (19, [0, 5, 10, 15, 20]),
        (172, [0, 50, 100, 150, 200]),
        (1234, [0, 200, 400, 600, 800, 1000, 1200, 1400]),
    ],
)
def test_a_count_axis_has_whole_graduations(top: float, ticks: list[int]) -> None:
    assert charts.integer_ticks(top) == ticks


def test_count_charts_graduate_in_whole_numbers_and_rates_in_decimals() -> None:
    small = sample_bilan(
        amount_bands=(Row("a", "moins de 500 €", 1), Row("b", "de 500 à 999,99 €", 2)),
        purposes=(Row("mobilite", "Mobilité", 2, Decimal("100.00")),),
    )
    charts_by_key = by_key(small)
    axis = re.compile(r'<g class="guides"><path[^>]*/><text[^>]*>([0-9,\u202f]+)</text>')
    assert set(axis.findall(charts_by_key["amount_bands"].svg)) == {"0", "1", "2"}
    assert set(axis.findall(charts_by_key["purposes"].svg)) == {"0", "1", "2", "3"}
    low_rates = sample_bilan(
        loss_rate_count_percent=Decimal("0.42"),
        loss_rate_amount_percent=Decimal("0.30"),
        national_reference_percent=Decimal("0.90"),
    )
    assert "0,4" in axis.findall(by_key(low_rates)["losses"].svg)  # pygal's own, in French


def test_a_rate_that_cannot_be_computed_is_said_and_not_drawn() -> None:
    chart = by_key(
        sample_bilan(
            loss_rate_count_percent=None,
            loss_rate_amount_percent=None,
            disbursed_count=0,
            disbursed_amount=Decimal("0.00"),
        )
    )["losses"]
    assert chart.rows[0][1] == "non calculable"
    assert chart.rows[1][1] == "non calculable"
    assert ">Taux de perte en nombre<" not in chart.svg
    assert ">Référence nationale<" in chart.svg


def test_an_empty_breakdown_says_so() -> None:
    chart = by_key(sample_bilan(purposes=()))["purposes"]
    assert chart.rows == ()
    assert "Aucune donnée" in chart.svg
    assert chart.description == "aucune donnée pour la période."


def test_the_generic_builders_check_their_input_and_bound_the_drawing() -> None:
    with pytest.raises(ValueError):
        bar_chart(key="k", title="T", labels=["a", "b"], values=[1], texts=["1"])
    many = [f"ligne {i}" for i in range(45)]
    chart = horizontal_bar_chart(key="k", title="T", labels=many, values=list(range(45)))
    assert len(chart.rows) == 45  # the table keeps every row
    assert ">ligne 44<" not in chart.svg  # the image draws the first 30
    assert ">ligne 29<" in chart.svg
    big = bar_chart(key="k", title="T", labels=["a"], values=[1234567])
    assert big.rows == (("a", "1\u202f234\u202f567"),)


def test_the_text_colours_have_enough_contrast_on_the_background() -> None:
    style = charts.CHART_STYLE
    for colour in (style.foreground, style.foreground_strong, *style.value_colors):
        assert contrast_ratio(colour, style.background) >= TEXT_MINIMUM
    # The bars themselves: 3:1 for a graphic (RGAA 3.3).
    for colour in style.colors:
        assert contrast_ratio(colour, style.background) >= 3


@pytest.mark.parametrize("bilan", [sample_bilan(), sample_bilan(purposes=(), funnel=())])
def test_weasyprint_draws_the_same_images_without_a_warning(
    bilan: Bilan, caplog: pytest.LogCaptureFixture
) -> None:
    import weasyprint

    all_charts = bilan_charts(bilan)
    html = "".join(f'<img src="{chart.data_uri}" alt="{chart.title}">' for chart in all_charts)
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = weasyprint.HTML(string=html).write_pdf()
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == []
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    # The SVG is drawn as vectors: its texts are in the PDF.
    text = " ".join(page.extract_text() for page in reader.pages)
    if bilan.purposes:
        assert "Mobilité" in text
        assert "7,02" in text
    else:
        assert "Aucune donnée" in text
