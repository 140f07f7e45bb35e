"""The desk's administration pages and staff limited to shops (``service/admin_scope.py``):
another shop's team is 404, a change of something desk-wide is 403; both leave a REFUSE
row."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from stammkunde.service.admin_scope import may_change_desk_wide, may_manage_team
from stammkunde.service.models import Team


def managed_team(request: HttpRequest, pk: int, detail: str) -> Team:
    """Team ``pk`` if the user may administer it, else 404."""
    team = get_object_or_404(Team, pk=pk)
    if not may_manage_team(team, by=request.user, detail=detail):
        raise Http404
    return team


def require_desk_wide(request: HttpRequest, what: str) -> None:
    """403 unless the user may change what is set for the whole desk."""
    if not may_change_desk_wide(by=request.user, what=what):
        raise PermissionDenied
