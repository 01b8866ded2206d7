from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from canlian.core.permissions import Role, permissions_of, reaches_region
from canlian.platform.scoping import Scope, scope_of


class UserQuerySet(models.QuerySet):
    def for_user(self, user: Any, action: str = "view") -> UserQuerySet:
        """Users having at least one role assignment inside the viewer's scope."""
        perm = action if "." in action else f"accounts.{action}"
        scope = scope_of(user, perm)
        if scope.everything:
            return self.all()
        if scope.is_empty:
            return self.none()
        inner = RoleAssignment.objects.filter(scope.q("region_code")).values("user_id")
        return self.filter(pk__in=inner)

    def get_for_user(self, user: Any, action: str = "view", **lookup: Any) -> User:
        from canlian.platform.errors import NotFound

        try:
            return self.for_user(user, action).get(**lookup)
        except (self.model.DoesNotExist, ValueError) as exc:
            raise NotFound() from exc


class CanlianUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in. What they may do and where comes only from their role assignments
    (superusers excepted: national scope, every permission)."""

    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    objects: ClassVar[CanlianUserManager] = CanlianUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def _assignments(self) -> list[tuple[str, str, int | None]]:
        return list(self.role_assignments.values_list("role", "region_code", "institution_id"))

    def roles(self) -> set[str]:
        return {role for role, _code, _inst in self._assignments}

    def canlian_permissions(self) -> frozenset[str]:
        if self.is_superuser:
            from canlian.core.permissions import ALL_PERMISSIONS

            return ALL_PERMISSIONS
        perms: set[str] = set()
        for role, _code, _inst in self._assignments:
            perms |= permissions_of(role)
        return frozenset(perms)

    def has_canlian_perm(self, perm: str) -> bool:
        return self.is_active and perm in self.canlian_permissions()

    def scope_for(self, perm: str) -> Scope:
        if not self.is_active:
            return Scope.nothing()
        if self.is_superuser:
            return Scope.all()
        return Scope.of(
            code for role, code, inst in self._assignments if inst is None and reaches_region(role, perm)
        )

    def institutions_for(self, perm: str) -> frozenset[int]:
        """Institutions reached through institution-bound assignments (an institution's staff):
        such an assignment grants its permissions over that institution's rows only."""
        if not self.is_active:
            return frozenset()
        return frozenset(
            inst
            for role, _code, inst in self._assignments
            if inst is not None and perm in permissions_of(role)
        )

    def region_codes(self) -> list[str]:
        return sorted({code for _role, code, _inst in self._assignments})

    def forget_assignments(self) -> None:
        self.__dict__.pop("_assignments", None)


class RoleAssignment(models.Model):
    """A role held in a region. ``region_code`` copies the region's code for prefix scoping."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    region_code = models.CharField(_("region code"), max_length=12, db_index=True)
    #: Set for institution staff: the role then reaches this institution's rows only, not the region.
    institution = models.ForeignKey(
        "institutions.Institution",
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    created_by = models.ForeignKey(
        User, verbose_name=_("granted by"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "role", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="role_assignment_unique"),
            # Institution staff are always bound to an institution, and only they are.
            models.CheckConstraint(
                condition=Q(role="institution_staff", institution__isnull=False)
                | (~Q(role="institution_staff") & Q(institution__isnull=True)),
                name="role_assignment_institution_staff_bound",
            ),
        ]

    def __str__(self) -> str:
        where = self.institution.name if self.institution is not None else self.region_code
        return f"{self.get_role_display()} @ {where}"


class ApiToken(models.Model):
    """An API token. Only a SHA-256 digest is stored; the token is shown once when issued."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(_("digest"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()
