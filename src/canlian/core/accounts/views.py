from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from canlian.core.accounts import actions
from canlian.core.accounts.forms import (
    PasswordSetForm,
    RoleGrantForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from canlian.core.accounts.http import AuthenticatedHttpRequest
from canlian.core.accounts.models import User
from canlian.core.accounts.selectors import users_visible
from canlian.core.permissions import Perm
from canlian.platform.errors import DomainError, NotFound
from canlian.platform.inputs import as_int
from canlian.platform.views import CanlianView, form_error_from, paginate


class UserListView(CanlianView):
    required_permission = Perm.ACCOUNTS_VIEW

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = UserFilterForm(request.GET, request=request)
        data = form.cleaned_data if form.is_valid() else {}
        region = data.get("region")
        users = users_visible(
            user=request.user,
            q=data.get("q", ""),
            role=data.get("role", ""),
            region_code=region.code if region else "",
            active=data.get("active", ""),
        )
        return render(
            request,
            "accounts/user_list.html",
            {
                "form": form,
                "page": paginate(request, users),
                "can_manage": request.user.has_canlian_perm(Perm.ACCOUNTS_MANAGE),
            },
        )


class UserCreateView(CanlianView):
    required_permission = Perm.ACCOUNTS_MANAGE

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return render(request, "accounts/user_form.html", {"form": UserCreateForm(request=request)})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = UserCreateForm(request.POST, request=request)
        if form.is_valid():
            try:
                user = actions.user_create(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("User %(name)s was created.") % {"name": user.username})
                return redirect("accounts:user-detail", user_id=user.pk)
        return render(request, "accounts/user_form.html", {"form": form})


class UserDetailView(CanlianView):
    required_permission = Perm.ACCOUNTS_VIEW

    def get(self, request: AuthenticatedHttpRequest, user_id: int, **forms: Any) -> HttpResponse:
        target = User.objects.get_for_user(request.user, Perm.ACCOUNTS_VIEW, pk=user_id)
        can_manage = User.objects.for_user(request.user, Perm.ACCOUNTS_MANAGE).filter(pk=target.pk).exists()
        context = {
            "target": target,
            "assignments": target.role_assignments.select_related("region").order_by("region_code"),
            "tokens": target.api_tokens.all()[:20],
            "can_manage": can_manage,
            "edit_form": forms.get("edit_form")
            or UserEditForm(initial={f: getattr(target, f) for f in ("display_name", "phone", "email")}),
            "grant_form": forms.get("grant_form") or RoleGrantForm(request=request),
            "password_form": forms.get("password_form") or PasswordSetForm(),
            "new_token": forms.get("new_token"),
        }
        return render(request, "accounts/user_detail.html", context)


class UserActionView(CanlianView):
    """POST-only actions on one user: edit, grant, revoke, password, (de)activate, token."""

    required_permission = Perm.ACCOUNTS_MANAGE
    http_method_names = ["post"]

    def post(self, request: AuthenticatedHttpRequest, user_id: int, op: str) -> HttpResponse:
        target = User.objects.get_for_user(request.user, Perm.ACCOUNTS_MANAGE, pk=user_id)
        detail = UserDetailView()
        detail.request = request
        try:
            if op == "edit":
                form = UserEditForm(request.POST)
                if not form.is_valid():
                    return detail.get(request, user_id, edit_form=form)
                actions.user_update(actor=request.user, user_id=target.pk, **form.cleaned_data)
                messages.success(request, _("Saved."))
            elif op == "grant":
                grant_form = RoleGrantForm(request.POST, request=request)
                if not grant_form.is_valid():
                    return detail.get(request, user_id, grant_form=grant_form)
                try:
                    actions.role_grant(actor=request.user, user_id=target.pk, **grant_form.cleaned_data)
                except DomainError as exc:
                    form_error_from(grant_form, exc)
                    return detail.get(request, user_id, grant_form=grant_form)
                messages.success(request, _("Role granted."))
            elif op == "revoke":
                assignment_id = as_int(request.POST.get("assignment"), "assignment", default=0)
                assert assignment_id is not None  # default=0
                actions.role_revoke(actor=request.user, assignment_id=assignment_id)
                messages.success(request, _("Role revoked."))
            elif op == "password":
                password_form = PasswordSetForm(request.POST)
                if not password_form.is_valid():
                    return detail.get(request, user_id, password_form=password_form)
                try:
                    actions.user_set_password(
                        actor=request.user, user_id=target.pk, password=password_form.cleaned_data["password"]
                    )
                except DomainError as exc:
                    form_error_from(password_form, exc)
                    return detail.get(request, user_id, password_form=password_form)
                messages.success(request, _("The password was set."))
            elif op in ("deactivate", "activate"):
                actions.user_set_active(actor=request.user, user_id=target.pk, active=op == "activate")
                messages.success(request, _("Saved."))
            elif op == "token":
                _token, raw = actions.token_issue(
                    actor=request.user, user_id=target.pk, name=request.POST.get("name", "")
                )
                return detail.get(request, user_id, new_token=raw)
            elif op == "revoke-token":
                token_id = as_int(request.POST.get("token"), "token", default=0)
                assert token_id is not None  # default=0
                actions.token_revoke(actor=request.user, token_id=token_id)
                messages.success(request, _("The token was revoked."))
            else:
                raise NotFound()
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("accounts:user-detail", user_id=target.pk)
