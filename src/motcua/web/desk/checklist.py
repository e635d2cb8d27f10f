"""The checklist of a procedure's documents at the desk, and how its state is recorded.

The engine's ``receive`` takes a free-text note; the desk writes the checklist into it, so that
the dossier's append-only history says which documents were handed over (and which optional
ones were not). That note is part of the official record, read later by specialists, leaders
and inspectors and printed nowhere else: like the printed forms
(``dossiers.printing.wording``), its fixed words are Vietnamese data, not interface text, and
do not change with the receiver's screen language.

A completion request (Mẫu 02) lists the missing items: every required document left unticked,
by its published name, then whatever the receiver adds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# The engine accepts notes of up to 5,000 characters.
NOTE_LIMIT = 5000
RECEIVED = "Thành phần hồ sơ đã nhận"
NOT_PROVIDED = "Không nộp (thành phần không bắt buộc)"
NONE = "không có"
REMARK = "Ghi chú của người tiếp nhận"


@dataclass(frozen=True)
class Doc:
    """One component of the dossier as the catalogue publishes it, numbered from 1."""

    number: int
    name: str
    originals: int
    copies: int
    required: bool

    @property
    def value(self) -> str:
        return str(self.number)


def documents(rows: Iterable[dict[str, Any]]) -> list[Doc]:
    """From the catalogue's document dicts (``procedure_detail``), in their published order."""
    return [
        Doc(
            number=number,
            name=str(row["name"]),
            originals=int(row.get("originals") or 0),
            copies=int(row.get("copies") or 0),
            required=bool(row.get("required")),
        )
        for number, row in enumerate(rows, start=1)
    ]


def missing(docs: list[Doc], ticked: set[int]) -> list[Doc]:
    """Required documents not ticked."""
    return [d for d in docs if d.required and d.number not in ticked]


def lines(text: str) -> list[str]:
    """Non-empty lines of a text area, trimmed, without repeats."""
    seen: dict[str, None] = {}
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            seen.setdefault(line, None)
    return list(seen)


def completion_items(docs: list[Doc], ticked: set[int], extra: str) -> list[str]:
    """What Mẫu 02 asks for: the unticked required documents, then the receiver's own lines."""
    items = [d.name for d in missing(docs, ticked)]
    return items + [line for line in lines(extra) if line not in items]


def _listed(docs: list[Doc]) -> str:
    return "; ".join(f"({d.number}) {d.name}" for d in docs) if docs else NONE


def record(docs: list[Doc], ticked: set[int], remark: str = "") -> str:
    """The note of a reception: what was handed over, what optional part was not."""
    received = [d for d in docs if d.number in ticked]
    skipped = [d for d in docs if d.number not in ticked and not d.required]
    parts = [f"{RECEIVED}: {_listed(received)}."]
    if skipped:
        parts.append(f"{NOT_PROVIDED}: {_listed(skipped)}.")
    if remark.strip():
        parts.append(f"{REMARK}: {remark.strip()}")
    note = "\n".join(parts)
    return note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "…"
