from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    PREFECTURE = 2, _("Prefecture")
    COUNTY = 3, _("County")
    TOWNSHIP = 4, _("Township/street")
    VILLAGE = 5, _("Village/community")


class RegionSource(models.TextChoices):
    NATIONAL = "national", _("National list (python-stdnum)")
    IMPORTED = "imported", _("Imported")


#: Length of the tree code at each level; the tree code is the statistical code without trailing zeros
#: of the levels below (37, 3705, 370502, 370502001, 370502001001).
CODE_LENGTH = {
    RegionLevel.PROVINCE: 2,
    RegionLevel.PREFECTURE: 4,
    RegionLevel.COUNTY: 6,
    RegionLevel.TOWNSHIP: 9,
    RegionLevel.VILLAGE: 12,
}
LEVEL_BY_LENGTH = {length: level for level, length in CODE_LENGTH.items()}
