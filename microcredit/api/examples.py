"""Examples of the API's operations, by operationId: the request body ("request") and the 200
answer ("response"). api.openapi_shape merges them into the schema (an operation that has none
is left as it is); tests/api/test_schema_shape.py checks that every operation has them and that
each one validates against its schema. One fictitious dossier, MC-2026-00042, all along."""

from __future__ import annotations

from typing import Any

NUMBER = "MC-2026-00042"

DECISION = {
    "outcome": "accepted",
    "decided_at": "2026-02-20T10:15:00+01:00",
    "amount": "1200.00",
    "months": 24,
    "deferral_months": 0,
    "deferral_kind": "none",
    "nominal_rate_percent": "1.750",
    "installment": "51.05",
    "apr_percent": "1.76",
    "refusal_reason": None,
    "refusal_text": "",
    "offer_signed_on": "2026-02-27",
}
LOAN = {
    "loan_id": 17,
    "state": "active",
    "disbursement_date": "2026-03-02",
    "cheque_number": "0004512",
    "payee_name": "Garage du Centre",
    "principal": "1200.00",
    "months": 24,
    "installment": "51.05",
    "total_interest": "25.20",
    "total_due": "1225.20",
    "apr_percent": "1.76",
}
DOSSIER: dict[str, Any] = {
    "number": NUMBER,
    "state": "disbursed",
    "state_label": "décaissé",
    "transmitted_at": "2026-02-12T16:40:00+01:00",
    "commission_decision_date": "2026-02-12",
    "applicant": {
        "last_name": "Martin",
        "first_name": "Camille",
        "birth_date": "1988-05-14",
        "address": "12 rue des Tilleuls",
        "postcode": "42000",
        "commune": "Saint-Étienne",
    },
    "purpose_category": "mobilite",
    "purpose_subcategory": "reparation-vehicule",
    "project_description": "Réparation de la voiture pour aller au travail.",
    "project_cost": "1350.00",
    "payee": {"name": "Garage du Centre", "siret": "12345678200010", "address": "Saint-Étienne"},
    "requested": {"amount": "1200.00", "months": 24, "deferral_months": 0, "deferral_kind": "none"},
    "decision": DECISION,
    "loan": LOAN,
    "updated_at": "2026-03-02T09:05:00+01:00",
}
SCHEDULE_LINE = {
    "number": 1,
    "line_id": "installment-2026-04-02",
    "due_date": "2026-04-02",
    "kind": "installment",
    "payment": "51.05",
    "interest": "1.75",
    "principal": "49.30",
    "capitalised": "0.00",
    "balance": "1150.70",
    "paid": "51.05",
    "remaining": "0.00",
    "status": "paid",
}
PLAN = {
    "id": 3,
    "state": "proposed",
    "state_label": "proposé à la banque",
    "months": 6,
    "mode": "on_top",
    "overdue_amount": "102.10",
    "as_of": "2026-09-10",
    "note": "Deux échéances impayées, rattrapées en six mois.",
    "proposed_on": "2026-09-10",
    "decided_on": None,
    "refusal_reason": "",
    "schedule_version": None,
}
CLAIM = {
    "number": NUMBER,
    "loan_id": 17,
    "state": "sent",
    "state_label": "envoyé au garant",
    "reference": "AG-2027-0003",
    "acceleration_date": "2027-03-15",
    "first_unpaid_date": "2026-11-02",
    "guarantor_name": "Fonds de cohésion sociale",
    "rate_percent": "50.00",
    "includes_interest": True,
    "outstanding_principal": "812.40",
    "accrued_interest": "6.10",
    "amount": "409.25",
    "paid_amount": None,
    "paid_on": None,
    "recorded_at": "2027-03-16T11:00:00+01:00",
    "ledger": {
        "exposure": "818.50",
        "guarantor_share": "409.25",
        "guarantor_paid": False,
        "bank_share": "409.25",
    },
}
REPAYMENT_LINE = {
    "reference": "VIR-2026-04-0001",
    "dossier_number": NUMBER,
    "date": "2026-04-02",
    "amount": "51.05",
}

