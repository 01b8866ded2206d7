"""A community page as data: figures, tables, forms and buttons rendered by one template
(``community/page.html``), so that every page shares the markup and its accessibility."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@dataclass
class Cell:
    text: Any
    url: str = ""
    mono: bool = False


def cells(values: list[Any]) -> list[Cell]:
    return [v if isinstance(v, Cell) else Cell("" if v is None else v) for v in values]


@dataclass
class Table:
    title: Any
    headers: list[Any]
    rows: list[list[Cell]] = field(default_factory=list)
    empty: Any = ""
    testid: str = ""

    def add(self, *values: Any) -> None:
        self.rows.append(cells(list(values)))


@dataclass
class FormBlock:
    title: Any
    form: Any
    action: str
    submit: Any
    multipart: bool = False
    testid: str = ""


@dataclass
class Button:
    label: Any
    url: str
    fields: dict[str, Any] = field(default_factory=dict)
    testid: str = ""


def page(
    request: HttpRequest,
    title: Any,
    *,
    intro: Any = "",
    figures: list[tuple[Any, Any]] | None = None,
    tables: list[Table] | None = None,
    forms: list[FormBlock] | None = None,
    buttons: list[Button] | None = None,
    links: list[tuple[Any, str]] | None = None,
    errors: list[Any] | None = None,
    status: int = 200,
    sentence: Any = "",
    filters: Any = None,
    photos: list[dict[str, Any]] | None = None,
    photos_title: Any = "",
) -> HttpResponse:
    return render(
        request,
        "community/page.html",
        {
            "title": title,
            "intro": intro,
            "figures": figures or [],
            "tables": tables or [],
            "forms": forms or [],
            "buttons": buttons or [],
            "links": links or [],
            "errors": errors or [],
            "sentence": sentence,
            "filters": filters,
            "photos": photos,
            "photos_title": photos_title,
        },
        status=status,
    )
