"""Two CCAS on one installation see nothing of each other.

A second CCAS (Firminy, with its own bank) is onboarded with `microcredit create_organisation`;
each CCAS gets the same objects (an applicant, a dossier on a commission's agenda and shared with a
partner worker, its documents and follow-up, a decision letter, a disbursed loan, a request from
the public).
Then, for each role of each CCAS, every page about one of the other CCAS's objects answers 404
(or 403 when the role never reaches that page), while the same page about one's own object answers
as it should; and the lists show none of the other's applicants or dossiers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import resolve, reverse
from pytest_django import DjangoDbBlocker

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant
from microcredit.commissions.models import AgendaItem, CommissionSession
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.letters.enums import LetterKind
from microcredit.letters.models import Letter
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from microcredit.simulator.models import ContactRequest
from tests.conftest import PASSWORD
from tests.factories import (
    make_applicant,
    make_dossier,
    make_loan,
    pdf_bytes,
    put_on_agenda,
    share_with,
)
from tests.programmes.onboarding_helpers import onboard_firminy

pytestmark = pytest.mark.django_db

SIDES = ("saint-etienne", "firminy")
CCAS_ROLES = (Role.REFERENT, Role.AGENT, Role.DIRECTOR, Role.COMMITTEE_MEMBER, Role.ADMIN)
ALL_ROLES = (*CCAS_ROLES, Role.BANK_ADVISER, Role.PARTNER_WORKER)
# Distinct names, to look for in the lists of the other CCAS.
APPLICANT_NAMES = {"saint-etienne": "Sauvignet", "firminy": "Chazeau"}

# Pages about one object, by the URL parameter that names it.
DOSSIER_PAGES = (
    "dossiers:detail",
    "dossiers:edit",
    "dossiers:eligibility",
    "dossiers:share",
    "dossiers:consent",
    "dossiers:transition",
    "budgets:edit",
    "budgets:opinion",
    "rights:section",
    "rights:request",
    "rights:outcome",
    "documents:upload",
    "followup:dossier_followup",
    "followup:note_create",
    "followup:appointment_create",
    "followup:review_create",
)
REQUEST_PAGES = (
    "followup:request_detail",
    "followup:request_take",
    "followup:request_convert",
    "followup:request_close",
)
BANK_DOSSIER_PAGES = (
    "banking:dossier",
    "banking:accept",
    "banking:refuse",
    "banking:offer",
    "banking:disburse",
)
APPLICANT_PAGES = ("applicants:detail", "applicants:edit", "applicants:member_add")
SESSION_PAGES = (
    "commissions:session_detail",
    "commissions:session_update",
    "commissions:agenda_build",
    "commissions:agenda_item_add",
    "commissions:session_close",
    "commissions:minutes_download",
)
ITEM_PAGES = (
    "commissions:summary_detail",
    "commissions:summary_pdf",
    "commissions:agenda_item_decide",
    "commissions:agenda_item_remove",
)
LOAN_PAGES = (
    "loans:detail",
    "loans:repayment_create",
    "loans:incident_create",
    "servicing:loan",
    "servicing:plan_preview",
    "servicing:plan_propose",
    "servicing:claim",
    "servicing:closing",
)
# Pages that read their form before the object (a refused form sends back to the dossier, which
# then answers 404): posted with a valid form, so that the object's funnel is what answers.
VALID_POSTS: dict[str, dict[str, str]] = {
    "dossiers:transition": {
        "transition": "withdraw",
        "withdraw-transition": "withdraw",
        "withdraw-expected_state": DossierState.READY_FOR_COMMITTEE,
        "withdraw-reason": "Abandon demandé par la personne.",
    },
    "dossiers:consent": {"consent_date": "2026-01-05"},
    "budgets:opinion": {"budget_id": "999999", "verdict": "suitable", "reason": "Budget tenu."},
    "rights:outcome": {"assessment_id": "999999", "right": "rsa", "outcome": "received"},
}


def valid_post(name: str) -> dict[str, Any]:
    if name == "documents:upload":
        upload = SimpleUploadedFile("piece.pdf", pdf_bytes("upload"), "application/pdf")
        return {"kind": "piece_d_identite", "file": upload}
    return VALID_POSTS.get(name, {})


LIST_PAGES = (
    "dossiers:list",
    "loans:list",
    "servicing:portfolio",
    "commissions:session_list",
    "banking:list",
    "programmes:programme_list",
    "followup:requests",
)


@dataclass
class Side:
    """One CCAS, its people (one per role) and its objects."""

    ccas: Organisation
    programme: Programme
    users: dict[Role, User]
    applicant: Applicant
    dossier: Dossier  # on the agenda, shared with the partner worker
    session: CommissionSession
    item: AgendaItem
    letter: Letter
    loan: Loan
    contact_request: ContactRequest

    def urls(self) -> dict[str, str]:
        """Every page about one of this CCAS's objects, by URL name."""
        urls = {name: reverse(name, args=[self.dossier.pk]) for name in DOSSIER_PAGES}
        urls |= {name: reverse(name, args=[self.loan.dossier_id]) for name in BANK_DOSSIER_PAGES}
        urls |= {name: reverse(name, args=[self.applicant.pk]) for name in APPLICANT_PAGES}
        urls |= {name: reverse(name, args=[self.session.pk]) for name in SESSION_PAGES}
        urls |= {name: reverse(name, args=[self.item.pk]) for name in ITEM_PAGES}
        urls |= {name: reverse(name, args=[self.loan.pk]) for name in LOAN_PAGES}
        urls |= {name: reverse(name, args=[self.contact_request.pk]) for name in REQUEST_PAGES}
        urls["documents:download"] = reverse(
            "documents:download", args=[self.dossier.documents.earliest("id").pk]
        )
        urls["letters:download"] = reverse("letters:download", args=[self.letter.pk])
        urls["programmes:version_detail"] = reverse(
            "programmes:version_detail", args=[self.programme.pk, 1]
        )
        urls["programmes:version_create"] = reverse(
            "programmes:version_create", args=[self.programme.pk]
        )
        return urls

    def traces(self) -> list[str]:
        """What a page showing this CCAS's data would print (the applicant's name is also the
        name on the request from the public)."""
        numbers = [self.dossier.number, self.loan.dossier.number]
        return [APPLICANT_NAMES[self.side_name], *numbers]

    @property
    def side_name(self) -> str:
        return "firminy" if self.ccas.slug == "ccas-firminy" else "saint-etienne"


