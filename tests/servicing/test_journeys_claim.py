"""Journey B, through the pages, each role in its own session: a loan goes from the cheque to a
guarantee claim (several installments missed, the nightly job's alerts, the claim recorded by
the bank with the déchéance du terme and the first unpaid installment, the guarantor's payment),
its loss ledger on the follow-up page, then the référent closes the dossier (no bonification).
Journey A is in test_journeys.py.

The figures, by hand from LOAN_CONVENTIONS (i = 0.0175 / 12; interest rounded half-up once):

The loan of journey_helpers.cheque: 1,200.00 € over 12 months from 15/01/2026, A = 100.95;
15/02 paid; 15/03 (1.61 of interest, 99.34 of principal) missed, then 50.00 paid on 20/03: the
oldest row first, interest before principal ("Payments, arrears, plans"): 1.61 of interest,
50.00 − 1.61 = 48.39 of principal; 100.95 − 50.00 = 50.95 still unpaid on that row. Nothing
more paid.

Days past due count from the day after 15/03 (16/03 is day 1): 14/04 is day 16 + 14 = 30 (30+),
14/05 day 16 + 30 + 14 = 60 (60+), 13/06 day 16 + 30 + 31 + 13 = 90 (90+). Unpaid on 13/06:
50.95 + 100.95 (15/04) + 100.95 (15/05) = 252.85.

The claim, the déchéance du terme on 20/06/2026 ("Guarantee claim", the programme: 50 %, the
principal only):
    outstanding principal: 1100.80 after 15/02 − 48.39 paid on 20/03 = 1052.41
    interest (shown, not covered): of 15/03 to 15/06 1.61 + 1.46 + 1.32 + 1.17 = 5.56, less the
    1.61 paid = 3.95; accrued since 15/06 on the balance after it, 702.56 × 0.0175 / 12 × 5 / 30
    (5 days of the 30 from 15/06 to 15/07) = 0.1707… → 0.17; in all 4.12
    amount called: 1052.41 × 50 % = 526.205 → 526.21 (half-up)
Loss ledger once the guarantor paid the 526.21 called: guarantor 526.21, bank 1052.41 − 526.21
= 526.20.
"""

from __future__ import annotations

from datetime import date

import pytest

from microcredit.dossiers.enums import DossierState
from microcredit.dossiers.models import Dossier
from microcredit.letters.enums import LetterKind
from microcredit.letters.models import Letter
from microcredit.loans.enums import LoanState
from microcredit.loans.models import Loan, ScheduleVersion
from microcredit.servicing.enums import ClaimState
from microcredit.servicing.models import Bonification, GuaranteeClaim, ProjectProof
from tests.servicing.journey_helpers import (
    D,
    Journey,
    Page,
    alert_mails,
    cheque,
    eur,
    granted_journey,
    letters_written,
    nightly_job,
    on,
)

pytestmark = pytest.mark.django_db

CLAIMED = date(2026, 6, 20)
LEDGER = "Répartition de la perte"


@pytest.fixture
def journey(make_user) -> Journey:  # type: ignore[no-untyped-def]
    return granted_journey(make_user)


