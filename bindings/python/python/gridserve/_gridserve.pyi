"""Type stubs of the compiled module gridserve._gridserve."""

import datetime as _dt
from os import PathLike
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union, final

import numpy as np
import numpy.typing as npt

__all__ = [
    "__version__",
    "Network",
    "Topology",
    "Scope",
    "FaultOutcome",
    "PlannedOutage",
    "OutageTable",
    "med_threshold",
    "Workflows",
    "SystemActor",
    "g1_weights",
    "entropy_weights",
    "combine_weights",
    "topsis",
    "compute_indicators",
    "interval_scores",
    "Tariff",
    "power_factor",
    "pf_adjustment_pct",
    "break_even_demand_kw",
    "build_reports",
    "default_advice_rules",
    "render_report_html",
    "render_report_summary",
    "WechatPushGuard",
    "wechat_signature",
    "parse_wechat_push",
    "parse_sms_reports",
    "parse_sms_replies",
    "from_bytes",
    "_topology_in_state",
    "_error_examples",
    "table_spec",
    "topsis_stats",
    "merge_topsis_stats",
    "rank_descending",
    "read_parquet",
    "write_parquet",
    "integrate",
    "Integrated",
    "Snapshot",
    "SnapshotStore",
]
__version__: str

_Path = Union[str, PathLike[str]]
# A time: datetime (aware, or naive = China Standard Time), date, or ISO 8601 text.
_Time = Union[str, _dt.date]
_Ids = Union[Sequence[int], npt.NDArray[np.integer[Any]]]
_Ops = Sequence[Tuple[str, str]]
_Bytes = Union[bytes, bytearray, memoryview]
# What ``__reduce__`` returns: ``(from_bytes, (data,))``, or for a Topology
# ``(_topology_in_state, (network, state))``.
_Reduced = Tuple[Any, Tuple[Any, ...]]
# A progress target: a callable (done, total) -> Optional[bool] (False cancels), or a
# tqdm-like object with update(n) and total.
_Progress = Any

@final
class Network:
    """A validated distribution network (immutable; share it freely between threads)."""

    @staticmethod
    def from_csv_dir(path: _Path, allow_isolated_points: bool = False) -> Network: ...
    @staticmethod
    def from_csv_texts(tables: Dict[str, str], allow_isolated_points: bool = False) -> Network: ...
    @staticmethod
    def from_arrow(tables: Dict[str, Any], allow_isolated_points: bool = False) -> Network: ...
    @staticmethod
    def _from_arrow_texts(
        tables: Dict[str, Any], texts: Dict[str, Dict[str, Any]], allow_isolated_points: bool = False
    ) -> Optional[Network]: ...
    @staticmethod
    def from_parquet(path: _Path, allow_isolated_points: bool = False) -> Network: ...
    def to_arrow(self, roles: Optional[Sequence[str]] = None) -> Dict[str, Any]: ...
    def to_parquet(self, path: _Path, roles: Optional[Sequence[str]] = None) -> None: ...
    @staticmethod
    def from_json_file(path: _Path, allow_isolated_points: bool = False) -> Network: ...
    @staticmethod
    def from_cim(
        path: _Path,
        asset_id: str = "name",
        *,
        machines_as_sources: bool = False,
        source_capacity_kva: Optional[float] = None,
        segment_length_m: Optional[float] = None,
        consumer_load_kw: float = 0.0,
        allow_isolated_points: bool = False,
    ) -> Network: ...
    @staticmethod
    def from_json(text: str, allow_isolated_points: bool = False) -> Network: ...
    @staticmethod
    def synthetic(
        points: int,
        seed: int = 1,
        *,
        closed_tie_fraction: Optional[float] = None,
        tie_fraction: Optional[float] = None,
        substations: Optional[int] = None,
        feeders_per_substation: Optional[int] = None,
        dedicated_share: Optional[float] = None,
        lv_customers_per_public: Optional[Tuple[int, int]] = None,
        critical_share: Optional[float] = None,
    ) -> Network: ...
    @staticmethod
    def county(seed: int = 2024) -> Network: ...
    @staticmethod
    def from_bus_branch(
        tables: Dict[str, Dict[str, Any]],
        source_capacity_kva: float = 1e6,
        allow_isolated_buses: bool = True,
    ) -> Tuple[Network, Dict[str, npt.NDArray[Any]]]: ...
    def write_csv_dir(self, path: _Path) -> None: ...
    def to_csv_texts(self) -> Dict[str, str]: ...
    def to_json(self, pretty: bool = False) -> str: ...
    def write_json_file(self, path: _Path, pretty: bool = False) -> None: ...
    def to_columns(self, *, roles: Optional[Sequence[str]] = None) -> Dict[str, Dict[str, List[Any]]]: ...
    @property
    def point_count(self) -> int: ...
    @property
    def line_count(self) -> int: ...
    @property
    def source_count(self) -> int: ...
    @property
    def customer_count(self) -> int: ...
    @property
    def memory_bytes(self) -> int: ...
    def element(self, asset: str) -> Tuple[str, int]: ...
    def point_id(self, asset: str) -> int: ...
    def line_id(self, asset: str) -> int: ...
    def customer_id(self, number: str) -> int: ...
    def point_assets(self) -> List[str]: ...
    def line_assets(self) -> List[str]: ...
    def customer_numbers(self) -> List[str]: ...
    def line_kinds(self) -> List[str]: ...
    def line_ends(self) -> Tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]: ...
    def customer_points(self) -> npt.NDArray[np.uint32]: ...
    def to_bytes(self) -> bytes:
        """Compact, versioned bytes that :func:`from_bytes` reads back; what pickling ships."""
    def __reduce__(self) -> _Reduced: ...
    def __copy__(self) -> Network: ...
    def __deepcopy__(self, memo: Any) -> Network: ...

