"""HTML of a mail made safe to show: nh3 (ammonia) removes scripts, event handlers, styles
that load things, and every URL scheme but web, mail and ``cid:`` (inline images of the same
message). Remote images are blocked until the reader asks for them: their address moves to
``data-remote-src``, which the page swaps in on a click (ui static script)."""

from __future__ import annotations

import html as html_module
import re
from collections.abc import Mapping

import nh3

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "code", "col", "colgroup",
    "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span", "strike", "strong",
    "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"align", "dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height", "data-remote-src"},
    "td": {"colspan", "rowspan", "valign"},
    "th": {"colspan", "rowspan", "valign"},
    "font": {"color"},
}
_REMOTE_IMAGE = re.compile(
    r"(<img\b[^>]*?\s)src(\s*=\s*[\"']?\s*https?:)", re.IGNORECASE | re.DOTALL
)
_CID = re.compile(r"""(src=")cid:([^"]+)(")""", re.IGNORECASE)


def _keep_attribute(tag: str, name: str, value: str) -> str | None:
    if name == "data-remote-src" and not value.lower().startswith(("http://", "https://")):
        return None
    if tag == "img" and name == "src" and not value.lower().startswith("cid:"):
        return None  # remote and data: images only on request
    return value


def clean_html(html: str) -> str:
    """Sanitized HTML: no script can run, remote images wait for a click, cid: kept."""
    if not html.strip():
        return ""
    html = _REMOTE_IMAGE.sub(r"\1data-remote-src\2", html)
    return nh3.clean(
        html,
        tags=_TAGS,
        clean_content_tags={"script", "style", "title", "head"},
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=_keep_attribute,
    ).strip()


def link_inline_images(html: str, urls: Mapping[str, str]) -> str:
    """Point ``cid:`` images at the stored attachments (``urls``: Content-ID -> address)."""

    def replace(match: re.Match[str]) -> str:
        url = urls.get(match.group(2))
        return f"{match.group(1)}{url}{match.group(3)}" if url else match.group(0)

    return _CID.sub(replace, html)


def html_to_text(html: str) -> str:
    """Readable text of an HTML-only mail (tags removed, entities decoded)."""
    if not html.strip():
        return ""
    stripped = nh3.clean(
        html.replace("<br", "\n<br").replace("</p>", "</p>\n").replace("</div>", "</div>\n"),
        tags=set(),
        clean_content_tags={"script", "style", "title", "head"},
    )
    lines = [" ".join(line.split()) for line in html_module.unescape(stripped).splitlines()]
    return "\n".join(lines).strip()
