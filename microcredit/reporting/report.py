"""The annual report (a PDF to publish) and the statistics export (XLSX and CSV), built from one
`Bilan` (`reporting.selectors.bilan`), so that they show the dashboard's figures.

The report is what a CCAS publishes, in the spirit of the Saint-Étienne scheme's bilan: the key
figures (people received, loans disbursed, guarantee calls and the loss rates against the
national reference), the funnel, the loans and the borrowers, the portfolio, the unclaimed
rights, the charts of the dashboard, the parameters in force at the period's end and a note on
the method. It holds counts only, never a person: in the breakdowns that describe the people or
their projects (purposes, bands, profiles, reorientations, rights), the categories of 1 or 2 are
grouped into one « autres » row (`published_bilan`), in the tables and in the charts alike.

The statistics export is the director's own working file: every figure exact, nothing grouped.
The XLSX holds numbers as numbers (counts, euros, percents as numbers of percent: 33.33 for
33,33 %) with their number formats; the CSV is one long table « section;indicateur;libellé;
valeur;unité » (UTF-8 with its BOM, `;`, decimal comma), as French spreadsheets open it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from microcredit.core.formatting import format_count, format_date, format_eur, format_percent
from microcredit.core.pdf import logo_data_uri, render_pdf
from microcredit.organisations.models import Organisation
from microcredit.programmes.enums import LossRateBasis
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.reporting.charts import Chart, bilan_charts
from microcredit.reporting.rules import Bilan, Period, Profiles, RightRow, Row
from microcredit.reporting.texts import loss_bases

__all__ = [
    "SMALL_COUNT",
    "Figure",
    "Indicator",
    "ParametersInForce",
    "Section",
    "Sheet",
    "Table",
    "annual_report_context",
    "annual_report_pdf",
    "calendar_year",
    "export_filename",
    "last_complete_year",
    "parameters_in_force",
    "published_bilan",
    "statistics_csv",
    "statistics_indicators",
    "statistics_sheets",
    "statistics_xlsx",
]

SMALL_COUNT = 3  # a published breakdown groups its categories counting fewer (1 or 2)
CENT = Decimal("0.01")
TERRITORY_NAMES = 12  # the communes the report names before « et N autres »


# --- The period -------------------------------------------------------------------------------


def calendar_year(year: int) -> Period:
    return Period(start=date(year, 1, 1), end=date(year, 12, 31))


def last_complete_year(today: date) -> int:
    """The annual report's default year: the last calendar year that is over."""
    return today.year - 1


def _is_calendar_year(period: Period) -> bool:
    return period == calendar_year(period.start.year)


def period_label(period: Period) -> str:
    """« 2026 » for a calendar year, else « du 01/03/2026 au 30/09/2026 »."""
    if _is_calendar_year(period):
        return str(period.start.year)
    return _("du %(start)s au %(end)s") % {
        "start": format_date(period.start),
        "end": format_date(period.end),
    }


def export_filename(organisation: Organisation, period: Period, extension: str) -> str:
    """bilan-<slug>-<start>-<end>.<extension> (ISO dates)."""
    return (
        f"bilan-{organisation.slug}-{period.start.isoformat()}-{period.end.isoformat()}.{extension}"
    )


# --- What the report publishes: no category of 1 or 2 -----------------------------------------


def _group_rows(rows: Sequence[Row]) -> tuple[Row, ...]:
    """The rows with their categories of 1 or 2 grouped into one « autres » row at the end
    (count and amount summed, so totals stay right); the rows of 0 or of 3 and more as given."""
    small = [row for row in rows if 0 < row.count < SMALL_COUNT]
    if not small:
        return tuple(rows)
    kept = [row for row in rows if not 0 < row.count < SMALL_COUNT]
    amounts = [row.amount for row in small if row.amount is not None]
    other = Row(
        key="other",
        label=_("autres (moins de %(n)s chacune)") % {"n": SMALL_COUNT},
        count=sum(row.count for row in small),
        amount=sum(amounts, Decimal(0)) if amounts else None,
    )
    return (*kept, other)


