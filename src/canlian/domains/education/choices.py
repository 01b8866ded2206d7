"""Choices of education: school kinds, placements of a school year, reasons for not being enrolled."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SchoolKind(models.TextChoices):
    REGULAR = "regular", _("Regular school")
    SPECIAL = "special", _("Special school")
    KINDERGARTEN = "kindergarten", _("Kindergarten")
    VOCATIONAL = "vocational", _("Vocational school")
    UNIVERSITY = "university", _("University or college")


class Placement(models.TextChoices):
    REGULAR_CLASS = "regular_class", _("Regular class (随班就读)")
    SPECIAL_SCHOOL = "special_school", _("Special school")
    HOME_TEACHING = "home_teaching", _("Home teaching (送教上门)")
    PRESCHOOL = "preschool", _("Preschool")
    VOCATIONAL = "vocational", _("Vocational school (中职)")
    HIGHER = "higher_education", _("University or college (高校)")
    NOT_ENROLLED = "not_enrolled", _("Not enrolled")


#: The placements of students after compulsory education (the grants of vocational schools and universities).
BEYOND_COMPULSORY = (Placement.VOCATIONAL, Placement.HIGHER)

#: The placements that count as enrolled in compulsory education.
COMPULSORY_ENROLLED = (Placement.REGULAR_CLASS, Placement.SPECIAL_SCHOOL, Placement.HOME_TEACHING)


class NotEnrolledReason(models.TextChoices):
    HEALTH = "health", _("Health")
    DEFERRED = "deferred", _("Deferred")
    UNKNOWN = "unknown", _("Unknown")


class PlacementSource(models.TextChoices):
    ENTERED = "entered", _("Entered")
    IMPORTED = "imported", _("Education department's list")


#: Compulsory school age on 1 September of the school year (6 to 15 inclusive).
COMPULSORY_AGE = (6, 15)
