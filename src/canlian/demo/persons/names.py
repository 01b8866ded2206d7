"""Names and resident ID numbers of demo people."""

from __future__ import annotations

import datetime as dt
import random
from importlib import resources

from canlian.core.registry.identity import name_keys
from canlian.demo.persons.mix import (
    _Weighted,
)

# --- names -----------------------------------------------------------------------------------------


def _data_lines(filename: str) -> list[str]:
    text = resources.files("canlian.demo.data").joinpath(filename).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


class Names:
    """Surnames by national frequency and given names by sex and generation (data/*.txt).

    Pinyin keys are those of ``identity.name_keys``: the surname's keys (with its surname reading)
    followed by the given name's (the data holds no character with a special surname reading, so a
    given name reads the same at any position); each part is computed once.
    """

    def __init__(self) -> None:
        surnames = []
        for line in _data_lines("surnames.txt"):
            name, share = line.split()
            surnames.append((name, float(share)))
        self.surnames = _Weighted(surnames)
        sections: dict[str, list[str]] = {}
        current = ""
        for line in _data_lines("given_names.txt"):
            if line.startswith("["):
                current = line.strip("[]")
                sections[current] = []
            else:
                sections[current].extend(line.split())
        self.chars = {True: sections["male_chars"], False: sections["female_chars"]}
        self.modern = {True: sections["male_modern"], False: sections["female_modern"]}
        self.classic = {True: sections["male_classic"], False: sections["female_classic"]}
        self._keys: dict[str, tuple[str, str]] = {}

    def surname(self, rng: random.Random) -> str:
        return self.surnames.pick(rng)

    def given(self, rng: random.Random, male: bool, birth_year: int) -> str:
        if birth_year < 1970 and rng.random() < 0.45:
            names = self.classic[male]
            return names[int(rng.random() * len(names))]
        pool = self.modern[male] if birth_year >= 2000 and rng.random() < 0.7 else self.chars[male]
        first = pool[int(rng.random() * len(pool))]
        if rng.random() < 0.12:
            return first
        return first + pool[int(rng.random() * len(pool))]

    def keys(self, surname: str, given: str) -> tuple[str, str]:
        keys = self._keys
        s = keys.get(surname)
        if s is None:
            s = keys[surname] = name_keys(surname)
        g = keys.get("+" + given)
        if g is None:
            g = keys["+" + given] = name_keys(given)
        return s[0] + g[0], s[1] + g[1]


# --- resident ID numbers ---------------------------------------------------------------------------

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def _weighted_sum(digits: str, offset: int) -> int:
    return sum(int(d) * _WEIGHTS[offset + i] for i, d in enumerate(digits))


def check_character(body: str) -> str:
    """GB 11643 (ISO 7064 MOD 11-2) check character of the first 17 characters."""
    return _CHECK[_weighted_sum(body[:17], 0) % 11]


class IdNumbers:
    """Unique, valid 18-character IDs: area code + birth date + 3-digit sequence (odd = male) + check.

    The checksum is the sum of three cached parts (area, date, sequence). Numbers in ``taken``
    (people already registered) are skipped; when a day's 500 sequences of one sex are used up the
    birth date moves one day earlier, and the caller gets the date it must store.
    """

    def __init__(self, taken: set[str]) -> None:
        self.taken = taken
        self._next: dict[tuple[str, int, bool], int] = {}
        self._area: dict[str, int] = {}
        self._date: dict[int, tuple[str, int]] = {}
        self._seq = [(f"{s:03d}", _weighted_sum(f"{s:03d}", 14)) for s in range(1000)]

    def make(self, area: str, birth_ord: int, male: bool) -> tuple[str, int]:
        area_sum = self._area.get(area)
        if area_sum is None:
            area_sum = self._area[area] = _weighted_sum(area, 0)
        while True:
            date = self._date.get(birth_ord)
            if date is None:
                text = dt.date.fromordinal(birth_ord).strftime("%Y%m%d")
                date = self._date[birth_ord] = (text, _weighted_sum(text, 6))
            key = (area, birth_ord, male)
            n = self._next.get(key, 0)
            start = (birth_ord * 37 + int(area)) % 500
            while n < 500:
                seq_text, seq_sum = self._seq[2 * ((start + n) % 500) + male]
                n += 1
                number = area + date[0] + seq_text + _CHECK[(area_sum + date[1] + seq_sum) % 11]
                if number not in self.taken:
                    self._next[key] = n
                    return number, birth_ord
            self._next[key] = n
            birth_ord -= 1
