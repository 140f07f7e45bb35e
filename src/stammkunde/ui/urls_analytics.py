"""URLs of the staff UI's analytics pages (included by ui/urls.py, so their names are ui:...)."""

urlpatterns: list = []
