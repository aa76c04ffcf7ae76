"""Reads of dossiers, starting with the one permission funnel every view goes through."""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from microcredit.accounts.enums import DOSSIER_STAFF_ROLES, Role
from microcredit.accounts.models import Membership, User
from microcredit.core.cache import cached
from microcredit.core.text import fold
from microcredit.dossiers import rules
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier, DossierEvent, DossierShare
from microcredit.dossiers.workflow import FINAL_STATES
from microcredit.programmes.models import ProgrammeVersion
from microcredit.simulator.rules import Criterion, Outcome


def access_dossiers_for_user(user: User, membership: Membership | None) -> QuerySet[Dossier]:
    """The dossiers `user` may see in their active role; one condition per role.

    - CCAS staff (référent, agent, directeur·rice): the dossiers of their organisation;
    - a partner social worker: the dossiers shared with them;
    - a bank adviser: the dossiers transmitted to their bank (the one of the day of the
      transmission, even if the scheme changed partner since);
    - a commission member: the dossiers on the agenda of an open session they sit on (once the
      session is closed, only its frozen minutes remain theirs to read).
    """
    dossiers = Dossier.objects.all()
    if membership is None or not membership.active or membership.user_id != user.pk:
        return dossiers.none()
    role = membership.role
    if role in DOSSIER_STAFF_ROLES:
        return dossiers.filter(organisation_id=membership.organisation_id)
    if role == Role.PARTNER_WORKER:
        return dossiers.filter(pk__in=DossierShare.objects.filter(worker=user).values("dossier"))
    if role == Role.BANK_ADVISER:
        return dossiers.filter(
            bank_id=membership.organisation_id, bank_transmitted_at__isnull=False
        )
    if role == Role.COMMITTEE_MEMBER:
        # `agenda_items` is the commissions app's relation to the dossier (it sits above).
        on_agenda = Dossier.objects.filter(
            agenda_items__session__members=user, agenda_items__session__closed_at__isnull=True
        ).values("pk")
        return dossiers.filter(organisation_id=membership.organisation_id, pk__in=on_agenda)
    return dossiers.none()


def dossier_for_user_or_404(
    user: User, membership: Membership | None, dossier_id: int, *, for_update: bool = False
) -> Dossier:
    """The dossier if `user` may see it; 404 otherwise (never say that it exists)."""
    return dossier_among_or_404(
        access_dossiers_for_user(user, membership), dossier_id, for_update=for_update
    )


def dossier_among_or_404(
    dossiers: QuerySet[Dossier], dossier_id: int, *, for_update: bool = False
) -> Dossier:
    """The dossier among those a funnel lets through; 404 otherwise (never say it exists)."""
    if for_update:
        # Lock the row itself; the funnel's joins stay in a subquery (PostgreSQL refuses
        # FOR UPDATE on the nullable side of an outer join).
        dossiers = Dossier.objects.select_for_update().filter(pk__in=dossiers.values("pk"))
    dossier = dossiers.filter(pk=dossier_id).first()
    if dossier is None:
        raise Http404("Dossier introuvable.")
    return dossier


def evaluate_eligibility(
    dossier: Dossier, version: ProgrammeVersion
) -> tuple[Outcome, tuple[Criterion, ...]]:
    """The pure eligibility rules applied to the dossier's current data and `version`."""
    applicant = dossier.applicant
    return rules.check_dossier_eligibility(
        rules.EligibilityInput(
            application_date=dossier.application_date,
            birth_date=applicant.birth_date,
            commune_code=applicant.commune_code,
            postcode=applicant.postcode,
            purpose_category=dossier.purpose_category,
            purpose_subcategory=dossier.purpose_subcategory,
            requested_amount=dossier.requested_amount,
            requested_months=dossier.requested_months,
            deferral_months=dossier.requested_deferral_months,
            deferral_kind=dossier.requested_deferral_kind,
            no_ordinary_credit=dossier.no_ordinary_credit,
            no_ordinary_credit_evidence=dossier.no_ordinary_credit_evidence,
        ),
        rules.SchemeBounds(
            territory=version.territory,
            purposes=version.purposes,
            excluded=version.excluded_purposes,
            min_amount=version.min_amount,
            max_amount=version.max_amount,
            min_months=version.min_months,
            max_months=version.max_months,
            max_deferral_months=version.max_deferral_months,
            allow_interest_only_deferral=version.allow_interest_only_deferral,
            allow_capitalised_deferral=version.allow_capitalised_deferral,
        ),
    )


def loan_bounds(version: ProgrammeVersion) -> rules.LoanBounds:
    return rules.LoanBounds(
        min_amount=version.min_amount,
        max_amount=version.max_amount,
        min_months=version.min_months,
        max_months=version.max_months,
        max_deferral_months=version.max_deferral_months,
    )


