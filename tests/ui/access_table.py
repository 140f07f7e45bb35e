"""Who may open which page: one row per URL name of the URLconf (``tests/ui/test_access.py``
walks every pattern and fails on one that has no row here).

A row names the roles that may open the page; everyone else is turned away (anonymous users
to the login page, logged-in users with a 403 or 404). Add the row of your page here when you
add the page, with the permission its view checks; the API's operations are in
``tests/api/access_table.py``.

The roles: ``anonymous`` (not logged in), ``no role`` (logged in, in no group), the groups of
``ui/roles.py``, ``admin`` (in the Admin group and ``is_staff``, the Django admin's door) and
``superuser``. Only ``admin`` and ``superuser`` are staff in Django's sense.

``params`` name the world object (``tests/ui/access_world.py``: ``world``) whose primary key
fills each URL parameter; ``method`` is how the page is requested (POST-only views get an empty
POST, rolled back); ``htmx`` also requests the page as the htmx fragment it serves to
``HX-Target``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
NO_ROLE = "no role"
AGENT = "agent"
MEDIATOR = "mediator"
TEAM_LEAD = "team lead"
MARKETING = "marketing"
ADMIN = "admin"
SUPERUSER = "superuser"

ROLES = (ANONYMOUS, NO_ROLE, AGENT, MEDIATOR, TEAM_LEAD, MARKETING, ADMIN, SUPERUSER)

NOBODY: frozenset[str] = frozenset()
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {ANONYMOUS}
ADMINS = frozenset({ADMIN, SUPERUSER})
SUPERUSERS = frozenset({SUPERUSER})
# customers.view_customer and the other reads of ui/roles.py's _READ
READERS = frozenset({AGENT, MEDIATOR, TEAM_LEAD, MARKETING, ADMIN, SUPERUSER})
# customers.change_customer, customers.add_contact_note (_SERVICE)
SERVICE = frozenset({AGENT, MEDIATOR, TEAM_LEAD, ADMIN, SUPERUSER})
# customers.merge_customers, analytics.run_scoring
LEADS = frozenset({TEAM_LEAD, ADMIN, SUPERUSER})
# analytics.view_dashboard, analytics.view_segment
ANALYSTS = frozenset({TEAM_LEAD, MARKETING, ADMIN, SUPERUSER})
# analytics.manage_segments, analytics.export_segment
MARKETERS = frozenset({MARKETING, ADMIN, SUPERUSER})
# shop.import_data (the CSV import in the web UI)
IMPORTERS = frozenset({TEAM_LEAD, ADMIN, SUPERUSER})


@dataclass(frozen=True)
class Row:
    """Who may open one URL, and how the test requests it."""

    roles: frozenset[str]
    params: dict[str, str] = field(default_factory=dict)
    method: str = "GET"
    query: dict[str, str] = field(default_factory=dict)
    htmx: str = ""
    logs_out: bool = False
    why: str = ""


def admin_model(
    app_label: str,
    model: str,
    *,
    view: frozenset[str] = ADMINS,
    add: frozenset[str] = ADMINS,
    change: frozenset[str] = ADMINS,
    delete: frozenset[str] = ADMINS,
) -> dict[str, Row]:
    """The Django admin's pages of one model (the world object ``<app_label>_<model>``).

    ``change`` is the change page as GET: a user with only the view permission gets it read-only,
    so it is open to ``view | change``. The bare object URL redirects there for every staff user.
    """
    label = f"{app_label}_{model}"
    obj = {"object_id": label}
    return {
        f"admin:{label}_changelist": Row(view | change),
        f"admin:{label}_add": Row(add),
        f"admin:{label}_change": Row(view | change, params=obj),
        f"admin:{label}_history": Row(view | change, params=obj),
        f"admin:{label}_delete": Row(delete, params=obj),
        f"admin/{app_label}/{model}/<path:object_id>/": Row(ADMINS, params=obj),
    }


# users and groups: Admin may look (ui/roles.py), only superusers change them (ui/admin.py)
SUPERUSERS_CHANGE = {"add": SUPERUSERS, "change": SUPERUSERS, "delete": SUPERUSERS}
# customers, consents, orders, audit rows: changed only through the services (core/admin_tools)
READ_ONLY = {"add": NOBODY, "change": NOBODY, "delete": NOBODY}

ACCESS: dict[str, Row] = {
    # --- the shared pages ---
    "ui:home": Row(LOGGED_IN, why="shows only the sections the user's permissions allow"),
    "ui:login": Row(EVERYONE),
    "ui:logout": Row(EVERYONE, method="POST", logs_out=True),
    "set_language": Row(EVERYONE, method="POST"),
    # --- customers ---
    "ui:customer-list": Row(READERS, htmx="results"),
    "ui:customer-detail": Row(READERS, params={"pk": "customer"}),
    "ui:customer-timeline": Row(READERS, params={"pk": "customer"}, htmx="timeline"),
    "ui:customer-add-note": Row(SERVICE, params={"pk": "customer"}, method="POST"),
    "ui:customer-log-call": Row(SERVICE, params={"pk": "customer"}, method="POST"),
    "ui:customer-edit": Row(SERVICE, params={"pk": "customer"}),
    "ui:customer-consent": Row(
        SERVICE, params={"pk": "customer"}, method="POST", htmx="consent-card"
    ),
    "ui:customer-tags": Row(SERVICE, params={"pk": "customer"}, method="POST", htmx="tags-card"),
    "ui:customer-address": Row(SERVICE, params={"pk": "customer"}),
    # --- identity ---
    "ui:duplicate-list": Row(READERS),
    "ui:duplicate-dismiss": Row(LEADS, method="POST"),
    "ui:customer-merge": Row(LEADS, params={"pk": "customer"}),
    # --- connectors ---
    "ui:import-new": Row(IMPORTERS),
    "ui:import-detail": Row(IMPORTERS, params={"pk": "csv_upload"}),
    "ui:import-start": Row(
        IMPORTERS, params={"pk": "csv_upload"}, method="POST", why="422: already imported"
    ),
    "ui:import-progress": Row(IMPORTERS, params={"pk": "csv_upload"}),
    "ui:import-errors": Row(IMPORTERS, params={"pk": "csv_upload"}),
    "ui:shop-list": Row(ADMINS),
    "ui:shop-add": Row(ADMINS),
    "ui:shop-detail": Row(ADMINS, params={"pk": "connection"}),
    "ui:inbox": Row(ADMINS),
    "ui:delivery-detail": Row(ADMINS, params={"pk": "delivery"}),
    "ui:delivery-reprocess": Row(ADMINS, params={"pk": "delivery"}, method="POST"),
    "ui:event-list": Row(ADMINS),
    "ui:event-redeliver": Row(ADMINS, params={"pk": "event_delivery"}, method="POST"),
    # --- analytics ---
    "ui:dashboard": Row(ANALYSTS),
    "ui:analytics-run": Row(LEADS, method="POST"),
    "ui:goals": Row(ANALYSTS),
    "ui:segment-list": Row(ANALYSTS),
    "ui:segment-add": Row(MARKETERS),
    "ui:segment-detail": Row(ANALYSTS, params={"pk": "segment"}),
    "ui:segment-edit": Row(MARKETERS, params={"pk": "segment"}),
    "ui:segment-delete": Row(MARKETERS, params={"pk": "segment"}, method="POST"),
    "ui:segment-export": Row(MARKETERS, params={"pk": "segment"}),
    # --- the service desk's policies and knowledge (ui/service/desk_urls.py) ---
    "ui:goodwill-list": Row(SERVICE),
    "ui:goodwill-new": Row(SERVICE, params={"customer_id": "customer"}),
    "ui:goodwill-decide": Row(LEADS, params={"pk": "goodwill"}, method="POST"),
    "ui:goodwill-report": Row(LEADS),
    "ui:voucher-export": Row(LEADS, method="POST"),
    "ui:desk-policies": Row(LEADS),
    "ui:standards": Row(SERVICE),
    "ui:crisis-plan-list": Row(SERVICE),
    "ui:crisis-plan-edit": Row(LEADS, params={"pk": "crisis_plan"}),
    "ui:macro-list": Row(SERVICE),
    "ui:macro-new": Row(LEADS),
    "ui:macro-edit": Row(LEADS, params={"pk": "macro"}),
    "ui:article-list": Row(SERVICE),
    "ui:article-new": Row(LEADS),
    "ui:article-edit": Row(LEADS, params={"pk": "article"}),
    "ui:help-settings": Row(LEADS),
    "ui:article-suggest": Row(SERVICE, query={"text": "Lieferung"}),
    "ui:incident-list": Row(SERVICE),
    "ui:incident-detail": Row(SERVICE, params={"pk": "incident"}),
    # --- the public help page (service/public/): no login, for the shop's customers ---
    "help-center": Row(EVERYONE),
    "help-article": Row(EVERYONE, params={"pk": "article"}),
    "help-contact": Row(EVERYONE, method="POST"),
    "ui:refund-clock-list": Row(SERVICE),
    # --- messaging (ui/messaging/): the Drehbuch and templates are read by every role with
    # customer access; team leads edit every mail, marketing the marketing ones (the world's
    # trigger and template are marketing ones); campaigns: team lead and marketing see them,
    # marketing runs them ---
    "ui:drehbuch": Row(READERS),
    "ui:trigger-add": Row(ANALYSTS),
    "ui:trigger-edit": Row(READERS, params={"pk": "trigger"}),
    "ui:trigger-switch": Row(ANALYSTS, params={"pk": "trigger"}, method="POST"),
    "ui:template-add": Row(ANALYSTS),
    "ui:template-edit": Row(READERS, params={"pk": "template"}),
    "ui:template-preview": Row(READERS, params={"pk": "template"}, method="POST"),
    # A preview exists only for the user who rendered it: every role gets a 404 for the world's
    # key (tests/ui/test_mail_frames.py covers the preview itself).
    "ui:template-preview-html": Row(
        NOBODY, params={"pk": "template", "key": "template"}, why="404 without a preview"
    ),
    "ui:template-test": Row(READERS, params={"pk": "template"}, method="POST"),
    "ui:campaign-list": Row(ANALYSTS),
    "ui:campaign-add": Row(MARKETERS),
    "ui:campaign-detail": Row(ANALYSTS, params={"pk": "campaign"}),
    "ui:campaign-action": Row(MARKETERS, params={"pk": "campaign"}, method="POST"),
    # --- the outbox and the suppression list (team lead, marketing; uncertain mails: team lead)
    "ui:outbox-list": Row(ANALYSTS),
    "ui:outbox-resolve": Row(LEADS, params={"pk": "outbound"}, method="POST"),
    "ui:suppression-list": Row(ANALYSTS),
    "ui:suppression-add": Row(ANALYSTS, method="POST"),
    "ui:suppression-remove": Row(ANALYSTS, method="POST"),
    "ui:consent-proof": Row(READERS, params={"pk": "customer"}),
    # --- cases (ui/service/case_urls.py): service.work_cases or mediate_cases; teams, routing
    # and the report are the team lead's ---
    "ui:case-queue": Row(SERVICE),
    "ui:case-detail": Row(SERVICE, params={"pk": "case"}),
    # The world's case has no mail with HTML: every role that passes the check gets a 404
    # (tests/ui/test_mail_frames.py covers the mail itself).
    "ui:case-message-html": Row(
        NOBODY, params={"pk": "case", "message_id": "case"}, why="404 without an HTML mail"
    ),
    "ui:case-new": Row(SERVICE, params={"customer_id": "customer"}),
    "ui:case-reply": Row(SERVICE, params={"pk": "case"}, method="POST"),
    "ui:case-note": Row(SERVICE, params={"pk": "case"}, method="POST"),
    "ui:case-status": Row(SERVICE, params={"pk": "case"}, method="POST"),
    "ui:case-assign": Row(SERVICE, params={"pk": "case"}, method="POST"),
    "ui:case-escalate": Row(SERVICE, params={"pk": "case"}, method="POST"),
    "ui:case-merge": Row(SERVICE, params={"pk": "case"}, method="POST"),
    "ui:case-split": Row(SERVICE, params={"pk": "case"}, method="POST"),
    "ui:case-move-to-order-customer": Row(SERVICE, params={"pk": "case"}, method="POST"),
    "ui:team-list": Row(LEADS),
    "ui:team-edit": Row(LEADS, params={"pk": "team"}),
    "ui:team-member-set": Row(LEADS, params={"pk": "team"}, method="POST"),
    "ui:team-standard-set": Row(LEADS, params={"pk": "team"}, method="POST"),
    "ui:absence-list": Row(LEADS),
    "ui:routing-rules": Row(LEADS),
    "ui:routing-rule-edit": Row(LEADS, params={"pk": "routing_rule"}),
    "ui:routing-rule-new": Row(LEADS),
    "ui:service-report": Row(LEADS),
    # --- inbound mail (ui/mail/): the inbox is the team lead's, the original for whoever has
    # service.download_raw_mail (team lead, admin), attachments for the desk ---
    "ui:inbound-mail-list": Row(LEADS),
    "ui:inbound-mail-detail": Row(LEADS, params={"pk": "inbound_mail"}),
    "ui:inbound-mail-original": Row(LEADS, params={"pk": "inbound_mail"}),
    "ui:inbound-mail-reprocess": Row(LEADS, params={"pk": "inbound_mail"}, method="POST"),
    # KNOWN GAP: the world's attachment has no stored file, so every role gets the 404 of a
    # missing file; the view checks service.view_attachment (the desk: SERVICE). Store a file
    # in the world and set SERVICE here.
    "ui:inbound-attachment": Row(NOBODY, params={"pk": "attachment"}, why="no file stored"),
    # --- the desk inside a case (ui/service/case_desk.py): service.view_case ---
    "ui:article-use": Row(SERVICE, params={"pk": "article"}, method="POST"),
    "ui:case-step-tick": Row(
        SERVICE, params={"case_id": "case", "step_id": "crisis_step"}, method="POST"
    ),
    "ui:case-macro-use": Row(
        SERVICE, params={"case_id": "case", "macro_id": "macro"}, method="POST"
    ),
    # --- logins (ui/security/): lockouts for admins (logins.manage_lockouts), one's own
    # settings and second factor for everyone logged in, the password reset for everyone ---
    "ui:lockout-list": Row(ADMINS),
    "ui:lockout-lift": Row(ADMINS, method="POST"),
    "ui:account-settings": Row(LOGGED_IN),
    "ui:two-factor": Row(LOGGED_IN),
    "ui:two-factor-setup": Row(LOGGED_IN),
    "ui:two-factor-backup": Row(LOGGED_IN, method="POST"),
    "ui:two-factor-remove": Row(LOGGED_IN, method="POST"),
    "ui:two-factor-verify": Row(LOGGED_IN),
    "ui:password-reset": Row(EVERYONE),
    "ui:password-reset-sent": Row(EVERYONE),
    "ui:password-reset-confirm": Row(
        EVERYONE, params={"uidb64": "wrong_token", "token": "wrong_token"}
    ),
    "ui:password-reset-done": Row(EVERYONE),
    "messaging:click": Row(EVERYONE, params={"token": "wrong_token"}),
    # --- privacy (ui/privacy/): customers.view_privacy, export_customer_data, erase_customer,
    # view_audit_trail are the team lead's and the admin's ---
    "ui:customer-privacy": Row(LEADS, params={"pk": "customer"}),
    "ui:customer-export-json": Row(LEADS, params={"pk": "customer"}),
    "ui:customer-export-html": Row(LEADS, params={"pk": "customer"}),
    "ui:customer-erase": Row(LEADS, params={"pk": "customer"}, method="POST"),
    # restriction of processing (Art. 18): customers.erase_customer; an empty POST gets the
    # form error (a redirect back), lifting an unrestricted customer changes nothing
    "ui:customer-restrict": Row(LEADS, params={"pk": "customer"}, method="POST"),
    "ui:customer-lift-restriction": Row(LEADS, params={"pk": "customer"}, method="POST"),
    "ui:audit-trail": Row(LEADS),
    "ui:privacy-requests": Row(LEADS),
    "ui:privacy-retention": Row(LEADS),
    "ui:processing-record": Row(LEADS),
    # --- a customer's signed links from mails (messaging/urls.py): no login; a wrong token is
    # answered with the refusal page (400) whoever asks ---
    "messaging:unsubscribe": Row(EVERYONE, params={"token": "wrong_token"}),
    "messaging:confirm": Row(EVERYONE, params={"token": "wrong_token"}),
    "messaging:preferences": Row(EVERYONE, params={"token": "wrong_token"}),
    # --- the API's token pages (api/staff_urls.py) ---
    "api-tokens:list": Row(ADMINS),
    "api-tokens:add": Row(ADMINS),
    "api-tokens:revoke": Row(ADMINS, params={"pk": "token"}, method="POST"),
    # --- machines: authenticated by their own secret, tested in tests/connectors ---
    "connectors:webhook": Row(
        NOBODY,
        params={"shop_slug": "shop_slug", "token": "wrong_token"},
        method="POST",
        why="a shop's webhook; a wrong token is a 404 for everyone",
    ),
    # --- the Django admin (staff only: admin and superuser) ---
    "admin:index": Row(ADMINS),
    "admin:login": Row(EVERYONE),
    "admin:logout": Row(EVERYONE, method="POST", logs_out=True),
    "admin:password_change": Row(ADMINS),
    "admin:password_change_done": Row(ADMINS),
    "admin:jsi18n": Row(ADMINS),
    "admin:autocomplete": Row(NOBODY, why="no model declares autocomplete fields"),
    "admin:view_on_site": Row(
        ADMINS, params={"content_type_id": "customer_type", "object_id": "customer"}
    ),
    "admin:app_list": Row(ADMINS, params={"app_label": "customers_app"}),
    "admin/(?P<url>.*)$": Row(
        NOBODY, params={"url": "no_such_page"}, why="the admin's catch-all: 404 or login"
    ),
    **admin_model("auth", "user", **SUPERUSERS_CHANGE),
    "admin:auth_user_password_change": Row(SUPERUSERS, params={"id": "auth_user"}),
    **admin_model("auth", "group", **SUPERUSERS_CHANGE),
    # the task results' admin of django-tasks-db shows them read-only; Admin has no permission
    **admin_model(
        "django_tasks_database",
        "dbtaskresult",
        view=SUPERUSERS,
        add=NOBODY,
        change=NOBODY,
        delete=NOBODY,
    ),
    **admin_model("audit", "auditentry", **READ_ONLY),
    **admin_model("customers", "customer", **READ_ONLY),
    **admin_model("customers", "tag"),
    **admin_model("customers", "consentevent", **READ_ONLY),
    **admin_model("shop", "shop"),
    **admin_model("shop", "order", **READ_ONLY),
    **admin_model("shop", "product"),
    # staff limited to shops: set by admins, through shop.services.limit_staff_to_shops
    **admin_model("shop", "staffshoplimit"),
    **admin_model("connectors", "shopconnection"),
    **admin_model("connectors", "webhookdelivery", add=NOBODY),
    **admin_model("connectors", "backfillrun"),
    **admin_model("analytics", "customerscore", add=NOBODY, change=NOBODY),
    **admin_model("analytics", "scoringrun", add=NOBODY, change=NOBODY),
    **admin_model("analytics", "analyticssettings", add=NOBODY, delete=NOBODY),
    **admin_model("api", "apitoken", add=NOBODY),
    **admin_model("logins", "rolesecurity"),
    **admin_model("logins", "securityevent", **READ_ONLY),
    # django-axes and django-otp: not in the Admin group's apps, so superusers only
    **admin_model(
        "axes", "accessattempt", view=SUPERUSERS, add=NOBODY, change=NOBODY, delete=NOBODY
    ),
    **admin_model(
        "axes", "accessfailurelog", view=SUPERUSERS, add=NOBODY, change=NOBODY, delete=NOBODY
    ),
    **admin_model("otp_static", "staticdevice", **SUPERUSERS_CHANGE, view=SUPERUSERS),
    **admin_model("otp_totp", "totpdevice", **SUPERUSERS_CHANGE, view=SUPERUSERS),
    # Django's history view redirects to the admin index before it checks the permission when
    # the object is not in the user's queryset (axes hides the attempts from non-superusers):
    # a redirect, but no data.
    "admin:axes_accessattempt_history": Row(
        ADMINS, params={"object_id": "axes_accessattempt"}, why="redirect without data"
    ),
    "admin:otp_totp_totpdevice_config": Row(SUPERUSERS, params={"pk": "otp_totp_totpdevice"}),
    "admin:otp_totp_totpdevice_qrcode": Row(SUPERUSERS, params={"pk": "otp_totp_totpdevice"}),
}


# Staff limited to shops (``shop.StaffShopLimit``): these pages show or change one customer,
# their case, their orders or their mail, and answer 404 with a REFUSE audit row when the
# customer has no account and no order in the user's shops; running a campaign (which reaches
# every shop) is refused the same way. ``tests/ui/test_access.py`` opens each of them with a
# team lead (or, where only marketing may, a marketer) limited to a shop the world's customer
# has nothing in, and opens every other page as that user to check that it shows nothing of
# the world's customer.
SHOP_SCOPED: frozenset[str] = frozenset(
    {
        "ui:customer-detail",
        "ui:customer-timeline",
        "ui:customer-add-note",
        "ui:customer-log-call",
        "ui:customer-edit",
        "ui:customer-consent",
        "ui:customer-tags",
        "ui:customer-address",
        "ui:consent-proof",
        "ui:customer-privacy",
        "ui:customer-export-json",
        "ui:customer-export-html",
        "ui:customer-restrict",
        "ui:customer-lift-restriction",
        "ui:case-detail",
        "ui:case-new",
        "ui:case-reply",
        "ui:case-note",
        "ui:case-status",
        "ui:case-assign",
        "ui:case-escalate",
        "ui:case-merge",
        "ui:case-split",
        "ui:case-move-to-order-customer",
        "ui:case-step-tick",
        "ui:case-macro-use",
        "ui:goodwill-new",
        "ui:goodwill-decide",
        "ui:outbox-resolve",
        "ui:inbound-mail-detail",
        "ui:inbound-mail-original",
        "ui:inbound-mail-reprocess",
        "ui:campaign-add",
        "ui:campaign-action",
        # an upload belongs to one shop; its file holds that shop's buyers
        "ui:import-detail",
        "ui:import-start",
        "ui:import-progress",
        "ui:import-errors",
        # a team without a shop (the world's) serves every shop: unlimited leads only
        "ui:team-edit",
        "ui:team-member-set",
        "ui:team-standard-set",
    }
)

# What is set once for the whole desk and acts on every shop's cases (service/admin_scope.py):
# a lead (or admin) limited to shops reads it but changes none of it; these pages answer 403
# and leave a REFUSE row (tests/ui/test_access_shop_limit.py).
DESK_WIDE: frozenset[str] = frozenset(
    {
        "ui:routing-rule-edit",
        "ui:routing-rule-new",
        "ui:crisis-plan-edit",
        "ui:macro-new",
        "ui:macro-edit",
        "ui:article-new",
        "ui:article-edit",
        "ui:help-settings",
    }
)
