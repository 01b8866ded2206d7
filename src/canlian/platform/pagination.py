"""Keyset pagination for the API (its own module: DRF imports it while loading its views)."""

from typing import Any

from rest_framework.pagination import CursorPagination

from canlian.platform.errors import MalformedInput, ValidationFailed
from canlian.platform.inputs import as_int


class KeysetPagination(CursorPagination):
    """Keyset (cursor) pagination: constant cost at any depth, stable under inserts."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-pk"

    def get_page_size(self, request: Any) -> int:
        """``page_size`` from 1 to 500; anything else is a 400 naming it (DRF would fall back to the
        default silently)."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = as_int(raw, self.page_size_query_param, low=1, high=self.max_page_size)
        except ValidationFailed as exc:  # a parameter outside its declared range: malformed (400)
            raise MalformedInput(exc.message, field=exc.field, details=exc.details) from exc
        assert size is not None  # required: a blank value is refused
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters
