from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who logs in: an official (with role assignments in ``agencies``) or an applicant.

    Django's first/last name split does not fit Vietnamese names (family name first, often
    several given names), so one ``full_name`` is kept and shown everywhere.
    """

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.get_full_name() or self.username


class TotpDevice(models.Model):
    """An official's second factor: the TOTP secret of its authenticator app, sealed
    (``sealing``). Unconfirmed while the official is enrolling: the secret is shown only then,
    and a code from the app confirms it; it is never shown again."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="totp_device"
    )
    sealed_secret = models.CharField(max_length=200)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The last time step accepted: a code seen once is refused afterwards (RFC 6238 §5.2).
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self) -> str:
        return str(self.user)

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class LoginStage(models.TextChoices):
    PASSWORD = "password", _("Password")
    CODE = "code", _("Authenticator code")
    ENROLMENT = "enrolment", _("Authenticator enrolment")


class LoginResult(models.TextChoices):
    SUCCEEDED = "succeeded", _("Logged in")
    PASSWORD_OK = "password_ok", _("Password accepted, code awaited")
    FAILED = "failed", _("Failed")
    LOCKED = "locked", _("Refused: locked")


class LoginAttempt(models.Model):
    """Every attempt to log in, kept as an audit record and counted for the lockout."""

    username = models.CharField(_("user name"), max_length=150)
    ip = models.CharField(_("client address"), max_length=64)
    user = models.ForeignKey(
        User, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    stage = models.CharField(_("stage"), max_length=10, choices=LoginStage.choices)
    result = models.CharField(_("result"), max_length=12, choices=LoginResult.choices)
    at = models.DateTimeField(_("at"))
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("login attempt")
        verbose_name_plural = _("login attempts")
        indexes = [
            models.Index(fields=["username", "at"], name="login_attempt_user"),
            models.Index(fields=["ip", "at"], name="login_attempt_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip} {self.at:%Y-%m-%d %H:%M:%S}: {self.result}"


# Defined beside the code that uses them; imported here so that Django registers them.
from .ratelimit import RateCounter  # noqa: E402
from .tokens import ApiToken  # noqa: E402

__all__ = [
    "ApiToken",
    "LoginAttempt",
    "LoginResult",
    "LoginStage",
    "RateCounter",
    "TotpDevice",
    "User",
]
