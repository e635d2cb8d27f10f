from django.dispatch import Signal

# Sent inside the amending transaction with ``calendar`` and ``dates`` (the changed dates).
# The dossier engine listens to recompute the due times of open dossiers; the clock itself
# knows nothing of dossiers.
calendar_amended = Signal()
