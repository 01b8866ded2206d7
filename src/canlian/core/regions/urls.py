from django.urls import path

from canlian.core.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.RegionBrowseView.as_view(), name="browse"),
    path("import/", views.RegionImportView.as_view(), name="import"),
    path("picker/", views.RegionPickerChildrenView.as_view(), name="picker"),
    path("<str:code>/", views.RegionDetailView.as_view(), name="detail"),
]
