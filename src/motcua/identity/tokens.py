"""API tokens: how integrations (the national portal, another agency's system, scripts) act as
one user over HTTP (``Authorization: Bearer <secret>``).

Only a SHA-256 digest of the secret is stored: the secret is shown once, when the token is
created, and a stolen database yields no usable token. A token is revoked, never deleted, so
that the record of who could act through it stays.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from motcua.core.errors import FieldError, NotFound, ValidationFailed
from motcua.core.prepared import Prepared

SECRET_PREFIX = "mc_"  # noqa: S105  (recognisable in leaked logs, not a secret)
# Recording every use would turn each read into a write; a minute's precision is enough to
# tell a token in use from an abandoned one.
LAST_USED_PRECISION = timedelta(minutes=1)
NAME_MAX_LENGTH = 100


class ApiToken(models.Model):
    name = models.CharField(gettext_lazy("name"), max_length=NAME_MAX_LENGTH)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("acts as"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    # The first characters of the secret, to recognise a token in lists and logs.
    prefix = models.CharField(gettext_lazy("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(gettext_lazy("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(gettext_lazy("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(gettext_lazy("revoked at"), null=True, blank=True)

    class Meta:
        app_label = "identity"
        verbose_name = gettext_lazy("API token")
        verbose_name_plural = gettext_lazy("API tokens")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(revoked_at__isnull=True),
                name="api_token_active_name",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _user(username: str) -> Any:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise NotFound(_("No user has user name %(u)r.") % {"u": username})
    return user


@transaction.atomic
def create_token(username: str, name: str) -> tuple[ApiToken, str]:
    """A new token acting as ``username``; returns it and its secret (shown once)."""
    name = (name or "").strip()
    errors = []
    if not name:
        errors.append(FieldError("name", _("This field is required.")))
    elif len(name) > NAME_MAX_LENGTH:
        errors.append(FieldError("name", _("At most %(n)s characters.") % {"n": NAME_MAX_LENGTH}))
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        errors.append(FieldError("username", _("No user has user name %(u)r.") % {"u": username}))
    elif not user.is_active:
        errors.append(FieldError("username", _("This account is deactivated.")))
    taken = FieldError(
        "name",
        _("%(user)s already has an active token named %(name)r.")
        % {"user": username, "name": name},
    )
    if (
        user is not None
        and name
        and ApiToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists()
    ):
        errors.append(taken)
    if errors:
        raise ValidationFailed(_("The token cannot be created."), errors)
    assert user is not None
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    try:
        with transaction.atomic():
            token = ApiToken.objects.create(
                name=name, user=user, prefix=secret[:10], digest=digest_of(secret)
            )
    except IntegrityError:  # the same name, created at the same moment elsewhere
        raise ValidationFailed(_("The token cannot be created."), [taken]) from None
    return token, secret


@transaction.atomic
def revoke_token(username: str, name: str) -> ApiToken:
    """Revoke the active token ``name`` of ``username``; it stops working at once."""
    user = _user(username)
    token = (
        ApiToken.objects.select_for_update()
        .filter(user=user, name=(name or "").strip(), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        raise NotFound(
            _("%(user)s has no active token named %(name)r.") % {"user": username, "name": name}
        )
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


# Read on every request with a bearer token.
_ACTIVE_TOKEN: Prepared[ApiToken] = Prepared(
    lambda digest: (
        ApiToken.objects.select_related("user")
        .filter(digest=digest, revoked_at__isnull=True)
        .order_by("pk")[:1]
    )
)


def user_for_secret(secret: str) -> Any | None:
    """The active user a secret acts as, or None (unknown, revoked, or deactivated account)."""
    if not secret or not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = _ACTIVE_TOKEN.first(digest_of(secret))
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
