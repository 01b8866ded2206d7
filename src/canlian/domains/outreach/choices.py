"""Choices of volunteers, donations and typical cases."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    HOME_SERVICE = "home_service", _("Home service")
    VISIT = "visit", _("Visit")
    REHAB = "rehab", _("Rehabilitation help")
    EVENT = "event", _("Event")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")


class DonorKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class DonationKind(models.TextChoices):
    MONEY = "money", _("Money")
    GOODS = "goods", _("Goods")


class Consent(models.TextChoices):
    """What the person concerned agreed to: nothing yet, a masked story, or their name shown."""

    NONE = "none", _("No consent recorded")
    MASKED = "masked", _("Consents, name masked")
    NAMED = "named", _("Consents, name may be shown")


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for review")
    PUBLISHED = "published", _("Published")
    RETURNED = "returned", _("Returned for changes")
