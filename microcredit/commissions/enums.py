from django.db import models


class CommitteeDecision(models.TextChoices):
    TRANSMIT = "transmit", "transmis à la banque"
    ADJOURN = "adjourn", "ajourné (informations demandées)"
    REFUSE = "refuse", "refusé"
    REORIENT = "reorient", "réorienté"


# The workflow transition (dossiers.workflow) each decision makes.
DECISION_TRANSITIONS: dict[str, str] = {
    CommitteeDecision.TRANSMIT: "transmit_to_bank",
    CommitteeDecision.ADJOURN: "adjourn",
    CommitteeDecision.REFUSE: "refuse_by_committee",
    CommitteeDecision.REORIENT: "committee_reorient",
}
