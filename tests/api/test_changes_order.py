"""The dossier list's pages by last change (`order=updated`, with or without `updated_since`):
the page's ids are chosen first, then the page's dossiers are read; the last change that orders
them is the latest of their changes (a repayment, an incident, the dossier's own moves), ties by
id, and every page, count and `updated_at` is the same whichever way the list is paged.

Five loans disbursed at the same instant (equal `updated_at`, equal transmission): a repayment
recorded on 05/04 (before the poll's instant), one on 13/04, one on 14/04, one on 12/04 followed
by an incident on 15/04, and one untouched."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from microcredit.accounts.models import User
from microcredit.loans import services
from microcredit.loans.models import Loan
from microcredit.loans.services import RepaymentLine
from tests.factories import make_loan, membership_of

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
DISBURSED = date(2027, 3, 10)
SINCE = "2027-04-11T00:00:00+02:00"
URL = "/api/v1/dossiers"


@contextmanager
def on(day: date) -> Iterator[None]:
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


def at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=PARIS)


def repay(adviser: User, loan: Loan, ref: str, day: date) -> None:
    with on(day):
        services.repayments_record_batch(
            actor=adviser,
            membership=membership_of(adviser),
            lines=[
                RepaymentLine(ref, loan.dossier.number, day, Decimal("10.00"), False, "installment")
            ],
            today=day,
            via="api",
        )


def page(api: Any, **params: Any) -> tuple[list[str], list[datetime], dict[str, int]]:
    response = api.get(URL, **params)
    assert response.status_code == 200, response.content
    body = response.json()
    return (
        [item["number"] for item in body["items"]],
        [datetime.fromisoformat(item["updated_at"]) for item in body["items"]],
        {key: body[key] for key in ("count", "page", "pages")},
    )


@pytest.fixture
def loans(referent: User, adviser: User) -> dict[str, Loan]:
    with on(DISBURSED):
        made = {
            name: make_loan(created_by=referent, adviser=adviser)
            for name in ("before", "d13", "d14", "incident", "untouched")
        }
    repay(adviser, made["before"], "V-5", date(2027, 4, 5))
    repay(adviser, made["incident"], "V-12", date(2027, 4, 12))
    repay(adviser, made["d13"], "V-13", date(2027, 4, 13))
    repay(adviser, made["d14"], "V-14", date(2027, 4, 14))
    with on(date(2027, 4, 15)):
        services.incident_record_for_loan(
            actor=adviser,
            membership=membership_of(adviser),
            loan_id=made["incident"].pk,
            reference="INC-15",
            kind="missed_installment",
            date=date(2027, 4, 10),
            amount=None,
            note="",
            today=date(2027, 4, 15),
        )
    return made


def test_the_changes_since_an_instant_page_by_their_latest_change(
    api, loans: dict[str, Loan]
) -> None:  # type: ignore[no-untyped-def]
    number = {name: loan.dossier.number for name, loan in loans.items()}
    with on(date(2027, 4, 16)):
        first = page(api, updated_since=SINCE, order="updated", page_size=2)
        second = page(api, updated_since=SINCE, order="updated", page_size=2, page=2)
        past = page(api, updated_since=SINCE, order="updated", page_size=2, page=3)
        whole = page(api, updated_since=SINCE, order="updated")
    # The dossier repaid on 12/04 changed last on 15/04 (its incident), after the one of 14/04.
    assert first == (
        [number["d13"], number["d14"]],
        [at(date(2027, 4, 13)), at(date(2027, 4, 14))],
        {"count": 3, "page": 1, "pages": 2},
    )
    assert second == (
        [number["incident"]],
        [at(date(2027, 4, 15))],
        {"count": 3, "page": 2, "pages": 2},
    )
    assert past == ([], [], {"count": 3, "page": 3, "pages": 2})
    assert whole[0] == first[0] + second[0] and whole[1] == first[1] + second[1]


def test_every_dossier_pages_by_its_last_change_ties_by_id(api, loans: dict[str, Loan]) -> None:  # type: ignore[no-untyped-def]
    number = {name: loan.dossier.number for name, loan in loans.items()}
    with on(date(2027, 4, 16)):
        pages = [page(api, order="updated", page_size=2, page=n) for n in (1, 2, 3)]
    got = [n for numbers, _, _ in pages for n in numbers]
    assert got == [
        number["untouched"],
        number["before"],
        number["d13"],
        number["d14"],
        number["incident"],
    ]
    assert pages[0][1][0] == at(DISBURSED)
    assert [fields for _, _, fields in pages] == [
        {"count": 5, "page": n, "pages": 3} for n in (1, 2, 3)
    ]
    assert pages[0][1][1] == at(date(2027, 4, 5)) and pages[2][1] == [at(date(2027, 4, 15))]


def test_the_changes_since_an_instant_keep_the_latest_transmitted_first(
    api, loans: dict[str, Loan]
) -> None:  # type: ignore[no-untyped-def]
    number = {name: loan.dossier.number for name, loan in loans.items()}
    with on(date(2027, 4, 16)):
        first = page(api, updated_since=SINCE, page_size=2)
        second = page(api, updated_since=SINCE, page_size=2, page=2)
    # Transmitted at the same instant: the latest created first.
    assert first[0] == [number["incident"], number["d14"]]
    assert first[1] == [at(date(2027, 4, 15)), at(date(2027, 4, 14))]
    assert second[0] == [number["d13"]] and second[2] == {"count": 3, "page": 2, "pages": 2}
