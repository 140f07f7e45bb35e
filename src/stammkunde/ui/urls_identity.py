"""URLs of the staff UI's identity pages (included by ui/urls.py, so their names are ui:...)."""

from django.urls import path

from stammkunde.ui.views import identity

urlpatterns = [
    path("duplicates/", identity.duplicate_list, name="duplicate-list"),
    path("duplicates/dismiss/", identity.duplicate_dismiss, name="duplicate-dismiss"),
    path("customers/<int:pk>/merge/", identity.customer_merge, name="customer-merge"),
]
