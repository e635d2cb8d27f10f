"""Each backend against the real thing it talks to: a file, standard output, Django's mail
outbox and an SMTP port nobody listens on, and an HTTP gateway started in the test."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from motcua.notifications.backends import (
    ConsoleBackend,
    DeliveryError,
    EmailBackend,
    FileBackend,
    HttpSmsBackend,
    backend_for,
    unaccented,
)
from motcua.notifications.checks import check_backends
from motcua.notifications.tasks import deliver

from .conftest import queue_one

pytestmark = pytest.mark.django_db


def test_file_backend_appends_one_json_line_per_message(var_dir: Path) -> None:
    first, second = queue_one(), queue_one(phone="0987654321")
    backend = backend_for("sms")  # the default
    assert isinstance(backend, FileBackend)
    backend.send(first)
    backend.send(second)
    lines = (var_dir / "notifications" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["to"] for line in lines] == ["0912345678", "0987654321"]
    assert json.loads(lines[0])["body"].startswith("Hồ sơ của ông/bà")  # UTF-8, not escaped


def test_file_backend_reports_an_unwritable_folder(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(DeliveryError, match="cannot write"):
        FileBackend(folder=blocker / "x").send(queue_one())


def test_console_backend_prints(capsys: pytest.CaptureFixture[str]) -> None:
    ConsoleBackend().send(queue_one())
    assert capsys.readouterr().out.startswith("[sms] 0912345678: Hồ sơ của ông/bà")


def test_email_backend_through_django_mail(settings: Any) -> None:
    settings.MOTCUA_NOTIFICATION_BACKENDS = {"email": "email"}
    settings.DEFAULT_FROM_EMAIL = "motcua@tinh.gov.vn"
    n = queue_one(phone="", email="an@example.vn")
    assert deliver.call(n.pk) == "sent"
    [message] = mail.outbox
    assert message.to == ["an@example.vn"]
    assert message.from_email == "motcua@tinh.gov.vn"
    assert message.subject == n.title
    assert message.body == n.body


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_email_backend_turns_smtp_errors_into_delivery_errors(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    with pytest.raises(DeliveryError, match="ConnectionRefusedError"):
        EmailBackend().send(queue_one(phone="", email="an@example.vn"))


def test_email_backend_never_waits_forever_on_a_silent_server(settings: Any) -> None:
    """A server that accepts the connection and never greets: the attempt fails in time."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(DeliveryError, match="timed out"):
            EmailBackend(timeout=0.5).send(queue_one(phone="", email="an@example.vn"))
    assert time.monotonic() - started < 3


# --- the HTTP SMS gateway -----------------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: str = '{"status": "accepted"}'
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Gateway:
    url: str
    replies: list[Reply]
    requests: list[dict[str, Any]]


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gateway]:
    """A tiny SMS gateway: answers each POST with the next scripted reply (200 when none is
    left) and records what it received."""
    replies: list[Reply] = []
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            received.append(
                {
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "json": json.loads(self.rfile.read(length)),
                }
            )
            reply = replies.pop(0) if replies else Reply()
            if reply.delay:
                time.sleep(reply.delay)
            payload = reply.body.encode()
            try:
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up (timeout test)

        def do_GET(self) -> None:
            received.append({"path": self.path, "method": "GET"})
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("MOTCUA_SMS_GATEWAY_TOKEN", "s3cret-token")
    try:
        yield Gateway(f"http://127.0.0.1:{server.server_address[1]}/send", replies, received)
    finally:
        server.shutdown()
        server.server_close()


def test_gateway_receives_json_with_the_bearer_token(gateway: Gateway) -> None:
    n = queue_one()
    HttpSmsBackend(url=gateway.url, sender="UBND TINH").send(n)
    [request] = gateway.requests
    assert request["path"] == "/send"
    assert request["headers"]["Authorization"] == "Bearer s3cret-token"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["headers"]["Idempotency-Key"] == f"motcua-{n.pk}"
    assert request["json"] == {
        "to": "0912345678",
        "message": n.body,
        "reference": f"motcua-{n.pk}",
        "sender": "UBND TINH",
    }


def test_gateway_error_names_the_status_and_the_start_of_the_body(gateway: Gateway) -> None:
    gateway.replies.append(Reply(503, "Service temporarily overloaded " + "x" * 1000))
    with pytest.raises(DeliveryError) as caught:
        HttpSmsBackend(url=gateway.url).send(queue_one())
    message = str(caught.value)
    assert message.startswith("SMS gateway answered HTTP 503: Service temporarily overloaded")
    assert message.endswith("…")
    assert len(message) < 400


