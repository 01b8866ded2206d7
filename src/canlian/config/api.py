"""The /api/v1/ tree: one router over every app's viewsets. Every app has one ``api.py`` whose
``register(router)`` adds its viewsets (docs/adding-a-domain.md)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from canlian.core.accounts import api as accounts_api
from canlian.core.audit import api as audit_api
from canlian.core.calendar import api as calendar_api
from canlian.core.institutions import api as institutions_api
from canlian.core.jobs import api as jobs_api
from canlian.core.regions import api as regions_api
from canlian.core.registry import api as registry_api
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
from canlian.programs.cycles import api as cycles_api
from canlian.programs.enrollments import api as enrollments_api
from canlian.programs.recoveries import api as recoveries_api
from canlian.programs.rules import api as rules_api
from canlian.reporting import api as reporting_api
from canlian.reporting.steering import api as steering_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
for module in (
    regions_api,
    accounts_api,
    audit_api,
    jobs_api,
    registry_api,
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

urlpatterns = [path("me/", accounts_api.MeView.as_view(), name="me"), *router.urls]
