"""Notes on a dossier: who writes them (the CCAS staff), who reads which (private to the CCAS
or shared with the partner worker), through the services, the selectors and the pages."""

from __future__ import annotations

import html

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from microcredit.core.enums import AccessAction, AuditAction
from microcredit.core.errors import Refused
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.followup.enums import NoteVisibility
from microcredit.followup.models import Note
from microcredit.followup.selectors.notes import (
    followup_rights,
    readable_notes,
    timeline_recent,
)
from microcredit.followup.services.notes import NOTE_MAX_LENGTH, note_create
from tests.followup.test_notes_support import (
    CCAS_STAFF,
    PRIVATE_TEXT,
    REVIEW_TEXT,
    SHARED_TEXT,
    VIEWERS,
    World,
    build_world,
    write_notes,
)

pytestmark = pytest.mark.django_db

# Who reads which note of the dossier: the CCAS staff both, the partner worker it is shared
# with the shared one, nobody else any.
READS = {
    "referent": {"private", "shared"},
    "agent": {"private", "shared"},
    "director": {"private", "shared"},
    "partner": {"shared"},
}


@pytest.fixture
def world(make_user) -> World:  # type: ignore[no-untyped-def]
    world = build_world(make_user)
    write_notes(world)
    return world


@pytest.mark.parametrize("name", VIEWERS)
def test_who_reads_which_note_through_the_selectors(world: World, name: str) -> None:
    user = world.users[name]
    rights = followup_rights(user, world.membership(name), world.dossier)
    readable = set(readable_notes(world.dossier, rights).values_list("body", flat=True))
    expected = {
        {"private": PRIVATE_TEXT, "shared": SHARED_TEXT}[kind] for kind in READS.get(name, set())
    }
    assert readable == expected
    entries, total = timeline_recent(world.dossier, rights)
    bodies = {entry.note.body for entry in entries if entry.note is not None}
    assert bodies == expected
    reviews = [entry.review for entry in entries if entry.review is not None]
    assert bool(reviews) == (name in READS)
    assert total == len(entries)


@pytest.mark.parametrize("name", VIEWERS)
def test_who_reads_which_note_on_the_follow_up_page(world: World, name: str) -> None:
    response = world.client(name).get(reverse("followup:dossier_followup", args=[world.dossier.pk]))
    if name in READS:
        assert response.status_code == 200
        html = response.content.decode()
        assert (PRIVATE_TEXT in html) == ("private" in READS[name])
        assert SHARED_TEXT in html
        assert REVIEW_TEXT in html
        assert AccessLog.objects.filter(
            user=world.users[name],
            action=AccessAction.FOLLOWUP_TIMELINE,
            object_id=str(world.dossier.pk),
        ).exists()
    elif name in {"other_ccas", "other_partner"}:
        assert response.status_code == 404  # the funnel: never say that it exists
    else:
        assert response.status_code == 403  # commission, bank, technical admin: not their page
    if response.status_code != 200:
        assert not AccessLog.objects.filter(action=AccessAction.FOLLOWUP_TIMELINE).exists()


@pytest.mark.parametrize("name", VIEWERS)
def test_who_reads_which_note_on_the_dossier_page(world: World, name: str) -> None:
    response = world.client(name).get(
        reverse("dossiers:detail", args=[world.dossier.pk]), follow=True
    )
    html = response.content.decode()
    expected = READS.get(name, set())
    assert (PRIVATE_TEXT in html) == ("private" in expected)
    assert (SHARED_TEXT in html) == ("shared" in expected)
    assert (REVIEW_TEXT in html) == bool(expected)
    assert ('id="suivi"' in html) == bool(expected)
    if name == "bank":
        assert response.status_code == 200  # the bank sees the dossier, not its follow-up
    if name == "commission":
        # The commission reads its pseudonymised summary, without any follow-up.
        assert response.redirect_chain and response.status_code == 200
    logged = AccessLog.objects.filter(
        user=world.users[name], action=AccessAction.FOLLOWUP_TIMELINE
    ).exists()
    assert logged == bool(expected)


@pytest.mark.parametrize("name", CCAS_STAFF)
@pytest.mark.parametrize("visibility", NoteVisibility.values)
def test_the_ccas_staff_write_a_note_private_or_shared(
    world: World, name: str, visibility: str
) -> None:
    note = note_create(
        actor=world.users[name],
        membership=world.membership(name),
        dossier_id=world.dossier.pk,
        visibility=visibility,
        body="  Rendez-vous pris avec la CAF.  ",
    )
    assert note.body == "Rendez-vous pris avec la CAF."
    assert note.visibility == visibility
    assert note.author == world.users[name]
    audit = AuditEvent.objects.get(action=AuditAction.FOLLOWUP_NOTE_CREATED, object_id=note.pk)
    assert audit.actor_id == world.users[name].pk
    assert audit.new_values == {
        "dossier": world.dossier.pk,
        "visibility": visibility,
        "length": len(note.body),
    }
    # Seen by the partner worker only when shared.
    partner_rights = followup_rights(
        world.users["partner"], world.membership("partner"), world.dossier
    )
    shown = readable_notes(world.dossier, partner_rights).filter(pk=note.pk).exists()
    assert shown == (visibility == NoteVisibility.SHARED)


def test_the_partner_worker_writes_no_note(world: World) -> None:
    with pytest.raises(Refused, match="point d'étape"):
        note_create(
            actor=world.users["partner"],
            membership=world.membership("partner"),
            dossier_id=world.dossier.pk,
            visibility=NoteVisibility.SHARED,
            body="Une note du partenaire.",
        )
    assert Note.objects.count() == 2


