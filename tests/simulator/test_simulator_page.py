"""The public simulator page: simulation and pre-eligibility (anonymous visitor)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from microcredit.core.models import AuditEvent
from microcredit.programmes.models import ProgrammeVersion
from microcredit.simulator.models import ContactRequest

pytestmark = pytest.mark.django_db

URL = reverse("simulator:simulator")
NBSP = "\u00a0"
NNBSP = "\u202f"


def post_simulation(client: Client, htmx: bool = False, **fields: Any) -> str:
    data = {"step": "simulation", "calculate": "1", "sim-deferral_months": "0"}
    data.update({f"sim-{key}": value for key, value in fields.items()})
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.post(URL, data, headers=headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    return html


def post_eligibility(client: Client, **fields: Any) -> str:
    data = {"step": "eligibility", **{f"elig-{key}": value for key, value in fields.items()}}
    response = client.post(URL, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    return html


def stored_rows() -> tuple[int, int, int]:
    return ContactRequest.objects.count(), AuditEvent.objects.count(), Session.objects.count()


class TestPage:
    def test_anonymous_get_shows_the_scheme_bounds(self, client: Client) -> None:
        response = client.get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        assert f"Entre 300{NBSP}€ et 3{NNBSP}000{NBSP}€, en chiffres." in html
        assert "Entre 3 et 36 mois, en chiffres." in html
        assert "De 0 à 12 mois." in html
        assert f"1,75{NBSP}%" in html
        # Both deferral kinds are offered by the Saint-Étienne scheme.
        assert 'value="interest-only"' in html
        assert 'value="capitalised"' in html
        # The three forms are posted, never sent in the URL.
        assert html.count('method="post"') >= 3
        assert 'method="get"' not in html

    def test_without_a_scheme_the_page_says_so(self, client: Client, settings: Any) -> None:
        settings.DEFAULT_ORGANISATION_SLUG = "aucune-organisation"
        html = client.get(URL).content.decode()
        assert "Le simulateur n'est pas disponible pour le moment" in html
        assert '<form method="post" action="/simulateur/' not in html

    def test_no_session_is_created_by_a_visit(self, client: Client) -> None:
        client.get(URL)
        assert Session.objects.count() == 0


class TestSimulation:
    def test_valid_simulation_shows_installment_totals_and_schedule(self, client: Client) -> None:
        # Installment derived by hand from A = P·i / (1 − (1+i)^−n), i = 0.0175/12 = 0.00145833…,
        # n = 36: (1+i)^36 = 1.0538623, (1+i)^−36 = 0.9488906, 1 − 0.9488906 = 0.0511094,
        # P·i = 3000 × 0.00145833 = 4.375, A = 4.375 / 0.0511094 = 85.6007 → 85,60 €.
        # (The brief announced 85,93 €: that is the installment at 2 %, not at 1.75 %.)
        html = post_simulation(client, amount="3000", months="36")
        assert f"85,60{NBSP}€" in html
        assert f"1,76{NBSP}%" in html  # (1 + 0.0175/12)^12 − 1 = 1.764 %
        assert "<caption>" in html
        assert html.count('<th scope="row">') == 36
        assert "Coût du prêt (total des intérêts)" in html
        assert "Total à rembourser" in html
        assert "le CCAS vous rembourse votre dernière mensualité" in html
        # 36 × 85.60 repays more than the interest: the bonification exceeds the cost.
        assert "Coût net -" in html
        assert "de plus que les intérêts payés" in html
        # Usury is only mentioned when the loan would exceed it.
        assert "usure" not in html

    def test_usury_excess_is_shown_clearly(self, client: Client) -> None:
        ProgrammeVersion.objects.update(
            usury_thresholds=[
                {"valid_from": "2000-01-01", "amount_up_to": None, "rate_percent": "1.00"}
            ]
        )
        html = post_simulation(client, amount="3000", months="36")
        assert "taux maximal autorisé par la loi (taux d'usure)" in html

    def test_bonification_cap_and_switch_come_from_the_scheme(self, client: Client) -> None:
        ProgrammeVersion.objects.update(bonification_cap="50.00")
        html = post_simulation(client, amount="3000", months="36")
        assert f"votre dernière mensualité : 50,00{NBSP}€" in html
        assert "plafonné" in html
        ProgrammeVersion.objects.update(bonification_enabled=False)
        html = post_simulation(client, amount="3000", months="36")
        assert "le CCAS vous rembourse" not in html

    def test_french_amount_with_spaces_and_comma_is_understood(self, client: Client) -> None:
        html = post_simulation(client, amount="1 500,00", months="12")
        assert "<caption>" in html

    def test_deferral_rows_are_in_the_schedule(self, client: Client) -> None:
        html = post_simulation(
            client,
            amount="3000",
            months="36",
            deferral_months="6",
            deferral_kind="interest-only",
        )
        assert html.count('<th scope="row">') == 42
        assert html.count("(différé)</small>") == 6
        assert "après 6 mois de différé" in html

    def test_deferral_without_kind_is_explained(self, client: Client) -> None:
        html = post_simulation(client, amount="3000", months="36", deferral_months="3")
        assert "Choisissez ce que vous remboursez pendant le différé." in html
        assert "<table" not in html

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"amount": "100", "months": "36"}, "Le micro-crédit va de 300"),
            ({"amount": "3500", "months": "36"}, "Le micro-crédit va de 300"),
            ({"amount": "deux mille", "months": "36"}, "Indiquez un montant en euros"),
            ({"amount": "1000", "months": "48"}, "Le remboursement dure de 3 à 36 mois"),
            (
                {"amount": "1000", "months": "12", "deferral_months": "13"},
                "Le différé peut aller de 0 à 12 mois.",
            ),
        ],
    )
    def test_out_of_bounds_is_explained_and_nothing_computed(
        self, client: Client, fields: dict[str, str], message: str
    ) -> None:
        html = post_simulation(client, **fields)
        assert message in html
        assert 'aria-invalid="true"' in html
        assert "<table" not in html
        assert "Le calcul n'a pas été fait" in html

    def test_htmx_post_returns_the_section_only(self, client: Client) -> None:
        html = post_simulation(client, htmx=True, amount="3000", months="36")
        assert "<html" not in html
        assert html.lstrip().startswith('<section id="simulation"')
        assert f"85,60{NBSP}€" in html

    def test_htmx_change_does_not_scold_about_fields_not_reached(self, client: Client) -> None:
        response = client.post(
            URL,
            {"step": "simulation", "sim-amount": "2000", "sim-months": ""},
            headers={"HX-Request": "true"},
        )
        html = response.content.decode()
        assert "Ce champ est obligatoire." not in html
        assert "<table" not in html

    def test_pressing_the_button_reports_missing_fields(self, client: Client) -> None:
        html = post_simulation(client, htmx=True, amount="2000", months="")
        assert "Ce champ est obligatoire." in html

    def test_simulation_stores_nothing(self, client: Client) -> None:
        before = stored_rows()
        response = client.post(
            URL,
            {"step": "simulation", "calculate": "1", "sim-amount": "3000", "sim-months": "36"},
        )
        assert response.status_code == 200
        assert stored_rows() == before
        assert Session.objects.count() == 0
        assert "sessionid" not in response.cookies


class TestEligibility:
    def test_seventeen_year_old(self, client: Client) -> None:
        with time_machine.travel(date(2026, 3, 15), tick=False):
            html = post_eligibility(
                client, birth_date="2008-03-16", commune="42000", purpose="mobilite"
            )
        assert "Vous avez 17 ans : le micro-crédit est réservé aux personnes majeures." in html
        assert 'class="criterion-ko"' in html

    def test_postcode_outside_the_territory(self, client: Client) -> None:
        # 69002 is a Lyon postcode, and the INSEE code of Aigueperse: never read as the latter.
        html = post_eligibility(client, age="30", commune="69002", purpose="mobilite")
        assert "Le code postal 69002 ne fait pas partie du territoire du CCAS" in html
        assert "Aigueperse" not in html
        assert "code commune" not in html

    def test_commune_outside_the_territory_by_name(self, client: Client) -> None:
        html = post_eligibility(client, age="30", commune="aigueperse", purpose="mobilite")
        assert "Aigueperse ne fait pas partie du territoire du CCAS" in html
        assert "Le CCAS d&#x27;Aigueperse peut vous renseigner" in html

    def test_postcode_field_has_an_example_and_a_numeric_keyboard(self, client: Client) -> None:
        html = client.get(URL).content.decode()
        field = re.search(r"<input[^>]*name=\"elig-commune\"[^>]*>", html)
        assert field is not None
        assert 'autocomplete="postal-code"' in field.group()
        assert 'inputmode="numeric"' in field.group()
        assert "5 chiffres, ex. 42000." in html

    def test_excluded_purpose(self, client: Client) -> None:
        html = post_eligibility(
            client,
            age="30",
            commune="42100",
            purpose="creation_d_entreprise_ou_de_micro_entreprise",
        )
        assert "est exclu du micro-crédit personnel" in html
        assert "microcrédit professionnel" in html

    def test_all_criteria_met(self, client: Client) -> None:
        html = post_eligibility(client, age="45", commune="42000", purpose="logement")
        assert "Saint-Étienne (42000) fait partie du territoire du CCAS." in html
        assert html.count('class="criterion-ok"') == 3
        assert "vous remplissez les premières conditions" in html
        assert (
            "Ce résultat est indicatif : seul l&#x27;entretien avec le référent permet "
            "d&#x27;étudier votre demande." in html
        )

    def test_excluded_purposes_are_listed_as_options(self, client: Client) -> None:
        html = client.get(URL).content.decode()
        assert "Demandes que le micro-crédit personnel ne finance pas" in html
        assert 'value="rachat_de_credit"' in html

    def test_birth_date_in_the_future_is_refused(self, client: Client) -> None:
        html = post_eligibility(client, birth_date="2999-01-01", commune="42000")
        assert "La date de naissance ne peut pas être dans le futur." in html
        assert "Ce résultat est indicatif" not in html

    def test_eligibility_check_stores_nothing(self, client: Client) -> None:
        before = stored_rows()
        post_eligibility(client, age="45", commune="42000", purpose="logement")
        assert stored_rows() == before
        assert Session.objects.count() == 0

    def test_htmx_returns_the_section_only(self, client: Client) -> None:
        response = client.post(
            URL,
            {"step": "eligibility", "elig-age": "45", "elig-commune": "42000"},
            headers={"HX-Request": "true"},
        )
        html = response.content.decode()
        assert "<html" not in html
        assert html.lstrip().startswith('<section id="eligibilite"')


def element(html: str, element_id: str) -> str:
    """The element of this id, from its opening tag to its closing tag (no nested same tag)."""
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>.*?</\1>', html, re.DOTALL)
    assert match is not None, element_id
    return match.group()


class TestAccessibility:
    def test_a_stable_live_region_outside_the_swapped_form_announces_the_result(
        self, client: Client
    ) -> None:
        html = post_simulation(client, htmx=True, amount="3000", months="36")
        form = element(html, "simulation-form")
        # htmx swaps the form in place and only the content of the live region.
        assert 'hx-target="this"' in form
        assert 'hx-select="#simulation-form"' in form
        assert 'hx-select-oob="#simulation-status:innerHTML,#simulation-output"' in form
        status = element(html, "simulation-status")
        assert 'role="status"' in status
        assert 'aria-live="polite"' in status
        assert 'id="simulation-status"' not in form
        assert f"Résultat du calcul : une mensualité de 85,60{NBSP}€ pendant 36 mois" in status
        assert "<table" not in status  # a sentence is read out, not the whole schedule

    def test_a_refused_calculation_is_announced(self, client: Client) -> None:
        html = post_simulation(client, htmx=True, amount="100", months="36")
        assert "Le calcul n'a pas été fait" in element(html, "simulation-status")

    def test_the_eligibility_result_is_announced(self, client: Client) -> None:
        html = post_eligibility(client, age="45", commune="42000", purpose="logement")
        status = element(html, "eligibility-status")
        assert 'role="status"' in status
        assert "Résultat de la vérification : D&#x27;après vos réponses" in status

    def test_the_schedule_scrolls_in_its_own_labelled_box(self, client: Client) -> None:
        html = post_simulation(client, amount="3000", months="36")
        assert re.search(
            r'<div class="table-scroll"\s+tabindex="0"\s+role="region"\s+'
            r'aria-label="Tableau de remboursement">\s*<table class="schedule',
            html,
        )

    def test_required_fields_say_so_in_their_label(self, client: Client) -> None:
        html = client.get(URL).content.decode()
        for field in ("sim-amount", "sim-months", "rdv-first_name", "rdv-last_name"):
            label = re.search(rf'<label for="id_{field}"[^>]*>(.*?)</label>', html, re.DOTALL)
            assert label is not None, field
            assert "(obligatoire)" in label.group(1), field
        label = re.search(r'<label for="id_sim-deferral_months"[^>]*>(.*?)</label>', html)
        assert label is not None
        assert "obligatoire" not in label.group(1)

    def test_formats_and_examples_are_visible_hints(self, client: Client) -> None:
        html = client.get(URL).content.decode()
        assert "Format jj/mm/aaaa, ex. 14/07/1985." in html
        assert "Par exemple : 1 500." in html
        assert "placeholder=" not in html