def _installments_missed(j: Journey) -> None:
    """15/02 paid, 15/03 missed then partly paid, nothing after: the job alerts on the first
    missed installment, then as the loan enters 30+, 60+ and 90+."""
    j.pay(date(2026, 2, 15), "100,95", "VIR-0001")
    nightly_job(date(2026, 3, 16))
    assert len(alert_mails()) == 2  # the référent and the adviser
    page = j.pay(date(2026, 3, 20), "50,00", "VIR-0002")
    assert page.fact("Impayé") == eur("50.95")  # 100.95 − 50.00
    assert page.fact("Capital restant dû") == eur("1052.41")  # 1100.80 − 48.39
    nightly_job(date(2026, 4, 14))  # day 30
    nightly_job(date(2026, 4, 15))  # the next night: still 30+, nothing new
    nightly_job(date(2026, 5, 14))  # day 60
    nightly_job(date(2026, 6, 13))  # day 90
    # 4 alerts (missed installment, 30+, 60+, 90+) to each, one e-mail each, no name in them
    assert len(alert_mails()) == 8
    assert {m.to[0] for m in alert_mails()} == {j.ccas.user.email, j.bank.user.email}
    for message in alert_mails():
        assert "Benali" not in message.body and j.dossier.number not in message.body
    with on(date(2026, 6, 13)):
        for person in (j.ccas, j.bank):
            home = person.get("/")
            number = j.dossier.number
            for alert in (
                f"Première échéance impayée — prêt {number}, 1 jour de retard au 16/03/2026",
                f"(30 jours et plus) — prêt {number}, 30 jours de retard au 14/04/2026",
                f"(60 jours et plus) — prêt {number}, 60 jours de retard au 14/05/2026",
                f"(90 jours et plus) — prêt {number}, 90 jours de retard au 13/06/2026",
            ):
                assert alert in home.text, alert
            assert home.text.count("Entrée dans une tranche de retard") == 3
        page = j.bank.get(j.loan_page)
    assert page.fact("Retard") == "90 jours de retard (90 jours et plus)"
    assert page.fact("Impayé") == eur("252.85")  # 50.95 + 100.95 + 100.95


def _ledger(page: Page) -> dict[str, str]:
    return dict(page.table(LEDGER))  # each row: its label, its amount


def _claim(j: Journey) -> None:
    """20/06: the bank calls the guarantee from the follow-up page's link."""
    claim_page = f"/suivi/prets/{j.loan_id}/garantie/"
    with on(CLAIMED):
        followup = j.bank.get(j.followup)
        assert f'href="{claim_page}"' in followup.html
        assert "La garantie n'a pas été appelée." in followup.text
        # 50.95 + 100.95 × 3 (15/04, 15/05, 15/06); 20/06 is day 97 (90 on 13/06, + 7)
        assert followup.fact("Impayés au 20/06/2026") == f"{eur('353.80')} (97 jours de retard)"
        page = j.bank.get(claim_page)
        assert page.fact("Première échéance impayée à ce jour") == "15/03/2026"
        assert page.fact("Capital restant dû à ce jour") == eur("1052.41")
        assert page.fact("Intérêts courus et impayés à ce jour") == eur("4.12")
        assert page.fact("Montant appelé pour une déchéance du terme à ce jour") == eur("526.21")
        page = j.bank.submit(
            page,
            "Appeler la garantie",
            **{
                "claim-acceleration_date": CLAIMED.isoformat(),
                "claim-first_unpaid_date": "2026-03-15",
                "claim-reason": "Déchéance du terme après trois mois d'impayés.",
                "claim-reference": "DT-2026-042",
            },
        )
    assert page.url == j.followup
    assert page.messages == [
        f"L'appel en garantie est enregistré : {eur('526.21')} appelés auprès du garant "
        "(Fonds de cohésion sociale). Le dossier est « garantie appelée »."
    ]
    assert page.fact("Montant appelé") == eur("526.21")
    assert _ledger(page) == {
        "Capital restant dû à la déchéance du terme": eur("1052.41"),
        "Intérêts courus et impayés (non couverts par la garantie)": eur("4.12"),
        "Perte à répartir": eur("1052.41"),
        "Part du garant (attendue)": eur("526.21"),
        "Part de la banque": eur("526.20"),  # 1052.41 − 526.21
    }
    nightly_job(date(2026, 6, 21))  # the loan is no longer in repayment: no alert
    assert len(alert_mails()) == 8


