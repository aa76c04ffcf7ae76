"""Choices of the follow-up: notes, appointments, points d'étape, the requests inbox."""

from django.db import models


class NoteVisibility(models.TextChoices):
    CCAS = "ccas", "réservée à l'équipe du CCAS"
    SHARED = "shared", "partagée avec le travailleur social partenaire"


class AppointmentStatus(models.TextChoices):
    PLANNED = "planned", "prévu"
    DONE = "done", "honoré"
    MISSED = "missed", "manqué"
    CANCELLED = "cancelled", "annulé"


class RequestStatus(models.TextChoices):
    """Where a request from the public stands in the inbox."""

    NEW = "new", "nouvelle"
    IN_PROGRESS = "in_progress", "en cours de traitement"
    CONVERTED = "converted", "transformée en dossier"
    CLOSED = "closed", "close"
