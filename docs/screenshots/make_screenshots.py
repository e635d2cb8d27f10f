"""Screenshots of the main pages, as a new user of `make demo` sees them (in Vietnamese).

    .venv/bin/python docs/screenshots/make_screenshots.py [--var-dir DIR] [--port N]

Seeds the demo (`motcua demo --no-serve`) in a scratch directory (or reuses DIR: the demo is
idempotent and a second run is quick), serves it with `motcua serve` as the demo does, logs in
as the demo's receiver, specialist and leader through the real login form, and saves PNGs
into this folder: desktop pages 1280 pixels wide, the citizen's pages 390 wide (a phone).
Needs Chromium (`/usr/bin/chromium`, or MOTCUA_CHROMIUM); uses Playwright's Python package
from the development dependencies, never its browser downloads.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import closing
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
MAX_HEIGHT = 2400  # long pages are cut: the top is what a new user sees first
# The demo's ward: its service centre's receiver, the ward's specialist and leader, and six
# months of its dossiers in every state.
RECEIVER, SPECIALIST, LEADER = "mytho.tiepnhan", "mytho.chuyenvien", "mytho.lanhdao"
# The dashboard reports on an agency with all its children: the province's inspector.
INSPECTOR = "tinh.thanhtra"


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):  # noqa: S310 (a local URL)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def django_setup(env: dict[str, str]) -> None:
    """This process reads the demo's database too: to pick dossiers and compute the codes."""
    os.environ.update(env)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    import django

    django.setup()


def sample_dossiers() -> dict[str, str]:
    """Codes of demo dossiers in telling states, for the pages that show one."""
    from motcua.agencies.models import RoleAssignment
    from motcua.dossiers.models import Dossier

    agency = RoleAssignment.objects.filter(official__username=SPECIALIST).values("agency")[:1]
    ward = Dossier.objects.filter(competent_agency__in=agency)
    picks = {
        "in_progress": ward.filter(state="in_progress", current_step__role="specialist"),
        "result_ready": ward.filter(state="result_ready"),
    }
    return {
        name: code
        for name, query in picks.items()
        if (code := query.order_by("-received_at").values_list("code", flat=True).first())
    }


def log_in(page: Any, username: str, password: str) -> None:
    from motcua.identity.models import User
    from motcua.identity.selectors import current_code
    from motcua.identity.services import ensure_totp

    ensure_totp(User.objects.get(username=username))
    page.goto("/dang-nhap/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/dang-nhap/ma-xac-thuc/")
    for _attempt in range(2):
        page.locator("input[name=code]").fill(current_code(username))
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        if "/dang-nhap/" not in page.url:
            return
        time.sleep(31 - time.time() % 30)  # a code is good once: wait for the next one
    raise SystemExit(f"could not log in as {username}")


class Shooter:
    def __init__(self, browser: Any, base: str) -> None:
        self.browser, self.base, self.saved = browser, base, []

    def page(self, viewport: dict[str, int]) -> Any:
        context = self.browser.new_context(base_url=self.base, viewport=viewport, locale="vi-VN")
        context.set_default_timeout(30_000)
        return context.new_page()

    def shoot(self, page: Any, path: str, name: str, title: str) -> None:
        response = page.goto(path)
        if response is None or response.status != 200:
            print(f"  ! {path}: HTTP {response and response.status}", file=sys.stderr)
        page.wait_for_load_state("networkidle")
        self.save(page, name, title)

    def save(self, page: Any, name: str, title: str) -> None:
        height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT)
        width = page.viewport_size["width"]
        page.screenshot(
            path=HERE / f"{name}.png",
            full_page=True,
            clip={"x": 0, "y": 0, "width": width, "height": height},
        )
        self.saved.append((name, title, page.url.removeprefix(self.base)))
        print(f"  {name}.png  {title}")