@final
class Topology:
    """A network indexed in one state.

    Safe to share between threads, writers included: each query answers from one published
    index, the state before or after any concurrent ``apply``, never a mix.
    """

    def __new__(cls, network: Network, operations: Optional[_Ops] = None) -> Topology: ...
    @property
    def network(self) -> Network:
        """The network (the object the topology was made from)."""
    @property
    def version(self) -> int: ...
    @property
    def energized_count(self) -> int: ...
    def copy(self) -> Topology: ...
    def apply(self, operations: _Ops) -> Dict[str, int]: ...
    def energized(self) -> npt.NDArray[np.bool_]: ...
    def unsupplied(self, operations: Optional[_Ops] = None) -> npt.NDArray[np.uint32]: ...
    def unsupplied_batch(
        self, actions: Sequence[str], lines: _Ids
    ) -> Tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]: ...
    def scope(self, operations: _Ops) -> Scope: ...
    def scope_open_line(self, line: int) -> Scope: ...
    def scope_take_out_line(self, line: int) -> Scope: ...
    def fault(self, asset: str) -> FaultOutcome: ...
    def planned_outage(self, asset: str) -> PlannedOutage: ...
    def exposure(self) -> Dict[str, Any]: ...
    def loops(self) -> List[str]: ...
    def open_switches(self) -> List[str]: ...
    def infer(self, evidence: Any, options: Optional[Any] = None) -> Dict[str, Any]: ...
    def restoration_plan(self, fault: str, options: Optional[Any] = None) -> Dict[str, Any]: ...
    def trace_inferred_command(
        self, inference: Dict[str, Any], evidence: Any, index: int = 0, etr: Optional[Any] = None
    ) -> Dict[str, Any]:
        """The outage workflow's ``trace_scope`` command for the outage at ``index`` of an
        :meth:`infer` result on this topology: the customers below the inferred device and
        the device, confidence and evidence items it rests on (``evidence``: what ``infer``
        was given). Raises ``StaleScopeError`` if the topology changed since."""
    def attach_plan_command(self, plan: Dict[str, Any]) -> Dict[str, Any]:
        """The outage workflow's ``attach_plan`` command for a :meth:`restoration_plan`
        result on this topology: each step with the customer numbers it brings back. Raises
        ``StaleScopeError`` if the topology changed since."""
    def loading(self, options: Optional[Any] = None) -> Dict[str, Any]: ...
    def predict_reliability(
        self, rates: Optional[Any] = None, options: Optional[Any] = None
    ) -> Dict[str, Any]: ...
    def protector(self, point: str) -> Optional[str]: ...
    def feeding_sources(self, point: str) -> List[str]: ...
    def faulted(self) -> List[str]: ...
    def out_of_service(self) -> List[str]: ...
    def to_bytes(self) -> bytes:
        """The network and the operations from the normal state to this state, as compact
        bytes; :func:`from_bytes` re-indexes."""
    def __reduce__(self) -> _Reduced:
        """Pickles as the ``Network`` object (pickled once however many topologies share it)
        and the state's operations; unpickling re-indexes."""
    def __copy__(self) -> Topology: ...
    def __deepcopy__(self, memo: Any) -> Topology: ...

