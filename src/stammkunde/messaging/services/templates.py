"""Saving message templates: every part validated in the sandbox, every version kept.

A template that a switched-on trigger uses must keep reading as personal: a change that would
give it a blocking finding is refused (switch the trigger off first).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.messaging import personal_check
from stammkunde.messaging.governor_terms import Purpose
from stammkunde.messaging.mail_data import Sender
from stammkunde.messaging.models import MessageTemplate, TemplateVersion, Trigger
from stammkunde.messaging.rendering import (
    TemplateKind,
    TemplateProblem,
    render_message,
    validate_template,
)
from stammkunde.messaging.template_variables import example_context

PARTS = (
    ("subject", TemplateKind.SUBJECT),
    ("text_body", TemplateKind.TEXT),
    ("html_body", TemplateKind.HTML),
)


class TemplateInvalid(ValueError):
    """The template cannot be saved; ``problems`` maps each part to what is wrong with it,
    ``findings`` holds the blocking findings of the personal check."""

    def __init__(
        self,
        problems: dict[str, list[TemplateProblem]] | None = None,
        findings: tuple[personal_check.Finding, ...] = (),
    ) -> None:
        self.problems = problems or {}
        self.findings = findings
        messages = [str(problem) for part in self.problems.values() for problem in part]
        messages += [str(finding) for finding in findings]
        super().__init__("; ".join(messages))


def may_edit(user: Any, purpose: str) -> bool:
    """Team leads edit every mail; marketing edits the mails of marketing purposes."""
    if user.has_perm("messaging.edit_all_templates"):
        return True
    return purpose != Purpose.TRANSACTIONAL and user.has_perm("messaging.edit_marketing_templates")


def template_problems(*, subject: str, text_body: str, html_body: str) -> dict[str, list]:
    """What is wrong with each part (empty dict: nothing)."""
    values = {"subject": subject, "text_body": text_body, "html_body": html_body}
    problems = {}
    for field, kind in PARTS:
        if field == "html_body" and not values[field].strip():
            continue
        found = validate_template(values[field], kind=kind)
        if found:
            problems[field] = found
    if not subject.strip():
        problems.setdefault("subject", []).append(
            TemplateProblem("render_error", None, {"detail": _("the subject is empty")})
        )
    if not text_body.strip():
        problems.setdefault("text_body", []).append(
            TemplateProblem("render_error", None, {"detail": _("the text part is empty")})
        )
    return problems


def check_parts(
    *,
    subject: str,
    text_body: str,
    html_body: str,
    sender: Sender,
    has_order: bool,
    context: dict[str, Any] | None = None,
    greeting: Any = None,
    order_number: str | None = None,
    product_names: list[str] | None = None,
    shop_name: str = "",
) -> personal_check.PersonalCheck:
    """The "reads as personal" check of a mail rendered with ``context`` (default: the
    documented examples, with the sender's name)."""
    if context is None:
        context = example_context()
        context["sender"] = {"name": sender.name, "role": sender.role or None}
        if has_order:
            order_number = context["order"]["number"]
            product_names = [line["name"] for line in context["order"]["lines"]]
        shop_name = context["shop"]["name"]
    rendered = render_message(subject=subject, text=text_body, html=html_body, context=context)
    return personal_check.check_mail(
        personal_check.RenderedMail(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            sender=sender.header,
            greeting=greeting,
            order_number=order_number if has_order else None,
            product_names=tuple(product_names or ()) if has_order else (),
            shop_name=shop_name,
        )
    )


def _active_triggers_using(template: MessageTemplate) -> list[Trigger]:
    uses = Q(template_de=template) | Q(template_en=template)
    return list(Trigger.objects.filter(uses, is_active=True))


def _refuse_if_unpersonal(template: MessageTemplate, values: dict[str, str]) -> None:
    from stammkunde.messaging.trigger_events import MOMENTS

    for trigger in _active_triggers_using(template):
        check = check_parts(
            **values,
            sender=Sender(trigger.sender_name, trigger.sender_address, trigger.sender_role),
            has_order=MOMENTS[trigger.event].has_order,
        )
        if check.blocking:
            raise TemplateInvalid(findings=check.blocking)


def _keep_version(template: MessageTemplate, by: Any) -> None:
    TemplateVersion.objects.create(
        template=template,
        version=template.version,
        subject=template.subject,
        text_body=template.text_body,
        html_body=template.html_body,
        saved_by=by if getattr(by, "is_authenticated", False) else None,
    )


@transaction.atomic
def create_template(
    *,
    by: Any,
    name: str,
    language: str,
    purpose: str,
    subject: str,
    text_body: str,
    html_body: str = "",
) -> MessageTemplate:
    """A new template, refused with ``TemplateInvalid`` when a part does not validate."""
    problems = template_problems(subject=subject, text_body=text_body, html_body=html_body)
    if problems:
        raise TemplateInvalid(problems)
    template = MessageTemplate.objects.create(
        name=name.strip()[:200] or subject[:200],
        language=language,
        purpose=Purpose(purpose),
        subject=subject,
        text_body=text_body,
        html_body=html_body,
        updated_by=by if getattr(by, "is_authenticated", False) else None,
    )
    _keep_version(template, by)
    audit(
        actor=by,
        action=AuditAction.CREATE,
        obj=template,
        fields=["subject", "text_body", "html_body"],
    )
    return template


@transaction.atomic
def update_template(
    template: MessageTemplate,
    *,
    by: Any,
    subject: str,
    text_body: str,
    html_body: str = "",
    name: str | None = None,
) -> MessageTemplate:
    """Save a new version of ``template``; refused when a part does not validate, or when a
    switched-on trigger uses it and the new text would not read as personal."""
    values = {"subject": subject, "text_body": text_body, "html_body": html_body}
    problems = template_problems(**values)
    if problems:
        raise TemplateInvalid(problems)
    _refuse_if_unpersonal(template, values)
    changed = [field for field, value in values.items() if getattr(template, field) != value]
    if name is not None and name.strip() and name.strip() != template.name:
        template.name = name.strip()[:200]
        changed.append("name")
    if not changed:
        return template
    for field, value in values.items():
        setattr(template, field, value)
    template.version += 1
    template.updated_by = by if getattr(by, "is_authenticated", False) else None
    template.save()
    _keep_version(template, by)
    audit(actor=by, action=AuditAction.CHANGE, obj=template, fields=changed)
    return template
