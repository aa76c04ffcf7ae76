"""The director's letter templates, and the download of a dossier's letters by the CCAS staff."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.banking.enums import BankOutcome
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.letters import services
from microcredit.letters.enums import LetterKind
from microcredit.letters.models import Letter, LetterTemplate
from microcredit.letters.selectors import letters_for_dossier
from microcredit.organisations.models import Organisation
from tests.factories import put_on_agenda, share_with
from tests.letters.conftest import normalised
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db

TEXTS = {
    "subject": "Votre demande",
    "introduction": "Première ligne.\nDeuxième ligne.",
    "conclusion": "Bien à vous.",
    "signatory": "Le Président du CCAS",
}


def save(user, **overrides):  # type: ignore[no-untyped-def]
    values = {**TEXTS, **overrides}
    return services.letter_template_save(
        actor=user,
        membership=user.memberships.first(),
        kind=values.pop("kind", LetterKind.BANK_REFUSAL),
        **values,
    )


# --- Service ------------------------------------------------------------------------------


def test_the_director_saves_the_texts_of_a_kind_with_an_audit_row(director, saint_etienne) -> None:
    template = save(director, subject="  Votre   demande ")
    assert template.organisation == saint_etienne
    assert template.subject == "Votre demande"
    assert template.introduction == "Première ligne.\nDeuxième ligne."
    save(director, conclusion="Autre fin.")
    assert LetterTemplate.objects.get().conclusion == "Autre fin."
    audits = AuditEvent.objects.filter(action="letter_template_saved").order_by("id")
    assert [a.new_values["conclusion"] for a in audits] == ["Bien à vous.", "Autre fin."]
    assert audits[1].old_values["conclusion"] == "Bien à vous."


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT, Role.COMMITTEE_MEMBER])
def test_only_the_director_saves_texts(make_user, role) -> None:
    with pytest.raises(PermissionDenied):
        save(make_user(role))
    assert not LetterTemplate.objects.exists()


def test_empty_or_unknown_texts_are_refused_with_codes(director) -> None:
    with pytest.raises(ValidationError) as error:
        save(director, subject=" ", signatory="x" * 201)
    codes = {field: [e.code for e in errors] for field, errors in error.value.error_dict.items()}
    assert codes == {"subject": ["required"], "signatory": ["too_long"]}
    with pytest.raises(ValidationError) as error:
        save(director, kind="birthday")
    assert error.value.error_dict["kind"][0].code == "unknown_kind"
    assert not LetterTemplate.objects.exists()


def test_reset_goes_back_to_the_defaults(director) -> None:
    save(director)
    membership = director.memberships.get()
    kind = LetterKind.BANK_REFUSAL
    assert services.letter_template_reset(actor=director, membership=membership, kind=kind)
    assert not LetterTemplate.objects.exists()
    assert not services.letter_template_reset(actor=director, membership=membership, kind=kind)
    assert AuditEvent.objects.filter(action="letter_template_reset").count() == 1


# --- Template pages -------------------------------------------------------------------------


def test_the_page_shows_each_kind_and_the_default_texts(client_for) -> None:
    client = client_for(Role.DIRECTOR)
    response = client.get(reverse("letters:templates") + "?courrier=bank_acceptance")
    assert response.status_code == 200
    page = response.content.decode()
    for _kind, label in LetterKind.choices:
        assert label.capitalize() in page
    assert "Votre micro-crédit est accordé" in page  # the default subject of this kind
    assert "INVALID_TEMPLATE_VARIABLE" not in page


def test_the_director_saves_through_the_page_and_texts_are_escaped(client_for) -> None:
    client = client_for(Role.DIRECTOR)
    url = reverse("letters:templates") + "?courrier=committee_refusal"
    response = client.post(
        url, {**TEXTS, "introduction": "<script>alert(1)</script>", "action": "save"}
    )
    assert response.status_code == 302
    template = LetterTemplate.objects.get(kind=LetterKind.COMMITTEE_REFUSAL)
    assert template.introduction == "<script>alert(1)</script>"
    page = client.get(url).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    response = client.post(url, {"action": "reset"})
    assert response.status_code == 302
    assert not LetterTemplate.objects.exists()


def test_a_refused_form_says_why_and_saves_nothing(client_for) -> None:
    client = client_for(Role.DIRECTOR)
    url = reverse("letters:templates") + "?courrier=committee_refusal"
    response = client.post(url, {**TEXTS, "subject": "", "action": "save"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Les textes n'ont pas été enregistrés" in page
    assert "Ce champ est obligatoire." in page
    assert not LetterTemplate.objects.exists()


def test_the_preview_is_a_pdf_with_sample_data(client_for) -> None:
    client = client_for(Role.DIRECTOR)
    url = reverse("letters:template_preview") + "?courrier=bank_acceptance"
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = normalised(pdf_text(response.content))
    assert "CCAS de Saint-Étienne" in text
    assert "Camille EXEMPLE" in text
    assert "Votre micro-crédit est accordé" in text
    assert "Montant prêté 1 200,00 €" in text
    assert "INVALID_TEMPLATE_VARIABLE" not in text


def test_the_preview_of_typed_texts_saves_nothing(client_for) -> None:
    client = client_for(Role.DIRECTOR)
    url = reverse("letters:template_preview") + "?courrier=committee_reorientation"
    response = client.post(url, {**TEXTS, "conclusion": "Une fin en cours d'écriture."})
    text = normalised(pdf_text(response.content))
    assert "Une fin en cours d'écriture." in text
    assert "Première ligne." in text
    assert "Fonds de solidarité logement (FSL)" in text
    assert not LetterTemplate.objects.exists()


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT, Role.BANK_ADVISER])
def test_only_the_director_reaches_the_template_pages(client_for, role) -> None:
    client = client_for(role)
    assert client.get(reverse("letters:templates")).status_code == 403
    assert client.get(reverse("letters:template_preview")).status_code == 403


# --- Download -------------------------------------------------------------------------------


@pytest.fixture
def letter(bank_decision) -> Letter:  # type: ignore[no-untyped-def]
    event = bank_decision(BankOutcome.ACCEPTED)
    return Letter.objects.get(event=event)


@pytest.mark.parametrize("role", [Role.REFERENT, Role.AGENT, Role.DIRECTOR])
def test_ccas_staff_download_the_letter_and_the_read_is_logged(client_for, letter, role) -> None:
    client = client_for(role, username=f"staff-{role}")
    response = client.get(reverse("letters:download", args=[letter.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert letter.dossier.number in response["Content-Disposition"]
    with letter.file.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()
    # No response.close(): it fires request_finished, which closes the test's PostgreSQL connection.
    log = AccessLog.objects.get(action="letter_download")
    assert (log.user, log.object_id) == (client.user, str(letter.pk))


def test_no_letter_for_the_bank_the_commission_a_partner_or_another_ccas(
    client, make_user, letter, referent
) -> None:
    dossier = letter.dossier
    url = reverse("letters:download", args=[letter.pk])
    adviser = make_user(Role.BANK_ADVISER, username="conseiller-2")
    member = make_user(Role.COMMITTEE_MEMBER)
    put_on_agenda(dossier, member)
    worker = make_user(Role.PARTNER_WORKER)
    share_with(dossier, worker, shared_by=referent)
    other = Organisation.objects.create(kind="ccas", name="CCAS de Roanne", slug="ccas-roanne")
    other_director = make_user(Role.DIRECTOR, username="directrice-roanne", organisation=other)
    for user in (adviser, member, worker, other_director):
        client.force_login(user)
        assert client.get(url).status_code == 404, user
    client.force_login(other_director)
    assert client.get(reverse("letters:download", args=[999999])).status_code == 404
    assert not AccessLog.objects.filter(action="letter_download").exists()


def add_decision(dossier, actor, *, written: bool):  # type: ignore[no-untyped-def]
    """One more adjournment of `dossier`, with its letter or still without."""
    event = dossier.events.create(actor=actor, transition="adjourn", to_state="adjourned")
    if written:
        Letter.objects.create(
            dossier=dossier,
            event=event,
            kind=LetterKind.COMMITTEE_ADJOURNMENT,
            file=f"letters/{event.pk}.pdf",
            size=1,
            sha256="0" * 64,
        )
    return event


def test_letters_for_dossier_gives_each_decision_and_its_letter_in_one_query(
    committee_decision, referent, count_queries
) -> None:
    written = committee_decision("adjourn", reason="Devis.")
    dossier = written.dossier
    other = committee_decision("refuse_by_committee", reason="Non.")  # another dossier
    dossier.events.create(actor=referent, transition="start_diagnosis", to_state="diagnosis")
    pending = add_decision(dossier, referent, written=False)
    rows = letters_for_dossier(dossier)
    assert [(r.event.pk, r.pending) for r in rows] == [(pending.pk, True), (written.pk, False)]
    assert rows[1].letter == Letter.objects.get(event=written)
    assert rows[0].kind_label == "ajournement par la commission"

    def read() -> list[object]:
        return [(r.kind_label, r.letter and r.letter.size) for r in letters_for_dossier(dossier)]

    one = count_queries(read)
    for index in range(4):
        add_decision(dossier, referent, written=index % 2 == 0)
    assert count_queries(read) == one == 1
    assert len(letters_for_dossier(dossier)) == 6
    assert other.dossier_id != dossier.pk


def test_the_dossier_page_shows_the_letters_and_each_one_pending(
    client, committee_decision, referent, count_queries
) -> None:
    written = committee_decision("adjourn", reason="Devis.")
    dossier = written.dossier
    letter = Letter.objects.get(event=written)
    pending = add_decision(dossier, referent, written=False)
    client.force_login(referent)
    url = reverse("dossiers:detail", args=[dossier.pk])
    page = client.get(url).content.decode()
    assert "Courriers au demandeur, écrits après chaque décision" in page
    assert page.count("courrier en attente") == 1
    assert reverse("letters:download", args=[letter.pk]) in page
    assert f"{pending.at.astimezone(timezone.get_current_timezone()):%d/%m/%Y}" in page
    assert "INVALID_TEMPLATE_VARIABLE" not in page
    # The number of queries of the page does not grow with the decisions and their letters.
    one = count_queries(lambda: client.get(url))
    for index in range(4):
        add_decision(dossier, referent, written=index % 2 == 0)
    assert count_queries(lambda: client.get(url)) == one
    assert client.get(url).content.decode().count("courrier en attente") == 3


def test_a_decision_without_letter_is_not_shown_to_the_bank(
    client, bank_decision, broken_renderer, adviser
) -> None:
    event = bank_decision(BankOutcome.REFUSED, refusal_reason="other", refusal_text="Autre.")
    assert not Letter.objects.exists()
    client.force_login(adviser)
    response = client.get(reverse("dossiers:detail", args=[event.dossier_id]))
    assert response.status_code == 200
    assert "courrier en attente" not in response.content.decode()