@final
class Scope:
    """What a set of operations de-energizes."""

    @property
    def summary(self) -> Dict[str, Any]: ...
    @property
    def points(self) -> int: ...
    @property
    def customers(self) -> int: ...
    @property
    def critical_customers(self) -> int: ...
    @property
    def transformers(self) -> int: ...
    @property
    def load_kw(self) -> float: ...
    @property
    def is_meshed(self) -> bool: ...
    def point_ids(self) -> npt.NDArray[np.uint32]: ...
    def point_assets(self) -> List[str]: ...
    def customer_ids(self) -> npt.NDArray[np.uint32]: ...
    def transformer_ids(self) -> npt.NDArray[np.uint32]: ...
    def restored_ids(self) -> npt.NDArray[np.uint32]: ...
    def report(self, *, roles: Optional[Sequence[str]] = None) -> Dict[str, Any]: ...
    def __len__(self) -> int: ...
    def to_bytes(self) -> bytes:
        """The answer with its topology as bytes; decoding re-indexes and asks again. Raises
        ``StaleScopeError`` if the topology changed since."""
    def __reduce__(self) -> _Reduced: ...

@final
class FaultOutcome:
    """Tripped devices and the scope of a fault."""

    @property
    def tripped(self) -> List[str]: ...
    @property
    def meshed(self) -> bool: ...
    @property
    def scope(self) -> Scope: ...
    def to_bytes(self) -> bytes:
        """The answer with its topology as bytes; decoding re-indexes and asks again. Raises
        ``StaleScopeError`` if the topology changed since."""
    def __reduce__(self) -> _Reduced: ...

@final
class PlannedOutage:
    """The switches that isolate a device for work, and the scope."""

    @property
    def isolators(self) -> List[str]: ...
    @property
    def downstream(self) -> List[str]: ...
    @property
    def already_open(self) -> List[str]: ...
    @property
    def sources(self) -> List[str]: ...
    @property
    def operations(self) -> List[Tuple[str, str]]: ...
    @property
    def scope(self) -> Scope: ...
    def to_bytes(self) -> bytes:
        """The answer with its topology as bytes; decoding re-indexes and asks again. Raises
        ``StaleScopeError`` if the topology changed since."""
    def __reduce__(self) -> _Reduced: ...

@final
class OutageTable:
    """Outage records validated against a service base, in columnar form."""

    @staticmethod
    def from_columns(
        feeders_json: str,
        id: List[str],
        start_ms: npt.NDArray[np.int64],
        end_ms: npt.NDArray[np.int64],
        feeder: List[str],
        cause: Optional[List[str]] = None,
        planned: Optional[npt.NDArray[np.float64]] = None,
        device: Optional[List[str]] = None,
        customers_count: Optional[npt.NDArray[np.float64]] = None,
        load_kva: Optional[npt.NDArray[np.float64]] = None,
        load_kw: Optional[npt.NDArray[np.float64]] = None,
        operations: Optional[npt.NDArray[np.float64]] = None,
        list_offsets: Optional[npt.NDArray[np.int64]] = None,
        has_list: Optional[npt.NDArray[np.bool_]] = None,
        customer_numbers: Optional[List[str]] = None,
        stages_ms: Optional[List[Optional[npt.NDArray[np.int64]]]] = None,
    ) -> OutageTable: ...
    @staticmethod
    def from_arrow(outages: Any, feeders: Any) -> OutageTable: ...
    @staticmethod
    def from_parquet(path: _Path, feeders: Any) -> OutageTable: ...
    @staticmethod
    def from_csv_text(text: str, feeders_json: str) -> OutageTable: ...
    def __len__(self) -> int: ...
    def to_bytes(self) -> bytes:
        """Compact, versioned bytes that :func:`from_bytes` reads back; what pickling ships."""
    def __reduce__(self) -> _Reduced: ...
    def __copy__(self) -> OutageTable: ...
    def __deepcopy__(self, memo: Any) -> OutageTable: ...
    def indices(
        self, start: str, end: str, grouping: str = "system", options_json: Optional[_Json] = None
    ) -> str: ...
    def daily_saidi(self, start: str, end: str, options_json: Optional[_Json] = None) -> str: ...
    def major_event_days(
        self,
        history_start: str,
        history_end: str,
        start: str,
        end: str,
        options_json: Optional[_Json] = None,
        med_json: Optional[str] = None,
    ) -> str: ...
    def dlt836(
        self, start: str, end: str, options_json: Optional[_Json] = None, dlt_json: Optional[str] = None
    ) -> str: ...
    def frequency_duration(
        self, start: str, end: str, by: str, options_json: Optional[_Json] = None
    ) -> str: ...
    def worst(
        self,
        start: str,
        end: str,
        by: str,
        metric: str = "customer_minutes",
        n: int = 10,
        options_json: Optional[_Json] = None,
    ) -> str: ...
    def stage_durations(
        self, start: str, end: str, percentiles: List[float] = ...
    ) -> str: ...
    def lost_sales(self, start: str, end: str, price_yuan_per_kwh: str) -> str: ...

