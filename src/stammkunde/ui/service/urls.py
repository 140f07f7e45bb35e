"""URLs of the staff UI's service desk pages (included by ui/urls.py, so their names are ui:...)."""

from django.urls import include, path

urlpatterns = [
    path("", include("stammkunde.ui.service.desk_urls")),
    path("", include("stammkunde.ui.service.case_urls")),
]
