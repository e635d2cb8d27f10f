"""The dossier engine's write path. Every state change goes through ``perform`` or ``intake``."""

from ..actor import Actor
from .engine import allowed_actions, perform
from .intake import intake

__all__ = ["Actor", "allowed_actions", "intake", "perform"]
