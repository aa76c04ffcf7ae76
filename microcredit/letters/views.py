"""Letters: the director's texts per kind of letter (with a PDF preview), and the download of a
dossier's letters by the CCAS staff."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from microcredit.accounts.access import roles_required
from microcredit.accounts.enums import DOSSIER_ROLES, Role
from microcredit.accounts.http import MemberRequest
from microcredit.core.enums import AccessAction
from microcredit.core.refusals import attempt_on_form
from microcredit.core.services import access_log_create
from microcredit.letters import rules, selectors, services, writing
from microcredit.letters.enums import LetterKind
from microcredit.letters.forms import LetterTemplateForm

KIND_PARAM = "courrier"


def _kind(request: HttpRequest) -> str:
    kind = request.GET.get(KIND_PARAM, "")
    return kind if kind in LetterKind.values else LetterKind.values[0]


def _page(kind: str) -> str:
    return f"{reverse('letters:templates')}?{KIND_PARAM}={kind}"


@roles_required(Role.DIRECTOR)
def letter_templates(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    kind = _kind(request)
    rows = selectors.letter_templates(membership.organisation_id)
    current = next(row for row in rows if row.kind == kind)
    texts = current.template or rules.DEFAULT_TEXTS[kind]
    initial = {
        "subject": texts.subject,
        "introduction": texts.introduction,
        "conclusion": texts.conclusion,
        "signatory": texts.signatory,
    }
    form = LetterTemplateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if request.POST.get("action") == "reset":
            if services.letter_template_reset(
                actor=request.user,
                membership=membership,
                kind=kind,
            ):
                messages.success(
                    request, f"Le courrier « {current.label} » reprend les textes par défaut."
                )
            return redirect(_page(kind))
        if form.is_valid():
            saved = attempt_on_form(
                form,
                lambda: services.letter_template_save(
                    actor=request.user,
                    membership=membership,
                    kind=kind,
                    **form.cleaned_data,
                ),
            )
            if saved is not None:
                messages.success(
                    request,
                    f"Textes du courrier « {current.label} » enregistrés : ils serviront aux "
                    "prochains courriers.",
                )
                return redirect(_page(kind))
    return render(
        request,
        "letters/template_form.html",
        {"rows": rows, "current": current, "kind": kind, "form": form},
    )


@roles_required(Role.DIRECTOR)
def letter_template_preview(request: MemberRequest) -> HttpResponse:
    """The letter of a kind to a fictitious applicant: saved texts (GET), or the texts being
    typed (POST from the form, nothing saved)."""
    membership = request.membership
    kind = _kind(request)
    texts = writing.texts_for(membership.organisation_id, kind)
    if request.method == "POST":
        typed = {
            field: request.POST.get(field, "").strip()[: services.MAX_LENGTHS[field]]
            for field in services.TEXT_FIELDS
        }
        texts = rules.LetterTexts(**{k: v or getattr(texts, k) for k, v in typed.items()})
    content = writing.sample_letter_render(
        membership.organisation, kind, texts, timezone.localdate()
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="apercu-{kind}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@roles_required(*DOSSIER_ROLES)
@require_GET
def letter_download(request: MemberRequest, letter_id: int) -> FileResponse:
    letter = selectors.letter_for_user_or_404(
        request.user,
        request.membership,
        letter_id,
    )
    access_log_create(user=request.user, action=AccessAction.LETTER_DOWNLOAD, obj=letter)
    response = FileResponse(
        letter.file.open("rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"courrier-{letter.dossier.number}-{letter.kind}.pdf",
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
