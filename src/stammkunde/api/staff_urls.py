"""URLs of the API token pages (included by stammkunde/urls.py under the namespace api-tokens)."""

from django.urls import path

from stammkunde.api import staff_views

app_name = "api-tokens"
urlpatterns = [
    path("", staff_views.token_list, name="list"),
    path("add/", staff_views.token_add, name="add"),
    path("<int:pk>/revoke/", staff_views.token_revoke, name="revoke"),
]
