"""URLs of the staff UI's analytics pages (included by ui/urls.py, so their names are ui:...)."""

from django.urls import path

from stammkunde.ui.analytics import goals, segments, views

urlpatterns = [
    path("analytics/", views.dashboard, name="dashboard"),
    path("analytics/run/", views.run_analysis, name="analytics-run"),
    path("analytics/goals/", goals.goals, name="goals"),
    path("analytics/segments/", segments.segment_list, name="segment-list"),
    path("analytics/segments/add/", segments.segment_add, name="segment-add"),
    path("analytics/segments/<int:pk>/", segments.segment_detail, name="segment-detail"),
    path("analytics/segments/<int:pk>/edit/", segments.segment_edit, name="segment-edit"),
    path("analytics/segments/<int:pk>/delete/", segments.segment_delete, name="segment-delete"),
    path("analytics/segments/<int:pk>/export/", segments.segment_export, name="segment-export"),
]
