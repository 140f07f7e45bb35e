"""The cases a group of mails answers, looked up at once instead of once per mail.

``filing.threaded_case`` threads one mail with up to three queries: the case of our reference
in the subject, the newest case message with one of its In-Reply-To/References Message-IDs,
then the outbox's messages with those Message-IDs (a reply to a case's mail). For a group of
mails (``processing``) ``GroupThreads.for_group`` asks the same three questions for all its
mails at once, and the case rows they name with a fourth; ``case_for`` then answers each mail
in the same order of certainty as ``threaded_case``.

What the group itself files is noted as it happens (``note_filed``: the case a mail went to,
its reference and the mail's Message-ID), so that a reply threads to a case opened or
answered earlier in the same group exactly as if the group had asked the database: a case
message filed in the group is newer than every row looked up before it. A case row is handed
out once as looked up; one the group has handed out or written is read again, so that no mail
works with a copy an earlier mail changed. An acknowledgement queued in the group is a new
outbox row the look-up cannot know: after one, the outbox is asked per mail again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from stammkunde.messaging.models import OutboundMessage
from stammkunde.messaging.queries import messages_by_message_id
from stammkunde.service.intake.mime import ParsedMail
from stammkunde.service.intake.threading_keys import case_reference
from stammkunde.service.models import Case, CaseMessage

# A thread rarely names more; a forged References header with thousands is cut here.
MAX_REFERENCES = 50
# Where a case of the outbox's messages comes from (``source_type``).
CASE_SOURCE = "case"


def reply_candidates(parsed: ParsedMail) -> list[str]:
    """The Message-IDs ``parsed`` answers, the most direct first (without angle brackets)."""
    return [value for value in (parsed.in_reply_to, *reversed(parsed.references)) if value][
        :MAX_REFERENCES
    ]


def bracketed(message_ids: list[str]) -> list[str]:
    """The Message-IDs as a case message may store them: with and without angle brackets."""
    return [f"<{value}>" for value in message_ids] + message_ids


@dataclass
class GroupThreads:
    """What the group looked up before its first mail, and what it filed since."""

    # Looked up: case ids by reference; (message id, case id) of the newest case message by
    # Message-ID as stored; the outbox's messages by Message-ID as given; the case rows.
    by_reference: dict[str, int] = field(default_factory=dict)
    messages: dict[str, tuple[int, int]] = field(default_factory=dict)
    outbound: dict[str, OutboundMessage] = field(default_factory=dict)
    cases: dict[int, Case] = field(default_factory=dict)
    # Filed in the group: case ids by reference (cases opened), (order, case id) by the
    # stored Message-ID of the filed message, the case ids handed out or written.
    opened: dict[str, int] = field(default_factory=dict)
    filed: dict[str, tuple[int, int]] = field(default_factory=dict)
    touched: set[int] = field(default_factory=set)
    outbox_changed: bool = False

    @classmethod
    def for_group(cls, parsed: Iterable[ParsedMail | None]) -> GroupThreads:
        """Look up the cases the group's parsed mails may answer (up to four queries)."""
        references: set[str] = set()
        wanted: set[str] = set()
        for mail in parsed:
            if mail is None:
                continue
            reference = case_reference(mail.subject)
            if reference:
                references.add(reference)
            wanted.update(reply_candidates(mail))
        threads = cls()
        case_ids: set[int] = set()
        if wanted:
            # The exclude repeats the partial index's condition, so that SQLite uses the index.
            rows = (
                CaseMessage.objects.exclude(message_id="")
                .filter(message_id__in=bracketed(sorted(wanted)))
                .values_list("message_id", "id", "case_id")
            )
            for message_id, message_pk, case_id in rows:
                known = threads.messages.get(message_id)
                if known is None or message_pk > known[0]:
                    threads.messages[message_id] = (message_pk, case_id)
            threads.outbound = messages_by_message_id(sorted(wanted))
            case_ids.update(case_id for _, case_id in threads.messages.values())
            case_ids.update(
                case_id
                for case_id in map(_source_case, threads.outbound.values())
                if case_id is not None
            )
        if references or case_ids:
            found = Case.objects.filter(reference__in=sorted(references)) | Case.objects.filter(
                pk__in=sorted(case_ids)
            )
            for case in found:
                threads.cases[case.pk] = case
                if case.reference in references:
                    threads.by_reference[case.reference] = case.pk
        return threads

    def case_for(self, parsed: ParsedMail) -> Case | None:
        """The case ``parsed`` answers, or None (``filing.threaded_case``'s answer)."""
        reference = case_reference(parsed.subject)
        if reference:
            case_id = self.opened.get(reference) or self.by_reference.get(reference)
            if case_id is not None:
                return self._case(case_id)
        candidates = reply_candidates(parsed)
        if not candidates:
            return None
        stored = bracketed(candidates)
        # A message filed in the group is newer than any looked up before it.
        filed = [self.filed[value] for value in stored if value in self.filed]
        if filed:
            return self._case(max(filed)[1])
        found = [self.messages[value] for value in stored if value in self.messages]
        if found:
            return self._case(max(found)[1])
        if self.outbox_changed:
            return self._from_outbox(candidates, messages_by_message_id(candidates))
        return self._from_outbox(candidates, self.outbound)

    def note_filed(self, case: Case, *, message_id: str) -> None:
        """``case`` got the group's mail with ``message_id`` (as stored in the case message)."""
        self.opened[case.reference] = case.pk
        self.touched.add(case.pk)
        if message_id:
            self.filed[message_id] = (len(self.filed), case.pk)

    def note_outbox_changed(self) -> None:
        """The group queued a message in the outbox (an acknowledgement)."""
        self.outbox_changed = True

    def _from_outbox(self, candidates: list[str], sent: dict[str, OutboundMessage]) -> Case | None:
        for message_id in candidates:
            outbound = sent.get(message_id)
            case = self._case(_source_case(outbound)) if outbound is not None else None
            if case is not None:
                return case
        return None

    def _case(self, case_id: int | None) -> Case | None:
        """The case row as looked up the first time, read again after that (an earlier mail
        of the group may have changed it); None for a case that did not exist."""
        if case_id is None:
            return None
        case = self.cases.pop(case_id, None)
        if case is None and case_id in self.touched:
            case = Case.objects.filter(pk=case_id).first()
        if case is not None:
            self.touched.add(case_id)
        return case


def _source_case(message: OutboundMessage) -> int | None:
    """The id of the case an outbox message came from (its ``source_id`` is text), or None."""
    if message.source_type != CASE_SOURCE:
        return None
    try:
        return int(message.source_id)
    except (TypeError, ValueError):
        return None
