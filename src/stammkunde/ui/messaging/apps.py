from django.apps import AppConfig


class UiMessagingConfig(AppConfig):
    """Installed only so that Django finds this topic's templates/ and templatetags/."""

    name = "stammkunde.ui.messaging"
    label = "ui_messaging"
