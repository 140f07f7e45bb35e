"""URLs of the staff UI's privacy pages (included by ui/urls.py, so their names are ui:...)."""

from django.urls import path

from stammkunde.ui.privacy import audit_trail, customer, overview

urlpatterns = [
    path("customers/<int:pk>/privacy/", customer.customer_privacy, name="customer-privacy"),
    path(
        "customers/<int:pk>/privacy/export.json",
        customer.customer_export_json,
        name="customer-export-json",
    ),
    path(
        "customers/<int:pk>/privacy/export.html",
        customer.customer_export_html,
        name="customer-export-html",
    ),
    path("customers/<int:pk>/privacy/erase/", customer.customer_erase, name="customer-erase"),
    path(
        "customers/<int:pk>/privacy/restrict/",
        customer.customer_restrict,
        name="customer-restrict",
    ),
    path(
        "customers/<int:pk>/privacy/lift-restriction/",
        customer.customer_lift_restriction,
        name="customer-lift-restriction",
    ),
    path("privacy/audit/", audit_trail.audit_trail, name="audit-trail"),
    path("privacy/requests/", overview.privacy_requests, name="privacy-requests"),
    path("privacy/retention/", overview.retention, name="privacy-retention"),
    path("privacy/processing/", overview.processing_record_page, name="processing-record"),
]