def build_side(name: str, make_user: Any, social_structure: Organisation) -> Side:
    if name == "firminy":
        Organisation.objects.create(kind="bank", name="Crédit de Firminy", slug="credit-firminy")
        ccas = onboard_firminy(bank="credit-firminy")
        bank = Organisation.objects.get(slug="credit-firminy")
    else:
        ccas = Organisation.objects.get(slug="ccas-saint-etienne")
        bank = Organisation.objects.get(slug="parcours-confiance")
    programme = Programme.objects.get(organisation=ccas)
    users = {
        role: make_user(role, username=f"{role.value}-{name}", organisation=ccas)
        for role in CCAS_ROLES
    }
    users[Role.BANK_ADVISER] = make_user(
        Role.BANK_ADVISER, username=f"conseiller-{name}", organisation=bank
    )
    users[Role.PARTNER_WORKER] = make_user(
        Role.PARTNER_WORKER, username=f"partenaire-{name}", organisation=social_structure
    )
    referent = users[Role.REFERENT]
    applicant = make_applicant(
        organisation=ccas, created_by=referent, last_name=APPLICANT_NAMES[name]
    )
    dossier = make_dossier(
        created_by=referent,
        referent=referent,
        programme=programme,
        applicant=applicant,
        state=DossierState.READY_FOR_COMMITTEE,
        eligible=True,
        with_documents=True,
        with_consent=True,
    )
    session = put_on_agenda(dossier, users[Role.COMMITTEE_MEMBER])
    share_with(dossier, users[Role.PARTNER_WORKER], shared_by=referent)
    event = dossier.events.create(actor=referent, transition="adjourn", to_state="adjourned")
    content = pdf_bytes(f"letter-{event.pk}")
    letter = Letter(
        dossier=dossier,
        event=event,
        kind=LetterKind.COMMITTEE_ADJOURNMENT,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
    letter.file.save(f"{event.pk}.pdf", ContentFile(content), save=False)
    letter.save()
    loan = make_loan(
        created_by=referent,
        adviser=users[Role.BANK_ADVISER],
        programme=programme,
        applicant=applicant,
        referent=referent,
    )
    contact_request = ContactRequest.objects.create(
        organisation=ccas,
        first_name="Awa",
        last_name=APPLICANT_NAMES[name],
        phone="0612345678",
        consent=True,
        client_fingerprint="0" * 64,
    )
    return Side(
        ccas=ccas,
        programme=programme,
        users=users,
        applicant=applicant,
        dossier=dossier,
        session=session,
        item=AgendaItem.objects.get(session=session, dossier=dossier),
        letter=letter,
        loan=loan,
        contact_request=contact_request,
    )


def make_member(role: Role, username: str, organisation: Organisation) -> User:
    """A user holding `role` in `organisation` (conftest's `make_user`, outside a test)."""
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.org",
        first_name=username.title(),
    )
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[dict[str, Side]]:
    """Both CCAS and their objects, built once for the module (the loans take seconds), in a
    transaction rolled back after the module's last test; each test runs in a savepoint of it
    (pytest-django's `db`), so that what a test changes is undone before the next one."""
    with django_db_blocker.unblock(), transaction.atomic():
        social_structure = Organisation.objects.get_or_create(
            slug="structure-test", defaults={"kind": "social_structure", "name": "Structure test"}
        )[0]
        yield {name: build_side(name, make_member, social_structure) for name in SIDES}
        transaction.set_rollback(True)


