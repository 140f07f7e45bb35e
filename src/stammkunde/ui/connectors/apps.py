from django.apps import AppConfig


class UiConnectorsConfig(AppConfig):
    """Installed only so that Django finds this topic's templates/ and templatetags/."""

    name = "stammkunde.ui.connectors"
    label = "ui_connectors"
