"""The commission pages as each role sees them, and the flow through HTTP."""

from __future__ import annotations

import pytest

from microcredit.accounts.enums import Role
from microcredit.commissions import services
from microcredit.commissions.enums import CommitteeDecision
from microcredit.commissions.models import AgendaItem, CommissionSession
from microcredit.dossiers.enums import DossierState
from tests.commissions.helpers import SESSION_DATE, cast, membership, open_session, ready_dossier

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):  # type: ignore[no-untyped-def]
    return cast(make_user)


def _session_with(people, n: int) -> tuple[CommissionSession, list[AgendaItem]]:  # type: ignore[no-untyped-def]
    for _ in range(n):
        ready_dossier(people.referent)
    session = open_session(people)
    items = services.agenda_build(
        actor=people.agent, membership=membership(people.agent), session_id=session.pk
    )
    return session, items


def _other_session(people):  # type: ignore[no-untyped-def]
    """A session where only the outsider sits, with its own dossier."""
    dossier = ready_dossier(people.referent)
    session = services.session_create(
        actor=people.agent,
        membership=membership(people.agent),
        date=SESSION_DATE,
        place="Annexe",
        member_ids=[people.outsider.pk],
    )
    item = services.agenda_item_add(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        dossier_id=dossier.pk,
    )
    return session, item


