"""Points d'étape: written by the partner worker the dossier is shared with, or by a référent;
read by both (and the CCAS staff) in the dossier's follow-up; by nobody else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from microcredit.core.enums import AuditAction
from microcredit.core.errors import Refused
from microcredit.core.models import AuditEvent
from microcredit.followup.models import StepReview
from microcredit.followup.services.notes import step_review_create
from tests.followup.test_notes_support import World, build_world

pytestmark = pytest.mark.django_db

SUMMARY = "Elle tient son budget ; la voiture est assurée."


@pytest.fixture
def world(make_user) -> World:  # type: ignore[no-untyped-def]
    return build_world(make_user)


def write(world: World, name: str, **values: object) -> StepReview:
    today = timezone.localdate()
    values.setdefault("held_on", today)
    values.setdefault("summary", SUMMARY)
    values.setdefault("next_on", today + timedelta(days=30))
    return step_review_create(
        actor=world.users[name],
        membership=world.membership(name),
        dossier_id=world.dossier.pk,
        **values,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("name", ["partner", "referent"])
def test_the_partner_worker_and_the_referent_write_a_point_d_etape(world: World, name: str) -> None:
    review = write(world, name, summary=f"  {SUMMARY}  ")
    assert review.summary == SUMMARY
    assert review.author == world.users[name]
    audit = AuditEvent.objects.get(
        action=AuditAction.FOLLOWUP_STEP_REVIEW_CREATED, object_id=review.pk
    )
    assert audit.actor_id == world.users[name].pk
    assert audit.new_values["held_on"] == timezone.localdate().isoformat()


@pytest.mark.parametrize(
    ("name", "refusal"),
    [
        ("agent", Refused),
        ("director", Refused),
        ("other_partner", Http404),
        ("other_ccas", Http404),
        ("commission", Http404),
        ("bank", Http404),
        ("admin", Http404),
    ],
)
def test_nobody_else_writes_a_point_d_etape(world: World, name: str, refusal: type) -> None:
    with pytest.raises(refusal):
        write(world, name)
    assert not StepReview.objects.exists()


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"held_on": 1}, "held_on", "d'après aujourd'hui"),  # tomorrow
        ({"next_on": 0}, "next_on", "vient après celui-ci"),  # the same day
        ({"summary": "  "}, "summary", "Écrivez où en est la personne."),
        ({"summary": "x" * 5001}, "summary", "au plus 5000 caractères"),
    ],
)
def test_a_bad_point_d_etape_is_refused_in_french_and_nothing_is_written(
    world: World, values: dict[str, object], field: str, message: str
) -> None:
    today = timezone.localdate()
    values = {
        key: today + timedelta(days=value) if isinstance(value, int) else value
        for key, value in values.items()
    }
    with pytest.raises(ValidationError) as refusal:
        write(world, "partner", **values)
    assert message in " ".join(refusal.value.message_dict[field])
    assert not StepReview.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.FOLLOWUP_STEP_REVIEW_CREATED).exists()


def test_the_partner_writes_a_point_d_etape_and_the_referent_reads_it(world: World) -> None:
    partner = world.client("partner")
    response = partner.post(
        reverse("followup:review_create", args=[world.dossier.pk]),
        {
            "held_on": timezone.localdate().isoformat(),
            "summary": SUMMARY,
            "next_on": (timezone.localdate() + timedelta(days=21)).isoformat(),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dossiers:detail", args=[world.dossier.pk]) + "#suivi"
    assert "Point d&#x27;étape enregistré." in partner.get(response["Location"]).content.decode()
    next_on = (timezone.localdate() + timedelta(days=21)).strftime("%d/%m/%Y")
    for name in ("referent", "agent", "director"):
        html = (
            world.client(name)
            .get(reverse("dossiers:detail", args=[world.dossier.pk]))
            .content.decode()
        )
        section = html[html.index('id="suivi"') :]
        assert SUMMARY in section
        assert f"Prochain point d'étape prévu le {next_on}." in section
        assert world.users["partner"].get_full_name() in section


def test_a_point_d_etape_with_faults_shows_them_and_keeps_the_text(world: World) -> None:
    response = world.client("partner").post(
        reverse("followup:review_create", args=[world.dossier.pk]),
        {
            "held_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
            "summary": "Texte gardé",
            "next_on": "",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "d&#x27;après aujourd&#x27;hui" in html
    assert "Texte gardé" in html
    assert not StepReview.objects.exists()


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("agent", 403),
        ("director", 403),
        ("commission", 403),
        ("bank", 403),
        ("admin", 403),
        ("other_partner", 404),
        ("other_ccas", 404),
    ],
)
def test_the_point_d_etape_form_refuses_the_others(world: World, name: str, status: int) -> None:
    response = world.client(name).post(
        reverse("followup:review_create", args=[world.dossier.pk]),
        {"held_on": timezone.localdate().isoformat(), "summary": "Intrusion."},
    )
    assert response.status_code == status
    assert not StepReview.objects.exists()
