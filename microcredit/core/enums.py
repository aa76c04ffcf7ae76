"""What an audit row says was done, and what an access-log row says was read.

One vocabulary for each of core's two registers (`AuditEvent.action`, `AccessLog.action`), here
in core beside them rather than one enum per app: the registers are core's, and their funnels
(`core.services.audit_event_create`, `access_log_create`) type their `action` with these enums,
which core could not do with enums living in the apps above it. One list also reads as the
register of what the platform does with a person's data, for the data-protection officer.

The values are the strings stored since the first rows (no data migration): a new action is a
new member, never a renamed one. Pure Python (StrEnum), so rules may name them too.
"""

from __future__ import annotations

import enum


class AuditAction(enum.StrEnum):
    """A write: one audit row per service call (who, what, old and new values)."""

    ALERT_HANDLED = "alert_handled"
    ALERT_RAISED = "alert_raised"
    API_TOKEN_CREATE = "api_token_create"  # noqa: S105 (an action name, not a secret)
    API_TOKEN_REVOKE = "api_token_revoke"  # noqa: S105 (an action name, not a secret)
    APPLICANT_CREATED = "applicant_created"
    APPLICANT_UPDATED = "applicant_updated"
    BANK_DECISION_ACCEPTED = "bank_decision_accepted"
    BANK_DECISION_REFUSED = "bank_decision_refused"
    BANK_OFFER_RECORDED = "bank_offer_recorded"
    BONIFICATION_RECORDED = "bonification_recorded"
    BONIFICATION_WAIVED = "bonification_waived"
    BUDGET_OPINION_RECORDED = "budget_opinion_recorded"
    BUDGET_VERSION_CREATED = "budget_version_created"
    COMMISSION_AGENDA_BUILT = "commission_agenda_built"
    COMMISSION_AGENDA_ITEM_ADDED = "commission_agenda_item_added"
    COMMISSION_AGENDA_ITEM_REMOVED = "commission_agenda_item_removed"
    COMMISSION_DECISION_RECORDED = "commission_decision_recorded"
    COMMISSION_SESSION_CLOSED = "commission_session_closed"
    COMMISSION_SESSION_CREATED = "commission_session_created"
    COMMISSION_SESSION_UPDATED = "commission_session_updated"
    CONTACT_REQUEST_CREATE = "contact_request.create"
    CONTACT_REQUEST_STATUS_CHANGE = "contact_request.status_change"
    DISBURSEMENT_RECORDED = "disbursement_recorded"
    DOCUMENT_UPLOADED = "document_uploaded"
    DOSSIER_CONSENT_RECORDED = "dossier_consent_recorded"
    DOSSIER_CREATED = "dossier_created"
    DOSSIER_ELIGIBILITY_CHECKED = "dossier_eligibility_checked"
    DOSSIER_ELIGIBILITY_RESET = "dossier_eligibility_reset"
    DOSSIER_SHARED = "dossier_shared"
    DOSSIER_UNSHARED = "dossier_unshared"
    DOSSIER_UPDATED = "dossier_updated"
    GUARANTEE_CLAIM_PAID = "guarantee_claim_paid"
    GUARANTEE_CLAIM_RECORDED = "guarantee_claim_recorded"
    HOUSEHOLD_MEMBER_ADDED = "household_member_added"
    HOUSEHOLD_MEMBER_REMOVED = "household_member_removed"
    INCIDENT_RECORDED = "incident_recorded"
    LETTER_TEMPLATE_RESET = "letter_template_reset"
    LETTER_TEMPLATE_SAVED = "letter_template_saved"
    LOAN_CREATED = "loan_created"
    PLAN_AGREED = "plan_agreed"
    PLAN_BROKEN = "plan_broken"
    PLAN_KEPT = "plan_kept"
    PLAN_PROPOSED = "plan_proposed"
    PLAN_REFUSED = "plan_refused"
    PROGRAMME_VERSION_CREATED = "programme_version_created"
    PROJECT_PROOF_RECORDED = "project_proof_recorded"
    PROJECT_PROOF_WAIVED = "project_proof_waived"
    REPAYMENT_RECORDED = "repayment_recorded"
    RIGHT_OUTCOME_RECORDED = "right_outcome_recorded"
    RIGHTS_ASSESSMENT_REQUESTED = "rights_assessment_requested"
    SCHEDULE_VERSION_CREATED = "schedule_version_created"
    STATEMENT_IMPORT_CONFIRMED = "statement_import_confirmed"
    STATEMENT_IMPORT_PREVIEWED = "statement_import_previewed"
    TOTP_ENROLLED = "totp_enrolled"
    # A dossier's move through the workflow: "dossier_<transition name>" (dossiers.workflow).
    DOSSIER_ADJOURN = "dossier_adjourn"
    DOSSIER_BANK_ACCEPT = "dossier_bank_accept"
    DOSSIER_BANK_REFUSE = "dossier_bank_refuse"
    DOSSIER_CALL_GUARANTEE = "dossier_call_guarantee"
    DOSSIER_CLOSE = "dossier_close"
    DOSSIER_COMMITTEE_REORIENT = "dossier_committee_reorient"
    DOSSIER_DISBURSE = "dossier_disburse"
    DOSSIER_RECORD_REPAID = "dossier_record_repaid"
    DOSSIER_REFUSE_BY_COMMITTEE = "dossier_refuse_by_committee"
    DOSSIER_REORIENT = "dossier_reorient"
    DOSSIER_RESUME_INSTRUCTION = "dossier_resume_instruction"
    DOSSIER_START_DIAGNOSIS = "dossier_start_diagnosis"
    DOSSIER_START_INSTRUCTION = "dossier_start_instruction"
    DOSSIER_SUBMIT_TO_COMMITTEE = "dossier_submit_to_committee"
    DOSSIER_TRANSMIT_TO_BANK = "dossier_transmit_to_bank"
    DOSSIER_WITHDRAW = "dossier_withdraw"
    # The follow-up of a dossier (followup.services.notes).
    FOLLOWUP_NOTE_CREATED = "followup_note_created"
    FOLLOWUP_APPOINTMENT_CREATED = "followup_appointment_created"
    FOLLOWUP_APPOINTMENT_CLOSED = "followup_appointment_closed"
    FOLLOWUP_APPOINTMENT_REMINDED = "followup_appointment_reminded"
    FOLLOWUP_STEP_REVIEW_CREATED = "followup_step_review_created"
    # The public's requests in the inbox (followup.services.requests).
    FOLLOWUP_REQUEST_TAKEN = "followup_request_taken"
    FOLLOWUP_REQUEST_CONVERTED = "followup_request_converted"
    FOLLOWUP_REQUEST_CLOSED = "followup_request_closed"
    # A CCAS onboarded on the deployment (programmes.services.ccas_onboard).
    ORGANISATION_ONBOARDED = "organisation_onboarded"
    # A person's personal data anonymised (privacy: the retention job, erasure on request).
    PERSONAL_DATA_ANONYMISED = "anonymisation"
    # A role given to an account (accounts.services.role_grant_record): a new membership, a
    # changed role or a membership made active again, from the admin or a service.
    ROLE_GRANTED = "role_granted"
    # A bank's service account (api.services, #18): created by the bank's administrator
    # adviser, deactivated (its tokens revoked).
    SERVICE_ACCOUNT_CREATED = "service_account_created"
    SERVICE_ACCOUNT_DEACTIVATED = "service_account_deactivated"
    # A bank's notification address (api.webhooks, #18): added by the bank's administrator
    # adviser, its secret changed (never written here), turned on or off.
    WEBHOOK_ENDPOINT_CREATE = "webhook_endpoint_create"
    WEBHOOK_SECRET_ROTATE = "webhook_secret_rotate"  # noqa: S105 (an action name, not a secret)
    WEBHOOK_ENDPOINT_ACTIVE = "webhook_endpoint_active"

    @classmethod
    def for_transition(cls, name: str) -> AuditAction:
        """The action of the workflow move `name` (a ValueError for a move without a member)."""
        return cls(f"dossier_{name}")


