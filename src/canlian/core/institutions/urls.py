"""Pages of institutions (namespace "institutions")."""

app_name = "institutions"
urlpatterns: list = []