def _group_rights(rows: Sequence[RightRow]) -> tuple[RightRow, ...]:
    small = [row for row in rows if 0 < row.detected < SMALL_COUNT]
    if not small:
        return tuple(rows)
    kept = [row for row in rows if not 0 < row.detected < SMALL_COUNT]
    other = RightRow(
        right="other",
        label=_("autres droits (moins de %(n)s constats chacun)") % {"n": SMALL_COUNT},
        detected=sum(row.detected for row in small),
        opened=sum(row.opened for row in small),
        already_received=sum(row.already_received for row in small),
        claim_started=sum(row.claim_started for row in small),
        not_eligible=sum(row.not_eligible for row in small),
    )
    return (*kept, other)


def published_bilan(bilan: Bilan) -> Bilan:
    """The bilan as the annual report publishes it: in each breakdown of people or projects, the
    categories of 1 or 2 grouped into « autres »; no référent's caseload."""
    profiles = bilan.profiles
    return replace(
        bilan,
        purposes=_group_rows(bilan.purposes),
        amount_bands=_group_rows(bilan.amount_bands),
        duration_bands=_group_rows(bilan.duration_bands),
        reorientations=_group_rows(bilan.reorientations),
        profiles=Profiles(
            household_types=_group_rows(profiles.household_types),
            activities=_group_rows(profiles.activities),
            age_bands=_group_rows(profiles.age_bands),
            income_sources=_group_rows(profiles.income_sources),
        ),
        rights=_group_rights(bilan.rights),
        caseload=(),
    )


# --- The parameters in force ------------------------------------------------------------------


@dataclass(frozen=True)
class ParametersInForce:
    """A scheme's parameters on a day, as the report writes them (French text)."""

    programme: str
    version: int
    valid_from: date
    amounts: str
    months: str
    rate: str
    deferral: str
    purposes: tuple[str, ...]
    excluded_purposes: tuple[str, ...]
    territory: str
    guarantee: str
    bonification: str
    loss_reference: str


def _basis_label(basis: str) -> str:
    return str(LossRateBasis(basis).label) if basis in LossRateBasis.values else basis


def _describe_version(version: ProgrammeVersion) -> ParametersInForce:
    kinds = []
    if version.allow_interest_only_deferral:
        kinds.append(_("partiel (intérêts payés)"))
    if version.allow_capitalised_deferral:
        kinds.append(_("total (intérêts capitalisés)"))
    if version.max_deferral_months and kinds:
        deferral = _("jusqu'à %(months)s mois : %(kinds)s") % {
            "months": version.max_deferral_months,
            "kinds": ", ".join(kinds),
        }
    else:
        deferral = _("aucun différé")
    purposes = []
    for purpose in version.purposes:
        subs = [str(sub["label"]) for sub in purpose.get("subcategories", [])]
        purposes.append(f"{purpose['label']} ({', '.join(subs)})" if subs else purpose["label"])
    names = [str(commune.get("name") or commune["insee"]) for commune in version.territory]
    territory = ngettext("%(n)s commune", "%(n)s communes", len(names)) % {"n": len(names)}
    if names:
        territory += " : " + ", ".join(names[:TERRITORY_NAMES])
        if len(names) > TERRITORY_NAMES:
            rest = len(names) - TERRITORY_NAMES
            territory += " " + ngettext("et %(n)s autre", "et %(n)s autres", rest) % {"n": rest}
    guarantee = _("%(guarantor)s, à %(rate)s du capital restant dû") % {
        "guarantor": version.guarantor_name,
        "rate": format_percent(version.guarantee_rate_percent),
    }
    if version.guarantee_includes_interest:
        guarantee += " " + _("et des intérêts courus")
    if not version.bonification_enabled:
        bonification = _("aucune")
    elif version.bonification_cap is not None:
        bonification = _("la dernière mensualité, dans la limite de %(cap)s") % {
            "cap": format_eur(version.bonification_cap)
        }
    else:
        bonification = _("la dernière mensualité")
    return ParametersInForce(
        programme=version.programme.name,
        version=version.number,
        valid_from=version.valid_from,
        amounts=_("de %(min)s à %(max)s")
        % {"min": format_eur(version.min_amount), "max": format_eur(version.max_amount)},
        months=_("de %(min)s à %(max)s mois")
        % {"min": version.min_months, "max": version.max_months},
        rate=_rate(version.nominal_rate_percent),
        deferral=deferral,
        purposes=tuple(purposes),
        excluded_purposes=tuple(str(item["label"]) for item in version.excluded_purposes),
        territory=territory,
        guarantee=guarantee,
        bonification=bonification,
        loss_reference=_("%(rate)s %(basis)s — source : %(source)s")
        % {
            "rate": format_percent(version.loss_rate_reference_percent),
            "basis": _basis_label(version.loss_rate_reference_basis),
            "source": version.loss_rate_reference_source,
        },
    )


