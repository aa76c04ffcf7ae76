"""The pages the scale tests measure, found from the URLconf, and what is read from an answer.

Every page without a URL parameter that a role may open (a role rule, or any signed-in user) is
measured for each role its rule lets in; the API's list operations with a token; plus the
variants (filters, searches) and the pages about one commission session listed in
`EXTRA_PAGES`. A new list page is measured without anyone adding it here; a page left out is in
`EXCLUDED`, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.core.paginator import Page as DjangoPage
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from microcredit.accounts.access import AUTHENTICATED, PUBLIC
from microcredit.accounts.enums import Role
from microcredit.api.auth import API_TOKEN

# Pages without a URL parameter that are not measured, and why.
EXCLUDED = {
    "accounts:logout": "POST seulement",
    "accounts:password_change": "compte personnel, aucune donnée listée",
    "accounts:password_change_done": "compte personnel, aucune donnée listée",
    "accounts:otp_setup": "compte personnel, aucune donnée listée",
    "accounts:otp_verify": "compte personnel, aucune donnée listée",
    "accounts:session_keep_alive": "prolonge la session, aucune donnée listée",
    "reporting:annual_report": "un PDF, pas une page",
    "reporting:regulator_csv": "un fichier CSV, pas une page",
    "letters:template_preview": "un PDF, pas une page",
    "api:v1:repayments_post": "POST seulement",
    "loans:list": "redirige vers le portefeuille (servicing:portfolio, mesuré)",
    "dossiers:create": "redirige : un dossier se crée depuis la fiche d'un demandeur",
    "api:v1:incident_post": "POST seulement",
}

# The largest page size of the project's HTML lists: the bound of a page whose context holds no
# paginator page (a home page's short lists, a form's choices).
DEFAULT_BOUND = 50


@dataclass(frozen=True)
class PageSpec:
    label: str  # what the report names: the URL name and its variant
    url: str  # may hold {session_id}, {number}, {name}, {state}, {loan_state}
    roles: tuple[str, ...]  # Role values, or ("api",) for the bank's API token
    # The list holds more rows than a page at 1,000 dossiers (its bound is exercised).
    overflows: bool = False
    follow: bool = False  # a name search: the GET is redirected to ?recherche=<key>


def _walk(patterns: Any, prefix: str = "", namespace: str = "") -> Any:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", entry


def access_rule(pattern: URLPattern) -> object:
    callback = pattern.callback
    return getattr(callback, "access_rule", None) or getattr(
        getattr(callback, "view_class", None), "access_rule", None
    )


def parameterless_pages() -> list[tuple[str, object]]:
    """(URL name, access rule) of every project page without a URL parameter and not public."""
    found = []
    for route, name, pattern in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or pattern.pattern.regex.groupindex:
            continue
        rule = access_rule(pattern)
        if rule is None or rule == PUBLIC:
            continue
        found.append((name, rule))
    return found


# Lists whose rows number more than a page at 1,000 dossiers (by URL name; a variant's label
# begins with it), but for the roles that see only a few rows by rule.
OVERFLOWING = {
    "dossiers:list",
    "banking:list",
    "loans:list",
    "servicing:portfolio",
    "servicing:alerts",
    "followup:requests",
    "privacy:access_log",
    "api:v1:dossier_list",
}

FEW_ROWS_BY_RULE = {Role.COMMITTEE_MEMBER.value: "ne voit que l'ordre du jour de sa séance"}

ALL_ROLES = tuple(r.value for r in Role)
STAFF = (Role.REFERENT.value, Role.AGENT.value, Role.DIRECTOR.value)
# A variant (a filter, a search) is read by one role of each funnel: the plain page by all.
REFERENT = (Role.REFERENT.value,)
ADVISER = (Role.BANK_ADVISER.value,)
PORTFOLIO = (*REFERENT, *ADVISER)
DPO = (Role.DPO.value,)

EXTRA_PAGES = [
    # The dossier list: a state, a name searched (moved out of the URL), a piece of names shared
    # by many, a whole number, the référent's own, the second page.
    PageSpec("dossiers:list état", "/dossiers/?etat={state}", REFERENT, overflows=True),
    PageSpec("dossiers:list nom", "/dossiers/?q={name}", REFERENT, follow=True),
    PageSpec("dossiers:list « er »", "/dossiers/?q=er", REFERENT, overflows=True, follow=True),
    PageSpec("dossiers:list numéro", "/dossiers/?q={number}", REFERENT),
    PageSpec("dossiers:list mes", "/dossiers/?mes=1", REFERENT, overflows=True),
    PageSpec("dossiers:list page 2", "/dossiers/?page=2", REFERENT, overflows=True),
    PageSpec("banking:list page 2", "/banque/?page=2", ADVISER, overflows=True),
    # The référent's portfolio and the bank's: two funnels.
    PageSpec("servicing:portfolio état", "/suivi/portefeuille/?etat={loan_state}", PORTFOLIO),
    PageSpec("servicing:portfolio nom", "/suivi/portefeuille/?q={name}", PORTFOLIO, follow=True),
    PageSpec("privacy:people nom", "/donnees-personnelles/?q={name}", DPO, follow=True),
    PageSpec(
        "privacy:people « er »", "/donnees-personnelles/?q=er", DPO, overflows=True, follow=True
    ),
    # A session's page: its agenda, and for those who build it the candidates to add.
    PageSpec(
        "commissions:session_detail",
        "/commission/{session_id}/",
        (*STAFF, Role.COMMITTEE_MEMBER.value),
    ),
    PageSpec("api:v1:dossier_repayments", "/api/v1/dossiers/{loan_number}/repayments", ("api",)),
]


def all_pages() -> list[PageSpec]:
    pages = []
    for name, rule in parameterless_pages():
        if name in EXCLUDED:
            continue
        if rule == API_TOKEN:
            roles: tuple[str, ...] = ("api",)
        elif rule == AUTHENTICATED:
            roles = ALL_ROLES
        else:
            roles = tuple(r for r in ALL_ROLES if r in rule)  # type: ignore[operator]
        pages.append(PageSpec(name, reverse(name), roles, overflows=name in OVERFLOWING))
    return pages + EXTRA_PAGES


@dataclass
class Rows:
    """The rows an answer renders: per table body (<tbody>), per list (<ul>, <ol> outside the
    navigation) and per choice (<select>: a list of candidates is one too)."""

    tables: list[int] = field(default_factory=list)
    lists: list[int] = field(default_factory=list)

    @property
    def most(self) -> int:
        return max([0, *self.tables, *self.lists])


class _RowCounter(HTMLParser):
    SKIPPED = {"nav", "header", "footer"}

    def __init__(self) -> None:
        super().__init__()
        self.rows = Rows()
        self.skipped = 0
        self.bodies: list[int] = []
        self.lists: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipped += 1
        elif tag == "tbody":
            self.bodies.append(0)
        elif tag == "tr" and self.bodies:
            self.bodies[-1] += 1
        elif tag in ("ul", "ol", "select"):
            self.lists.append(0)
        elif tag == "li" and self.lists:
            self.lists[-1] += 1
        elif tag == "option" and self.lists and dict(attrs).get("value", "x"):
            self.lists[-1] += 1  # a choice, not the empty « choose » line

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipped -= 1
        elif tag == "tbody" and self.bodies:
            self.rows.tables.append(self.bodies.pop())
        elif tag in ("ul", "ol", "select") and self.lists:
            count = self.lists.pop()
            if not self.skipped:
                self.rows.lists.append(count)


def rows_of(html: str) -> Rows:
    counter = _RowCounter()
    counter.feed(html)
    return counter.rows


def paginator_page(context: Any) -> Any:
    """The page of a paginated list in a template context (Django's Page or a keyset page with
    `has_next`), or None."""
    contexts = context if isinstance(context, list) else [context]
    for one in contexts:
        if one is None or not hasattr(one, "flatten"):
            continue
        for value in one.flatten().values():
            if isinstance(value, DjangoPage):
                return value
    return None
