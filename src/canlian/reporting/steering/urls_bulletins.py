"""Steering pages (see urls.py): the bulletins (月调度 / 季通报 / 年总结), their downloads, the schemes."""

from django.urls import path

from canlian.reporting.steering import views_bulletins as views

urlpatterns = [
    path("bulletin/", views.BulletinView.as_view(), name="bulletin"),
    path("bulletin/docx/", views.BulletinDocxView.as_view(), name="bulletin-docx"),
    path("bulletin/xlsx/", views.BulletinXlsxView.as_view(), name="bulletin-xlsx"),
    path("schemes/", views.SchemesView.as_view(), name="schemes"),
]
