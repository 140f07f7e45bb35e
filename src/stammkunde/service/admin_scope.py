"""What a team lead limited to shops may administer on the desk (issue 12).

One rule: a limited lead administers what belongs to their shops, and nothing that belongs
to no shop or to every shop. A team of shop X (``Team.shop``) and what hangs on it (its
members, opening hours and holidays, response-time standards) is shop X's; a team without a
shop serves every shop, so it is for unlimited leads only. The absences a limited lead sees
and records are those of the people working in their shops' teams. What is set once for the
whole desk acts on every shop's cases: the routing rules (tried in order on every shop's
mail: a rule of theirs could pull another shop's cases into their team), the default
resolution target, goodwill limits, crisis plans, macros, the knowledge base and help page.
Limited leads read and use those, and only unlimited leads change them. Another shop's team
is answered as if it did not exist (404); a change of something desk-wide is refused (403);
both leave a REFUSE row."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from stammkunde.service.models import Team, TeamMember
from stammkunde.shop.visibility import record_refused, staff_shop_ids


def managed_teams(teams: QuerySet[Team], by: Any) -> QuerySet[Team]:
    """``teams`` that ``by`` may administer: of their shops (all for unlimited leads)."""
    shop_ids = staff_shop_ids(by)
    return teams if shop_ids is None else teams.filter(shop_id__in=shop_ids)


def may_manage_team(team: Team, *, by: Any, detail: str) -> bool:
    """Whether ``by`` may administer ``team``; a refusal leaves a REFUSE row and is answered
    as "no such team" by the caller."""
    shop_ids = staff_shop_ids(by)
    if shop_ids is None or team.shop_id in shop_ids:
        return True
    record_refused(
        by=by,
        object_type="service.team",
        object_id=team.pk,
        detail=f"outside the staff member's shops: {detail}"[:200],
    )
    return False


def may_change_desk_wide(*, by: Any, what: str) -> bool:
    """Whether ``by`` may change something set for the whole desk (``what``: a routing rule,
    a goodwill limit, a macro ...): not a lead limited to shops. A refusal leaves a REFUSE
    row."""
    if staff_shop_ids(by) is None:
        return True
    record_refused(
        by=by,
        object_type="service.desk",
        object_id="",
        detail=f"desk-wide, the staff member is limited to shops: {what}"[:200],
    )
    return False


def managed_staff(by: Any) -> QuerySet[Any]:
    """The active staff whose absences ``by`` sees and records: everyone for unlimited
    leads; for leads limited to shops the members of their shops' teams."""
    users = get_user_model().objects.filter(is_active=True)
    shop_ids = staff_shop_ids(by)
    if shop_ids is None:
        return users
    members = TeamMember.objects.filter(team__shop_id__in=shop_ids).values("user_id")
    return users.filter(pk__in=members)


def absences_in_scope(absences: QuerySet[Any], by: Any) -> QuerySet[Any]:
    """``absences`` of the people ``by`` manages (``managed_staff``)."""
    shop_ids = staff_shop_ids(by)
    if shop_ids is None:
        return absences
    members = TeamMember.objects.filter(team__shop_id__in=shop_ids).values("user_id")
    return absences.filter(user_id__in=members)
