"""Template helpers of the web pages: who is logged in, Vietnamese money and counts, and the
sanitiser for stored text that is meant as HTML."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import nh3
from django import template
from django.http import HttpRequest
from django.utils.formats import get_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..roles import Me, me

register = template.Library()
CENT = Decimal("0.01")

# What stored rich text (announcements, answers to feedback) may keep: structure and links,
# nothing that runs or restyles the page.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"colspan", "rowspan"}}


@register.simple_tag(takes_context=True)
def who(context: dict[str, Any]) -> Me | None:
    """The person behind the request (``{% who as me %}``), for the header and navigation."""
    request: HttpRequest | None = context.get("request")
    return me(request) if request is not None else None


def _grouped(value: int) -> str:
    # Vietnamese groups thousands with dots: 11.694 hồ sơ, 1.500.000 đ.
    return f"{value:,}".replace(",", ".")


@register.filter
def vn_int(value: Any) -> str:
    """11694 → "11.694"."""
    try:
        return _grouped(int(value))
    except (TypeError, ValueError):
        return ""


@register.filter
def vnd(value: Any) -> str:
    """1500000 → "1.500.000 đ" (the Vietnamese way, whatever the page's language)."""
    try:
        return f"{_grouped(int(value))} đ"
    except (TypeError, ValueError):
        return ""


@register.filter
def percent(value: Decimal | float | None) -> str:
    """57.69 → "57,69 %" in Vietnamese, "57.69 %" in English; "—" when there is no rate
    (a denominator of 0 gives no rate, never 0 % or 100 %)."""
    if value is None:
        return "—"
    # floatformat's rounding (half up, from the decimal text) without its generality: a
    # province's dashboard shows 900 rates.
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    text = f"{number.quantize(CENT, rounding=ROUND_HALF_UP):f}"
    return f"{text.replace('.', get_format('DECIMAL_SEPARATOR'))} %"


@register.filter
def figure_cells(row: Any) -> SafeString:
    """A period-report row's cells (``dashboard.tables.TableRow``): each figure, a link to its
    dossiers unless 0, then the rates. Rendered here, not node by node in the template: a
    province's table has 1,600 of them, a third of its dashboard's time that way."""
    parts = []
    for cell in row.cells:
        value = vn_int(cell.value)
        if cell.url:
            parts.append(f'<td><a href="{escape(cell.url)}">{value}</a></td>')
        else:
            parts.append(f"<td>{value}</td>")
    parts.extend(f"<td>{escape(percent(rate))}</td>" for rate in row.rates)
    return mark_safe("".join(parts))  # noqa: S308 — every part escaped above


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ labels|get_item:value }}``: a label from a dict of choices, the key when absent."""
    try:
        return mapping.get(key, key)
    except AttributeError:
        return key


@register.filter
def sanitize(value: Any) -> SafeString:
    """Stored text meant as HTML, cleaned with nh3: no script, style, event handler, iframe or
    foreign scheme survives; links get ``rel="noopener noreferrer nofollow"``."""
    cleaned = nh3.clean(
        str(value or ""),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308  (nh3's output is the safe subset above)


@register.simple_tag(takes_context=True)
def nav_items(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The navigation of the person behind the request, each link marked when it is the page
    being shown (or a page under it)."""
    request: HttpRequest | None = context.get("request")
    if request is None:
        return []
    path = request.path
    return [
        {
            "url": link.url,
            "label": link.label,
            "key": link.key,
            "current": path == link.url or (link.url != "/" and path.startswith(link.url)),
        }
        for link in me(request).links
    ]