class AccessAction(enum.StrEnum):
    """A read of a person's data: a page, a download, a list or an API answer."""

    API_DOSSIER_DECISION = "api_dossier_decision"
    API_DOSSIER_DETAIL = "api_dossier_detail"
    API_DOSSIER_DISBURSEMENT = "api_dossier_disbursement"
    API_DOSSIER_GUARANTEE_CLAIM = "api_dossier_guarantee_claim"
    API_DOSSIER_LIST = "api_dossier_list"
    API_DOSSIER_OFFER = "api_dossier_offer"
    API_DOSSIER_PAYOFF = "api_dossier_payoff"
    API_DOSSIER_PLANS = "api_dossier_plans"
    API_DOSSIER_SCHEDULE = "api_dossier_schedule"
    APPLICANT_DETAIL = "applicant_detail"
    APPLICANT_EDIT = "applicant_edit"
    BANK_DOSSIER_DETAIL = "bank_dossier_detail"
    BANK_DOSSIER_LIST = "bank_dossier_list"
    BUDGET_EDIT = "budget_edit"
    COMMISSION_MINUTES = "commission_minutes"
    COMMISSION_SUMMARY = "commission_summary"
    COMMISSION_SUMMARY_PDF = "commission_summary_pdf"
    DOCUMENT_DOWNLOAD = "document_download"
    DOSSIER_DETAIL = "dossier_detail"
    DOSSIER_EDIT = "dossier_edit"
    DOSSIER_LIST = "dossier_list"
    LETTER_DOWNLOAD = "letter_download"
    LOAN_CLOSING = "loan_closing"
    LOAN_DETAIL = "loan_detail"
    LOAN_LIST = "loan_list"
    PORTFOLIO = "portfolio"
    RIGHTS_SECTION = "rights_section"
    STATEMENT_IMPORT_DETAIL = "statement_import_detail"
    # The follow-up of a dossier: its notes, appointments and points d'étape read (followup).
    FOLLOWUP_TIMELINE = "followup_timeline"
    # The public's requests: the inbox, a request read (inbox and Django admin alike).
    FOLLOWUP_REQUEST_LIST = "followup_request_list"
    FOLLOWUP_REQUEST_DETAIL = "followup_request_detail"
    # An export of the bilan's rows (reporting.exports): one row per file, its detail naming the
    # dataset, the period, the number of rows and « nominatif » when names were included.
    EXPORT = "export"
    # Everything held about a person, exported on their request (privacy).
    PERSON_EXPORT = "person_export"
    # The read log itself, read by the director or the data-protection officer (privacy).
    ACCESS_LOG = "access_log"
    # The technical administration (Django admin): a list or a record of personal data opened.
    ADMIN_LIST = "admin_list"
    ADMIN_DETAIL = "admin_detail"
