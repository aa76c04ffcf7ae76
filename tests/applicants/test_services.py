"""Applicants: the commune from its INSEE code, the duplicate warning, edits and their audit."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.applicants.models import Applicant
from microcredit.applicants.selectors import possible_duplicates
from microcredit.applicants.services import applicant_create, applicant_update
from microcredit.core.models import AuditEvent
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.organisations.models import Organisation
from tests.factories import make_applicant, make_dossier


def values(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "last_name": "  Lefèvre ",
        "first_name": "Éloïse",
        "birth_date": date(1990, 7, 14),
        "email": "",
        "phone": "0477112233",
        "address": "8 rue Michelet",
        "postcode": "42000",
        "commune_code": "42218",
        "family_situation": "single",
        "activity": "precarious",
        "housing_status": "tenant_private",
    }
    base.update(overrides)
    return base


@pytest.fixture
def referent(make_user) -> User:  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT)


@pytest.fixture
def membership(referent: User) -> Membership:
    return Membership.objects.get(user=referent)


@pytest.mark.django_db
def test_create_fills_the_commune_name_from_the_insee_code(
    referent: User, membership: Membership
) -> None:
    applicant = applicant_create(actor=referent, membership=membership, values=values())
    assert applicant.commune_name == "Saint-Étienne"
    assert applicant.last_name == "Lefèvre"
    assert applicant.search_name == "lefevre eloise"
    assert applicant.organisation_id == membership.organisation_id
    assert applicant.created_by == referent
    audit = AuditEvent.objects.get(action="applicant_created")
    assert audit.object_id == str(applicant.pk)
    assert audit.new_values["birth_date"] == "1990-07-14"
    assert audit.new_values["commune_code"] == "42218"
    assert audit.old_values == {}


@pytest.mark.django_db
def test_a_corsican_code_is_upper_cased(referent: User, membership: Membership) -> None:
    applicant = applicant_create(
        actor=referent,
        membership=membership,
        values=values(commune_code=" 2a004 ", postcode="20000"),
    )
    assert (applicant.commune_code, applicant.commune_name) == ("2A004", "Ajaccio")


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["99999", "42999", "ABCDE"])
def test_an_unknown_insee_code_is_refused_and_nothing_written(
    referent: User, membership: Membership, code: str
) -> None:
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        applicant_create(actor=referent, membership=membership, values=values(commune_code=code))
    assert error.value.message_dict == {"commune_code": ["Ce code commune INSEE est inconnu."]}
    assert not Applicant.objects.exists()
    assert AuditEvent.objects.count() == audits


@pytest.mark.django_db
def test_an_invalid_postcode_is_refused_in_french(referent: User, membership: Membership) -> None:
    with pytest.raises(ValidationError) as error:
        applicant_create(actor=referent, membership=membership, values=values(postcode="4200"))
    assert "Le code postal compte 5 chiffres." in error.value.message_dict["postcode"]
    assert not Applicant.objects.exists()


@pytest.mark.django_db
def test_possible_duplicates_match_the_folded_name_and_the_birth_date(
    referent: User, membership: Membership, saint_etienne: Organisation
) -> None:
    existing = applicant_create(actor=referent, membership=membership, values=values())
    make_applicant(
        organisation=saint_etienne,
        created_by=referent,
        last_name="Lefèvre",
        first_name="Éloïse",
        birth_date=date(1991, 7, 14),
    )
    found = possible_duplicates(
        organisation_id=saint_etienne.pk,
        last_name="LEFEVRE",
        first_name="eloïse",
        birth_date=date(1990, 7, 14),
    )
    assert list(found) == [existing]
    assert not possible_duplicates(
        organisation_id=saint_etienne.pk,
        last_name="Lefèvre",
        first_name="Elodie",
        birth_date=date(1990, 7, 14),
    ).exists()


@pytest.mark.django_db
def test_possible_duplicates_stay_inside_the_organisation(
    make_user, referent: User, membership: Membership
) -> None:  # type: ignore[no-untyped-def]
    applicant_create(actor=referent, membership=membership, values=values())
    lyon = Organisation.objects.create(kind="ccas", name="CCAS de Lyon", slug="ccas-lyon")
    assert not possible_duplicates(
        organisation_id=lyon.pk,
        last_name="Lefèvre",
        first_name="Éloïse",
        birth_date=date(1990, 7, 14),
    ).exists()


@pytest.mark.django_db
def test_changing_the_birth_date_clears_the_eligibility_of_the_dossiers(
    referent: User, membership: Membership
) -> None:
    applicant = applicant_create(actor=referent, membership=membership, values=values())
    first = make_dossier(
        created_by=referent, applicant=applicant, state=DossierState.INSTRUCTION, eligible=True
    )
    second = make_dossier(created_by=referent, applicant=applicant, eligible=True)
    someone_else = make_dossier(created_by=referent, eligible=True)

    applicant_update(actor=referent, applicant=applicant, values={"birth_date": date(1990, 7, 15)})

    for dossier in (first, second, someone_else):
        dossier.refresh_from_db()
    assert first.eligibility_id is None
    assert second.eligibility_id is None
    assert someone_else.eligibility_id is not None
    audit = AuditEvent.objects.get(action="applicant_updated")
    assert audit.object_id == str(applicant.pk)
    assert audit.old_values == {"birth_date": "1990-07-14"}
    assert audit.new_values == {"birth_date": "1990-07-15"}


@pytest.mark.django_db
def test_changing_the_address_clears_the_eligibility_and_the_commune_follows(
    referent: User, membership: Membership
) -> None:
    applicant = applicant_create(actor=referent, membership=membership, values=values())
    dossier = make_dossier(created_by=referent, applicant=applicant, eligible=True)
    updated = applicant_update(
        actor=referent,
        applicant=applicant,
        values={"commune_code": "42095", "postcode": "42700"},
    )
    assert updated.commune_name == "Firminy"
    dossier.refresh_from_db()
    assert dossier.eligibility_id is None
    audit = AuditEvent.objects.get(action="applicant_updated")
    assert audit.old_values == {"commune_code": "42218", "postcode": "42000"}
    assert audit.new_values == {"commune_code": "42095", "postcode": "42700"}


@pytest.mark.django_db
def test_changing_the_phone_keeps_the_eligibility(referent: User, membership: Membership) -> None:
    applicant = applicant_create(actor=referent, membership=membership, values=values())
    dossier = make_dossier(created_by=referent, applicant=applicant, eligible=True)
    applicant_update(actor=referent, applicant=applicant, values={"phone": "0600000000"})
    dossier.refresh_from_db()
    assert dossier.eligibility_id is not None
    audit = AuditEvent.objects.get(action="applicant_updated")
    assert audit.old_values == {"phone": "0477112233"}
    assert audit.new_values == {"phone": "0600000000"}


@pytest.mark.django_db
def test_renaming_updates_the_search_name(referent: User, membership: Membership) -> None:
    applicant = applicant_create(actor=referent, membership=membership, values=values())
    applicant_update(actor=referent, applicant=applicant, values={"last_name": "Côte-Rôtie"})
    applicant.refresh_from_db()
    assert applicant.search_name == "cote rotie eloise"


@pytest.mark.django_db
def test_an_update_with_an_unknown_code_changes_nothing(
    referent: User, membership: Membership
) -> None:
    applicant = applicant_create(actor=referent, membership=membership, values=values())
    with pytest.raises(ValidationError):
        applicant_update(actor=referent, applicant=applicant, values={"commune_code": "00000"})
    applicant.refresh_from_db()
    assert applicant.commune_code == "42218"
    assert not AuditEvent.objects.filter(action="applicant_updated").exists()


@pytest.mark.django_db
def test_each_cleared_eligibility_writes_its_audit_row_and_a_phone_change_clears_none(
    referent: User, membership: Membership
) -> None:
    applicant = applicant_create(actor=referent, membership=membership, values=values())
    dossier = make_dossier(created_by=referent, applicant=applicant, eligible=True)
    eligibility_id = Dossier.objects.get(pk=dossier.pk).eligibility_id

    applicant_update(actor=referent, applicant=applicant, values={"phone": "0600000000"})
    assert not AuditEvent.objects.filter(action="dossier_eligibility_reset").exists()

    applicant_update(actor=referent, applicant=applicant, values={"postcode": "42100"})
    reset = AuditEvent.objects.get(action="dossier_eligibility_reset")
    assert reset.object_type == "dossiers.dossier"
    assert reset.object_id == str(dossier.pk)
    assert reset.actor_id == referent.pk
    assert reset.old_values == {"eligibility": eligibility_id}
    assert reset.new_values == {"eligibility": None}
