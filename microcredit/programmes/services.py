"""Writes of scheme parameters: a change is a new dated version; older ones stay as they were.

Also the onboarding of a new CCAS on a shared installation: the organisation, its scheme started
from a template, its bank partnership and its first director (`microcredit create_organisation`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.forms.models import model_to_dict

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.accounts.services import membership_save
from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.formatting import format_date
from microcredit.core.services import audit_event_create
from microcredit.organisations.enums import OrganisationKind
from microcredit.organisations.models import Organisation, Partnership, colour_validator
from microcredit.organisations.theme import validate_theme_colour_contrast
from microcredit.programmes.communes import communes
from microcredit.programmes.models import Programme, ProgrammeVersion
from microcredit.programmes.rules import (
    ParameterError,
    ParameterValues,
    check_parameters,
    parse_territory,
)
from microcredit.programmes.schemes import Scheme, schemes

# The parameter fields of a version (everything but identity and bookkeeping).
PARAMETER_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in ProgrammeVersion._meta.concrete_fields
    if f.name
    not in {"id", "programme", "number", "valid_from", "created_at", "created_by", "reason"}
)


@transaction.atomic
def programme_version_create(
    *,
    actor: User,
    programme: Programme,
    valid_from: date,
    reason: str,
    values: ParameterValues,
    today: date,
) -> ProgrammeVersion:
    """Record parameters in force from `valid_from` (today or later, after the latest version)."""
    locked = Programme.objects.select_for_update().get(pk=programme.pk)
    previous = ProgrammeVersion.objects.filter(programme=locked).order_by("-valid_from").first()
    if valid_from < today:
        raise ValidationError(
            {"valid_from": "Une nouvelle version prend effet aujourd'hui ou à une date future."}
        )
    if previous is not None and valid_from <= previous.valid_from:
        raise ValidationError(
            {
                "valid_from": "La date d'effet doit être postérieure à celle de la version en "
                f"vigueur ({format_date(previous.valid_from)})."
            }
        )
    unknown = set(values) - set(PARAMETER_FIELDS)
    if unknown:
        raise ValueError(f"unknown parameter fields: {sorted(unknown)}")
    check = check_parameters(values)
    if not check.ok:
        raise ValidationError(check.errors)
    version = ProgrammeVersion(
        programme=locked,
        number=(previous.number + 1) if previous else 1,
        valid_from=valid_from,
        created_by=actor,
        reason=reason,
        **values,
    )
    version.full_clean()
    version.save()
    audit_event_create(
        actor=actor,
        action=AuditAction.PROGRAMME_VERSION_CREATED,
        obj=version,
        reason=reason,
        old_values=model_to_dict(previous, fields=PARAMETER_FIELDS) if previous else {},
        new_values=model_to_dict(version, fields=PARAMETER_FIELDS),
    )
    return version


# --- Onboarding a CCAS on a shared installation (`microcredit create_organisation`) ----------

# The scheme templates a new CCAS starts from: every scheme of `schemes` (its first version's
# parameters, copied) or an empty scheme (no version: the director sets the parameters first).
EMPTY_TEMPLATE = "empty"
ONBOARDING_PROGRAMME_NAME = "Micro-crédit personnel"
ONBOARDING_PROGRAMME_SLUG = "micro-credit-personnel"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SLUG_MAX = Organisation._meta.get_field("slug").max_length or 60
_USERNAME_MAX = User._meta.get_field("username").max_length or 150


class OnboardingRefused(Refused):
    """The onboarding cannot be done as asked; `messages` say why, in French."""


def onboarding_templates() -> list[str]:
    return [*sorted(schemes()), EMPTY_TEMPLATE]


@dataclass(frozen=True)
class OnboardingRequest:
    """What the technical administrator gives (text as typed; checked by `ccas_onboard`)."""

    name: str
    slug: str
    email: str
    template: str
    bank_slug: str
    director_email: str
    director_name: str = ""
    communes: tuple[str, ...] = ()  # « code INSEE:code postal,code postal », one a commune
    phone: str = ""
    theme_colour: str = ""


@dataclass(frozen=True)
class Onboarding:
    organisation: Organisation
    created: bool  # False: the slug was already a CCAS, nothing was changed
    programme: Programme | None = None
    version: ProgrammeVersion | None = None
    bank: Organisation | None = None
    director: User | None = None
    # Directors of the CCAS who have not chosen their password yet (a link is to be sent).
    directors_without_password: tuple[User, ...] = field(default=())


def ccas_onboard(request: OnboardingRequest, *, today: date) -> Onboarding:
    """Create a CCAS, its scheme from a template, its bank partnership and its first director,
    all or nothing. A slug that is already a CCAS changes nothing (`created` is False).

    The Saint-Étienne template copies that scheme's first parameters into version 1 of a new
    programme, in force from `today`, on the territory given (never Saint-Étienne's). The empty
    template creates the programme without a version: nothing is in force (the public simulator
    of the CCAS stays closed) until the director records the first version.

    Raises:
        OnboardingRefused: bad or conflicting input (French messages, every problem at once).
    """
    errors, territory = _onboarding_input_errors(request)
    if errors:
        raise OnboardingRefused(*errors)
    slug = request.slug.strip()
    existing = Organisation.objects.filter(slug=slug).first()
    if existing is not None:
        if existing.kind != OrganisationKind.CCAS:
            raise OnboardingRefused(
                f"L'identifiant « {slug} » est déjà celui de « {existing.name} » "
                f"({existing.get_kind_display()}) : choisissez-en un autre."
            )
        return Onboarding(
            organisation=existing,
            created=False,
            directors_without_password=_directors_without_password(existing),
        )
    bank = Organisation.objects.filter(slug=request.bank_slug.strip()).first()
    if bank is None or bank.kind != OrganisationKind.BANK:
        known = ", ".join(
            Organisation.objects.filter(kind=OrganisationKind.BANK)
            .order_by("slug")
            .values_list("slug", flat=True)
        )
        errors.append(
            f"Aucun partenaire bancaire n'a l'identifiant « {request.bank_slug.strip()} »."
            + (f" Partenaires bancaires connus : {known}." if known else "")
        )
    director_email = request.director_email.strip().lower()
    if User.objects.filter(
        Q(username__iexact=director_email) | Q(email__iexact=director_email)
    ).exists():
        errors.append(
            f"Un compte utilise déjà l'adresse {director_email} : le premier directeur ou la "
            "première directrice du CCAS doit avoir un compte à lui, sans autre rôle."
        )
    if errors or bank is None:
        raise OnboardingRefused(*errors)
    return _onboarding_create(request, bank=bank, territory=territory, today=today)


def _onboarding_input_errors(
    request: OnboardingRequest,
) -> tuple[list[str], list[dict[str, Any]]]:
    """What is wrong in the input itself (before looking at the database), and the territory."""
    errors: list[str] = []
    name = request.name.strip()
    if not name:
        errors.append("Indiquez le nom du CCAS (--name), par exemple « CCAS de Firminy ».")
    elif len(name) > 200:
        errors.append("Le nom du CCAS ne doit pas dépasser 200 caractères.")
    slug = request.slug.strip()
    if not _SLUG.match(slug) or len(slug) > _SLUG_MAX:
        errors.append(
            f"L'identifiant « {slug} » ne convient pas : minuscules sans accent, chiffres et "
            f"tirets, {_SLUG_MAX} caractères au plus (par exemple ccas-firminy)."
        )
    for label, value in (
        ("L'adresse e-mail du CCAS", request.email),
        ("L'adresse e-mail du directeur ou de la directrice", request.director_email),
    ):
        try:
            validate_email(value.strip())
        except ValidationError:
            errors.append(f"{label} (« {value.strip()} ») n'est pas une adresse valide.")
    if len(request.director_email.strip()) > _USERNAME_MAX:
        errors.append(
            f"L'adresse e-mail du directeur ou de la directrice sert d'identifiant de connexion : "
            f"{_USERNAME_MAX} caractères au plus."
        )
    if len(request.director_name.strip()) > 300:
        errors.append("Le nom du directeur ou de la directrice est trop long (300 caractères).")
    if len(request.phone.strip()) > 30:
        errors.append("Le téléphone ne doit pas dépasser 30 caractères.")
    if request.theme_colour:
        try:
            colour_validator(request.theme_colour.strip())
            validate_theme_colour_contrast(request.theme_colour.strip())
        except ValidationError as error:
            errors.extend(error.messages)
    territory: list[dict[str, Any]] = []
    templates = onboarding_templates()
    if request.template not in templates:
        errors.append(
            f"Modèle de dispositif inconnu : « {request.template} ». Modèles : "
            + ", ".join(templates)
            + "."
        )
    elif request.template == EMPTY_TEMPLATE:
        if request.communes:
            errors.append(
                "Le modèle vide n'a pas de paramètres : le territoire (--commune) sera fixé par "
                "la direction avec les autres paramètres. Retirez --commune ou choisissez un "
                "autre modèle."
            )
    elif not request.communes:
        errors.append(
            "Indiquez le territoire du CCAS avec --commune « code INSEE:codes postaux » (par "
            "exemple --commune 42095:42700), une fois par commune : le territoire du modèle "
            "n'est pas repris."
        )
    else:
        try:
            territory = parse_territory(
                "\n".join(c.replace("\n", " ") for c in request.communes), communes()
            )
        except ParameterError as error:
            errors.append(f"Territoire : {error.message}")
    return errors, territory


@transaction.atomic
def _onboarding_create(
    request: OnboardingRequest,
    *,
    bank: Organisation,
    territory: list[dict[str, Any]],
    today: date,
) -> Onboarding:
    organisation = Organisation(
        kind=OrganisationKind.CCAS,
        name=request.name.strip(),
        slug=request.slug.strip(),
        email=request.email.strip().lower(),
        phone=request.phone.strip(),
    )
    if request.theme_colour:
        organisation.theme_colour = request.theme_colour.strip()
    organisation.full_clean()
    organisation.save()
    Partnership.objects.create(ccas=organisation, partner=bank, since=today)
    programme = Programme(
        organisation=organisation,
        name=ONBOARDING_PROGRAMME_NAME,
        slug=ONBOARDING_PROGRAMME_SLUG,
        bank_partner=bank,
    )
    programme.full_clean()
    programme.save()
    version = None
    if request.template != EMPTY_TEMPLATE:
        version = _first_version_from_template(
            programme, schemes()[request.template], territory=territory, today=today
        )
    director = _first_director(organisation, request)
    audit_event_create(
        actor=None,
        action=AuditAction.ORGANISATION_ONBOARDED,
        obj=organisation,
        new_values={
            "name": organisation.name,
            "slug": organisation.slug,
            "bank": bank.slug,
            "template": request.template,
            "programme": programme.pk,
            "director": director.pk,
        },
    )
    return Onboarding(
        organisation=organisation,
        created=True,
        programme=programme,
        version=version,
        bank=bank,
        director=director,
        directors_without_password=(director,),
    )


def _first_version_from_template(
    programme: Programme, scheme: Scheme, *, territory: list[dict[str, Any]], today: date
) -> ProgrammeVersion:
    values = {k: v for k, v in scheme.first_version.items() if k in PARAMETER_FIELDS}
    values["territory"] = territory
    check = check_parameters(cast(ParameterValues, values))
    if not check.ok:  # the template's own parameters: a broken template is a bug
        raise OnboardingRefused(*(m for messages in check.errors.values() for m in messages))
    version = ProgrammeVersion(
        programme=programme,
        number=1,
        valid_from=today,
        reason=(
            f"Paramètres de départ repris du modèle « {scheme.programme_name} » "
            f"({scheme.ccas['name']}), sur le territoire du CCAS : à ajuster par la direction."
        ),
        **values,
    )
    version.full_clean()
    version.save()
    audit_event_create(
        actor=None,
        action=AuditAction.PROGRAMME_VERSION_CREATED,
        obj=version,
        reason=version.reason,
        new_values=model_to_dict(version, fields=PARAMETER_FIELDS),
    )
    return version


def _first_director(organisation: Organisation, request: OnboardingRequest) -> User:
    email = request.director_email.strip().lower()
    first_name, _, last_name = request.director_name.strip().partition(" ")
    director = User(
        username=email, email=email, first_name=first_name[:150], last_name=last_name[:150]
    )
    # No password: the director chooses one through the link the command prints.
    director.set_unusable_password()
    director.full_clean()
    director.save()
    # A role granted: audited and e-mailed to the CCAS's directors, here the new director.
    membership_save(
        actor=None,
        membership=Membership(user=director, organisation=organisation, role=Role.DIRECTOR),
    )
    return director


def _directors_without_password(organisation: Organisation) -> tuple[User, ...]:
    directors = User.objects.filter(
        memberships__organisation=organisation,
        memberships__role=Role.DIRECTOR,
        memberships__active=True,
        is_active=True,
    ).order_by("id")
    return tuple(user for user in directors if not user.has_usable_password())
