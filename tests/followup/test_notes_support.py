"""The follow-up tests' world: one disbursed dossier of the Saint-Étienne CCAS, shared with a
partner worker, on the agenda of a commission member and transmitted to the bank, and one
person in each role around it (plus a référent of another CCAS and a partner worker the dossier
is not shared with). Helpers only: the tests are in the other modules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.test import Client
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.followup.enums import NoteVisibility
from microcredit.followup.models import Appointment, Note, StepReview
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from tests.factories import make_dossier, put_on_agenda, share_with

PARIS = ZoneInfo("Europe/Paris")
PRIVATE_TEXT = "Dettes de loyer évoquées en entretien : à ne pas diffuser."
SHARED_TEXT = "Elle a repris un emploi à mi-temps depuis lundi."
REVIEW_TEXT = "Budget tenu ce mois-ci ; la voiture est réparée."
APPOINTMENT_PLACE = "Bureau 12, CCAS Saint-Étienne"

# Everyone around the dossier, by the name the tests use.
VIEWERS = (
    "referent",
    "agent",
    "director",
    "other_ccas",
    "partner",
    "other_partner",
    "commission",
    "bank",
    "admin",
)
CCAS_STAFF = ("referent", "agent", "director")


@dataclass
class World:
    dossier: Dossier
    users: dict[str, User]
    other_dossier: Dossier  # a dossier of the other CCAS
    notes: dict[str, Note] = field(default_factory=dict)

    def membership(self, name: str) -> Membership:
        return Membership.objects.get(user=self.users[name], active=True)

    def client(self, name: str) -> Client:
        client = Client()
        client.force_login(self.users[name])
        return client


def build_world(make_user: Callable[..., User]) -> World:
    """The dossier, its people and nothing written yet."""
    other_ccas = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="roanne")
    users = {
        "referent": make_user(Role.REFERENT, username="camille"),
        "agent": make_user(Role.AGENT, username="sofiane"),
        "director": make_user(Role.DIRECTOR, username="helene"),
        "other_ccas": make_user(Role.REFERENT, username="roanne", organisation=other_ccas),
        "partner": make_user(Role.PARTNER_WORKER, username="nadia"),
        "other_partner": make_user(Role.PARTNER_WORKER, username="yasmine"),
        "commission": make_user(Role.COMMITTEE_MEMBER, username="marc"),
        "bank": make_user(Role.BANK_ADVISER, username="julie"),
        "admin": make_user(Role.ADMIN, username="paul"),
    }
    referent = users["referent"]
    dossier = make_dossier(
        created_by=referent,
        referent=referent,
        state=DossierState.DISBURSED,
        eligible=True,
    )
    share_with(dossier, users["partner"], shared_by=referent)
    put_on_agenda(dossier, users["commission"])
    roanne_programme = Programme.objects.create(
        organisation=other_ccas, name="Prêt", slug="pret-roanne"
    )
    other_dossier = make_dossier(
        created_by=users["other_ccas"],
        referent=users["other_ccas"],
        programme=roanne_programme,
    )
    return World(dossier=dossier, users=users, other_dossier=other_dossier)


def write_notes(world: World) -> None:
    """One private note and one shared note by the référent, a point d'étape by the partner."""
    referent = world.users["referent"]
    world.notes["private"] = Note.objects.create(
        dossier=world.dossier, author=referent, visibility=NoteVisibility.CCAS, body=PRIVATE_TEXT
    )
    world.notes["shared"] = Note.objects.create(
        dossier=world.dossier,
        author=referent,
        visibility=NoteVisibility.SHARED,
        body=SHARED_TEXT,
    )
    StepReview.objects.create(
        dossier=world.dossier,
        author=world.users["partner"],
        held_on=timezone.localdate() - timedelta(days=1),
        summary=REVIEW_TEXT,
        next_on=timezone.localdate() + timedelta(days=30),
    )


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS)


def plan(world: World, starts_at: datetime, **values: object) -> Appointment:
    """An appointment written directly (no audit row), planned by the référent."""
    values.setdefault("place", APPOINTMENT_PLACE)
    values.setdefault("with_whom", "Camille Martin, référente")
    return Appointment.objects.create(
        dossier=world.dossier, starts_at=starts_at, created_by=world.users["referent"], **values
    )
