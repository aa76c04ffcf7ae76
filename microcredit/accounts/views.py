"""Login, logout, password change and reset, two-factor enrolment and verification."""

from __future__ import annotations

import base64

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from microcredit.accounts import services
from microcredit.accounts.access import authenticated, public
from microcredit.accounts.forms import TokenForm
from microcredit.accounts.http import AuthenticatedRequest
from microcredit.accounts.selectors import confirmed_totp_device_for_user

login = public(
    auth_views.LoginView.as_view(
        template_name="accounts/login.html", redirect_authenticated_user=True
    )
)
logout = authenticated(auth_views.LogoutView.as_view())
password_change = authenticated(
    auth_views.PasswordChangeView.as_view(
        template_name="accounts/form_page.html",
        extra_context={
            "page_title": _("Changer mon mot de passe"),
            "submit_label": _("Enregistrer"),
        },
        success_url=reverse_lazy("accounts:password_change_done"),
    )
)
password_change_done = authenticated(
    auth_views.PasswordChangeDoneView.as_view(template_name="accounts/password_change_done.html")
)
password_reset = public(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/form_page.html",
        extra_context={
            "page_title": _("Mot de passe oublié"),
            "submit_label": _("Recevoir un lien par e-mail"),
        },
        email_template_name="accounts/email/password_reset.txt",
        subject_template_name="accounts/email/password_reset_subject.txt",
        success_url=reverse_lazy("accounts:password_reset_done"),
    )
)
password_reset_done = public(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_reset_confirm = public(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/form_page.html",
        extra_context={
            "page_title": _("Choisir un nouveau mot de passe"),
            "submit_label": _("Enregistrer"),
        },
        success_url=reverse_lazy("accounts:password_reset_complete"),
    )
)
password_reset_complete = public(
    auth_views.PasswordResetCompleteView.as_view(
        template_name="accounts/password_reset_complete.html"
    )
)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return str(reverse_lazy("shell:home"))


@authenticated
def otp_verify(request: AuthenticatedRequest) -> HttpResponse:
    """Second step of the login for users who enrolled a TOTP device."""
    device = confirmed_totp_device_for_user(request.user)
    if device is None:
        return redirect("shell:home")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", "Ce code n'est pas valide ou a expiré. Réessayez.")
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request)})


@authenticated
def otp_setup(request: AuthenticatedRequest) -> HttpResponse:
    """Enrol an authenticator application (TOTP): QR code, then a code to confirm."""
    user = request.user
    device = services.totp_device_get_or_create_pending(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.totp_device_confirm(user=user, device=device, token=form.cleaned_data["token"]):
            otp_login(request, device)
            messages.success(request, "La double authentification est activée sur votre compte.")
            return redirect("shell:home")
        form.add_error("token", "Ce code ne correspond pas. Vérifiez l'heure de votre téléphone.")
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=5, title="QR code")
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": base64.b32encode(device.bin_key).decode(),
            "has_confirmed": confirmed_totp_device_for_user(user) is not None,
        },
    )


@require_POST
@authenticated
def session_keep_alive(request: AuthenticatedRequest) -> HttpResponse:
    """« Rester connecté » in the idle-expiry warning (static/js/app.js): the session starts its
    idle time again. 204 with nothing to show; anonymous people are sent to the login page."""
    request.session.modified = True  # saved again: its expiry starts from now
    return HttpResponse(status=204)
