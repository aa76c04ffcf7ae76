"""The director's bilan page (/bilan/): the real figures of a hand-built data set, their charts
and tables, the links to the dossiers behind each count, the filter, and who may see it."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.reporting.forms_filters import BilanFilterForm
from microcredit.reporting.rules import Period
from microcredit.servicing.models import GuaranteeClaim
from tests.dossiers.test_list_filters import disburse, moved
from tests.factories import make_dossier, make_second_bank, saint_etienne_programme

URL = reverse("reporting:statistics")
YEAR_2026 = {"periode": "dates", "du": "2026-01-01", "au": "2026-12-31"}
FULL_PATH = [
    ("diagnosis", 2),
    ("instruction", 10),
    ("ready_for_committee", 20),
    ("transmitted_to_bank", 30),
    ("granted", 40),
    ("disbursed", 50),
]


def path_from(start: date, steps: list[tuple[str, int]]) -> list[tuple[str, date]]:
    return [(state, date.fromordinal(start.toordinal() + days)) for state, days in steps]


def claim(dossier: Dossier, day: date, outstanding: str, actor: User) -> None:
    principal = Decimal(outstanding)
    GuaranteeClaim.objects.create(
        loan=dossier.loan, acceleration_date=day, first_unpaid_date=day,
        guarantor_name="Fonds de cohésion sociale", rate_percent=Decimal("50.00"),
        includes_interest=False, outstanding_principal=principal,
        accrued_interest=Decimal("0.00"), amount=(principal / 2).quantize(Decimal("0.01")),
        recorded_by=actor,
    )  # fmt: skip


def add_received_dossiers(director: User, referent: User, count: int, *, month: int) -> None:
    """`count` more dossiers received in 2026 that went as far as the instruction."""
    for i in range(count):
        applied = date(2026, month, 1 + i)
        dossier = make_dossier(
            created_by=director, application_date=applied, state=DossierState.INSTRUCTION,
            referent=referent,
        )  # fmt: skip
        moved(dossier, director, path_from(applied, FULL_PATH[:2]))


@pytest.fixture
def scene(db: None, make_user: Any) -> dict[str, Any]:
    """Saint-Étienne's 2026, built by hand:
    - d1 (January, mobility) and d2 (February, housing) go the whole way and are disbursed
      (1,000 € and 2,000 €); d2's guarantee is called in September (1,500 € outstanding);
    - d3 (March) is reoriented to the FSL after its diagnostic;
    - d4 (April) is in instruction;
    - d5 was received in December 2025 and disbursed in January 2026 (1,500 €);
    - Lyon's dossier of 2026, disbursed, counts nowhere in Saint-Étienne's bilan.
    """
    director = make_user(Role.DIRECTOR)
    referent = make_user(Role.REFERENT, username="referente")
    made: dict[str, Any] = {"director": director, "referent": referent}
    specs = [
        ("d1", date(2026, 1, 10), DossierState.DISBURSED, "mobilite", FULL_PATH),
        ("d2", date(2026, 2, 1), DossierState.DISBURSED, "logement", FULL_PATH),
        ("d3", date(2026, 3, 1), DossierState.REORIENTED, "mobilite",
         [("diagnosis", 3), ("reoriented", 12)]),
        ("d4", date(2026, 4, 1), DossierState.INSTRUCTION, "mobilite", FULL_PATH[:2]),
        ("d5", date(2025, 12, 1), DossierState.DISBURSED, "mobilite", FULL_PATH),
    ]  # fmt: skip
    for name, applied, state, purpose, steps in specs:
        extra: dict[str, Any] = (
            {"reorientation_scheme": "fsl", "reorientation_label": "FSL"} if name == "d3" else {}
        )
        dossier = make_dossier(
            created_by=director, application_date=applied, state=state, purpose_category=purpose,
            referent=referent, **extra,
        )  # fmt: skip
        moved(dossier, director, path_from(applied, steps))
        made[name] = dossier
    disburse(made["d1"], date(2026, 3, 1), "1000.00")
    disburse(made["d2"], date(2026, 3, 23), "2000.00")
    disburse(made["d5"], date(2026, 1, 20), "1500.00")
    made["d2"].refresh_from_db()
    claim(made["d2"], date(2026, 9, 1), "1500.00", director)

    lyon = Organisation.objects.create(kind="ccas", name="CCAS de Lyon", slug="ccas-lyon")
    lyon_programme = Programme.objects.create(
        organisation=lyon, name="Microcrédit lyonnais", slug="microcredit-lyon",
        bank_partner=saint_etienne_programme().bank_partner,
    )  # fmt: skip
    lyon_director = make_user(Role.DIRECTOR, username="directrice-lyon", organisation=lyon)
    stranger = make_dossier(
        created_by=lyon_director, programme=lyon_programme, application_date=date(2026, 5, 1),
        state=DossierState.DISBURSED,
    )  # fmt: skip
    moved(stranger, lyon_director, path_from(date(2026, 5, 1), FULL_PATH))
    disburse(stranger, date(2026, 6, 1), "3000.00")
    made["lyon_programme"] = lyon_programme
    return made


def page_of(client: Any, params: dict[str, str]) -> tuple[Any, str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response, response.content.decode()


def hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]+)"', page)]


def list_numbers(client: Any, url: str) -> set[str]:
    response = client.get(url)
    assert response.status_code == 200
    return {d.number for d in response.context["page"].object_list}


@pytest.mark.django_db
def test_the_director_sees_the_figures_of_the_period(client: Any, scene: dict[str, Any]) -> None:
    client.force_login(scene["director"])
    response, page = page_of(client, YEAR_2026)
    figures = response.context["figures"]
    assert figures.period == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert figures.organisation_ids == (scene["director"].memberships.get().organisation_id,)
    assert figures.received == 4
    assert [(s.key, s.count) for s in figures.funnel] == [
        ("received", 4), ("diagnosis", 4), ("instruction", 3), ("committee", 2),
        ("transmitted", 2), ("granted", 2), ("disbursed", 2),
    ]  # fmt: skip
    assert figures.disbursed_count == 3
    assert figures.disbursed_amount == Decimal("4500.00")
    assert figures.guarantee_calls == 1
    assert figures.loss_rate_count_percent == Decimal("33.33")
    assert figures.loss_rate_amount_percent == Decimal("33.33")
    assert "Période du 01/01/2026 au 31/12/2026, tous les dispositifs." in page
    # The headline figures, in cards.
    assert re.search(r'id="figure-received">Dossiers reçus</h3>\s*<p class="figure">4</p>', page)
    assert re.search(r'id="figure-disbursed">Prêts décaissés</h3>\s*<p class="figure">3</p>', page)
    assert "4\u202f500,00\u00a0€ prêtés pendant la période" in page
    # Both loss rates with their basis in words, and the national reference with its own.
    assert "Base : 1 appel de garantie sur 3 prêts décaissés pendant la période." in page
    assert (
        "Base : 1\u202f500,00\u00a0€ de capital restant dû appelé sur 4\u202f500,00\u00a0€ "
        "prêtés pendant la période." in page
    )
    assert "7,02\u00a0%" in page
    # The basis is stored as a code (« count »): the page says it in words.
    assert "Base : en nombre de prêts. Source : Caisse des Dépôts" in page
    # Reorientations and the caseload.
    assert '<th scope="row">FSL</th>' in page
    for heading in (
        "Personnes accueillies et parcours des dossiers",
        "Prêts",
        "Pertes et ce que le CCAS a payé",
        "Droits non réclamés",
    ):
        assert f">{heading}</h2>" in page


@pytest.mark.django_db
def test_every_chart_is_an_image_with_its_table(client: Any, scene: dict[str, Any]) -> None:
    client.force_login(scene["director"])
    _response, page = page_of(client, YEAR_2026)
    images = re.findall(r'<img src="(data:image/svg\+xml;base64,[^"]+)"\s+alt="([^"]+)"', page)
    assert len(images) == 8
    alts = [html.unescape(alt) for _src, alt in images]
    assert (
        "Parcours des dossiers reçus, étape par étape : reçus\u00a0: 4; diagnostic\u00a0: 4;"
        in (alts[0])
    )
    assert alts[-1].startswith("Taux de perte et référence nationale : ")
    assert len(re.findall(r"les données du graphique\s*</caption>", page)) == 8
    # The funnel's table, its conversions and delays (d1 and d2: 10 days from one stage to the
    # next; d4: 8 days from diagnostic to instruction).
    assert '<th scope="row">commission</th>' in page
    assert "66,67\u00a0%" in page  # 2 of the 3 instructed dossiers reached the committee
    assert "10 j (sur 2)" in page


@pytest.mark.django_db
def test_each_count_links_to_the_dossiers_behind_it(client: Any, scene: dict[str, Any]) -> None:
    """Following a figure's link shows exactly the dossiers it counts."""
    client.force_login(scene["director"])
    response, page = page_of(client, YEAR_2026)
    figures = response.context["figures"]
    links = [h for h in hrefs(page) if h.startswith(reverse("dossiers:list") + "?")]
    stage_links = {parse_qs(urlsplit(h).query).get("etape", [""])[0]: h for h in links}
    for stage in figures.funnel:
        url = stage_links[stage.key]
        query = parse_qs(urlsplit(url).query)
        assert query["recu_du"] == ["2026-01-01"] and query["recu_au"] == ["2026-12-31"]
        assert len(list_numbers(client, url)) == stage.count, stage.key
    received = next(
        h for h in links if "etape" not in h and "recu_du" in h and "reorientation" not in h
    )
    assert list_numbers(client, received) == {scene[n].number for n in ("d1", "d2", "d3", "d4")}
    disbursed = next(h for h in links if "decaisse_du" in h and "categorie" not in h)
    assert list_numbers(client, disbursed) == {scene[n].number for n in ("d1", "d2", "d5")}
    housing = next(h for h in links if "categorie=logement" in h)
    assert list_numbers(client, housing) == {scene["d2"].number}
    reoriented = next(h for h in links if "reorientation=fsl" in h)
    assert list_numbers(client, reoriented) == {scene["d3"].number}
    caseload = next(h for h in links if "en_cours=1" in h)
    assert f"referent={scene['referent'].pk}" in caseload
    assert list_numbers(client, caseload) == {scene[n].number for n in ("d1", "d2", "d4", "d5")}


