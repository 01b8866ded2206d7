"""Every write of rehabilitation services, by area (one module each)."""

from canlian.domains.rehabservices.actions.batches import batch_approve, batch_generate, batch_mark_paid
from canlian.domains.rehabservices.actions.devices import (
    device_standard_save,
    fitting_assess,
    fitting_deliver,
)
from canlian.domains.rehabservices.actions.health import (
    health_apply,
    health_decide,
    health_list_import,
    health_pay,
    health_serve,
)
from canlian.domains.rehabservices.actions.modification import (
    modification_accept,
    modification_apply,
    modification_archive,
    modification_assess,
    modification_notice,
    modification_photo_add,
    modification_plan,
    modification_start_works,
)
from canlian.domains.rehabservices.actions.needs import service_record, survey_record, surveys_import

__all__ = [
    "batch_approve",
    "batch_generate",
    "batch_mark_paid",
    "device_standard_save",
    "fitting_assess",
    "fitting_deliver",
    "health_apply",
    "health_decide",
    "health_list_import",
    "health_pay",
    "health_serve",
    "modification_accept",
    "modification_apply",
    "modification_archive",
    "modification_assess",
    "modification_notice",
    "modification_photo_add",
    "modification_plan",
    "modification_start_works",
    "service_record",
    "survey_record",
    "surveys_import",
]
