"""The staff roles of DESIGN.md as Django groups, and the permissions each one carries.

Every ``migrate`` re-applies this table (``UiConfig.ready`` connects ``apply_roles`` to
``post_migrate``), so a permission added to a role reaches existing installations too.
"""

from __future__ import annotations

from typing import Any

SERVICE_AGENT = "Service agent"
MEDIATOR = "Mediator"
TEAM_LEAD = "Team lead"
MARKETING = "Marketing"
ADMIN = "Admin"

_READ = [
    "customers.view_customer",
    "customers.view_address",
    "customers.view_tag",
    "customers.view_consentevent",
    "shop.view_shop",
    "shop.view_order",
    "shop.view_orderline",
    "shop.view_shipment",
    "shop.view_return",
    "shop.view_refund",
    "shop.view_withdrawal",
    "timeline.view_activity",
    # The Drehbuch and its mails: everyone reads them; who edits which is below.
    "messaging.view_trigger",
    "messaging.view_messagetemplate",
    # Which messages a customer got, which were held back and why (the 360 page's panel).
    "messaging.view_senddecision",
]
_SERVICE = [
    *_READ,
    "customers.add_customer",
    "customers.change_customer",
    "customers.add_address",
    "customers.change_address",
    "customers.add_contact_note",
    "service.view_case",
    "service.work_cases",
    "service.view_team",
    # Files of inbound mail in the cases they work on.
    "service.view_attachment",
]

# The desk's policies and knowledge (goodwill, house rules, macros, articles): agents use them.
_DESK = [
    "service.grant_goodwill",
    "service.view_macro",
    "service.view_knowledgearticle",
    "service.view_crisisplan",
    "service.view_servicestandard",
    "service.view_incident",
    "service.view_refundclock",
]
# Team leads write them and decide above the agents' limits.
_DESK_LEAD = [
    "service.approve_goodwill",
    "service.manage_desk_policies",
    "service.view_goodwill_report",
    "service.manage_macros",
    "service.manage_knowledge",
    "service.manage_incidents",
    "shop.export_vouchers",
    # The outbox: decide on uncertain messages, keep the suppression list.
    "messaging.view_outboundmessage",
    "messaging.resolve_uncertain_message",
    "messaging.view_suppression",
    "messaging.manage_suppression",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    SERVICE_AGENT: [*_SERVICE, *_DESK],
    MEDIATOR: [*_SERVICE, *_DESK, "service.mediate_cases"],
    TEAM_LEAD: [
        *_SERVICE,
        *_DESK,
        *_DESK_LEAD,
        "service.mediate_cases",
        "service.manage_teams",
        "service.view_service_reports",
        "customers.view_audit_trail",
        "customers.view_privacy",
        "customers.export_customer_data",
        "customers.erase_customer",
        "customers.merge_customers",
        # The inbox of inbound mail: parked mails, re-processing, the originals.
        "service.view_inboundmail",
        "service.reprocess_inboundmail",
        "service.download_raw_mail",
        "shop.import_data",
        "customers.add_tag",
        "customers.change_tag",
        "analytics.view_dashboard",
        "analytics.manage_goals",
        "analytics.run_scoring",
        "analytics.view_segment",
        # Team leads edit every mail and trigger and see the campaigns.
        "messaging.edit_all_templates",
        "messaging.view_campaign",
    ],
    MARKETING: [
        *_READ,
        "customers.add_tag",
        "customers.change_tag",
        "analytics.view_dashboard",
        "analytics.view_segment",
        "analytics.manage_segments",
        "analytics.export_segment",
        # Marketing edits the mails of marketing purposes and runs campaigns.
        "messaging.edit_marketing_templates",
        "messaging.view_campaign",
        "messaging.run_campaigns",
        "messaging.view_outboundmessage",
        "messaging.view_suppression",
        "messaging.manage_suppression",
    ],
    ADMIN: "__all__",  # type: ignore[dict-item]
}

# The Admin group holds every permission of these apps ...
ADMIN_APPS = (
    "core",
    "audit",
    "timeline",
    "customers",
    "shop",
    "connectors",
    "analytics",
    "messaging",
    "service",
    "api",
    "logins",
)
# ... and of ``auth`` only these: with ``auth.change_user`` or ``auth.change_group`` an admin
# could make itself superuser or grant itself any permission. Creating superusers and changing
# groups is for superusers (the user and group admin refuse it to everyone else, too).
ADMIN_AUTH_PERMISSIONS = ("view_user", "view_group")


def admin_permissions(permission_model: Any) -> Any:
    """The Admin group's permissions (a queryset of ``permission_model``)."""
    from django.db.models import Q

    return permission_model.objects.filter(
        Q(content_type__app_label__in=ADMIN_APPS)
        | Q(content_type__app_label="auth", codename__in=ADMIN_AUTH_PERMISSIONS)
    )


def apply_roles(apps: Any, schema_editor: Any = None, *, strict: bool = False) -> None:
    """Create or update the role groups (usable from data migrations with historical models).

    A data migration may run before the migration that creates a permission of the table; such
    codes are skipped there and granted by the ``post_migrate`` run at the end of ``migrate``,
    which is ``strict``: an unknown code is a typo in the table and fails loudly.
    """
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; a data migration needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = group_model.objects.get_or_create(name=role)
        if codes == "__all__":
            perms = admin_permissions(permission_model)
        else:
            perms = []
            for code in codes:
                app_label, codename = code.split(".")
                found = permission_model.objects.filter(
                    content_type__app_label=app_label, codename=codename
                ).first()
                if found is None and strict:
                    raise LookupError(f"Role {role!r} names the unknown permission {code!r}.")
                if found is not None:
                    perms.append(found)
        group.permissions.set(perms)