def _rate(value: Decimal) -> str:
    """A nominal rate with its significant decimals (at least 2): « 1,75 % », « 1,125 % »."""
    places = 3 if value.quantize(CENT) != value else 2
    return format_percent(value, places=places)


def parameters_in_force(
    *, organisation_id: int, programme_id: int | None, on_date: date
) -> list[ParametersInForce]:
    """The version in force on `on_date` of the scheme (or of each scheme of the organisation),
    described for the report; one query (a scheme has a few versions)."""
    versions = (
        ProgrammeVersion.objects.filter(
            programme__organisation_id=organisation_id, valid_from__lte=on_date
        )
        .select_related("programme")
        .order_by("programme__name", "programme_id", "-valid_from")
    )
    if programme_id is not None:
        versions = versions.filter(programme_id=programme_id)
    found: dict[int, ProgrammeVersion] = {}
    for version in versions:
        found.setdefault(version.programme_id, version)
    return [_describe_version(version) for version in found.values()]


# --- The annual report ------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    detail: str = ""


@dataclass(frozen=True)
class Table:
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    paragraphs: tuple[str, ...] = ()
    charts: tuple[Chart, ...] = ()
    tables: tuple[Table, ...] = ()


def _percent_or(value: Decimal | None, missing: str) -> str:
    return format_percent(value) if value is not None else missing


def _count_of(n: int, text: str) -> str:
    """`text`, the `ngettext` of a count (literal msgids where it is called, for makemessages),
    with the count written in French (« 1 234 »)."""
    return text % {"n": format_count(n)}


def _average(amount: Decimal, count: int) -> Decimal | None:
    return (amount / count).quantize(CENT, rounding=ROUND_HALF_UP) if count else None


def _comparison(bilan: Bilan) -> str:
    """The seed's sentence: the loss rate against the national reference, on the reference's
    basis (count unless the reference is on amounts)."""
    reference = bilan.national_reference_percent
    on_amount = bilan.national_reference_basis == LossRateBasis.AMOUNT
    rate = bilan.loss_rate_amount_percent if on_amount else bilan.loss_rate_count_percent
    if reference is None or rate is None:
        return ""
    values = {"rate": format_percent(rate), "reference": format_percent(reference)}
    if rate < reference:
        return (
            _(
                "Le taux de perte de la période (%(rate)s) est inférieur à la référence nationale "
                "(%(reference)s)."
            )
            % values
        )
    if rate > reference:
        return (
            _(
                "Le taux de perte de la période (%(rate)s) est supérieur à la référence nationale "
                "(%(reference)s)."
            )
            % values
        )
    return (
        _(
            "Le taux de perte de la période (%(rate)s) est égal à la référence nationale "
            "(%(reference)s)."
        )
        % values
    )


