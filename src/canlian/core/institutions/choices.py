from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    REHAB = "rehab", _("Designated rehabilitation institution")
    HOME = "home", _("Community home (残疾人之家 / 如康家园)")
    CARE = "care", _("Care (托养) institution")
    EMPLOYMENT = "employment", _("Assisted-employment institution")
    REHAB_ROOM = "rehab_room", _("Community rehabilitation room")
    HOME_REHAB_POINT = "home_rehab_point", _("Home-rehabilitation point")
    DEVICE_STATION = "device_station", _("Assistive-device service station")
    LOVE_KIOSK = "love_kiosk", _("爱心屋 kiosk")
    EMPLOYMENT_BASE = "employment_base", _("Employment base")


class InstitutionStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    WARNED = "warned", _("Warned")
    SUSPENDED = "suspended", _("Suspended")
    REMOVED = "removed", _("Removed")


#: Escalation order of dynamic management: each step is one level harsher.
ESCALATION = [
    InstitutionStatus.ACTIVE,
    InstitutionStatus.WARNED,
    InstitutionStatus.SUSPENDED,
    InstitutionStatus.REMOVED,
]


class ServiceCategory(models.TextChoices):
    """What an institution serves (and what a child trains in). Digits 1–6 follow the certificate
    categories; autism (孤独症) is its own service category (certified as mental disability)."""

    VISUAL = "1", _("Visual")
    HEARING = "2", _("Hearing")
    SPEECH = "3", _("Speech")
    PHYSICAL = "4", _("Physical")
    INTELLECTUAL = "5", _("Intellectual")
    MENTAL = "6", _("Mental")
    AUTISM = "8", _("Autism")


class QualificationKind(models.TextChoices):
    EDUCATION = "education", _("Education licence (办学许可证)")
    MEDICAL = "medical", _("Medical institution licence (医疗机构执业许可证)")
    REGISTRATION = "registration", _("Registration certificate (登记证书)")
    OTHER = "other", _("Other")


class StaffPost(models.TextChoices):
    THERAPIST = "therapist", _("Rehabilitation therapist")
    TEACHER = "teacher", _("Special-education teacher")
    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    CAREGIVER = "caregiver", _("Caregiver")
    MANAGER = "manager", _("Manager")
    OTHER = "other", _("Other")


#: Posts that work with children directly: "no certificate, no duty" applies to them.
CERTIFIED_POSTS = frozenset({StaffPost.THERAPIST, StaffPost.TEACHER})
