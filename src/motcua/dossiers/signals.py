from django.dispatch import Signal

# Sent inside the transaction of every dossier change, after the dossier row and its event are
# written, with ``dossier``, ``before`` (the derived fields before the change, a dict; empty for
# a new dossier) and ``event``. The statistics roll-ups listen to it, so they are maintained in
# the same transaction without the engine depending on the statistics app.
dossier_changed = Signal()
