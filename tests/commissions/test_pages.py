"""The commission pages as each role sees them, and the flow through HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from microcredit.accounts.enums import Role
from microcredit.commissions import services
from microcredit.commissions.enums import CommitteeDecision
from microcredit.commissions.models import AgendaItem, CommissionSession
from microcredit.dossiers.enums import DossierState
from tests.commissions.helpers import SESSION_DATE, membership, open_session, ready_dossier

pytestmark = pytest.mark.django_db


def _session_with(people, n: int) -> tuple[CommissionSession, list[AgendaItem]]:  # type: ignore[no-untyped-def]
    for k in range(n):  # each applied on its own day: the parameters are looked up per day
        ready_dossier(people.referent, application_date=SESSION_DATE - timedelta(days=10 + k))
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
    ):
        assert client.get(url).status_code == 200, url
    # The dossier itself is read through its pseudonymised summary.
    response = client.get(f"/dossiers/{item.dossier_id}/")
    assert (response.status_code, response["Location"]) == (302, f"/commission/point/{item.pk}/")


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
        people.director: (False, True),  # does not sit on this session
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

    def note_presence(on):  # type: ignore[no-untyped-def]
        services.session_update(
            actor=people.agent,
            membership=membership(people.agent),
            session_id=session.pk,
            date=on,
            place=session.place,
            member_ids=[people.member.pk],
            present_ids=[people.member.pk],
        )

    # Present, but the session is still to come: the decisions wait for its day.
    note_presence(session.date)
    html = client.get(f"/commission/{session.pk}/").content.decode()
    assert "aura noté votre présence" not in html
    assert f"/commission/point/{item.pk}/decision/" not in html
    assert f"La séance a lieu le {session.date:%d/%m/%Y}" in html
    response = client.post(
        f"/commission/point/{item.pk}/decision/",
        {"decision": "transmit", "reason": "", "expected_state": DossierState.READY_FOR_COMMITTEE},
        follow=True,
    )
    assert "La séance n&#x27;a pas encore eu lieu" in response.content.decode()
    assert AgendaItem.objects.get(pk=item.pk).decision == ""
    # On the day of the session, the member decides.
    note_presence(timezone.localdate())
    html = client.get(f"/commission/{session.pk}/").content.decode()
    assert f"/commission/point/{item.pk}/decision/" in html
    assert "La séance a lieu le" not in html


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
        today=SESSION_DATE,
    )
    client.force_login(people.agent)
    html = client.post(f"/commission/{session.pk}/cloturer/", follow=True).content.decode()
    assert items[1].dossier.number in html
    assert items[0].dossier.number + "." not in html
    session.refresh_from_db()
    assert session.closed_at is None


def _close_session(people, session, items) -> None:  # type: ignore[no-untyped-def]
    for item in items:
        services.agenda_item_decide(
            actor=people.member,
            membership=membership(people.member),
            item_id=item.pk,
            decision=CommitteeDecision.TRANSMIT,
            reason="",
            today=SESSION_DATE,
        )
    services.session_close(
        actor=people.agent,
        membership=membership(people.agent),
        session_id=session.pk,
        today=SESSION_DATE,
    )


def test_once_closed_the_members_keep_the_minutes_but_not_the_summaries(people, client) -> None:  # type: ignore[no-untyped-def]
    session, (item,) = _session_with(people, 1)
    _close_session(people, session, [item])
    summaries = (f"/commission/point/{item.pk}/", f"/commission/point/{item.pk}/fiche.pdf")
    client.force_login(people.member)
    html = client.get(f"/commission/{session.pk}/").content.decode()
    assert item.dossier.number in html
    assert f"/commission/point/{item.pk}/" not in html  # no link to a page that would 404
    assert client.get(f"/commission/{session.pk}/proces-verbal.pdf").status_code == 200
    for url in summaries:
        assert client.get(url).status_code == 404, url
    # The CCAS staff still read them (rebuilt from the dossier's current data).
    for user in (people.agent, people.director, people.referent):
        client.force_login(user)
        assert (
            f"/commission/point/{item.pk}/"
            in client.get(f"/commission/{session.pk}/").content.decode()
        )
        for url in summaries:
            assert client.get(url).status_code == 200, (user, url)


def _row(html: str, item: AgendaItem) -> str:
    return html.split(f'id="point-{item.pk}"', 1)[1].split("</tr>", 1)[0]


def test_each_dossier_is_offered_the_reorientations_of_its_own_parameters(people, client) -> None:  # type: ignore[no-untyped-def]
    from microcredit.programmes.selectors import version_in_force

    before = ready_dossier(people.referent, application_date=SESSION_DATE - timedelta(days=60))
    version = version_in_force(before.programme, before.application_date)
    assert version is not None and version.reorientation_schemes
    old_code = version.reorientation_schemes[0]["code"]
    version.pk = None
    version.number += 1
    version.valid_from = SESSION_DATE - timedelta(days=30)
    version.reorientation_schemes = [{"code": "epicerie_test", "label": "Épicerie solidaire"}]
    version.save()
    after = ready_dossier(people.referent, application_date=SESSION_DATE - timedelta(days=10))
    session = open_session(people)
    items = {
        i.dossier_id: i
        for i in services.agenda_build(
            actor=people.agent, membership=membership(people.agent), session_id=session.pk
        )
    }
    client.force_login(people.member)
    html = client.get(f"/commission/{session.pk}/").content.decode()
    row = _row(html, items[before.pk])
    assert f'value="{old_code}"' in row and "epicerie_test" not in row
    row = _row(html, items[after.pk])
    assert 'value="epicerie_test"' in row and f'value="{old_code}"' not in row


def test_saving_the_session_keeps_a_member_whose_membership_ended(people, client) -> None:  # type: ignore[no-untyped-def]
    from microcredit.accounts.models import Membership
    from microcredit.commissions.models import SessionMember

    session = open_session(people)
    Membership.objects.filter(user=people.absent_member).update(active=False)
    client.force_login(people.agent)
    html = client.get(f"/commission/{session.pk}/").content.decode()
    checkbox = html.split(f'id="member-{people.absent_member.pk}"', 1)
    assert len(checkbox) == 2, "the former member is not offered"
    assert checkbox[1].split(">", 1)[0].rstrip().endswith("checked")
    response = client.post(
        f"/commission/{session.pk}/modifier/",
        {
            "date": SESSION_DATE.isoformat(),
            "place": "Salle du conseil",
            "members": [people.member.pk, people.absent_member.pk],
            "present": [people.member.pk, people.absent_member.pk],
        },
        follow=True,
    )
    assert "La séance est enregistrée." in response.content.decode()
    assert set(SessionMember.objects.filter(session=session).values_list("user", "present")) == {
        (people.member.pk, True),
        (people.absent_member.pk, True),
    }


def test_a_refused_decision_form_says_why_and_keeps_what_was_typed(people, client) -> None:  # type: ignore[no-untyped-def]
    _session, (item,) = _session_with(people, 1)
    client.force_login(people.member)
    url = f"/commission/point/{item.pk}/decision/"
    ready = DossierState.READY_FOR_COMMITTEE
    typed = "Le budget ne permet pas la mensualité. " * 60  # more than 2000 characters
    response = client.post(url, {"decision": "refuse", "reason": typed, "expected_state": ready})
    html = response.content.decode()
    assert "au plus 2000 caractères" in html
    assert "Choisissez une décision" not in html
    row = _row(html, item)
    assert re.search(r'value="refuse"\s+selected', row)
    assert typed.strip().replace("'", "&#x27;") in row
    # A decision forgotten: said so, the reason kept.
    html = client.post(
        url, {"decision": "", "reason": "Dossier bien préparé.", "expected_state": ready}
    ).content.decode()
    assert "Choisissez une décision." in html
    assert "Dossier bien préparé." in _row(html, item)
    # What the service refuses on a field is shown the same way.
    html = client.post(url, {"decision": "refuse", "reason": " ", "expected_state": ready})
    row = _row(html.content.decode(), item)
    assert "Indiquez le motif du refus." in row and re.search(r'value="refuse"\s+selected', row)
    assert AgendaItem.objects.get(pk=item.pk).decision == ""
