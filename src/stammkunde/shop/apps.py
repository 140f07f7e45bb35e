from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "stammkunde.shop"
    label = "shop"
    verbose_name = _("Shop")

    def ready(self) -> None:
        from stammkunde.core.gdpr import register_erasure, register_erasure_check, register_export
        from stammkunde.core.scoping import register_customer_scope
        from stammkunde.logins.backends import register_user_annotation
        from stammkunde.shop import gdpr
        from stammkunde.shop.visibility import (
            LIMIT_ATTRIBUTE,
            shop_limit_id_of_user,
            staff_customer_scope,
        )

        register_export(self.label, gdpr.export_shop_data)
        register_erasure(self.label, gdpr.erase_shop_data)
        register_erasure_check(self.label, gdpr.check_shop_erasure)
        register_customer_scope(staff_customer_scope)
        register_user_annotation(LIMIT_ATTRIBUTE, shop_limit_id_of_user)
