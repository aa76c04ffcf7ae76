"""The dossier page's share form reads its partner workers, with the organisation each label
names, in a fixed number of queries (dossiers.forms.ShareForm)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.organisations.models import Organisation, Partnership
from tests.factories import make_dossier


def _flat(html: str) -> str:
    return re.sub(r"\s*\n\s*", " ", re.sub(r">\s+<", "><", str(html))).strip()


@pytest.mark.django_db
def test_the_share_form_reads_its_partner_workers_in_a_fixed_number_of_queries(
    client_for, make_user, saint_etienne, social_structure, count_queries
) -> None:  # type: ignore[no-untyped-def]
    Partnership.objects.create(ccas=saint_etienne, partner=social_structure)
    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user, referent=client.user)
    url = reverse("dossiers:detail", args=[dossier.pk])
    counts = []
    added = 0
    for total in (1, 4):
        while added < total:
            added += 1
            other = Organisation.objects.create(
                kind="social_structure", name=f"Structure {added}", slug=f"structure-{added}"
            )
            Partnership.objects.create(ccas=saint_etienne, partner=other)
            make_user(Role.PARTNER_WORKER, username=f"partenaire-{added}", organisation=other)
        page = client.get(url).content.decode()
        assert len(re.findall(r"\(Structure \d\)</option>", page)) == total
        counts.append(count_queries(lambda: client.get(url)))
    assert counts[0] == counts[1], counts
