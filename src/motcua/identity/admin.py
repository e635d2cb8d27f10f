from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import LoginAttempt, User
from .selectors import has_confirmed_totp
from .services import reset_totp


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "email", "is_staff", "is_active", "second_factor")
    search_fields = ("username", "full_name", "email")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (gettext_lazy("Personal information"), {"fields": ("full_name", "email", "phone")}),
        (
            gettext_lazy("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups")},
        ),
        (gettext_lazy("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("username", "full_name", "password1", "password2")},
        ),
    )
    actions = ["reset_second_factor"]

    @admin.display(description=gettext_lazy("authenticator"), boolean=True)
    def second_factor(self, obj: User) -> bool:
        return has_confirmed_totp(obj)

    @admin.action(description=gettext_lazy("Reset the authenticator (enrol again at next login)"))
    def reset_second_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = sum(1 for user in queryset if reset_totp(user))
        self.message_user(
            request,
            _("Authenticators reset: %(n)s. Those officials set up a new one at their next login.")
            % {"n": count},
            messages.SUCCESS,
        )


@admin.register(LoginAttempt)
class LoginAttemptAdmin(admin.ModelAdmin):
    """The audit record of logins: read only."""

    list_display = ("at", "username", "ip", "stage", "result")
    list_filter = ("result", "stage")
    search_fields = ("username", "ip")
    date_hierarchy = "at"
    ordering = ("-at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
