"""Shared fixtures and guard rails for the whole suite."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.db import connection
from pytest_django import DjangoDbBlocker

from microcredit.accounts.enums import ROLE_ORGANISATION_KIND, Role
from microcredit.accounts.models import Membership, User
from microcredit.core.enums import AccessAction, AuditAction
from microcredit.core.models import AccessLog, AuditEvent
from microcredit.organisations.models import Organisation
from microcredit.programmes.schemes import scheme_load

PASSWORD = "un-mot-de-passe-de-test-solide"


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """pytest-randomly shuffles the tests; its seed is in the header, which `-q` hides: say it
    at the end too, so that a failure that depends on the order can be replayed. With xdist
    (`make test`), each process runs its share in the order of the seed: `-n 0` with the seed
    runs the whole suite in that order, in one process."""
    seed = getattr(config.option, "randomly_seed", None)
    if seed is not None:
        terminalreporter.write_line(
            f"Tests run in random order: replay with --randomly-seed={seed} -n 0"
        )


# Fixtures that give a test the database: a test with none of them (and no django_db mark)
# cannot touch it (pytest-django blocks the access).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "live_server"}
)


def uses_database(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return item.get_closest_marker("django_db") is not None or bool(DATABASE_FIXTURES & fixtures)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL (`make test`'s second run), only the tests that use the database run: the
    others (the loan engine, the rules, OpenFisca's computations, the command-line parsing)
    give the same result on either database and have already run on SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    kept = [item for item in items if uses_database(item)]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not uses_database(item)])
        items[:] = kept


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> None:
    """The test database holds the Saint-Étienne scheme (`microcredit load_scheme`), once."""
    with django_db_blocker.unblock():
        scheme_load("saint-etienne")


@pytest.fixture
def saint_etienne(db: None) -> Organisation:
    """The CCAS of the scheme loaded by `django_db_setup`."""
    return Organisation.objects.get(slug="ccas-saint-etienne")


@pytest.fixture
def bank(db: None) -> Organisation:
    return Organisation.objects.get(slug="parcours-confiance")


@pytest.fixture
def social_structure(db: None) -> Organisation:
    return Organisation.objects.get_or_create(
        slug="structure-test", defaults={"kind": "social_structure", "name": "Structure test"}
    )[0]


@pytest.fixture
def make_user(
    saint_etienne: Organisation, bank: Organisation, social_structure: Organisation
) -> Callable[..., User]:
    """A user holding `role` in the organisation of the right kind (or the one given)."""
    by_kind = {o.kind: o for o in (saint_etienne, bank, social_structure)}

    def factory(
        role: Role | None, username: str | None = None, organisation: Organisation | None = None
    ) -> User:
        name = username or (role.value if role else "sans-role")
        user = User.objects.create_user(
            username=name, password=PASSWORD, email=f"{name}@example.org", first_name=name.title()
        )
        if role is not None:
            Membership.objects.create(
                user=user,
                organisation=organisation or by_kind[ROLE_ORGANISATION_KIND[role]],
                role=role,
            )
        return user

    return factory


@pytest.fixture
def client_for(client, make_user):  # type: ignore[no-untyped-def]
    """A test client logged in as a new user with `role`."""

    def factory(role: Role | None, **kwargs):  # type: ignore[no-untyped-def]
        user = make_user(role, **kwargs)
        client.force_login(user)
        client.user = user
        return client

    return factory


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        self.count += 1
        return execute(sql, params, many, context)


@pytest.fixture
def count_queries() -> Callable[[Callable[[], object]], int]:
    """Run a callable and return how many SQL queries it made."""

    def run(action: Callable[[], object]) -> int:
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            action()
        return counter.count

    return run


@pytest.fixture(autouse=True)
def saint_etienne_after_flush(request: pytest.FixtureRequest) -> None:
    """Transactional tests (live server, row locks, migrations) flush the database after each
    test, and with it the Saint-Étienne scheme the test database was given: put it back first."""
    marker = request.node.get_closest_marker("django_db")
    if "transactional_db" in request.fixturenames or (
        marker is not None and marker.kwargs.get("transaction")
    ):
        request.getfixturevalue("_django_db_helper")
        scheme_load("saint-etienne")


@pytest.fixture(autouse=True)
def actions_are_members(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every audit and access-log row a test writes names a member of core.enums: the registers'
    vocabulary stays one list, whatever path (dynamic or not) wrote the row."""
    if "_django_db_helper" not in request.fixturenames:
        yield
        return  # a test without the database
    # Set the database up before this check (and so tear it down after it), even when the test
    # reaches the database only through a fixture such as `db` or `saint_etienne`.
    request.getfixturevalue("_django_db_helper")
    yield
    audit = set(AuditEvent.objects.values_list("action", flat=True).distinct())
    access = set(AccessLog.objects.values_list("action", flat=True).distinct())
    assert audit <= set(AuditAction), (
        f"audit actions outside AuditAction: {audit - set(AuditAction)}"
    )
    assert access <= set(AccessAction), (
        f"access actions outside AccessAction: {access - set(AccessAction)}"
    )


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the site's language. A request through the test client runs in the
    test's thread, and LocaleMiddleware leaves the language it activated (English for a page
    asked in English): the next test of the process would speak English."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache (the local-memory cache outlives a test, and on
    SQLite a rolled-back test's ids come back in the next one: a summary cached under the same
    ids could be read by a test with other data)."""
    from django.core.cache import cache

    cache.clear()
