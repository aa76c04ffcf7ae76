"""What servicing asks of the apps above it (see core/hooks.py)."""

from __future__ import annotations

from microcredit.core.hooks import Listeners
from microcredit.loans.models import Loan

# A letter to the borrower is owed (sent inside the transaction that decided it): `kind` is a
# letters.enums.LetterKind value ("missed_installment", "repayment_plan"), `key` makes it once per
# loan (the missed installment's due date in ISO form, YYYY-MM-DD, as the missed-installment
# alert's key; the plan's id). letters writes it after the commit; its backfill finds the letters
# owed from the agreed plans and the missed-installment alerts.
letter_due: Listeners[[Loan, str, str]] = Listeners("servicing.letter_due")