def dossier_request_warnings(
    dossier: Dossier, version: ProgrammeVersion | None
) -> tuple[rules.RequestWarning, ...]:
    """What the loan asked for has outside the bounds of `version` (recomputed from the
    dossier's values, never stored: it follows each edit)."""
    if version is None:
        return ()
    return rules.request_warnings(
        dossier.requested_amount,
        dossier.requested_months,
        dossier.requested_deferral_months,
        loan_bounds(version),
    )


def other_open_dossiers(
    applicant_id: int, *, exclude_dossier_id: int | None = None
) -> list[Dossier]:
    """The applicant's dossiers not yet in a final state, but `exclude_dossier_id` (one query).
    For the CCAS's staff only: the applicant is theirs, so are the applicant's dossiers."""
    dossiers = Dossier.objects.filter(applicant_id=applicant_id).exclude(state__in=FINAL_STATES)
    if exclude_dossier_id is not None:
        dossiers = dossiers.exclude(pk=exclude_dossier_id)
    return list(dossiers.order_by("application_date", "id"))


PAGE_SIZE = 25


# A dossier number as typed in the search box, whole or its beginning: « MC-2026-00042 »,
# « mc-2026-000 », « MC 2026 », « 2026-00042 » (the platform's prefix then assumed).
_NUMBER_TYPED = re.compile(r"(?:([A-Za-z]{1,5})[-\s]?)?(\d{4})(?:[-\s](\d{0,5}))?")
_SEQUENCE_DIGITS = 5  # rules.format_dossier_number


# How a number searched is looked up: the whole number, its beginning, or the end of its
# sequence (« 42 », « 00042 »: the dossier of that sequence number in any year).
EXACT, PREFIX, SEQUENCE = "exact", "prefix", "sequence"
_SEQUENCE_TYPED = re.compile(rf"\d{{1,{_SEQUENCE_DIGITS}}}")


def number_searched(text: str) -> tuple[str, str] | None:
    """The dossier number a search looks for and how (EXACT, PREFIX or SEQUENCE: the value is
    then the number's end, « -00042 »); None when the text is not a number (a name search)."""
    text = text.strip()
    if _SEQUENCE_TYPED.fullmatch(text):
        return f"-{text.zfill(_SEQUENCE_DIGITS)}", SEQUENCE
    match = _NUMBER_TYPED.fullmatch(text)
    if match is None:
        return None
    prefix, year, sequence = match.groups()
    number = f"{(prefix or rules.NUMBER_PREFIX).upper()}-{year}"
    if sequence is None:
        return number, PREFIX
    whole = len(sequence) == _SEQUENCE_DIGITS
    return f"{number}-{sequence}", EXACT if whole else PREFIX


def _searched(dossiers: QuerySet[Dossier], text: str) -> QuerySet[Dossier]:
    """A number searched by an indexed lookup on the number (exact, prefix, or the sequence's
    end under the number's trigram index); anything else by the applicant's name, each folded
    word anywhere in it (a trigram index on PostgreSQL). Never both at once: an OR between them
    would read every dossier."""
    number = number_searched(text)
    if number is not None:
        value, how = number
        if how == EXACT:
            return dossiers.filter(number=value)
        if how == PREFIX:
            return dossiers.filter(number__startswith=value)
        return dossiers.filter(number__endswith=value)
    words = fold(text).split()
    if not words:
        return dossiers.none()
    for word in words:
        dossiers = dossiers.filter(applicant__search_name__contains=word)
    return dossiers


@dataclass(frozen=True)
class ListFilters:
    """The dossier list's filters that the bilan's figures link to (each narrows the visible
    dossiers; the access rules apply first). Empty values filter nothing."""

    received_from: date | None = None  # application date, inclusive
    received_to: date | None = None
    programme_id: int | None = None
    # A funnel stage reached (rules.FUNNEL_STAGES), by the end of `received_to` when given.
    stage: str = ""
    disbursed_from: date | None = None  # the loan's disbursement date, inclusive
    disbursed_to: date | None = None
    purpose_category: str = ""
    referent_id: int | None = None
    without_referent: bool = False
    reorientation: str = ""  # the target scheme's code
    open_only: bool = False  # still in a référent's caseload (not rules.OUT_OF_CASELOAD_STATES)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


