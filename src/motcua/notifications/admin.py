"""Admin: the notifications list for officials who follow deliveries. Rows are read-only (a
message is history); the one write is "retry now", through ``services.retry_now``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import services
from .models import Notification, Status


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "channel",
        "recipient",
        "template",
        "status",
        "attempts",
        "short_error",
        "next_attempt_at",
        "sent_at",
    )
    # Filters on fields with choices only: a filter on a free field (template) would run
    # SELECT DISTINCT over every message to build its list, as would a date hierarchy.
    list_filter = ("status", "channel")
    # Exact recipient (a phone number or an address), on its index: a substring search would
    # scan every message ever sent.
    search_fields = ("recipient",)
    search_help_text = gettext_lazy("Exact phone number or e-mail address of the recipient.")
    list_per_page = 50
    # The list counts rows once per page view; with millions of messages, the exact count of an
    # unfiltered list is the slow part, and nobody pages to the end of it.
    show_full_result_count = False
    actions = ["retry_now"]
    fields = (
        ("subject_type", "subject_id"),
        ("channel", "recipient"),
        "template",
        "title",
        "body",
        ("status", "attempts"),
        "last_error",
        "history_display",
        ("created_at", "next_attempt_at", "sent_at"),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        names: list[str] = []
        for entry in self.fields:
            names.extend(entry if isinstance(entry, tuple) else [entry])
        return names

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        # Viewing the list is enough to ask for a retry: it changes no content, only when the
        # next attempt happens.
        return self.has_view_permission(request)

    @admin.display(description=gettext_lazy("last error"))
    def short_error(self, obj: Notification) -> str:
        error = obj.last_error
        return error if len(error) <= 80 else error[:79] + "…"

    @admin.display(description=gettext_lazy("delivery history"))
    def history_display(self, obj: Notification) -> str:
        if not obj.history:
            return "—"
        rows = []
        for entry in obj.history:
            if "retry_by" in entry:
                text = _("retry requested by %(user)s") % {"user": entry["retry_by"] or "—"}
            else:
                text = _("attempt %(n)s failed: %(error)s") % {
                    "n": entry.get("attempt", "?"),
                    "error": entry.get("error", ""),
                }
            rows.append((entry.get("at", ""), text))
        return format_html_join("\n", "<div>{} — {}</div>", rows)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Notification], search_term: str
    ) -> tuple[QuerySet[Notification], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(recipient__in={term, term.lower()}), False

    @admin.action(description=gettext_lazy("Retry now"), permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        ids = list(queryset.exclude(status=Status.SENT).values_list("pk", flat=True))
        user = request.user
        by = getattr(user, "username", "") or ""
        outcome = services.retry_now(ids, by=by)
        skipped = queryset.count() - len(outcome.retried)
        if outcome.retried:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message will be sent again now.",
                    "%(count)d messages will be sent again now.",
                    len(outcome.retried),
                )
                % {"count": len(outcome.retried)},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was left alone: already sent or being sent.",
                    "%(count)d messages were left alone: already sent or being sent.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
