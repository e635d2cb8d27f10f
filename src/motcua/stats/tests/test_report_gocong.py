"""Seed 000: the Gò Công report of the first half of 2024, reproduced exactly.

The article: "tồn kỳ trước 350 hồ sơ, trực tiếp 4.598 hồ sơ và trực tuyến 6.746 hồ sơ" = 11,694
dossiers; "6.746 hồ sơ, đạt tỷ lệ 57,69%" (of the total); "giải quyết trước, đúng hạn là 11.636
hồ sơ, đạt tỷ lệ 99,5%" (of the total). The article does not say what became of the other 58;
this history makes 20 of them late and leaves 38 in progress on 1 July 2024:

                        early  on time  late  within  overdue  paused   total
  carried over (Dec 23)   200      145     3       0        2       0     350
  counter (H1 2024)     3,000    1,576    10       8        2       2   4,598
  online (H1 2024)      5,000    1,715     7      17        4       3   6,746
  total                 8,200    3,436    20      25        8       5  11,694

  on_time_rate          = 11,636 / 11,656 = 99.828… → 99.83
  online_rate           =  6,746 / 11,344 = 59.467… → 59.47
  on_time_rate_of_total = 11,636 / 11,694 = 99.504… → 99.50   (the article's 99,5%)
  online_share_of_total =  6,746 / 11,694 = 57.687… → 57.69   (the article's 57,69%)

11,694 dossiers through the engine would take minutes, so they are written in bulk, as an
import from another system would: the dossiers, their receive / resolve / supplement events
(each with the due time after it) and open pauses; then ``motcua stats-rebuild`` recomputes the
daily flows from the dossier table and forgets the snapshots.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation
from openpyxl import load_workbook

from motcua.agencies.models import Agency
from motcua.agencies.services import upsert_agencies
from motcua.catalog.models import Field, Procedure, ProcedureVersion, Status
from motcua.core.localtime import LOCAL_TZ
from motcua.dossiers.clockwork import classify
from motcua.dossiers.models import Dossier, DossierEvent, Pause
from motcua.stats.figures import direct
from motcua.stats.models import DailyFlow
from motcua.stats.report import build_report

pytestmark = pytest.mark.django_db

CITY = "000.15.00.H57"
AGENCIES = [
    {
        "code": "000.00.00.H57",
        "name": "UBND tỉnh Tiền Giang",
        "kind": "people_committee",
        "level": "province",
    },
    {
        "code": CITY,
        "name": "UBND thành phố Gò Công",
        "kind": "people_committee",
        "level": "district",
        "parent": "000.00.00.H57",
    },
    {
        "code": "000.15.01.H57",
        "name": "Bộ phận Tiếp nhận và Trả kết quả TP. Gò Công",
        "kind": "service_centre",
        "level": "district",
        "parent": CITY,
    },
]
# (group, channel, timeliness or open class, how many)
PLAN = [
    ("carried", "counter", "early", 200),
    ("carried", "counter", "on_time", 145),
    ("carried", "counter", "late", 3),
    ("carried", "counter", "overdue", 2),
    ("h1", "counter", "early", 3000),
    ("h1", "counter", "on_time", 1576),
    ("h1", "counter", "late", 10),
    ("h1", "counter", "within_deadline", 8),
    ("h1", "counter", "overdue", 2),
    ("h1", "counter", "paused", 2),
    ("h1", "online", "early", 5000),
    ("h1", "online", "on_time", 1715),
    ("h1", "online", "late", 7),
    ("h1", "online", "within_deadline", 17),
    ("h1", "online", "overdue", 4),
    ("h1", "online", "paused", 3),
]
EXPECTED = {
    "carried_over": 350,
    "received": {"counter": 4598, "online": 6746, "postal": 0, "total": 11344},
    "total": 11694,
    "resolved": {"early": 8200, "on_time": 3436, "late": 20, "total": 11656},
    "in_progress": {"within_deadline": 25, "overdue": 8, "paused": 5, "total": 38},
    "rates": {
        "on_time_rate": 99.83,
        "online_rate": 59.47,
        "on_time_rate_of_total": 99.50,
        "online_share_of_total": 57.69,
    },
}


def _working_days(first: date, last: date) -> list[date]:
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [d for d in days if d.weekday() < 5]


def _at(day: date, i: int) -> datetime:
    """A time of day between 08:00 and 14:59, spread by ``i``."""
    return datetime.combine(day, time(8), tzinfo=LOCAL_TZ) + timedelta(minutes=(i * 7) % 420)


def _timeline(group: str, kind: str, i: int) -> tuple[datetime, datetime, datetime | None]:
    """(received, due, resolved) for the ``i``-th dossier of a kind."""
    if group == "carried":  # received 20–29 Dec 2023, due two weeks later (3–12 January)
        days = _working_days(date(2023, 12, 20), date(2023, 12, 29))
        received = _at(days[i % len(days)], i)
        due = received + timedelta(days=14)
    elif kind == "within_deadline":  # received 27–28 June, due in July
        received = _at(date(2024, 6, 27) + timedelta(days=i % 2), i)
        due = received + timedelta(days=7)
    elif kind in ("overdue", "paused"):  # received in May / early June, never resolved
        received = _at(date(2024, 5, 20) if kind == "overdue" else date(2024, 6, 3), i)
        due = received + timedelta(days=7)
    else:  # received on the working days of 2 January – 14 June, resolved by 22 June
        days = _working_days(date(2024, 1, 2), date(2024, 6, 14))
        received = _at(days[i % len(days)], i)
        due = received + timedelta(days=7)
    resolved = {
        "early": (received + timedelta(days=1)) if group == "h1" else _at(date(2024, 1, 2), i),
        "on_time": due - timedelta(minutes=30),
        "late": due + timedelta(days=1),
        # Within the deadline on 1 July; some are resolved afterwards, which must not count.
        "within_deadline": (due - timedelta(days=1)) if i % 2 else None,
    }.get(kind)
    return received, due, resolved


def load_gocong() -> Agency:
    """Write the history in bulk; return the city's People's Committee."""
    upsert_agencies(AGENCIES)
    city = Agency.objects.get(code=CITY)
    centre = Agency.objects.get(code="000.15.01.H57")
    field = Field.objects.create(code="HT", name="Hộ tịch")
    procedure = Procedure.objects.create(code="1.001193")
    version = ProcedureVersion.objects.create(
        procedure=procedure,
        version=1,
        name="Đăng ký khai sinh",
        field=field,
        levels=["district"],
        status=Status.PUBLISHED,
        processing_value=Decimal(5),
        processing_unit="working_days",
    )
    procedure.current = version
    procedure.save()
    numbers: Counter[date] = Counter()
    dossiers, timelines = [], []
    for group, channel, kind, count in PLAN:
        for i in range(count):
            received, due, resolved = _timeline(group, kind, i)
            day = received.astimezone(LOCAL_TZ).date()
            numbers[day] += 1
            if resolved is not None:
                state, timeliness, outcome = "returned", classify(resolved, due), "approved"
                assert kind == "within_deadline" or timeliness == kind
            else:
                state, timeliness, outcome = (
                    "awaiting_supplement" if kind == "paused" else "in_progress",
                    "",
                    "",
                )
            dossiers.append(
                Dossier(
                    code=f"{CITY}-{day:%y%m%d}-{numbers[day]:04d}",
                    procedure=procedure,
                    procedure_version=version,
                    channel=channel,
                    state=state,
                    receiving_centre=centre,
                    competent_agency=city,
                    applicant_name="Công dân",
                    submitted_at=received if channel == "online" else None,
                    received_at=received,
                    due_at=None if kind == "paused" else due,
                    resolved_at=resolved,
                    timeliness=timeliness,
                    outcome=outcome,
                    imported=True,
                )
            )
            timelines.append((kind, received, due, resolved))
    created = Dossier.objects.bulk_create(dossiers, batch_size=2000)
    events, pauses = [], []
    for dossier, (kind, received, due, resolved) in zip(created, timelines, strict=True):
        events.append(_event(dossier, 1, "receive", "received", received, due))
        if resolved is not None:
            events.append(_event(dossier, 2, "approve", "result_ready", resolved, due))
        if kind == "paused":
            start = received + timedelta(days=2)
            events.append(_event(dossier, 2, "request_supplement", dossier.state, start, None))
            pauses.append(
                Pause(
                    dossier=dossier,
                    kind="supplement",
                    start=start,
                    resume_state="in_progress",
                    reason="Bổ sung giấy tờ",
                )
            )
    DossierEvent.objects.bulk_create(events, batch_size=2000)
    Pause.objects.bulk_create(pauses)
    return city


def _event(
    dossier: Dossier, seq: int, action: str, state: str, at: datetime, due: datetime | None
) -> DossierEvent:
    return DossierEvent(
        dossier=dossier,
        seq=seq,
        action=action,
        to_state=state,
        actor_name="import",
        at=at,
        due_at=due,
    )


def run(command: str, *args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command(command, *args, stdout=out, stderr=err)
    assert err.getvalue() == ""
    return out.getvalue()


def test_gocong_first_half_of_2024(db: object, tmp_path: Path) -> None:
    """One test, one load: writing the history takes most of the time."""
    load_gocong()
    assert Dossier.objects.count() == 11694
    assert not DailyFlow.objects.exists()  # written around the engine: no flows yet
    out = run("stats_rebuild", "--from", "2023-12-01")
    # 11,656 resolved in the first half, and 12 of the "within" ones in July.
    assert "11694 dossiers received" in out and "11668 resolved" in out

    _the_article_figures()
    _the_aggregates_equal_the_definition()
    _by_month()
    _the_excel_form(tmp_path)
    _the_screen_table()


def _the_article_figures() -> None:
    body = json.loads(run("report", "--from", "2024-01-01", "--to", "2024-06-30", "--agency", CITY))
    assert body["rates"]["online_share_of_total"] == 57.69
    assert body["rates"]["on_time_rate_of_total"] == 99.50
    assert {k: v for k, v in body.items() if k not in ("period", "scope")} == EXPECTED
    assert body["period"] == {
        "from": "2024-01-01",
        "to": "2024-06-30",
        "as_of": "2024-07-01T00:00:00+07:00",
        "live": False,
    }
    assert body["scope"]["agency"] == {
        "code": CITY,
        "name": "UBND thành phố Gò Công",
        "level": "district",
    }
    # The province's report holds the city's figures (its subtree), and the district level too.
    province = build_report({"agency": "000.00.00.H57"}, "2024-01-01", "2024-06-30")
    assert province.as_dict()["total"] == 11694
    assert province.as_dict()["rates"] == EXPECTED["rates"]
    district = build_report({"level": "district"}, "2024-01-01", "2024-06-30")
    assert district.figures.total == 11694


def _the_aggregates_equal_the_definition() -> None:
    report = build_report({"agency": CITY}, "2024-01-01", "2024-06-30")
    assert report.figures.as_dict() == direct(report.scope, report.period, report.as_of).as_dict()
    report.figures.check()


def _by_month() -> None:
    report = build_report({"agency": CITY}, "2024-01-01", "2024-06-30", breakdown="month")
    months = report.rows
    assert [m.code for m in months] == [f"2024-0{i}" for i in range(1, 7)]
    assert months[0].figures.carried_over == 350
    assert sum(m.figures.received_total for m in months) == 11344
    assert sum(m.figures.resolved_total for m in months) == 11656
    assert months[-1].figures.in_progress == {"within_deadline": 25, "overdue": 8, "paused": 5}
    for previous, month in pairwise(months):
        # What is open at the end of a month is carried over into the next.
        assert month.figures.carried_over == previous.figures.in_progress_total
    for month in months:
        month.figures.check()


def _the_excel_form(tmp_path: Path) -> None:
    path = tmp_path / "gocong.xlsx"
    run(
        "report",
        *("--from", "2024-01-01", "--to", "2024-06-30", "--agency", CITY),
        *("--format", "xlsx", "--output", str(path)),
    )
    ws = load_workbook(path).active
    assert ws["L1"].value == f"Đơn vị báo cáo: UBND thành phố Gò Công ({CITY})"
    assert ws["L3"].value == "Đơn vị nhận báo cáo: UBND tỉnh Tiền Giang"
    assert ws.cell(11, 2).value == "Hộ tịch (HT)"
    total = [ws.cell(12, c).value for c in range(2, 15)]
    assert total == ["Tổng cộng", 11694, 6746, 4598, 350, 11656, 8200, 3436, 20, 38, 25, 8, 5]
    rates = {ws.cell(r, 2).value: ws.cell(r, 9).value for r in range(14, 18)}
    share = rates["Tỷ lệ hồ sơ trực tuyến trên tổng số hồ sơ nhận giải quyết"]
    assert round(share * 100, 2) == 57.69


def _the_screen_table() -> None:
    out = run(
        "report",
        *("--from", "2024-01-01", "--to", "2024-06-30", "--agency", CITY, "--format", "table"),
    )
    total = next(line for line in out.splitlines() if "Tổng cộng" in line)
    assert total.replace("│", " ").split()[2:6] == ["11.694", "6.746", "4.598", "350"]
    assert "57,69%" in out and "99,50%" in out
