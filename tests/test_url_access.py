"""Every URL pattern of the project declares who may reach it, and the rule holds.

A new view without an access rule fails here, so no page can escape the access rules unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from pytest_django import DjangoDbBlocker

from microcredit.accounts.access import AUTHENTICATED, PUBLIC
from microcredit.accounts.enums import ROLE_ORGANISATION_KIND, Role
from microcredit.accounts.models import Membership, User
from microcredit.api.auth import API_TOKEN
from microcredit.organisations.models import Organisation
from tests.conftest import PASSWORD

# Django's admin protects itself (staff only, its own login page).
ADMIN_PREFIX = "admin/"

# Example arguments for the URL parameters of the project.
SAMPLE_KWARGS = {
    "slug": "ccas-saint-etienne",
    "programme_id": "{programme_id}",
    "number": "1",
    "uidb64": "MQ",
    "token": "set-password",
    "dossier_id": "999999",
    "applicant_id": "999999",
    "document_id": "999999",
    "member_id": "999999",
    "worker_id": "999999",
    "session_id": "999999",
    "item_id": "999999",
    "letter_id": "999999",
    "loan_id": "999999",
    "token_id": "999999",
    "import_id": "999999",
    "alert_id": "999999",
    "plan_id": "999999",
    "note_id": "999999",
    "appointment_id": "999999",
    "review_id": "999999",
    "request_id": "999999",
    "dataset": "dossiers",
    "fmt": "csv",
}
# Pages about one object: the role rule lets the request through, then the object-level funnel
# answers 404 for an object one may not see (walked with real objects in tests/dossiers).
OBJECT_PARAMS = {
    "dossier_id",
    "applicant_id",
    "document_id",
    "session_id",
    "item_id",
    "letter_id",
    "loan_id",
    "token_id",
    "import_id",
    "alert_id",
    "plan_id",
    "note_id",
    "appointment_id",
    "review_id",
    "request_id",
}


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, URLPattern]]:  # type: ignore[no-untyped-def]
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), f"{namespace}{entry.name}", entry


PROJECT_PATTERNS = [
    (route, name, p)
    for route, name, p in walk(get_resolver().url_patterns)
    if not route.startswith(ADMIN_PREFIX)
]


def access_rule(pattern: URLPattern) -> object:
    callback = pattern.callback
    return getattr(callback, "access_rule", None) or getattr(
        getattr(callback, "view_class", None), "access_rule", None
    )


def test_every_view_declares_an_access_rule() -> None:
    missing = [name for _route, name, p in PROJECT_PATTERNS if access_rule(p) is None]
    assert missing == [], f"Views without an access rule: {missing}"


def url_for(name: str, pattern: URLPattern, programme_id: int) -> str:
    kwargs = {
        key: value.format(programme_id=programme_id)
        for key, value in SAMPLE_KWARGS.items()
        if key in pattern.pattern.regex.groupindex
    }
    return reverse(name, kwargs=kwargs)


def assert_api_refuses_without_token(response, url: str) -> None:  # type: ignore[no-untyped-def]
    """An API operation without a token: 401 (405 for another method), JSON {code, message}."""
    assert response.status_code in {401, 405}, (url, response.status_code)
    assert response["Content-Type"].startswith("application/json"), url
    body = response.json()
    assert set(body) >= {"code", "message"}, (url, body)
    if response.status_code == 401:
        assert body["code"] == "unauthenticated", (url, body)
        assert response["WWW-Authenticate"].startswith("Bearer"), url


@pytest.fixture
def programme_id(saint_etienne) -> int:  # type: ignore[no-untyped-def]
    return saint_etienne.programmes.get().pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "name", "pattern"), PROJECT_PATTERNS, ids=[n for _r, n, _p in PROJECT_PATTERNS]
)
def test_anonymous_is_sent_to_login_except_on_public_pages(
    client, programme_id, route, name, pattern
) -> None:  # type: ignore[no-untyped-def]
    url = url_for(name, pattern, programme_id)
    response = client.get(url)
    if access_rule(pattern) == API_TOKEN:
        assert_api_refuses_without_token(response, url)
    elif access_rule(pattern) == PUBLIC:
        assert response.status_code in {200, 302, 404, 405}, url
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("accounts:login")), url
    else:
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


@pytest.fixture(scope="module")
def role_users(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[dict[Role, User]]:
    """One user per role, each in an organisation of the role's kind (as conftest's
    `make_user`), created once for the module's thousand requests, in a transaction rolled back
    after the module's last test; each test runs in a savepoint of it (pytest-django's `db`)."""
    with django_db_blocker.unblock(), transaction.atomic():
        by_kind = {
            o.kind: o
            for o in Organisation.objects.filter(
                slug__in=["ccas-saint-etienne", "parcours-confiance"]
            )
        }
        by_kind["social_structure"] = Organisation.objects.get_or_create(
            slug="structure-test", defaults={"kind": "social_structure", "name": "Structure test"}
        )[0]
        users: dict[Role, User] = {}
        for role in Role:
            name = f"acces-{role.value}"
            user = User.objects.create_user(
                username=name, password=PASSWORD, email=f"{name}@example.org"
            )
            Membership.objects.create(
                user=user, organisation=by_kind[ROLE_ORGANISATION_KIND[role]], role=role
            )
            users[role] = user
        yield users
        transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(
    ("route", "name", "pattern"), PROJECT_PATTERNS, ids=[n for _r, n, _p in PROJECT_PATTERNS]
)
def test_each_role_reaches_exactly_what_its_rule_allows(
    client, role_users, programme_id, role, route, name, pattern
) -> None:  # type: ignore[no-untyped-def]
    if name == "accounts:logout":
        pytest.skip("POST only; covered by the account tests")
    client.force_login(role_users[role])
    url = url_for(name, pattern, programme_id)
    response = client.get(url)
    rule = access_rule(pattern)
    if rule == API_TOKEN:
        # The bank partner's API ignores the session: a token or a 401 (JSON, no redirect).
        assert_api_refuses_without_token(response, url)
    elif rule in (PUBLIC, AUTHENTICATED):
        assert response.status_code in {200, 302, 404, 405}, (url, response.status_code)
    elif role in rule:  # type: ignore[operator]
        expected = {200}
        if OBJECT_PARAMS & set(pattern.pattern.regex.groupindex):
            expected = {404, 405}
        elif "create" in name:
            expected = {200, 302}
        assert response.status_code in expected, (url, response.status_code)
    else:
        assert response.status_code == 403, (url, response.status_code)
    if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
        assert "INVALID_TEMPLATE_VARIABLE" not in response.content.decode()


@pytest.mark.django_db
def test_admin_is_for_technical_staff_only(client_for) -> None:  # type: ignore[no-untyped-def]
    assert client_for(Role.DIRECTOR).get("/admin/").status_code == 302
    admin_client = client_for(Role.ADMIN, username="tech")
    admin_client.user.is_staff = admin_client.user.is_superuser = True
    admin_client.user.save()
    assert admin_client.get("/admin/").status_code == 200


def test_no_route_is_left_unlisted() -> None:
    # Guard against a silent change of the walker: the project has pages in every app.
    names = {name.split(":")[0] for _r, name, _p in PROJECT_PATTERNS}
    assert {
        "shell",
        "accounts",
        "programmes",
        "simulator",
        "dossiers",
        "applicants",
        "budgets",
        "rights",
    } <= names
    assert all(re.match(r"^[\w/<>:.-]*$", route) for route, _n, _p in PROJECT_PATTERNS)
