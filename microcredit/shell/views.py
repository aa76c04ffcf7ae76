"""The application shell: home page per role, the dossier page (composed from the apps that
hang off a dossier), health check, organisation theme and logo."""

from __future__ import annotations

import mimetypes
from datetime import date
from typing import Any

from django.db import DatabaseError, connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from microcredit.accounts.access import authenticated, public, roles_required
from microcredit.accounts.enums import DOSSIER_ROLES, DOSSIER_STAFF_ROLES, Role
from microcredit.accounts.http import AuthenticatedRequest, MemberRequest
from microcredit.accounts.models import Membership
from microcredit.budgets.views import budget_section
from microcredit.commissions.selectors import committee_item_for_dossier, sessions_of_dossier
from microcredit.core.enums import AccessAction
from microcredit.core.services import access_log_create
from microcredit.documents.forms import UploadForm
from microcredit.documents.services import document_kinds
from microcredit.dossiers import selectors as dossier_selectors
from microcredit.dossiers.forms import ConsentForm, ShareForm, TransitionForm
from microcredit.dossiers.workflow import EDITABLE_STATES
from microcredit.letters.selectors import letters_for_dossier
from microcredit.organisations.models import Organisation
from microcredit.privacy.selectors_access_log import privacy_figures
from microcredit.programmes import selectors as programme_selectors
from microcredit.rights.views import rights_section
from microcredit.servicing.selectors.alerts import unhandled_alerts
from microcredit.shell import selectors as queue_selectors
from microcredit.shell.selectors import DossierPage, dossier_page

HOME_TEMPLATES: dict[str, str] = {
    Role.REFERENT: "shell/home/referent.html",
    Role.AGENT: "shell/home/agent.html",
    Role.DIRECTOR: "shell/home/director.html",
    Role.COMMITTEE_MEMBER: "shell/home/committee_member.html",
    Role.BANK_ADVISER: "shell/home/bank_adviser.html",
    Role.PARTNER_WORKER: "shell/home/partner_worker.html",
    Role.ADMIN: "shell/home/admin.html",
    Role.DPO: "shell/home/dpo.html",
}

# The nightly arrears job's alerts go to the dossier's référent and the bank adviser who
# recorded the cheque: their work queues list those not handled yet.
ALERT_ROLES = (Role.REFERENT, Role.BANK_ADVISER)


@authenticated
def home(request: AuthenticatedRequest) -> HttpResponse:
    """The role's work queues: what it has to do, the most urgent first, each row linking to
    the page where it is handled (the counts per state stay on the lists)."""
    membership = request.membership
    if membership is None:
        return render(request, "shell/home/no_membership.html")
    today = timezone.localdate()
    context: dict[str, Any] = {"membership": membership, "today": today}
    if membership.role in (Role.DIRECTOR, Role.REFERENT, Role.AGENT, Role.ADMIN, Role.DPO):
        context["programmes"] = programme_selectors.programme_overviews_for_membership(
            membership, today
        )
    if membership.role in DOSSIER_ROLES:
        queues = _todo(request, membership, today, context.get("programmes", []))
        context.update(queues)
        context["todo_empty"] = not any(queue.total for queue in queues.values())
        if membership.role != Role.COMMITTEE_MEMBER and not context["todo_empty"]:
            # The queues name applicants and borrowers (the commission's shows numbers only).
            access_log_create(
                user=request.user, action=AccessAction.DOSSIER_LIST, detail="files de travail"
            )
    if membership.role == Role.DPO:
        context["privacy"] = privacy_figures(membership.organisation_id, today)
    if membership.role == Role.DIRECTOR:
        context["figures"] = queue_selectors.month_figures(request.user, membership, today)
        context["reorientations"] = dossier_selectors.reorientation_counts(
            request.user,
            membership,
        )
    return render(request, HOME_TEMPLATES[membership.role], context)


