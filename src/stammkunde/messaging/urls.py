"""The public (customer-facing) links of mails, under ``/m/`` (origin ``customer``)."""

from django.urls import path

from stammkunde.messaging import click_tracking, public_views

app_name = "messaging"

urlpatterns = [
    path("unsubscribe/<str:token>/", public_views.unsubscribe_view, name="unsubscribe"),
    path("confirm/<str:token>/", public_views.confirm_view, name="confirm"),
    path("preferences/<str:token>/", public_views.preferences_view, name="preferences"),
    path("c/<str:token>/", click_tracking.click_view, name="click"),
]