def med_threshold(
    daily_saidi_min: npt.ArrayLike, std_dev: str = "sample", beta_multiplier: float = 2.5
) -> str: ...
@final
@final
class SystemActor:
    """The system actor, handed out only by ``Workflows.system_actor()``."""

    def __reduce__(self) -> _Reduced:
        """Refused with ``NotPicklableError``: the actor is a capability."""

@final
class Workflows:
    """The closed-loop workflows (defect, bill, invoice, outage) and the monthly report push
    (report) over an event store and outbox: in memory, or the SQLite database at ``path``.
    With ``staff`` (JSON: ``{"directory": [members], "rules": {...}}``) events also send work
    reminders to staff."""

    def __new__(
        cls,
        network: Network,
        rules: Optional[str] = None,
        contacts: Optional[str] = None,
        path: Optional[_Path] = None,
        check_integrity: bool = False,
        staff: Optional[str] = None,
    ) -> Workflows: ...
    def __reduce__(self) -> _Reduced:
        """Refused with ``NotPicklableError``: the workflows hold a store (a file or memory)."""
    @property
    def path(self) -> Optional[str]: ...
    @staticmethod
    def default_rules() -> str: ...
    @staticmethod
    def default_staff_rules() -> str: ...
    def push_reports(
        self,
        reports: Sequence[Dict[str, Any]],
        period: str,
        actor: Union[Dict[str, Any], SystemActor],
        now: Any,
        resend: bool = False,
    ) -> Dict[str, Any]: ...
    def system_actor(self) -> SystemActor: ...
    def integrity_check(self) -> None: ...
    def execute(
        self,
        workflow: str,
        id: str,
        command: Dict[str, Any],
        actor: Union[Dict[str, Any], SystemActor],
        now: Any,
        expected_version: Optional[int] = None,
    ) -> Dict[str, Any]: ...
    def state(
        self, workflow: str, id: str, reader: Optional[Dict[str, Any]] = None
    ) -> Dict[str, Any]: ...
    def history(
        self, workflow: str, id: str, reader: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]: ...
    def instances(self, workflow: str) -> List[str]: ...
    def tick(self, now: Any) -> Dict[str, Any]: ...
    def outbox(
        self, status: str = "pending", limit: int = 1000, reader: Optional[Dict[str, Any]] = None
    ) -> List[Dict[str, Any]]: ...
    def due(self, now: Any, limit: int = 100) -> List[Dict[str, Any]]: ...
    def mark_sent(self, entry_id: int, at: Any, provider_msg_id: Optional[str] = None) -> None: ...
    def mark_failed(self, entry_id: int, reason: str, retry_at: Any = None) -> None: ...
    def suppress(self, entry_id: int, reason: str) -> None: ...

# Scoring: numpy in (float64 in C or Fortran order is read without a copy), numpy out.
_Direction = Union[str, int, Tuple[float, float]]

