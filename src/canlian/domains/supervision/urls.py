"""Pages of supervision (namespace "supervision")."""

app_name = "supervision"
urlpatterns: list = []
