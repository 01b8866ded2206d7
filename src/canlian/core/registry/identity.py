"""Identity rules: resident ID numbers (GB 11643), certificate numbers, phones, masking and the
pinyin search keys of a name.

Built for the import path: every function is cheap enough to run on a million rows. The resident ID
check uses python-stdnum's own rules (``calc_check_digit``, ``get_birth_date``) for checksum and date;
its birthplace lookup is slow (about 24,000 IDs/s) and rejects genuine IDs whose county code is newer
than the holder, so the place is checked once per distinct area code and only ever warns.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from canlian.core.registry.choices import Category, Grade, Sex

_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")
_CERT = re.compile(r"^(\d{17}[\dX])([1-7])([1-4])(B[1-9])?$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_SPACES = re.compile(r"[\s\u3000\-]")
#: The oldest plausible birth year of a living ledger entry.
MIN_BIRTH_YEAR = 1900


class IdError(ValueError):
    """A resident ID number that cannot be accepted; ``str()`` is the translated reason."""


@dataclass(frozen=True)
class ResidentId:
    number: str
    birth_date: dt.date
    sex: str
    converted_from_15: bool = False

    @property
    def area_code(self) -> str:
        return self.number[:6]


@lru_cache(maxsize=65536)
def _birth_date(text: str) -> dt.date | None:
    try:
        return ric.get_birth_date("000000" + text + "0000")
    except ric.ValidationError:
        return None


def upgrade_15(number: str) -> str:
    """A legacy 15-digit ID: insert "19" before the year, then compute the check character."""
    body = number[:6] + "19" + number[6:]
    return body + ric.calc_check_digit(body + "0")


def parse_resident_id(raw: str, *, today: dt.date | None = None) -> ResidentId:
    """Normalise and check an ID number: length, characters, checksum and birth date (hard rules)."""
    number = _SPACES.sub("", raw or "").upper()
    converted = False
    if not number:
        raise IdError(_("The ID number is missing."))
    if _ID15.match(number):
        number = upgrade_15(number)
        converted = True
    if len(number) != 18:
        raise IdError(
            _("An ID number has 18 characters (or 15 for old IDs); this one has %(n)s.") % {"n": len(number)}
        )
    if not _ID18.match(number):
        raise IdError(_("An ID number has 17 digits and a final digit or X."))
    if ric.calc_check_digit(number) != number[17]:
        raise IdError(_("The ID number's check character is wrong (typing error?)."))
    birth = _birth_date(number[6:14])
    today = today or timezone.localdate()
    if birth is None or birth.year < MIN_BIRTH_YEAR or birth > today:
        raise IdError(_("The birth date in the ID number (%(date)s) is impossible.") % {"date": number[6:14]})
    sex = Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE
    return ResidentId(number=number, birth_date=birth, sex=sex, converted_from_15=converted)


@lru_cache(maxsize=8192)
def area_code_known(area_code: str) -> bool:
    """Whether python-stdnum knows the 6-digit area code at all (a warning only when it does not)."""
    from stdnum import numdb

    results = numdb.get("cn/loc").info(area_code)
    return any("county" in props for _part, props in results)


def normalize_phone(raw: str) -> str:
    """Mobile (11 digits, 1[3-9]…) or landline with area code; '+86'/'86' prefixes dropped."""
    phone = re.sub(r"[\s\u3000()（）]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    if not phone:
        return ""
    if _MOBILE.match(phone) or _LANDLINE.match(phone):
        return phone
    raise ValueError(_("Not a mobile number (11 digits starting 13–19) or a landline with area code."))


@dataclass(frozen=True)
class CertificateNumber:
    number: str
    id_number: str
    category: int
    grade: int
    suffix: str


def parse_certificate_number(raw: str) -> CertificateNumber:
    number = _SPACES.sub("", raw or "").upper()
    match = _CERT.match(number)
    if not match:
        raise ValueError(
            _(
                "A certificate number is the 18-character ID number, the category digit (1–7) and the grade digit (1–4), optionally B1–B9."
            )
        )
    return CertificateNumber(
        number=number,
        id_number=match.group(1),
        category=int(match.group(2)),
        grade=int(match.group(3)),
        suffix=match.group(4) or "",
    )


def check_certificate_number(number: str, *, id_number: str, category: int, grade: int) -> str:
    """The certificate number must carry the holder's ID, the category and the grade."""
    cert = parse_certificate_number(number)
    if cert.id_number != id_number:
        raise ValueError(_("The certificate number does not start with the holder's ID number."))
    if cert.category != category:
        raise ValueError(
            _("The certificate number's category digit %(digit)s does not match the category %(category)s.")
            % {"digit": cert.category, "category": category}
        )
    if cert.grade != grade:
        raise ValueError(
            _("The certificate number's grade digit %(digit)s does not match the grade %(grade)s.")
            % {"digit": cert.grade, "grade": grade}
        )
    return cert.number


def certificate_number_for(id_number: str, category: int, grade: int, suffix: str = "") -> str:
    return f"{id_number}{category}{grade}{suffix}"


# --- category and grade as staff write them -------------------------------------------------------