def g1_weights(
    order: Union[Sequence[int], Sequence[str]],
    ratios: Sequence[float],
    criteria: Optional[Sequence[str]] = None,
) -> npt.NDArray[np.float64]: ...
def entropy_weights(
    matrix: Any,
    directions: Optional[Sequence[_Direction]] = None,
    normalisation: str = "min_max",
) -> npt.NDArray[np.float64]: ...
def combine_weights(
    vectors: Sequence[Sequence[float]],
    method: str = "linear",
    alpha: Optional[float] = None,
    coefficients: Optional[Sequence[float]] = None,
    exponents: Optional[Sequence[float]] = None,
    negative: str = "abs",
) -> Dict[str, Any]: ...
def topsis(
    matrix: Any,
    weights: Sequence[float],
    directions: Optional[Sequence[_Direction]] = None,
    normalisation: str = "vector",
    ranks: bool = True,
    threads: Optional[int] = None,
    exact: bool = False,
    stats: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]: ...
def topsis_stats(matrix: Any, directions: Optional[Sequence[_Direction]] = None) -> Dict[str, Any]: ...
def merge_topsis_stats(parts: Sequence[Dict[str, Any]]) -> Dict[str, Any]: ...
def rank_descending(closeness: Any) -> Tuple[npt.NDArray[np.uint32], npt.NDArray[np.float64]]: ...
def compute_indicators(
    columns: Dict[str, Any],
    indicators: Optional[Sequence[str]] = None,
    options: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]: ...
def interval_scores(
    values: Sequence[float], lo: Sequence[float], hi: Sequence[float]
) -> npt.NDArray[np.float64]: ...
_Json = Union[str, Dict[str, Any], List[Any]]
_Number = Union[int, float, str, Decimal]

@final
class Tariff:
    """A TOU schedule and a price table validated together."""

    def __new__(cls, schedule: _Json, prices: _Json) -> Tariff: ...
    @staticmethod
    def from_book(book: _Json, category: str, voltage: str, date: str) -> Tariff: ...
    @staticmethod
    def default(
        voltage: str = "1-10kV", category: str = "large_industry", date: str = "2026-02-01"
    ) -> Tariff: ...
    @staticmethod
    def default_book_json() -> str: ...
    @property
    def schedule(self) -> Dict[str, Any]: ...
    @property
    def prices(self) -> Dict[str, Any]: ...
    def unit_price(self, period: str) -> Optional[Decimal]: ...
    def period_at(self, time: _Time, calendar: Optional[_Json] = None) -> str: ...
    def bill(self, usage: _Json, *, what_if: bool = False) -> Dict[str, Any]: ...
    def bills(
        self, usages: _Json, *, what_if: bool = False, progress: Optional[_Progress] = None
    ) -> List[Dict[str, Any]]:
        """Bills many months. ``progress``: a callable ``(done, total)`` (returning ``False``
        cancels with ``CancelledError``; an exception it raises propagates) or a tqdm-like
        object with ``update(n)`` (its ``total`` is set when unset), told every 1 %."""
    def aggregate_intervals(
        self,
        energy_kwh: npt.ArrayLike,
        start: _Time,
        interval_min: int = 15,
        kvarh_forward: Optional[npt.ArrayLike] = None,
        kvarh_reverse: Optional[npt.ArrayLike] = None,
        calendar: Optional[_Json] = None,
        ids: Optional[List[str]] = None,
        *,
        progress: Optional[_Progress] = None,
    ) -> Dict[str, npt.NDArray[np.float64]]:
        """Per-customer monthly figures from interval energy. ``progress`` as in ``bills``:
        told the customers summed every 1 % (at most every 65,536) while the threads run."""
    def bill_intervals(
        self,
        energy_kwh: npt.ArrayLike,
        start: _Time,
        terms: _Json,
        interval_min: int = 15,
        kvarh_forward: Optional[npt.ArrayLike] = None,
        kvarh_reverse: Optional[npt.ArrayLike] = None,
        calendar: Optional[_Json] = None,
        columns: bool = False,
        *,
        progress: Optional[_Progress] = None,
    ) -> Any:
        """Monthly bills from interval energy. ``progress`` as in ``bills``: told the customers
        done every 1 % (at most every 65,536); a customer counts half when its readings are
        summed and half when it is billed."""
    def bill_table(self, usage: Any, what_if: bool = False) -> Any: ...
    def bill_parquet(self, path: _Path, what_if: bool = False) -> Any: ...
    def bill_curves(self, curves: Any, terms: Any, calendar: Optional[_Json] = None) -> Any: ...
    def compare_basic_methods(
        self, history: _Json, step_kw: Optional[_Number] = None
    ) -> Dict[str, Any]: ...
    def pf_finding(
        self,
        usages: _Json,
        target_pf: Optional[_Number] = None,
        hours_per_day: Optional[float] = None,
        *,
        what_if: bool = False,
    ) -> Dict[str, Any]: ...
    def tou_finding(self, usages: _Json, *, what_if: bool = False) -> Dict[str, Any]: ...
    def to_bytes(self) -> bytes:
        """Compact, versioned bytes that :func:`from_bytes` reads back; what pickling ships."""
    def __reduce__(self) -> _Reduced: ...
    def __copy__(self) -> Tariff: ...
    def __deepcopy__(self, memo: Any) -> Tariff: ...

