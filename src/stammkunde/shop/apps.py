from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopConfig(AppConfig):
    name = "stammkunde.shop"
    label = "shop"
    verbose_name = _("Shop")

    def ready(self) -> None:
        from stammkunde.core.gdpr import register_erasure, register_erasure_check, register_export
        from stammkunde.core.scoping import (
            register_customer_scope,
            register_customer_shops,
            register_shop_limit,
            register_whole_customer_scope,
        )
        from stammkunde.logins.backends import register_user_annotation
        from stammkunde.shop import gdpr
        from stammkunde.shop.visibility import (
            LIMIT_ATTRIBUTE,
            register_timeline_rules,
            shop_limit_id_of_user,
            shops_of_customer,
            staff_customer_scope,
            staff_shop_ids,
            staff_whole_customer_scope,
        )

        register_export(self.label, gdpr.export_shop_data)
        register_erasure(self.label, gdpr.erase_shop_data)
        register_erasure_check(self.label, gdpr.check_shop_erasure)
        register_customer_scope(staff_customer_scope)
        register_shop_limit(staff_shop_ids)
        register_whole_customer_scope(staff_whole_customer_scope)
        register_customer_shops(shops_of_customer)
        register_timeline_rules()
        register_user_annotation(LIMIT_ATTRIBUTE, shop_limit_id_of_user)
