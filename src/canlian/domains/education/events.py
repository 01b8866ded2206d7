"""Audit event codes of education. Declared here, registered from the app's ``ready()``. Stable
strings: add, never rename."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EducationEvent(models.TextChoices):
    SCHOOL_CREATED = "education.school_created", _("School registered")
    PLACEMENT_RECORDED = "education.placement_recorded", _("Placement recorded")
    PLACEMENTS_IMPORTED = "education.placements_imported", _("Placements imported from the student list")
