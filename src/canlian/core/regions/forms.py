from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from canlian.core.regions.models import Region


class RegionPickerWidget(forms.Widget):
    """A cascading picker: one select per level, each loaded by htmx from the one above.
    The submitted value is the deepest chosen code (a hidden input)."""

    template_name = "regions/_picker.html"
    #: Set by ``RegionField.bind``: the picker offers the regions of this request's user.
    request: HttpRequest | None = None

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        request = self.request
        user = getattr(request, "user", None)
        from canlian.core.regions.selectors import region_children, region_roots_for

        value = value.code if isinstance(value, Region) else (value or "")
        levels: list[dict[str, Any]] = []
        roots = region_roots_for(user=user) if user is not None else []
        chain = [value[:n] for n in (2, 4, 6, 9, 12) if value and n <= len(value)]
        options = roots
        selected_codes = set(chain)
        for _depth in range(5):
            if not options:
                break
            chosen = next((r.code for r in options if r.code in selected_codes), "")
            levels.append({"options": options, "selected": chosen})
            if not chosen:
                break
            options = region_children(user=user, code=chosen)
        return render_to_string(
            self.template_name,
            {"name": name, "value": value, "levels": levels, "id": (attrs or {}).get("id", f"id_{name}")},
        )

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name) or None


class RegionField(forms.CharField):
    """A region in the user's scope, chosen with the cascading picker."""

    widget = RegionPickerWidget

    def __init__(self, *args: Any, permission: str = "regions.view", **kwargs: Any) -> None:
        self.permission = permission
        self.user = None
        super().__init__(*args, **kwargs)

    def bind(self, request: Any) -> None:
        self.user = request.user
        if isinstance(self.widget, RegionPickerWidget):  # only the picker reads the request
            self.widget.request = request

    def clean(self, value: Any) -> Region | None:
        value = super().clean(value)
        if not value:
            return None
        region = Region.objects.for_user(self.user, self.permission).filter(code=value).first()
        if region is None:
            raise forms.ValidationError(_("Choose a region inside your scope."))
        return region


class RegionImportForm(forms.Form):
    file = forms.FileField(label=_("File (.xlsx, .xls or .csv with columns code, name)"))
    dry_run = forms.BooleanField(label=_("Dry run: check only, write nothing"), required=False)


class RegionFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or code"), required=False)
