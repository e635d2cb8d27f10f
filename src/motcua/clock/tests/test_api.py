"""``/api/v1/calendar``: the year view and the due-time computation, with problem details."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from motcua.clock import services
from motcua.clock.models import Calendar, CalendarChange, DayKind

URL = "/api/v1/calendar"


@pytest.fixture
def api(calendar: Calendar) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def post(client: Client, body: dict[str, Any], query: str = "") -> Any:
    return client.post(f"{URL}/due-time{query}", body, content_type="application/json")


def problem_fields(response: Any) -> list[str]:
    assert response["Content-Type"] == "application/problem+json"
    return [e["field"] for e in response.json().get("errors", [])]


# --- GET /calendar/{year} -------------------------------------------------------------------


def test_year_2026(api: Client) -> None:
    response = api.get(f"{URL}/2026")
    assert response.status_code == 200
    body = response.json()
    assert body["year"] == 2026
    assert (body["first_year"], body["last_year"]) == (2015, 2035)
    assert body["calendar"] == {
        "code": "default",
        "name": "Lịch làm việc chung",
        "base": None,
        "office_hours": [{"start": "07:30", "end": "11:30"}, {"start": "13:00", "end": "17:00"}],
        "working_day_hours": 8,
    }
    days = {d["date"]: d for d in body["exceptions"]}
    assert days["2026-02-17"]["name"] == "Tết Nguyên Đán"
    assert days["2026-08-22"]["kind"] == "working_day"
    assert days["2026-08-22"]["working"] is True
    assert days["2026-08-31"]["working"] is False
    assert days["2026-09-02"] == {
        "date": "2026-09-02",
        "kind": "holiday",
        "name": "Quốc khánh",
        "working": False,
        "reason": "",
        "announcement": "",
        "source": "seed",
    }
    off = body["non_working_dates"]
    # 104 weekend days − Sat 22 Aug + 13 weekdays off (1 Jan; 16–20 Feb; 27 Apr; 30 Apr; 1 May;
    # 31 Aug; 1, 2 Sep; 24 Nov), counted by hand.
    assert len(off) == 116
    assert "2026-08-22" not in off
    assert {"2026-01-01", "2026-02-16", "2026-02-20", "2026-04-27", "2026-08-31"} <= set(off)
    assert "2026-03-10" not in off


def test_year_shows_an_amendment(api: Client, calendar: Calendar) -> None:
    services.amend_day(
        calendar,
        date(2026, 3, 10),
        DayKind.DAY_OFF,
        name="Nghỉ bão",
        reason="Bão số 3",
        announcement="CV 123/UBND",
    )
    body = api.get(f"{URL}/2026").json()
    entry = next(d for d in body["exceptions"] if d["date"] == "2026-03-10")
    assert entry["source"] == "admin"
    assert (entry["reason"], entry["announcement"]) == ("Bão số 3", "CV 123/UBND")
    assert "2026-03-10" in body["non_working_dates"]
    assert len(body["non_working_dates"]) == 117


def test_year_of_an_agency_calendar(api: Client) -> None:
    services.create_calendar(code="xa-a", name="Xã A", periods=[["08:00", "12:00"]])
    body = api.get(f"{URL}/2026?calendar=xa-a").json()
    assert body["calendar"]["base"] == "default"
    assert body["calendar"]["office_hours"] == [{"start": "08:00", "end": "12:00"}]
    assert len(body["non_working_dates"]) == 116


@pytest.mark.parametrize(
    ("path", "status"),
    [("/2036", 404), ("/2014", 404), ("/2026?calendar=nope", 404), ("/abc", 422)],
)
def test_year_errors(api: Client, path: str, status: int) -> None:
    response = api.get(URL + path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == status


def test_no_calendar_yet(db: None) -> None:
    response = Client().get(f"{URL}/2026")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


# --- POST /calendar/due-time ----------------------------------------------------------------

CASES = [
    (
        {"start": "2026-03-10T10:00:00+07:00", "working_hours": 4},
        "2026-03-10T15:30:00+07:00",
        "2026-03-10T10:00:00+07:00",
    ),
    (
        {
            "start": "2026-03-09T08:00",
            "working_days": 3,
            "pauses": [{"start": "2026-03-10T10:00", "end": "2026-03-12T10:00"}],
        },
        "2026-03-16T08:00:00+07:00",
        "2026-03-09T08:00:00+07:00",
    ),
    (
        {"start": "2026-03-09T08:00", "working_days": 3, "restart_at": "2026-03-12T10:00"},
        "2026-03-17T10:00:00+07:00",
        "2026-03-12T10:00:00+07:00",
    ),
    (
        {"start": "2026-03-10T18:30", "working_days": 1},
        "2026-03-11T17:00:00+07:00",
        "2026-03-11T07:30:00+07:00",
    ),
    (
        {"start": "2026-03-10T15:01", "working_hours": 1, "cutoff": "15:00"},
        "2026-03-11T08:30:00+07:00",
        "2026-03-11T07:30:00+07:00",
    ),
    (
        {"start": "2026-03-10T03:00:00Z", "working_hours": 1.5},
        "2026-03-10T11:30:00+07:00",
        "2026-03-10T10:00:00+07:00",
    ),
    (
        {"start": "2026-03-10T11:30", "working_hours": 0.25},
        "2026-03-10T13:15:00+07:00",
        "2026-03-10T13:00:00+07:00",
    ),
    (
        {"start": "2025-04-29T16:00", "working_days": 1},
        "2025-05-05T16:00:00+07:00",
        "2025-04-29T16:00:00+07:00",
    ),
]


@pytest.mark.parametrize(("body", "due_at", "counted_from"), CASES)
def test_due_time(api: Client, body: dict, due_at: str, counted_from: str) -> None:
    response = post(api, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"due_at": due_at, "counted_from": counted_from}


def test_due_time_on_an_agency_calendar(api: Client) -> None:
    services.create_calendar(
        code="xa-a", name="Xã A", periods=[["08:00", "12:00"], ["13:30", "17:30"]]
    )
    # 07:45 + 4 h: 08:00–12:00 on the agency's hours, 07:45–11:30 + 13:00–13:15 by default.
    body = {"start": "2026-03-10T07:45", "working_hours": 4}
    assert post(api, body, "?calendar=xa-a").json()["due_at"] == "2026-03-10T12:00:00+07:00"
    assert post(api, {**body, "calendar": "xa-a"}).json() == {
        "due_at": "2026-03-10T12:00:00+07:00",
        "counted_from": "2026-03-10T08:00:00+07:00",
    }
    assert post(api, body).json()["due_at"] == "2026-03-10T13:15:00+07:00"


START = "2026-03-10T10:00"
BAD = [
    ({"working_days": 1}, 422, ["start"]),
    ({"start": "tomorrow", "working_days": 1}, 422, ["start"]),
    ({"start": START}, 422, ["working_days"]),
    ({"start": START, "working_days": 1, "working_hours": 2}, 422, ["working_days"]),
    ({"start": START, "working_days": 0}, 422, ["working_days"]),
    ({"start": START, "working_hours": -1}, 422, ["working_hours"]),
    ({"start": START, "working_hours": "many"}, 422, ["working_hours"]),
    ({"start": START, "working_hours": 1, "cutoff": "3pm"}, 422, ["cutoff"]),
    ({"start": START, "working_hours": 1, "cutoff": "15:00:00"}, 422, ["cutoff"]),
    (
        {"start": START, "working_hours": 1, "pauses": [{"start": "2026-03-10T11:00"}]},
        422,
        ["pauses[0].end"],
    ),
    (
        {
            "start": START,
            "working_hours": 1,
            "pauses": [
                {"start": "2026-03-10T11:00", "end": "2026-03-10T12:00"},
                {"start": "2026-03-10T11:00", "end": "2026-03-10T10:00"},
            ],
        },
        422,
        ["pauses[1].end"],
    ),
    ({"start": START, "working_hours": 1, "restart_at": "2026-03-01T10:00"}, 422, ["restart_at"]),
    ({"start": "2040-01-02T10:00", "working_hours": 1}, 422, ["start"]),
    (
        {
            "start": START,
            "working_hours": 1,
            "pauses": [{"start": "2010-01-01T10:00", "end": "2026-03-10T10:00"}],
        },
        422,
        ["pauses[0].start"],
    ),
    ({"start": "2035-12-28T10:00", "working_days": 10}, 422, ["working_days"]),
    ({"start": START, "working_hours": 1, "calendar": "nope"}, 404, []),
    ({"start": START, "working_hours": 1, "calendar": "a"}, 422, ["calendar"]),  # query says b
    ({"start": "nope", "working_days": 0, "cutoff": "9"}, 422, ["start"]),
    ({"start": "9999-12-31T23:00:00Z", "working_hours": 1}, 422, ["start"]),  # year 10000 here
    ({"start": "0001-01-01T00:00:00+14:00", "working_hours": 1}, 422, ["start"]),
    ({"start": START, "working_hours": 1e308}, 422, ["working_hours"]),
    ({"start": START, "working_days": 1e-30}, 422, ["working_days"]),
    ({"start": START, "working_days": 1e9}, 422, ["working_days"]),  # after 2035
    ({"start": START, "working_hours": 1, "cutoff": ""}, 422, ["cutoff"]),
    ({"start": START, "working_hours": 1, "pauses": "x"}, 422, ["pauses"]),
    (
        {
            "start": START,
            "working_hours": 1,
            "pauses": [{"start": "9999-12-31T23:00:00Z", "end": "9999-12-31T23:30:00Z"}],
        },
        422,
        ["pauses[0].start", "pauses[0].end"],
    ),
    (
        {"start": START, "working_days": 0, "cutoff": "9", "restart_at": "2026-03-01"},
        422,
        ["working_days", "cutoff", "restart_at"],
    ),
]


@pytest.mark.parametrize(("body", "status", "fields"), BAD)
def test_due_time_bad_input(api: Client, body: dict, status: int, fields: list[str]) -> None:
    query = "?calendar=b" if body.get("calendar") == "a" else ""
    response = post(api, body, query)
    assert response.status_code == status
    assert problem_fields(response) == fields
    assert response.json()["status"] == status
    assert not CalendarChange.objects.exists()


def test_due_time_body_is_not_json(api: Client) -> None:
    response = api.post(f"{URL}/due-time", "{", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response["Content-Type"] == "application/problem+json"


def test_open_api_documents_both_endpoints(api: Client) -> None:
    schema = api.get("/api/v1/openapi.json").json()
    year = schema["paths"]["/api/v1/calendar/{year}"]["get"]
    due = schema["paths"]["/api/v1/calendar/due-time"]["post"]
    for operation in (year, due):
        assert {"200", "404", "422"} <= set(operation["responses"])
        (error,) = operation["responses"]["422"]["content"].values()
        assert error["schema"]["$ref"].endswith("/Problem")
    body = schema["components"]["schemas"]["DueTimeIn"]["properties"]
    assert {"start", "working_days", "working_hours", "cutoff", "pauses", "restart_at"} <= set(body)


def test_the_year_view_lists_every_non_working_date_once(api: Client) -> None:
    body = api.get(f"{URL}/2024").json()
    off = [date.fromisoformat(d) for d in body["non_working_dates"]]
    assert off == sorted(set(off))
    assert date(2024, 5, 4) not in off  # the worked Saturday
    assert date(2024, 4, 29) in off
    weekends = sum(1 for n in range(366) if (date(2024, 1, 1) + timedelta(n)).weekday() >= 5)
    assert weekends == 104
    # 104 − Sat 4 May + weekdays off: 1 Jan; 8, 9, 12, 13, 14 Feb; 18 Apr; 29, 30 Apr; 1 May;
    # 2, 3 Sep.
    assert len(off) == 104 - 1 + 12
