from django.apps import AppConfig


class UiMailConfig(AppConfig):
    """Installed only so that Django finds this topic's templates/ and static/."""

    name = "stammkunde.ui.mail"
    label = "ui_mail"
