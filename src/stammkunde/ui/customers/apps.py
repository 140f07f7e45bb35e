from django.apps import AppConfig


class UiCustomersConfig(AppConfig):
    """Installed only so that Django finds this topic's templates/ and templatetags/."""

    name = "stammkunde.ui.customers"
    label = "ui_customers"
