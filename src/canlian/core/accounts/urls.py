from django.urls import path

from canlian.core.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.UserListView.as_view(), name="user-list"),
    path("new/", views.UserCreateView.as_view(), name="user-create"),
    path("<int:user_id>/", views.UserDetailView.as_view(), name="user-detail"),
    path("<int:user_id>/<slug:op>/", views.UserActionView.as_view(), name="user-action"),
]
