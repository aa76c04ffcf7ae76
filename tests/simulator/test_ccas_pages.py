"""Each CCAS of the installation has its own simulator page, `/simulateur/<slug>/`: its scheme's
bounds and rate, its territory, its name and colours; its requests go to it. `/simulateur/` stays
the default CCAS's page and lists the others."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import ProgrammeVersion
from microcredit.programmes.schemes.saint_etienne import SCHEME
from microcredit.programmes.services import PARAMETER_FIELDS, programme_version_create
from microcredit.simulator.models import ContactRequest
from tests.programmes.onboarding_helpers import onboard_firminy

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
NNBSP = "\u202f"
DEFAULT_URL = reverse("simulator:simulator")
FIRMINY_URL = reverse("simulator:ccas", kwargs={"slug": "ccas-firminy"})
SAINT_ETIENNE_URL = reverse("simulator:ccas", kwargs={"slug": "ccas-saint-etienne"})


def eur(text: str) -> str:
    """« 3 000 € » as the page writes it (narrow no-break space for thousands)."""
    return text.replace(" ", NNBSP) + f"{NBSP}€"


def header_names(name: str, html: str) -> bool:
    """The page's header shows the CCAS's name, in bold (whatever the class of its tag)."""
    return re.search(rf"<strong[^>]*>{re.escape(name)}</strong>", html) is not None


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    return html


def post(
    client: Client, url: str, step: str, prefix: str, htmx: bool = False, **fields: Any
) -> Any:
    data = {"step": step, **{f"{prefix}-{key}": value for key, value in fields.items()}}
    if step == "simulation":
        data.update({"calculate": "1", "sim-deferral_months": "0"})
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(url, data, headers=headers)


def firminy_version() -> ProgrammeVersion:
    return ProgrammeVersion.objects.get(programme__organisation__slug="ccas-firminy")


@pytest.fixture
def firminy(db: None) -> Organisation:
    return onboard_firminy()


class TestTheCcasPage:
    def test_its_name_bounds_rate_territory_and_theme(
        self, client: Client, firminy: Organisation
    ) -> None:
        html = page(client, FIRMINY_URL)
        assert header_names("CCAS de Firminy", html)  # the header
        assert "— CCAS de Firminy" in html  # the title
        assert "accompagné par un référent du CCAS de Firminy" in html
        assert "Saint-Étienne" not in html
        assert f"Entre {eur('300')} et {eur('3 000')}, en chiffres." in html
        assert "Entre 3 et 36 mois, en chiffres." in html
        assert f"1,75{NBSP}%" in html
        assert "Il s'adresse aux habitants de :" in html
        assert "Firminy (42700)" in html
        assert 'href="/theme/ccas-firminy.css"' in html
        assert 'href="/theme/ccas-saint-etienne.css"' not in html
        # Its forms post back to its own page.
        assert f'action="{FIRMINY_URL}#simulation"' in html
        assert f'hx-post="{FIRMINY_URL}"' in html
        assert f'action="{DEFAULT_URL}#' not in html
        # Its theme: the colour given to the command.
        css = client.get(reverse("shell:theme_css", args=["ccas-firminy"])).content.decode()
        assert "--pico-primary:#7c2d12" in css
        # A CCAS page lists no other CCAS.
        assert 'id="autres-ccas"' not in html

    def test_bounds_and_refusals_follow_its_own_scheme(
        self, client: Client, firminy: Organisation
    ) -> None:
        ProgrammeVersion.objects.filter(pk=firminy_version().pk).update(
            max_amount=Decimal("2000.00"), max_months=24
        )
        html = page(client, FIRMINY_URL)
        assert f"Entre {eur('300')} et {eur('2 000')}, en chiffres." in html
        assert "Entre 3 et 24 mois, en chiffres." in html
        response = post(client, FIRMINY_URL, "simulation", "sim", amount="2500", months="24")
        html = response.content.decode()
        assert f"Le micro-crédit va de {eur('300')} à {eur('2 000')}" in html
        assert "<table" not in html
        response = post(client, FIRMINY_URL, "simulation", "sim", amount="2000", months="30")
        assert "Le remboursement dure de 3 à 24 mois" in response.content.decode()
        response = post(client, FIRMINY_URL, "simulation", "sim", amount="2000", months="24")
        assert "<caption>" in response.content.decode()
        # Saint-Étienne's scheme is untouched: 2 500 € are within its bounds.
        html = page(client, DEFAULT_URL)
        assert f"Entre {eur('300')} et {eur('3 000')}, en chiffres." in html
        response = post(client, DEFAULT_URL, "simulation", "sim", amount="2500", months="24")
        assert "<caption>" in response.content.decode()

    def test_a_rate_change_shows_on_its_page_only(
        self, client: Client, firminy: Organisation
    ) -> None:
        ProgrammeVersion.objects.filter(pk=firminy_version().pk).update(
            nominal_rate_percent=Decimal("2.000")
        )
        assert f"Taux fixe de 2,00{NBSP}% par an" in page(client, FIRMINY_URL)
        assert f"Taux fixe de 1,75{NBSP}% par an" in page(client, DEFAULT_URL)

    def test_eligibility_uses_its_territory(self, client: Client, firminy: Organisation) -> None:
        html = post(
            client, FIRMINY_URL, "eligibility", "elig", age="40", commune="42700"
        ).content.decode()
        assert "Firminy (42700) fait partie du territoire du CCAS." in html
        html = post(
            client, FIRMINY_URL, "eligibility", "elig", age="40", commune="42000"
        ).content.decode()
        assert "ne fait pas partie du territoire du CCAS" in html
        html = post(
            client, DEFAULT_URL, "eligibility", "elig", age="40", commune="42700"
        ).content.decode()
        assert "ne fait pas partie du territoire du CCAS" in html

    @pytest.mark.parametrize("htmx", [False, True])
    def test_a_request_goes_to_that_ccas(
        self, client: Client, firminy: Organisation, htmx: bool
    ) -> None:
        response = post(
            client,
            FIRMINY_URL,
            "contact",
            "rdv",
            htmx=htmx,
            first_name="Awa",
            last_name="Diallo",
            phone="06 12 34 56 78",
            consent="on",
        )
        if htmx:
            assert response.status_code == 200
            assert "merci, votre demande est bien envoyée" in response.content.decode().lower()
        else:
            assert response.status_code == 302
            assert response["Location"] == f"{FIRMINY_URL}?demande=envoyee#rendez-vous"
            html = page(client, response["Location"])
            assert "Le CCAS de Firminy vous rappellera" in html
        request = ContactRequest.objects.get()
        assert request.organisation == firminy

    def test_the_default_ccas_has_its_page_at_its_slug_too(self, client: Client) -> None:
        html = page(client, SAINT_ETIENNE_URL)
        assert header_names("CCAS de Saint-Étienne", html)
        assert f"Entre {eur('300')} et {eur('3 000')}, en chiffres." in html

    @pytest.mark.parametrize("slug", ["ccas-inconnu", "parcours-confiance", "structure-test"])
    def test_no_page_for_an_unknown_slug_a_bank_or_a_partner(
        self, client: Client, social_structure: Organisation, slug: str
    ) -> None:
        url = reverse("simulator:ccas", kwargs={"slug": slug})
        assert client.get(url).status_code == 404
        assert client.post(url, {"step": "simulation"}).status_code == 404


class TestNotOpenYet:
    def test_an_empty_scheme_says_not_open_until_the_director_records_it(
        self, client: Client
    ) -> None:
        firminy = onboard_firminy(scheme_template="empty", commune=None)
        html = page(client, FIRMINY_URL)
        assert "Le simulateur du CCAS de Firminy n'est pas encore ouvert" in html
        assert "contact@ccas-firminy.example.org" in html
        assert f'action="{FIRMINY_URL}' not in html
        assert 'name="step"' not in html
        # Posting to the closed page does nothing either.
        response = post(client, FIRMINY_URL, "contact", "rdv", first_name="A", consent="on")
        assert response.status_code == 200
        assert not ContactRequest.objects.exists()
        # Nor is it listed on the default page.
        assert FIRMINY_URL not in page(client, DEFAULT_URL)

        director = firminy.memberships.get(role=Role.DIRECTOR).user
        values = {k: v for k, v in SCHEME.first_version.items() if k in PARAMETER_FIELDS}
        values["territory"] = [{"insee": "42095", "name": "Firminy", "postcodes": ["42700"]}]
        values["max_amount"] = Decimal("1500.00")
        today = timezone.localdate()
        programme_version_create(
            actor=director,
            programme=firminy.programmes.get(),
            valid_from=today,
            reason="Premiers paramètres.",
            values=values,  # type: ignore[arg-type]
            today=today,
        )
        html = page(client, FIRMINY_URL)
        assert "n'est pas encore ouvert" not in html
        assert f"Entre {eur('300')} et {eur('1 500')}, en chiffres." in html
        assert FIRMINY_URL in page(client, DEFAULT_URL)

    def test_a_version_starting_later_is_not_in_force_yet(self, client: Client) -> None:
        firminy = onboard_firminy(scheme_template="empty", commune=None)
        director = firminy.memberships.get(role=Role.DIRECTOR).user
        values = {k: v for k, v in SCHEME.first_version.items() if k in PARAMETER_FIELDS}
        today = timezone.localdate()
        programme_version_create(
            actor=director,
            programme=firminy.programmes.get(),
            valid_from=today.replace(year=today.year + 1),
            reason="Ouverture l'an prochain.",
            values=values,  # type: ignore[arg-type]
            today=today,
        )
        assert "n'est pas encore ouvert" in page(client, FIRMINY_URL)


class TestTheDefaultPage:
    def test_it_serves_the_default_ccas_and_lists_the_others(
        self, client: Client, firminy: Organisation
    ) -> None:
        html = page(client, DEFAULT_URL)
        assert header_names("CCAS de Saint-Étienne", html)
        assert f'action="{DEFAULT_URL}#simulation"' in html
        assert "Vous habitez une autre commune ?" in html
        assert f'<a href="{FIRMINY_URL}">CCAS de Firminy</a>' in html
        assert "Firminy (42700)" in html
        assert f'<a href="{SAINT_ETIENNE_URL}">' not in html  # not itself

    def test_alone_it_lists_nobody(self, client: Client) -> None:
        assert 'id="autres-ccas"' not in page(client, DEFAULT_URL)

    def test_without_a_default_ccas_the_visitor_chooses(
        self, client: Client, firminy: Organisation, settings: Any
    ) -> None:
        settings.DEFAULT_ORGANISATION_SLUG = "aucune-organisation"
        html = page(client, DEFAULT_URL)
        assert "Le simulateur n'est pas disponible pour le moment" in html
        assert "Choisissez votre CCAS" in html
        assert f'<a href="{FIRMINY_URL}">CCAS de Firminy</a>' in html
        assert f'<a href="{SAINT_ETIENNE_URL}">CCAS de Saint-Étienne</a>' in html

    def test_a_member_of_another_ccas_is_sent_to_their_own_page(
        self, client: Client, firminy: Organisation, make_user: Any
    ) -> None:
        client.force_login(make_user(Role.REFERENT, username="ref-firminy", organisation=firminy))
        response = client.get(DEFAULT_URL)
        assert response.status_code == 302
        assert response["Location"] == FIRMINY_URL

    @pytest.mark.parametrize("role", [Role.REFERENT, Role.BANK_ADVISER, Role.PARTNER_WORKER])
    def test_other_visitors_stay_on_the_default_page(
        self, client_for: Any, firminy: Organisation, role: Role
    ) -> None:
        html = page(client_for(role), DEFAULT_URL)
        assert f"Entre {eur('300')} et {eur('3 000')}, en chiffres." in html

    def test_its_queries_do_not_grow_with_the_ccas_listed(
        self, client: Client, firminy: Organisation, count_queries: Any
    ) -> None:
        one = count_queries(lambda: client.get(DEFAULT_URL))
        for n in range(3):
            onboard_firminy(slug=f"ccas-{n}", name=f"CCAS {n}", director_email=f"d{n}@example.org")
        html = page(client, DEFAULT_URL)
        assert html.count('<a href="/simulateur/ccas-') == 4
        assert count_queries(lambda: client.get(DEFAULT_URL)) == one
