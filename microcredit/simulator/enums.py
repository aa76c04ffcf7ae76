from django.db import models


class ContactRequestStatus(models.TextChoices):
    NEW = "new", "nouvelle"
    CONTACTED = "contacted", "personne recontactée"
    CLOSED = "closed", "close"
