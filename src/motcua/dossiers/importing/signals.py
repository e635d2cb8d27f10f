from django.dispatch import Signal

# Sent inside the transaction of a dossier import, after every dossier, event and pause of it is
# written, with ``first_received`` (the earliest reception imported), ``last_instant`` (the
# latest reception, resolution or return imported) and ``count``. The statistics rebuild their
# daily flows and open snapshots for that range in the same transaction (``stats.sweep``),
# without the dossiers app depending on the statistics.
history_imported = Signal()
