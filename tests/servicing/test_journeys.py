"""Journey A, through the pages, each role in its own session: a loan from the cheque through a
missed installment (alerts to the référent and the bank), a plan de reprise agreed and kept, a
partial early repayment and the last payment (a total early repayment of the payoff quote), then
the invoice and the bonification, to closed. Journey B (the guarantee claim) is in
test_journeys_claim.py.

The figures, by hand from LOAN_CONVENTIONS (i = 0.0175 / 12; every interest rounded half-up
once; A = P·i / (1 − (1+i)^−n) rounded half-up):

1,200.00 € over 12 months, the cheque on 15/01/2026: due on the 15th, 15/02/2026 → 15/01/2027
(version 1 by hand in journey_helpers.cheque): A = 100.95; the 15/03 row 1.61 of interest and
99.34 of principal; balances 1100.80 after 15/02, 702.56 after 15/06, 602.63 after 15/07.

The plan (20/03/2026, 3 months on top of the installments): the unpaid 15/03 row, 100.95 =
1.61 of interest + 99.34 of principal ("Payments, arrears, plans": the unpaid principal keeps
its rate, the unpaid interest bears none, split in 3: 161 cents // 3 = 53, the remainder on the
last: 0.53, 0.53, 0.55).
    a = 99.34 · i / (1 − (1+i)^−3) = 33.2099… → 33.21
    15/04  99.34 × 0.0175 / 12 = 0.1448… → 0.14; principal 33.07; plan balance 66.27
    15/05  66.27 → 0.0966… → 0.10; principal 33.11; plan balance 33.16
    15/06  33.16 → 0.0483… → 0.05; principal 33.16 (the rest): 33.21
    installments: 15/04 and 15/05 100.95 + 33.21 + 0.53 = 134.69; 15/06 100.95 + 33.21 + 0.55
    = 134.71; balance after 15/06 702.56, after 15/07 (100.95) 602.63 as before.

The partial early repayment (30/07/2026, 300.00 €, the borrower keeps the end date,
"Early repayment"): 15 days since 15/07 over the 31 of the period 15/07 → 15/08:
    accrued 602.63 × 0.0175 / 12 × 15 / 31 = 0.4252… → 0.43
    principal repaid 300.00 − 0.43 = 299.57; balance 602.63 − 299.57 = 303.06
    new installment A' = 303.06 · i / (1 − (1+i)^−6) = 50.7681… → 50.77 (6 dates left)
    15/08  interest 303.06 × 0.0175 / 12 × 16 / 31 = 0.2281… → 0.23 (16 days from 30/07);
           principal 50.77 − 0.23 = 50.54; balance 252.52
    Version 3 totals: interest 1.75 + 0 + 2.13 + 1.95 + 1.77 + 1.02 (rows to 15/07; 2.13 =
    1.46 + 0.14 + 0.53 …) + 0.43 + 0.23 + 0.37 + 0.29 + 0.22 + 0.15 + 0.07 = 10.38 (the later
    rows: 252.52 → 0.37, 202.12 → 0.29, 151.64 → 0.22, 101.09 → 0.15, 50.47 → 0.07);
    total due 1200.00 + 10.38 = 1210.38.

The last payment: the payoff on 10/09/2026 after the 15/08 installment (50.77) was paid: 26
days since 15/08 over the 31 of 15/08 → 15/09:
    principal 252.52; accrued 252.52 × 0.0175 / 12 × 26 / 31 = 0.3088… → 0.31; nothing
    overdue; total 252.83. Paid as a total early repayment: version 4.
    Repaid in all: 100.95 + 134.69 + 134.69 + 134.71 + 100.95 + 300.00 + 50.77 + 252.83
    = 1209.59 = 1200.00 + interest 8.62 + 0.43 + 0.23 + 0.31.

The bonification ("Bonification": after a total early repayment, the last regular installment
in force before it, never the lump sum): 50.77 €.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.letters.enums import LetterKind
from microcredit.letters.models import Letter
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, ScheduleVersion
from microcredit.servicing.enums import PlanState
from microcredit.servicing.models import Bonification, RepaymentPlan
from tests.factories import pdf_bytes
from tests.servicing.journey_helpers import (
    D,
    Journey,
    alert_mails,
    cheque,
    eur,
    granted_journey,
    letters_written,
    line,
    nightly_job,
    on,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def journey(make_user) -> Journey:  # type: ignore[no-untyped-def]
    return granted_journey(make_user)


def _missed_installment(j: Journey) -> None:
    """15/02 paid, 15/03 missed: the nightly job of 16/03 alerts the référent and the bank."""
    j.pay(date(2026, 2, 15), "100,95", "VIR-0001")
    nightly_job(date(2026, 3, 15))  # due that day: not overdue yet
    assert not alert_mails()
    nightly_job(date(2026, 3, 16))  # one day past due
    nightly_job(date(2026, 3, 16))  # the same night again raises nothing more
    referent, adviser = j.ccas.user, j.bank.user
    assert sorted(m.to for m in alert_mails()) == sorted([[referent.email], [adviser.email]])
    for message in alert_mails():
        words = message.subject + message.body
        for personal in ("Benali", "Nadia", j.dossier.number, "100,95", "1200"):
            assert personal not in words
    with on(date(2026, 3, 16)):
        for person in (j.ccas, j.bank):
            home = person.get("/")
            assert (
                f"Première échéance impayée — prêt {j.dossier.number}, 1 jour de retard au "
                "16/03/2026"
            ) in home.text
        loan = j.ccas.get(j.loan_page)
    # 15/03's 100.95 unpaid, one day late (overdue from the day after the due date)
    assert loan.fact("Retard") == "1 jour de retard (en retard)"
    assert loan.fact("Impayé") == eur("100.95")


def _plan(j: Journey) -> None:
    """20/03: the référent previews and proposes 3 months on top; the bank agrees."""
    proposed = date(2026, 3, 20)
    with on(proposed):
        page = j.ccas.get(j.followup)
        assert page.fact("Impayés au 20/03/2026") == f"{eur('100.95')} (5 jours de retard)"
        page = j.ccas.submit(
            page, "Prévisualiser", months="3", mode="on_top", note="Accord au rendez-vous."
        )
        assert page.fact("Rééchelonné") == (
            f"{eur('100.95')}, dont {eur('1.61')} d'intérêts (qui ne portent pas intérêt) et "
            f"{eur('99.34')} de capital"
        )
        assert page.fact("Prochaine échéance") == eur("134.69")  # 100.95 + 33.21 + 0.53
        # 134.69 × 2 + 134.71 + 100.95 × 6 + 100.96: the 1211.41 of version 1 less the 100.95
        # paid, plus the plan's interest 0.14 + 0.10 + 0.05
        assert page.fact("Reste à payer") == eur("1110.75")
        assert page.fact("Dernière échéance") == "15/01/2027"
        page = j.ccas.submit(page, "Proposer le plan à la banque")
        assert page.messages == [
            "Le plan de reprise est proposé à la banque ; il prendra effet quand elle l'acceptera."
        ]
        page = j.bank.get(j.followup)
        assert "Plan proposé à la banque" in page.text
        assert page.fact("Prochaine échéance") == eur("134.69")
        page = j.bank.submit(page, "Accepter le plan")
        assert page.messages == [
            "Le plan de reprise est accepté : le nouvel échéancier est en vigueur et un "
            "courrier part à l'emprunteur."
        ]
        loan = j.bank.get(j.loan_page)
    assert loan.fact("Mensualité") == eur("100.95")
    # 11.41 + the plan's interest on the unpaid principal 0.14 + 0.10 + 0.05
    assert loan.fact("Intérêts") == eur("11.70")
    assert loan.fact("Montant total dû") == eur("1211.70")
    rows = loan.table("Échéancier, version 2")
    assert rows[2] == line(2, "15/03/2026", "échéance", "0.00", "0.00", "0.00", "1100.80")
    # 100.95 + 33.21 + 0.53; interest 1.46 + 0.14 + 0.53; principal 99.49 + 33.07;
    # balance 901.97 + 66.27
    assert rows[3] == line(3, "15/04/2026", "plan de reprise", "134.69", "2.13", "132.56", "968.24")
    assert rows[4] == line(4, "15/05/2026", "plan de reprise", "134.69", "1.95", "132.74", "835.50")
    # 100.95 + 33.21 + 0.55; 1.17 + 0.05 + 0.55; 99.78 + 33.16; 702.56 + 0
    assert rows[5] == line(5, "15/06/2026", "plan de reprise", "134.71", "1.77", "132.94", "702.56")
    assert rows[6] == line(6, "15/07/2026", "échéance", "100.95", "1.02", "99.93", "602.63")


def _plan_kept(j: Journey) -> None:
    """The plan's three rows paid on their days: the job of 16/06 marks it kept."""
    for n, (day, amount) in enumerate(
        [
            (date(2026, 4, 15), "134,69"),
            (date(2026, 5, 15), "134,69"),
            (date(2026, 6, 15), "134,71"),
        ],
        start=2,
    ):
        j.pay(day, amount, f"VIR-000{n}")
    nightly_job(date(2026, 6, 16))
    assert RepaymentPlan.objects.get(loan_id=j.loan_id).state == PlanState.KEPT
    assert len(alert_mails()) == 2  # no new alert: the loan is up to date
    with on(date(2026, 6, 16)):
        page = j.ccas.get(j.followup)
    [_, plan] = page.table("Plans de reprise du prêt")
    assert plan == ["20/03/2026", "Respecté (terminé)", eur("100.95"), "3 mois",
                    "en plus des mensualités en cours", "20/03/2026"]  # fmt: skip