def key_figures(bilan: Bilan) -> list[Figure]:
    not_computable = _("non calculable (aucun prêt décaissé)")
    bases = loss_bases(bilan)
    average = _average(bilan.disbursed_amount, bilan.disbursed_count)
    reference_detail = " — ".join(
        part
        for part in (
            _basis_label(bilan.national_reference_basis),
            _("source : %(source)s") % {"source": bilan.national_reference_source}
            if bilan.national_reference_source
            else "",
        )
        if part
    )
    figures = [
        Figure(
            _("Personnes reçues"),
            _count_of(
                bilan.people_received,
                ngettext("%(n)s personne", "%(n)s personnes", bilan.people_received),
            ),
            _count_of(
                bilan.received,
                ngettext("%(n)s dossier ouvert", "%(n)s dossiers ouverts", bilan.received),
            )
            + " ; "
            + _count_of(
                bilan.contacts,
                ngettext(
                    "%(n)s demande de contact en ligne",
                    "%(n)s demandes de contact en ligne",
                    bilan.contacts,
                ),
            ),
        ),
        Figure(
            _("Prêts décaissés"),
            _count_of(
                bilan.disbursed_count, ngettext("%(n)s prêt", "%(n)s prêts", bilan.disbursed_count)
            ),
            _("pour %(amount)s") % {"amount": format_eur(bilan.disbursed_amount)},
        ),
        Figure(_("Montant prêté"), format_eur(bilan.disbursed_amount)),
        Figure(
            _("Montant moyen d'un prêt"),
            format_eur(average) if average is not None else not_computable,
        ),
        Figure(
            _("Appels en garantie"),
            _count_of(
                bilan.guarantee_calls,
                ngettext("%(n)s appel", "%(n)s appels", bilan.guarantee_calls),
            ),
            _("%(amount)s de capital restant dû appelé")
            % {"amount": format_eur(bilan.guarantee_calls_amount)},
        ),
        Figure(
            _("Taux de perte en nombre de prêts"),
            _percent_or(bilan.loss_rate_count_percent, not_computable),
            bases.count,
        ),
        Figure(
            _("Taux de perte en montant"),
            _percent_or(bilan.loss_rate_amount_percent, not_computable),
            bases.amount,
        ),
        Figure(
            _("Taux de perte national de référence"),
            _percent_or(bilan.national_reference_percent, _("non renseigné")),
            reference_detail,
        ),
        Figure(
            _("Bonifications versées"),
            _count_of(
                bilan.bonifications_count,
                ngettext("%(n)s bonification", "%(n)s bonifications", bilan.bonifications_count),
            ),
            _("pour %(amount)s") % {"amount": format_eur(bilan.bonifications_amount)},
        ),
    ]
    return figures


def _rows_table(caption: str, label_header: str, rows: Sequence[Row], unit: str) -> Table:
    with_amounts = any(row.amount is not None for row in rows)
    headers = (label_header, unit, _("Montant")) if with_amounts else (label_header, unit)
    lines = []
    for row in rows:
        line = [row.label, format_count(row.count)]
        if with_amounts:
            line.append(format_eur(row.amount) if row.amount is not None else "—")
        lines.append(tuple(line))
    return Table(caption=caption, headers=headers, rows=tuple(lines))


def _rights_table(rows: Sequence[RightRow]) -> Table:
    return Table(
        caption=_("Droits repérés avec les personnes reçues, et leur suite"),
        headers=(
            _("Droit"),
            _("Repérés"),
            _("Ouverts"),
            _("Déjà perçus"),
            _("Démarche engagée"),
            _("Non éligibles"),
        ),
        rows=tuple(
            (
                row.label,
                format_count(row.detected),
                format_count(row.opened),
                format_count(row.already_received),
                format_count(row.claim_started),
                format_count(row.not_eligible),
            )
            for row in rows
        ),
    )


