"""Pages of rehab (namespace "rehab")."""

app_name = "rehab"
urlpatterns: list = []
