"""Demonstration data for `make run`: one account per role and dossiers in every state. Idempotent.

The demo password exists only here, for these demonstration accounts. The people below are
fictional. Their dossiers are built through the services, acting as the demo users, so that each
one carries a true timeline (events) and audit trail, as if the team had worked it.

Split by job: ``accounts``, ``steps`` (and the commission's sessions), ``dossiers`` (the people
and their dossiers), ``budgets``, ``files`` (documents, events' days), ``player`` (plays the
steps through the services) and ``followup`` (requests, appointments, notes, points d'étape, a
plan de reprise: what the work queues show); ``load_demo`` here puts them together.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.demo.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, LOGO_SVG, DemoAccount
from microcredit.demo.budgets import DEMO_BUDGETS
from microcredit.demo.dossiers import DEMO_DOSSIERS
from microcredit.demo.followup import DemoFollowup
from microcredit.demo.player import DemoPlayer
from microcredit.demo.steps import S_DEC
from microcredit.demo.timeline import (
    aware_at,
    latest_slot,
    working_day_on_or_after,
    working_day_on_or_before,
)
from microcredit.letters.models import Letter
from microcredit.organisations.enums import OrganisationKind
from microcredit.organisations.models import Organisation, Partnership
from microcredit.programmes.schemes import scheme_load
from microcredit.servicing.services.arrears import arrears_run

__all__ = [
    "DEMO_ACCOUNTS",
    "DEMO_BUDGETS",
    "DEMO_DOSSIERS",
    "DEMO_PASSWORD",
    "S_DEC",
    "DemoAccount",
    "load_demo",
]


@transaction.atomic
def load_demo() -> list[DemoAccount]:
    """Create what is missing; change nothing that exists (a second run is a no-op)."""
    scheme_load("saint-etienne")
    ccas = Organisation.objects.get(slug="ccas-saint-etienne")  # loaded just above by load_scheme
    if not ccas.logo:
        ccas.logo.save("ccas-saint-etienne.svg", ContentFile(LOGO_SVG.encode()), save=True)
    structure, _ = Organisation.objects.get_or_create(
        slug="demo-mission-insertion",
        defaults={
            "kind": OrganisationKind.SOCIAL_STRUCTURE,
            "name": "Mission d'insertion Loire Sud (démo)",
        },
    )
    Partnership.objects.get_or_create(ccas=ccas, partner=structure)
    members: dict[str, Membership] = {}
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.username,
            defaults={
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": f"{account.username}@demo.invalid",
                "is_staff": account.role == Role.ADMIN,
                "is_superuser": account.role == Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        members[account.username], _ = Membership.objects.get_or_create(
            user=user,
            organisation=Organisation.objects.get(slug=account.organisation_slug),
            role=account.role,
            # The demo's bank adviser administers the bank's integration (#18): service
            # accounts and notifications.
            defaults={"bank_admin": account.role == Role.BANK_ADVISER},
        )
    letters = Letter.objects.aggregate(top=Max("pk"))["top"] or 0
    demo = DemoPlayer(ccas, structure, members)
    for spec in sorted(DEMO_DOSSIERS, key=lambda d: d.application_date):
        demo.load(spec)
    demo.close_past_sessions()
    # The nightly arrears job for the demo's day (idempotent: a second load rewrites the same
    # snapshots and raises nothing more): the late loans' alerts wait on the référent's and the
    # bank adviser's home pages after `make run`.
    since = demo.stamper.mark()
    arrears_run(as_of=demo.today)
    # Raised by the nightly job, seen at the start of the office day.
    start = aware_at(working_day_on_or_before(demo.today), time(8, 30))
    if start <= timezone.now():
        demo.stamper.stamp(since, start)
    # What the work queues show besides: the public's requests, today's appointments, notes, a
    # partner worker's points d'étape, a plan de reprise for the bank to decide.
    DemoFollowup(ccas, members, demo.today).load()
    # The letters are written once the load is committed: date them as their decisions.
    transaction.on_commit(lambda: date_letters(letters))
    return list(DEMO_ACCOUNTS)


def date_letters(since: int) -> None:
    """The letters written by this load, dated as the decision they report (or, for a missed
    installment, the morning after it), not the load's « now »."""
    latest = latest_slot(timezone.now())
    for letter in Letter.objects.filter(pk__gt=since).select_related("event"):
        if letter.event is not None:
            at = letter.event.at
        else:
            try:
                day = date.fromisoformat(letter.key) + timedelta(days=1)
            except ValueError:
                continue
            at = min(aware_at(working_day_on_or_after(day), time(10, 0)), latest)
        Letter.objects.filter(pk=letter.pk).update(
            created_at=at, emailed_at=at if letter.emailed_at else None
        )
