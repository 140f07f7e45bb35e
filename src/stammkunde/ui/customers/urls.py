"""URLs of the staff UI's customer pages (included by ui/urls.py, so their names are ui:...)."""

from django.urls import path

from stammkunde.ui.customers import contacts, profile, views

urlpatterns = [
    path("customers/", views.customer_list, name="customer-list"),
    path("customers/<int:pk>/", views.customer_detail, name="customer-detail"),
    path("customers/<int:pk>/timeline/", views.customer_timeline, name="customer-timeline"),
    path("customers/<int:pk>/notes/", contacts.add_customer_note, name="customer-add-note"),
    path("customers/<int:pk>/calls/", contacts.log_customer_call, name="customer-log-call"),
    path("customers/<int:pk>/edit/", contacts.edit_customer, name="customer-edit"),
    path("customers/<int:pk>/consent/", profile.change_consent, name="customer-consent"),
    path("customers/<int:pk>/tags/", profile.change_tags, name="customer-tags"),
    path("customers/<int:pk>/address/", profile.edit_address, name="customer-address"),
]