def report_sections(bilan: Bilan) -> list[Section]:
    """The report's sections after the key figures, from the published bilan."""
    published = published_bilan(bilan)
    charts = {chart.key: chart for chart in bilan_charts(published)}

    def take(*keys: str) -> tuple[Chart, ...]:
        return tuple(charts.pop(key) for key in keys if key in charts)

    funnel = take("funnel")
    first, last = (bilan.funnel[0], bilan.funnel[-1]) if bilan.funnel else (None, None)
    funnel_text = []
    if first is not None and last is not None and first.count:
        funnel_text.append(
            _("Sur %(received)s, %(disbursed)s (%(rate)s) à la fin de la période.")
            % {
                "received": _count_of(
                    first.count, ngettext("%(n)s dossier reçu", "%(n)s dossiers reçus", first.count)
                ),
                "disbursed": _count_of(
                    last.count,
                    ngettext("%(n)s a abouti à un prêt", "%(n)s ont abouti à un prêt", last.count),
                ),
                "rate": format_percent(Decimal(last.count) * 100 / Decimal(first.count)),
            }
        )
    sections = [
        Section(
            key="funnel",
            title=_("Le parcours des demandes"),
            paragraphs=tuple(funnel_text),
            charts=funnel,
            tables=(
                _rows_table(
                    _("Réorientations vers un autre dispositif"),
                    _("Dispositif"),
                    published.reorientations,
                    _("Dossiers"),
                ),
            )
            if published.reorientations
            else (),
        ),
        Section(
            key="loans",
            title=_("Les prêts décaissés"),
            charts=take("purposes", "amount_bands", "duration_bands"),
        ),
        Section(
            key="profiles",
            title=_("Les emprunteurs"),
            charts=take("household_types", "activities", "age_bands"),
            tables=(
                _rows_table(
                    _("Emprunteurs par source principale de revenus"),
                    _("Source principale de revenus"),
                    published.profiles.income_sources,
                    _("Emprunteurs"),
                ),
            ),
        ),
    ]
    portfolio = []
    if bilan.portfolio_as_of is not None:
        portfolio.append(
            _("Au %(day)s, le capital restant dû est de %(outstanding)s ; %(par)s.")
            % {
                "day": format_date(bilan.portfolio_as_of),
                "outstanding": format_eur(bilan.outstanding_principal or Decimal(0)),
                "par": _("le portefeuille à risque à 30 jours (PAR30) est de %(rate)s")
                % {"rate": format_percent(bilan.par30_percent)}
                if bilan.par30_percent is not None
                else _("le portefeuille à risque à 30 jours (PAR30) n'est pas calculable"),
            }
        )
    else:
        portfolio.append(_("Aucun calcul des retards n'est encore disponible pour l'encours."))
    comparison = _comparison(bilan)
    if comparison:
        portfolio.append(comparison)
    sections.append(
        Section(
            key="portfolio",
            title=_("Le portefeuille, les pertes et les bonifications"),
            paragraphs=tuple(portfolio),
            charts=take("losses"),
            tables=(
                _rows_table(_("Plans de reprise par état"), _("État"), bilan.plans, _("Plans")),
                _rows_table(
                    _("Prêts arrivés à leur terme"), _("Fin du prêt"), bilan.completions, _("Prêts")
                ),
            ),
        )
    )
    sections.append(
        Section(
            key="rights",
            title=_("Les droits non recourus"),
            paragraphs=(
                _(
                    "Les référents repèrent avec chaque personne reçue les droits qu'elle ne "
                    "perçoit pas ; le tableau compte les constats enregistrés et leur suite."
                ),
            ),
            tables=(_rights_table(published.rights),),
        )
    )
    if charts:  # a chart the sections above do not place yet
        sections.append(
            Section(key="charts", title=_("Autres graphiques"), charts=tuple(charts.values()))
        )
    return sections


def report_title(organisation: Organisation, period: Period) -> str:
    return _("Bilan du micro-crédit social — %(organisation)s — %(period)s") % {
        "organisation": organisation.name,
        "period": period_label(period),
    }


def annual_report_context(
    *,
    bilan: Bilan,
    organisation: Organisation,
    programme: Programme | None,
    parameters: Sequence[ParametersInForce],
    today: date,
) -> dict[str, object]:
    return {
        "title": report_title(organisation, bilan.period),
        "organisation": organisation,
        "logo": logo_data_uri(organisation.logo),
        "period": bilan.period,
        "period_label": period_label(bilan.period),
        "programme_name": programme.name if programme else _("tous les dispositifs"),
        "today": today,
        "figures": key_figures(bilan),
        "sections": report_sections(bilan),
        "parameters": list(parameters),
        "small_count": SMALL_COUNT,
    }


def annual_report_pdf(context: dict[str, object]) -> bytes:
    return render_pdf("reporting/annual_report.html", context)


# --- The statistics export (XLSX, CSV) --------------------------------------------------------

