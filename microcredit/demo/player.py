"""Plays the demo dossiers' steps through the services, as the demo users: applicants, dossiers,
commission sessions and decisions, the bank and the loans, budgets and rights."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.utils import timezone

from microcredit.accounts.models import Membership, User
from microcredit.applicants.enums import Relationship
from microcredit.applicants.models import Applicant
from microcredit.applicants.rules import search_name
from microcredit.applicants.services import applicant_create, household_member_add
from microcredit.banking.enums import BankRefusalReason
from microcredit.banking.models import BankDecision
from microcredit.banking.services import (
    bank_accept,
    bank_offer_record,
    bank_refuse,
    disbursement_record,
)
from microcredit.budgets.services import budget_create_version, budget_lines
from microcredit.commissions.enums import DECISION_TRANSITIONS
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.commissions.services import agenda_item_decide, session_close
from microcredit.demo.budgets import DEMO_BUDGETS, DemoBudget
from microcredit.demo.dossiers import DemoDossier, DemoPerson
from microcredit.demo.files import demo_pdf
from microcredit.demo.steps import S_DEC, S_NOV, SESSION_PLACE, SESSIONS, Step
from microcredit.demo.timeline import (
    Stamper,
    after_days,
    aware_at,
    latest_slot,
    office_time,
    spread_next,
    working_day_on_or_after,
    working_day_on_or_before,
)
from microcredit.documents.models import CONSENT_KIND, Document
from microcredit.documents.services import document_kinds, document_upload
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from microcredit.dossiers.services import (
    dossier_check_eligibility,
    dossier_consent_record,
    dossier_create,
    dossier_share,
    dossier_transition,
)
from microcredit.dossiers.workflow import TRANSITIONS_BY_NAME
from microcredit.loans.enums import IncidentKind, RecordedVia
from microcredit.loans.models import Incident, Loan, Repayment
from microcredit.loans.selectors import loan_schedule_lines
from microcredit.loans.services import RepaymentLine, incident_record, repayments_record_batch
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.selectors import version_in_force
from microcredit.rights.services import rights_assessment_request
from microcredit.rights.tasks import assess_dossier_rights
from microcredit.servicing.enums import PaymentMode
from microcredit.servicing.selectors.claims import loan_claim_basis
from microcredit.servicing.services.claims import guarantee_claim_record
from microcredit.servicing.services.closing import bonification_record, project_proof_record


class DemoPlayer:
    """Plays the demo dossiers' steps through the services, as the demo users."""

    def __init__(self, ccas: Organisation, structure: Organisation, members: dict[str, Membership]):
        self.ccas = ccas
        self.structure = structure
        self.members = members
        self.programme = Programme.objects.get(organisation=ccas, slug="micro-credit-personnel")
        self.today = timezone.localdate()
        # The last office slot before the load: nothing of the demo's past comes after it.
        self.latest = latest_slot(timezone.now())
        self.stamper = Stamper()
        self._since = self.stamper.mark()
        self._versions: dict[date, ProgrammeVersion | None] = {}
        self.sessions = {day: self._session(day) for day in SESSIONS}

    def _stamp(self, at: datetime) -> None:
        """Date what was created since the last stamp at `at` (not the load's « now »)."""
        self._since = self.stamper.stamp(self._since, at)

    def bank_day(self, decided: date, days: int) -> date:
        """A working day of the bank, `days` after the commission's decision, not after today."""
        return min(
            working_day_on_or_after(decided + timedelta(days=days)),
            working_day_on_or_before(self.today),
        )

    def _as(self, username: str) -> tuple[User, Membership]:
        membership = self.members[username]
        return membership.user, membership

    def _session(self, day: date) -> CommissionSession:
        """The demo's session of `day` (the demo creates its sessions without an author).

        The last one (S_DEC) is dated the day the demo is first loaded if that comes earlier, so
        that a visitor can note who is present and then decide (decisions wait for the session's
        day); a later load finds it again as the demo's session after S_NOV, whatever its date.
        Nobody is marked present on it: the agent does that."""
        demo_sessions = CommissionSession.objects.filter(
            organisation=self.ccas, created_by__isnull=True
        )
        if day == S_DEC:
            held_on = max(min(S_DEC, self.today), S_NOV + timedelta(days=1))
            session = demo_sessions.filter(date__gt=S_NOV).order_by("date", "pk").first()
            present = False
        else:
            held_on = day
            session = demo_sessions.filter(date=day).first()
            present = day < self.today
        if session is None:  # open until its decisions are made (close_past_sessions)
            session = CommissionSession.objects.create(
                organisation=self.ccas, date=held_on, place=SESSION_PLACE
            )
            # Planned by the agent some three weeks before.
            planned = working_day_on_or_before(held_on - timedelta(days=21))
            CommissionSession.objects.filter(pk=session.pk).update(
                created_at=aware_at(planned, time(10, 15))
            )
        for username in ("commission", "directeur"):
            SessionMember.objects.get_or_create(
                session=session,
                user=self.members[username].user,
                defaults={"present": present},
            )
        return session

    def load(self, spec: DemoDossier) -> bool:
        """Create the dossier of `spec` and play its steps; False when it already exists."""
        person = spec.person
        applicant = Applicant.objects.filter(
            organisation=self.ccas,
            search_name=search_name(person.last_name, person.first_name),
            birth_date=person.birth_date,
        ).first()
        if applicant is not None and applicant.dossiers.exists():
            return False
        self._since = self.stamper.mark()
        if applicant is None:
            applicant = self._applicant(person)
        user, membership = self._as("referent")
        dossier = dossier_create(
            actor=user,
            membership=membership,
            applicant=applicant,
            programme=self.programme,
            values={
                "application_date": spec.application_date,
                "oriented_by_structure": self.structure if spec.oriented else None,
                "oriented_by_name": "Nadia Chauvet" if spec.oriented else "",
                "purpose_category": spec.purpose,
                "purpose_subcategory": spec.subpurpose,
                "project_description": spec.project,
                "project_cost": Decimal(spec.cost),
                "payee_name": spec.payee,
                "payee_siret": spec.payee_siret,
                "payee_address": spec.payee_address,
                "quote_reference": f"DEV-{spec.application_date:%y%m}-{person.last_name[:3]}",
                "quote_date": spec.application_date - timedelta(days=6),
                "requested_amount": Decimal(spec.amount),
                "requested_months": spec.months,
                "requested_deferral_months": spec.deferral_months,
                "requested_deferral_kind": spec.deferral_kind,
                "no_ordinary_credit": bool(spec.no_ordinary_credit_evidence),
                "no_ordinary_credit_evidence": spec.no_ordinary_credit_evidence,
            },
        )
        # Received on the application day, during office hours.
        opened = aware_at(spec.application_date, office_time(person.last_name))
        self._stamp(opened)
        steps = self._steps(spec)
        anchors = self._anchors(spec, steps)
        at = opened
        for index, step in enumerate(steps):
            at = self._moment(dossier, spec, steps, anchors, index, at)
            self._play(dossier, spec, step, at)
            self._stamp(at)
        self._date_dossier(dossier, at)
        return True

    def _steps(self, spec: DemoDossier) -> list[Step]:
        """The spec's steps, with the household budget typed during the diagnosis (before the
        instruction starts, or last when the dossier has not reached it)."""
        steps = list(spec.steps)
        if spec.person.last_name in DEMO_BUDGETS:
            where = next(
                (i for i, s in enumerate(steps) if s.transition == "start_instruction"),
                len(steps),
            )
            steps.insert(where, Step("budget"))
        return steps

    def _anchors(
        self, spec: DemoDossier, steps: list[Step]
    ) -> dict[int, tuple[datetime, datetime]]:
        """The steps whose moment is known beforehand: the commission's decisions on their
        session's day, the bank's on its days after them. Each with the bound the steps before
        it are spread up to (the session's morning: the agenda is set before the day)."""
        anchors: dict[int, tuple[datetime, datetime]] = {}
        held: date | None = None
        salt = spec.person.last_name
        for index, step in enumerate(steps):
            if step.action == "agenda" and step.session in self.sessions:
                held = self.sessions[step.session].date
            if step.action != "move" or held is None:
                continue
            flow = TRANSITIONS_BY_NAME[step.transition].flow
            if flow == "commission":
                # The commission sits in the afternoon; its decisions come one by one.
                at = aware_at(held, time(14, 0)) + timedelta(minutes=15 * (len(salt) % 8))
                anchors[index] = (at, aware_at(held, time(8, 30)))
            elif step.transition in {"bank_accept", "bank_refuse"}:
                at = aware_at(self.bank_day(held, 10), time(11, 0))
                anchors[index] = (at, at)
            elif step.transition == "disburse":
                at = aware_at(self.bank_day(held, 17), time(14, 0))
                anchors[index] = (at, at)
        return anchors

    def _moment(
        self,
        dossier: Dossier,
        spec: DemoDossier,
        steps: list[Step],
        anchors: dict[int, tuple[datetime, datetime]],
        index: int,
        previous: datetime,
    ) -> datetime:
        """When step `index` happened: its anchor, the day the loan's facts give, or spread
        evenly up to the next anchor (or a few working days after the previous step when
        none comes after it), always during office hours and not after the load."""
        step = steps[index]
        if index in anchors:
            return max(anchors[index][0], previous + timedelta(minutes=1))
        if step.transition in {"record_repaid", "call_guarantee"}:
            if step.transition == "record_repaid":
                last = Repayment.objects.filter(loan__dossier=dossier).aggregate(day=Max("date"))
                day = (last["day"] or self.today) + timedelta(days=3)
            else:
                missed = Incident.objects.filter(loan__dossier=dossier).aggregate(day=Max("date"))
                day = (missed["day"] or self.today) + timedelta(days=30)
            at = aware_at(working_day_on_or_after(day), time(10, 0))
            return max(min(at, self.latest), previous + timedelta(minutes=1))
        salt = f"{spec.person.last_name}-{index}"
        upcoming = next((i for i in sorted(anchors) if i > index), None)
        if upcoming is not None:
            return spread_next(previous, anchors[upcoming][1], upcoming - index)
        gap = 6 if step.action == "move" else 2
        soon = after_days(previous, gap, salt, self.latest)
        if soon is None:
            return spread_next(previous, self.latest + timedelta(minutes=1), len(steps) - index)
        return soon

    def _date_dossier(self, dossier: Dossier, last_step: datetime) -> None:
        """The dossier is in its state since its last move (the work queues order by it)."""
        events = list(DossierEvent.objects.filter(dossier=dossier).order_by("at", "id"))
        transmitted = next(
            (e.at for e in events if e.to_state == DossierState.TRANSMITTED_TO_BANK), None
        )
        Dossier.objects.filter(pk=dossier.pk).update(
            state_changed_at=events[-1].at,
            bank_transmitted_at=transmitted,
            updated_at=max(last_step, events[-1].at),
        )

    def _budget(self, dossier: Dossier, spec: DemoBudget) -> None:
        user, membership = self._as("referent")
        spouse = dossier.applicant.members.filter(relationship=Relationship.SPOUSE).first()
        personal: dict[int | None, dict[str, Decimal]] = {
            None: {"salaries": Decimal(spec.salary), "pensions": Decimal(spec.pension)}
        }
        if spouse is not None:
            personal[spouse.pk] = {"salaries": Decimal(spec.spouse_salary)}
        budget_create_version(
            actor=user,
            membership=membership,
            dossier_id=dossier.pk,
            month=spec.month,
            housing_status=spec.housing,
            lines=budget_lines(
                personal=personal,
                resources={
                    "family_benefits": Decimal(spec.family_benefits),
                    "housing_aid": Decimal(spec.housing_aid),
                },
                charges={
                    "rent": Decimal(spec.rent),
                    "energy": Decimal(spec.energy),
                    "insurance": Decimal(spec.insurance),
                    "telecom": Decimal(spec.telecom),
                    "transport": Decimal(spec.transport),
                    "credit_installments": Decimal(spec.credits),
                },
                housing_aid_to_landlord=True,
            ),
        )
        # The estimate runs here, in the loading process (OpenFisca-France, ~5 s the first time).
        record = rights_assessment_request(actor=user, membership=membership, dossier_id=dossier.pk)
        assess_dossier_rights.call(record.pk)

    def _applicant(self, person: DemoPerson) -> Applicant:
        # The agent receives the person and records who they are; the référent opens the dossier.
        user, membership = self._as("agent")
        applicant = applicant_create(
            actor=user,
            membership=membership,
            values={
                "last_name": person.last_name,
                "first_name": person.first_name,
                "birth_date": person.birth_date,
                "email": person.email,
                "phone": person.phone,
                "address": person.address,
                "postcode": person.postcode,
                "commune_code": person.commune_code,
                "family_situation": person.family_situation,
                "activity": person.activity,
                "housing_status": person.housing_status,
            },
        )
        for member in person.members:
            household_member_add(
                actor=user,
                applicant=applicant,
                first_name=member.first_name,
                birth_date=member.birth_date,
                relationship=member.relationship,
            )
        return applicant

    def _play(self, dossier: Dossier, spec: DemoDossier, step: Step, at: datetime) -> None:
        user, membership = self._as(step.by)
        flow = TRANSITIONS_BY_NAME[step.transition].flow if step.action == "move" else ""
        if flow == "commission":
            self._decide(dossier, step, at)
        elif flow == "bank":
            self._bank(dossier, spec, step, user, membership, at)
        elif step.action == "budget":
            self._budget(dossier, DEMO_BUDGETS[spec.person.last_name])
        elif step.action == "move":
            dossier_transition(
                actor=user,
                membership=membership,
                dossier_id=dossier.pk,
                transition=step.transition,
                reason=step.reason,
                reorientation_scheme=step.scheme,
            )
        elif step.action == "check":
            dossier_check_eligibility(actor=user, membership=membership, dossier_id=dossier.pk)
        elif step.action == "closing":
            self._closing(dossier, user, membership, timezone.localdate(at))
        elif step.action == "upload":
            for kind in step.kinds or self._missing_kinds(dossier):
                self._upload(dossier, kind, user, membership, step.note)
        elif step.action == "consent":
            self._upload(dossier, CONSENT_KIND, user, membership, "")
            dossier_consent_record(
                actor=user,
                membership=membership,
                dossier_id=dossier.pk,
                consent_date=timezone.localdate(at),
                today=self.today,
            )
        elif step.action == "agenda":
            session = self.sessions.get(step.session) if step.session else None
            if session is None:
                raise ValueError(f"not a demo commission session: {step.session}")
            AgendaItem.objects.get_or_create(
                session=session,
                dossier=dossier,
                defaults={"position": AgendaItem.objects.filter(session=session).count() + 1},
            )
        elif step.action == "share":
            dossier_share(
                actor=user,
                membership=membership,
                dossier_id=dossier.pk,
                worker=self.members["partenaire"].user,
            )
        else:
            raise ValueError(f"unknown demo step: {step.action}")

    def _decide(self, dossier: Dossier, step: Step, at: datetime) -> None:
        """The commission's decision, recorded on the agenda of the dossier's last session."""
        user, membership = self._as(step.by)
        item = (
            AgendaItem.objects.filter(dossier=dossier, decision="")
            .select_related("session")
            .order_by("-session__date")
            .first()
        )
        if item is None:
            raise ValueError(f"{dossier.number} is on no agenda")
        decision = {t: d for d, t in DECISION_TRANSITIONS.items()}[step.transition]
        item = agenda_item_decide(
            actor=user,
            membership=membership,
            item_id=item.pk,
            decision=decision,
            reason=step.reason,
            reorientation_scheme=step.scheme,
            today=self.today,
        )
        AgendaItem.objects.filter(pk=item.pk).update(decided_at=at)

    def _bank(
        self,
        dossier: Dossier,
        spec: DemoDossier,
        step: Step,
        user: User,
        membership: Membership,
        at: datetime,
    ) -> None:
        """The bank's moves through its own services, on the days they would have happened."""
        day = timezone.localdate(at)
        if step.transition == "bank_accept":
            if dossier.requested_amount is None or dossier.requested_months is None:
                raise ValueError(f"{dossier.number} : la démo n'a pas de prêt demandé.")
            decision = bank_accept(
                actor=user,
                membership=membership,
                dossier_id=dossier.pk,
                amount=dossier.requested_amount,
                months=dossier.requested_months,
                deferral_months=dossier.requested_deferral_months,
                deferral_kind=dossier.requested_deferral_kind,
                today=day,
            )
            BankDecision.objects.filter(pk=decision.pk).update(decided_at=at)
        elif step.transition == "bank_refuse":
            decision = bank_refuse(
                actor=user,
                membership=membership,
                dossier_id=dossier.pk,
                reason=step.refusal or BankRefusalReason.OTHER,
                text=step.reason,
            )
            BankDecision.objects.filter(pk=decision.pk).update(decided_at=at)
        elif step.transition == "disburse":
            self._disburse(dossier, spec, user, membership, at)
        elif step.transition == "call_guarantee":
            self._call_guarantee(dossier, step, user, membership)
        else:
            raise ValueError(f"not a demo bank move: {step.transition}")

    def _call_guarantee(
        self, dossier: Dossier, step: Step, user: User, membership: Membership
    ) -> None:
        """The bank calls the guarantee (servicing's claim) a month after the last missed
        installment it reported, the first unpaid one read from the repayments."""
        loan = Loan.objects.get(dossier=dossier)
        missed = Incident.objects.filter(loan=loan).aggregate(day=Max("date"))["day"]
        accelerated = min((missed or self.today) + timedelta(days=30), self.today)
        accelerated = min(working_day_on_or_after(accelerated), self.today)
        first_unpaid = loan_claim_basis(loan, accelerated).first_unpaid_date
        if first_unpaid is None:
            raise ValueError(f"{dossier.number} : la démo n'a pas d'échéance impayée.")
        guarantee_claim_record(
            actor=user,
            membership=membership,
            loan_id=loan.pk,
            acceleration_date=accelerated,
            first_unpaid_date=first_unpaid,
            reason=step.reason,
            reference=f"DEMO-GAR-{dossier.number}",
            today=self.today,
        )

    def _disburse(
        self, dossier: Dossier, spec: DemoDossier, user: User, membership: Membership, at: datetime
    ) -> None:
        """The signed offer, the cheque on the day of `at`, then the loan's life until today:
        each installment paid on its due day, the missed ones reported the day after."""
        decided = AgendaItem.objects.filter(dossier=dossier).exclude(decision="")
        held = decided.order_by("-session__date").values_list("session__date", flat=True)[0]
        signed_on = min(self.bank_day(held, 14), timezone.localdate(at))
        offer = SimpleUploadedFile(
            "offre-signee.pdf",
            demo_pdf(f"Offre de pret signee - {dossier.number}"),
            content_type="application/pdf",
        )
        decision = bank_offer_record(
            actor=user,
            membership=membership,
            dossier_id=dossier.pk,
            signed_on=signed_on,
            upload=offer,
            today=signed_on,
        )
        signed_at = min(aware_at(signed_on, time(10, 15)), at)
        BankDecision.objects.filter(pk=decision.pk).update(offer_recorded_at=signed_at)
        self._stamp(signed_at)
        paid_on = timezone.localdate(at)
        loan = disbursement_record(
            actor=user,
            membership=membership,
            dossier_id=dossier.pk,
            cheque_number=f"{4_210_000 + dossier.pk:07d}",
            date=paid_on,
            amount=decision.amount or Decimal(0),
            today=paid_on,
        )
        self._stamp(at)
        due = [
            line
            for line in loan_schedule_lines(loan)
            if line.due_date <= self.today and line.payment > 0
        ]
        paid = [
            line for line in due if spec.unpaid_from is None or line.due_date < spec.unpaid_from
        ]
        for line in paid:  # the bank's file of the day, sent through the API
            repayments_record_batch(
                actor=user,
                membership=membership,
                lines=[
                    RepaymentLine(
                        reference=f"DEMO-{dossier.number}-{line.number:02d}",
                        dossier_number=dossier.number,
                        date=line.due_date,
                        amount=line.payment,
                    )
                ],
                today=self.today,
                via=RecordedVia.API,
            )
            self._stamp(self._recorded(line.due_date, time(9, 0)))
        for line in due[len(paid) :][:3]:
            incident_record(
                actor=user,
                membership=membership,
                reference=f"DEMO-IMP-{dossier.number}-{line.number:02d}",
                dossier_number=dossier.number,
                kind=IncidentKind.MISSED_INSTALLMENT,
                date=line.due_date + timedelta(days=1),
                amount=line.payment,
                note="Prélèvement de l'échéance rejeté (provision insuffisante).",
                today=self.today,
                via=RecordedVia.API,
            )
            self._stamp(self._recorded(line.due_date + timedelta(days=1), time(9, 30)))

    def _recorded(self, day: date, moment: time) -> datetime:
        """The morning of the working day `day` (or after), not after the load."""
        return min(aware_at(working_day_on_or_after(day), moment), self.latest)

    def _closing(self, dossier: Dossier, user: User, membership: Membership, day: date) -> None:
        """The repaid loan's invoice, then the bonification the engine gives, paid by transfer."""
        loan_id = dossier.loan.pk
        invoice = SimpleUploadedFile(
            "facture.pdf",
            demo_pdf(f"Facture du projet - {dossier.number}"),
            content_type="application/pdf",
        )
        project_proof_record(
            actor=user, membership=membership, loan_id=loan_id, upload=invoice, today=self.today
        )
        bonification_record(
            actor=user,
            membership=membership,
            loan_id=loan_id,
            paid_on=day,
            mode=PaymentMode.TRANSFER,
            today=self.today,
        )

    def close_past_sessions(self) -> None:
        """Close the sessions already held whose every dossier has a decision (minutes PDF);
        the last one (S_DEC) is the visitor's to decide and close."""
        user, membership = self._as("agent")
        for day, session in self.sessions.items():
            if day == S_DEC or day >= self.today or session.closed_at is not None:
                continue
            if AgendaItem.objects.filter(session=session, decision="").exists():
                continue
            since = self.stamper.mark()
            session_close(actor=user, membership=membership, session_id=session.pk, today=day)
            closed_at = aware_at(day, time(17, 45))  # after the last decision
            self.stamper.stamp(since, closed_at)
            CommissionSession.objects.filter(pk=session.pk).update(closed_at=closed_at)

    def _version(self, dossier: Dossier) -> ProgrammeVersion | None:
        day = dossier.application_date
        if day not in self._versions:
            self._versions[day] = version_in_force(self.programme, day)
        return self._versions[day]

    def _missing_kinds(self, dossier: Dossier) -> list[str]:
        version = self._version(dossier)
        required = version.required_documents_for(dossier.purpose_category) if version else []
        present = set(Document.objects.filter(dossier=dossier).values_list("kind", flat=True))
        return [spec["code"] for spec in required if spec["code"] not in present]

    def _upload(
        self, dossier: Dossier, kind: str, user: User, membership: Membership, note: str
    ) -> None:
        version = self._version(dossier)
        labels = document_kinds(
            version.required_documents_for(dossier.purpose_category) if version else []
        )
        text = f"Document de demonstration - {labels.get(kind, kind)} - {dossier.number} {note}"
        name = kind.replace("_", "-") + (f"-{note.replace(' ', '-')}" if note else "") + ".pdf"
        document_upload(
            actor=user,
            membership=membership,
            dossier_id=dossier.pk,
            kind=kind,
            upload=SimpleUploadedFile(name, demo_pdf(text.strip()), content_type="application/pdf"),
        )