def _todo(
    request: AuthenticatedRequest,
    membership: Membership,
    today: date,
    programmes: list[programme_selectors.ProgrammeOverview],
) -> dict[str, Any]:
    """The work queues of the member's role, by name, each with its `total` (shell.selectors, a
    fixed number of queries each)."""
    user, organisation_id = request.user, membership.organisation_id
    role = membership.role
    queues: dict[str, Any] = {}
    if role in ALERT_ROLES:
        queues["alerts"] = unhandled_alerts(user)  # its own bound (servicing)
    if role == Role.REFERENT:
        queues["appointments"] = queue_selectors.appointments_of_day(user, organisation_id, today)
        queues["requests"] = queue_selectors.requests_to_answer(membership)
        queues["waiting"] = queue_selectors.dossiers_waiting_on(user, organisation_id)
        queues["proofs"] = queue_selectors.proofs_to_collect(user, organisation_id)
    elif role == Role.AGENT:
        queues["requests"] = queue_selectors.requests_to_answer(membership)
        queues["documents"] = queue_selectors.dossiers_missing_documents(organisation_id)
        queues["sessions"] = queue_selectors.sessions_to_prepare(organisation_id, today)
        queues["letters"] = queue_selectors.letters_pending(organisation_id)
    elif role == Role.DIRECTOR:
        queues["decisions"] = queue_selectors.sessions_to_decide(user, organisation_id, today)
        queues["usury"] = queue_selectors.outdated_usury(programmes, today)
        queues["to_close"] = queue_selectors.dossiers_to_close(organisation_id)
    elif role == Role.COMMITTEE_MEMBER:
        queues["next_session"] = queue_selectors.next_session(user, organisation_id)
    elif role == Role.BANK_ADVISER:
        queues["to_decide"] = queue_selectors.bank_to_decide(user, membership)
        queues["cheques"] = queue_selectors.cheques_to_issue(user, membership)
        queues["plans"] = queue_selectors.plans_to_decide(user, membership)
    elif role == Role.PARTNER_WORKER:
        queues["shared"] = queue_selectors.shared_dossiers(user, membership, today)
    return queues


@public
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The platform's health, for monitoring and load balancers (docs/operations.md, « /healthz »).

    - 200 `ok`: the database answers and no background task waits for too long;
    - 503 `degraded`: the database answers but tasks ready to run have waited longer than
      `TASK_QUEUE_STALE_AFTER` without the worker (`microcredit db_worker`) starting them: their
      count and the oldest one's wait in seconds are given;
    - 503 `error`: the database does not answer.

    `?check=database` leaves the task queue out (for a load balancer, which must not take a web
    server out of service because the worker is down). One query for the queue, on the partial
    index of the ready tasks."""
    from django.conf import settings
    from django.db.models import Case, Count, F, Min, When
    from django.db.models.functions import Greatest
    from django_tasks_db.models import DBTaskResult, get_date_max

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "indisponible"}, status=503)
    if request.GET.get("check") == "database":
        return JsonResponse({"status": "ok", "database": "ok"})
    now = timezone.now()
    stale_after = settings.TASK_QUEUE_STALE_AFTER
    try:
        # A task is due from its enqueueing, or from its run_after if later (the maximal date
        # stands for « no delay »).
        waiting = (
            DBTaskResult.objects.filter(status="READY")
            .annotate(
                due_since=Case(
                    When(run_after=get_date_max(), then=F("enqueued_at")),
                    default=Greatest(F("enqueued_at"), F("run_after")),
                )
            )
            .filter(due_since__lte=now - stale_after)
            .aggregate(count=Count("pk"), oldest=Min("due_since"))
        )
    except DatabaseError:
        return JsonResponse(
            {"status": "error", "database": "ok", "tasks": "indisponible"}, status=503
        )
    if waiting["count"]:
        tasks = {
            "stale": waiting["count"],
            "oldest_wait_seconds": int((now - waiting["oldest"]).total_seconds()),
            "stale_after_seconds": int(stale_after.total_seconds()),
        }
        return JsonResponse({"status": "degraded", "database": "ok", "tasks": tasks}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@public
@require_GET
@cache_control(max_age=300)
def theme_css(request: HttpRequest, slug: str) -> HttpResponse:
    """The organisation's colour as CSS custom properties (no inline style: strict CSP)."""
    organisation = get_object_or_404(Organisation, slug=slug)
    colour = organisation.theme_colour
    # Pico declares its colours on `:root:not([data-theme=dark])`: match its specificity.
    css = (
        ":root:not([data-theme=dark]),:root{"
        f"--mc-primary:{colour};"
        f"--pico-primary:{colour};--pico-primary-background:{colour};"
        f"--pico-primary-border:{colour};--pico-primary-underline:{colour};"
        "}\n"
    )
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@public
@require_GET
@cache_control(max_age=3600)
def organisation_logo(request: HttpRequest, slug: str) -> FileResponse:
    organisation = get_object_or_404(Organisation, slug=slug)
    if not organisation.logo:
        raise Http404("Pas de logo.")
    content_type = mimetypes.guess_type(organisation.logo.name or "")[0]
    if content_type not in {"image/png", "image/jpeg", "image/svg+xml"}:
        raise Http404("Format de logo non pris en charge.")
    response = FileResponse(organisation.logo.open("rb"), content_type=content_type)
    # An SVG shown as <img> cannot run scripts; opened directly it must not either.
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    return response


