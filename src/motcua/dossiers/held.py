"""What the engine already holds of a dossier it has just locked and written — its steps, its
pauses, the messages it queued — kept on the dossier object so that the answer to the action is
rendered from them instead of being read back after the commit (three reads on every action).

Only the engine records them, and only lists it has read or written in full under the row lock:
nothing else can change them until the commit. A dossier object without a held list is read as
usual (``api_render``, ``selectors``). Held lists live as long as the object, i.e. the request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from motcua.notifications.models import Notification

    from .models import Dossier, DossierStep, Pause

_STEPS = "_held_steps"
_PAUSES = "_held_pauses"
_NOTIFICATIONS = "_held_notifications"


def hold_steps(dossier: Dossier, steps: list[DossierStep]) -> None:
    """Every step of the dossier, in position order."""
    setattr(dossier, _STEPS, steps)


def steps(dossier: Dossier) -> list[DossierStep] | None:
    return getattr(dossier, _STEPS, None)


def add_step(dossier: Dossier, step: DossierStep) -> None:
    held = steps(dossier)
    if held is not None:
        held.append(step)


def hold_pauses(dossier: Dossier, pauses: list[Pause]) -> None:
    """Every pause of the dossier, as read after the action's handler ran."""
    setattr(dossier, _PAUSES, sorted(pauses, key=lambda p: (p.start, p.pk or 0)))


def pauses(dossier: Dossier) -> list[Pause] | None:
    return getattr(dossier, _PAUSES, None)


def hold_notifications(dossier: Dossier, notifications: list[Notification]) -> None:
    """Every message about the dossier: only known of a dossier created in this transaction."""
    setattr(dossier, _NOTIFICATIONS, notifications)


def notifications(dossier: Dossier) -> list[Notification] | None:
    return getattr(dossier, _NOTIFICATIONS, None)
