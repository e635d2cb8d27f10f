from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "motcua.stats"
    label = "stats"
    verbose_name = _("Statistics")

    def ready(self) -> None:
        # rollup follows every dossier change; sweep rebuilds the statistics after every
        # history import, whoever calls it (the command, the demo's seeding, a script).
        from . import rollup, sweep  # noqa: F401
