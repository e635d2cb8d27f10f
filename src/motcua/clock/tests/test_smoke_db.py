from motcua.clock.selectors import working_calendar, year_exceptions


def test_seeded_calendar_knows_2026_tet_and_swap(calendar):
    days = {e.date.isoformat(): e for e in year_exceptions(calendar, 2026)}
    assert days["2026-02-16"].kind == "holiday"
    assert days["2026-08-22"].working is True
    cal = working_calendar(calendar)
    assert not cal.is_working_day(days["2026-08-31"].date)