def _filtered(dossiers: QuerySet[Dossier], filters: ListFilters) -> QuerySet[Dossier]:
    if filters.received_from is not None:
        dossiers = dossiers.filter(application_date__gte=filters.received_from)
    if filters.received_to is not None:
        dossiers = dossiers.filter(application_date__lte=filters.received_to)
    if filters.programme_id is not None:
        dossiers = dossiers.filter(programme_id=filters.programme_id)
    states = rules.states_reaching(filters.stage)
    if states is not None:
        events = DossierEvent.objects.filter(dossier=OuterRef("pk"), to_state__in=states)
        if filters.received_to is not None:
            until = datetime.combine(filters.received_to + timedelta(days=1), time.min)
            events = events.filter(at__lt=timezone.make_aware(until))
        dossiers = dossiers.filter(Exists(events))
    # The loan is the app above (loans.Loan.dossier, related name « loan »): read by its name.
    if filters.disbursed_from is not None:
        dossiers = dossiers.filter(loan__disbursement_date__gte=filters.disbursed_from)
    if filters.disbursed_to is not None:
        dossiers = dossiers.filter(loan__disbursement_date__lte=filters.disbursed_to)
    if filters.purpose_category:
        dossiers = dossiers.filter(purpose_category=filters.purpose_category)
    if filters.referent_id is not None:
        dossiers = dossiers.filter(referent_id=filters.referent_id)
    if filters.without_referent:
        dossiers = dossiers.filter(referent__isnull=True)
    if filters.reorientation:
        dossiers = dossiers.filter(reorientation_scheme=filters.reorientation)
    if filters.open_only:
        dossiers = dossiers.exclude(state__in=rules.OUT_OF_CASELOAD_STATES)
    return dossiers


def dossier_list(
    user: User,
    membership: Membership | None,
    *,
    state: str = "",
    query: str = "",
    mine: bool = False,
    filters: ListFilters | None = None,
) -> QuerySet[Dossier]:
    """The list page's rows: visible dossiers, filtered, with what each row shows (no N+1)."""
    dossiers = access_dossiers_for_user(user, membership).select_related(
        "applicant", "referent", "programme"
    )
    if filters:
        dossiers = _filtered(dossiers, filters)
    if state:
        dossiers = dossiers.filter(state=state)
    if mine:
        dossiers = dossiers.filter(referent=user)
    text = query.strip()
    if text:
        dossiers = _searched(dossiers, text)
    return dossiers.order_by("-state_changed_at", "-id")


# How long counts per state stay cached at most (a change of state renews them at once; a
# dossier imported with a past date or deleted shows within that delay).
COUNTS_TTL_SECONDS = 300


def counts_by_state(dossiers: QuerySet[Dossier], scope: str) -> dict[str, int]:
    """How many of `dossiers` are in each state, counted once per change: the counts are cached
    under `scope` (who sees these dossiers), the latest state change among them (its instant and
    dossier, the first entry of a list index: every move of state sets it to now) and the newest
    dossier of the platform (an import's dossiers keep their past dates), so that a page reads
    two index entries instead of counting 100,000 rows (43–85 ms, #19); recounted when one of
    them changes, or after COUNTS_TTL_SECONDS (a dossier deleted)."""
    newest = Dossier.objects.order_by("-id").values("id")[:1]
    latest = (
        dossiers.order_by("-state_changed_at", "-id")
        .annotate(newest=Subquery(newest))
        .values_list("state_changed_at", "id", "newest")
        .first()
    )
    if latest is None:
        return {}
    changed_at, changed_id, newest_id = latest
    key = f"dossiers:state_counts:{scope}:{changed_at.isoformat()}:{changed_id}:{newest_id}"

    def count() -> dict[str, int]:
        rows = dossiers.order_by().values("state").annotate(n=Count("id"))
        return {row["state"]: row["n"] for row in rows}

    return cached(key, COUNTS_TTL_SECONDS, count)


def state_counts(user: User, membership: Membership | None) -> dict[str, int]:
    """How many visible dossiers are in each state (one indexed read, and one count query when
    something changed: counts_by_state)."""
    if membership is None:
        return {}
    scope = (
        f"organisation-{membership.organisation_id}"
        if membership.role in DOSSIER_STAFF_ROLES
        else f"membership-{membership.pk}"
    )
    return counts_by_state(access_dossiers_for_user(user, membership), scope)


def referent_state_counts(user: User, membership: Membership | None) -> dict[str, int]:
    """How many of the référent's own visible dossiers are in each state (« mes dossiers »;
    counted as state_counts)."""
    if membership is None:
        return {}
    dossiers = access_dossiers_for_user(user, membership).filter(referent=user)
    return counts_by_state(dossiers, f"referent-{membership.organisation_id}-{user.pk}")


def reorientation_counts(user: User, membership: Membership | None) -> list[dict[str, Any]]:
    """Reoriented dossiers by target scheme, most frequent first (one query)."""
    rows = (
        access_dossiers_for_user(user, membership)
        .filter(state=DossierState.REORIENTED)
        .order_by()
        .values("reorientation_label")
        .annotate(n=Count("id"))
        .order_by("-n", "reorientation_label")
    )
    return [{"label": row["reorientation_label"] or "—", "count": row["n"]} for row in rows]