def _guarantor_pays(j: Journey) -> None:
    """15/07: the bank records the guarantor's payment of the amount called."""
    with on(date(2026, 7, 15)):
        followup = j.bank.get(j.followup)
        claim_page = f"/suivi/prets/{j.loan_id}/garantie/"
        assert f'href="{claim_page}"' in followup.html
        page = j.bank.submit(
            j.bank.get(claim_page),
            "Enregistrer le paiement du garant",
            **{"payment-paid_amount": "526,21", "payment-paid_on": "2026-07-15"},
        )
    assert page.messages == ["Le paiement du garant est enregistré."]
    assert page.url == j.followup


def _loss_ledger_and_closed(j: Journey) -> None:
    """16/07: the référent reads the loss ledger on the follow-up page and closes the dossier
    (neither the invoice nor a bonification after a claim)."""
    closing = f"/suivi/prets/{j.loan_id}/cloture/"
    with on(date(2026, 7, 16)):
        page = j.ccas.get(j.followup)
        assert (
            "Le prêt n'est plus en remboursement (garantie appelée) : pas de plan de reprise."
        ) in page.text
        assert page.fact("État") == "Payé par le garant"
        assert page.fact("Payé par le garant") == f"{eur('526.21')} le 15/07/2026"
        assert page.fact("Déchéance du terme") == "20/06/2026"
        assert page.fact("Première échéance impayée") == "15/03/2026"
        assert _ledger(page) == {
            "Capital restant dû à la déchéance du terme": eur("1052.41"),
            "Intérêts courus et impayés (non couverts par la garantie)": eur("4.12"),
            "Perte à répartir": eur("1052.41"),
            "Part du garant (payée)": eur("526.21"),
            "Part de la banque": eur("526.20"),  # 1052.41 − 526.21
        }
        assert f'href="{closing}"' in page.html
        page = j.ccas.get(closing)
        assert (
            "La garantie a été appelée : il n'y a ni justificatif du projet ni bonification, "
            "le dossier se clôture sans eux."
        ) in page.text
        assert "Enregistrer la facture" not in page.text
        assert "Enregistrer le versement" not in page.text
        page = j.ccas.submit(page, "Clôturer le dossier")
        assert page.messages == ["Le dossier est clôturé."]
        assert "Clôturé · 1 200,00 €" in j.ccas.get(closing).text


def test_a_loan_from_the_cheque_to_a_guarantee_claim_then_closed(journey: Journey) -> None:
    j = journey
    cheque(j)
    _installments_missed(j)
    _claim(j)
    _guarantor_pays(j)
    _loss_ledger_and_closed(j)
    dossier = Dossier.objects.get(pk=j.dossier.pk)
    loan = Loan.objects.get(pk=j.loan_id)
    assert (dossier.state, loan.state) == (DossierState.CLOSED, LoanState.GUARANTEE_CALLED)
    claim = GuaranteeClaim.objects.get(loan=loan)
    assert (claim.acceleration_date, claim.first_unpaid_date) == (CLAIMED, date(2026, 3, 15))
    assert (claim.outstanding_principal, claim.accrued_interest, claim.amount) == (
        D("1052.41"),
        D("4.12"),
        D("526.21"),
    )
    assert (claim.state, claim.paid_amount, claim.paid_on) == (
        ClaimState.PAID,
        D("526.21"),
        date(2026, 7, 15),
    )
    assert not Bonification.objects.filter(loan=loan).exists()
    assert not ProjectProof.objects.filter(loan=loan).exists()
    assert ScheduleVersion.objects.filter(loan=loan).count() == 1  # no plan, no early payment
    written = letters_written(j, date(2026, 7, 16))
    for label in (
        "Versement du prêt et échéancier",
        "Mensualité impayée",
        "Appel en garantie",
        "Clôture du prêt",
    ):
        assert written[label].startswith("Télécharger (PDF)"), label
    kinds = set(Letter.objects.filter(dossier=dossier).values_list("kind", flat=True))
    assert kinds == {
        LetterKind.BANK_ACCEPTANCE,
        LetterKind.DISBURSEMENT,
        LetterKind.MISSED_INSTALLMENT,
        LetterKind.GUARANTEE_CALL,
        LetterKind.CLOSING,
    }
