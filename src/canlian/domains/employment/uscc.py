"""The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters, the registering
department (1st), the kind (2nd), the region (3rd–8th), the organisation code (9th–17th) and a check
character (MOD 31). python-stdnum's ``stdnum.cn.uscc`` checks it but wrongly demands digits in the
first eight places, so it rejects the codes of the departments ``N`` (agriculture: cooperatives)
and ``Y`` (other): those are checked here with its check-digit function."""

from __future__ import annotations

from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError

#: Registering departments whose letter codes python-stdnum refuses.
LETTER_DEPARTMENTS = frozenset("NY")
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def normalize_uscc(raw: str) -> str:
    """The code compacted (spaces and dashes removed, upper case); ValueError when invalid."""
    number = stdnum_uscc.compact(raw or "")
    try:
        return stdnum_uscc.validate(number)
    except ValidationError:
        pass
    if (
        len(number) == 18
        and number[0] in LETTER_DEPARTMENTS
        and number[1:8].isdigit()
        and all(c in _ALPHABET for c in number[8:])
        and number[-1] == stdnum_uscc.calc_check_digit(number)
    ):
        return number
    raise ValueError(number)


def uscc_with_check(body17: str) -> str:
    """The 17 characters with their check character (for tests and the demo)."""
    return body17 + stdnum_uscc.calc_check_digit(body17 + "0")
