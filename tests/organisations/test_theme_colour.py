"""A CCAS's theme colour too light to read (under 4.5:1 against white) is refused with a French
message giving the measured ratio, in the technical administration and at onboarding; nothing
is saved."""

from __future__ import annotations

import pytest
from django.core.management import CommandError
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.core.contrast import TEXT_MINIMUM, contrast_ratio
from microcredit.organisations.models import Organisation
from microcredit.organisations.theme import theme_colour_contrast_error
from microcredit.programmes.schemes import schemes
from tests.programmes.onboarding_helpers import command_args, create_organisation

pytestmark = pytest.mark.django_db

TOO_LIGHT = "#60a5fa"  # a light blue: 2.54:1 on white
READABLE = "#1e3a8a"


@pytest.fixture
def admin_client(client_for):  # type: ignore[no-untyped-def]
    client = client_for(Role.ADMIN, username="tech")
    client.user.is_staff = client.user.is_superuser = True
    client.user.save()
    return client


def change_form_data(organisation: Organisation, **changes: str) -> dict[str, str]:
    data = {
        "kind": organisation.kind,
        "name": organisation.name,
        "slug": organisation.slug,
        "address": organisation.address,
        "email": organisation.email,
        "phone": organisation.phone,
        "theme_colour": organisation.theme_colour,
        "partnerships-TOTAL_FORMS": "0",
        "partnerships-INITIAL_FORMS": "0",
        "partnerships-MIN_NUM_FORMS": "0",
        "partnerships-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def post_change(client, organisation: Organisation, **changes: str):  # type: ignore[no-untyped-def]
    url = reverse("admin:organisations_organisation_change", args=[organisation.pk])
    return client.post(url, change_form_data(organisation, **changes))


def test_a_colour_under_four_and_a_half_to_one_is_refused_and_nothing_saved(
    admin_client, saint_etienne
) -> None:  # type: ignore[no-untyped-def]
    before = saint_etienne.theme_colour
    response = post_change(admin_client, saint_etienne, theme_colour=TOO_LIGHT, name="Renommé")
    assert response.status_code == 200
    page = response.content.decode()
    assert (
        "Cette couleur (#60a5fa) n&#x27;offre qu&#x27;un contraste de 2,54:1 avec le fond blanc "
        "des pages et le texte blanc des boutons ; il faut au moins 4,5:1 (RGAA 3.2)."
    ) in page
    saint_etienne.refresh_from_db()
    assert (saint_etienne.theme_colour, saint_etienne.name) == (before, "CCAS de Saint-Étienne")


def test_the_ratio_shown_is_the_measured_one_rounded_down(admin_client, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    # #777777 measures 4.478:1: shown as 4,47, never rounded up to a passing figure.
    response = post_change(admin_client, saint_etienne, theme_colour="#777777")
    assert "contraste de 4,47:1" in response.content.decode()
    saint_etienne.refresh_from_db()
    assert saint_etienne.theme_colour != "#777777"


def test_a_readable_colour_is_saved(admin_client, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    response = post_change(admin_client, saint_etienne, theme_colour=READABLE)
    assert response.status_code == 302
    saint_etienne.refresh_from_db()
    assert saint_etienne.theme_colour == READABLE


def test_the_grey_just_at_the_minimum_passes() -> None:
    assert theme_colour_contrast_error("#767676") is None  # 4.54:1
    assert theme_colour_contrast_error("#777777") is not None  # 4.48:1


def test_onboarding_refuses_a_light_colour_in_french_and_creates_nothing(saint_etienne) -> None:  # type: ignore[no-untyped-def]
    count = Organisation.objects.count()
    with pytest.raises(CommandError) as excinfo:
        create_organisation(*command_args(colour=TOO_LIGHT))
    assert "contraste de 2,54:1" in str(excinfo.value)
    assert Organisation.objects.count() == count


def test_the_colours_shipped_and_stored_by_the_demo_pass() -> None:
    # The model's default, each scheme template's CCAS (the demo's CCAS comes from Saint-Étienne's).
    colours = {Organisation._meta.get_field("theme_colour").default}
    colours |= {s.ccas["theme_colour"] for s in schemes().values() if "theme_colour" in s.ccas}
    for colour in colours:
        assert contrast_ratio(colour, "#ffffff") >= TEXT_MINIMUM, colour
        assert theme_colour_contrast_error(colour) is None
