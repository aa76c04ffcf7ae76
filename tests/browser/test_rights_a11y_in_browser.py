"""The « Droits à vérifier » section in Chromium, for keyboard and screen-reader users (RGAA 7.1,
7.5, 12.8): the focus survives the polling, the live region announces the estimate, and
« Refaire l'estimation » leaves the focus on the section's heading, not on <body>.

To observe the polling, the task is not enqueued (as when the worker has not taken it yet: the
test settings' ImmediateBackend would otherwise run it at once); the test then runs it by hand,
with a hand-written estimate (two rights: prime d'activité and ASF) instead of OpenFisca.
"""

from __future__ import annotations

import pytest

from microcredit.accounts.enums import Role
from microcredit.rights import engine
from microcredit.rights.models import RightsAssessmentRecord, RsaBaseAmount
from microcredit.rights.tasks import assess_dossier_rights
from tests.browser.conftest import login
from tests.budgets.helpers import MONTH, fake_assessment, lone_parent_budget, lone_parent_dossier
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTIVE = "() => { const e = document.activeElement; return e ? (e.id || e.tagName) : null; }"


@pytest.fixture
def dossier_page(page, live_server, make_user, monkeypatch):  # type: ignore[no-untyped-def]
    """The référent on the dossier page of a household with a budget, the estimate not run."""
    referent = make_user(Role.REFERENT)
    dossier = lone_parent_dossier(referent)
    lone_parent_budget(referent, dossier)
    RsaBaseAmount.objects.create(month=MONTH, amount="651.69", openfisca_france_version="x")
    monkeypatch.setattr(type(assess_dossier_rights), "enqueue", lambda self, *args: None)
    monkeypatch.setattr(engine, "assess_household", lambda situation: fake_assessment())
    login(page, live_server, referent.username, PASSWORD)
    page.goto(f"{live_server.url}/dossiers/{dossier.pk}/")
    return page


def polls_of(page) -> list[int]:  # type: ignore[no-untyped-def]
    """The status of each poll of the section (GET …/droits/ sent by htmx)."""
    statuses: list[int] = []
    page.on(
        "response",
        lambda response: (
            statuses.append(response.status)
            if response.url.endswith("/droits/") and response.request.method == "GET"
            else None
        ),
    )
    return statuses


def run_the_estimate() -> None:
    assert assess_dossier_rights.call(RightsAssessmentRecord.objects.get().pk) == "done"


def test_the_focus_stays_on_its_control_across_the_polling(dossier_page) -> None:  # type: ignore[no-untyped-def]
    page = dossier_page
    page.get_by_role("button", name="Estimer les droits du foyer").click()
    page.get_by_text("Estimation en cours…").wait_for()
    polls = polls_of(page)
    # The control the section offers while the estimate runs (a keyboard user on it).
    refresh = page.locator("#droits").get_by_role("link", name="Actualiser la page")
    refresh.focus()
    page.wait_for_timeout(4_500)  # two polls at least (every 2 s)
    assert len(polls) >= 2, polls
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Actualiser la page"
    assert page.evaluate("() => document.activeElement.closest('#droits') !== null")
    assert set(polls) == {204}, polls  # still running: nothing was swapped
    page.problems.assert_none()


def test_the_live_region_announces_the_estimate_and_the_focus_goes_to_the_heading(
    dossier_page,
) -> None:  # type: ignore[no-untyped-def]
    page = dossier_page
    region = page.locator("#rights-status")
    page.evaluate("() => { window.rightsRegion = document.getElementById('rights-status'); }")
    page.get_by_role("button", name="Estimer les droits du foyer").click()
    page.get_by_text("Estimation en cours…").wait_for()
    assert " ".join(region.inner_text().split()) == "Estimation des droits en cours…"
    page.locator("#rights-content").get_by_role("link", name="Actualiser la page").focus()
    run_the_estimate()
    page.get_by_role("heading", name="Prime d'activité").wait_for(timeout=10_000)
    page.wait_for_function(
        "() => document.getElementById('rights-status').textContent.includes('terminée')"
    )
    page.wait_for_timeout(500)  # htmx settles 20 ms after the swap
    assert " ".join(region.inner_text().split()) == "Estimation terminée : 2 droits à vérifier."
    # The same element all along (never swapped), the one live region of the section.
    assert page.evaluate("() => window.rightsRegion === document.getElementById('rights-status')")
    assert region.get_attribute("role") == "status"
    assert region.get_attribute("aria-live") == "polite"
    assert page.locator("#droits [aria-live]").count() == 1
    # The link that had the focus is gone with the running estimate: the heading has it.
    assert page.evaluate(ACTIVE) == "rights-title"
    page.problems.assert_none()


def test_refaire_l_estimation_leaves_the_focus_on_the_heading(dossier_page) -> None:  # type: ignore[no-untyped-def]
    page = dossier_page
    page.get_by_role("button", name="Estimer les droits du foyer").click()
    page.get_by_text("Estimation en cours…").wait_for()
    run_the_estimate()
    page.get_by_role("heading", name="Prime d'activité").wait_for(timeout=10_000)
    button = page.get_by_role("button", name="Refaire l'estimation")
    button.focus()
    page.keyboard.press("Enter")  # as a keyboard user does
    page.get_by_text("Estimation en cours…").wait_for()
    page.wait_for_timeout(500)  # htmx settles 20 ms after the swap
    assert page.evaluate(ACTIVE) == "rights-title"
    assert RightsAssessmentRecord.objects.count() == 2
    page.problems.assert_none()
