"""The one permission funnel: who sees which dossier, and the list's search."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import Http404

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership, User
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.dossiers.selectors import (
    access_dossiers_for_user,
    dossier_for_user_or_404,
    dossier_list,
    state_counts,
)
from microcredit.organisations.models import Organisation
from microcredit.programmes.models import Programme
from tests.factories import (
    make_applicant,
    make_dossier,
    put_on_agenda,
    saint_etienne_programme,
    share_with,
)


def membership_of(user: User) -> Membership:
    return Membership.objects.get(user=user)


def visible(user: User) -> set[int]:
    return set(access_dossiers_for_user(user, membership_of(user)).values_list("pk", flat=True))


def assert_hidden(user: User, dossier: Dossier) -> None:
    with pytest.raises(Http404):
        dossier_for_user_or_404(user, membership_of(user), dossier.pk)
    with pytest.raises(Http404):
        dossier_for_user_or_404(user, membership_of(user), dossier.pk, for_update=True)


def assert_shown(user: User, dossier: Dossier) -> None:
    assert dossier_for_user_or_404(user, membership_of(user), dossier.pk) == dossier
    assert (
        dossier_for_user_or_404(user, membership_of(user), dossier.pk, for_update=True) == dossier
    )


@pytest.fixture
def lyon(db: None) -> Organisation:
    return Organisation.objects.create(kind="ccas", name="CCAS de Lyon", slug="ccas-lyon")


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT, Role.DIRECTOR])
def test_staff_see_the_dossiers_of_their_own_ccas_only(
    make_user, referent: User, lyon: Organisation, role: Role
) -> None:  # type: ignore[no-untyped-def]
    ours = make_dossier(created_by=referent)
    lyon_referent = make_user(Role.REFERENT, username="ref-lyon", organisation=lyon)
    lyon_programme = Programme.objects.create(organisation=lyon, name="Prêt", slug="pret")
    theirs = make_dossier(created_by=lyon_referent, programme=lyon_programme)
    assert theirs.organisation_id == lyon.pk

    here = make_user(role, username=f"{role}-here")
    there = make_user(role, username=f"{role}-lyon", organisation=lyon)
    assert visible(here) == {ours.pk}
    assert visible(there) == {theirs.pk}
    assert_shown(here, ours)
    assert_hidden(here, theirs)
    assert_hidden(there, ours)


@pytest.mark.django_db
def test_a_partner_worker_sees_only_the_dossiers_shared_with_them(
    make_user, referent: User, social_structure: Organisation
) -> None:  # type: ignore[no-untyped-def]
    worker = make_user(Role.PARTNER_WORKER, username="worker")
    colleague = make_user(Role.PARTNER_WORKER, username="colleague", organisation=social_structure)
    shared = make_dossier(created_by=referent)
    shared_with_colleague = make_dossier(created_by=referent)
    not_shared = make_dossier(created_by=referent)
    share_with(shared, worker, shared_by=referent)
    share_with(shared_with_colleague, colleague, shared_by=referent)

    assert visible(worker) == {shared.pk}
    assert visible(colleague) == {shared_with_colleague.pk}
    assert_shown(worker, shared)
    assert_hidden(worker, shared_with_colleague)
    assert_hidden(worker, not_shared)


@pytest.mark.django_db
def test_a_bank_adviser_sees_only_dossiers_transmitted_to_their_bank(
    make_user, referent: User, bank: Organisation, saint_etienne: Organisation
) -> None:  # type: ignore[no-untyped-def]
    bank_b = Organisation.objects.create(kind="bank", name="Banque B", slug="banque-b")
    programme_b = Programme.objects.create(
        organisation=saint_etienne, name="Prêt B", slug="pret-b", bank_partner=bank_b
    )
    assert saint_etienne_programme().bank_partner_id == bank.pk

    transmitted_a = make_dossier(created_by=referent, state=DossierState.TRANSMITTED_TO_BANK)
    disbursed_a = make_dossier(created_by=referent, state=DossierState.DISBURSED)
    ready_a = make_dossier(created_by=referent, state=DossierState.READY_FOR_COMMITTEE)
    transmitted_b = make_dossier(
        created_by=referent, programme=programme_b, state=DossierState.TRANSMITTED_TO_BANK
    )
    # Withdrawn after the transmission: the bank keeps seeing what it received.
    withdrawn_after_transmission = make_dossier(
        created_by=referent,
        state=DossierState.WITHDRAWN,
        bank_transmitted_at=transmitted_a.state_changed_at,
    )

    adviser_a = make_user(Role.BANK_ADVISER, username="adviser-a")
    adviser_b = make_user(Role.BANK_ADVISER, username="adviser-b", organisation=bank_b)
    assert visible(adviser_a) == {
        transmitted_a.pk,
        disbursed_a.pk,
        withdrawn_after_transmission.pk,
    }
    assert visible(adviser_b) == {transmitted_b.pk}
    assert_shown(adviser_a, transmitted_a)
    assert_hidden(adviser_a, ready_a)
    assert_hidden(adviser_a, transmitted_b)
    assert_hidden(adviser_b, transmitted_a)


@pytest.mark.django_db
def test_the_bank_keeps_what_was_transmitted_to_it_when_the_scheme_changes_partner(
    make_user, referent: User, bank: Organisation
) -> None:  # type: ignore[no-untyped-def]
    from microcredit.dossiers.services import dossier_transition

    member = make_user(Role.COMMITTEE_MEMBER, username="member")
    dossier = make_dossier(
        created_by=referent,
        state=DossierState.READY_FOR_COMMITTEE,
        eligible=True,
        with_documents=True,
        with_consent=True,
    )
    put_on_agenda(dossier, member)
    dossier_transition(
        actor=member,
        membership=membership_of(member),
        dossier_id=dossier.pk,
        transition="transmit_to_bank",
        flow="commission",
    )
    dossier.refresh_from_db()
    assert dossier.bank_id == bank.pk
    adviser_a = make_user(Role.BANK_ADVISER, username="adviser-a")
    bank_b = Organisation.objects.create(kind="bank", name="Banque B", slug="banque-b")
    adviser_b = make_user(Role.BANK_ADVISER, username="adviser-b", organisation=bank_b)
    Programme.objects.filter(pk=dossier.programme_id).update(bank_partner=bank_b)
    assert_shown(adviser_a, dossier)
    assert_hidden(adviser_b, dossier)


@pytest.mark.django_db
def test_dossier_numbers_are_unique_across_ccas(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    from microcredit.dossiers.services import dossier_create

    roanne = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="roanne")
    programme = Programme.objects.create(organisation=roanne, name="MC Roanne", slug="mc")
    roanne_referent = make_user(Role.REFERENT, username="roanne", organisation=roanne)
    numbers = []
    for user, prog in ((referent, saint_etienne_programme()), (roanne_referent, programme)):
        applicant = make_applicant(
            organisation=Organisation.objects.get(pk=prog.organisation_id), created_by=user
        )
        dossier = dossier_create(
            actor=user,
            membership=membership_of(user),
            applicant=applicant,
            programme=prog,
            values={
                "application_date": applicant.created_at.date(),
                "purpose_category": "mobilite",
                "purpose_subcategory": "permis_de_conduire",
                "project_description": "Permis B.",
                "requested_amount": Decimal("1000"),
                "requested_months": 12,
            },
        )
        numbers.append(dossier.number)
    assert len(set(numbers)) == 2 and all(n.startswith("MC-") for n in numbers)


@pytest.mark.django_db
def test_a_committee_member_sees_only_the_agenda_of_sessions_they_sit_on(
    make_user, referent: User
) -> None:  # type: ignore[no-untyped-def]
    member = make_user(Role.COMMITTEE_MEMBER, username="member")
    other_member = make_user(Role.COMMITTEE_MEMBER, username="other-member")
    on_my_agenda = make_dossier(created_by=referent, state=DossierState.READY_FOR_COMMITTEE)
    on_other_agenda = make_dossier(created_by=referent, state=DossierState.READY_FOR_COMMITTEE)
    ready_not_on_agenda = make_dossier(created_by=referent, state=DossierState.READY_FOR_COMMITTEE)
    put_on_agenda(on_my_agenda, member)
    put_on_agenda(on_other_agenda, other_member)

    assert visible(member) == {on_my_agenda.pk}
    assert visible(other_member) == {on_other_agenda.pk}
    assert_shown(member, on_my_agenda)
    assert_hidden(member, on_other_agenda)
    assert_hidden(member, ready_not_on_agenda)


@pytest.mark.django_db
def test_a_committee_member_of_another_ccas_sees_nothing_even_when_seated(
    make_user, referent: User, lyon: Organisation
) -> None:  # type: ignore[no-untyped-def]
    outsider = make_user(Role.COMMITTEE_MEMBER, username="outsider", organisation=lyon)
    dossier = make_dossier(created_by=referent, state=DossierState.READY_FOR_COMMITTEE)
    put_on_agenda(dossier, outsider)
    assert visible(outsider) == set()
    assert_hidden(outsider, dossier)


@pytest.mark.django_db
def test_the_technical_administrator_sees_nothing(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMIN)
    dossier = make_dossier(created_by=referent)
    assert visible(admin) == set()
    assert_hidden(admin, dossier)


@pytest.mark.django_db
def test_an_inactive_membership_sees_nothing(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    director = make_user(Role.DIRECTOR)
    dossier = make_dossier(created_by=referent)
    assert visible(director) == {dossier.pk}
    Membership.objects.filter(user=director).update(active=False)
    assert visible(director) == set()
    assert_hidden(director, dossier)


@pytest.mark.django_db
def test_no_membership_or_someone_elses_membership_sees_nothing(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    dossier = make_dossier(created_by=referent)
    stranger = make_user(None, username="stranger")
    assert not access_dossiers_for_user(stranger, None).exists()
    # A membership is only worth something for its own user.
    assert not access_dossiers_for_user(stranger, membership_of(referent)).exists()
    with pytest.raises(Http404):
        dossier_for_user_or_404(stranger, membership_of(referent), dossier.pk)


# --- the list ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_finds_a_dossier_by_number(referent: User) -> None:
    first = make_dossier(created_by=referent)
    second = make_dossier(created_by=referent)
    membership = membership_of(referent)
    assert list(dossier_list(referent, membership, query=second.number)) == [second]
    assert list(dossier_list(referent, membership, query=f"  {first.number.lower()} ")) == [first]
    # The end of the number is enough.
    suffix = second.number.rsplit("-", 1)[1]
    assert second in dossier_list(referent, membership, query=suffix)
    assert first not in dossier_list(referent, membership, query=suffix)


@pytest.mark.django_db
def test_the_list_finds_a_name_without_accents_or_case(
    referent: User, saint_etienne: Organisation
) -> None:
    eloise = make_applicant(
        organisation=saint_etienne, created_by=referent, last_name="Lefèvre", first_name="Éloïse"
    )
    other = make_applicant(
        organisation=saint_etienne, created_by=referent, last_name="Besson", first_name="Karim"
    )
    hers = make_dossier(created_by=referent, applicant=eloise)
    make_dossier(created_by=referent, applicant=other)
    membership = membership_of(referent)
    for query in ("eloise", "ELOÏSE", "lefevre eloise", "Éloïse Lefèvre", "lefe"):
        assert list(dossier_list(referent, membership, query=query)) == [hers], query
    assert list(dossier_list(referent, membership, query="eloise besson")) == []


@pytest.mark.django_db
def test_the_list_search_stays_inside_the_funnel(
    make_user, referent: User, lyon: Organisation
) -> None:  # type: ignore[no-untyped-def]
    lyon_referent = make_user(Role.REFERENT, username="ref-lyon", organisation=lyon)
    lyon_programme = Programme.objects.create(organisation=lyon, name="Prêt", slug="pret")
    applicant = make_applicant(
        organisation=lyon, created_by=lyon_referent, last_name="Rousseau", first_name="Inès"
    )
    make_dossier(created_by=lyon_referent, programme=lyon_programme, applicant=applicant)
    assert list(dossier_list(referent, membership_of(referent), query="rousseau")) == []


@pytest.mark.django_db
def test_the_list_filters_by_state_and_by_referent(make_user, referent: User) -> None:  # type: ignore[no-untyped-def]
    colleague = make_user(Role.REFERENT, username="colleague")
    mine = make_dossier(created_by=referent, referent=referent, state=DossierState.DIAGNOSIS)
    theirs = make_dossier(created_by=colleague, referent=colleague, state=DossierState.DIAGNOSIS)
    reception = make_dossier(created_by=referent, referent=referent)
    membership = membership_of(referent)
    assert set(dossier_list(referent, membership, state="diagnosis")) == {mine, theirs}
    assert set(dossier_list(referent, membership, mine=True)) == {mine, reception}
    assert list(dossier_list(referent, membership, state="diagnosis", mine=True)) == [mine]
    assert state_counts(referent, membership) == {"diagnosis": 2, "reception": 1}
