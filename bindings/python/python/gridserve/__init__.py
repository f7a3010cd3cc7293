"""gridserve: outage scope and the customer-service engine of a power-supply company.

The classes come from the compiled module (:mod:`gridserve._gridserve`); this package adds
pandas conveniences (pandas is optional and imported only when used) and the pandapower import.

>>> import gridserve as gs
>>> net = gs.Network.county()
>>> topo = gs.Topology(net)
>>> topo.energized_count == net.point_count
True
"""

from __future__ import annotations

from gridserve._gridserve import (
    FaultOutcome,
    Network,
    OutageTable,
    PlannedOutage,
    Scope,
    Tariff,
    Topology,
    Workflows,
    __version__,
    break_even_demand_kw,
    pf_adjustment_pct,
    power_factor,
)
from gridserve._gridserve import (
    combine_weights,
    compute_indicators,
    entropy_weights,
    g1_weights,
    interval_scores,
    topsis,
)
from gridserve.exceptions import (
    CommandRefusedError,
    EventStoreError,
    ForbiddenError,
    InvalidCommandError,
    NoticeError,
    NoticePeriodError,
    UnknownContactError,
    VersionConflictError,
    WrongStateError,
    GridserveError,
    GridserveIOError,
    IdOutOfRangeError,
    InvalidArgumentError,
    InvalidNetworkError,
    OperationRefusedError,
    ParseError,
    StaleScopeError,
    StateMismatchError,
    TooLargeError,
    UnknownCustomerError,
    UnknownElementError,
    UnmappableError,
)
from gridserve.exceptions import (
    InvalidOutageRecordsError,
    NeedsCustomerListsError,
    NotEnoughHistoryError,
    InvalidWeightsError,
    MissingInputError,
    NotFiniteError,
    ScoringError,
    IntervalDataError,
    NotInForceError,
    PriceError,
    ScheduleError,
    TariffInputError,
    UnknownPeriodError,
)
from gridserve.frames import (
    customers_frame,
    exposure_frame,
    from_dataframes,
    to_dataframes,
)
from gridserve.pandapower import PandapowerImport, from_pandapower
from gridserve.scoring import indicators_frame, topsis_frame
from gridserve.tariff import bill_frame, bills_frame, interval_totals_frame, usages_from_frame

__all__ = [
    "FaultOutcome",
    "Network",
    "PlannedOutage",
    "Scope",
    "Topology",
    "__version__",
    "from_dataframes",
    "to_dataframes",
    "exposure_frame",
    "customers_frame",
    "from_pandapower",
    "PandapowerImport",
    "GridserveError",
    "GridserveIOError",
    "IdOutOfRangeError",
    "InvalidArgumentError",
    "InvalidNetworkError",
    "OperationRefusedError",
    "ParseError",
    "StaleScopeError",
    "StateMismatchError",
    "TooLargeError",
    "UnknownCustomerError",
    "UnknownElementError",
    "UnmappableError",
    "OutageTable",
    "InvalidOutageRecordsError",
    "NeedsCustomerListsError",
    "NotEnoughHistoryError",
    "Workflows",
    "CommandRefusedError",
    "EventStoreError",
    "ForbiddenError",
    "InvalidCommandError",
    "NoticeError",
    "NoticePeriodError",
    "UnknownContactError",
    "VersionConflictError",
    "WrongStateError",
    "g1_weights",
    "entropy_weights",
    "combine_weights",
    "topsis",
    "compute_indicators",
    "interval_scores",
    "indicators_frame",
    "topsis_frame",
    "ScoringError",
    "NotFiniteError",
    "InvalidWeightsError",
    "MissingInputError",
    "Tariff",
    "power_factor",
    "pf_adjustment_pct",
    "break_even_demand_kw",
    "usages_from_frame",
    "bills_frame",
    "bill_frame",
    "interval_totals_frame",
    "IntervalDataError",
    "NotInForceError",
    "PriceError",
    "ScheduleError",
    "TariffInputError",
    "UnknownPeriodError",
]
