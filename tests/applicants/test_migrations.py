"""The data migration that merges the housing statuses keeps every applicant's housing: the old
"furnished_or_hostel" becomes "tenant_furnished" (the budget form's first guess from it), and
going back folds the statuses the applicant did not have into their nearest old one."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from microcredit.accounts.enums import Role
from microcredit.accounts.models import User
from microcredit.applicants.models import Applicant
from microcredit.organisations.models import Organisation
from tests.factories import make_applicant, migrate

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("applicants", "0001_initial")
AFTER = ("applicants", "0002_housing_status_merged")


def test_the_old_statuses_map_to_the_merged_ones_and_back(
    make_user: Callable[..., User], saint_etienne: Organisation
) -> None:
    agent = make_user(Role.AGENT)
    housing = ["tenant_residence", "owner_repaying", "tenant_social", "tenant_furnished"]
    applicants = [
        make_applicant(organisation=saint_etienne, created_by=agent, housing_status=status)
        for status in housing
    ]

    def stored() -> list[str]:
        # The one column: the later migrations' columns are not there at BEFORE and AFTER.
        by_pk = dict(Applicant.objects.values_list("pk", "housing_status"))
        return [by_pk[a.pk] for a in applicants]

    migrate(BEFORE)
    try:
        assert stored() == ["furnished_or_hostel", "owner", "tenant_social", "furnished_or_hostel"]
        migrate(AFTER)
        assert stored() == ["tenant_furnished", "owner", "tenant_social", "tenant_furnished"]
    finally:
        migrate(None)  # every app's latest schema, as the next tests expect it
