"""The Simplified Chinese catalogue is complete, not fuzzy, compiled, and used by Django.

The .po file is read with a small parser (no extra dependency). The committed .mo file is read with
the standard library's ``gettext`` and compared entry by entry with the .po file; that catches a .po
edited without running ``canlian compilemessages -l zh_Hans`` without depending on the byte layout
of a particular msgfmt version.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

LOCALE = "zh_Hans"  # Django's directory name for the language code "zh-hans"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\{.*?\}\}|\{\w*\}")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        """The key the compiled catalogue uses for this entry's singular form."""
        return f"{self.msgctxt}\x04{self.msgid}" if self.msgctxt is not None else self.msgid


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def _unquote(token: str, where: str) -> str:
    token = token.strip()
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        raise AssertionError(f"{where}: expected a quoted string, got {token!r}")
    body = token[1:-1]

    def repl(m: re.Match[str]) -> str:
        if m.group(1) not in _ESCAPES:
            raise AssertionError(f"{where}: unknown escape \\{m.group(1)}")
        return _ESCAPES[m.group(1)]

    return re.sub(r"\\(.)", repl, body)


def parse_po(path: Path) -> list[Entry]:
    """Parse a gettext .po file: comments, flags, msgctxt, msgid, msgid_plural, msgstr, msgstr[n].

    Obsolete entries (``#~``) are skipped."""
    entries: list[Entry] = []
    current: Entry | None = None
    pending_flags: set[str] = set()
    target: tuple[str, int] | None = None  # which field continuation lines append to

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path.name}:{number}"
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            if line.startswith("#,"):
                pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            if current is None or target is None:
                raise AssertionError(f"{where}: continuation line outside an entry")
            text = _unquote(line, where)
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += text
            else:
                setattr(current, name, (getattr(current, name) or "") + text)
            continue
        # A new entry starts at msgctxt, or at msgid unless it follows that entry's msgctxt.
        if keyword == "msgctxt" or (keyword == "msgid" and (current is None or current.msgstr)):
            finish()
            current = Entry(flags=pending_flags, line=number)
            pending_flags = set()
        if current is None:
            raise AssertionError(f"{where}: {keyword} outside an entry")
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(current, keyword, _unquote(rest, where))
            target = (keyword, 0)
        elif keyword == "msgstr":
            current.msgstr[0] = _unquote(rest, where)
            target = ("msgstr", 0)
        elif m := re.fullmatch(r"msgstr\[(\d+)\]", keyword):
            index = int(m.group(1))
            current.msgstr[index] = _unquote(rest, where)
            target = ("msgstr", index)
        else:
            raise AssertionError(f"{where}: unexpected line {raw!r}")
    finish()
    return entries


def _locale_dir() -> Path:
    return Path(settings.LOCALE_PATHS[0]) / LOCALE / "LC_MESSAGES"


@cache
def _po_entries() -> tuple[Entry, ...]:
    path = _locale_dir() / "django.po"
    assert path.is_file(), f"{path} is missing; run canlian makemessages -l {LOCALE}"
    return tuple(parse_po(path))


def _header(entries: tuple[Entry, ...]) -> dict[str, str]:
    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, "the .po file needs exactly one header entry"
    result = {}
    for line in headers[0].msgstr[0].splitlines():
        name, _, value = line.partition(":")
        result[name.strip()] = value.strip()
    return result


def _messages() -> list[Entry]:
    return [e for e in _po_entries() if e.msgid != ""]


def test_po_file_parses_and_has_messages():
    assert len(_messages()) > 100


def test_header_is_right_for_chinese():
    header = _header(_po_entries())
    assert header["Language"] == LOCALE
    assert header["Content-Type"] == "text/plain; charset=UTF-8"
    assert header["Plural-Forms"].replace(" ", "") == "nplurals=1;plural=0;"


def test_no_fuzzy_entries():
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in _po_entries() if "fuzzy" in e.flags]
    assert not fuzzy, "fuzzy entries are ignored by compilemessages:\n" + "\n".join(fuzzy)


def test_no_empty_translations():
    empty = [f"line {e.line}: {e.msgid!r}" for e in _messages() if not all(e.msgstr.values()) or not e.msgstr]
    assert not empty, "untranslated entries:\n" + "\n".join(empty)


