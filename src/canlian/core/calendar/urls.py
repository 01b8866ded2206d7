"""Pages of the working-day calendar (namespace "calendar")."""

from django.urls import path

from canlian.core.calendar import views

app_name = "calendar"
urlpatterns = [
    path("", views.CalendarIndexView.as_view(), name="index"),
    path("import/", views.CalendarImportView.as_view(), name="import"),
    path("days/", views.CalendarDaySetView.as_view(), name="day-set"),
    path("days/remove/", views.CalendarDayRemoveView.as_view(), name="day-remove"),
    path("<int:calendar_year>/", views.CalendarYearView.as_view(), name="year"),
]
