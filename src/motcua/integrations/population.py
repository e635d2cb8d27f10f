"""The population-data interface: who holds a national ID number ("công dân không viết").

At the desk the receiver types the applicant's 12-digit national ID and the form is filled from
the national population database (Cơ sở dữ liệu quốc gia về dân cư), so that the citizen writes
nothing. motcua reaches that database through one adapter chosen in settings::

    MOTCUA_POPULATION_ADAPTER = "sample"      # default: the bundled sample citizens
    MOTCUA_POPULATION_ADAPTER = "none"        # no connection: the receiver types the data
    MOTCUA_POPULATION_ADAPTER = "myprovince.population.LgspAdapter"
    MOTCUA_POPULATION_ADAPTER = {"BACKEND": "sample", "OPTIONS": {"path": "/srv/citizens.json"}}

An adapter is any class with ``lookup(national_id) -> Citizen | None`` (keyword options from
``OPTIONS``). It answers ``None`` when nobody holds the number, and raises
``PopulationUnavailable`` when it cannot answer (the link is down): the desk then says so and
the receiver types the particulars. ``lookup`` below never lets another exception through.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from motcua.core.errors import DomainError

log = logging.getLogger(__name__)

SETTING = "MOTCUA_POPULATION_ADAPTER"
SAMPLE_FILE = "sample_citizens.json"
_SHAPE = re.compile(r"^\d{12}$")


class PopulationUnavailable(DomainError):
    """The population database did not answer; the receiver types the particulars."""

    status = 503
    type_slug = "population-unavailable"
    title = _("Population data unavailable")


@dataclass(frozen=True)
class Citizen:
    """What the desk needs of a population record: enough to fill the applicant's particulars
    and to let the receiver compare with the person in front of them (birth date, sex)."""

    national_id: str
    full_name: str
    birth_date: date | None = None
    sex: str = ""  # "male" | "female"
    nationality: str = ""
    address: str = ""  # place of residence (nơi cư trú)
    phone: str = ""
    email: str = ""


class PopulationAdapter(Protocol):
    def lookup(self, national_id: str) -> Citizen | None: ...


def plausible(national_id: str) -> bool:
    """12 digits whose first three name a birth-registration province (001–096) and whose
    fourth (century and sex) is 0–3 (born 1900–2099): anything else is not worth a query."""
    if not _SHAPE.match(national_id):
        return False
    return 1 <= int(national_id[:3]) <= 96 and national_id[3] in "0123"


def century_and_sex(national_id: str) -> tuple[int, str]:
    """The century of birth and the sex the fourth digit encodes (Circular 59/2021/TT-BCA):
    0/1 born 1900–1999, 2/3 born 2000–2099; even male, odd female."""
    digit = int(national_id[3])
    return 1900 + 100 * (digit // 2), "female" if digit % 2 else "male"


class NoAdapter:
    """No connection to the population database: nobody is ever found."""

    def lookup(self, national_id: str) -> Citizen | None:
        return None


class SampleAdapter:
    """Answers from a JSON file of sample citizens (``{"citizens": [{national_id, full_name,
    birth_date, sex, nationality, address, phone, email}]}``); by default the file bundled with
    motcua, fictitious people of the sample province."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else None

    @functools.cached_property
    def _citizens(self) -> dict[str, Citizen]:
        if self.path is not None:
            text = self.path.read_text(encoding="utf-8")
        else:
            text = (
                resources.files("motcua.integrations")
                .joinpath("data", SAMPLE_FILE)
                .read_text(encoding="utf-8")
            )
        rows = json.loads(text)["citizens"]
        return {row["national_id"]: _citizen(row) for row in rows}

    def lookup(self, national_id: str) -> Citizen | None:
        return self._citizens.get(national_id)


def _citizen(row: dict[str, Any]) -> Citizen:
    born = row.get("birth_date")
    return Citizen(
        national_id=row["national_id"],
        full_name=row["full_name"],
        birth_date=date.fromisoformat(born) if born else None,
        sex=row.get("sex", ""),
        nationality=row.get("nationality", ""),
        address=row.get("address", ""),
        phone=row.get("phone", ""),
        email=row.get("email", ""),
    )


SHORT_NAMES: dict[str, type] = {"sample": SampleAdapter, "none": NoAdapter}


def _build(config: Any) -> PopulationAdapter:
    options: dict[str, Any] = {}
    if isinstance(config, dict):
        options = dict(config.get("OPTIONS") or {})
        config = config.get("BACKEND", "sample")
    name = str(config or "sample")
    cls = SHORT_NAMES.get(name) or import_string(name)
    adapter: PopulationAdapter = cls(**options)
    return adapter


@functools.cache
def _cached(config_key: str) -> PopulationAdapter:
    return _build(json.loads(config_key))


def get_adapter() -> PopulationAdapter:
    """The adapter the settings name (built once per configuration)."""
    config = getattr(settings, SETTING, "sample")
    return _cached(json.dumps(config, sort_keys=True, default=str))


def lookup(national_id: str) -> Citizen | None:
    """The citizen holding ``national_id``, or ``None`` (unknown, or not a plausible number).
    Raises ``PopulationUnavailable`` when the population database cannot answer."""
    national_id = "".join(national_id.split())
    if not plausible(national_id):
        return None
    try:
        return get_adapter().lookup(national_id)
    except PopulationUnavailable:
        raise
    except Exception as exc:  # an adapter's network, protocol and data errors alike
        log.warning("population lookup failed: %s: %s", type(exc).__name__, exc)
        raise PopulationUnavailable(
            str(_("The population database did not answer; type the applicant's particulars."))
        ) from exc