Kind = Literal["count", "eur", "percent", "days", "date", "text"]
Value = int | Decimal | date | str | None

NUMBER_FORMATS: dict[str, str] = {
    "count": "#,##0",
    "eur": "#,##0.00",
    "percent": "0.00",
    "days": "0.0",
    "date": "DD/MM/YYYY",
    "text": "General",
}


@dataclass(frozen=True)
class Indicator:
    """One figure of the long table: the CSV's line, the Synthèse sheet's row."""

    section: str
    code: str
    label: str
    value: Value
    unit: str
    kind: Kind


@dataclass(frozen=True)
class Column:
    code: str
    header: str
    unit: str
    kind: Kind


@dataclass(frozen=True)
class SheetRow:
    code: str
    label: str
    values: tuple[Value, ...]
    group: str = ""


@dataclass(frozen=True)
class Sheet:
    title: str
    label_header: str
    columns: tuple[Column, ...]
    rows: tuple[SheetRow, ...]
    group_header: str = ""  # a first column naming each row's group (Tranches, Profils)


def statistics_indicators(
    bilan: Bilan, *, organisation: Organisation, programme: Programme | None
) -> list[Indicator]:
    """The Synthèse: the period, the totals, the portfolio, the losses and the reference."""
    section = _("Synthèse")
    dossiers, loans, eur, pct = _("dossiers"), _("prêts"), "€", "%"

    def item(code: str, label: str, value: Value, unit: str, kind: Kind) -> Indicator:
        return Indicator(section, code, label, value, unit, kind)

    items = [
        item("organisation", _("Organisation"), organisation.name, "", "text"),
        item(
            "programme",
            _("Dispositif"),
            programme.name if programme else _("tous les dispositifs"),
            "",
            "text",
        ),
        item("period_start", _("Début de la période"), bilan.period.start, "", "date"),
        item("period_end", _("Fin de la période"), bilan.period.end, "", "date"),
        item("contacts", _("Demandes de contact en ligne"), bilan.contacts, _("demandes"), "count"),
        item("received", _("Dossiers reçus"), bilan.received, dossiers, "count"),
        item(
            "people_received", _("Personnes reçues"), bilan.people_received, _("personnes"), "count"
        ),
        item("disbursed_count", _("Prêts décaissés"), bilan.disbursed_count, loans, "count"),
        item("disbursed_amount", _("Montant prêté"), bilan.disbursed_amount, eur, "eur"),
        item(
            "portfolio_as_of", _("Date du calcul de l'encours"), bilan.portfolio_as_of, "", "date"
        ),
        item(
            "outstanding_principal",
            _("Capital restant dû"),
            bilan.outstanding_principal,
            eur,
            "eur",
        ),
        item(
            "par30_percent",
            _("Portefeuille à risque à 30 jours (PAR30)"),
            bilan.par30_percent,
            pct,
            "percent",
        ),
        item("guarantee_calls", _("Appels en garantie"), bilan.guarantee_calls, loans, "count"),
        item(
            "guarantee_calls_amount",
            _("Capital restant dû appelé en garantie"),
            bilan.guarantee_calls_amount,
            eur,
            "eur",
        ),
        item(
            "loss_rate_count_percent",
            _("Taux de perte en nombre de prêts (appels / prêts décaissés)"),
            bilan.loss_rate_count_percent,
            pct,
            "percent",
        ),
        item(
            "loss_rate_amount_percent",
            _("Taux de perte en montant (capital appelé / montant prêté)"),
            bilan.loss_rate_amount_percent,
            pct,
            "percent",
        ),
        item(
            "national_reference_percent",
            _("Taux de perte national de référence"),
            bilan.national_reference_percent,
            pct,
            "percent",
        ),
        item(
            "national_reference_basis",
            _("Base du taux de référence"),
            _basis_label(bilan.national_reference_basis),
            "",
            "text",
        ),
        item(
            "national_reference_source",
            _("Source du taux de référence"),
            bilan.national_reference_source,
            "",
            "text",
        ),
        item(
            "bonifications_count",
            _("Bonifications versées"),
            bilan.bonifications_count,
            loans,
            "count",
        ),
        item(
            "bonifications_amount",
            _("Montant des bonifications"),
            bilan.bonifications_amount,
            eur,
            "eur",
        ),
    ]
    for prefix, title, rows, unit in (
        ("reorientation", _("Réorientations"), bilan.reorientations, dossiers),
        ("plans", _("Plans de reprise"), bilan.plans, _("plans")),
        ("completions", _("Prêts arrivés à leur terme"), bilan.completions, loans),
    ):
        items.extend(
            item(f"{prefix}.{row.key}", f"{title} — {row.label}", row.count, unit, "count")
            for row in rows
        )
    return items