@pytest.mark.django_db
def test_the_outputs_are_linked_with_the_same_period(client: Any, scene: dict[str, Any]) -> None:
    client.force_login(scene["director"])
    programme = saint_etienne_programme()
    _response, page = page_of(client, {**YEAR_2026, "dispositif": str(programme.pk)})
    links = hrefs(page)
    same = f"?periode=dates&du=2026-01-01&au=2026-12-31&dispositif={programme.pk}"
    assert reverse("reporting:annual_report") + same in links
    assert reverse("reporting:statistics_export", args=["csv"]) + same in links
    assert reverse("reporting:statistics_export", args=["xlsx"]) + same in links
    assert reverse("reporting:exports") + same in links
    for name in ("regulator", "import", "whatif"):
        assert reverse(f"reporting:{name}") in links
    # The figures' links keep the scheme.
    assert any(
        h.startswith(reverse("dossiers:list")) and f"dispositif={programme.pk}" in h for h in links
    )


@pytest.mark.django_db
def test_the_filter_changes_the_figures(client: Any, scene: dict[str, Any]) -> None:
    client.force_login(scene["director"])
    response, _page = page_of(client, {"periode": "dates", "du": "2026-01-01", "au": "2026-01-31"})
    assert response.context["figures"].received == 1  # d1 only
    assert response.context["figures"].disbursed_count == 1  # d5, on 20 January
    _bank, other_programme = make_second_bank(
        Organisation.objects.get(slug="ccas-saint-etienne"), slug="banque-bilan"
    )
    response, page = page_of(client, {**YEAR_2026, "dispositif": str(other_programme.pk)})
    assert response.context["figures"].programme_id == other_programme.pk
    assert response.context["figures"].received == 0
    assert f"dispositif {other_programme.name}." in page
    # The previous year, by its preset.
    response, _page = page_of(client, {"periode": "precedente"})
    from django.utils import timezone

    year = timezone.localdate().year - 1
    assert response.context["figures"].period == Period(date(year, 1, 1), date(year, 12, 31))


