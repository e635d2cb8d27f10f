from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from motcua.agencies.models import Agency

from ..actor import Actor
from ..models import Dossier
from .fields import Reader


@dataclass
class Context:
    """What a handler works with: the locked dossier, who acts for which agency, the input."""

    dossier: Dossier
    actor: Actor
    agency: Agency | None  # the agency the actor acts for
    now: datetime
    read: Reader
    to_state: str
    note: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    notify: str | None = None  # template name of the applicant notification, if any
