"""The service index of Decision 766/QĐ-TTg (statistics.md, "The service index").

``service_index(period, agency)`` scores an agency's subtree over a month, quarter or year and
ranks the agencies directly below it. Weights and thresholds are configuration
(``config.py``, ``decision-766.json``); metrics motcua cannot compute yet are reported as not
available, and the total as a score over the maximum that could be measured.
"""

from .compute import RankingEntry, ServiceIndex, UnitResult, service_index
from .config import IndexConfig, load_config
from .periods import IndexPeriod, parse_period

__all__ = [
    "IndexConfig",
    "IndexPeriod",
    "RankingEntry",
    "ServiceIndex",
    "UnitResult",
    "load_config",
    "parse_period",
    "service_index",
]
