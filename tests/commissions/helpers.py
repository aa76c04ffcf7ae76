"""Commission test data: a CCAS with its organisers and members, dossiers ready for the
commission, a session built through the services, and the services' calls the tests repeat
(build the agenda, decide an item, update the session's members, check that a refused
decision changed nothing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.commissions import services
from microcredit.commissions.models import AgendaItem, CommissionSession
from microcredit.core.models import AuditEvent
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent
from tests.factories import make_dossier
from tests.factories import membership_of as membership

SESSION_DATE = date(2026, 6, 18)


@dataclass
class Cast:
    referent: User
    agent: User
    director: User
    member: User  # sits on the session, marked present
    absent_member: User  # sits on the session, not present
    outsider: User  # a committee member of the CCAS who does not sit on it


def cast(make_user: Callable[..., User]) -> Cast:
    def person(role: Role, username: str, first: str, last: str) -> User:
        user = make_user(role, username)
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
        return user

    return Cast(
        referent=person(Role.REFERENT, "referent", "Romane", "Référente"),
        agent=person(Role.AGENT, "agent", "Alain", "Agent"),
        director=person(Role.DIRECTOR, "directrice", "Dominique", "Directrice"),
        member=person(Role.COMMITTEE_MEMBER, "membre", "Marcel", "Présent"),
        absent_member=person(Role.COMMITTEE_MEMBER, "absent", "Agathe", "Absente"),
        outsider=person(Role.COMMITTEE_MEMBER, "autre", "Octave", "Autreséance"),
    )


def ready_dossier(referent: User, **overrides: Any) -> Dossier:
    values: dict[str, Any] = {
        "state": DossierState.READY_FOR_COMMITTEE,
        "eligible": True,
        "with_documents": True,
        "with_consent": True,
    }
    values.update(overrides)
    return make_dossier(created_by=referent, referent=referent, **values)


def open_session(people: Cast, *, date: date = SESSION_DATE) -> CommissionSession:
    """A session planned by the agent, both members on it, the first one present."""
    session = services.session_create(
        actor=people.agent,
        membership=membership(people.agent),
        date=date,
        place="Salle du conseil",
        member_ids=[people.member.pk, people.absent_member.pk],
    )
    return services.session_update(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        date=date,
        place="Salle du conseil",
        member_ids=[people.member.pk, people.absent_member.pk],
        present_ids=[people.member.pk],
    )


def _build(people, session):  # type: ignore[no-untyped-def]
    return services.agenda_build(
        actor=people.agent, membership=membership(people.agent), session_id=session.pk
    )


def _decide(people, item, decision, reason="", scheme="", who=None, **kwargs):  # type: ignore[no-untyped-def]
    who = who or people.member
    kwargs.setdefault("today", SESSION_DATE)
    return services.agenda_item_decide(
        actor=who,
        membership=membership(who),
        item_id=item.pk,
        decision=decision,
        reason=reason,
        reorientation_scheme=scheme,
        **kwargs,
    )


def _update(people, session, *, member_ids, present_ids):  # type: ignore[no-untyped-def]
    return services.session_update(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        date=session.date,
        place=session.place,
        member_ids=member_ids,
        present_ids=present_ids,
    )


def _assert_nothing_changed(item: AgendaItem, dossier: Dossier) -> None:
    item.refresh_from_db()
    dossier.refresh_from_db()
    assert item.decision == "" and item.event is None and item.decided_by is None
    assert dossier.state == DossierState.READY_FOR_COMMITTEE
    assert not DossierEvent.objects.filter(dossier=dossier).exists()
    assert not AuditEvent.objects.filter(action="commission_decision_recorded").exists()


# --- A dossier with everything the summary shows, and personal data it must never show -------

APPLICANT = {
    "last_name": "Zéphyrin-Quelen",
    "first_name": "Aurélie",
    "birth_date": date(1990, 5, 1),
    "address": "17 impasse des Glycines",
    "phone": "0612345678",
    "email": "aurelie.zq@example.net",
    "activity": "part_time",
    "family_situation": "separated",
    "housing_status": "tenant_private",
}
CHILD_FIRST_NAME = "Eulalie"
OPINION = "Projet solide et réaliste ; le budget est serré mais tenu depuis six mois."
PROJECT = "Passer le permis B pour un emploi d'aide à domicile."


def full_dossier(referent: User) -> Dossier:
    """A dossier ready for the commission with a budget, an estimate of rights and the
    référent's opinion (the lone parent of tests/budgets: 950 € net, one child)."""
    from microcredit.applicants.models import HouseholdMember
    from microcredit.budgets.services import referent_opinion_record
    from microcredit.organisations.models import Organisation
    from microcredit.rights.enums import AssessmentStatus
    from microcredit.rights.models import RightsAssessmentRecord, RsaBaseAmount
    from tests.budgets.helpers import MONTH, fake_assessment, lone_parent_budget
    from tests.factories import make_applicant

    applicant = make_applicant(
        organisation=Organisation.objects.get(slug="ccas-saint-etienne"),
        created_by=referent,
        **APPLICANT,
    )
    HouseholdMember.objects.create(
        applicant=applicant,
        first_name=CHILD_FIRST_NAME,
        birth_date=date(2018, 9, 10),
        relationship="child",
    )
    dossier = ready_dossier(
        referent,
        applicant=applicant,
        project_description=PROJECT,
        payee_name="Auto-école Zéphyrin",
        payee_address="3 place Jean Jaurès, 42000 Saint-Étienne",
    )
    RsaBaseAmount.objects.get_or_create(
        month=MONTH, defaults={"amount": "651.69", "openfisca_france_version": "x"}
    )
    budget = lone_parent_budget(referent, dossier)
    record = RightsAssessmentRecord(
        dossier=dossier, budget=budget, status=AssessmentStatus.DONE, created_by=referent
    )
    record.store(fake_assessment())
    record.save()
    referent_opinion_record(
        actor=referent,
        membership=membership(referent),
        dossier_id=dossier.pk,
        budget_id=budget.pk,
        verdict="fragile",
        reason=OPINION,
    )
    return dossier


def personal_data(dossier: Dossier) -> list[str]:
    """What must never appear in what the commission reads."""
    applicant = dossier.applicant
    referent = dossier.referent
    assert referent is not None
    return [
        applicant.last_name,
        applicant.first_name,
        applicant.address,
        applicant.phone,
        "06 12 34 56 78",
        applicant.email,
        "01/05/1990",
        CHILD_FIRST_NAME,
        referent.last_name,
        referent.first_name,
        "Zéphyrin",  # nor the payee, who may be named after the person
    ]