def _partial_early_repayment(j: Journey) -> None:
    """15/07 paid; 30/07 300.00 € flagged early repayment, the end date kept: version 3."""
    j.pay(date(2026, 7, 15), "100,95", "VIR-0005")
    page = j.pay(
        date(2026, 7, 30),
        "300,00",
        "VIR-0006",
        **{"rep-early_repayment": "on", "rep-early_repayment_keep": "end_date"},
    )
    assert page.messages == [
        "Le remboursement anticipé est enregistré : le nouvel échéancier est en vigueur."
    ]
    # The conditions in force: A' = 303.06 · i / (1 − (1+i)^−6) → 50.77 (module docstring)
    assert page.fact("Mensualité") == eur("50.77")
    assert page.fact("Intérêts") == eur("10.38")
    assert page.fact("Montant total dû") == eur("1210.38")
    assert page.fact("Capital restant dû") == eur("303.06")  # 602.63 − (300.00 − 0.43)
    assert "Remboursement anticipé en attente" not in page.text  # its version is in force
    rows = page.table("Échéancier, version 3")
    assert rows[7] == line(
        7, "30/07/2026", "remboursement anticipé", "300.00", "0.43", "299.57", "303.06"
    )
    assert rows[8] == line(8, "15/08/2026", "échéance", "50.77", "0.23", "50.54", "252.52")
    # the last (15/01/2027): the remaining 50.47 and its interest 50.47 × 0.0175 / 12 = 0.0736…
    assert rows[13] == line(13, "15/01/2027", "échéance", "50.54", "0.07", "50.47", "0.00")
    assert len(rows) == 14  # the header and 13 rows