@pytest.mark.parametrize("name", ["other_ccas", "other_partner", "commission", "bank", "admin"])
def test_nobody_else_writes_a_note_nor_learns_that_the_dossier_exists(
    world: World, name: str
) -> None:
    with pytest.raises(Http404):
        note_create(
            actor=world.users[name],
            membership=world.membership(name),
            dossier_id=world.dossier.pk,
            visibility=NoteVisibility.CCAS,
            body="Intrusion.",
        )
    assert Note.objects.count() == 2


@pytest.mark.parametrize(
    ("visibility", "body", "field", "message"),
    [
        ("public", "Texte", "visibility", "Choisissez qui pourra lire la note"),
        (NoteVisibility.CCAS, "   ", "body", "Écrivez la note."),
        (NoteVisibility.CCAS, "x" * (NOTE_MAX_LENGTH + 1), "body", "au plus 5000 caractères"),
    ],
)
def test_a_bad_note_is_refused_in_french_and_nothing_is_written(
    world: World, visibility: str, body: str, field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as refusal:
        note_create(
            actor=world.users["referent"],
            membership=world.membership("referent"),
            dossier_id=world.dossier.pk,
            visibility=visibility,
            body=body,
        )
    assert message in " ".join(refusal.value.message_dict[field])
    assert Note.objects.count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.FOLLOWUP_NOTE_CREATED).exists()


def test_the_note_form_posts_then_comes_back_to_the_dossier(world: World) -> None:
    client = world.client("agent")
    url = reverse("followup:note_create", args=[world.dossier.pk])
    response = client.post(url, {"visibility": NoteVisibility.SHARED, "body": "Appel reçu."})
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:detail", args=[world.dossier.pk]) + "#suivi"
    note = Note.objects.get(body="Appel reçu.")
    assert note.visibility == NoteVisibility.SHARED
    page = client.get(response["Location"]).content.decode()
    assert "Note enregistrée, partagée avec le travailleur social partenaire." in page
    assert "Appel reçu." in page


def test_a_note_form_with_faults_shows_them_and_keeps_the_text(world: World) -> None:
    client = world.client("referent")
    url = reverse("followup:note_create", args=[world.dossier.pk])
    response = client.post(url, {"visibility": "", "body": "Texte gardé tel quel"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ce champ est obligatoire." in html
    assert "Texte gardé tel quel" in html
    assert Note.objects.count() == 2


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("partner", 403),  # the role writes no note
        ("bank", 403),
        ("commission", 403),
        ("admin", 403),
        ("other_ccas", 404),  # the role does, not on this dossier
    ],
)
def test_the_note_form_refuses_the_others(world: World, name: str, status: int) -> None:
    response = world.client(name).post(
        reverse("followup:note_create", args=[world.dossier.pk]),
        {"visibility": NoteVisibility.SHARED, "body": "Intrusion."},
    )
    assert response.status_code == status
    assert not Note.objects.filter(body="Intrusion.").exists()


def test_notes_are_append_only_and_the_page_says_so(world: World) -> None:
    html = world.client("referent").get(
        reverse("followup:dossier_followup", args=[world.dossier.pk])
    )
    assert "Notes et points d'étape ne se modifient ni ne se suppriment." in html.content.decode()
    # No page edits or deletes a note: the follow-up's URLs are the page and the writes.
    from microcredit.followup.views.notes import urlpatterns

    assert {p.name for p in urlpatterns} == {
        "dossier_followup",
        "note_create",
        "appointment_create",
        "appointment_close",
        "review_create",
    }


def test_a_partner_worker_no_longer_shared_reads_nothing(world: World) -> None:
    world.dossier.shares.filter(worker=world.users["partner"]).delete()
    response = world.client("partner").get(
        reverse("followup:dossier_followup", args=[world.dossier.pk])
    )
    assert response.status_code == 404
    rights = followup_rights(world.users["partner"], world.membership("partner"), world.dossier)
    assert not rights.read_any


def test_the_technical_admin_sees_when_and_by_whom_never_what(world: World) -> None:
    admin = world.users["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = world.client("admin")
    note = world.notes["private"]
    for url in (
        reverse("admin:followup_note_changelist"),
        reverse("admin:followup_note_change", args=[note.pk]),
        reverse("admin:followup_stepreview_changelist"),
        reverse("admin:followup_appointment_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        for text in (PRIVATE_TEXT, SHARED_TEXT, REVIEW_TEXT):
            assert text not in html, url
    assert client.post(reverse("admin:followup_note_delete", args=[note.pk])).status_code == 403
    assert Note.objects.filter(pk=note.pk).exists()


def test_the_partner_worker_is_told_what_is_theirs_on_the_dossier_page(world: World) -> None:
    # No step change is theirs; the page says their part is the points d'étape, instead of
    # « Aucune action ne vous revient » above the form that gives them something to do.
    partner = world.client("partner").get(reverse("dossiers:detail", args=[world.dossier.pk]))
    text = " ".join(html.unescape(partner.content.decode()).split())
    assert "votre part, ce sont les points d'étape" in text
    assert "Aucune action ne vous revient à cette étape" not in text
    referent = world.client("referent").get(reverse("dossiers:detail", args=[world.dossier.pk]))
    assert "votre part, ce sont les points d'étape" not in html.unescape(referent.content.decode())
