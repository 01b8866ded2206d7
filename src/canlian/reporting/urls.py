"""Pages of reporting (namespace "reporting")."""

app_name = "reporting"
urlpatterns: list = []