def test_a_member_outside_the_session_cannot_open_its_dossiers(people, client) -> None:  # type: ignore[no-untyped-def]
    session, (item,) = _session_with(people, 1)
    _other_session(people)  # the outsider sits elsewhere
    client.force_login(people.outsider)
    for url in (
        f"/commission/{session.pk}/",
        f"/commission/{session.pk}/proces-verbal.pdf",
        f"/commission/point/{item.pk}/",
        f"/commission/point/{item.pk}/fiche.pdf",
        f"/dossiers/{item.dossier_id}/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(
        f"/commission/point/{item.pk}/decision/",
        {"decision": "transmit", "reason": "", "expected_state": DossierState.READY_FOR_COMMITTEE},
    )
    assert response.status_code == 404
    assert AgendaItem.objects.get(pk=item.pk).decision == ""
    # The same pages answer for a member of the session.
    client.force_login(people.member)
    for url in (
        f"/commission/{session.pk}/",
        f"/commission/point/{item.pk}/",
        f"/commission/point/{item.pk}/fiche.pdf",
        f"/dossiers/{item.dossier_id}/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_list_shows_each_role_its_sessions(people, client, make_user) -> None:  # type: ignore[no-untyped-def]
    mine, _ = _session_with(people, 0)
    other, _ = _other_session(people)
    for user, seen, unseen in (
        (people.agent, [mine, other], []),
        (people.referent, [mine, other], []),
        (people.member, [mine], [other]),
        (people.outsider, [other], [mine]),
    ):
        client.force_login(user)
        html = client.get("/commission/").content.decode()
        for session in seen:
            assert f"/commission/{session.pk}/" in html, user
        for session in unseen:
            assert f"/commission/{session.pk}/" not in html, user
    for role in (Role.BANK_ADVISER, Role.PARTNER_WORKER):
        client.force_login(make_user(role, f"x-{role}"))
        assert client.get("/commission/").status_code == 403
        assert client.get(f"/commission/{mine.pk}/").status_code == 403


def test_what_each_role_may_do_on_the_session_page(people, client) -> None:  # type: ignore[no-untyped-def]
    session, (item,) = _session_with(people, 1)
    url = f"/commission/{session.pk}/"
    expectations = {
        # user: (decision form, manage forms)
        people.referent: (False, False),
        people.agent: (False, True),
        people.director: (True, True),
        people.member: (True, False),
        people.absent_member: (False, False),
    }
    for user, (decides, manages) in expectations.items():
        client.force_login(user)
        html = client.get(url).content.decode()
        assert (f"/commission/point/{item.pk}/decision/" in html) is decides, user
        assert (f"/commission/{session.pk}/cloturer/" in html) is manages, user
        assert (f"/commission/{session.pk}/ordre-du-jour/" in html) is manages, user
        assert f"/commission/point/{item.pk}/" in html  # everyone reads the summary
        assert "INVALID_TEMPLATE_VARIABLE" not in html
        summary = client.get(f"/commission/point/{item.pk}/").content.decode()
        assert "INVALID_TEMPLATE_VARIABLE" not in summary


def test_a_member_not_yet_marked_present_is_told_why_they_cannot_decide(people, client) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from django.utils import timezone

    ready_dossier(people.referent)
    session = services.session_create(
        actor=people.agent,
        membership=membership(people.agent),
        date=timezone.localdate() + timedelta(days=7),
        place="Salle du conseil",
        member_ids=[people.member.pk],
    )
    (item,) = services.agenda_build(
        actor=people.agent, membership=membership(people.agent), session_id=session.pk
    )
    client.force_login(people.member)
    html = client.get(f"/commission/{session.pk}/").content.decode()
    assert "convoqué·e" in html and "absent·e" not in html
    assert "aura noté votre présence" in html
    assert f"/commission/point/{item.pk}/decision/" not in html

    services.session_update(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        date=session.date,
        place=session.place,
        member_ids=[people.member.pk],
        present_ids=[people.member.pk],
    )
    html = client.get(f"/commission/{session.pk}/").content.decode()
    assert "aura noté votre présence" not in html
    assert f"/commission/point/{item.pk}/decision/" in html


def test_the_session_page_makes_as_many_queries_whatever_the_agenda(
    people, client, count_queries
) -> None:  # type: ignore[no-untyped-def]
    small, _ = _session_with(people, 1)
    large, _ = _session_with(people, 6)
    assert AgendaItem.objects.filter(session=large).count() == 6
    for user in (people.member, people.agent, people.director):
        client.force_login(user)
        counts = [
            count_queries(lambda s=s: client.get(f"/commission/{s.pk}/")) for s in (small, large)
        ]
        assert counts[0] == counts[1], (user, counts)


def test_the_whole_session_through_the_pages(people, client) -> None:  # type: ignore[no-untyped-def]
    transmitted = ready_dossier(people.referent)
    refused = ready_dossier(people.referent)
    client.force_login(people.agent)
    response = client.post(
        "/commission/nouvelle/",
        {"date": "2026-06-18", "place": "Salle du conseil", "members": [people.member.pk]},
    )
    session = CommissionSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/commission/{session.pk}/"
    client.post(
        f"/commission/{session.pk}/modifier/",
        {
            "date": "2026-06-18",
            "place": "Salle du conseil",
            "members": [people.member.pk, people.absent_member.pk],
            "present": [people.member.pk],
        },
    )
    client.post(f"/commission/{session.pk}/ordre-du-jour/")
    items = {i.dossier_id: i for i in AgendaItem.objects.filter(session=session)}
    assert set(items) == {transmitted.pk, refused.pk}

    client.force_login(people.member)
    ready = DossierState.READY_FOR_COMMITTEE
    response = client.post(
        f"/commission/point/{items[refused.pk].pk}/decision/",
        {"decision": "refuse", "reason": "", "expected_state": ready},
        follow=True,
    )
    assert "Indiquez le motif du refus." in response.content.decode()
    assert AgendaItem.objects.get(pk=items[refused.pk].pk).decision == ""
    client.post(
        f"/commission/point/{items[refused.pk].pk}/decision/",
        {"decision": "refuse", "reason": "Endettement trop élevé.", "expected_state": ready},
    )
    client.post(
        f"/commission/point/{items[transmitted.pk].pk}/decision/",
        {"decision": "transmit", "reason": "", "expected_state": ready},
    )
    transmitted.refresh_from_db()
    refused.refresh_from_db()
    assert transmitted.state == DossierState.TRANSMITTED_TO_BANK
    assert refused.state == DossierState.REFUSED_BY_COMMITTEE

    client.force_login(people.agent)
    response = client.post(f"/commission/{session.pk}/cloturer/", follow=True)
    assert "La séance est clôturée" in response.content.decode()
    session.refresh_from_db()
    assert session.closed_at is not None and session.minutes_sha256
    html = client.get(f"/commission/{session.pk}/").content.decode()
    assert "INVALID_TEMPLATE_VARIABLE" not in html
    assert session.minutes_sha256 in html
    assert f"/commission/{session.pk}/cloturer/" not in html
    assert f"/commission/{session.pk}/modifier/" not in html
    # A stale form posted after the closing changes nothing.
    response = client.post(
        f"/commission/{session.pk}/modifier/",
        {"date": "2026-07-01", "place": "Ailleurs", "members": [people.member.pk]},
        follow=True,
    )
    assert "La séance est clôturée" in response.content.decode()
    session.refresh_from_db()
    assert session.place == "Salle du conseil"


def test_closing_with_undecided_dossiers_names_them(people, client) -> None:  # type: ignore[no-untyped-def]
    session, items = _session_with(people, 2)
    services.agenda_item_decide(
        actor=people.member,
        membership=membership(people.member),
        item_id=items[0].pk,
        decision=CommitteeDecision.TRANSMIT,
        reason="",
    )
    client.force_login(people.agent)
    html = client.post(f"/commission/{session.pk}/cloturer/", follow=True).content.decode()
    assert items[1].dossier.number in html
    assert items[0].dossier.number + "." not in html
    session.refresh_from_db()
    assert session.closed_at is None
