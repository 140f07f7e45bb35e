"""A raw message (bytes) -> ``ParsedMail``: headers decoded, text and HTML bodies, file parts.

Real mail breaks the rules (fixtures in tests/fixtures/emails/): mbox "From " lines, header
continuations without indentation, parts without closing boundaries, charsets nobody knows,
8-bit bytes in headers. The parser repairs what it safely can, records what it could not read
as ``defects`` and never raises on a message: whatever comes in gets a result.
"""

from __future__ import annotations

import email
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from stammkunde.service.intake.charsets import (
    decode_bytes,
    decode_header_value,
    raw_header_text,
)

# The header block of a message: a line that is neither a header ("Name: value") nor indented
# continues the previous header (Exchange folds long headers without whitespace). Repaired so
# that From, Subject and Date after such a line are not lost in the body.
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")
# A parameter of Content-Type/-Disposition on an unindented line after a line ending in ";".
_UNINDENTED_PARAMETER = re.compile(
    rb"(;[ \t]*\r?\n)((?:boundary|charset|name|filename|format|delsp|reply-type|type)\*?=)",
    re.IGNORECASE,
)
# Leaf parts of a delivery report that are the report itself, not files the sender attached.
_REPORT_TYPES = frozenset({"message/disposition-notification", "text/rfc822-headers"})
_SIGNATURE_TYPES = frozenset(
    {"application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature"}
)


@dataclass
class MailPart:
    """One file of a message: an attachment, an inline image, an attached message."""

    filename: str
    declared_type: str
    content: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class ParsedMail:
    """What the desk needs of a message, all text decoded."""

    message_id: str = ""
    in_reply_to: str = ""
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_address: str = ""
    from_name: str = ""
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    reply_to: str = ""
    date: datetime | None = None
    content_type: str = "text/plain"
    headers: dict[str, list[str]] = field(default_factory=dict)
    text: str = ""
    html: str = ""
    files: list[MailPart] = field(default_factory=list)
    # Parts of a delivery report (for bounce matching): the status fields and the returned
    # message's headers.
    report_status: str = ""
    returned_headers: str = ""
    defects: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        """The first value of header ``name`` (decoded), or ""."""
        values = self.headers.get(name.lower())
        return values[0] if values else ""


_HEAD_END = re.compile(rb"\r?\n\r?\n")


def repair(raw: bytes) -> bytes:
    """Undo the damage real mail carries that would make the parser lose headers or parts."""
    if raw.startswith(b"From "):  # an mbox separator line, not a header
        raw = raw.split(b"\n", 1)[1] if b"\n" in raw else b""
    raw = _UNINDENTED_PARAMETER.sub(rb"\1\t\2", raw)
    end = _HEAD_END.search(raw)
    head, rest = (raw[: end.start()], raw[end.start() :]) if end else (raw, b"")
    lines = head.split(b"\n")
    repaired = [lines[0]]
    for line in lines[1:]:
        if line and line[:1] not in (b" ", b"\t") and not _HEADER_LINE.match(line):
            line = b" " + line
        repaired.append(line)
    return b"\n".join(repaired) + rest


# A run of content lines: the bodies of attachments and texts. The parser reads a message line
# by line in Python (most of its time went to such lines), so a run is handed to it as one
# placeholder line and put back into the payloads after. A run begins with a line that cannot
# be a header, its continuation, a boundary or a blank line (not blank, not beginning with
# whitespace, "--" or "From ", no header name before a ":"): wherever it stands, that line
# ends a header block, and from there on only a boundary ("--") or a blank line (the end of
# a delivery report's block) means anything to the parser, so the run goes on over every
# other line. The placeholder is a line of the same kind. The leading "\n" is matched, not
# looked behind for: the search then skips from line break to line break.
_CONTENT_RUN = re.compile(
    rb"\n((?![\t \r\n]|From |--)[!-9;-~]*+(?!:).*\n"
    rb"(?:(?!\r?\n|--).*+\n)++)"
)
# The same for a message with a lone CR, a line break to the parser: "." would run over it.
_CONTENT_RUN_CR = re.compile(
    rb"\n((?![\t \r\n]|From |--)[!-9;-~]*+(?!:)[^\r\n]*+\r?\n"
    rb"(?:(?![\r\n]|--)[^\r\n]*+\r?\n)++)"
)
_PLACEHOLDER = re.compile(r"STAMMKUNDEBLOB([0-9a-f]{16})X(\d+)X")


