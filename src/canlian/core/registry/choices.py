from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class HukouType(models.TextChoices):
    AGRICULTURAL = "agricultural", _("Agricultural")
    NON_AGRICULTURAL = "non_agricultural", _("Non-agricultural")
    RESIDENT = "resident", _("Unified resident")


class LifeStatus(models.TextChoices):
    LIVING = "living", _("Living")
    DECEASED = "deceased", _("Deceased")
    MOVED_OUT = "moved_out", _("Moved out")


class PersonSource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORTED = "imported", _("Imported ledger")
    SCREENING = "screening", _("From screening")
    DEMO = "demo", _("Demo data")


class Category(models.IntegerChoices):
    """Disability category: the 19th character of a certificate number."""

    VISUAL = 1, _("Visual")
    HEARING = 2, _("Hearing")
    SPEECH = 3, _("Speech")
    PHYSICAL = 4, _("Physical")
    INTELLECTUAL = 5, _("Intellectual")
    MENTAL = 6, _("Mental")
    MULTIPLE = 7, _("Multiple")


class Grade(models.IntegerChoices):
    """Disability grade: the 20th character of a certificate number. Severe (重度) = grade 1–2."""

    ONE = 1, _("Grade 1 (profound)")
    TWO = 2, _("Grade 2 (severe)")
    THREE = 3, _("Grade 3 (moderate)")
    FOUR = 4, _("Grade 4 (mild)")


class CertificateState(models.TextChoices):
    """Stored state. Expiring and expired are derived from ``valid_until`` (see ``CertificateStatus``)."""

    ACTIVE = "active", _("In force")
    SUPERSEDED = "superseded", _("Replaced")
    CANCELLED = "cancelled", pgettext_lazy("certificate", "Cancelled")


class CertificateStatus(models.TextChoices):
    """What a worker sees: the stored state combined with the validity dates."""

    VALID = "valid", _("Valid")
    EXPIRING = "expiring", _("Expiring")
    EXPIRED = "expired", _("Expired")
    CANCELLED = "cancelled", pgettext_lazy("certificate", "Cancelled")
    SUPERSEDED = "superseded", _("Replaced")


class CancelReason(models.TextChoices):
    DEATH = "death", _("Death")
    RECOVERY = "recovery", _("Recovered (no longer disabled)")
    VOLUNTARY = "voluntary", _("At the holder's request")
    FRAUD = "fraud", _("Obtained by fraud")
    OTHER = "other", _("Other")


class CertificateEventKind(models.TextChoices):
    ISSUED = "issued", _("Issued")
    IMPORTED = "imported", _("Imported")
    RENEWED = "renewed", _("Renewed (换领)")
    REASSESSED = "reassessed", _("Re-assessed")
    REISSUED = "reissued", _("Re-issued (lost or damaged)")
    CANCELLED = "cancelled", pgettext_lazy("certificate", "Cancelled")
    UPDATED = "updated", _("Corrected")


class HardshipKind(models.TextChoices):
    DIBAO = "dibao", _("Minimum living guarantee (低保)")
    LOW_INCOME = "low_income", _("Low-income family (低收入)")
    TEKUN = "tekun", _("Extreme-poverty support (特困)")
    ORPHAN = "orphan", _("Orphan")
    MONITORED = "monitored", _("Monitored for relapse into poverty (三类户)")


class MonitoredType(models.TextChoices):
    UNSTABLE = "unstable", _("Unstable out-of-poverty household (脱贫不稳定户)")
    MARGINAL = "marginal", _("Marginal household at risk (边缘易致贫户)")
    SUDDEN = "sudden", _("Sudden severe hardship (突发严重困难户)")


class RiskCause(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    SCHOOLING = "schooling", _("Schooling")
    DISABILITY = "disability", _("Disability")
    DISASTER = "disaster", _("Natural disaster")
    ACCIDENT = "accident", _("Accident")
    BUSINESS = "business", _("Failed business")
    UNSTABLE_WORK = "unstable_work", _("Unstable employment")
    NO_LABOUR = "no_labour", _("Lack of labour")
    OTHER = "other", _("Other")


class HardshipSource(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
    RURAL_AFFAIRS = "rural_affairs", _("Rural affairs")
    IMPORTED = "imported", _("Imported ledger")
    MANUAL = "manual", _("Entered by hand")
    DEMO = "demo", _("Demo data")


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other relative")


class ScreeningOutcome(models.TextChoices):
    PENDING = "pending", _("Awaiting assessment")
    SCHEDULED = "scheduled", _("Home assessment booked")
    CERTIFIED = "certified", _("Certified")
    NOT_DISABLED = "not_disabled", _("Not assessed as disabled")
    DECLINED = "declined", _("Declined assessment")
    UNREACHABLE = "unreachable", _("Could not be reached")


class ScreeningSource(models.TextChoices):
    VILLAGE = "village", _("Village screening")
    HOSPITAL = "hospital", _("Hospital referral")
    CIVIL_AFFAIRS = "civil_affairs", _("Civil-affairs list")
    EDUCATION = "education", _("School list")
    SELF = "self", _("Self-reported")
    OTHER = "other", _("Other")


#: Certificates are valid ten years; renewal (换领) opens from year nine.
CERTIFICATE_YEARS = 10
RENEWAL_WINDOW_DAYS = 365
#: After a cancellation nobody may re-apply within a year.
REAPPLY_BLOCK_DAYS = 365
