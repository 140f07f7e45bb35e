"""Webhook endpoints: one URL per configured shop (included by the root URLconf under /hooks/)."""

app_name = "connectors"

urlpatterns: list = []