_CATEGORY_WORDS = {
    "视力": Category.VISUAL,
    "视": Category.VISUAL,
    "盲": Category.VISUAL,
    "听力": Category.HEARING,
    "听": Category.HEARING,
    "言语": Category.SPEECH,
    "语言": Category.SPEECH,
    "言": Category.SPEECH,
    "肢体": Category.PHYSICAL,
    "肢": Category.PHYSICAL,
    "智力": Category.INTELLECTUAL,
    "智": Category.INTELLECTUAL,
    "精神": Category.MENTAL,
    "精": Category.MENTAL,
    "多重": Category.MULTIPLE,
    "多": Category.MULTIPLE,
    "visual": Category.VISUAL,
    "hearing": Category.HEARING,
    "speech": Category.SPEECH,
    "physical": Category.PHYSICAL,
    "intellectual": Category.INTELLECTUAL,
    "mental": Category.MENTAL,
    "multiple": Category.MULTIPLE,
}
_GRADE_WORDS = {
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "壹": 1,
    "贰": 2,
    "叁": 3,
    "肆": 4,
    "极重度": 1,
    "重度": 2,
    "中度": 3,
    "轻度": 4,
}


@lru_cache(maxsize=1024)
def parse_category(raw: str) -> int:
    text = (raw or "").strip().lower().replace("残疾", "").replace("类", "")
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text)
    if text in _CATEGORY_WORDS:
        return int(_CATEGORY_WORDS[text])
    raise ValueError(
        _("Unknown disability category %(value)r (视力, 听力, 言语, 肢体, 智力, 精神, 多重 or 1–7).")
        % {"value": raw}
    )


@lru_cache(maxsize=1024)
def parse_grade(raw: str) -> int:
    text = (raw or "").strip().replace("等级", "").replace("级", "").replace("grade", "").strip()
    if text.isdigit() and 1 <= int(text) <= 4:
        return int(text)
    if text in _GRADE_WORDS:
        return _GRADE_WORDS[text]
    raise ValueError(_("Unknown disability grade %(value)r (一级…四级 or 1–4).") % {"value": raw})


def is_severe(grade: int) -> bool:
    return grade in (Grade.ONE, Grade.TWO)


# --- masking ---------------------------------------------------------------------------------------


def mask_id(number: str) -> str:
    """370502********123X: area code and the last four characters."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def mask_phone(phone: str) -> str:
    """138****5678."""
    if not phone:
        return ""
    if len(phone) <= 7:
        return phone[:2] + "*" * (len(phone) - 2)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


def mask_certificate(number: str) -> str:
    return mask_id(number[:18]) + number[18:] if number else ""


# --- pinyin search keys ----------------------------------------------------------------------------


@lru_cache(maxsize=32768)
def _char_pinyin(char: str) -> str:
    from pypinyin import Style, lazy_pinyin

    value = lazy_pinyin(char, style=Style.NORMAL, errors="ignore")
    return value[0].lower() if value else ""


_SURNAME_READINGS = {
    # Surnames read differently from the character's common reading (pypinyin's default).
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "查": "zha",
    "朴": "piao",
    "区": "ou",
    "乐": "yue",
    "翟": "zhai",
    "盖": "ge",
    "缪": "miao",
    "尉": "yu",
    "覃": "qin",
    "种": "chong",
    "秘": "bi",
    "繁": "po",
    "长": "chang",
    "重": "chong",
}


@lru_cache(maxsize=262144)
def name_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a name: 张三 → ("zhangsan", "zs"). Non-Chinese letters are kept."""
    full: list[str] = []
    initials: list[str] = []
    for index, char in enumerate(name):
        if is_cjk(char):
            # a rare character pypinyin has no reading for adds nothing to the keys (the name is kept)
            syllable = (_SURNAME_READINGS.get(char) if index == 0 else None) or _char_pinyin(char)
        elif char.isalnum():
            syllable = char.lower()
        else:
            continue
        if syllable:
            full.append(syllable)
            initials.append(syllable[0])
    return "".join(full)[:120], "".join(initials)[:30]


#: Every CJK ideograph: the basic block, extensions A–I, and the compatibility blocks (rare
#: characters in names such as 李𠀀 are 4 bytes in UTF-8 and GB18030).
CJK_RANGES = (
    "\u3400-\u4dbf"  # extension A
    "\u4e00-\u9fff"  # unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\U00020000-\U0002a6df"  # extension B
    "\U0002a700-\U0002ebef"  # extensions C, D, E, F
    "\U0002ebf0-\U0002ee5f"  # extension I
    "\U0002f800-\U0002fa1f"  # compatibility supplement
    "\U00030000-\U000323af"  # extensions G, H
)
_CJK = re.compile(f"[{CJK_RANGES}]")
_NAME_OK = re.compile(f"^[{CJK_RANGES}A-Za-z·•.\\s]{{2,50}}$")


def is_cjk(char: str) -> bool:
    return bool(_CJK.match(char))


def normalize_name(raw: str) -> str:
    name = re.sub(r"\s+", "", (raw or "").strip()).replace("•", "·")
    if not name:
        raise ValueError(_("The name is missing."))
    if not _NAME_OK.match(name):
        raise ValueError(_("A name is 2–50 Chinese or Latin letters (with · between parts)."))
    return name


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
