"""URLs of the staff UI's messaging pages (included by ui/urls.py, so their names are ui:...)."""

from django.urls import path

from stammkunde.ui.messaging import campaigns, drehbuch, editor, outbox

urlpatterns = [
    path("messaging/drehbuch/", drehbuch.drehbuch, name="drehbuch"),
    path("messaging/drehbuch/add/", drehbuch.trigger_add, name="trigger-add"),
    path("messaging/drehbuch/<int:pk>/", drehbuch.trigger_edit, name="trigger-edit"),
    path("messaging/drehbuch/<int:pk>/switch/", drehbuch.trigger_switch, name="trigger-switch"),
    path("messaging/templates/add/", editor.template_add, name="template-add"),
    path("messaging/templates/<int:pk>/", editor.template_edit, name="template-edit"),
    path("messaging/templates/<int:pk>/preview/", editor.template_preview, name="template-preview"),
    path(
        "messaging/templates/<int:pk>/preview/<str:key>/",
        editor.template_preview_html,
        name="template-preview-html",
    ),
    path("messaging/templates/<int:pk>/test/", editor.template_test, name="template-test"),
    path("messaging/campaigns/", campaigns.campaign_list, name="campaign-list"),
    path("messaging/campaigns/add/", campaigns.campaign_add, name="campaign-add"),
    path("messaging/campaigns/<int:pk>/", campaigns.campaign_detail, name="campaign-detail"),
    path("messaging/campaigns/<int:pk>/action/", campaigns.campaign_action, name="campaign-action"),
    path("messaging/outbox/", outbox.outbox_list, name="outbox-list"),
    path("messaging/outbox/<int:pk>/resolve/", outbox.outbox_resolve, name="outbox-resolve"),
    path("messaging/suppression/", outbox.suppression_list, name="suppression-list"),
    path("messaging/suppression/add/", outbox.suppression_add, name="suppression-add"),
    path("messaging/suppression/remove/", outbox.suppression_remove, name="suppression-remove"),
    path("customers/<int:pk>/consent-proof/", outbox.consent_proof_page, name="consent-proof"),
]
