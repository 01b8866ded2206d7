from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Perm, Role
from canlian.core.regions.forms import RegionField


class RegionBoundForm(forms.Form):
    """A form whose region fields are bound to the request's user (picker roots, scope check)."""

    def __init__(self, *args: Any, request: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, RegionField):
                field.bind(request)


class UserCreateForm(RegionBoundForm):
    username = forms.CharField(label=_("User name"), max_length=150)
    display_name = forms.CharField(label=_("Full name"), max_length=80, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    region = RegionField(label=_("Region"), permission=Perm.ACCOUNTS_MANAGE)
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput)


class UserEditForm(forms.Form):
    display_name = forms.CharField(label=_("Full name"), max_length=80, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    email = forms.EmailField(label=_("Email"), required=False)


class RoleGrantForm(RegionBoundForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    region = RegionField(label=_("Region"), permission=Perm.ACCOUNTS_MANAGE)


class PasswordSetForm(forms.Form):
    password = forms.CharField(label=_("New password"), widget=forms.PasswordInput)


class UserFilterForm(RegionBoundForm):
    q = forms.CharField(label=_("Name"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("All roles")), *Role.choices], required=False)
    region = RegionField(label=_("Region"), required=False)
    active = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Deactivated"))],
        required=False,
    )