EXAMPLES: dict[str, dict[str, Any]] = {
    "dossier_list": {
        "response": {"count": 1, "page": 1, "pages": 1, "page_size": 50, "items": [DOSSIER]}
    },
    "dossier_detail": {"response": DOSSIER},
    "dossier_schedule": {
        "response": {"number": NUMBER, "loan_id": 17, "version": 1, "lines": [SCHEDULE_LINE]}
    },
    "dossier_decision": {
        "request": {
            "outcome": "accepted",
            "amount": "1200.00",
            "months": 24,
            "deferral_months": 0,
            "deferral_kind": "none",
        },
        "response": {**DOSSIER, "state": "granted", "state_label": "accordé", "loan": None},
    },
    "dossier_offer": {
        "request": {"signed_on": "2026-02-27", "file": "offre-signee.pdf"},
        "response": {**DOSSIER, "state": "granted", "state_label": "accordé", "loan": None},
    },
    "dossier_disbursement": {
        "request": {"cheque_number": "0004512", "date": "2026-03-02", "amount": "1200.00"},
        "response": DOSSIER,
    },
    "repayments_post": {
        "request": {"repayments": [REPAYMENT_LINE]},
        "response": {
            "recorded": 1,
            "already_recorded": 0,
            "duplicate_in_batch": 0,
            "items": [
                {
                    "reference": "VIR-2026-04-0001",
                    "dossier_number": NUMBER,
                    "status": "recorded",
                }
            ],
        },
    },
    "incident_post": {
        "request": {
            "reference": "REJ-2026-05-0007",
            "dossier_number": NUMBER,
            "kind": "rejected_payment",
            "date": "2026-05-04",
            "amount": "51.05",
            "note": "Prélèvement rejeté : provision insuffisante.",
        },
        "response": {
            "reference": "REJ-2026-05-0007",
            "dossier_number": NUMBER,
            "kind": "rejected_payment",
            "date": "2026-05-04",
            "amount": "51.05",
            "note": "Prélèvement rejeté : provision insuffisante.",
            "status": "recorded",
        },
    },
    "dossier_payoff": {
        "response": {
            "number": NUMBER,
            "on": "2026-10-15",
            "principal": "860.22",
            "accrued_interest": "0.54",
            "overdue": "0.00",
            "credit": "0.00",
            "total": "860.76",
        }
    },
    "dossier_plans": {
        "response": {
            "number": NUMBER,
            "loan_id": 17,
            "count": 1,
            "page": 1,
            "pages": 1,
            "page_size": 50,
            "items": [PLAN],
        }
    },
    "dossier_plan_decision": {
        "request": {"agree": True},
        "response": {
            **PLAN,
            "state": "agreed",
            "state_label": "accepté par la banque (en cours)",
            "decided_on": "2026-09-12",
            "schedule_version": 2,
            "status": "recorded",
        },
    },
    "guarantee_claim_post": {
        "request": {
            "acceleration_date": "2027-03-15",
            "first_unpaid_date": "2026-11-02",
            "reason": "Impayés persistants malgré le plan de reprise.",
            "reference": "AG-2027-0003",
        },
        "response": CLAIM,
    },
    "guarantee_claim_payment_post": {
        "request": {"paid_amount": "409.25", "paid_on": "2027-04-20"},
        "response": {
            **CLAIM,
            "state": "paid",
            "state_label": "payé par le garant",
            "paid_amount": "409.25",
            "paid_on": "2027-04-20",
            "ledger": {**CLAIM["ledger"], "guarantor_paid": True},  # type: ignore[dict-item]
        },
    },
    "guarantee_claim_get": {"response": CLAIM},
    "dossier_repayments": {
        "response": {
            "count": 1,
            "page": 1,
            "pages": 1,
            "page_size": 50,
            "items": [
                {
                    "reference": "VIR-2026-04-0001",
                    "date": "2026-04-02",
                    "amount": "51.05",
                    "early_repayment": False,
                    "early_repayment_keep": None,
                    "recorded_at": "2026-04-03T08:00:00+02:00",
                    "via": "api",
                }
            ],
        }
    },
    "dossier_position": {
        "response": {
            "number": NUMBER,
            "loan_id": 17,
            "as_of": "2026-05-10",
            "loan_state": "active",
            "schedule_version": 1,
            "principal": "1200.00",
            "total_paid": "51.05",
            "paid_principal": "49.30",
            "paid_interest": "1.75",
            "outstanding_principal": "1150.70",
            "overdue_amount": "51.05",
            "overdue_principal": "49.38",
            "overdue_interest": "1.67",
            "days_past_due": 8,
            "bucket": "1-29",
            "bucket_label": "1 à 29 jours",
            "credit": "0.00",
            "pending_early_repayment": "0.00",
            "excess": "0.00",
            "fully_repaid": False,
            "next_installment": {
                "line_id": "installment-2026-06-02",
                "due_date": "2026-06-02",
                "kind": "installment",
                "amount": "51.05",
                "remaining": "51.05",
            },
        }
    },
    "scheme_list": {
        "response": {
            "on": "2026-05-10",
            "limits": {"offer_file_max_bytes": 10485760, "repayment_batch_max": 500},
            "items": [
                {
                    "organisation": "CCAS de Saint-Étienne",
                    "organisation_slug": "ccas-saint-etienne",
                    "programme": "Micro-crédit personnel",
                    "programme_slug": "microcredit-personnel",
                    "version": 2,
                    "valid_from": "2026-01-01",
                    "min_amount": "300.00",
                    "max_amount": "3000.00",
                    "min_months": 3,
                    "max_months": 36,
                    "max_deferral_months": 12,
                    "deferral_kinds": ["none", "interest_only"],
                    "nominal_rate_percent": "1.750",
                    "usury_thresholds": [
                        {
                            "valid_from": "2026-04-01",
                            "amount_up_to": "3000.00",
                            "rate_percent": "23.00",
                        }
                    ],
                    "repayment_tolerance": "1.00",
                }
            ],
        }
    },
    "webhook_delivery_list": {
        "response": {
            "count": 1,
            "page": 1,
            "pages": 1,
            "page_size": 50,
            "items": [
                {
                    "event_id": "6f1c2f0e-4b4f-4a55-9d1e-2b7a9d3c8e10",
                    "event_type": "dossier.state_changed",
                    "dossier_number": NUMBER,
                    "endpoint_url": "https://banque.example/webhooks/microcredit",
                    "status": "delivered",
                    "attempts": 2,
                    "last_status_code": 200,
                    "last_error": "",
                    "next_attempt_at": None,
                    "delivered_at": "2026-03-02T09:06:30+01:00",
                    "created_at": "2026-03-02T09:05:00+01:00",
                }
            ],
        }
    },
}