def allowed(url: str, role: Role) -> bool:
    """Whether the page's role rule lets `role` through (then the object funnel decides)."""
    rule = getattr(resolve(url).func, "access_rule", None)
    return isinstance(rule, frozenset) and role in rule


def test_the_second_ccas_was_onboarded_by_the_command(world: dict[str, Side]) -> None:
    firminy, saint_etienne = world["firminy"], world["saint-etienne"]
    credit_firminy = Organisation.objects.get(slug="credit-firminy")
    assert firminy.ccas.kind == "ccas"
    assert firminy.programme.bank_partner_id == credit_firminy.pk
    assert firminy.dossier.organisation_id == firminy.ccas.pk
    assert firminy.loan.dossier.organisation_id == firminy.ccas.pk
    assert firminy.loan.dossier.bank_id == credit_firminy.pk
    assert saint_etienne.loan.dossier.bank_id == saint_etienne.programme.bank_partner_id
    assert saint_etienne.loan.dossier.bank_id != credit_firminy.pk


EXPECTED_OWN_PAGE = {
    Role.REFERENT: "dossiers:detail",
    Role.AGENT: "dossiers:detail",
    Role.DIRECTOR: "dossiers:detail",
    Role.COMMITTEE_MEMBER: "commissions:summary_detail",
    Role.ADMIN: "programmes:version_detail",
    Role.BANK_ADVISER: "banking:dossier",
    Role.PARTNER_WORKER: "dossiers:detail",
}


def check_object_pages(client: Client, mine: Side, theirs: Side, role: Role) -> None:
    client.force_login(mine.users[role])
    own_urls, their_urls = mine.urls(), theirs.urls()
    reached_own = []
    for name, url in their_urls.items():
        own = client.get(own_urls[name])
        other = client.get(url)
        if not allowed(url, role):
            assert (own.status_code, other.status_code) == (403, 403), (name, role)
            continue
        if own.status_code == 405:
            # A page that only takes a POST: posted with a form the page would accept.
            other = client.post(url, valid_post(name))
        else:
            reached_own.append(name)
        assert other.status_code == 404, (name, role, other.status_code)
    # The test reached real pages: what the role sees of its own CCAS answers.
    assert EXPECTED_OWN_PAGE[role] in reached_own, role
    assert client.get(own_urls[EXPECTED_OWN_PAGE[role]]).status_code == 200, role


def check_lists(client: Client, mine: Side, theirs: Side, role: Role) -> None:
    client.force_login(mine.users[role])
    shown = 0
    for name in LIST_PAGES:
        url = reverse(name)
        response = client.get(url, follow=True)  # the loans' list sends staff to the portfolio
        if not allowed(url, role) and response.status_code != 200:
            assert response.status_code == 403, (name, role)
            continue
        assert response.status_code == 200, (name, role, response.status_code)
        html = response.content.decode().casefold()
        for trace in theirs.traces():
            assert trace.casefold() not in html, (name, role, trace)
        assert f"/parametres/{theirs.programme.pk}/" not in html, (name, role)
        shown += 1
    assert shown >= 1, role


# One world per side (building the loans is slow); every role of that side in turn.
@pytest.mark.parametrize("side", SIDES)
def test_no_page_about_the_other_ccas_objects(
    client: Client, world: dict[str, Side], side: str
) -> None:
    mine, theirs = world[side], world[SIDES[1 - SIDES.index(side)]]
    for role in ALL_ROLES:
        check_object_pages(client, mine, theirs, role)


@pytest.mark.parametrize("side", SIDES)
def test_the_lists_show_nothing_of_the_other_ccas(
    client: Client, world: dict[str, Side], side: str
) -> None:
    mine, theirs = world[side], world[SIDES[1 - SIDES.index(side)]]
    for role in ALL_ROLES:
        check_lists(client, mine, theirs, role)


def test_the_lists_do_show_each_ccas_its_own(client: Client, world: dict[str, Side]) -> None:
    """The absence above is not an empty page: the same lists show one's own objects."""
    for side in world.values():
        client.force_login(side.users[Role.REFERENT])
        html = client.get(reverse("dossiers:list")).content.decode()
        assert side.dossier.number in html
        assert APPLICANT_NAMES[side.side_name].upper() in html
        html = client.get(reverse("servicing:portfolio")).content.decode()
        assert side.loan.dossier.number in html
        html = client.get(reverse("followup:requests")).content.decode()
        assert APPLICANT_NAMES[side.side_name].casefold() in html.casefold()
        client.force_login(side.users[Role.BANK_ADVISER])
        html = client.get(reverse("banking:list")).content.decode()
        assert side.loan.dossier.number in html