def shoot_all(browser: Any, base: str, password: str) -> list[tuple[str, str, str]]:
    dossiers = sample_dossiers()
    s = Shooter(browser, base)

    public = s.page(DESKTOP)
    s.shoot(public, "/", "01-portal-home", "Portal home (visitor)")
    s.shoot(
        public,
        "/thu-tuc/?q=khai+sinh",
        "02-catalogue-search",
        "Catalogue search, typed without accents",
    )
    public.locator("#results a").first.click()
    public.wait_for_load_state("networkidle")
    s.save(public, "03-procedure-detail", "A procedure in full")
    s.shoot(public, "/thong-ke/", "04-statistics", "Published statistics")
    s.shoot(public, "/dang-nhap/", "05-login", "Officials' login, step 1")

    phone = s.page(PHONE)
    s.shoot(phone, "/", "10-phone-home", "Portal home on a phone")
    s.shoot(phone, "/tra-cuu/", "11-phone-lookup", "Dossier lookup form on a phone")
    if "in_progress" in dossiers:
        s.shoot(
            phone,
            f"/tra-cuu/{dossiers['in_progress']}/",
            "12-phone-lookup-result",
            "Lookup result on a phone (masked)",
        )
    s.shoot(phone, "/thu-tuc/?q=khai+sinh", "13-phone-catalogue", "Catalogue search on a phone")

    receiver = s.page(DESKTOP)
    log_in(receiver, RECEIVER, password)
    s.save(receiver, "20-receiver-home", "Receiver's home after login")
    s.shoot(
        receiver, "/mot-cua/?q=khai+sinh", "21-desk-search", "Reception desk: finding the procedure"
    )
    receiver.locator("#procedure-results a").first.click()
    receiver.wait_for_load_state("networkidle")
    s.save(receiver, "22-desk-intake", "Reception desk: the intake form")
    if "result_ready" in dossiers:
        s.shoot(
            receiver,
            f"/mot-cua/ho-so/{dossiers['result_ready']}/",
            "23-desk-return",
            "Reception desk: handing the result over",
        )

    specialist = s.page(DESKTOP)
    log_in(specialist, SPECIALIST, password)
    s.save(specialist, "30-specialist-home", "Specialist's home after login")
    s.shoot(specialist, "/ho-so/", "31-workspace-queue", "Workspace: my queue")
    if "in_progress" in dossiers:
        s.shoot(
            specialist,
            f"/ho-so/{dossiers['in_progress']}/",
            "32-workspace-dossier",
            "Workspace: the dossier page",
        )

    leader = s.page(DESKTOP)
    log_in(leader, LEADER, password)
    s.save(leader, "40-leader-home", "Leader's home after login")
    s.shoot(leader, "/dieu-hanh/", "41-leader-dashboard", "Leader's dashboard (the ward)")

    inspector = s.page(DESKTOP)
    log_in(inspector, INSPECTOR, password)
    s.shoot(inspector, "/dieu-hanh/", "42-dashboard", "Dashboard of the province (inspector)")
    return s.saved


def write_readme(saved: list[tuple[str, str, str]]) -> None:
    lines = [
        "# Screenshots",
        "",
        "The main pages of `make demo` as a new user sees them, in Vietnamese: desktop pages",
        "1280 pixels wide, the citizen's pages 390 wide (a phone); long pages are cut at",
        f"{MAX_HEIGHT} pixels. Regenerate them after a change of the pages:",
        "",
        "```sh",
        ".venv/bin/python docs/screenshots/make_screenshots.py   # needs Chromium",
        "```",
        "",
        "| File | Page | Path |",
        "|---|---|---|",
        *[f"| [{name}.png]({name}.png) | {title} | `{path}` |" for name, title, path in saved],
        "",
    ]
    (HERE / "README.md").write_text("\n".join(lines), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var-dir", help="the demo's state directory (default: a scratch one)")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"no Chromium at {CHROMIUM}: apt-get install chromium")
    scratch = None if args.var_dir else tempfile.mkdtemp(prefix="motcua-screens-")
    var_dir = Path(args.var_dir or scratch or "").resolve()
    env = {**os.environ, "MOTCUA_VAR_DIR": str(var_dir), "DEBUG": "1"}
    env.pop("DATABASE_URL", None)
    motcua = str(BIN / "motcua")
    server = None
    try:
        subprocess.run(  # noqa: S603 (our own command)
            [motcua, "demo", "--no-serve"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        password = (var_dir / "demo_password").read_text(encoding="utf-8").strip()
        port = args.port or free_port()
        server = subprocess.Popen(  # noqa: S603
            [motcua, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/dang-nhap/")
        django_setup({"MOTCUA_VAR_DIR": str(var_dir), "DEBUG": "1"})
        os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            saved = shoot_all(browser, base, password)
            browser.close()
        write_readme(saved)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
