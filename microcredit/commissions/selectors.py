"""Reads of the Commission Permanente: who sees which session, the agenda, the minimised summary
of each dossier (its PDF and the minutes' are rendered by `documents`).

The summary is what a commission member reads about a person they must not be able to identify:
no name, address, contact or birth date of anyone (not even the référent's name); ages and
counts instead of persons, the project, the amounts, the budget's figures, the rights detected
and the référent's opinion. Free text (the project, the opinion, the budget's problems, the
decisions' reasons) is shown with the personal details of the person and of her household
masked (`rules.mask_personal_data`: names, address, phone, e-mail, birth dates), on the summary,
its PDF, the session page and the minutes; even a text written before these masks existed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from loan_engine import LoanEngineError, annual_percentage_rate, build_schedule, loan_terms
from microcredit.accounts.enums import DOSSIER_STAFF_ROLES, Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant, HouseholdMember
from microcredit.applicants.rules import age_on
from microcredit.budgets.enums import LineKind, MemberRole
from microcredit.budgets.models import BudgetPerson
from microcredit.budgets.selectors import budget_panel
from microcredit.commissions.models import AgendaItem, CommissionSession, SessionMember
from microcredit.commissions.rules import (
    DossierSummary,
    Masks,
    Opinion,
    PersonalData,
    RightRow,
    agenda_choice_label,
    initials,
    mask_personal_data,
    sum_rows,
)
from microcredit.core.formatting import format_eur
from microcredit.dossiers.enums import DossierState, EligibilityOutcome
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.rules import eligibility_tally
from microcredit.dossiers.texts import eligibility_headline
from microcredit.programmes.models import ProgrammeVersion
from microcredit.programmes.selectors import version_in_force
from microcredit.rights.selectors import rights_panel

# Who organises the sessions (creates them, builds the agenda, closes them).
MANAGER_ROLES = frozenset({Role.AGENT, Role.DIRECTOR})
# Who may sit on a session: committee members and the director of the CCAS.
MEMBER_ROLES = frozenset({Role.COMMITTEE_MEMBER, Role.DIRECTOR})

_CRITERION_LABELS: dict[str, str] = dict(EligibilityOutcome.choices)


def access_sessions_for_user(
    user: User, membership: Membership | None
) -> QuerySet[CommissionSession]:
    """The sessions `user` may see in their active role; one condition per role.

    - CCAS staff (référent, agent, directeur·rice): every session of their organisation;
    - a commission member: the sessions of their organisation they sit on;
    - anyone else: none.
    """
    sessions = CommissionSession.objects.all()
    if membership is None or not membership.active or membership.user_id != user.pk:
        return sessions.none()
    if membership.role in DOSSIER_STAFF_ROLES:
        return sessions.filter(organisation_id=membership.organisation_id)
    if membership.role == Role.COMMITTEE_MEMBER:
        sitting = SessionMember.objects.filter(user=user).values("session")
        return sessions.filter(organisation_id=membership.organisation_id, pk__in=sitting)
    return sessions.none()


def session_for_user_or_404(
    user: User, membership: Membership | None, session_id: int, *, for_update: bool = False
) -> CommissionSession:
    """The session if `user` may see it; 404 otherwise (never say that it exists)."""
    sessions = access_sessions_for_user(user, membership)
    if for_update:
        # Lock the session row only (closed_by is nullable: PostgreSQL refuses FOR UPDATE on
        # the nullable side of an outer join).
        sessions = CommissionSession.objects.select_for_update(of=("self",)).filter(
            pk__in=sessions.values("pk")
        )
    session = sessions.select_related("organisation", "closed_by").filter(pk=session_id).first()
    if session is None:
        raise Http404("Séance introuvable.")
    return session


def agenda_item_for_user_or_404(
    user: User, membership: Membership | None, item_id: int, *, for_update: bool = False
) -> AgendaItem:
    """The agenda item if its session is visible to `user`; 404 otherwise."""
    items = AgendaItem.objects.filter(session__in=access_sessions_for_user(user, membership))
    if for_update:
        items = AgendaItem.objects.select_for_update(of=("self",)).filter(pk__in=items.values("pk"))
    item = items.select_related("session", "dossier").filter(pk=item_id).first()
    if item is None:
        raise Http404("Dossier introuvable à l'ordre du jour.")
    return item


def can_read_summaries(session: CommissionSession, membership: Membership | None) -> bool:
    """The summaries are rebuilt from the dossier's current data: a commission member reads
    them while the session is open only (then the frozen minutes remain); the CCAS staff
    always."""
    if membership is None:
        return False
    return membership.role in DOSSIER_STAFF_ROLES or session.closed_at is None


def summary_item_for_user_or_404(
    user: User, membership: Membership | None, item_id: int
) -> AgendaItem:
    """The agenda item whose summary `user` may read; 404 otherwise (a commission member, once
    the session is closed)."""
    item = agenda_item_for_user_or_404(user, membership, item_id)
    if not can_read_summaries(item.session, membership):
        raise Http404("Dossier introuvable à l'ordre du jour.")
    return item


# The session list: the open sessions to come (a handful; the soonest SESSION_PAGE_SIZE), then
# the past or closed ones a page at a time, the latest first (the index on organisation, date).
SESSION_PAGE_SIZE = 25


@dataclass(frozen=True)
class SessionLists:
    upcoming: list[CommissionSession]
    past: Page[CommissionSession]


def session_lists(
    user: User, membership: Membership | None, today: date, page_number: Any = None
) -> SessionLists:
    """Open sessions to come (soonest first) and a page of the closed or past ones (latest
    first): three queries (the upcoming, the past's count and page) whatever their number."""
    sessions = access_sessions_for_user(user, membership).select_related("closed_by")
    is_upcoming = Q(closed_at__isnull=True, date__gte=today)
    upcoming = list(sessions.filter(is_upcoming).order_by("date", "pk")[:SESSION_PAGE_SIZE])
    past: Page[CommissionSession] = Paginator(
        sessions.exclude(is_upcoming).order_by("-date", "-pk"), SESSION_PAGE_SIZE
    ).get_page(page_number)
    return SessionLists(upcoming=upcoming, past=past)


def session_members(session: CommissionSession) -> list[SessionMember]:
    """The members of the session, by name (one query)."""
    return list(
        SessionMember.objects.filter(session=session)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )


def agenda(session: CommissionSession) -> list[AgendaItem]:
    """The agenda with each dossier and who recorded the decision: one query whatever its size."""
    return list(
        AgendaItem.objects.filter(session=session)
        .select_related("dossier", "dossier__programme", "decided_by")
        .order_by("position", "id")
    )


def member_choices(organisation_id: int, *, session_id: int | None = None) -> QuerySet[User]:
    """The people who may sit on a session of the organisation: the active members of the
    commission and the director, and those already sitting on the session `session_id` (kept
    even once their membership has ended)."""
    may_sit = Q(
        memberships__organisation_id=organisation_id,
        memberships__role__in=MEMBER_ROLES,
        memberships__active=True,
        is_active=True,
    )
    if session_id is not None:
        may_sit |= Q(pk__in=SessionMember.objects.filter(session_id=session_id).values("user"))
    return User.objects.filter(may_sit).distinct().order_by("last_name", "first_name", "username")


def is_present_member(session: CommissionSession, user: User) -> bool:
    return SessionMember.objects.filter(session=session, user=user, present=True).exists()


def can_decide(session: CommissionSession, user: User, membership: Membership | None) -> bool:
    """Someone who sits on the open session and is marked present there: a commission member
    or the director of the CCAS (the minutes name who decided among the present)."""
    if session.closed_at is not None or membership is None:
        return False
    if membership.organisation_id != session.organisation_id or membership.role not in MEMBER_ROLES:
        return False
    return is_present_member(session, user)


def can_manage(session: CommissionSession | None, membership: Membership | None) -> bool:
    """The agent administratif or the director of the session's CCAS."""
    if membership is None or membership.role not in MANAGER_ROLES:
        return False
    return session is None or membership.organisation_id == session.organisation_id


def dossiers_ready_to_lock(organisation_id: int) -> QuerySet[Dossier]:
    """Dossiers of the organisation ready for the commission, wherever they are on an agenda:
    the rows to lock before asking whether they are free (see `dossiers_ready`)."""
    return Dossier.objects.filter(
        organisation_id=organisation_id, state=DossierState.READY_FOR_COMMITTEE
    ).order_by("state_changed_at", "id")


def dossiers_ready(organisation_id: int, *, session_id: int | None = None) -> QuerySet[Dossier]:
    """Dossiers of the organisation ready for the commission that wait for no decision on an
    open session's agenda (a decision already made there does not hold them back), nor are on
    the agenda of the session `session_id`, when given."""
    awaiting = AgendaItem.objects.filter(session__closed_at__isnull=True, decision="")
    if session_id is not None:
        awaiting = awaiting | AgendaItem.objects.filter(session_id=session_id)
    return dossiers_ready_to_lock(organisation_id).exclude(pk__in=awaiting.values("dossier"))


def agenda_choice_labeller(organisation_id: int) -> Callable[[Dossier], str]:
    """The label of each dossier offered for the agenda: its number, the applicant's initials
    (the commission's pages name nobody), the amount asked for and the project. The dossiers
    come with their applicant (the form's select_related); the parameter versions that
    name the projects are read once, on the first label: the form's query count stays fixed."""
    versions: list[ProgrammeVersion] | None = None

    def label(dossier: Dossier) -> str:
        nonlocal versions
        if versions is None:
            versions = list(
                ProgrammeVersion.objects.filter(
                    programme__organisation_id=organisation_id
                ).order_by("-valid_from", "-pk")
            )
        version = next(
            (
                v
                for v in versions
                if v.programme_id == dossier.programme_id
                and v.valid_from <= dossier.application_date
            ),
            None,
        )
        purpose = dossier.purpose_category
        if version is not None:
            purpose = (
                version.subcategory_label(dossier.purpose_category, dossier.purpose_subcategory)
                if dossier.purpose_subcategory
                else version.purpose_label(dossier.purpose_category)
            )
        applicant = dossier.applicant
        amount = (
            format_eur(dossier.requested_amount)
            if dossier.requested_amount is not None
            else _("montant à préciser")
        )
        return agenda_choice_label(
            dossier.number, initials(applicant.first_name, applicant.last_name), amount, purpose
        )

    return label


def version_key(dossier: Dossier) -> tuple[int, date]:
    return (dossier.programme_id, dossier.application_date)


def versions_in_force(
    keys: Iterable[tuple[int, date]],
) -> dict[tuple[int, date], ProgrammeVersion | None]:
    """For each (programme, date), the version in force on that date (as `version_in_force`):
    one query whatever the number of pairs."""
    wanted = set(keys)
    if not wanted:
        return {}
    versions = list(
        ProgrammeVersion.objects.filter(
            programme_id__in={programme_id for programme_id, _ in wanted}
        ).order_by("-valid_from", "-pk")
    )
    return {
        (programme_id, on): next(
            (v for v in versions if v.programme_id == programme_id and v.valid_from <= on), None
        )
        for programme_id, on in wanted
    }


def reorientation_schemes(items: Iterable[AgendaItem]) -> dict[int, list[dict[str, str]]]:
    """For each agenda item, the reorientation schemes its dossier may be sent to: those of the
    dossier's programme in force on its application date (what the dossier's move checks); one
    query whatever the agenda."""
    items = list(items)
    versions = versions_in_force(version_key(item.dossier) for item in items)
    return {
        item.pk: list(version.reorientation_schemes)
        if (version := versions[version_key(item.dossier)]) is not None
        else []
        for item in items
    }


# --- What the free text shown to the commission must not show ---------------------------------

_APPLICANT_FIELDS = (
    "last_name",
    "first_name",
    "birth_date",
    "address",
    "postcode",
    "commune_name",
    "phone",
    "email",
)


def personal_data(
    applicant: Applicant, relatives: Iterable[HouseholdMember | BudgetPerson]
) -> PersonalData:
    """The names, address, contacts and birth dates of the applicant, and the first names and
    birth dates of her household (in the file and in the budgets): masked in every free text
    the commission reads."""
    relatives = list(relatives)
    return PersonalData(
        names=(
            applicant.last_name,
            applicant.first_name,
            *(r.first_name for r in relatives),
        ),
        addresses=(applicant.address,),
        postcodes=(applicant.postcode,),
        communes=(applicant.commune_name,),
        phones=(applicant.phone,),
        emails=(applicant.email,),
        birth_dates=(applicant.birth_date, *(r.birth_date for r in relatives)),
    )


def translated_masks() -> Masks:
    return Masks(
        name=_("[nom masqué]"),
        address=_("[adresse masquée]"),
        phone=_("[téléphone masqué]"),
        email=_("[e-mail masqué]"),
        birth_date=_("[date de naissance masquée]"),
        nir=_("[numéro de sécurité sociale masqué]"),
    )


# --- The minimised summary ---------------------------------------------------------------------


def _simulation(
    dossier: Dossier, version: ProgrammeVersion | None, on: date
) -> tuple[Decimal | None, Decimal | None, Decimal | None]:
    """Installment, total interest and TAEG of the loan asked for, at the programme's rate."""
    if version is None or dossier.requested_amount is None or not dossier.requested_months:
        return None, None, None
    try:
        terms = loan_terms(
            principal=dossier.requested_amount,
            rate_percent=version.nominal_rate_percent,
            months=dossier.requested_months,
            disbursement_date=on,
            deferral_months=dossier.requested_deferral_months,
            deferral_kind=dossier.requested_deferral_kind,
        )
        schedule = build_schedule(terms)
        return schedule.installment, schedule.total_interest, annual_percentage_rate(schedule)
    except LoanEngineError:
        return None, None, None


def dossier_summary(
    dossier: Dossier, *, position: int | None = None, on: date | None = None
) -> DossierSummary:
    """The minimised, pseudonymised summary of `dossier` for the commission.

    `on` is the session's date: the ages are computed on it and the simulated loan starts on it.
    """
    on = on or dossier.application_date
    version = version_in_force(dossier.programme, dossier.application_date)
    applicant = dossier.applicant
    panel = budget_panel(dossier, version)
    budget = panel.budget

    # The household as counts and ages: from the budget (who it counts) or else the file.
    members = list(applicant.members.all())
    budget_persons = list(budget.persons.all()) if budget is not None else []
    if budget is not None:
        persons = [(p.role, p.birth_date) for p in budget_persons]
        children = sum(1 for role, _ in persons if role == MemberRole.CHILD)
    else:
        persons = [("applicant", applicant.birth_date)] + [
            (m.relationship, m.birth_date) for m in members
        ]
        children = sum(1 for m in members if m.relationship == "child")
    ages = sorted((age_on(birth, on) for _, birth in persons), reverse=True)
    # The free text may name, locate or reach the person or her household: masked.
    personal = personal_data(applicant, [*members, *budget_persons])
    masks = translated_masks()

    def masked(text: str) -> str:
        return mask_personal_data(text, personal, masks)

    installment, total_interest, apr = _simulation(dossier, version, on)
    summary_values: dict[str, object] = {}
    if budget is not None:
        resources: list[tuple[str, Decimal]] = []
        charges: list[tuple[str, Decimal]] = []
        for line in budget.lines.all():
            (resources if line.kind == LineKind.RESOURCE else charges).append(
                (line.type_label, line.amount)
            )
        summary_values.update(
            budget_month=budget.month,
            resources=sum_rows(resources),
            charges=sum_rows(charges),
            budget_problems=[masked(problem) for problem in panel.problems],
        )
        if panel.figures is not None:
            summary_values.update(
                total_resources=panel.figures.total_resources,
                total_charges=panel.figures.total_charges,
                remaining_income=panel.figures.remaining_income,
                remaining_per_uc_per_day=panel.figures.remaining_per_uc_per_day,
                debt_ratio_before_percent=panel.figures.debt_ratio_before_percent,
            )
        if panel.assessment is not None:
            assessment = panel.assessment
            summary_values.update(
                remaining_income_after=assessment.remaining_income
                - assessment.requested.max_payment,
                remaining_per_uc_per_day_after=assessment.remaining_per_uc_per_day_after,
                debt_ratio_after_percent=assessment.debt_ratio_after_percent,
                capacity=assessment.capacity.amount,
                diagnostic_verdict=assessment.verdict_label,
            )
        opinion = panel.opinions[0] if panel.opinions else None
        if opinion is not None:
            summary_values["opinion"] = Opinion(
                verdict=opinion.get_verdict_display(),
                reason=masked(opinion.reason),
                at=opinion.at.date(),
            )
        rights = rights_panel(dossier, budget)
        if rights.record is not None and rights.rows:
            summary_values["rights_month"] = rights.record.month
            summary_values["rights"] = [
                RightRow(
                    label=row.right.label,
                    estimate=row.right.headline,
                    outcome=row.outcome.get_outcome_display() if row.outcome else "",
                )
                for row in rights.rows
            ]

    eligibility = dossier.eligibility
    return DossierSummary(
        number=dossier.number,
        position=position,
        state_label=dossier.get_state_display(),
        purpose_label=version.purpose_label(dossier.purpose_category)
        if version
        else dossier.purpose_category,
        subcategory_label=version.subcategory_label(
            dossier.purpose_category, dossier.purpose_subcategory
        )
        if version and dossier.purpose_subcategory
        else "",
        project_description=masked(dossier.project_description),
        project_cost=dossier.project_cost,
        requested_amount=dossier.requested_amount,
        requested_months=dossier.requested_months,
        deferral_months=dossier.requested_deferral_months,
        deferral_label=dossier.get_requested_deferral_kind_display()
        if dossier.requested_deferral_months
        else "",
        nominal_rate_percent=version.nominal_rate_percent if version else None,
        installment=installment,
        total_interest=total_interest,
        apr_percent=apr,
        family_situation=applicant.get_family_situation_display(),
        activity=applicant.get_activity_display(),
        housing=applicant.get_housing_status_display(),
        adults=len(persons) - children,
        children=children,
        ages=ages,
        # « 2 critères non remplis sur 7 : montant, durée »: how many, and which.
        eligibility=eligibility_headline(eligibility_tally(eligibility.criteria))
        if eligibility
        else "",
        eligibility_criteria=[
            (c["label"], _CRITERION_LABELS.get(c["outcome"], c["outcome"]))
            for c in (eligibility.criteria if eligibility else [])
        ],
        no_ordinary_credit=dossier.no_ordinary_credit,
        **summary_values,  # type: ignore[arg-type]
    )


def agenda_item_summary(item: AgendaItem) -> DossierSummary:
    dossier = (
        Dossier.objects.select_related("programme", "applicant", "eligibility")
        .prefetch_related("applicant__members")
        .get(pk=item.dossier_id)
    )
    return dossier_summary(dossier, position=item.position, on=item.session.date)


# --- The minutes -------------------------------------------------------------------------------


def personal_data_to_mask(dossier_ids: Iterable[int]) -> dict[int, PersonalData]:
    """For each dossier, what its free text must not show (`personal_data`); three queries
    whatever the number of dossiers."""
    ids = set(dossier_ids)
    if not ids:
        return {}
    dossiers = list(
        Dossier.objects.filter(pk__in=ids)
        .select_related("applicant")
        .only("pk", *(f"applicant__{name}" for name in _APPLICANT_FIELDS))
    )
    relatives: dict[int, list[HouseholdMember | BudgetPerson]] = {pk: [] for pk in ids}
    for member in HouseholdMember.objects.filter(applicant__dossiers__in=ids).annotate(
        dossier_pk=F("applicant__dossiers")
    ):
        relatives[member.dossier_pk].append(member)
    for person in BudgetPerson.objects.filter(budget__dossier_id__in=ids).annotate(
        dossier_pk=F("budget__dossier_id")
    ):
        relatives[person.dossier_pk].append(person)
    return {d.pk: personal_data(d.applicant, relatives[d.pk]) for d in dossiers}


def masked_decision_reasons(items: Iterable[AgendaItem]) -> dict[int, str]:
    """Each decided item's reason, the personal details of the person and her household
    masked."""
    with_reason = [item for item in items if item.decision_reason]
    personal = personal_data_to_mask(item.dossier_id for item in with_reason)
    masks = translated_masks()
    return {
        item.pk: mask_personal_data(item.decision_reason, personal[item.dossier_id], masks)
        for item in with_reason
    }


def sessions_of_dossier(
    user: User, membership: Membership | None, dossier_id: int
) -> QuerySet[AgendaItem]:
    """The dossier's agenda items on sessions `user` may see (a panel of the dossier page)."""
    return (
        AgendaItem.objects.filter(
            dossier_id=dossier_id, session__in=access_sessions_for_user(user, membership)
        )
        .select_related("session")
        .order_by("session__date", "session_id")
    )


def committee_item_for_dossier(
    user: User, membership: Membership | None, dossier_id: int
) -> int | None:
    """For a commission member: the agenda item of the dossier on the latest open session they
    sit on (its pseudonymised summary is their view of the dossier); None otherwise."""
    if membership is None or membership.role != Role.COMMITTEE_MEMBER or not membership.active:
        return None
    return (
        AgendaItem.objects.filter(
            dossier_id=dossier_id,
            dossier__organisation_id=membership.organisation_id,
            session__members=user,
            session__closed_at__isnull=True,
        )
        .order_by("-session__date", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