@pytest.mark.django_db
def test_another_organisations_scheme_is_refused(client: Any, scene: dict[str, Any]) -> None:
    client.force_login(scene["director"])
    response, page = page_of(client, {**YEAR_2026, "dispositif": str(scene["lyon_programme"].pk)})
    assert "Sélectionnez un choix valide" in page
    assert 'id="error-summary"' in page
    figures = response.context["figures"]
    assert figures.programme_id is None
    assert scene["lyon_programme"].organisation_id not in figures.organisation_ids
    # Lyon's scheme is not offered either.
    assert "Microcrédit lyonnais" not in page


@pytest.mark.django_db
def test_bad_dates_are_refused_with_a_french_message(client: Any, scene: dict[str, Any]) -> None:
    client.force_login(scene["director"])
    response, page = page_of(client, {"periode": "dates", "du": "2026-05-01", "au": "2026-04-01"})
    assert "Le dernier jour précède le premier : inversez les dates." in page
    year = response.context["form"].today.year
    assert response.context["figures"].period == Period(date(year, 1, 1), date(year, 12, 31))
    _response, page = page_of(client, {"periode": "dates", "du": "hier"})
    assert "Indiquez le dernier jour de la période." in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    "role", [Role.REFERENT, Role.AGENT, Role.COMMITTEE_MEMBER, Role.BANK_ADVISER]
)
def test_only_the_director_sees_the_bilan(client_for: Any, role: Role) -> None:
    client = client_for(role)
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_the_number_of_queries_does_not_grow_with_the_data(
    client: Any, scene: dict[str, Any], count_queries: Any
) -> None:
    client.force_login(scene["director"])

    def load() -> None:
        cache.clear()  # the figures computed, not those kept (tests/reporting/test_scale.py)
        assert client.get(URL, YEAR_2026).status_code == 200

    small = count_queries(load)
    add_received_dossiers(scene["director"], scene["referent"], 15, month=6)
    large = count_queries(load)
    assert small == large
    response = client.get(URL, YEAR_2026)
    assert response.context["figures"].received == 19