def power_factor(
    energy_kwh: _Number, kvarh_forward: _Number, kvarh_reverse: Optional[_Number] = None
) -> Decimal: ...
def pf_adjustment_pct(standard: str, pf: _Number) -> Decimal: ...
def break_even_demand_kw(
    capacity_kva: _Number,
    capacity_price: _Number,
    demand_price: _Number,
    discount_factor: Optional[_Number] = None,
) -> Optional[Decimal]: ...

def build_reports(
    customers: _Json,
    tariff: Tariff,
    issued: _Time,
    rules: Optional[_Json] = None,
    losses: Optional[_Json] = None,
    *,
    progress: Optional[_Progress] = None,
) -> List[Dict[str, Any]]:
    """Energy reports of one peer group: each customer is ``{"info": {...}, "history": [monthly
    usage, ...], "transformers": [...], "usage": {indicator inputs}, "direct_trading_saving_yuan":
    ...}``; ``issued`` is a date (``date``, ``datetime`` or ISO 8601 text); ``rules`` and ``losses`` default to
    :func:`default_advice_rules` and the GB 20052 table. ``progress`` as in ``Tariff.bills``:
    told the customers done every 1 %."""

def default_advice_rules() -> str: ...
def render_report_html(report: _Json) -> str: ...
def render_report_summary(report: _Json) -> str: ...
@final
class WechatPushGuard:
    """Checks WeChat pushes of one official account: the signature, a timestamp window
    (``window_s``, default 300 s) and the nonces seen (replays)."""

    def __new__(cls, token: str, window_s: Optional[int] = None) -> WechatPushGuard: ...
    def check(self, signature: str, timestamp: str, nonce: str, now: _Time) -> None:
        """Raises ``PushSignatureError``, ``StalePushError``, ``ReplayedPushError`` or
        ``MalformedPushError``; records the nonce when the push passes."""

def wechat_signature(token: str, timestamp: str, nonce: str) -> str: ...
def parse_wechat_push(
    xml: str, address_book: Optional[_Json] = None, keywords: Optional[_Json] = None
) -> Dict[str, Any]:
    """One WeChat push as ``{"kind": "receipt" | "reply" | "subscribed" | "ignored", ...}``;
    ``address_book`` maps openids to customer numbers."""

def parse_sms_reports(body: str, blocked_codes: Optional[_Json] = None) -> List[Dict[str, Any]]: ...
def parse_sms_replies(
    body: str, address_book: Optional[_Json] = None, keywords: Optional[_Json] = None
) -> List[Dict[str, Any]]: ...
def from_bytes(data: _Bytes) -> Any:
    """The ``Network``, ``Topology``, ``Tariff``, ``OutageTable``, ``Scope``, ``FaultOutcome``,
    ``PlannedOutage`` or ``Snapshot`` that ``to_bytes()`` (or pickling) wrote. Raises ``PersistError`` for bytes
    that are not one (wrong magic, truncated, corrupt, another kind) and
    ``UnsupportedFormatError`` for a newer format version."""

def _topology_in_state(network: Network, data: _Bytes) -> Topology:
    """A pickled ``Topology`` rebuilt: ``network`` indexed in the state ``data`` holds."""

