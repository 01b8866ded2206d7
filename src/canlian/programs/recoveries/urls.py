"""Pages of recovery items (included into the "programs" namespace)."""

from django.urls import path

from canlian.programs.recoveries import views

urlpatterns: list = [
    path("recoveries/", views.RecoveryListView.as_view(), name="recovery-list"),
    path("recoveries/<int:item_id>/", views.RecoveryDetailView.as_view(), name="recovery-detail"),
    path("recoveries/<int:item_id>/resolve/", views.RecoveryResolveView.as_view(), name="recovery-resolve"),
]