def _parse_bytes(data: bytes) -> Message:
    """``data`` parsed (compat32), its runs of content lines passed over the line parser."""
    runs: list[str] = []
    nonce = os.urandom(8).hex().encode()

    def placeholder(match: re.Match[bytes]) -> bytes:
        run = match.group(1)
        # The run's last line break stays: the parser gives it to a following boundary.
        end = len(run) - (2 if run.endswith(b"\r\n") else 1)
        runs.append(run[:end].decode("ascii", "surrogateescape"))
        return b"\nSTAMMKUNDEBLOB" + nonce + b"X%dX" % (len(runs) - 1) + run[end:]

    lone_cr = data.count(b"\r") != data.count(b"\r\n")
    data = (_CONTENT_RUN_CR if lone_cr else _CONTENT_RUN).sub(placeholder, data)
    message = email.message_from_bytes(data, policy=policy.compat32)
    if runs:
        ours = nonce.decode()

        def put_back(found: re.Match[str]) -> str:
            # A placeholder with another nonce was written by the sender: left as it is.
            return runs[int(found.group(2))] if found.group(1) == ours else found.group(0)

        def restore(text: str) -> str:
            return _PLACEHOLDER.sub(put_back, text)

        for part in message.walk():
            # The payload as parsed: ``get_payload()`` would hand back a text with 8-bit bytes
            # (surrogate escapes) decoded in its charset, not as the parser left it.
            payload = part._payload
            if isinstance(payload, str) and "STAMMKUNDEBLOB" in payload:
                part._payload = restore(payload)
            for name in ("preamble", "epilogue"):
                text = getattr(part, name)
                if text and "STAMMKUNDEBLOB" in text:
                    setattr(part, name, restore(text))
    return message


def parse_mail(raw: bytes) -> ParsedMail:
    """Parse ``raw`` into a ``ParsedMail``; never raises on malformed input."""
    message = _parse_bytes(repair(raw))
    parsed = ParsedMail()
    # Address headers as they came (encoded words still encoded): parsed before decoding.
    raw_addresses: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        key = name.lower()
        parsed.headers.setdefault(key, []).append(decode_header_value(value))
        if key in ADDRESS_HEADERS:
            raw_addresses.setdefault(key, []).append(raw_header_text(value))
    parsed.defects = [type(defect).__name__ for defect in message.defects]
    parsed.subject = parsed.header("subject")
    parsed.message_id = _message_id(parsed.header("message-id"))
    parsed.in_reply_to = _message_id(parsed.header("in-reply-to"))
    parsed.references = _message_ids(" ".join(parsed.headers.get("references", [])))
    sender = _addresses(raw_addresses.get("from", []))
    if not sender:
        # No From (a broken client or a form mailer): who else speaks for the message.
        for name in ("reply-to", "sender", "return-path"):
            sender = _addresses(raw_addresses.get(name, []))
            if sender:
                break
    if sender:
        parsed.from_name, parsed.from_address = sender[0]
    parsed.to = [address for _name, address in _addresses(raw_addresses.get("to", []))]
    parsed.cc = [address for _name, address in _addresses(raw_addresses.get("cc", []))]
    reply_to = _addresses(raw_addresses.get("reply-to", []))
    parsed.reply_to = reply_to[0][1] if reply_to else ""
    parsed.date = _date(parsed.header("date"))
    parsed.content_type = message.get_content_type()
    texts: list[str] = []
    htmls: list[str] = []
    _walk(message, parsed, texts, htmls, in_report=False)
    parsed.text = "\n\n".join(text.strip("\n") for text in texts if text.strip())
    parsed.html = "\n".join(htmls)
    return parsed


def _walk(
    part: Message, parsed: ParsedMail, texts: list[str], htmls: list[str], *, in_report: bool
) -> None:
    content_type = part.get_content_type()
    if content_type == "message/rfc822" or content_type == "message/global":
        if in_report:
            parsed.returned_headers = parsed.returned_headers or _returned_headers(part)
            return
        parsed.files.append(_attached_message(part))
        return
    if content_type == "message/delivery-status":
        # Parsed as a list of header blocks (one per recipient); read them back as text.
        payload = part.get_payload()
        if isinstance(payload, list):
            parsed.report_status += "\n\n".join(
                "\n".join(f"{name}: {value}" for name, value in block.items()) for block in payload
            )
        else:
            parsed.report_status += _payload_text(part)
        return
    if part.is_multipart():
        payload = part.get_payload()
        if not isinstance(payload, list):
            return
        report = in_report or content_type == "multipart/report"
        for index, child in enumerate(payload):
            if content_type == "multipart/signed" and index > 0:
                continue  # the signature
            _walk(child, parsed, texts, htmls, in_report=report)
        return
    if content_type.startswith("multipart/"):
        # A multipart whose boundary never comes: its payload is text; read it as such.
        parsed.defects.append("UnsplittableMultipart")
        texts.append(_text_of(part))
        return
    filename = _filename(part)
    disposition = _raw_header(part, "Content-Disposition").split(";")[0].strip().lower()
    if in_report and content_type in _REPORT_TYPES:
        if content_type == "text/rfc822-headers":
            parsed.returned_headers = parsed.returned_headers or _payload_text(part)
        return
    if content_type in _SIGNATURE_TYPES:
        return
    is_text = content_type in ("text/plain", "text/html")
    if is_text and not filename and disposition != "attachment":
        (htmls if content_type == "text/html" else texts).append(_text_of(part))
        return
    if content_type.startswith("text/") and not filename and disposition != "attachment":
        texts.append(_text_of(part))  # text/enriched, text/calendar, ... read as text
        return
    content = _payload_bytes(part)
    parsed.files.append(
        MailPart(
            filename=filename or _default_name(content_type, len(parsed.files) + 1),
            declared_type=content_type,
            content=content,
            content_id=_raw_header(part, "Content-ID").strip().strip("<>"),
            inline=disposition == "inline" or (not disposition and bool(part.get("Content-ID"))),
        )
    )