def test_gateway_refusing_the_token(gateway: Gateway) -> None:
    gateway.replies.append(Reply(401, '{"error": "invalid token"}'))
    with pytest.raises(DeliveryError, match=r'HTTP 401: \{"error": "invalid token"\}'):
        HttpSmsBackend(url=gateway.url).send(queue_one())


def test_gateway_timeout(gateway: Gateway) -> None:
    gateway.replies.append(Reply(delay=1.5))
    started = time.monotonic()
    with pytest.raises(DeliveryError, match=r"timed out after 0.3 s"):
        HttpSmsBackend(url=gateway.url, timeout=0.3).send(queue_one())
    assert time.monotonic() - started < 1.4


def test_gateway_redirect_is_an_error_and_the_token_goes_nowhere_else(gateway: Gateway) -> None:
    gateway.replies.append(Reply(302, "", headers={"Location": gateway.url + "/elsewhere"}))
    with pytest.raises(DeliveryError, match="HTTP 302: \\(empty body\\)"):
        HttpSmsBackend(url=gateway.url).send(queue_one())
    assert [r["path"] for r in gateway.requests] == ["/send"]


def test_gateway_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_SMS_GATEWAY_TOKEN", "t")
    backend = HttpSmsBackend(url=f"http://127.0.0.1:{closed_port()}/send")
    with pytest.raises(DeliveryError, match="unreachable"):
        backend.send(queue_one())


def test_gateway_without_token_or_url_sends_nothing(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MOTCUA_SMS_GATEWAY_TOKEN")
    with pytest.raises(DeliveryError, match="token is not set"):
        HttpSmsBackend(url=gateway.url).send(queue_one())
    monkeypatch.delenv("MOTCUA_SMS_GATEWAY_URL", raising=False)
    with pytest.raises(DeliveryError, match="URL is not configured"):
        HttpSmsBackend().send(queue_one())
    assert gateway.requests == []


def test_gateway_settings_from_the_environment(
    gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MOTCUA_SMS_GATEWAY_URL", gateway.url)
    monkeypatch.setenv("MOTCUA_SMS_GATEWAY_TIMEOUT", "2.5")
    backend = HttpSmsBackend()
    assert (backend.url, backend.timeout) == (gateway.url, 2.5)
    backend.send(queue_one())
    assert len(gateway.requests) == 1


def test_unaccented_messages_for_gsm_only_contracts(gateway: Gateway) -> None:
    HttpSmsBackend(url=gateway.url, unaccent=True).send(queue_one())
    assert gateway.requests[0]["json"]["message"] == (
        "Ho so cua ong/ba da duoc tiep nhan. Hen tra: 10:00 16/03/2026."
    )
    assert unaccented("Đăng ký ĐẤT ĐAI") == "Dang ky DAT DAI"


def test_gateway_through_the_task_failure_then_success(gateway: Gateway, settings: Any) -> None:
    settings.MOTCUA_NOTIFICATION_BACKENDS = {
        "sms": {"BACKEND": "http_sms", "OPTIONS": {"url": gateway.url, "timeout": 5}}
    }
    settings.MOTCUA_NOTIFICATION_BACKOFF = [0]
    gateway.replies.append(Reply(500, "Internal Server Error"))
    n = queue_one()
    assert deliver.call(n.pk) == "retrying"
    n.refresh_from_db()
    assert n.last_error == "SMS gateway answered HTTP 500: Internal Server Error"
    assert deliver.call(n.pk) == "sent"
    n.refresh_from_db()
    assert (n.status, n.attempts, len(gateway.requests)) == ("sent", 2, 2)
    # The same reference both times: a deduplicating gateway sends it once.
    assert {r["json"]["reference"] for r in gateway.requests} == {f"motcua-{n.pk}"}


# --- configuration checks -------------------------------------------------------------------


def test_checks_accept_the_defaults(settings: Any) -> None:
    settings.MOTCUA_NOTIFICATION_BACKENDS = {}
    assert check_backends() == []


def test_checks_report_misconfiguration(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MOTCUA_SMS_GATEWAY_TOKEN", raising=False)
    monkeypatch.delenv("MOTCUA_SMS_GATEWAY_URL", raising=False)
    settings.MOTCUA_NOTIFICATION_BACKENDS = {
        "sms": "http_sms",
        "email": "motcua.nowhere.Backend",
        "pigeon": "console",
    }
    ids = sorted(str(message.id) for message in check_backends())
    assert ids == [
        "motcua.notifications.E001",  # unknown channel
        "motcua.notifications.E002",  # e-mail backend does not import
        "motcua.notifications.E003",  # gateway without URL
        "motcua.notifications.W001",  # gateway without token
    ]
