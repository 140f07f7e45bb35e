"""URLs of the staff UI's connectors pages (included by ui/urls.py, so their names are ui:...)."""

urlpatterns: list = []
