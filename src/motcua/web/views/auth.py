"""Officials' login: user name and password, then the authenticator code (or, the first time,
setting up the authenticator), then the session. Logout is a POST.

Between the two factors the session holds only who passed the password, and since when: the
user is not logged in, so no page, API call or admin view accepts the half-done login. The
session key is renewed at login (Django's ``login``), so a key planted before cannot ride on it.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from motcua.core.errors import Conflict, NotFound, ValidationFailed
from motcua.identity import services, totp
from motcua.identity.auth import ClientRateThrottle
from motcua.identity.models import User
from motcua.identity.selectors import has_confirmed_totp
from motcua.identity.services import Client, LoginLocked

from ..forms import CodeForm, LoginForm, add_domain_errors

PENDING_USER = "motcua_login_user"
PENDING_AT = "motcua_login_at"
PENDING_BACKEND = "motcua_login_backend"
PENDING_NEXT = "motcua_login_next"
# Time to fetch the phone and type the code (or scan the QR code and type the first one).
PENDING_SECONDS = 300
ISSUER = "motcua"
DEFAULT_BACKEND = "django.contrib.auth.backends.ModelBackend"
# Same notion of "the client's address" as the API's rate limits (NINJA_NUM_PROXIES).
_IDENT = ClientRateThrottle("login")


def client_of(request: HttpRequest) -> Client:
    return Client(
        ip=_IDENT.get_ident(request) or "unknown",
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return settings.LOGIN_REDIRECT_URL


def _pending_user(request: HttpRequest) -> int | None:
    user_id = request.session.get(PENDING_USER)
    started = request.session.get(PENDING_AT, 0)
    if user_id is None or time.time() - float(started) > PENDING_SECONDS:
        return None
    return int(user_id)


def _clear_pending(request: HttpRequest) -> None:
    for key in (PENDING_USER, PENDING_AT, PENDING_BACKEND, PENDING_NEXT):
        request.session.pop(key, None)


def _expired(request: HttpRequest) -> HttpResponseRedirect:
    _clear_pending(request)
    messages.warning(request, _("Your login has expired or was not started; log in again."))
    return redirect("web:login")


def _finish(request: HttpRequest, user: User) -> HttpResponseRedirect:
    backend = request.session.get(PENDING_BACKEND) or DEFAULT_BACKEND
    target = _safe_next(request, request.session.get(PENDING_NEXT))
    _clear_pending(request)
    login(request, user, backend=backend)
    return redirect(target)


def _status(form: Any, locked: bool) -> int:
    if locked:
        return 429
    return 422 if form.errors else 200


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next")
    if request.user.is_authenticated:
        return redirect(_safe_next(request, next_url))
    form = LoginForm(request.POST or None)
    locked = False
    if request.method == "POST" and form.is_valid():
        try:
            user = services.check_password(
                form.cleaned_data["username"], form.cleaned_data["password"], client_of(request)
            )
        except LoginLocked as exc:
            locked = True
            form.add_error(None, exc.detail)
        except ValidationFailed as exc:
            add_domain_errors(form, exc)
        else:
            # A fresh session key before anything is attached to it.
            request.session.cycle_key()
            request.session[PENDING_USER] = user.pk
            request.session[PENDING_AT] = time.time()
            request.session[PENDING_BACKEND] = getattr(user, "backend", DEFAULT_BACKEND)
            request.session[PENDING_NEXT] = _safe_next(request, next_url)
            if has_confirmed_totp(user):
                return redirect("web:login_code")
            return redirect("web:enrol")
    context = {"form": form, "next": next_url or "", "locked": locked}
    return render(request, "web/auth/login.html", context, status=_status(form, locked))


@never_cache
@require_http_methods(["GET", "POST"])
def code_view(request: HttpRequest) -> HttpResponse:
    user_id = _pending_user(request)
    if user_id is None:
        return _expired(request)
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return _expired(request)
    if not has_confirmed_totp(user):
        return redirect("web:enrol")
    form = CodeForm(request.POST or None)
    locked = False
    if request.method == "POST" and form.is_valid():
        try:
            user = services.check_code(user_id, form.cleaned_data["code"], client_of(request))
        except LoginLocked as exc:
            locked = True
            _clear_pending(request)
            form.add_error(None, exc.detail)
        except (ValidationFailed, Conflict, NotFound) as exc:
            add_domain_errors(form, exc)
        else:
            return _finish(request, user)
    context = {"form": form, "locked": locked, "username": user.username}
    return render(request, "web/auth/code.html", context, status=_status(form, locked))


def _qr_svg(uri: str) -> str:
    # SVG drawn as paths, no text: nothing of the user's data reaches the markup but the
    # title, which is ours. Error correction M survives a phone camera's glare.
    return segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", svgclass="qr", title=_("QR code to scan")
    )


@never_cache
@require_http_methods(["GET", "POST"])
def enrol_view(request: HttpRequest) -> HttpResponse:
    user_id = _pending_user(request)
    if user_id is None:
        return _expired(request)
    try:
        user, secret = services.enrolment_secret(user_id)
    except Conflict:
        return redirect("web:login_code")
    except NotFound:
        return _expired(request)
    form = CodeForm(request.POST or None)
    locked = False
    if request.method == "POST" and form.is_valid():
        try:
            user = services.confirm_enrolment(
                user_id, form.cleaned_data["code"], client_of(request)
            )
        except LoginLocked as exc:
            locked = True
            _clear_pending(request)
            form.add_error(None, exc.detail)
        except (ValidationFailed, Conflict, NotFound) as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(
                request,
                _("Your authenticator is set up. From now on, log in with a code from it."),
            )
            return _finish(request, user)
    uri = totp.provisioning_uri(secret, user.username, ISSUER)
    context = {
        "form": form,
        "locked": locked,
        "username": user.username,
        "secret": totp.grouped(secret),
        "qr": "" if locked else _qr_svg(uri),
    }
    return render(request, "web/auth/enrol.html", context, status=_status(form, locked))


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are logged out."))
    return redirect("web:home")


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site's own login form would skip the second factor: send it here instead.
    A logged-in official lands here when the admin refused it (not staff): say so, rather
    than bouncing between the two logins."""
    if request.user.is_authenticated:
        context = {
            "title": _("Not allowed"),
            "detail": _("Your account may not use the administration."),
        }
        return render(request, "403.html", context, status=403)
    target = request.GET.get("next") or reverse("admin:index")
    return redirect(f"{reverse('web:login')}?{urlencode({'next': target})}")
