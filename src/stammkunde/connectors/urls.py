"""Webhook endpoints: one URL per configured shop (included by the root URLconf under /hooks/)."""

from django.urls import path

from stammkunde.connectors import views

app_name = "connectors"

urlpatterns = [
    path("<slug:shop_slug>/<str:token>/", views.webhook, name="webhook"),
]