def _transition_forms(page: DossierPage) -> list[dict[str, Any]]:
    version = page.version
    schemes = version.reorientation_schemes if version is not None else []
    return [
        {
            "transition": t,
            "form": TransitionForm(
                initial={"transition": t.name, "expected_state": page.dossier.state},
                prefix=t.name,
            ),
            "schemes": schemes if t.needs_reorientation_scheme else [],
        }
        for t in page.transitions
    ]


NO_TRANSITION = gettext_lazy("Aucune action ne vous revient à cette étape.")
NO_TRANSITION_PARTNER = gettext_lazy(
    "Aucun changement d'étape ne vous revient : votre part, ce sont les points d'étape, dans la "
    "section « Suivi et accompagnement » ci-dessous."
)


@roles_required(*DOSSIER_ROLES)
def dossier_detail(request: MemberRequest, dossier_id: int) -> HttpResponse:
    membership = request.membership
    if membership.role == Role.COMMITTEE_MEMBER:
        # The commission reads the pseudonymised summary of its agenda, never the dossier itself.
        item_id = committee_item_for_dossier(request.user, membership, dossier_id)
        if item_id is None:
            raise Http404("Dossier introuvable.")
        return redirect("commissions:summary_detail", item_id)
    page = dossier_page(dossier_id, request.user, membership)
    access_log_create(user=request.user, action=AccessAction.DOSSIER_DETAIL, obj=page.dossier)
    staff = membership.role in DOSSIER_STAFF_ROLES
    context: dict[str, Any] = {
        "page": page,
        "dossier": page.dossier,
        "applicant": page.dossier.applicant,
        "staff": staff,
        "editable": staff and page.dossier.state in EDITABLE_STATES,
        "transition_forms": _transition_forms(page),
        # When no step change is theirs: the partner worker's part is the points d'étape.
        "no_transition_message": (
            NO_TRANSITION_PARTNER if membership.role == Role.PARTNER_WORKER else NO_TRANSITION
        ),
        "purpose_label": page.version.purpose_label(page.dossier.purpose_category)
        if page.version
        else page.dossier.purpose_category,
        "subcategory_label": page.version.subcategory_label(
            page.dossier.purpose_category, page.dossier.purpose_subcategory
        )
        if page.version and page.dossier.purpose_subcategory
        else "",
        "agenda_items": sessions_of_dossier(request.user, membership, page.dossier.pk),
        "bank_decision": page.bank_decision,
        "loan": page.loan,
        "letters": letters_for_dossier(page.dossier, page.events) if staff else [],
        "bank_adviser": membership.role == Role.BANK_ADVISER,
        # `page.dossier` was read through the access funnel for this user and membership
        # (followup's tag need not ask it again).
        "dossier_through_funnel": True,
    }
    if staff:
        required = (
            page.version.required_documents_for(page.dossier.purpose_category)
            if page.version
            else []
        )
        context["upload_form"] = UploadForm(kinds=document_kinds(required))
        context["share_form"] = ShareForm(organisation_id=page.dossier.organisation_id)
        context["consent_form"] = ConsentForm(initial={"consent_date": page.dossier.consent_date})
        context.update(budget_section(page.dossier, page.version, membership))
        context.update(rights_section(page.dossier, context["budget_panel"].budget))
    return render(request, "shell/dossier_detail.html", context)
