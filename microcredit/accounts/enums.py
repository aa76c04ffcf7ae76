from django.db import models

from microcredit.organisations.enums import OrganisationKind


class Role(models.TextChoices):
    REFERENT = "referent", "Référent micro-crédit"
    AGENT = "agent", "Agent administratif"
    DIRECTOR = "director", "Directeur·rice"
    COMMITTEE_MEMBER = "committee_member", "Membre de la Commission Permanente"
    BANK_ADVISER = "bank_adviser", "Conseiller du partenaire bancaire"
    PARTNER_WORKER = "partner_worker", "Travailleur social partenaire"
    ADMIN = "admin", "Administrateur technique"
    DPO = "dpo", "Délégué·e à la protection des données"


# Which kind of organisation each role belongs to.
ROLE_ORGANISATION_KIND: dict[str, str] = {
    Role.REFERENT: OrganisationKind.CCAS,
    Role.AGENT: OrganisationKind.CCAS,
    Role.DIRECTOR: OrganisationKind.CCAS,
    Role.COMMITTEE_MEMBER: OrganisationKind.CCAS,
    Role.ADMIN: OrganisationKind.CCAS,
    Role.DPO: OrganisationKind.CCAS,
    Role.BANK_ADVISER: OrganisationKind.BANK,
    Role.PARTNER_WORKER: OrganisationKind.SOCIAL_STRUCTURE,
}

# CCAS staff: the people who work the dossiers inside the organisation.
CCAS_STAFF_ROLES = frozenset({Role.REFERENT, Role.AGENT, Role.DIRECTOR, Role.ADMIN})
# Roles that must use two-factor authentication when the settings require it.
TWO_FACTOR_ROLES = frozenset(
    {
        Role.REFERENT,
        Role.AGENT,
        Role.DIRECTOR,
        Role.ADMIN,
        Role.DPO,
        Role.COMMITTEE_MEMBER,
        Role.BANK_ADVISER,
    }
)
# Who reads the access log and answers a person's requests about their data (export, erasure).
PRIVACY_ROLES = frozenset({Role.DIRECTOR, Role.DPO})
# Staff who work the dossiers of their organisation (the technical administrator does not:
# need-to-know access to personal data).
DOSSIER_STAFF_ROLES = frozenset({Role.REFERENT, Role.AGENT, Role.DIRECTOR})
# Everyone who may see some dossiers, each through their own rule (see dossiers.selectors).
DOSSIER_ROLES = DOSSIER_STAFF_ROLES | {
    Role.COMMITTEE_MEMBER,
    Role.BANK_ADVISER,
    Role.PARTNER_WORKER,
}
