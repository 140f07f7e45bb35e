"""The case queue, the case page and its actions, opening a case, teams and reports."""

from django.urls import path

from stammkunde.ui.service import case_actions, case_reports, case_teams, cases, team_admin

urlpatterns = [
    path("service/cases/", cases.case_queue, name="case-queue"),
    path("service/cases/<int:pk>/", cases.case_detail, name="case-detail"),
    path(
        "service/cases/<int:pk>/messages/<int:message_id>/html/",
        cases.case_message_html,
        name="case-message-html",
    ),
    path("service/cases/new/<int:customer_id>/", cases.case_new, name="case-new"),
    path("service/cases/<int:pk>/reply/", case_actions.case_reply, name="case-reply"),
    path("service/cases/<int:pk>/note/", case_actions.case_note, name="case-note"),
    path("service/cases/<int:pk>/status/", case_actions.case_status, name="case-status"),
    path("service/cases/<int:pk>/assign/", case_actions.case_assign, name="case-assign"),
    path("service/cases/<int:pk>/escalate/", case_actions.case_escalate, name="case-escalate"),
    path("service/cases/<int:pk>/merge/", case_actions.case_merge, name="case-merge"),
    path("service/cases/<int:pk>/split/", case_actions.case_split, name="case-split"),
    path(
        "service/cases/<int:pk>/move-to-order-customer/",
        case_actions.case_move_to_order_customer,
        name="case-move-to-order-customer",
    ),
    path("service/teams/", case_teams.team_list, name="team-list"),
    path("service/teams/<int:pk>/", case_teams.team_edit, name="team-edit"),
    path("service/teams/<int:pk>/members/", team_admin.team_member_set, name="team-member-set"),
    path(
        "service/teams/<int:pk>/standards/",
        team_admin.team_standard_set,
        name="team-standard-set",
    ),
    path("service/absences/", team_admin.absence_list, name="absence-list"),
    path("service/routing/", case_teams.routing_rules, name="routing-rules"),
    path("service/routing/<int:pk>/", case_teams.routing_rule_edit, name="routing-rule-edit"),
    path("service/routing/new/", case_teams.routing_rule_edit, name="routing-rule-new"),
    path("service/reports/", case_reports.service_report, name="service-report"),
]
