"""Importing dossiers from other systems (``motcua import-dossiers``); see ``service``."""

from .service import ImportResult, import_history, rejects_path_for
from .signals import history_imported

__all__ = ["ImportResult", "history_imported", "import_history", "rejects_path_for"]
