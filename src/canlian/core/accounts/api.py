from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from canlian.core.accounts import actions
from canlian.core.accounts.models import RoleAssignment, User
from canlian.core.permissions import Perm, Role
from canlian.core.regions.models import Region
from canlian.platform.api import ScopedViewSet
from canlian.platform.errors import ValidationFailed


class RoleAssignmentSerializer(serializers.ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = RoleAssignment
        fields = ["id", "role", "region_code", "region_name"]


class UserSerializer(serializers.ModelSerializer):
    roles = RoleAssignmentSerializer(source="role_assignments", many=True, read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "display_name", "is_active", "last_login", "roles"]


class UserCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    display_name = serializers.CharField(max_length=80, required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)
    region = serializers.CharField(max_length=12, help_text="Region code")
    password = serializers.CharField(write_only=True)


class MeView(APIView):
    """The caller: user, roles and permissions."""

    required_permission = None

    @extend_schema(responses=UserSerializer)
    def get(self, request: Request) -> Response:
        assert request.user.is_authenticated  # IsAuthenticated, the default permission class
        data = UserSerializer(request.user).data
        data["permissions"] = sorted(request.user.canlian_permissions())
        return Response(data)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Users holding a role in the caller's scope."""

    scoped_model = User
    serializer_class = UserSerializer
    required_permission = Perm.ACCOUNTS_VIEW
    action_permissions = {"create": Perm.ACCOUNTS_MANAGE, "deactivate": Perm.ACCOUNTS_MANAGE}
    lookup_url_kwarg = "user_id"
    ordering = "id"

    def refine_queryset(self, queryset: QuerySet[User]) -> QuerySet[User]:
        return queryset.prefetch_related("role_assignments__region")

    @extend_schema(request=UserCreateSerializer, responses={201: UserSerializer})
    def create(self, request: Request) -> Response:
        payload = UserCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data: dict[str, Any] = dict(payload.validated_data)
        region = (
            Region.objects.for_user(request.user, Perm.ACCOUNTS_MANAGE)
            .filter(code=data.pop("region"))
            .first()
        )
        if region is None:
            raise ValidationFailed(
                "Unknown region or outside your scope.", field="region", code="region_out_of_scope"
            )
        user = actions.user_create(actor=request.user, region=region, **data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, user_id: str | None = None) -> Response:
        target = self.get_object()
        user = actions.user_set_active(actor=request.user, user_id=target.pk, active=False)
        return Response(UserSerializer(user).data)


def register(router: Any) -> None:
    router.register("users", UserViewSet, basename="user")
