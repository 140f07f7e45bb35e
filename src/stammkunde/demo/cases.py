"""Service cases for the demo: team members, and a history of cases over the past weeks,
written once through the service desk's services in the order it happened, each step at its
own time (the services' ``opened_at``/``received_at``/``at``), so that the queue, the mediator's
escalations and the report look like a desk at work.

Customers write mostly in business hours, some in the evening or at the weekend. Most cases
are answered within the team's standard and solved within the resolution target; some are
answered late or solved late; some wait for the customer (the clock stops) and are solved after
the answer; some go to the mediator; a few are never answered and breach. The desk's periodic
check runs at each due time as the job would, which marks (and by the team's rule escalates)
the breaches. Goodwill comes with the answers: within the agent's limit granted at once, above
it waiting for the team lead, who approves (or declines) the next business day; the latest one
above the limit still waits. Whatever would happen after now has not happened yet: the
backlog."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.utils import timezone

from stammkunde.core.origin import Origin, event_origin
from stammkunde.customers.models import Customer
from stammkunde.service.business_hours import (
    CalendarError,
    add_business_minutes,
    business_time_between,
)
from stammkunde.service.clock import pauses_from_json
from stammkunde.service.models import Case, CaseStatus, Team
from stammkunde.service.services import cases as services
from stammkunde.service.services import desk_settings, teams
from stammkunde.service.services.goodwill import (
    GoodwillError,
    approve_goodwill,
    decline_goodwill,
    request_goodwill,
)
from stammkunde.service.services.monitoring import check_response_times
from stammkunde.service.services.threads import merge_cases

# (case type, subject, first message) as customers write them.
STORIES = [
    (
        "delivery_problem",
        "Paket nicht angekommen",
        "Meine Bestellung ist seit einer Woche unterwegs, der Link zeigt nichts Neues.",
    ),
    (
        "delivery_problem",
        "Wo bleibt meine Lieferung?",
        "Ich warte noch auf das Paket, können Sie nachsehen?",
    ),
    ("damaged_goods", "Tasse kam zerbrochen an", "Eine der Tassen war in Scherben, Foto anbei."),
    ("damaged_goods", "Mühle defekt", "Das Mahlwerk dreht, mahlt aber nicht mehr."),
    ("return", "Rücksendung Espresso-Set", "Ich möchte das Set zurückschicken, wie geht das?"),
    ("withdrawal", "Widerruf Bestellung", "Hiermit widerrufe ich meinen Kauf."),
    ("warranty_claim", "Garantiefall Wasserkocher", "Nach acht Monaten schaltet er nicht mehr ab."),
    ("question", "Entkoffeinierter Kaffee?", "Haben Sie auch entkoffeinierte Bohnen?"),
    (
        "complaint",
        "Beschwerde über den Versand",
        "Das ist jetzt das dritte Mal, dass etwas fehlt. Unverschämt!",
    ),
    (
        "complaint",
        "Falsche Sorte geliefert",
        "Bestellt habe ich Äthiopien, gekommen ist Brasilien.",
    ),
    ("other", "Rechnung als PDF", "Können Sie mir die Rechnung noch einmal schicken?"),
]
# How a case goes, with its weight: answered in time and solved in time; answered late; solved
# late; waiting for the customer, who answers days later; escalated to the mediator; never
# answered (breaches).
FATES = [
    ("in_time", 56),
    ("answered_late", 7),
    ("solved_late", 7),
    ("customer_waits", 18),
    ("mediator", 8),
    ("ignored", 4),
]
HISTORY_WEEKS = 8
BERLIN = ZoneInfo("Europe/Berlin")
CUSTOMER_ANSWERS = [
    "Danke, das Paket ist heute angekommen.",
    "Vielen Dank, das Foto hänge ich an.",
    "Die Bestellnummer steht oben, reicht das so?",
]
REPLIES = [
    "vielen Dank für Ihre Nachricht. Wir haben beim Versender nachgefragt und melden uns morgen.",
    "es tut uns leid! Wir schicken Ihnen heute noch Ersatz.",
    "das Rücksendeetikett finden Sie im Anhang; die Erstattung folgt am Tag des Eingangs.",
]


def cases_demo_exists() -> bool:
    return Case.objects.exists()


def ensure_cases_demo(*, count: int = 60, seed: int = 13, now: datetime | None = None) -> bool:
    """Staff the teams and write the history of ``count`` cases once; False if cases exist
    already."""
    if cases_demo_exists():
        return False
    staff = {
        user.username: user for user in User.objects.filter(username__in=["anna", "max", "lena"])
    }
    if "anna" not in staff or "lena" not in staff:
        return False
    for team in Team.objects.all():
        teams.set_team_member(team, staff["anna"], by=None)
        teams.set_team_member(team, staff["lena"], by=None, is_lead=True)
    customers = list(
        Customer.objects.filter(orders__isnull=False, email__isnull=False, merged_into__isnull=True)
        .distinct()
        .order_by("id")[: count * 2]
    )
    if not customers:
        return False
    history = _History(
        chooser=random.Random(seed),
        now=now or timezone.now(),
        agent=staff["anna"],
        mediator=staff.get("max") or staff["lena"],
        lead=staff["lena"],
    )
    count = min(count, len(customers))
    openings = sorted(history.opening_time() for _ in range(count))
    with event_origin(Origin.DEMO):
        for number, (customer, opened_at) in enumerate(zip(customers, openings, strict=False)):
            history.at(opened_at, lambda c=customer, n=number, t=opened_at: history.open(c, n, t))
        history.run()
        if history.written:
            # A customer who wrote twice about the same matter: merged into the first case.
            first = history.written[0]
            again = services.open_case(
                customer=first.customer,
                case_type=first.case_type,
                channel="email",
                subject=f"Nochmal: {first.subject}",
                body="Ich hatte schon geschrieben, bisher keine Antwort.",
                from_address=first.customer.email,
            )
            merge_cases(again, first, by=staff["lena"])
    return True


class _History:
    """The cases' steps in the order of their times (a heap); a step may schedule the next
    ones of its case. Steps after ``now`` are left undone."""

    def __init__(
        self, *, chooser: random.Random, now: datetime, agent: User, mediator: User, lead: User
    ):
        self.chooser = chooser
        self.lead = lead
        self.now = now
        self.agent = agent
        self.mediator = mediator
        self.steps: list[tuple[datetime, int, Callable[[], None]]] = []
        self.order = itertools.count()
        self.written: list[Case] = []
        self.checks: set[datetime] = set()

    def at(self, moment: datetime | None, step: Callable[[], None]) -> None:
        if moment is not None and moment <= self.now:
            heapq.heappush(self.steps, (moment, next(self.order), step))

    def run(self) -> None:
        while self.steps:
            _moment, _order, step = heapq.heappop(self.steps)
            step()

    def opening_time(self) -> datetime:
        """When a customer writes: a weekday in business hours mostly (more of them in the
        recent weeks: the shop grows), sometimes the evening or the weekend."""
        days = int(HISTORY_WEEKS * 7 * self.chooser.random() ** 1.3)
        day = (self.now.astimezone(BERLIN) - timedelta(days=days)).date()
        if day.weekday() >= 5 and self.chooser.random() < 0.7:
            day -= timedelta(days=day.weekday() - 4)  # most weekend mail is Friday's
        if self.chooser.random() < 0.85:
            clock = time(self.chooser.randint(8, 17), self.chooser.randint(0, 59))
        else:
            clock = time(self.chooser.choice([6, 19, 20, 21, 22]), self.chooser.randint(0, 59))
        moment = datetime.combine(day, clock, tzinfo=BERLIN)
        return min(moment, self.now - timedelta(minutes=self.chooser.randint(5, 90)))

    # The team's clock ------------------------------------------------------------------------

    def _calendar(self, case: Case):
        try:
            return desk_settings.calendar(case.team) if case.team is not None else None
        except CalendarError:
            return None

    def later(self, case: Case, start: datetime, minutes: float) -> datetime:
        """``minutes`` of the team's business time after ``start`` (real time without one)."""
        minutes = max(int(minutes), 1)
        calendar = self._calendar(case)
        moment = None
        if calendar is not None:
            moment = add_business_minutes(
                calendar, start, minutes, pauses=pauses_from_json(case.pauses)
            )
        return moment or start + timedelta(minutes=minutes)

    def left(self, case: Case, start: datetime, due: datetime | None) -> float:
        """Business minutes from ``start`` until ``due`` (a working day without a due time)."""
        calendar = self._calendar(case)
        if due is None or calendar is None:
            return 8 * 60
        if due <= start:
            return 0
        between = business_time_between(calendar, start, due, pauses=pauses_from_json(case.pauses))
        return between.total_seconds() / 60

    def check_at(self, due: datetime | None) -> None:
        """The desk's periodic check a few minutes after ``due``, as the job runs it."""
        if due is None:
            return
        moment = due + timedelta(minutes=self.chooser.randint(1, 5))
        if moment not in self.checks:
            self.checks.add(moment)
            self.at(moment, lambda: check_response_times(moment))

    # The steps -------------------------------------------------------------------------------

    def open(self, customer: Customer, number: int, opened_at: datetime) -> None:
        case_type, subject, body = STORIES[number % len(STORIES)]
        order = customer.orders.order_by("-placed_at").first()
        case = services.open_case(
            customer=customer,
            case_type=case_type,
            channel=self.chooser.choice(["email", "email", "email", "phone", "web_form"]),
            subject=subject,
            body=f"{body}\n\nBestellung {order.number}",
            orders=[order],
            from_address=customer.email,
            opened_at=opened_at,
        )
        self.written.append(case)
        fate = self.chooser.choices(
            [name for name, _weight in FATES], [weight for _name, weight in FATES]
        )[0]
        self.check_at(case.first_response_due_at)
        if fate == "ignored" and self.now - opened_at < timedelta(days=10):
            return  # still in the queue, past its time: nobody has got to it
        if fate == "ignored":
            fate = "answered_late"
        budget = self.left(case, opened_at, case.first_response_due_at)
        if fate == "answered_late":
            minutes = budget + self.chooser.uniform(30, 300)
        else:
            minutes = max(budget * self.chooser.uniform(0.05, 0.8), 10)
        status = CaseStatus.WAITING_CUSTOMER if fate == "customer_waits" else CaseStatus.OPEN
        answered = self.later(case, opened_at, minutes)
        self.at(answered, lambda: self.answer(case, fate, answered, status))

    def answer(self, case: Case, fate: str, moment: datetime, status: str) -> None:
        case.refresh_from_db()
        if not case.is_active:
            return
        services.reply(
            case,
            by=self.agent,
            text=f"Guten Tag,\n\n{self.chooser.choice(REPLIES)}",
            status=status,
            at=moment,
        )
        case.refresh_from_db()
        self.goodwill(case, fate, moment)
        if fate == "customer_waits" and self.chooser.random() < 0.3:
            # The customer never answers: closed a week later, the clock stopped meanwhile.
            closed = moment + timedelta(days=7)
            self.at(closed, lambda: self.close(case, closed, waiting=True))
        elif fate == "customer_waits":
            # The customer answers one to four days later; meanwhile the clock stands still.
            answer = moment + timedelta(hours=self.chooser.uniform(20, 96))
            self.at(answer, lambda: self.customer_answers(case, answer))
        elif fate == "mediator":
            handed = self.later(case, moment, self.chooser.uniform(30, 240))
            self.at(handed, lambda: self.to_mediator(case, handed))
        else:
            self.schedule_solution(case, moment, late=fate == "solved_late")

    def goodwill(self, case: Case, fate: str, moment: datetime) -> None:
        """A gesture with the answer for some cases: a late parcel's voucher and a damaged
        item's free shipping within the agent's limit (granted at once); a complaint answered
        late gets a voucher above it, which waits for the team lead."""
        if fate == "answered_late" and case.case_type == "complaint":
            kind, amount, reason = "voucher", "35", "Beschwerde zu spät beantwortet"
        elif fate == "answered_late":
            kind, amount, reason = "voucher", "10", "Wartezeit auf unsere Antwort"
        elif case.case_type == "delivery_problem" and self.chooser.random() < 0.3:
            kind, amount, reason = "voucher", "10", "Paket kam mehrere Tage zu spät"
        elif case.case_type == "damaged_goods" and self.chooser.random() < 0.4:
            kind, amount, reason = "free_shipping", "4.90", "Beschädigt geliefert, Kunde behält"
        else:
            return
        try:
            grant = request_goodwill(
                customer=case.customer,
                kind=kind,
                amount=Decimal(amount),
                reason=reason,
                by=self.agent,
                case=case,
                at=moment,
            )
        except GoodwillError:
            return
        if grant.status == "pending":
            decided = self.later(case, moment, self.chooser.uniform(4 * 60, 9 * 60))

            def decide() -> None:
                grant.refresh_from_db()
                if grant.status != "pending":
                    return
                if self.chooser.random() < 0.8:
                    approve_goodwill(grant, by=self.lead, at=decided)
                else:
                    decline_goodwill(
                        grant, by=self.lead, reason="Bitte erst den Vermittler fragen", at=decided
                    )

            self.at(decided, decide)

    def customer_answers(self, case: Case, moment: datetime) -> None:
        case.refresh_from_db()
        if not case.is_active:
            return
        services.add_inbound_message(
            case,
            from_address=case.customer.email,
            text=self.chooser.choice(CUSTOMER_ANSWERS),
            received_at=moment,
        )
        case.refresh_from_db()
        self.schedule_solution(case, moment, late=False)

    def to_mediator(self, case: Case, moment: datetime) -> None:
        case.refresh_from_db()
        if not case.is_active:
            return
        services.add_note(
            case, by=self.agent, text="Kunde ist Stammkunde, bitte kulant sein.", at=moment
        )
        services.escalate(case, by=self.agent, at=moment)
        answered = self.later(case, moment, self.chooser.uniform(60, 8 * 60))

        def mediator_answers() -> None:
            case.refresh_from_db()
            if not case.is_active:
                return
            services.reply(
                case,
                by=self.mediator,
                text="Guten Tag,\n\nich habe Ihren Fall übernommen und melde mich morgen.",
                status=CaseStatus.OPEN,
                at=answered,
            )
            case.refresh_from_db()
            self.schedule_solution(case, answered, late=self.chooser.random() < 0.4)

        self.at(answered, mediator_answers)

    def schedule_solution(self, case: Case, start: datetime, *, late: bool) -> None:
        budget = self.left(case, start, case.resolution_due_at)
        if late:
            minutes = budget + self.chooser.uniform(60, 16 * 60)
            self.check_at(case.resolution_due_at)
        else:
            minutes = max(budget * self.chooser.uniform(0.2, 0.9), 15)
        solved = self.later(case, start, minutes)

        def solve() -> None:
            case.refresh_from_db()
            if not case.is_active:
                return
            services.set_status(case, CaseStatus.SOLVED, by=self.agent, at=solved)
            # Solved cases are closed a week later, unless the customer wrote again.
            closed = solved + timedelta(days=7)
            self.at(closed, lambda: self.close(case, closed))

        self.at(solved, solve)

    def close(self, case: Case, moment: datetime, *, waiting: bool = False) -> None:
        case.refresh_from_db()
        if case.status == (CaseStatus.WAITING_CUSTOMER if waiting else CaseStatus.SOLVED):
            services.set_status(case, CaseStatus.CLOSED, by=self.agent, at=moment)
