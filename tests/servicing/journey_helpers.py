"""Helpers of the end-to-end journeys (test_journeys*.py): a person in their own browser session
on the fixed days of a journey, the forms of a page read from its HTML and sent as a browser
sends them (hidden fields, checked boxes, the button pressed), and the figures read back from the
rendered HTML (a definition list's value, a table's rows).

Every request runs the callbacks registered on commit (the letters, the alerts' e-mails), as
the end of a real request's transaction would."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client, TestCase
from django.utils import timezone

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.core.formatting import format_eur
from microcredit.dossiers.models import Dossier
from microcredit.loans.models import Loan
from tests.factories import make_applicant, make_granted_dossier, membership_of

PARIS = ZoneInfo("Europe/Paris")


@contextmanager
def on(day: date) -> Iterator[None]:
    """10 a.m. in Saint-Étienne on `day`, the clock stopped."""
    with time_machine.travel(datetime.combine(day, time(10, 0), tzinfo=PARIS), tick=False):
        yield


@contextmanager
def committed() -> Iterator[None]:
    """What runs after a commit (letters, e-mails) runs at the end of the block."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        yield


def nightly_job(day: date) -> None:
    """The nightly arrears job for `day`, as the scheduler runs it (in the night of that day)."""
    with on(day), committed():
        call_command("arrears", "--as-of", day.isoformat(), stdout=io.StringIO())


def normalised(text: str) -> str:
    """Whitespace folded, no-break spaces (of amounts and dates) as plain spaces."""
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def eur(amount: str) -> str:
    """An amount as the pages write it, e.g. eur("1052.41") == "1 052,41 €"."""
    return normalised(format_eur(Decimal(amount)))


def text_of(html: str) -> str:
    """The words of some HTML, as read on the screen (no space before a comma)."""
    text = normalised(unescape(re.sub(r"<[^>]+>", " ", html)))
    return re.sub(r"\( ", "(", re.sub(r" ([,.)])", r"\1", text))


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)  # what the browser sends as is
    names: set[str] = field(default_factory=set)  # every field, files and boxes unticked too
    # A submit button's words → (its name and value if any, its formaction if any).
    buttons: dict[str, tuple[tuple[str, str] | None, str]] = field(default_factory=dict)


@dataclass
class Table:
    caption: str = ""
    rows: list[list[str]] = field(default_factory=list)