@pytest.mark.django_db
def test_the_filter_form_defaults_and_presets(saint_etienne: Organisation) -> None:
    today = date(2026, 6, 15)
    form = BilanFilterForm({}, organisation_id=saint_etienne.pk, today=today)
    assert form.is_valid()
    assert form.cleaned_data["period"] == Period(date(2026, 1, 1), date(2026, 12, 31))
    assert form.cleaned_data["programme_id"] is None
    unbound = BilanFilterForm(organisation_id=saint_etienne.pk, today=today)
    assert unbound.period == Period(date(2026, 1, 1), date(2026, 12, 31))
    form = BilanFilterForm({"periode": "debut"}, organisation_id=saint_etienne.pk, today=today)
    assert form.is_valid()
    assert form.period.end == today
    assert [str(label) for _value, label in form["periode"].field.widget.choices][:3] == [
        "Année en cours", "Année précédente", "Depuis le début",
    ]  # fmt: skip
    form = BilanFilterForm(
        {"du": "2026-02-01", "au": "2026-03-31"}, organisation_id=saint_etienne.pk, today=today
    )
    assert form.is_valid()
    assert form.cleaned_data["period"] == Period(date(2026, 2, 1), date(2026, 3, 31))
    form = BilanFilterForm(
        {"periode": "dates", "du": "1999-12-31", "au": "2000-01-31"},
        organisation_id=saint_etienne.pk,
        today=today,
    )
    assert not form.is_valid()
    assert form.errors["du"] == ["Choisissez une date à partir du 01/01/2000."]
