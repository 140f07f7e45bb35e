"""The desk's policies and knowledge: goodwill, limits, house rules, macros, articles, crisis
plans and incidents."""

from django.urls import path

from stammkunde.ui.service import case_desk, goodwill, incidents, knowledge, policies

urlpatterns = [
    path("service/goodwill/", goodwill.goodwill_list, name="goodwill-list"),
    path("service/goodwill/new/<int:customer_id>/", goodwill.goodwill_new, name="goodwill-new"),
    path("service/goodwill/<int:pk>/decide/", goodwill.goodwill_decide, name="goodwill-decide"),
    path("service/goodwill/report/", goodwill.goodwill_report, name="goodwill-report"),
    path("service/vouchers/export/", goodwill.voucher_export, name="voucher-export"),
    path("service/policies/", policies.policy_settings, name="desk-policies"),
    path("service/standards/", policies.standards, name="standards"),
    path("service/refunds/", policies.refund_clock_list, name="refund-clock-list"),
    path("service/crisis-plans/", policies.crisis_plan_list, name="crisis-plan-list"),
    path("service/crisis-plans/<int:pk>/", policies.crisis_plan_edit, name="crisis-plan-edit"),
    path("service/macros/", knowledge.macro_list, name="macro-list"),
    path("service/macros/new/", knowledge.macro_edit, name="macro-new"),
    path("service/macros/<int:pk>/", knowledge.macro_edit, name="macro-edit"),
    path("service/knowledge/", knowledge.article_list, name="article-list"),
    path("service/knowledge/new/", knowledge.article_edit, name="article-new"),
    path("service/knowledge/<int:pk>/", knowledge.article_edit, name="article-edit"),
    path("service/knowledge/help-page/", knowledge.help_settings, name="help-settings"),
    path("service/knowledge/suggest/", knowledge.article_suggest, name="article-suggest"),
    path("service/knowledge/<int:pk>/use/", case_desk.article_use, name="article-use"),
    path(
        "service/cases/<int:case_id>/steps/<int:step_id>/",
        case_desk.step_tick,
        name="case-step-tick",
    ),
    path(
        "service/cases/<int:case_id>/macros/<int:macro_id>/",
        case_desk.macro_use,
        name="case-macro-use",
    ),
    path("service/incidents/", incidents.incident_list, name="incident-list"),
    path("service/incidents/<int:pk>/", incidents.incident_detail, name="incident-detail"),
]