def _error_examples() -> List[Tuple[str, str, BaseException]]: ...
def table_spec(name: Optional[str] = None) -> Any: ...
def read_parquet(
    table: str,
    path: _Path,
    columns: Optional[Sequence[str]] = None,
    keep: Optional[Tuple[str, Sequence[str]]] = None,
) -> Any: ...
def write_parquet(table: str, data: Any, path: _Path) -> None: ...

_Table = Union[str, PathLike[str], Any]

@final
class Integrated:
    """The five sources fused into one network, with the reconciliation."""

    @property
    def network(self) -> Network: ...
    def findings(self, roles: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]: ...
    def findings_frame(self, roles: Optional[Sequence[str]] = None) -> Any: ...
    def counts(self) -> Dict[str, int]: ...
    def html(self, roles: Optional[Sequence[str]] = None, limit_per_kind: int = 200) -> str: ...
    def provenance(self, key: str, field: str) -> Optional[Dict[str, Any]]: ...
    def customers(self, roles: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]: ...
    def meters(self) -> List[Dict[str, Any]]: ...
    def snapshot(self, watermarks: Optional[_Json] = None) -> Snapshot:
        """The fused snapshot, with the sources' watermarks if given
        (``{table: {"sequence": n} | {"time": "..."} | {"text": "..."}}``)."""
    def evidence(self) -> List[Dict[str, Any]]: ...

@final
class Snapshot:
    """A fused snapshot: network records, SG186 customers, contacts and meters, provenance and
    the sources' watermarks."""

    def network(self, allow_isolated_points: bool = True) -> Network: ...
    @property
    def watermarks(self) -> Dict[str, Dict[str, Any]]: ...
    def counts(self) -> Dict[str, int]: ...
    def diff(self, new: Snapshot, roles: Optional[Sequence[str]] = None) -> Dict[str, Any]:
        """``{"changes": [{"kind", "key", "change", "fields": [{"field", "old", "new"}]}],
        "counts": {kind: {"added", "removed", "changed"}}}``; personal values masked unless
        ``roles`` allow the clear."""
    def diff_frame(self, new: Snapshot, roles: Optional[Sequence[str]] = None) -> Any:
        """A pandas DataFrame: kind, key, change, field, old, new."""
    def to_bytes(self) -> bytes: ...
    def __reduce__(self) -> _Reduced: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class SnapshotStore:
    """Fused snapshots in a SQLite database, by version (monotonic, never reused)."""

    def __new__(cls, path: _Path, check_integrity: bool = False) -> SnapshotStore: ...
    @property
    def path(self) -> str: ...
    def store(
        self, snapshot: Snapshot, label: Optional[str] = None, at: Optional[_Time] = None
    ) -> Dict[str, Any]: ...
    def list(self) -> List[Dict[str, Any]]: ...
    def info(self, version: int) -> Dict[str, Any]: ...
    def load(self, version: int) -> Snapshot: ...
    def delete(self, version: int) -> None: ...
    def diff(self, old: int, new: int, roles: Optional[Sequence[str]] = None) -> Dict[str, Any]: ...
    def diff_frame(self, old: int, new: int, roles: Optional[Sequence[str]] = None) -> Any: ...
    def __reduce__(self) -> _Reduced:
        """Refused with ``NotPicklableError``: the store holds a database connection."""

def integrate(
    *,
    pms: Optional[_Table] = None,
    gis: Optional[_Table] = None,
    customers: Optional[_Table] = None,
    contacts: Optional[_Table] = None,
    meters: Optional[_Table] = None,
    da_events: Optional[_Table] = None,
    ami_events: Optional[_Table] = None,
    mapping: Optional[_Json] = None,
    conventions: Optional[_Json] = None,
    options: Optional[_Json] = None,
    cim: Optional[_Json] = None,
    allow_isolated_points: bool = True,
) -> Integrated:
    """Fuses the sources; ``cim`` (a dict of ``CimOptions``: ``asset_id`` ``"name"`` or
    ``"mrid"``, ``machines_as_sources``, ``source_capacity_kva``, ``segment_length_m``,
    ``consumer_load_kw``) applies when ``gis`` is a CIM RDF/XML file and is refused otherwise."""
