"""The pages of the shell anyone may read (accessibility statement, site map) and the page
chrome: responsive navigation, current item, footer links, language options."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.shell.context_processors import current_marker

pytestmark = pytest.mark.django_db

STATEMENT = "/accessibilite/"
SITE_MAP = "/plan-du-site/"


def test_the_accessibility_statement_is_public_and_says_what_was_measured(  # type: ignore[no-untyped-def]
    client, saint_etienne
) -> None:
    saint_etienne.email = "ccas@saint-etienne.example"
    saint_etienne.phone = "04 77 00 00 00"
    saint_etienne.save()
    response = client.get(STATEMENT)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Déclaration d'accessibilité</h1>" in html
    # The entity, its conformity status and the measures behind it.
    assert f"{saint_etienne.name} s'engage" in html
    assert "<strong>partiellement conforme</strong>" in html
    assert "RGAA), version 4.1" in html
    assert "60 à 75 %" in html
    assert "axe-core ne relèvent aucune violation (0)" in html
    assert html.count("<li>", html.index("Thématiques du RGAA vérifiées")) >= 13
    assert "Dérogations pour charge disproportionnée" in html
    # The alternative contact: the CCAS's own.
    assert 'href="mailto:ccas@saint-etienne.example"' in html
    assert "04 77 00 00 00" in html
    # The remedies the law requires, and the date of the statement.
    assert "Défenseur des droits" in html
    assert "09 69 39 00 00" in html
    assert "Cette déclaration a été établie le 6 décembre 2026." in html


def test_the_statement_without_a_contact_sends_to_the_ccas_desk(client, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    saint_etienne.email = saint_etienne.phone = saint_etienne.address = ""
    saint_etienne.save()
    html = client.get(STATEMENT).content.decode()
    assert "<address>" not in html
    assert "Adressez-vous à l'accueil du CCAS" in html


def test_the_statement_names_the_signed_in_users_organisation(client_for, bank) -> None:  # type: ignore[no-untyped-def]
    html = client_for(Role.BANK_ADVISER).get(STATEMENT).content.decode()
    assert f"{bank.name} s'engage" in html


def site_map_links(html: str) -> list[str]:
    main = html[html.index('<main id="contenu"') : html.index("</main>")]
    return re.findall(r'<a href="([^"]+)"', main)


def test_the_site_map_lists_the_public_pages_to_a_visitor(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(SITE_MAP)
    assert response.status_code == 200
    links = site_map_links(response.content.decode())
    assert links == [
        reverse("simulator:simulator"),
        reverse("accounts:login"),
        reverse("accounts:password_reset"),
        STATEMENT,
        SITE_MAP,
    ]


def test_the_site_map_lists_the_pages_of_the_role(client_for) -> None:  # type: ignore[no-untyped-def]
    html = client_for(Role.DIRECTOR).get(SITE_MAP).content.decode()
    links = site_map_links(html)
    for name in (
        "shell:home",
        "dossiers:list",
        "commissions:session_list",
        "letters:templates",
        "programmes:programme_list",
        "simulator:simulator",
        "accounts:password_change",
        "accounts:otp_setup",
    ):
        assert reverse(name) in links, name
    assert reverse("accounts:login") not in links
    assert "Paramètres du dispositif" in html


def test_a_committee_member_is_not_shown_the_pages_of_other_roles(client_for) -> None:  # type: ignore[no-untyped-def]
    links = site_map_links(client_for(Role.COMMITTEE_MEMBER).get(SITE_MAP).content.decode())
    assert reverse("programmes:programme_list") not in links
    assert reverse("letters:templates") not in links
    assert reverse("commissions:session_list") in links


@pytest.mark.parametrize("path", ["/compte/connexion/", "/simulateur/", STATEMENT])
def test_every_page_links_the_statement_and_the_site_map_from_its_footer(client, path) -> None:  # type: ignore[no-untyped-def]
    html = client.get(path).content.decode()
    footer = html[html.index('<footer class="container site-footer">') :]
    assert f'<a href="{STATEMENT}">Accessibilité : partiellement conforme</a>' in footer
    assert f'<a href="{SITE_MAP}">Plan du site</a>' in footer


def test_each_language_option_declares_its_language(client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/compte/connexion/").content.decode()
    options = re.findall(r"<option[^>]*>[^<]*</option>", html[html.index('id="language-select"') :])
    assert options
    english = next(option for option in options if "English" in option)
    assert 'lang="en"' in english
    french = next(option for option in options if "ançais" in option)
    assert 'lang="fr"' in french


def test_a_signed_in_page_has_the_menu_for_small_screens(client_for) -> None:  # type: ignore[no-untyped-def]
    html = client_for(Role.AGENT).get("/").content.decode()
    start = html.index('<details class="menu narrow-only">')
    menu = html[start : html.index("</details>", start)]
    assert "<summary>Menu</summary>" in menu
    assert f'href="{reverse("dossiers:list")}"' in menu
    assert "Se déconnecter" in menu
    assert re.search(r'<nav aria-label="Navigation principale"\s+class="[^"]*main-nav', html)


@pytest.mark.parametrize(
    ("path", "url", "marker"),
    [
        ("/", "/", "page"),
        ("/dossiers/", "/", ""),
        ("/dossiers/", "/dossiers/", "page"),
        ("/dossiers/12/", "/dossiers/", "true"),
        ("/dossiersx/", "/dossiers/x", ""),
        ("/parametres/", "/dossiers/", ""),
    ],
)
def test_the_current_item_is_the_page_or_its_section(path, url, marker) -> None:  # type: ignore[no-untyped-def]
    assert current_marker(path, url) == marker


def test_the_current_section_is_marked_in_the_navigation(client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.DIRECTOR)
    response = client.get(reverse("programmes:programme_list"))
    navigation = {item["label"]: item["current"] for item in response.context["shell_navigation"]}
    assert navigation["Paramètres du dispositif"] == "page"
    assert navigation["Accueil"] == ""
    html = response.content.decode()
    link = rf'<a href="{reverse("programmes:programme_list")}"\s+aria-current="page">'
    assert re.search(link, html)
