"""Chinese date formats with ISO first: a form widget renders its value with the first input
format, and ``<input type="date">`` accepts only ``2026-12-02`` (Django's zh_Hans default,
``2026/12/02``, left every date field blank). Display formats stay Django's."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
]

# Amounts in reports and bulletins are grouped by thousands (1,486,000.00), as federations and
# finance departments write them; Django's zh_Hans has no separator. Only the ``floatformat:"g"``
# displays use it (USE_THOUSAND_SEPARATOR stays off, so form inputs are never grouped).
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
