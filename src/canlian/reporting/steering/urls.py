"""/steering/: the dashboard and drill-down, targets, bulletins (namespace ``steering``)."""

from canlian.reporting.steering import urls_bulletins, urls_dashboard, urls_targets

app_name = "steering"

urlpatterns = [*urls_dashboard.urlpatterns, *urls_targets.urlpatterns, *urls_bulletins.urlpatterns]