def _rows_sheet_rows(rows: Sequence[Row], group: str = "", prefix: str = "") -> list[SheetRow]:
    return [
        SheetRow(
            code=f"{prefix}{row.key}", label=row.label, values=(row.count, row.amount), group=group
        )
        for row in rows
    ]


def statistics_sheets(bilan: Bilan) -> list[Sheet]:
    """The tables after the Synthèse, each a sheet of the XLSX."""
    loans, borrowers = _("prêts"), _("emprunteurs")
    count_amount = (
        Column("count", _("Prêts"), loans, "count"),
        Column("amount", _("Montant (€)"), "€", "eur"),
    )
    profiles = bilan.profiles
    return [
        Sheet(
            title=_("Entonnoir"),
            label_header=_("Étape"),
            columns=(
                Column("count", _("Dossiers"), _("dossiers"), "count"),
                Column(
                    "conversion_percent", _("Passage depuis l'étape précédente (%)"), "%", "percent"
                ),
                Column(
                    "median_days",
                    _("Délai médian depuis l'étape précédente (jours)"),
                    _("jours"),
                    "days",
                ),
                Column("delays_measured", _("Délais mesurés"), _("dossiers"), "count"),
            ),
            rows=tuple(
                SheetRow(
                    stage.key,
                    stage.label,
                    (
                        stage.count,
                        stage.conversion_percent,
                        stage.median_days,
                        stage.delays_measured,
                    ),
                )
                for stage in bilan.funnel
            ),
        ),
        Sheet(
            title=_("Objets des prêts"),
            label_header=_("Objet du prêt"),
            columns=count_amount,
            rows=tuple(_rows_sheet_rows(bilan.purposes)),
        ),
        Sheet(
            title=_("Tranches"),
            label_header=_("Tranche"),
            group_header=_("Critère"),
            columns=count_amount,
            rows=tuple(
                _rows_sheet_rows(bilan.amount_bands, _("Montant"), "amount.")
                + _rows_sheet_rows(bilan.duration_bands, _("Durée"), "duration.")
            ),
        ),
        Sheet(
            title=_("Profils"),
            label_header=_("Catégorie"),
            group_header=_("Critère"),
            columns=(Column("count", _("Emprunteurs"), borrowers, "count"),),
            rows=tuple(
                SheetRow(f"{prefix}.{row.key}", row.label, (row.count,), group)
                for prefix, group, rows in (
                    ("household_type", _("Composition du foyer"), profiles.household_types),
                    ("activity", _("Activité"), profiles.activities),
                    ("age_band", _("Tranche d'âge"), profiles.age_bands),
                    ("income_source", _("Source principale de revenus"), profiles.income_sources),
                )
                for row in rows
            ),
        ),
        Sheet(
            title=_("Droits"),
            label_header=_("Droit"),
            columns=tuple(
                Column(code, header, _("constats"), "count")
                for code, header in (
                    ("detected", _("Repérés")),
                    ("opened", _("Ouverts")),
                    ("already_received", _("Déjà perçus")),
                    ("claim_started", _("Démarche engagée")),
                    ("not_eligible", _("Non éligibles")),
                )
            ),
            rows=tuple(
                SheetRow(
                    row.right,
                    row.label,
                    (
                        row.detected,
                        row.opened,
                        row.already_received,
                        row.claim_started,
                        row.not_eligible,
                    ),
                )
                for row in bilan.rights
            ),
        ),
        Sheet(
            title=_("Référents"),
            label_header=_("Référent"),
            columns=(
                Column(
                    "count", _("Dossiers en cours à la fin de la période"), _("dossiers"), "count"
                ),
            ),
            rows=tuple(SheetRow(row.key, row.label, (row.count,)) for row in bilan.caseload),
        ),
    ]


