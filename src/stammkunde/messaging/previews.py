"""The editor's live preview: a template rendered with a real customer's and order's data (or
the documented examples), with the "reads as personal" findings. Reading a customer for a
preview is audited here, once per preview, with the acting staff member. Staff limited to
shops preview with their shops' customers and orders only: another's is "not found", with a
REFUSE row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from stammkunde.audit.models import AuditAction
from stammkunde.audit.services import audit
from stammkunde.core.keys import normalize_email
from stammkunde.customers.models import Customer
from stammkunde.messaging import personal_check
from stammkunde.messaging.mail_data import Sender, mail_data
from stammkunde.messaging.rendering import TemplateError, TemplateProblem, render_message
from stammkunde.messaging.services.templates import template_problems
from stammkunde.messaging.template_variables import example_context
from stammkunde.shop.models import Order
from stammkunde.shop.visibility import (
    limit_customers,
    limit_orders,
    record_refused,
    staff_shop_ids,
)


@dataclass
class Preview:
    subject: str = ""
    text: str = ""
    html: str = ""
    problems: dict[str, list[TemplateProblem]] = field(default_factory=dict)
    findings: tuple[personal_check.Finding, ...] = ()
    customer: Customer | None = None
    order: Order | None = None
    not_found: bool = False

    @property
    def blocking(self) -> tuple[personal_check.Finding, ...]:
        return tuple(f for f in self.findings if f.severity is personal_check.Severity.BLOCKING)


def _find(
    customer_key: str, order_number: str, by: Any
) -> tuple[Customer | None, Order | None, bool]:
    customer, order = None, None
    key = (customer_key or "").strip()
    shop_ids = staff_shop_ids(by)
    if order_number.strip():
        found = Order.objects.filter(number=order_number.strip())
        order = (
            limit_orders(found, shop_ids)
            .select_related("customer", "shop")
            .order_by("-placed_at")
            .first()
        )
        if order is None:
            if shop_ids is not None and found.exists():
                record_refused(by=by, object_type="shop.order", object_id=order_number.strip())
            return None, None, True
        customer = order.customer
    if key and customer is None:
        if key.isdigit():
            found = Customer.objects.filter(pk=int(key))
        else:
            found = Customer.objects.filter(email=normalize_email(key))
        customer = limit_customers(found, shop_ids).first()
        if customer is None:
            if shop_ids is not None and found.exists():
                record_refused(by=by, object_type="customers.customer", object_id=key)
            return None, None, True
    return customer, order, False


def preview_mail(
    *,
    subject: str,
    text_body: str,
    html_body: str,
    language: str,
    sender: Sender,
    has_order: bool,
    by: Any,
    customer_key: str = "",
    order_number: str = "",
) -> Preview:
    """Render the parts for the preview. ``customer_key`` is a customer's number or e-mail,
    ``order_number`` an order's number (its customer is used); without either, the examples."""
    problems = template_problems(subject=subject, text_body=text_body, html_body=html_body)
    if problems:
        return Preview(problems=problems)
    customer, order, not_found = _find(customer_key, order_number, by)
    if not_found:
        return Preview(not_found=True)
    greeting, order_ref, products, shop_name = None, None, (), ""
    if customer is not None:
        if order is None and has_order:
            order = (
                limit_orders(Order.objects.filter(customer=customer), staff_shop_ids(by))
                .select_related("shop")
                .order_by("-placed_at")
                .first()
            )
        data = mail_data(
            customer=customer,
            sender=sender,
            order=order,
            case={"reference": "VG-10234", "subject": "…"},
            language=language,
            unsubscribe_url="https://example.invalid/unsubscribe",
        )
        audit(
            actor=by,
            action=AuditAction.VIEW,
            obj=customer,
            customer_id=customer.pk,
            fields=["first_name", "last_name", "email", "orders"],
            detail="mail preview",
        )
        context, greeting = data.context, data.greeting
        order_ref, products, shop_name = data.order_number, data.product_names, data.shop_name
    else:
        context = example_context()
        context["language"] = language
        context["sender"] = {"name": sender.name, "role": sender.role or None}
        if has_order:
            order_ref = context["order"]["number"]
            products = [line["name"] for line in context["order"]["lines"]]
        shop_name = context["shop"]["name"]
    try:
        rendered = render_message(subject=subject, text=text_body, html=html_body, context=context)
    except TemplateError as error:
        return Preview(problems={"render": [error.problem]}, customer=customer, order=order)
    check = personal_check.check_mail(
        personal_check.RenderedMail(
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            sender=sender.header,
            greeting=greeting,
            order_number=order_ref if has_order else None,
            product_names=tuple(products) if has_order else (),
            shop_name=shop_name,
        )
    )
    return Preview(
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        findings=check.findings,
        customer=customer,
        order=order,
    )
