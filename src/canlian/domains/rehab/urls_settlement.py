"""Settlement pages (included by rehab/urls.py, namespace "rehab")."""

urlpatterns: list = []
