"""URLs of the staff UI's connectors pages (included by ui/urls.py, so their names are ui:...)."""

from django.urls import path

from stammkunde.ui.connectors import events, imports, inbox, shops

urlpatterns = [
    path("shops/", shops.shop_list, name="shop-list"),
    path("shops/add/", shops.shop_add, name="shop-add"),
    path("shops/<int:pk>/", shops.shop_detail, name="shop-detail"),
    path("imports/", imports.import_new, name="import-new"),
    path("imports/<int:pk>/", imports.import_detail, name="import-detail"),
    path("imports/<int:pk>/start/", imports.import_start, name="import-start"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import-progress"),
    path("imports/<int:pk>/errors/", imports.import_errors, name="import-errors"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/", inbox.delivery_detail, name="delivery-detail"),
    path("inbox/<int:pk>/reprocess/", inbox.delivery_reprocess, name="delivery-reprocess"),
    path("events/", events.event_list, name="event-list"),
    path("events/deliveries/<int:pk>/redeliver/", events.event_redeliver, name="event-redeliver"),
]
