"""The public page's three forms: simulate a loan, check pre-eligibility, ask for a call back.

Bounds come from the scheme's version in force; every message is plain French, next to its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext_lazy as _

from loan_engine import (
    DeferralKind,
    InvalidAmountError,
    InvalidDeferralError,
    InvalidDurationError,
    LoanEngineError,
)
from microcredit.core.formatting import format_eur
from microcredit.core.forms import FreeTextGuard
from microcredit.core.text import parse_decimal
from microcredit.simulator import rules
from microcredit.simulator.models import MESSAGE_MAX_LENGTH
from microcredit.simulator.selectors import PublicScheme

# The public page's radio values, as the page has always published them ("interest-only"): a
# form's wire values, not stored; the engine's kinds are read back from them.
DEFERRAL_KIND_FIELD_VALUES = {
    DeferralKind.INTEREST_ONLY: "interest-only",
    DeferralKind.CAPITALISED: "capitalised",
}
DEFERRAL_KIND_OF_FIELD_VALUE = {value: kind for kind, value in DEFERRAL_KIND_FIELD_VALUES.items()}

DEFERRAL_KIND_LABELS = {
    DeferralKind.INTEREST_ONLY: (
        "Je rembourse seulement les intérêts pendant le différé (différé partiel)"
    ),
    DeferralKind.CAPITALISED: (
        "Je ne rembourse rien pendant le différé : les intérêts s'ajoutent au prêt (différé total)"
    ),
}


def mark_required(form: forms.Form) -> None:
    """Say « (obligatoire) » in the label of each field that must be filled in: visible to
    everyone, read out with the label (RGAA 11.10)."""
    for field in form.fields.values():
        if field.required and field.label:
            field.label = _("%(label)s (obligatoire)") % {"label": field.label}


def plain_eur(value: Decimal) -> str:
    """« 3 000 € » for whole amounts, « 1 500,50 € » otherwise."""
    text = format_eur(value)
    return text.replace(",00\u00a0€", "\u00a0€")


class EuroAmountField(forms.CharField):
    """An amount typed the French way: « 1 500 », « 1500,50 » or « 1500.50 »."""

    default_error_messages = {
        "invalid": "Indiquez un montant en euros, en chiffres (par exemple 1 500).",
        "cents": "Indiquez un montant avec deux chiffres après la virgule au plus.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={"inputmode": "decimal", "autocomplete": "off", "maxlength": "20"}
            ),
        )
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        if len(text) > 20:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            amount = parse_decimal(text.replace("€", ""))
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if amount != amount.quantize(Decimal("0.01")):
            raise forms.ValidationError(self.error_messages["cents"], code="cents")
        return amount


class SimulationForm(FreeTextGuard, forms.Form):
    amount = EuroAmountField(label="Montant que vous souhaitez emprunter (en euros)")
    months = forms.IntegerField(
        label="Durée de remboursement (en mois)",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    deferral_months = forms.IntegerField(
        label="Mois sans mensualité avant de commencer à rembourser (différé)",
        required=False,
        initial=0,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    deferral_kind = forms.ChoiceField(
        label="Pendant le différé", required=False, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, scheme: PublicScheme, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "sim")
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        v = scheme.version
        self.fields["amount"].help_text = _(
            "Entre %(min)s et %(max)s, en chiffres. Par exemple : 1 500."
        ) % {"min": plain_eur(v.min_amount), "max": plain_eur(v.max_amount)}
        self.fields["months"].help_text = _(
            "Entre %(min)s et %(max)s mois, en chiffres. Par exemple : %(example)s."
        ) % {
            "min": v.min_months,
            "max": v.max_months,
            "example": max(v.min_months, min(24, v.max_months)),
        }
        kinds = scheme.deferral_kinds
        if kinds:
            self.fields["deferral_months"].help_text = (
                f"De 0 à {v.max_deferral_months} mois. Laissez 0 pour commencer à rembourser "
                "dès le premier mois."
            )
            cast(forms.ChoiceField, self.fields["deferral_kind"]).choices = [
                (DEFERRAL_KIND_FIELD_VALUES[kind], DEFERRAL_KIND_LABELS[kind]) for kind in kinds
            ]
            self.fields["deferral_kind"].initial = DEFERRAL_KIND_FIELD_VALUES[kinds[0]]
        else:
            del self.fields["deferral_months"]
            del self.fields["deferral_kind"]
        mark_required(self)

    @property
    def offers_deferral(self) -> bool:
        return "deferral_months" in self.fields

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        v = self.scheme.version
        if not v.min_amount <= amount <= v.max_amount:
            raise forms.ValidationError(
                f"Le micro-crédit va de {plain_eur(v.min_amount)} à {plain_eur(v.max_amount)} : "
                f"indiquez un montant dans ces limites.",
                code="out_of_bounds",
            )
        return amount

    def clean_months(self) -> int:
        months: int = self.cleaned_data["months"]
        v = self.scheme.version
        if not v.min_months <= months <= v.max_months:
            raise forms.ValidationError(
                f"Le remboursement dure de {v.min_months} à {v.max_months} mois : "
                "indiquez une durée dans ces limites.",
                code="out_of_bounds",
            )
        return months

    def clean_deferral_months(self) -> int:
        months = self.cleaned_data["deferral_months"] or 0
        maximum = self.scheme.version.max_deferral_months
        if not 0 <= months <= maximum:
            raise forms.ValidationError(
                f"Le différé peut aller de 0 à {maximum} mois.", code="out_of_bounds"
            )
        return int(months)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.offers_deferral and data.get("deferral_months") and not data.get("deferral_kind"):
            self.add_error("deferral_kind", "Choisissez ce que vous remboursez pendant le différé.")
        return data

    def hide_required_errors(self) -> None:
        """Drop « required » errors (fields the person has not reached yet)."""
        for name in list(self.errors):
            kept = [e for e in self.errors[name].as_data() if e.code != "required"]
            if kept:
                self.errors[name] = self.error_class(kept, renderer=self.renderer)
            else:
                del self.errors[name]

    def add_engine_error(self, error: LoanEngineError) -> None:
        """Show a refusal of the loan engine next to the field it concerns."""
        field = {
            InvalidAmountError: "amount",
            InvalidDurationError: "months",
            InvalidDeferralError: "deferral_months",
        }.get(type(error))
        self.add_error(field if field in self.fields else None, str(error))

    def loan_parameters(self) -> dict[str, Any]:
        data = self.cleaned_data
        deferral_months = data.get("deferral_months", 0) or 0
        kind = (
            DEFERRAL_KIND_OF_FIELD_VALUE[data["deferral_kind"]]
            if deferral_months
            else DeferralKind.NONE
        )
        return {
            "amount": data["amount"],
            "months": data["months"],
            "deferral_months": deferral_months,
            "deferral_kind": kind,
        }


class EligibilityForm(FreeTextGuard, forms.Form):
    birth_date = forms.DateField(
        label="Votre date de naissance",
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    age = forms.IntegerField(
        label="Ou votre âge (en années)",
        required=False,
        min_value=0,
        max_value=130,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    commune = forms.CharField(
        label=_("Votre code postal"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    purpose = forms.ChoiceField(label="Votre projet", required=False)

    def __init__(self, *args: Any, scheme: PublicScheme, today: date, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "elig")
        super().__init__(*args, **kwargs)
        self.scheme = scheme
        self.today = today
        v = scheme.version
        self.fields["commune"].help_text = _("5 chiffres, ex. %(example)s.") % {
            "example": rules.postcode_example(v.territory)
        }
        self.fields["birth_date"].help_text = _("Format jj/mm/aaaa, ex. 14/07/1985.")
        self.fields["age"].help_text = _("En chiffres, ex. 45.")
        cast(forms.ChoiceField, self.fields["purpose"]).choices = [
            ("", "— Choisissez le type de projet —"),
            ("Projets que le micro-crédit peut financer", purpose_choices(v.purposes)),
            (
                "Demandes que le micro-crédit personnel ne finance pas",
                [(item["code"], item["label"]) for item in v.excluded_purposes],
            ),
        ]
        self.fields["purpose"].help_text = (
            "La liste indique aussi les demandes que le micro-crédit personnel ne finance pas : "
            "si votre demande en fait partie, nous vous disons vers qui vous tourner."
        )

    def clean_birth_date(self) -> date | None:
        birth_date: date | None = self.cleaned_data["birth_date"]
        if birth_date is not None and birth_date > self.today:
            raise forms.ValidationError("La date de naissance ne peut pas être dans le futur.")
        return birth_date

    def eligibility(self, commune_names: Mapping[str, str]) -> rules.Eligibility:
        """The pre-eligibility of the answers; `commune_names` maps a folded commune name to its
        official name (`selectors.commune_names`)."""
        data = self.cleaned_data
        v = self.scheme.version
        return rules.check_eligibility(
            today=self.today,
            birth_date=data["birth_date"],
            age=data["age"],
            commune=data["commune"],
            purpose_code=data["purpose"],
            territory=v.territory,
            commune_names=commune_names,
            purposes=v.purposes,
            excluded=v.excluded_purposes,
        )


def purpose_choices(purposes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    choices = []
    for purpose in purposes:
        examples = ", ".join(sub["label"] for sub in purpose.get("subcategories", []))
        label = f"{purpose['label']} ({examples})" if examples else purpose["label"]
        choices.append((purpose["code"], label))
    return choices


class ContactRequestForm(FreeTextGuard, forms.Form):
    first_name = forms.CharField(
        label="Prénom",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label="Nom",
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )
    phone = forms.CharField(
        label="Téléphone",
        required=False,
        max_length=30,
        help_text="Par exemple 06 12 34 56 78.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="Adresse e-mail",
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    preferred_times = forms.CharField(
        label="Quand pouvons-nous vous joindre ?",
        required=False,
        max_length=200,
        help_text="Par exemple : le matin, ou le mardi après-midi.",
    )
    purpose_code = forms.ChoiceField(label="Votre projet", required=False)
    message = forms.CharField(
        label="Un message pour le CCAS (facultatif)",
        required=False,
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=(
            "Quelques mots sur votre projet si vous le souhaitez (1 000 caractères au plus). "
            "N'écrivez rien sur votre santé : le référent en parlera avec vous si besoin."
        ),
    )
    consent = forms.BooleanField(
        label="J'accepte que le CCAS me contacte au sujet de ma demande.",
        error_messages={
            "required": "Cochez cette case pour que le CCAS puisse vous recontacter.",
        },
    )
    # Honeypot: hidden from people (CSS and aria-hidden), filled in by spam robots.
    website = forms.CharField(
        label="Ne remplissez pas ce champ",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, scheme: PublicScheme, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "rdv")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["purpose_code"]).choices = [
            ("", "Je ne sais pas encore"),
            *purpose_choices(scheme.version.purposes),
        ]
        mark_required(self)

    @property
    def has_field_errors(self) -> bool:
        return any(name != NON_FIELD_ERRORS for name in self.errors)

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(self.add_prefix("website"), "").strip())

    def clean_phone(self) -> str:
        text: str = self.cleaned_data["phone"].strip()
        if not text:
            return ""
        phone = rules.normalise_phone(text)
        if phone is None:
            raise forms.ValidationError(
                "Ce numéro de téléphone ne semble pas complet : indiquez 10 chiffres, par "
                "exemple 06 12 34 56 78."
            )
        return phone

    def clean_email(self) -> str:
        return str(self.cleaned_data["email"]).strip().lower()

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            not data.get("phone")
            and not data.get("email")
            and "phone" not in self.errors
            and "email" not in self.errors
        ):
            raise forms.ValidationError(
                "Indiquez au moins un numéro de téléphone ou une adresse e-mail : c'est ainsi "
                "que le CCAS pourra vous recontacter.",
                code="no_contact",
            )
        return data
