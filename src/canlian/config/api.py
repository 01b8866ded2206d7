"""The /api/v1/ tree: one router over every app's viewsets."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from canlian.core.accounts.api.views import MeView, UserViewSet
from canlian.core.audit.api import AuditEventViewSet
from canlian.core.calendar import api as calendar_api
from canlian.core.institutions import api as institutions_api
from canlian.core.jobs.api.views import JobViewSet
from canlian.core.regions.api.views import RegionViewSet
from canlian.core.registry.api.views import (
    CertificateViewSet,
    HouseholdViewSet,
    PersonViewSet,
    ScreeningViewSet,
)
from canlian.domains.care import api as care_api
from canlian.domains.community import api as community_api
from canlian.domains.education import api as education_api
from canlian.domains.employment import api as employment_api
from canlian.domains.matching import api as matching_api
from canlian.domains.outreach import api as outreach_api
from canlian.domains.petitions import api as petitions_api
from canlian.domains.rehab import api as rehab_api
from canlian.domains.rehabservices import api as rehabservices_api
from canlian.domains.subsidies import api as subsidies_api
from canlian.domains.supervision import api as supervision_api
from canlian.programs.api import cycles as cycles_api
from canlian.programs.api import enrollments as enrollments_api
from canlian.programs.api import recoveries as recoveries_api
from canlian.programs.api import rules as rules_api
from canlian.reporting import api as reporting_api
from canlian.reporting.steering import api as steering_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("regions", RegionViewSet, basename="region")
router.register("users", UserViewSet, basename="user")
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("jobs", JobViewSet, basename="job")
router.register("persons", PersonViewSet, basename="person")
router.register("certificates", CertificateViewSet, basename="certificate")
router.register("households", HouseholdViewSet, basename="household")
router.register("screenings", ScreeningViewSet, basename="screening")
# The program engine and the domains register their own viewsets.
for module in (
    calendar_api,
    rules_api,
    enrollments_api,
    cycles_api,
    recoveries_api,
    subsidies_api,
    care_api,
    petitions_api,
    institutions_api,
    rehab_api,
    supervision_api,
    community_api,
    rehabservices_api,
    education_api,
    employment_api,
    matching_api,
    outreach_api,
    reporting_api,
    steering_api,
):
    module.register(router)

urlpatterns = [path("me/", MeView.as_view(), name="me"), *router.urls]
