"""The follow-up's pages: the section of the dossier page (bounded, with its link to the whole
timeline) and the paginated follow-up page; their SQL queries do not grow with the data."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from microcredit.core.enums import AccessAction
from microcredit.core.models import AccessLog
from microcredit.followup.enums import AppointmentStatus, NoteVisibility
from microcredit.followup.models import Note, StepReview
from microcredit.followup.selectors.notes import (
    PAGE_SIZE,
    RECENT_ENTRIES,
    followup_rights,
    timeline_page,
)
from tests.followup.test_notes_support import World, build_world, plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user) -> World:  # type: ignore[no-untyped-def]
    return build_world(make_user)


def add_entries(world: World, count: int) -> None:
    """`count` of each kind, one every day backwards from today: a note (private or shared),
    an appointment done, a point d'étape; the newest is « Note numéro 0 »."""
    referent, partner = world.users["referent"], world.users["partner"]
    now = timezone.now()
    start = Note.objects.count()
    for i in range(start, start + count):
        note = Note.objects.create(
            dossier=world.dossier,
            author=referent,
            visibility=NoteVisibility.CCAS if i % 2 else NoteVisibility.SHARED,
            body=f"Note numéro {i}",
        )
        Note.objects.filter(pk=note.pk).update(created_at=now - timedelta(days=3 * i))
        plan(world, now - timedelta(days=3 * i + 1), status=AppointmentStatus.DONE)
        StepReview.objects.create(
            dossier=world.dossier,
            author=partner,
            held_on=timezone.localdate(now - timedelta(days=3 * i + 2)),
            summary=f"Point numéro {i}",
        )


def test_the_timeline_is_one_ordered_list_of_the_three_kinds(world: World) -> None:
    referent, partner = world.users["referent"], world.users["partner"]
    today = timezone.localdate()
    old_review = StepReview.objects.create(
        dossier=world.dossier, author=partner, held_on=today - timedelta(days=10), summary="Ancien"
    )
    appointment = plan(world, timezone.now() - timedelta(days=3), status=AppointmentStatus.DONE)
    note = Note.objects.create(dossier=world.dossier, author=referent, body="Récente")
    missed = plan(world, timezone.now() - timedelta(days=12), status=AppointmentStatus.MISSED)
    plan(world, timezone.now() + timedelta(days=5))  # planned: the agenda, not the history
    plan(world, timezone.now() - timedelta(hours=1))  # planned, its outcome not yet recorded
    rights = followup_rights(referent, world.membership("referent"), world.dossier)
    page = timeline_page(world.dossier, rights, 1)
    kinds = [(e.kind, (e.note or e.appointment or e.review).pk) for e in page.object_list]  # type: ignore[union-attr]
    assert kinds == [
        ("note", note.pk),
        ("appointment", appointment.pk),
        ("review", old_review.pk),
        ("appointment", missed.pk),
    ]
    # The partner worker: the point d'étape only (no appointment, no private note).
    rights = followup_rights(partner, world.membership("partner"), world.dossier)
    page = timeline_page(world.dossier, rights, 1)
    assert [e.kind for e in page.object_list] == ["review"]


def test_the_dossier_page_shows_the_last_entries_and_links_to_all(world: World) -> None:
    add_entries(world, 5)  # 15 entries
    html = (
        world.client("referent")
        .get(reverse("dossiers:detail", args=[world.dossier.pk]))
        .content.decode()
    )
    section = html[html.index('id="suivi"') :]
    shown = section.count("<li>")
    assert shown >= RECENT_ENTRIES
    assert f"Voir tout le suivi (15 éléments, {RECENT_ENTRIES} affichés ici)" in section
    assert reverse("followup:dossier_followup", args=[world.dossier.pk]) in section
    assert "Note numéro 0" in section  # the newest
    assert "Note numéro 2" in section
    assert "Note numéro 3" not in section  # beyond the last RECENT_ENTRIES
    assert "Note numéro 4" not in section


def test_the_follow_up_page_is_paginated(world: World) -> None:
    add_entries(world, 10)  # 30 entries: 2 pages of PAGE_SIZE
    client = world.client("referent")
    url = reverse("followup:dossier_followup", args=[world.dossier.pk])
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert "Page 1 sur 2 (30 éléments)" in first
    assert "Page 2 sur 2 (30 éléments)" in second
    assert "Page suivante" in first and "Page précédente" in second
    texts = [f"Note numéro {i}" for i in range(10)] + [f"Point numéro {i}" for i in range(10)]
    for text in texts:  # every entry on exactly one page
        assert (text in first) != (text in second), text
    assert PAGE_SIZE == 20
    logs = AccessLog.objects.filter(action=AccessAction.FOLLOWUP_TIMELINE).order_by("id")
    assert [log.detail for log in logs] == [
        "page 1 : 20 élément(s)",
        "page 2 : 10 élément(s)",
    ]


@pytest.mark.parametrize("name", ["referent", "partner"])
def test_the_follow_up_page_queries_do_not_grow_with_the_data(
    world: World, name: str, count_queries
) -> None:  # type: ignore[no-untyped-def]
    client = world.client(name)
    url = reverse("followup:dossier_followup", args=[world.dossier.pk])
    client.get(url)  # the session, the first time
    add_entries(world, 2)
    few = count_queries(lambda: client.get(url))
    add_entries(world, 20)
    many = count_queries(lambda: client.get(url))
    # Page 2 reads the kinds it shows (one query each, at most three).
    many_second_page = count_queries(lambda: client.get(url, {"page": 2}))
    assert few == many
    assert many_second_page <= many <= 16


@pytest.mark.parametrize("name", ["referent", "partner"])
def test_the_dossier_page_section_queries_do_not_grow_with_the_data(
    world: World, name: str, count_queries
) -> None:  # type: ignore[no-untyped-def]
    client = world.client(name)
    url = reverse("dossiers:detail", args=[world.dossier.pk])
    client.get(url)
    add_entries(world, 3)  # more than the section shows: it counts them all
    plan(world, timezone.now() + timedelta(days=2))
    few = count_queries(lambda: client.get(url))
    add_entries(world, 20)
    for day in range(3, 30):
        plan(world, timezone.now() + timedelta(days=day))
    many = count_queries(lambda: client.get(url))
    assert few == many


def test_a_partner_worker_on_a_disbursed_dossier_has_a_point_d_etape_to_write(
    world: World,
) -> None:
    html = (
        world.client("partner")
        .get(reverse("dossiers:detail", args=[world.dossier.pk]))
        .content.decode()
    )
    section = html[html.index('id="suivi"') :]
    assert "Écrire un point d&#x27;étape" in section or "Écrire un point d'étape" in section
    assert reverse("followup:review_create", args=[world.dossier.pk]) in section
    assert reverse("followup:note_create", args=[world.dossier.pk]) not in html
    assert reverse("followup:appointment_create", args=[world.dossier.pk]) not in html


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("referent", {"note_create", "appointment_create", "review_create"}),
        ("agent", {"note_create", "appointment_create"}),
        ("director", {"note_create", "appointment_create"}),
        ("partner", {"review_create"}),
    ],
)
def test_each_one_sees_the_forms_they_may_use(world: World, name: str, forms: set[str]) -> None:
    html = (
        world.client(name)
        .get(reverse("followup:dossier_followup", args=[world.dossier.pk]))
        .content.decode()
    )
    for form in ("note_create", "appointment_create", "review_create"):
        assert (reverse(f"followup:{form}", args=[world.dossier.pk]) in html) == (form in forms)
