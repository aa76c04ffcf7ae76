"""The demo's follow-up and the public's requests, played through the services as the demo users:
what every role's work queue shows after `make run` (shell.selectors).

- two requests from the public (one new, one taken by the agent), in the requests inbox;
- on Sandrine Faure's loan (late since October, shared with the partner worker): an
  appointment today and one tomorrow, a note private to the CCAS and one shared with the
  partner worker, a point d'étape by the partner worker with the date of the next one, and a
  plan de reprise proposed to the bank;
- a point d'étape on Aurélie Vidal's dossier (shared too) whose next date has passed.

Idempotent: each is created only when its dossier (or the CCAS, for the requests) has none yet,
so a second load, another day, adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from microcredit.accounts.models import Membership
from microcredit.demo.timeline import Stamper, aware_at, working_day_on_or_before
from microcredit.dossiers.models import Dossier
from microcredit.followup.enums import NoteVisibility
from microcredit.followup.models import Appointment, Note, StepReview
from microcredit.followup.services.notes import appointment_create, note_create, step_review_create
from microcredit.followup.services.requests import request_take
from microcredit.loans.models import Loan
from microcredit.organisations.models import Organisation
from microcredit.servicing.enums import PlanMode
from microcredit.servicing.models import RepaymentPlan
from microcredit.servicing.services.plans import PlanRefused, plan_propose
from microcredit.simulator.models import ContactRequest
from microcredit.simulator.services import contact_request_create

# The address the demo's requests come from (TEST-NET-1, documentation only).
DEMO_CLIENT_IP = "192.0.2.10"


@dataclass(frozen=True)
class DemoRequest:
    first_name: str
    last_name: str
    phone: str
    email: str
    preferred_times: str
    purpose_code: str
    message: str
    taken_by: str = ""  # the demo user who took it in the inbox; "" = still new


DEMO_REQUESTS = (
    DemoRequest(
        "Lucas",
        "Perrin",
        "06 39 98 00 31",
        "lucas.perrin@example.org",
        "En semaine, après 17 h",
        "mobilite",
        "Ma voiture est en panne et je commence un CDD à Andrézieux le mois prochain.",
        taken_by="agent",
    ),
    DemoRequest(
        "Amina",
        "Diallo",
        "06 39 98 00 32",
        "",
        "Le matin",
        "logement",
        "Je dois remplacer mon réfrigérateur, je n'ai pas l'argent d'avance.",
    ),
)

NOTE_CCAS = (
    "Mme Faure a perdu des heures chez son employeur en octobre : la panne de la voiture l'a "
    "empêchée d'aller chez deux bénéficiaires. Elle a demandé un rendez-vous à la CAF pour la "
    "prime d'activité."
)
NOTE_SHARED = (
    "La voiture est réparée depuis le 20 novembre. Mme Faure reprend toutes ses tournées ; un "
    "plan de reprise est proposé à la banque pour les mensualités d'octobre et de novembre."
)
REVIEW_FAURE = (
    "Rencontrée à la mission d'insertion : elle tient son budget au jour le jour et a repris "
    "ses heures. Elle souhaite un point sur les dépenses de la voiture au prochain rendez-vous."
)
REVIEW_VIDAL = (
    "Mme Vidal a trouvé une solution de garde pour Hugo le mercredi ; elle attend la décision "
    "de la commission pour la voiture."
)


class DemoFollowup:
    """Plays the demo's follow-up through the services of followup, simulator and servicing."""

    def __init__(self, ccas: Organisation, members: dict[str, Membership], today: date):
        self.ccas = ccas
        self.members = members
        self.today = today
        self.stamper = Stamper()

    def _working_day(self, days_ago: int) -> date:
        """The working day `days_ago` working days before today (0: today, or the last one)."""
        day = working_day_on_or_before(self.today)
        for _ in range(days_ago):
            day = working_day_on_or_before(day - timedelta(days=1))
        return day

    def _office(self, days_ago: int, hour: int, minute: int = 0) -> datetime:
        """During office hours `days_ago` working days ago, and not after now."""
        return min(aware_at(self._working_day(days_ago), time(hour, minute)), timezone.now())

    def load(self) -> None:
        self.requests()
        faure = self._dossier("Faure")
        self.appointments(faure)
        self.notes(faure)
        self.review(faure, REVIEW_FAURE, held_days_ago=12, next_in_days=18)
        self.review(self._dossier("Vidal"), REVIEW_VIDAL, held_days_ago=40, next_in_days=-5)
        self.plan(faure)

    def _dossier(self, last_name: str) -> Dossier:
        return Dossier.objects.get(organisation=self.ccas, applicant__last_name=last_name)

    def _at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def requests(self) -> None:
        """The public's requests, sent from the simulator's form (its service)."""
        for number, spec in enumerate(DEMO_REQUESTS):
            same = ContactRequest.objects.filter(
                organisation=self.ccas, first_name=spec.first_name, last_name=spec.last_name
            )
            if same.exists():
                continue
            since = self.stamper.mark()
            contact = contact_request_create(
                organisation=self.ccas,
                first_name=spec.first_name,
                last_name=spec.last_name,
                phone=spec.phone,
                email=spec.email,
                preferred_times=spec.preferred_times,
                purpose_code=spec.purpose_code,
                message=spec.message,
                consent=True,
                client_ip=DEMO_CLIENT_IP,
                now=timezone.now(),
            )
            # Sent from the simulator a few days ago (the older first), taken the next morning.
            since = self.stamper.stamp(since, self._office(4 - 3 * number, 12, 40))
            if spec.taken_by:
                membership = self.members[spec.taken_by]
                request_take(actor=membership.user, membership=membership, request_id=contact.pk)
                self.stamper.stamp(since, self._office(3 - 3 * number, 9, 10))

    def appointments(self, dossier: Dossier) -> None:
        """Today's and tomorrow's appointments, planned by the référent three days ago."""
        if Appointment.objects.filter(dossier=dossier).exists():
            return
        referent = self.members["referent"]
        planned_at = self._office(3, 9)
        since = self.stamper.mark()
        for day, hour, minute, place, with_whom in (
            (self.today, 14, 30, "CCAS de Saint-Étienne, bureau 3", "Mme Faure"),
            (
                self.today + timedelta(days=1),
                10,
                0,
                "Mission d'insertion Loire Sud",
                "Mme Faure et Nadia Chauvet (mission d'insertion)",
            ),
        ):
            appointment_create(
                actor=referent.user,
                membership=referent,
                dossier_id=dossier.pk,
                starts_at=self._at(day, hour, minute),
                place=place,
                with_whom=with_whom,
                now=planned_at,
            )
        self.stamper.stamp(since, planned_at)

    def notes(self, dossier: Dossier) -> None:
        """A note private to the CCAS and one shared with the partner worker."""
        if Note.objects.filter(dossier=dossier).exists():
            return
        referent = self.members["referent"]
        for visibility, body, written in (
            (NoteVisibility.CCAS, NOTE_CCAS, self._office(8, 11, 20)),
            (NoteVisibility.SHARED, NOTE_SHARED, self._office(5, 15, 5)),
        ):
            since = self.stamper.mark()
            note_create(
                actor=referent.user,
                membership=referent,
                dossier_id=dossier.pk,
                visibility=visibility,
                body=body,
            )
            self.stamper.stamp(since, written)

    def review(
        self, dossier: Dossier, summary: str, *, held_days_ago: int, next_in_days: int
    ) -> None:
        """A point d'étape written by the partner worker, with the next one's date."""
        if StepReview.objects.filter(dossier=dossier).exists():
            return
        partner = self.members["partenaire"]
        held_on = working_day_on_or_before(self.today - timedelta(days=held_days_ago))
        since = self.stamper.mark()
        step_review_create(
            actor=partner.user,
            membership=partner,
            dossier_id=dossier.pk,
            held_on=held_on,
            summary=summary,
            next_on=self.today + timedelta(days=next_in_days),
            today=self.today,
        )
        self.stamper.stamp(since, aware_at(held_on, time(16, 30)))  # written the same day

    def plan(self, dossier: Dossier) -> None:
        """The référent proposes a plan de reprise to the bank for the unpaid installments."""
        loan = Loan.objects.filter(dossier=dossier).first()
        if loan is None or RepaymentPlan.objects.filter(loan=loan).exists():
            return
        referent = self.members["referent"]
        since = self.stamper.mark()
        try:
            plan_propose(
                actor=referent.user,
                membership=referent,
                loan_id=loan.pk,
                months=6,
                mode=PlanMode.ON_TOP,
                note="Mme Faure rembourse les mensualités impayées en six mois, en plus des "
                "suivantes.",
                today=self.today,
            )
            self.stamper.stamp(since, self._office(1, 11, 45))
        except PlanRefused as refusal:
            if refusal.code != "no_arrears":
                raise
            # Loaded before her first unpaid installment (October 2026): nothing to reschedule.
