from django.apps import AppConfig


class UiServiceConfig(AppConfig):
    """Installed only so that Django finds this topic's templates/ and templatetags/."""

    name = "stammkunde.ui.service"
    label = "ui_service"