def test_plural_entries_have_one_form():
    wrong = [e.msgid for e in _messages() if e.msgid_plural is not None and sorted(e.msgstr) != [0]]
    assert not wrong, f"Chinese has one plural form (msgstr[0] only): {wrong}"


def test_placeholders_are_kept():
    wrong = []
    for e in _messages():
        sources = [e.msgid] + ([e.msgid_plural] if e.msgid_plural else [])
        expected = sorted(PLACEHOLDER.findall(e.msgid_plural or e.msgid))
        if "python-format" not in e.flags and not any(PLACEHOLDER.search(s) for s in sources):
            continue
        for text in e.msgstr.values():
            if sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"line {e.line}: {e.msgid!r} -> {text!r}")
    assert not wrong, "placeholders differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_html_tags_are_kept():
    tag = re.compile(r"</?\w+[^>]*>")
    wrong = [
        f"line {e.line}: {e.msgid!r}"
        for e in _messages()
        for text in e.msgstr.values()
        if sorted(tag.findall(e.msgid)) != sorted(tag.findall(text))
    ]
    assert not wrong, "HTML tags differ between msgid and msgstr:\n" + "\n".join(wrong)


def test_compiled_mo_matches_po():
    """The committed .mo holds exactly the .po's translations (run compilemessages after editing)."""
    mo_path = _locale_dir() / "django.mo"
    assert mo_path.is_file(), f"{mo_path} is missing; run canlian compilemessages -l {LOCALE}"
    with mo_path.open("rb") as fh:
        compiled = stdlib_gettext.GNUTranslations(fh)
    mo_catalog = {k: v for k, v in compiled._catalog.items() if k != ""}

    po_catalog: dict[object, str] = {}
    for e in _messages():
        if e.msgid_plural is None:
            po_catalog[e.key] = e.msgstr[0]
        else:
            for index, text in e.msgstr.items():
                po_catalog[(e.key, index)] = text

    stale = sorted(repr(k) for k in po_catalog.keys() - mo_catalog.keys())
    extra = sorted(repr(k) for k in mo_catalog.keys() - po_catalog.keys())
    changed = sorted(repr(k) for k in po_catalog.keys() & mo_catalog.keys() if po_catalog[k] != mo_catalog[k])
    assert not (stale or extra or changed), (
        f"django.mo is out of date; run canlian compilemessages -l {LOCALE}.\n"
        f"missing from .mo: {stale}\nonly in .mo: {extra}\ndifferent: {changed}"
    )


def test_django_uses_every_translation():
    """Under zh-hans, Django returns this project's msgstr for every msgid (LOCALE_PATHS wins)."""
    wrong = []
    with translation.override("zh-hans"):
        for e in _messages():
            if e.msgid_plural is not None:
                got = (
                    translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 1)
                    if e.msgctxt is not None
                    else translation.ngettext(e.msgid, e.msgid_plural, 1)
                )
            elif e.msgctxt is not None:
                got = translation.pgettext(e.msgctxt, e.msgid)
            else:
                got = translation.gettext(e.msgid)
            if got != e.msgstr[0]:
                wrong.append(f"{e.msgid!r}: expected {e.msgstr[0]!r}, got {got!r}")
    assert not wrong, "\n".join(wrong)


def test_default_language_is_simplified_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert "en" in dict(settings.LANGUAGES)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hans", "登录"), ("en", "Sign in")],
)
def test_gettext_switches_language(language, expected):
    with translation.override(language):
        assert translation.gettext("Sign in") == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "退出 · 智慧残联 · 第 2 页，共 5 页"),
        ("en", "Sign out · Smart Disabled Persons' Federation · Page 2 of 5"),
    ],
)
def test_templates_translate(language, expected):
    template = Template(
        '{% load i18n %}{% translate "Sign out" %} · {% translate "Smart Disabled Persons\' Federation" %} · '
        "{% blocktranslate %}Page {{ n }} of {{ total }}{% endblocktranslate %}"
    )
    with translation.override(language):
        assert template.render(Context({"n": 2, "total": 5})) == expected
