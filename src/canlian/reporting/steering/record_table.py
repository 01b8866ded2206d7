"""The drill-down list's cells: the indicator's ``record_columns`` (label, attribute path or callable)
read from each record of one page, masked like the registry's lists.

Masking is not left to each indicator's columns: a column naming an ID number, a certificate number
or a phone is masked, and so is any text cell that looks like one (18-character ID, mobile number),
whatever the column is called. An indicator without columns gets the record's name, masked ID
number and region when its model has them, else the record's text. Region codes are shown as region
names (one query per page); a person (or a record of a person) links to the person page, whose read
is itself audited.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from canlian.core.regions.models import Region
from canlian.core.registry.identity import mask_certificate, mask_id, mask_phone
from canlian.platform.indicators import Indicator

ID_LIKE = re.compile(r"^\d{17}[\dXx]$|^\d{15}$")
CERTIFICATE_LIKE = re.compile(r"^\d{17}[\dXx]\d{2}(B[1-9])?$")
MOBILE_LIKE = re.compile(r"^1\d{10}$")
ID_FIELDS = {"id_number", "id_no", "identity_number"}
PHONE_FIELDS = {"phone", "mobile", "telephone", "contact_phone", "guardian_phone"}


@dataclass
class Cell:
    text: str
    label: str = ""
    url: str = ""
    mono: bool = False


@dataclass
class Column:
    label: str
    source: Any

    @property
    def last_name(self) -> str:
        if callable(self.source):
            return ""
        return re.split(r"__|\.", str(self.source))[-1]


def _resolve(obj: Any, source: Any) -> Any:
    if callable(source):
        return source(obj)
    value = obj
    for part in re.split(r"__|\.", str(source)):
        if value is None:
            return None
        value = getattr(value, part, None)
        if callable(value) and not hasattr(value, "all"):
            value = value()
    return value


def _mask(name: str, text: str) -> tuple[str, bool]:
    """(masked text, whether it is an identifier shown in a monospace font)."""
    if name in ID_FIELDS or ID_LIKE.match(text):
        return mask_id(text), True
    if name == "certificate_number" or CERTIFICATE_LIKE.match(text):
        return mask_certificate(text), True
    if name in PHONE_FIELDS or MOBILE_LIKE.match(text):
        return mask_phone(text), True
    return text, False


def _field_names(model: Any) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def columns_for(indicator: Indicator, model: Any) -> list[Column]:
    if indicator.record_columns:
        return [Column(label=str(label), source=source) for label, source in indicator.record_columns]
    names = _field_names(model)
    columns = []
    if "name" in names:
        columns.append(Column(label=_("Full name"), source="name"))
    if "id_number" in names:
        columns.append(Column(label=_("ID number"), source="id_number"))
    if "region_code" in names:
        columns.append(Column(label=_("Region"), source="region_code"))
    return columns or [Column(label=pgettext("records", "Record"), source=str)]


def related_paths(indicator: Indicator, model: Any) -> list[str]:
    """The forward relations the columns go through ("person" of "person.name"), to fetch with the
    page in one query (``select_related``) instead of one per row."""
    paths = set()
    for column in columns_for(indicator, model):
        if callable(column.source):
            continue
        parts = re.split(r"__|\.", str(column.source))[:-1]
        current, chain = model, []
        for part in parts:
            try:
                field = current._meta.get_field(part)
            except FieldDoesNotExist:  # not a model field (a property): stop here
                break
            if (
                not (field.is_relation and (field.many_to_one or field.one_to_one))
                or field.related_model is None
            ):
                break
            chain.append(part)
            current = field.related_model
        if chain:
            paths.add("__".join(chain))
    return sorted(paths)


def page_ordering(queryset: Any) -> tuple[str, ...]:
    """The order of the list for keyset paging: the records' own order when it is made of the
    model's concrete fields and ends with its primary key, else the primary key."""
    order = tuple(str(f) for f in queryset.query.order_by)
    if not order or order[-1].lstrip("-") not in ("pk", "id"):
        return ("pk",)
    concrete = {f.name for f in queryset.model._meta.concrete_fields} | {"pk"}
    if all(f.lstrip("-") in concrete for f in order) and not queryset.query.annotations:
        return order
    return ("pk",)


def _person_url(obj: Any) -> str:
    if obj._meta.label_lower == "registry.person":
        return reverse("registry:person-detail", kwargs={"person_id": obj.pk})
    person_id = getattr(obj, "person_id", None)
    if person_id:
        return reverse("registry:person-detail", kwargs={"person_id": person_id})
    return ""


def _text(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    return str(value)


def record_rows(
    indicator: Indicator, model: Any, records: Iterable[Any]
) -> tuple[list[str], list[list[Cell]]]:
    """(column labels, rows of cells) for one page of records."""
    records = list(records)
    columns = columns_for(indicator, model)
    raw: list[list[Any]] = [[_resolve(obj, c.source) for c in columns] for obj in records]
    region_columns = {i for i, c in enumerate(columns) if c.last_name == "region_code"}
    codes = {str(row[i]) for row in raw for i in region_columns if row[i]}
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name")) if codes else {}
    rows: list[list[Cell]] = []
    for obj, values in zip(records, raw, strict=True):
        cells = []
        for i, (column, value) in enumerate(zip(columns, values, strict=True)):
            text = _text(value)
            mono = False
            if i in region_columns and value:
                text = names.get(str(value), str(value))
            elif text != "—":
                text, mono = _mask(column.last_name, text)
            cells.append(Cell(text=text, label=column.label, mono=mono))
        url = _person_url(obj)
        if url and cells:
            cells[0].url = url
        rows.append(cells)
    return [c.label for c in columns], rows