def _safe_text(text: str) -> str:
    """A text a spreadsheet would read as a formula (« =… », « +… », « -… », « @… ») kept as
    text: a quote first (a label typed by a user, a référent's name)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_value(value: Value, kind: Kind) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, Decimal):
        places = {"eur": 2, "percent": 2, "days": 1}.get(kind, 2)
        quantum = Decimal(1).scaleb(-places)
        return f"{value.quantize(quantum, rounding=ROUND_HALF_UP):f}".replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return _safe_text(str(value))


def _long_table(indicators: Iterable[Indicator], sheets: Iterable[Sheet]) -> list[Indicator]:
    lines = list(indicators)
    for sheet in sheets:
        for row in sheet.rows:
            label = f"{row.group} — {row.label}" if row.group else row.label
            for column, value in zip(sheet.columns, row.values, strict=True):
                lines.append(
                    Indicator(
                        section=sheet.title,
                        code=f"{row.code}.{column.code}",
                        label=f"{label} — {column.header}",
                        value=value,
                        unit=column.unit,
                        kind=column.kind,
                    )
                )
    return lines


def statistics_csv(indicators: Sequence[Indicator], sheets: Sequence[Sheet]) -> bytes:
    """One long table « section;indicateur;libellé;valeur;unité », UTF-8 with its BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([_("section"), _("indicateur"), _("libellé"), _("valeur"), _("unité")])
    for line in _long_table(indicators, sheets):
        writer.writerow(
            [
                _safe_text(line.section),
                line.code,
                _safe_text(line.label),
                _csv_value(line.value, line.kind),
                line.unit,
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def statistics_xlsx(indicators: Sequence[Indicator], sheets: Sequence[Sheet]) -> bytes:
    """The workbook: « Synthèse » (indicator, value, unit), then one sheet per table."""
    from openpyxl import Workbook  # type: ignore[import-untyped]
    from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
    from openpyxl.styles import Font  # type: ignore[import-untyped]

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet: Any, titles: Sequence[str]) -> None:
        cells = []
        for title in titles:
            cell = WriteOnlyCell(sheet, value=_safe_text(title))
            cell.font = bold
            cells.append(cell)
        sheet.append(cells)

    def cell(sheet: Any, value: Value, kind: Kind) -> Any:
        if isinstance(value, str):
            return WriteOnlyCell(sheet, value=_safe_text(value))
        written = WriteOnlyCell(sheet, value=value)
        if value is not None:
            written.number_format = NUMBER_FORMATS[kind]
        return written

    synthesis = workbook.create_sheet(_("Synthèse"))
    synthesis.column_dimensions["A"].width = 60
    synthesis.column_dimensions["B"].width = 24
    synthesis.column_dimensions["C"].width = 12
    header(synthesis, (_("Indicateur"), _("Valeur"), _("Unité")))
    for line in indicators:
        synthesis.append(
            [
                WriteOnlyCell(synthesis, value=_safe_text(line.label)),
                cell(synthesis, line.value, line.kind),
                WriteOnlyCell(synthesis, value=line.unit),
            ]
        )
    for table in sheets:
        sheet = workbook.create_sheet(table.title)
        titles = [table.label_header, *(column.header for column in table.columns)]
        if table.group_header:
            titles.insert(0, table.group_header)
        for index in range(len(titles)):
            sheet.column_dimensions[chr(ord("A") + index)].width = 44 if index < 2 else 20
        header(sheet, titles)
        for row in table.rows:
            cells = [WriteOnlyCell(sheet, value=_safe_text(row.label))]
            if table.group_header:
                cells.insert(0, WriteOnlyCell(sheet, value=_safe_text(row.group)))
            cells.extend(
                cell(sheet, value, column.kind)
                for column, value in zip(table.columns, row.values, strict=True)
            )
            sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
