"""The dossier pages through HTTP: nothing leaks to anyone, every read is logged, and the query
count of the list and of the dossier page does not grow with the data."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.core.models import AccessLog
from microcredit.documents.models import Document
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.workflow import EDITABLE_STATES
from microcredit.organisations.models import Organisation, Partnership
from microcredit.programmes.models import Programme
from tests.factories import bulk_dossiers, make_dossier, put_on_agenda, share_with

PAGES = ("dossiers:detail", "dossiers:edit", "applicants:detail", "applicants:edit", "download")
STAFF = {Role.REFERENT, Role.AGENT, Role.DIRECTOR}
# The roles each page admits before the object-level check (403 for the others).
PAGE_ROLES = {
    "dossiers:detail": STAFF | {Role.COMMITTEE_MEMBER, Role.BANK_ADVISER, Role.PARTNER_WORKER},
    "download": STAFF | {Role.BANK_ADVISER, Role.PARTNER_WORKER},
    "dossiers:edit": STAFF,
    "applicants:detail": STAFF,
    "applicants:edit": STAFF,
}


@dataclass
class World:
    users: dict[str, object]
    dossiers: dict[str, Dossier]
    documents: dict[str, Document]


@pytest.fixture
def world(make_user, saint_etienne, bank, social_structure) -> World:  # type: ignore[no-untyped-def]
    """Two CCAS, two banks; one dossier per way of being visible (or not)."""
    other_ccas = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="roanne")
    other_bank = Organisation.objects.create(kind="bank", name="Banque B", slug="banque-b")
    Partnership.objects.create(ccas=saint_etienne, partner=social_structure)
    users = {role.value: make_user(role) for role in Role}
    users["other_referent"] = make_user(
        Role.REFERENT, username="roanne-referent", organisation=other_ccas
    )
    users["other_committee"] = make_user(Role.COMMITTEE_MEMBER, username="autre-commission")
    referent = users["referent"]
    other_programme = Programme.objects.create(
        organisation=other_ccas, name="MC Roanne", slug="mc", bank_partner=other_bank
    )
    bank_b_programme = Programme.objects.create(
        organisation=saint_etienne, name="Autre dispositif", slug="autre", bank_partner=other_bank
    )
    dossiers = {
        "plain": make_dossier(created_by=referent, referent=referent),
        "shared": make_dossier(created_by=referent, state=DossierState.DIAGNOSIS),
        "agenda": make_dossier(created_by=referent, state=DossierState.READY_FOR_COMMITTEE),
        "transmitted": make_dossier(created_by=referent, state=DossierState.TRANSMITTED_TO_BANK),
        "bank_b": make_dossier(
            created_by=referent, state=DossierState.GRANTED, programme=bank_b_programme
        ),
        "other_ccas": make_dossier(created_by=users["other_referent"], programme=other_programme),
    }
    share_with(dossiers["shared"], users["partner_worker"], shared_by=referent)
    put_on_agenda(dossiers["agenda"], users["committee_member"])
    # A session the committee member does not sit on.
    put_on_agenda(dossiers["plain"], users["other_committee"])
    documents = {
        key: Document.objects.create(
            dossier=dossier,
            kind="piece_d_identite",
            label="Pièce d'identité",
            original_name="identite.pdf",
            file=f"dossiers/{dossier.pk}/x.pdf",
            content_type="application/pdf",
            size=10,
            sha256=key,
            uploaded_by=referent,
        )
        for key, dossier in dossiers.items()
    }
    for document in documents.values():
        document.file.storage.save(document.file.name, _content())
    return World(users, dossiers, documents)


def _content():  # type: ignore[no-untyped-def]
    from django.core.files.base import ContentFile

    return ContentFile(b"%PDF-1.4\n%%EOF\n")


# Which dossiers each role sees, written out by hand (not computed by the funnel under test).
VISIBLE = {
    Role.REFERENT: {"plain", "shared", "agenda", "transmitted", "bank_b"},
    Role.AGENT: {"plain", "shared", "agenda", "transmitted", "bank_b"},
    Role.DIRECTOR: {"plain", "shared", "agenda", "transmitted", "bank_b"},
    Role.COMMITTEE_MEMBER: {"agenda"},
    Role.BANK_ADVISER: {"transmitted"},
    Role.PARTNER_WORKER: {"shared"},
    Role.ADMIN: set(),
}


def _url(page: str, world: World, key: str) -> str:
    dossier = world.dossiers[key]
    if page == "download":
        return reverse("documents:download", args=[world.documents[key].pk])
    if page.startswith("applicants:"):
        return reverse(page, args=[dossier.applicant_id])
    return reverse(page, args=[dossier.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
def test_every_role_dossier_and_page_leaks_nothing_and_logs_each_read(client, world, role) -> None:  # type: ignore[no-untyped-def]
    user = world.users[role.value]
    client.force_login(user)
    for key in world.dossiers:
        for page in PAGES:
            url = _url(page, world, key)
            before = AccessLog.objects.filter(user=user).count()
            response = client.get(url)
            if role not in PAGE_ROLES[page]:
                expected = 403
            elif key in VISIBLE[role]:
                expected = 200
                if page == "dossiers:edit" and world.dossiers[key].state not in EDITABLE_STATES:
                    expected = 302  # back to the dossier page: it no longer changes
                if page == "dossiers:detail" and role == Role.COMMITTEE_MEMBER:
                    expected = 302  # to the pseudonymised summary of the session's agenda
            else:
                expected = 404
            assert response.status_code == expected, (role, key, page, response.status_code)
            logs = AccessLog.objects.filter(user=user)
            if expected == 200:
                assert logs.count() == before + 1, (role, key, page)
                assert logs.first().object_id in {
                    str(world.dossiers[key].pk),
                    str(world.dossiers[key].applicant_id),
                    str(world.documents[key].pk),
                }
            elif expected != 302:
                assert logs.count() == before, (role, key, page)
                body = response.content.decode(errors="replace")
                assert world.dossiers[key].applicant.last_name not in body


@pytest.mark.django_db
def test_the_commission_sees_no_name_or_address(client, world) -> None:  # type: ignore[no-untyped-def]
    from microcredit.commissions.models import AgendaItem

    client.force_login(world.users["committee_member"])
    dossier = world.dossiers["agenda"]
    response = client.get(reverse("dossiers:detail", args=[dossier.pk]), follow=True)
    item = AgendaItem.objects.get(dossier=dossier)
    assert response.redirect_chain == [(reverse("commissions:summary_detail", args=[item.pk]), 302)]
    body = response.content.decode()
    assert dossier.number in body
    assert "Référent" not in body and world.users["referent"].get_full_name() not in body
    assert reverse("documents:download", args=[world.documents["agenda"].pk]) not in body
    # The address itself (not the bare word « rue »: the navigation's aria-current="true" has it).
    applicant = dossier.applicant
    for secret in (applicant.last_name, applicant.first_name, applicant.address, " rue "):
        assert secret not in body
    listing = client.get(reverse("dossiers:list")).content.decode()
    assert dossier.number in listing and dossier.applicant.last_name not in listing


@pytest.mark.django_db
def test_once_the_session_is_closed_the_commission_no_longer_sees_its_dossiers(
    client, world
) -> None:  # type: ignore[no-untyped-def]
    from microcredit.commissions.models import CommissionSession

    member = world.users["committee_member"]
    dossier = world.dossiers["agenda"]
    client.force_login(member)
    assert client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 302
    CommissionSession.objects.filter(members=member).update(closed_at=timezone.now())
    assert client.get(reverse("dossiers:detail", args=[dossier.pk])).status_code == 404
    assert dossier.number not in client.get(reverse("dossiers:list")).content.decode()


@pytest.mark.django_db
def test_list_and_dossier_page_query_counts_do_not_grow_with_the_data(
    client_for, count_queries
) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.REFERENT)
    referent = client.user
    list_url = reverse("dossiers:list")
    counts = {}
    for total in (10, 1000):
        bulk_dossiers(referent, total)
        dossier = Dossier.objects.order_by("id").first()
        detail_url = reverse("dossiers:detail", args=[dossier.pk])
        # A first visit of each: the search's terms are then in the session (a new search
        # writes it once; the same one again does not).
        client.get(list_url + "?q=volume&etat=reception", follow=True)
        counts[total] = (
            count_queries(lambda: client.get(list_url)),
            count_queries(lambda: client.get(list_url + "?q=volume&etat=reception", follow=True)),
            count_queries(lambda: client.get(detail_url)),  # noqa: B023
        )
        assert client.get(list_url).status_code == 200
    assert counts[10] == counts[1000], counts


@pytest.mark.django_db
def test_search_finds_by_number_and_by_name_without_accents(client_for, saint_etienne) -> None:  # type: ignore[no-untyped-def]
    client = client_for(Role.AGENT)
    from tests.factories import make_applicant

    applicant = make_applicant(
        organisation=saint_etienne, created_by=client.user, last_name="Fayolle", first_name="Éloïse"
    )
    dossier = make_dossier(created_by=client.user, applicant=applicant)
    other = make_dossier(created_by=client.user)
    by_name = client.post(
        reverse("dossiers:list"), {"q": "eloise fayolle"}, follow=True
    ).content.decode()
    assert dossier.number in by_name and other.number not in by_name
    by_number = client.get(reverse("dossiers:list"), {"q": dossier.number}).content.decode()
    assert dossier.number in by_number and other.number not in by_number