def _last_payment(j: Journey) -> None:
    """15/08 paid; on 10/09 the payoff quote of the loan page is paid as a total early
    repayment: version 4, nothing left to pay."""
    j.pay(date(2026, 8, 15), "50,77", "VIR-0007")
    payoff_day = date(2026, 9, 10)
    with on(payoff_day):
        for person in (j.ccas, j.bank):  # the référent reads the same quote
            page = person.get(j.loan_page)
            page = person.submit(
                page, "Calculer le solde à cette date", date=payoff_day.isoformat()
            )
            assert page.fact("Capital restant dû (échéances à venir)") == eur("252.52")
            # 252.52 × 0.0175 / 12 × 26 / 31 = 0.3088… → 0.31
            assert page.fact("Intérêts courus depuis la dernière échéance") == eur("0.31")
            assert page.fact("Échéances dues non payées") == eur("0.00")
            assert page.fact("Total à verser le 10/09/2026") == eur("252.83")
    page = j.pay(payoff_day, "252,83", "VIR-0008", **{"rep-early_repayment": "on"})
    assert page.messages == [
        "Le remboursement anticipé est enregistré : le nouvel échéancier est en vigueur."
    ]
    assert page.fact("Capital restant dû") == eur("0.00")
    assert page.fact("Impayé") == eur("0.00")
    assert page.fact("Total remboursé") == eur("1209.59")  # module docstring
    assert page.fact("Montant total dû") == eur("1209.59")
    assert page.fact("Mensualité") == eur("50.77")  # the installment in force before it
    rows = page.table("Échéancier, version 4")
    assert rows[-1] == line(
        9, "10/09/2026", "remboursement anticipé", "252.83", "0.31", "252.52", "0.00"
    )


