"""Steering pages (see urls.py): the targets, one target's form, removal, the plan sheet's import."""

from django.urls import path

from canlian.reporting.steering import views_targets as views

urlpatterns = [
    path("targets/", views.TargetsView.as_view(), name="targets"),
    path("targets/set/", views.TargetSetView.as_view(), name="target-set"),
    path("targets/remove/", views.TargetRemoveView.as_view(), name="target-remove"),
    path("targets/import/", views.TargetImportView.as_view(), name="target-import"),
    path("targets/import/template/", views.TargetTemplateView.as_view(), name="target-template"),
]
