"""The dossier page writes the fields of its staff forms by hand (Django's form templates cost
more than the rest of the section): they must stay what the forms render, and the partner
workers of the share form are read in a fixed number of queries."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.urls import reverse

from microcredit.accounts.enums import Role
from microcredit.documents.forms import UploadForm
from microcredit.documents.services import document_kinds
from microcredit.dossiers.forms import ConsentForm, ShareForm
from microcredit.organisations.models import Organisation, Partnership
from microcredit.programmes.selectors import version_in_force
from tests.factories import make_dossier


def _flat(html: str) -> str:
    return re.sub(r"\s*\n\s*", " ", re.sub(r">\s+<", "><", str(html))).strip()


@pytest.mark.django_db
def test_the_hand_written_fields_are_what_the_forms_render(
    client_for, make_user, saint_etienne, social_structure
) -> None:  # type: ignore[no-untyped-def]
    Partnership.objects.create(ccas=saint_etienne, partner=social_structure)
    make_user(Role.PARTNER_WORKER, username="partenaire-a")
    make_user(Role.PARTNER_WORKER, username="partenaire-b")
    client = client_for(Role.REFERENT)
    dossier = make_dossier(created_by=client.user, referent=client.user)
    dossier.consent_date = date(2026, 3, 2)
    dossier.save(update_fields=["consent_date"])
    page = _flat(client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode())

    version = version_in_force(dossier.programme, dossier.application_date)
    assert version is not None
    upload = UploadForm(
        kinds=document_kinds(version.required_documents_for(dossier.purpose_category))
    )
    consent = ConsentForm(initial={"consent_date": dossier.consent_date})
    share = ShareForm(organisation_id=dossier.organisation_id)
    fields = [upload["kind"], upload["file"], consent["consent_date"], share["worker"]]
    for field in fields:
        assert _flat(field.as_field_group()) in page, field.name
    assert "Partenaire-A (Structure test)" in page and "Partenaire-B (Structure test)" in page


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
