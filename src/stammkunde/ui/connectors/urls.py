"""URLs of the staff UI's connectors pages (included by ui/urls.py, so their names are ui:...)."""

from django.urls import path

from stammkunde.ui.connectors import events, inbox, shops

urlpatterns = [
    path("shops/", shops.shop_list, name="shop-list"),
    path("shops/add/", shops.shop_add, name="shop-add"),
    path("shops/<int:pk>/", shops.shop_detail, name="shop-detail"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/", inbox.delivery_detail, name="delivery-detail"),
    path("inbox/<int:pk>/reprocess/", inbox.delivery_reprocess, name="delivery-reprocess"),
    path("events/", events.event_list, name="event-list"),
    path("events/deliveries/<int:pk>/redeliver/", events.event_redeliver, name="event-redeliver"),
]
