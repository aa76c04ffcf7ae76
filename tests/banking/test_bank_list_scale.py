"""The bank's list at scale (#19): a page at a time, the same number of queries at 10 and at
1,000 transmitted dossiers, each group's count and page."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.accounts.models import Membership
from microcredit.banking import selectors
from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from tests.factories import bulk_dossiers

ROW = re.compile(r'<a href="/banque/dossiers/\d+/">')
STATES = (
    DossierState.TRANSMITTED_TO_BANK,
    DossierState.GRANTED,
    DossierState.DISBURSED,
    DossierState.REFUSED_BY_BANK,
)


@pytest.mark.django_db
def test_the_bank_list_shows_a_page_with_as_many_queries_at_10_as_at_1000_dossiers(
    client, make_user, count_queries
) -> None:  # type: ignore[no-untyped-def]
    referent = make_user(Role.REFERENT)
    adviser = make_user(Role.BANK_ADVISER, username="conseiller")
    bank = Membership.objects.get(user=adviser).organisation
    client.force_login(adviser)
    url = reverse("banking:list")
    pages = {
        "all": {},
        "page 2": {"page": "2"},
        **{group: {"groupe": group} for group in selectors.GROUPS},
    }
    counts: dict[int, dict[str, int]] = {}
    for total in (10, 1000):
        bulk_dossiers(referent, total, bank=bank, states=STATES)
        for name, params in pages.items():
            response = client.get(url, params)
            assert response.status_code == 200, name
            rows = len(ROW.findall(response.content.decode()))
            assert 0 < rows <= selectors.PAGE_SIZE, (name, rows)
        counts[total] = {
            name: count_queries(lambda params=params: client.get(url, params))  # type: ignore[misc]
            for name, params in pages.items()
        }
    assert counts[10] == counts[1000], counts
    content = client.get(url, {"groupe": selectors.TO_DECIDE}).content.decode()
    to_decide = Dossier.objects.filter(state=DossierState.TRANSMITTED_TO_BANK).count()
    assert f"À décider ({to_decide})" in content and "Tous (1000)" in content
    assert (
        f"Page 1 sur {-(-to_decide // selectors.PAGE_SIZE)}" in content
        and "groupe=to_decide&amp;page=2" in content
    )
    # The group's page holds its states only, the latest change first.
    page = client.get(url, {"groupe": selectors.DISBURSED, "page": "3"}).context["page"]
    assert {d.state for d in page.object_list} == {DossierState.DISBURSED}
    changed = [d.state_changed_at for d in page.object_list]
    assert changed == sorted(changed, reverse=True)
    other = client.get(url, {"groupe": selectors.CLOSED_BY_BANK}).context["page"]
    assert {d.state for d in other.object_list} == {DossierState.REFUSED_BY_BANK}
    # Another bank's dossiers and those not transmitted are never counted nor listed.
    granted = Dossier.objects.filter(state=DossierState.GRANTED)
    left = 1000 - granted.update(bank_transmitted_at=None, bank=None)
    cache.clear()  # no state moved (the counts stay cached until one does, or for 5 minutes)
    assert f"Tous ({left})" in client.get(url).content.decode()
