"""Every page reads in Chinese (issue 15 item 14): with the interface in zh-hans, no page of the
authorization world (every named page route, region A's objects) shows an English word of the
interface. Data (user names, codes, file names) and the abbreviations staff use (API, ID, CSV, …)
are not interface words. Untranslated msgids are caught by tests/test_i18n.py."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from authorization_world import ROUTES, built_world, call, url_for
from django.utils import translation

#: Words a Chinese page may show: product and format names, abbreviations staff use.
ALLOWED = {
    "API",
    "ID",
    "CSV",
    "Excel",
    "WPS",
    "PDF",
    "OpenAPI",
    "Swagger",
    "ECharts",
    "xlsx",
    "xls",
    "csv",
    "docx",
    "GBK",
    "UTF",
    "GB",
    "USCC",
    "HTTP",
    "JSON",
    "Word",
    "Ctrl",
    "token",
    "Token",
    "canlian",
}
#: Words a page shows on purpose: the import page names the English column headers it accepts.
ROUTE_ALLOWED = {
    "regions:import": {"code", "name"},
    # the codes of the seeded star criteria (identifiers a region edits) and a stored choice code
    "community:star-rules": {"facilities", "management", "satisfaction", "services", "staff"},
    "audit:list": {"insurance"},
    "audit:detail": {"insurance"},
}
#: Routes whose body is not a page (files, fragments for scripts, the API browser).
SKIP_PREFIXES = ("api:", "api-")


def visible_words(body: str) -> list[str]:
    body = re.sub(r"(?is)<(script|style|template)\b.*?</\1>", " ", body)
    body = re.sub(r"(?s)<!--.*?-->", " ", body)
    text = html_lib.unescape(re.sub(r"(?s)<[^>]+>", " ", body))
    words = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_.@/-]*", text):
        if token in ALLOWED or any(c.isdigit() or c in "_.@/-" for c in token):
            continue  # data: user names, codes, file names, addresses
        if token.startswith("MARKER") or (token.isupper() and len(token) <= 5):
            continue  # the world's marker text; abbreviations
        words.append(token)
    return words


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from built_world(django_db_blocker, tmp_path_factory)


PAGES = [r for r in ROUTES if "get" in r.methods() and not r.name.startswith(SKIP_PREFIXES)]


@pytest.mark.parametrize("route", PAGES, ids=lambda r: r.name)
def test_the_page_has_no_english_interface_words(client, db, built, route):
    world: dict[str, Any] = built[0]
    client.force_login(world["_national"])
    with translation.override("zh-hans"):
        response = call(client, route, "get", url_for(route, world))
    assert response.status_code == 200, (route.name, response.status_code)
    if not response.get("Content-Type", "").startswith("text/html"):
        # a file (a photo, a Word document): its words are the federation's own data
        assert response.get("Content-Type", "").startswith(("image/", "application/", "text/csv")), route.name
        return
    words = [
        w for w in visible_words(response.content.decode()) if w not in ROUTE_ALLOWED.get(route.name, ())
    ]
    assert not words, (route.name, sorted(set(words))[:40])
