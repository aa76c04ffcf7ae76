"""Alerts of the nightly job: raised once per recipient, e-mailed without personal data, the
letter owed on a missed installment, marked handled from the home page."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from microcredit.accounts.enums import Role
from microcredit.core.errors import Refused
from microcredit.core.models import AuditEvent
from microcredit.dossiers.models import Dossier
from microcredit.servicing.hooks import letter_due
from microcredit.servicing.models import Alert
from microcredit.servicing.services.alerts import alert_handle
from microcredit.servicing.services.arrears import arrears_run
from tests.servicing.arrears_helpers import APR, FEB, INSTALLMENT, MAR, on, pay, reference_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def referent(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.REFERENT, username="claire.referente")


@pytest.fixture
def adviser(make_user):  # type: ignore[no-untyped-def]
    return make_user(Role.BANK_ADVISER, username="paul.conseiller")


@pytest.fixture
def loan(referent, adviser):  # type: ignore[no-untyped-def]
    return reference_loan(referent=referent, adviser=adviser)


def _arrears() -> None:
    """The command, as the scheduler runs it (the date: today)."""
    call_command("arrears", stdout=io.StringIO())


def _alerts() -> set[tuple[int, str, str]]:
    return set(Alert.objects.values_list("recipient_id", "kind", "key"))


def test_moving_one_day_on_raises_the_missed_installment_alert_once(
    loan, referent, adviser, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    pay(loan, adviser, FEB)
    with on(MAR) as clock, django_capture_on_commit_callbacks(execute=True):
        _arrears()  # 15 March: the installment is due today, not overdue
        assert _alerts() == set()
        clock.shift(timedelta(days=1))
        _arrears()  # 16 March: one day past due
        missed = {
            (referent.pk, "missed_installment", "2026-03-15"),
            (adviser.pk, "missed_installment", "2026-03-15"),
        }
        assert _alerts() == missed
        _arrears()  # the same night again
        clock.shift(timedelta(days=1))
        _arrears()  # the next day: 2 days past due, the same installment
    assert _alerts() == missed
    for alert in Alert.objects.all():
        assert (alert.as_of, alert.days_past_due, alert.bucket) == (date(2026, 3, 16), 1, "late")
        assert alert.overdue_amount == INSTALLMENT
        assert alert.handled_at is None
    assert AuditEvent.objects.filter(action="alert_raised").count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted([referent.email, adviser.email])


def test_the_email_says_an_alert_awaits_with_a_link_and_no_personal_data(
    loan, referent, adviser, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        arrears_run(as_of=date(2026, 4, 20))  # nothing paid: missed February, then 60+
    assert len(mail.outbox) == Alert.objects.count() == 4
    applicant = loan.dossier.applicant
    for message in mail.outbox:
        text = message.subject + "\n" + message.body
        assert "une alerte de suivi vous attend" in message.subject
        assert f"{settings.SITE_URL}/" in message.body
        for personal in (
            applicant.first_name,
            applicant.last_name,
            referent.first_name,
            adviser.first_name,
            loan.dossier.number,
            "€",
            "50,92",
            "50.92",
            "152",
            "1200",
            "1 200",
        ):
            assert personal not in text, personal
    kinds = sorted(m.body.split(" : ")[1].split(".")[0] for m in mail.outbox)
    assert kinds == 2 * ["entrée dans une tranche de retard"] + 2 * ["première échéance impayée"]
    assert not Alert.objects.filter(emailed_at__isnull=True).exists()

    with django_capture_on_commit_callbacks(execute=True):
        arrears_run(as_of=date(2026, 4, 20))
    assert len(mail.outbox) == 4  # nothing new, nothing sent again


def test_a_bucket_alert_when_the_loan_enters_30_then_60_days(loan, referent, adviser) -> None:  # type: ignore[no-untyped-def]
    arrears_run(as_of=date(2026, 3, 16))  # 29 days after 15 February: late
    assert {key for _r, _k, key in _alerts()} == {"2026-02-15"}
    arrears_run(as_of=date(2026, 3, 17))  # 30 days
    arrears_run(as_of=date(2026, 3, 18))
    assert {(k, key) for _r, k, key in _alerts()} == {
        ("missed_installment", "2026-02-15"),
        ("bucket_entered", "30+"),
    }
    assert arrears_run(as_of=date(2026, 4, 16)).alerts_raised == 2  # 60 days: 60+, to two
    assert Alert.objects.filter(kind="bucket_entered", key="60+").count() == 2
    assert Alert.objects.count() == AuditEvent.objects.filter(action="alert_raised").count() == 6


def test_each_missed_installment_owes_the_borrower_one_letter(loan, adviser, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    letters: list[tuple[int, str, str]] = []
    monkeypatch.setattr(
        letter_due, "_functions", [lambda loan, kind, key: letters.append((loan.pk, kind, key))]
    )
    arrears_run(as_of=date(2026, 2, 16))
    arrears_run(as_of=date(2026, 2, 16))
    arrears_run(as_of=date(2026, 2, 17))
    assert letters == [(loan.pk, "missed_installment", "2026-02-15")]
    # The borrower catches up on 20 February and pays March; April is missed: a new letter.
    pay(loan, adviser, date(2026, 2, 20), MAR)
    arrears_run(as_of=date(2026, 3, 20))
    arrears_run(as_of=date(2026, 4, 16))
    assert letters == [
        (loan.pk, "missed_installment", "2026-02-15"),
        (loan.pk, "missed_installment", APR.isoformat()),
    ]


def test_without_a_referent_the_bank_adviser_alone_is_alerted(loan, adviser) -> None:  # type: ignore[no-untyped-def]
    Dossier.objects.filter(pk=loan.dossier_id).update(referent=None)
    arrears_run(as_of=date(2026, 2, 16))
    assert _alerts() == {(adviser.pk, "missed_installment", "2026-02-15")}


def test_the_recipient_marks_an_alert_handled_from_the_home_page(
    client, loan, referent, adviser, make_user
) -> None:  # type: ignore[no-untyped-def]
    arrears_run(as_of=date(2026, 2, 16))
    mine = Alert.objects.get(recipient=referent)
    client.force_login(referent)
    body = client.get("/").content.decode()
    assert "Première échéance impayée" in body
    assert f"/prets/{loan.pk}/" in body and loan.dossier.number in body
    assert f"/suivi/alertes/{mine.pk}/traitee/" in body

    # Another référent: the alert does not exist for them, nothing changes.
    other = make_user(Role.REFERENT, username="autre")
    client.force_login(other)
    assert client.post(f"/suivi/alertes/{mine.pk}/traitee/").status_code == 404
    with pytest.raises(Refused):
        alert_handle(actor=other, alert_id=mine.pk)
    mine.refresh_from_db()
    assert mine.handled_at is None

    client.force_login(referent)
    response = client.post(f"/suivi/alertes/{mine.pk}/traitee/", follow=True)
    assert "Alerte marquée comme traitée." in response.content.decode()
    assert "Aucune alerte en attente." in response.content.decode()
    mine.refresh_from_db()
    assert mine.handled_at is not None and mine.handled_by == referent
    event = AuditEvent.objects.get(action="alert_handled")
    assert (event.actor_id, event.object_id) == (referent.pk, str(mine.pk))
    again = client.post(f"/suivi/alertes/{mine.pk}/traitee/", follow=True)
    assert "Cette alerte est déjà marquée comme traitée." in again.content.decode()
    assert AuditEvent.objects.filter(action="alert_handled").count() == 1
    # The bank adviser still has theirs.
    client.force_login(adviser)
    assert "Première échéance impayée" in client.get("/").content.decode()


def test_the_home_page_shows_the_newest_alerts_in_a_bounded_number_of_queries(
    client, loan, referent, count_queries
) -> None:  # type: ignore[no-untyped-def]
    def alert(day: int) -> Alert:
        return Alert.objects.create(
            loan=loan,
            kind="missed_installment",
            key=f"2026-02-{day:02d}",
            recipient=referent,
            as_of=date(2026, 2, day),
            days_past_due=day,
            bucket="late",
            overdue_amount=Decimal("50.92"),
        )

    client.force_login(referent)
    for day in (1, 2):
        alert(day)
    with_two = count_queries(lambda: client.get("/"))
    for day in range(3, 15):
        alert(day)
    body = ""

    def home() -> None:
        nonlocal body
        body = client.get("/").content.decode()

    assert count_queries(home) <= with_two + 1  # the count of those beyond the first ten
    assert body.count("Marquer comme traitée") == 10
    # Newest first: the alerts of 14 down to 5 February, not the four before.
    assert "14 jours de retard au 14/02/2026" in body and "au 05/02/2026" in body
    assert "au 04/02/2026" not in body
    assert "Et 4 alertes plus anciennes" in body
