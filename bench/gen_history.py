"""Generate a realistic dossier history of the sample province (Đồng Tháp) as a dossier file
(interfaces.md, "Dossier file"), for ``motcua import-dossiers`` and ``bench/bench_stats.py``.

    python bench/gen_history.py --count 1000000 --output history.jsonl \
        [--database-url URL] [--seed 1] [--per-year 2500000] [--end 2026-11-21]

Reads the agencies, the published procedures and the working calendar from the database
(``motcua demo --no-serve --no-history`` loads the sample province and catalogue without the
demo's own months, whose codes the generated ones would repeat; without --database-url the
environment's DATABASE_URL, else the embedded SQLite file). The history ends now (or --end) and
spans ``count / per-year`` years (2.5 million dossiers a year, a province of ~4 million people):

* days: more at the start of the week, few online ones at weekends and on holidays, a peak in
  the three weeks before Tết and a lull after it, a slow growth;
* procedures: civil status and certification dominate, then land, business households, social
  protection, criminal records, construction — the province's departments take their own;
* channels: about half online overall, from ~35 % at the start to ~65 % at the end (only for
  procedures offered online), a little post;
* pauses: supplement requests (more for land and construction) and suspensions for tax;
* outcomes: mostly approved, some refused, withdrawn or cancelled; the dossiers of the last days
  are still open (some paused); results handed over a little after;
* timeliness: due times from the clock (same calendar as the import), mostly early, a third on
  the due day, a tail of late ones (heavier for land).

The file is written in chunks of days (memory stays flat at any count), ordered by reception.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np

S = 1_000_000  # µs per second
DAY_S = 86_400
LOCAL_S = 7 * 3600
CHUNK = 400_000  # dossiers generated at once

# Share of a province's dossiers by procedure code (the long tail gets the rest).
WEIGHTS = {
    "2.000815": 20.0,  # chứng thực bản sao
    "2.000884": 7.0,  # chứng thực chữ ký
    "H20.CT.01": 3.0,
    "2.001019": 0.3,
    "2.000942": 2.0,
    "H20.CT.02": 3.0,
    "2.000927": 0.3,
    "1.001193": 7.0,  # khai sinh
    "1.000894": 2.5,  # kết hôn
    "1.000656": 2.0,  # khai tử
    "1.004859": 1.5,
    "1.004873": 4.0,  # xác nhận tình trạng hôn nhân
    "2.000635": 4.0,  # trích lục hộ tịch
    "1.000689": 0.5,
    "1.004884": 0.5,
    "1.005461": 0.2,
    "1.004746": 0.2,
    "1.001612": 1.5,
    "2.000720": 1.0,
    "1.001570": 0.4,
    "1.001266": 0.4,
    "2.000575": 0.2,
    "2.001610": 0.5,
    "1.013225": 1.5,  # giấy phép xây dựng
    "1.013227": 0.2,
    "1.013228": 0.2,
    "1.012753": 9.0,  # đăng ký đất đai
    "H20.DD.01": 8.0,  # biến động đất đai
    "1.001776": 2.0,
    "1.001731": 0.5,
    "1.001699": 0.8,
    "2.000488": 4.0,  # lý lịch tư pháp
    "H20.ATTP.01": 0.3,
    "H20.THUE.01": 1.0,
}
HEAVY_FIELDS = {"DD", "XD"}  # land and construction: more supplements, more late
WEEKDAY = np.array([1.35, 1.1, 1.0, 0.95, 0.9, 0.12, 0.05])  # Monday … Sunday
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Hoàng", "Võ", "Phan", "Trương", "Bùi"]
MIDDLE = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Ngọc", "Quốc", "Hoàng", "Kim", "Đức", "Thu"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hòa", "Hùng"]
GIVEN += ["Hương", "Khang", "Khoa", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngân"]
GIVEN += ["Nhân", "Phúc", "Phương", "Quân", "Quang", "Sơn", "Tâm", "Thảo", "Thắng", "Trang"]


def setup_django(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "motcua.settings")
    import django

    django.setup()


@dataclass
class Catalogue:
    codes: list[str]
    fields: list[str]
    weights: np.ndarray
    online: np.ndarray  # offered online
    postal: np.ndarray
    amount_us: np.ndarray
    cutoff_s: np.ndarray
    agency_codes: list[str]  # all competent agencies, indexed
    listed: np.ndarray  # per procedure: index of its single listed agency, or -1
    communes: np.ndarray  # indexes of the commune people's committees
    commune_weights: np.ndarray
    calendar: Any


def load_catalogue(rng: np.random.Generator) -> Catalogue:
    from motcua.agencies.models import AgencyKind
    from motcua.dossiers.importing.lookups import load

    lookups = load()
    codes, fields, weights, online, postal, amount, cutoff, listed = ([] for _ in range(8))
    agency_codes: list[str] = []
    index: dict[int, int] = {}
    for agency in lookups.agencies.values():
        if agency.kind != AgencyKind.SERVICE_CENTRE:
            index[agency.id] = len(agency_codes)
            agency_codes.append(agency.code)
    communes = [
        index[a.id]
        for a in lookups.agencies.values()
        if a.level == "commune" and a.kind == AgencyKind.PEOPLE_COMMITTEE
    ]
    for code, (_pid, versions, current_id) in sorted(lookups.procedures.items()):
        version = next((v for v in versions if v.id == current_id), versions[0])
        if version.scope_listed and len(version.listed) != 1:
            continue
        if not version.scope_listed and "commune" not in version.levels:
            continue
        obj = version.obj
        codes.append(code)
        fields.append(obj.field.code)
        weights.append(WEIGHTS.get(code, 0.2))
        online.append(obj.online_level != "none")
        postal.append(bool(obj.postal))
        amount.append(version.amount_us)
        cutoff.append(version.cutoff_s)
        listed.append(index[next(iter(version.listed))] if version.scope_listed else -1)
    if not codes or not communes:
        raise SystemExit(
            "no sample province or catalogue here: run `motcua demo --no-serve --no-history`"
        )
    sizes = rng.lognormal(0.0, 0.6, len(communes))  # communes differ in population
    return Catalogue(
        codes=codes,
        fields=fields,
        weights=np.array(weights) / sum(weights),
        online=np.array(online),
        postal=np.array(postal),
        amount_us=np.array(amount, dtype=np.int64),
        cutoff_s=np.array(cutoff, dtype=np.int64),
        agency_codes=agency_codes,
        listed=np.array(listed, dtype=np.int64),
        communes=np.array(communes, dtype=np.int64),
        commune_weights=sizes / sizes.sum(),
        calendar=lookups.calendar(None),
    )


def day_weights(days: np.ndarray, calendar: Any) -> tuple[np.ndarray, np.ndarray]:
    """Relative volume of each day and whether it is worked."""
    dates = [date.fromordinal(int(d)) for d in days]
    working = np.array([d not in calendar.non_working for d in dates])
    weights = WEEKDAY[[d.weekday() for d in dates]].copy()
    weights[~working & (weights > 0.2)] = 0.05  # holidays on weekdays: online only, a few
    # Tết: the first long break of the year (≥ 4 days off in January–February).
    tet_starts = []
    run = 0
    for i, d in enumerate(dates):
        run = run + 1 if not working[i] else 0
        if run == 4 and d.month <= 2:
            tet_starts.append(i - 3)
    for start in tet_starts:
        weights[max(0, start - 21) : start] *= 1.6  # papers in order before Tết
        weights[start + 5 : start + 12] *= 0.8
    weights *= np.linspace(1.0, 1.0 + 0.08 * len(days) / 365, len(days))  # slow growth
    return weights, working


def iso_local(seconds: np.ndarray) -> np.ndarray:
    local = (seconds + LOCAL_S).astype("datetime64[s]")
    return np.char.add(np.datetime_as_string(local, unit="s"), "+07:00")


def generate(
    count: int,
    output: Path,
    *,
    seed: int = 1,
    end: datetime | None = None,
    per_year: int = 2_500_000,
    progress: bool = True,
) -> Counter[str]:
    rng = np.random.default_rng(seed)
    cat = load_catalogue(rng)
    now = end or datetime.now(UTC)
    now_s = int(now.timestamp())
    last_day = (now_s + LOCAL_S) // DAY_S  # today, local (epoch days)
    span = max(30, round(count / per_year * 365))
    epoch_days = np.arange(last_day - span, last_day + 1, dtype=np.int64)
    ordinals = epoch_days + date(1970, 1, 1).toordinal()
    weights, working = day_weights(ordinals, cat.calendar)
    weights[-1] *= ((now_s + LOCAL_S) % DAY_S) / DAY_S  # today: only the hours gone by
    per_day = rng.multinomial(count, weights / weights.sum())
    stats: Counter[str] = Counter()
    started = time.perf_counter()
    done = 0
    with output.open("w", encoding="utf-8") as out:
        i = 0
        while i < len(epoch_days):
            j, n = i, 0
            while j < len(epoch_days) and (n == 0 or n + per_day[j] <= CHUNK):
                n += int(per_day[j])
                j += 1
            if n:
                where = (epoch_days[i:j] - epoch_days[0]) / span  # 0 … 1 across the history
                lines = _chunk(
                    rng, cat, epoch_days[i:j], per_day[i:j], working[i:j], where, now_s, stats
                )
                out.writelines(lines)
                done += n
                if progress:
                    rate = done / (time.perf_counter() - started)
                    print(f"  {done:,} dossiers written ({rate:,.0f}/s)", file=sys.stderr)
            i = j
    stats["total"] = done
    return stats


def _chunk(
    rng: np.random.Generator,
    cat: Catalogue,
    days: np.ndarray,
    counts: np.ndarray,
    working: np.ndarray,
    where: np.ndarray,
    now_s: int,
    stats: Counter[str],
) -> list[str]:
    n = int(counts.sum())
    day = np.repeat(days, counts)
    worked = np.repeat(working, counts)
    progress_in_span = np.repeat(where, counts)
    # Procedures: on days off only those offered online arrive (through the portal).
    proc = rng.choice(len(cat.codes), n, p=cat.weights)
    online_p = cat.weights * cat.online
    off = ~worked
    if off.any():
        proc[off] = rng.choice(len(cat.codes), int(off.sum()), p=online_p / online_p.sum())
    heavy = np.array([f in HEAVY_FIELDS for f in cat.fields])[proc]
    agency = np.where(
        cat.listed[proc] >= 0,
        cat.listed[proc],
        cat.communes[rng.choice(len(cat.communes), n, p=cat.commune_weights)],
    )
    # Channels: the online share grows over the period.
    online = cat.online[proc] & ((rng.random(n) < 0.35 + 0.30 * progress_in_span) | off)
    postal = ~online & cat.postal[proc] & (rng.random(n) < 0.02)
    channel = np.where(online, 1, np.where(postal, 2, 0))
    # Time of day: desks in office hours (mornings busier); online also in the evening.
    morning = rng.random(n) < 0.6
    desk = np.where(
        morning,
        rng.integers(7 * 3600 + 1800, 11 * 3600 + 1800, n),
        rng.integers(13 * 3600, 17 * 3600, n),
    )
    anytime = rng.integers(6 * 3600, 23 * 3600, n)
    tod = np.where(online & (rng.random(n) < 0.35), anytime, desk)
    tod = np.where(off, anytime, tod)
    received = day * DAY_S + tod - LOCAL_S
    received = np.minimum(received, now_s - 60)
    # Pauses: at most one; supplements more often for land and construction.
    legal_days = cat.amount_us[proc] / (8 * 3600 * S)
    wall = (legal_days * 1.4 + 0.5) * DAY_S
    r = rng.random(n)
    supplement = r < np.where(heavy, 0.18, 0.05)
    suspension = ~supplement & (r < np.where(heavy, 0.28, 0.07))
    paused = supplement | suspension
    p_start = received + (rng.uniform(0.1, 0.6, n) * wall).astype(np.int64)
    p_len = np.where(
        supplement,
        rng.lognormal(np.log(3 * DAY_S), 0.6, n),
        rng.lognormal(np.log(5 * DAY_S), 0.7, n),
    ).astype(np.int64)
    p_end = p_start + p_len
    due = _due(cat, proc, received, paused, p_start, p_end)
    # Resolution against the due time: early, on the due day, or late.
    due_day_start = ((due + LOCAL_S) // DAY_S) * DAY_S - LOCAL_S + 7 * 3600 + 1800
    floor = np.where(paused, np.maximum(received, p_end), received) + 900
    r = rng.random(n)
    late = r < np.where(heavy, 0.09, 0.025)
    on_day = ~late & (r < np.where(heavy, 0.45, 0.33))
    early_span = np.maximum(0, due_day_start - floor)
    resolved = floor + (rng.random(n) * early_span).astype(np.int64)
    on_day |= early_span <= 0
    lo = np.maximum(floor, due_day_start)
    resolved = np.where(
        on_day, lo + (rng.random(n) * np.maximum(0, due - lo)).astype(np.int64), resolved
    )
    overdue_by = rng.lognormal(np.log(20 * 3600), 1.0, n).astype(np.int64) + 60
    resolved = np.where(late | (on_day & (lo > due)), np.maximum(due, floor) + overdue_by, resolved)
    # Outcomes (cancelled: a supplement that never came, closed when cancelled).
    r = rng.random(n)
    outcome = np.where(r < 0.02, 1, np.where(r < 0.045, 2, 0))  # refused, withdrawn, approved
    cancelled = supplement & (rng.random(n) < 0.08)
    outcome = np.where(cancelled, 3, outcome)
    resolved = np.where(cancelled, p_end + 60, resolved)
    # Decisions are taken in office hours: one outside them moves to the next morning.
    tod = (resolved + LOCAL_S) % DAY_S
    shift = np.where(tod < 7 * 3600 + 1800, 7 * 3600 + 1800 - tod, 0)
    shift = np.where(tod >= 17 * 3600, DAY_S - tod + 7 * 3600 + 1800, shift)
    resolved = resolved + shift + np.where(shift > 0, rng.integers(0, 5400, n), 0)
    open_ = resolved > now_s
    # A pause not started by now did not happen; one not ended by now is open.
    paused &= ~(open_ & (p_start > now_s))
    p_open = paused & open_ & (p_end > now_s)
    returned = resolved + rng.lognormal(np.log(6 * 3600), 1.2, n).astype(np.int64)
    has_return = (outcome <= 1) & ~open_ & (returned <= now_s) & (rng.random(n) < 0.92)
    # Codes: {agency}-{YYMMDD}-{NNNN}, numbered per agency and day in order of reception.
    local_day = (received + LOCAL_S) // DAY_S
    order = np.lexsort((received, local_day, agency))
    number = np.empty(n, dtype=np.int64)
    sorted_key = agency[order] * 100_000 + local_day[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    group_start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    number[order] = np.arange(n) - group_start + 1
    return _lines(
        rng, cat, n, proc, agency, channel, received, due, resolved, open_, outcome,
        paused, supplement | cancelled, p_start, p_end, p_open, has_return, returned,
        local_day, number, stats,
    )  # fmt: skip


def _due(
    cat: Catalogue,
    proc: np.ndarray,
    received: np.ndarray,
    paused: np.ndarray,
    p_start: np.ndarray,
    p_end: np.ndarray,
) -> np.ndarray:
    from motcua.clock.engine import NO_PAUSE

    starts = np.where(paused, p_start * S, NO_PAUSE).reshape(-1, 1)
    ends = np.where(paused, p_end * S, NO_PAUSE).reshape(-1, 1)
    due = cat.calendar.due_bulk(received * S, cat.amount_us[proc], cat.cutoff_s[proc], starts, ends)
    return due // S


def _lines(
    rng: np.random.Generator,
    cat: Catalogue,
    n: int,
    proc: np.ndarray,
    agency: np.ndarray,
    channel: np.ndarray,
    received: np.ndarray,
    due: np.ndarray,
    resolved: np.ndarray,
    open_: np.ndarray,
    outcome: np.ndarray,
    paused: np.ndarray,
    supplement: np.ndarray,
    p_start: np.ndarray,
    p_end: np.ndarray,
    p_open: np.ndarray,
    has_return: np.ndarray,
    returned: np.ndarray,
    local_day: np.ndarray,
    number: np.ndarray,
    stats: Counter[str],
) -> list[str]:
    channels = np.array(["counter", "online", "postal"])[channel]
    outcomes = np.array(["approved", "refused", "withdrawn", "cancelled"])[outcome]
    received_t = iso_local(received)
    resolved_t = iso_local(np.where(open_, received, resolved))
    returned_t = iso_local(np.where(has_return, returned, received))
    start_t = iso_local(p_start)
    end_t = iso_local(p_end)
    yymmdd = np.datetime_as_string(local_day.astype("datetime64[D]"), unit="D")
    family = rng.integers(0, len(FAMILY), n)
    middle = rng.integers(0, len(MIDDLE), n)
    given = rng.integers(0, len(GIVEN), n)
    id_province = np.where(rng.random(n) < 0.6, 87, 82)  # Đồng Tháp, Tiền Giang (merged 2025)
    id_rest = rng.integers(0, 10**9, n)
    id_century = rng.integers(0, 4, n)
    phone = rng.random(n) < 0.5
    phone_digits = rng.integers(10**7, 10**8, n)
    out: list[str] = []
    order = np.argsort(received, kind="stable")
    for i in order.tolist():
        day = yymmdd[i]
        code = f"{cat.agency_codes[agency[i]]}-{day[2:4]}{day[5:7]}{day[8:10]}-{number[i]:04d}"
        if paused[i]:
            kind = "supplement" if supplement[i] else "suspension"
            end = "null" if p_open[i] else f'"{end_t[i]}"'
            pauses = f'[{{"start": "{start_t[i]}", "end": {end}, "kind": "{kind}"}}]'
            stats[f"pause {kind}{' open' if p_open[i] else ''}"] += 1
        else:
            pauses = "[]"
        if open_[i]:
            tail = '"resolved_at": null, "outcome": null, "returned_at": null'
            stats["open"] += 1
        else:
            ret = f'"{returned_t[i]}"' if has_return[i] else "null"
            tail = (
                f'"resolved_at": "{resolved_t[i]}", "outcome": "{outcomes[i]}", '
                f'"returned_at": {ret}'
            )
            stats[outcomes[i]] += 1
            stats["late" if resolved[i] > due[i] else "in time"] += 1
        name = f"{FAMILY[family[i]]} {MIDDLE[middle[i]]} {GIVEN[given[i]]}"
        national_id = f"0{id_province[i]}{id_century[i]}{id_rest[i]:09d}"[:12]
        contact = f', "phone": "09{phone_digits[i]:08d}"' if phone[i] else ""
        stats[channels[i]] += 1
        out.append(
            f'{{"code": "{code}", "procedure": "{cat.codes[proc[i]]}", '
            f'"agency": "{cat.agency_codes[agency[i]]}", "channel": "{channels[i]}", '
            f'"received_at": "{received_t[i]}", {tail}, "pauses": {pauses}, '
            f'"applicant": {{"name": "{name}", "national_id": "{national_id}"{contact}}}}}\n'
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-year", type=int, default=2_500_000)
    parser.add_argument("--end", default=None, help="ISO instant the history ends (default: now)")
    args = parser.parse_args(argv)
    setup_django(args.database_url)
    end = datetime.fromisoformat(args.end) if args.end else None
    started = time.perf_counter()
    stats = generate(args.count, args.output, seed=args.seed, end=end, per_year=args.per_year)
    seconds = time.perf_counter() - started
    print(f"{stats['total']:,} dossiers in {seconds:.1f} s → {args.output}")
    for key, value in sorted(stats.items()):
        print(f"  {key:<24} {value:>12,}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