def _repaid_and_closed(j: Journey) -> None:
    """11/09: the bank records the full repayment on the dossier page; 20/09: the référent
    files the invoice, records the bonification (50.77 €) and closes the dossier."""
    with on(date(2026, 9, 11)):
        page = j.bank.get(f"/dossiers/{j.dossier.pk}/")
        page = j.bank.submit(page, "Confirmer : constater le remboursement complet")
    assert page.messages == ["Le dossier est maintenant « remboursé »."]
    closing = f"/suivi/prets/{j.loan_id}/cloture/"
    with on(date(2026, 9, 20)):
        page = j.ccas.get(closing)
        refused = j.ccas.submit(page, "Clôturer le dossier")  # too early: refused, with why
        assert refused.url == f"{closing}cloturer/" and "errorlist" in refused.html
        assert "Le justificatif du projet (la facture) n'est pas enregistré" in refused.text
        assert Dossier.objects.get(pk=j.dossier.pk).state == DossierState.REPAID
        assert page.fact("Bonification du CCAS") == (
            f"{eur('50.77')} — la mensualité en vigueur avant le remboursement anticipé total "
            "(due une fois la facture du projet enregistrée)"
        )
        page = j.ccas.submit(
            page,
            "Enregistrer la facture",
            **{"proof-upload": SimpleUploadedFile("facture.pdf", pdf_bytes("facture"))},
        )
        assert page.url == closing
        assert f"Montant à verser : {eur('50.77')}" in page.text
        page = j.ccas.submit(
            page,
            "Enregistrer le versement",
            **{"bonification-paid_on": "2026-09-20", "bonification-mode": "transfer"},
        )
        assert (
            page.fact("Bonification du CCAS")
            == f"{eur('50.77')} versés le 20/09/2026 par virement."
        )
        page = j.ccas.submit(page, "Clôturer le dossier")
        assert page.messages == ["Le dossier est clôturé."]
        assert page.url == j.followup
        assert "Le prêt n'est plus en remboursement (remboursé) : pas de plan de reprise." in (
            page.text
        )
        assert "Clôturé · 1 200,00 €" in j.ccas.get(closing).text
    written = letters_written(j, date(2026, 9, 20))
    for label in (
        "Versement du prêt et échéancier",
        "Mensualité impayée",
        "Plan de reprise accepté",
        "Clôture du prêt",
    ):
        assert written[label].startswith("Télécharger (PDF)"), label


def test_a_loan_from_the_cheque_to_closed(journey: Journey) -> None:
    j = journey
    cheque(j)
    _missed_installment(j)
    _plan(j)
    _plan_kept(j)
    _partial_early_repayment(j)
    _last_payment(j)
    _repaid_and_closed(j)
    dossier = Dossier.objects.get(pk=j.dossier.pk)
    loan = Loan.objects.get(pk=j.loan_id)
    assert (dossier.state, loan.state) == (DossierState.CLOSED, LoanState.REPAID)
    versions = ScheduleVersion.objects.filter(loan=loan).order_by("number")
    assert [(v.number, v.reason, v.installment) for v in versions] == [
        (1, "Échéancier initial", D("100.95")),
        (
            2,
            "Plan de reprise du 20/03/2026 (3 mois, en plus des mensualités en cours, "
            "100,95\u00a0€ rééchelonnés)",
            D("100.95"),
        ),
        (3, "Remboursement anticipé partiel du 30/07/2026 (mensualité réduite)", D("50.77")),
        (4, "Remboursement anticipé total du 10/09/2026", D("50.77")),
    ]
    bonification = Bonification.objects.get(loan=loan)
    assert (bonification.amount, bonification.paid_on) == (D("50.77"), date(2026, 9, 20))
    kinds = sorted(Letter.objects.filter(dossier=dossier).values_list("kind", flat=True))
    assert kinds == sorted(
        [
            LetterKind.BANK_ACCEPTANCE,
            LetterKind.DISBURSEMENT,
            LetterKind.MISSED_INSTALLMENT,
            LetterKind.REPAYMENT_PLAN,
            LetterKind.CLOSING,
        ]
    )
    assert all(letter.size > 0 for letter in Letter.objects.filter(dossier=dossier))
