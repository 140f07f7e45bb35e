"""URLs of the staff UI's identity pages (included by ui/urls.py, so their names are ui:...)."""

from django.urls import path

from stammkunde.ui.identity import views

urlpatterns = [
    path("duplicates/", views.duplicate_list, name="duplicate-list"),
    path("duplicates/dismiss/", views.duplicate_dismiss, name="duplicate-dismiss"),
    path("customers/<int:pk>/merge/", views.customer_merge, name="customer-merge"),
]
