"""The responsive HTML frame the shipped mails use: one column, at most 600 px wide, full
width on a phone, system fonts, no images, no remote style sheets. The styles are inlined
when a mail is rendered (css-inline keeps the media query for clients that read it)."""

from __future__ import annotations

import html
import re

LAYOUT = """<!DOCTYPE html>
<html lang="{{{{ language }}}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body {{ margin: 0; padding: 0; background: #f4f1ec; }}
  .frame {{ width: 100%; background: #f4f1ec; padding: 24px 0; }}
  .letter {{ max-width: 600px; margin: 0 auto; background: #ffffff; padding: 32px;
            font-family: -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif;
            font-size: 16px; line-height: 1.55; color: #2b2b2b; }}
  .letter p {{ margin: 0 0 16px 0; }}
  .letter a {{ color: #7a4b1e; }}
  .lines {{ margin: 0 0 16px 0; padding-left: 20px; }}
  .signature {{ margin-top: 24px; }}
  .small {{ font-size: 13px; color: #6b6b6b; margin-top: 24px; }}
  @media only screen and (max-width: 620px) {{
    .frame {{ padding: 0; }}
    .letter {{ padding: 20px; }}
  }}
</style>
</head>
<body>
<div class="frame"><div class="letter">
{body}
</div></div>
</body>
</html>
"""


TAG_ONLY = re.compile(r"^\s*\{%(?:(?!%\}).)*%\}\s*$")
TAG_AT_END = re.compile(r"%\}$")


def keep_line_ends(text: str) -> str:
    """The mails render with trim_blocks: a line of text that ends in a block tag
    ("... {% endif %}") would lose its line break, so such tags get ``+%}``."""
    lines = []
    for line in text.split("\n"):
        if not TAG_ONLY.match(line) and line.endswith("%}") and not line.endswith("+%}"):
            line = TAG_AT_END.sub("+%}", line)
        lines.append(line)
    return "\n".join(lines)


def paragraphs(text: str) -> str:
    """The text part as HTML paragraphs: template tags kept, plain text escaped, a line that
    is only a link variable made a link, lines that are only a tag kept outside the text."""
    blocks = [block.strip("\n") for block in text.strip().split("\n\n") if block.strip()]
    out = []
    for block in blocks:
        lines = block.split("\n")
        head = []
        while lines and TAG_ONLY.match(lines[0]):
            head.append(lines.pop(0).strip())
        tail = []
        while lines and TAG_ONLY.match(lines[-1]):
            tail.insert(0, lines.pop().strip())
        body, seen_text = [], False
        for line in lines:
            if TAG_ONLY.match(line):
                body.append(line.strip())
                continue
            # The break goes before the line, so a line inside a condition takes it along.
            body.append(("<br>" if seen_text else "") + _line_html(line))
            seen_text = True
        paragraph = f"<p>{''.join(body)}</p>" if body else ""
        out.append("".join([*head, paragraph, *tail]))
    return "\n".join(out)


def _line_html(line: str) -> str:
    """A line that is only a link variable becomes a link; others are escaped text."""
    stripped = line.strip()
    if stripped.startswith("{{") and stripped.endswith("_url }}") and stripped.count("{{") == 1:
        return f'<a href="{stripped}">{stripped}</a>'
    return _escape_outside_tags(line)


def _escape_outside_tags(line: str) -> str:
    # Template expressions stay as they are (autoescaping escapes their values).
    parts, rest = [], line
    while "{" in rest:
        start = min((rest.find(mark) for mark in ("{{", "{%") if rest.find(mark) >= 0), default=-1)
        if start < 0:
            break
        end_mark = "}}" if rest[start : start + 2] == "{{" else "%}"
        end = rest.find(end_mark, start)
        if end < 0:
            break
        parts.append(html.escape(rest[:start], quote=False))
        parts.append(rest[start : end + 2])
        rest = rest[end + 2 :]
    parts.append(html.escape(rest, quote=False))
    return "".join(parts)


HTML_LINES = (
    '<ul class="lines">{% for line in order.lines %}'
    "<li>{{ line.quantity }} × {{ line.name }}</li>{% endfor %}</ul>"  # noqa: RUF001
)
LINES_MARK = "@@LINES@@"


def letter(body_html: str) -> str:
    return LAYOUT.format(body=body_html)