class _PageParser(HTMLParser):
    """The forms (fields with their values as a browser would send them) and the tables."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.tables: list[Table] = []
        self._form: Form | None = None
        self._table: Table | None = None
        self._open: list[tuple[str, list[str], dict[str, str]]] = []  # tag, text, attributes
        self._select: tuple[str, str | None] | None = None  # name, value chosen

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        form = self._form
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag == "input" and form is not None and a.get("name"):
            kind = a.get("type", "text")
            form.names.add(a["name"])
            if kind == "submit":
                form.buttons[a.get("value", "")] = ((a["name"], a.get("value", "")), "")
            elif kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields[a["name"]] = a.get("value", "on")
            elif kind != "file":
                form.fields[a["name"]] = a.get("value", "")
        elif tag == "select" and form is not None:
            form.names.add(a.get("name", ""))
            self._select = (a.get("name", ""), None)
        elif tag == "option" and self._select is not None:
            name, chosen = self._select
            if chosen is None or "selected" in a:
                self._select = (name, a.get("value", ""))
        elif tag == "table":
            self._table = Table()
            self.tables.append(self._table)
        elif tag == "tr" and self._table is not None:
            self._table.rows.append([])
        if tag in ("textarea", "button", "caption", "td", "th"):
            self._open.append((tag, [], a))

    def handle_data(self, data: str) -> None:
        for _tag, text, _attrs in self._open:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            name, chosen = self._select
            self._form.fields[name] = chosen or ""
            self._select = None
        elif tag == "form":
            self._form = None
        elif tag == "table":
            self._table = None
        if not self._open or self._open[-1][0] != tag:
            return
        _tag, parts, a = self._open.pop()
        text = normalised("".join(parts))
        if tag == "textarea" and self._form is not None and a.get("name"):
            self._form.names.add(a["name"])
            self._form.fields[a["name"]] = "".join(parts).lstrip("\n")
        elif tag == "button" and self._form is not None and a.get("type", "submit") == "submit":
            named = (a["name"], a.get("value", "")) if a.get("name") else None
            self._form.buttons[text] = (named, a.get("formaction", ""))
        elif tag == "caption" and self._table is not None:
            self._table.caption = text
        elif tag in ("td", "th") and self._table is not None and self._table.rows:
            self._table.rows[-1].append(text)


class Page:
    """A page as the browser got it (after the redirects)."""

    def __init__(self, response: Any, url: str) -> None:
        self.response = response
        self.url = response.redirect_chain[-1][0] if response.redirect_chain else url
        self.html = response.content.decode()
        self.text = text_of(self.html)
        parser = _PageParser()
        parser.feed(self.html)
        self.forms = parser.forms
        self.tables = parser.tables

    @property
    def messages(self) -> list[str]:
        context = self.response.context
        return [normalised(str(m)) for m in context["messages"]] if context else []

    def fact(self, label: str) -> str:
        """The value (<dd>) of the term (<dt>) `label` of the page's first definition list
        that has it."""
        for match in re.finditer(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", self.html, re.DOTALL):
            if text_of(match.group(1)) == label:
                return text_of(match.group(2))
        raise AssertionError(f"no « {label} » on {self.url}")

    def table(self, caption: str) -> list[list[str]]:
        """The rows of the table whose caption starts with `caption` (the header row too)."""
        found = [t for t in self.tables if t.caption.startswith(caption)]
        assert len(found) == 1, f"{len(found)} tables « {caption} » on {self.url}"
        return found[0].rows

    def form(self, button: str) -> tuple[Form, str]:
        """The one form with the submit button `button`, and the URL that button sends to."""
        found = [f for f in self.forms if button in f.buttons]
        assert len(found) == 1, f"{len(found)} forms with « {button} » on {self.url}"
        form = found[0]
        formaction = form.buttons[button][1]
        action = formaction or form.action
        return form, urldefrag(urljoin(self.url, action)).url


class Person:
    """One role's browser: its own session (logged in again each new day: sessions last 30
    minutes), following redirects, every request committed."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.client = Client()
        self._day: date | None = None

    def _session(self) -> None:
        today = timezone.localdate()
        if self._day != today:
            self.client.force_login(self.user)
            self._day = today

    def get(self, url: str, data: dict[str, str] | None = None) -> Page:
        self._session()
        with committed():
            response = self.client.get(url, data or {}, follow=True)
        assert response.status_code == 200, (url, response.status_code)
        return Page(response, url)

    def submit(self, page: Page, button: str, **values: Any) -> Page:
        """Fill in `values` (by field name) on the form of `button`, and press it."""
        form, action = page.form(button)
        unknown = set(values) - form.names
        assert not unknown, f"fields not on the form of « {button} »: {unknown}"
        data: dict[str, Any] = {**form.fields, **values}
        named = form.buttons[button][0]
        if named is not None:
            data[named[0]] = named[1]
        if form.method == "get":
            return self.get(action, data)
        self._session()
        with committed():
            response = self.client.post(action, data, follow=True)
        assert response.status_code == 200, (action, response.status_code)
        return Page(response, action)


# --- The loan of both journeys --------------------------------------------------------------

D = Decimal
DISBURSED = date(2026, 1, 15)
ALERT_SUBJECT = "Micro-crédit : une alerte de suivi vous attend"


def alert_mails() -> list[Any]:
    """The e-mails of the nightly job's alerts (the dossier's moves send their own)."""
    return [m for m in mail.outbox if m.subject == ALERT_SUBJECT]


def line(n: int, day: str, kind: str, *amounts: str) -> list[str]:
    """A row of a schedule table as the loan page shows it: number, due date, kind, then the
    payment, interest, principal and balance."""
    return [str(n), day, kind, *(eur(a) for a in amounts)]


@dataclass
class Journey:
    """The référent (CCAS) and the bank adviser, each in their own session, and their loan."""

    bank: Person
    ccas: Person
    dossier: Dossier
    loan_id: int = 0

    @property
    def loan_page(self) -> str:
        return f"/prets/{self.loan_id}/"

    @property
    def followup(self) -> str:
        return f"/suivi/prets/{self.loan_id}/"

    def pay(self, day: date, amount: str, reference: str, **early: str) -> Page:
        """The bank records a repayment received on `day`, on the loan page, that day."""
        with on(day):
            page = self.bank.submit(
                self.bank.get(self.loan_page),
                "Enregistrer le remboursement",
                **{"rep-reference": reference, "rep-date": day.isoformat(), "rep-amount": amount},
                **early,
            )
        assert page.url == self.loan_page
        return page