def _raw_header(part: Message, name: str) -> str:
    value = part.get(name)
    return "" if value is None else str(value)


def _payload_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _payload_text(part: Message) -> str:
    return decode_bytes(_payload_bytes(part), part.get_content_charset())


def _text_of(part: Message) -> str:
    """A text part's content, decoded from its transfer encoding and its charset."""
    encoding = _raw_header(part, "Content-Transfer-Encoding").strip().lower()
    data = _payload_bytes(part)
    if encoding not in ("", "7bit", "8bit", "binary", "quoted-printable", "base64"):
        # An invalid encoding name ("UTF-8"): the payload is the bytes as sent.
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else data
    text = decode_bytes(data, part.get_content_charset() or part.get_param("charset"))
    return text.replace("\r\n", "\n")


def _returned_headers(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        inner = payload[0]
        return "\n".join(f"{name}: {value}" for name, value in inner.items())
    return str(payload)[:20000]


class _HeadersAsReceived(policy.Compat32):
    """compat32 writing each header as it came, its folding kept: what compat32 itself does
    for a header with 8-bit bytes. Refolding every header (``email.header.Header``) cost
    more than parsing the whole attached message."""

    def fold_binary(self, name: str, value: object) -> bytes:
        if not isinstance(value, str):
            return super().fold_binary(name, value)
        text = _LINE_BREAK.sub(self.linesep, f"{name}: {value}") + self.linesep
        return text.encode("ascii", "surrogateescape")


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_AS_RECEIVED = _HeadersAsReceived()


def _attached_message(part: Message) -> MailPart:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if inner is not None:
        try:
            content = inner.as_bytes(policy=_AS_RECEIVED)
        except Exception:
            content = str(inner).encode("utf-8", "surrogateescape")
        subject = decode_header_value(inner.get("Subject")) or "message"
    else:
        content, subject = _payload_bytes(part), "message"
    name = _filename(part) or (_safe_name(subject)[:80] + ".eml")
    return MailPart(filename=name, declared_type="message/rfc822", content=content)


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name")
    except Exception:
        name = None
    if isinstance(name, tuple):  # an RFC 2231 value get_filename left undecoded
        charset, _language, value = name
        name = decode_bytes(value.encode("latin-1", "replace"), charset or "utf-8")
    name = decode_header_value(name) if name else ""
    if "\ufffd" in name:
        name = _raw_filename(part) or name
    return _safe_name(name)


_RAW_FILENAME = re.compile(r'(?:file)?name\s*=\s*"?([^";\r\n]+)', re.IGNORECASE)


def _raw_filename(part: Message) -> str:
    """The filename from the raw header, for 8-bit bytes the parser replaced by U+FFFD."""
    for header, value in part.raw_items():
        if header.lower() in ("content-disposition", "content-type"):
            match = _RAW_FILENAME.search(str(value))
            if match:
                return decode_header_value(match.group(1))
    return ""


def _safe_name(name: str) -> str:
    """A filename without directories or control characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch >= " " and ch != "\x7f").strip().strip(".")
    return name[:200]


def _default_name(content_type: str, number: int) -> str:
    subtype = content_type.split("/", 1)[-1].split("+")[0][:10] or "bin"
    return f"part-{number}.{subtype}"


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, address) of address headers as they came (``raw_header_text``): the
    structure is parsed first, then each name's encoded words decoded (RFC 2047, section 6.1),
    so no encoded name can turn into an address or split into two."""
    found = []
    for name, address in getaddresses(values):
        address = address.strip().strip("<>")
        if "@" in address and "=?" not in address:
            found.append((decode_header_value(name).strip(), address))
    return found


# The headers whose addresses are read (``_addresses``): the sender's and the recipients'.
ADDRESS_HEADERS = frozenset({"from", "to", "cc", "reply-to", "sender", "return-path"})

_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


def _message_ids(value: str) -> list[str]:
    return _MESSAGE_ID.findall(value)


def _message_id(value: str) -> str:
    ids = _message_ids(value)
    if ids:
        return ids[0][:990]
    value = value.strip()
    return value[:990] if value and " " not in value else ""


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        return None
    return moment
