"""The requested installment is stated as every page states it: the installment, and the last
one where it differs (« 85,60 € (dernière 85,62 €) »), never the last one alone.

3 000 € over 36 months at 1,75 %: installment 85,60 €, the last row 85,62 € (it takes the
remaining principal). The public simulator, the dossier page and the loan pages say 85,60 €; the
diagnostic used to say « échéance demandée 85,62 € ». The capacity judgement stays on the
largest payment (85,62 €): every payment must be carried.
"""

from __future__ import annotations

import html
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from microcredit.accounts.enums import Role
from microcredit.budgets import rules
from microcredit.budgets.rules import LoanRequest, Verdict
from microcredit.core.formatting import format_installment
from microcredit.rights.models import RsaBaseAmount
from tests.budgets.helpers import (
    MONTH,
    SCHEME,
    THRESHOLDS,
    lone_parent,
    lone_parent_budget,
    lone_parent_dossier,
)

D = Decimal


def test_format_installment_adds_the_last_one_only_where_it_differs() -> None:
    assert format_installment(D("85.60"), D("85.62")) == "85,60\xa0€ (dernière 85,62\xa0€)"
    assert format_installment(D("50.48"), D("50.43")) == "50,48\xa0€ (dernière 50,43\xa0€)"
    assert format_installment(D("85.60"), D("85.60")) == "85,60\xa0€"
    assert format_installment(D("85.60"), D("85.6000")) == "85,60\xa0€"
    assert format_installment(D("85.60")) == "85,60\xa0€"
    assert format_installment(D("1234.5"), D("1234.6"), last_word="last") == (
        "1\u202f234,50\xa0€ (last 1\u202f234,60\xa0€)"
    )


def test_the_template_filter_writes_the_same_text() -> None:
    template = Template("{% load formatting %}{{ a|installment:b }}|{{ a|installment:a }}")
    with translation.override("fr"):
        text = template.render(Context({"a": D("85.60"), "b": D("85.62")}))
    assert text == "85,60\xa0€ (dernière 85,62\xa0€)|85,60\xa0€"


def test_the_diagnostic_states_the_installment_and_the_last_one() -> None:
    a = rules.assess_budget(lone_parent(), THRESHOLDS, SCHEME, LoanRequest(D("3000"), 36))
    assert a.requested.installment == D("85.60")
    assert a.requested.last_payment == D("85.62")
    assert a.requested.max_payment == D("85.62")  # the judgement is on the largest payment
    assert a.verdict is Verdict.NOT_SUITABLE
    assert a.reasons[0].startswith(
        "La mensualité demandée, 85,60\xa0€ (dernière 85,62\xa0€), dépasse la capacité de "
        "remboursement du budget (55,00\xa0€ par mois"
    )
    assert not any("échéance demandée" in reason for reason in a.reasons)


def test_a_loan_whose_last_installment_is_the_same_states_one_amount() -> None:
    # 600 € × 12: installment 50,48 €, the last 50,43 € (below): both are stated, and the
    # judgement stays on 50,48 €.
    a = rules.assess_budget(lone_parent(), THRESHOLDS, SCHEME, LoanRequest(D("600"), 12))
    assert (a.requested.installment, a.requested.last_payment) == (D("50.48"), D("50.43"))
    assert a.requested.max_payment == D("50.48")
    assert (
        "La mensualité demandée, 50,48\xa0€ (dernière 50,43\xa0€), est supportable"
        in (a.reasons[0])
    )


@pytest.mark.django_db
def test_the_dossier_page_states_the_requested_installment_as_the_other_pages(
    client,  # type: ignore[no-untyped-def]
    make_user,  # type: ignore[no-untyped-def]
) -> None:
    referent = make_user(Role.REFERENT)
    RsaBaseAmount.objects.create(month=MONTH, amount=D("651.69"), openfisca_france_version="x")
    dossier = lone_parent_dossier(referent, requested_amount=D("3000.00"), requested_months=36)
    lone_parent_budget(referent, dossier)
    client.force_login(referent)
    response = client.get(reverse("dossiers:detail", args=[dossier.pk]))
    body = html.unescape(response.content.decode())
    assert "La mensualité demandée, 85,60\xa0€ (dernière 85,62\xa0€), dépasse" in body
    # The options table: the requested row's installment, with its last one.
    assert "85,60\xa0€ (dernière 85,62\xa0€)</td>" in body
    assert "échéance demandée" not in body
    assert ">85,62\xa0€<" not in body  # never the last one alone