def granted_journey(make_user: Any) -> Journey:
    """Nadia Benali's dossier, granted by the bank on 15/01/2026 (1,200.00 € over 12 months,
    the signed offer recorded), Claire Vidal her référente."""
    referent = make_user(Role.REFERENT, username="claire.vidal")
    adviser = make_user(Role.BANK_ADVISER, username="paul.conseiller")
    applicant = make_applicant(
        organisation=membership_of(referent).organisation,
        created_by=referent,
        first_name="Nadia",
        last_name="Benali",
    )
    with on(DISBURSED), committed():
        dossier = make_granted_dossier(
            created_by=referent,
            adviser=adviser,
            referent=referent,
            applicant=applicant,
            amount=D("1200.00"),
            months=12,
        )
    return Journey(bank=Person(adviser), ccas=Person(referent), dossier=dossier)


def cheque(j: Journey) -> Page:
    """15/01/2026: the adviser records the cheque on the bank portal; the loan page opens with
    version 1 of the schedule (by hand, LOAN_CONVENTIONS "Schedule", i = 0.0175 / 12):
        A = 1200 · i / (1 − (1+i)^−12) = 100.9504… → 100.95
        15/02  interest 1200.00 × 0.0175 / 12 = 1.75;            principal 99.20; balance 1100.80
        15/03  interest 1100.80 × 0.0175 / 12 = 1.6053… → 1.61;  principal 99.34; balance 1001.46
        15/04  1001.46 → 1.4604… → 1.46; 99.49; 901.97    15/05  901.97 → 1.32; 99.63; 802.34
        15/06   802.34 → 1.1700… → 1.17; 99.78; 702.56    15/07  702.56 → 1.02; 99.93; 602.63
        then 0.88, 0.73, 0.59, 0.44, 0.29 of interest; the last (15/01/2027) takes the rest,
        100.81, and its interest 100.81 × 0.0175 / 12 = 0.1470… → 0.15: 100.96.
        Interest 1.75 + 1.61 + 1.46 + 1.32 + 1.17 + 1.02 + 0.88 + 0.73 + 0.59 + 0.44 + 0.29
        + 0.15 = 11.41; total due 11 × 100.95 + 100.96 = 1211.41."""
    with on(DISBURSED):
        page = j.bank.get(f"/banque/dossiers/{j.dossier.pk}/")
        page = j.bank.submit(
            page,
            "Enregistrer le décaissement",
            **{
                "disburse-cheque_number": "0012345",
                "disburse-date": "2026-01-15",
                "disburse-amount": "1 200,00",
            },
        )
    assert page.messages == ["Le décaissement est enregistré : le prêt est créé."]
    j.loan_id = Loan.objects.get(dossier=j.dossier).pk
    assert page.url == j.loan_page
    assert page.fact("Montant prêté") == eur("1200.00")
    assert page.fact("Mensualité") == eur("100.95")
    assert page.fact("Intérêts") == eur("11.41")
    assert page.fact("Montant total dû") == eur("1211.41")
    rows = page.table("Échéancier, version 1")
    assert rows[1] == line(1, "15/02/2026", "échéance", "100.95", "1.75", "99.20", "1100.80")
    assert rows[2] == line(2, "15/03/2026", "échéance", "100.95", "1.61", "99.34", "1001.46")
    assert rows[5] == line(5, "15/06/2026", "échéance", "100.95", "1.17", "99.78", "702.56")
    assert rows[12] == line(12, "15/01/2027", "échéance", "100.96", "0.15", "100.81", "0.00")
    return page


def letters_written(j: Journey, day: date) -> dict[str, str]:
    """The letters table of the dossier page, read by the référent: kind → its file cell."""
    with on(day):
        page = j.ccas.get(f"/dossiers/{j.dossier.pk}/")
    return {row[0]: row[3] for row in page.table("Courriers au demandeur")[1:]}
