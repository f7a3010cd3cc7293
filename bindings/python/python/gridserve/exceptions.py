"""The exceptions gridserve raises.

Every error is a :class:`GridserveError`; each family also derives from the builtin exception
Python users expect (``ValueError`` for bad input, ``KeyError`` for unknown names, ``IndexError``
for ids out of range, ``OSError`` for files), so ``except ValueError`` keeps working.
Structured details are attributes of the exception: every field of the core error, plus
``error_kind`` (the snake_case name of the problem, e.g. ``duplicate_id``) and ``kind`` (the
same, except on :class:`IdOutOfRangeError`, whose ``kind`` says what the id refers to).
Messages never repeat a long input in full, and never a phone number in clear.
"""

from __future__ import annotations

__all__ = [
    "GridserveError",
    "InvalidNetworkError",
    "TooLargeError",
    "UnknownElementError",
    "UnknownCustomerError",
    "IdOutOfRangeError",
    "OperationRefusedError",
    "StateMismatchError",
    "StaleScopeError",
    "UnmappableError",
    "ParseError",
    "GridserveIOError",
    "InvalidArgumentError",
    "InvalidOutageRecordsError",
    "NeedsCustomerListsError",
    "NotEnoughHistoryError",
    "CommandRefusedError",
    "ForbiddenError",
    "WrongStateError",
    "VersionConflictError",
    "InvalidCommandError",
    "NoticePeriodError",
    "UnknownContactError",
    "NoticeError",
    "EventStoreError",
    "ScoringError",
    "NotFiniteError",
    "InvalidWeightsError",
    "MissingInputError",
    "UnknownPeriodError",
    "ScheduleError",
    "PriceError",
    "TariffInputError",
    "NotInForceError",
    "IntervalDataError",
    "AdviceInputError",
    "AdviceRuleError",
    "ArgumentParseError",
    "InvalidPeriodError",
    "InvalidOptionError",
    "InvalidEvidenceError",
    "InvalidDailyValueError",
    "ColumnLengthError",
    "NoticeRulesError",
    "InvalidPolicyError",
    "UnknownOutboxEntryError",
    "OutboxEntryNotPendingError",
    "CorruptStoreError",
    "UnknownSnapshotError",
    "PushRefusedError",
    "PushSignatureError",
    "StalePushError",
    "ReplayedPushError",
    "PushTooLargeError",
    "MalformedPushError",
    "PersistError",
    "UnsupportedFormatError",
    "ReconciliationError",
    "NotPicklableError",
    "CancelledError",
]


class GridserveError(Exception):
    """The base class of every gridserve error.

    ``error_kind`` is the snake_case name of the problem; the other attributes are its fields.
    """

    error_kind: str = ""


class InvalidNetworkError(GridserveError, ValueError):
    """The records do not make a valid network.

    ``problems`` lists every problem found: dicts with ``record``, ``id``, ``index``, ``field``,
    ``value``, ``kind`` and ``message``.
    """

    problems: list


class TooLargeError(GridserveError, ValueError):
    """The network is larger than the model can address (``what``, ``count``, ``limit``)."""


class UnknownElementError(GridserveError, KeyError):
    """No point, line or source has this asset number (``asset``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownCustomerError(GridserveError, KeyError):
    """No customer has this customer number (``number``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class IdOutOfRangeError(GridserveError, IndexError):
    """A dense id is out of range for the network (``kind``, ``id``, ``len``)."""


class OperationRefusedError(GridserveError, ValueError):
    """An operation does not fit the element or its state (``asset``, ``action``, ``reason``).

    Nothing was changed.
    """


class StateMismatchError(GridserveError, ValueError):
    """A state was used with a network it was not made for."""


class StaleScopeError(GridserveError, RuntimeError):
    """A scope was listed after its topology changed (``scope_version``, ``topology_version``)."""


class UnmappableError(GridserveError, ValueError):
    """A row of a foreign model (e.g. pandapower) cannot be mapped.

    Attributes: ``table``, ``id``, ``field``, ``value``, ``reason``.
    """


class ParseError(GridserveError, ValueError):
    """A CSV or JSON input is malformed (``file``, ``line``, ``field``, ``detail``)."""

    line: int | None = None
    field: str | None = None


class GridserveIOError(GridserveError, OSError):
    """A file could not be read or written (``path``, ``errno``)."""


class InvalidArgumentError(GridserveError, ValueError):
    """An argument is not one gridserve knows (an unknown action or table name), or does not
    have the type or value gridserve expects (``argument``, ``expected``, ``value`` where
    known)."""


class ArgumentParseError(ParseError, InvalidArgumentError):
    """A JSON-shaped argument (rules, options, commands, usage) is refused: ``argument`` names
    it, ``field`` is the path inside it (``billing.method``, ``rows[3].x``; ``None`` for the
    whole argument) and ``detail`` says what is wrong (an unknown key or variant with the ones
    expected, a NaN or infinite number, a lone surrogate in text)."""


class InvalidPeriodError(InvalidArgumentError):
    """A reporting period is empty or reversed (``start``, ``end``)."""


class InvalidOptionError(InvalidArgumentError):
    """An option has a value out of its domain (``field``, ``value``, ``reason``)."""


class InvalidEvidenceError(InvalidArgumentError):
    """An evidence item for outage inference is not usable (``index``, ``field``, ``value``,
    ``reason``)."""


class InvalidDailyValueError(InvalidArgumentError):
    """A daily SAIDI value is not a finite number of zero or more (``index``, ``value``)."""


class ColumnLengthError(InvalidArgumentError):
    """A column has a different length from the others (``column``, ``len``, ``expected``)."""


class InvalidPolicyError(InvalidArgumentError):
    """A dispatch policy field is out of its domain (``field``, ``value``, ``reason``)."""


class InvalidOutageRecordsError(GridserveError, ValueError):
    """Outage records (or the service base) are invalid.

    ``problems`` lists every problem found: dicts with ``record``, ``index``, ``field``,
    ``value``, ``kind`` (e.g. ``end_before_start``, ``negative``, ``more_than_served``) and
    ``message``.
    """

    problems: list


class NeedsCustomerListsError(GridserveError, ValueError):
    """An index counting distinct customers needs customer lists (``index``, ``record``)."""


class NotEnoughHistoryError(GridserveError, ValueError):
    """Too few days with SAIDI above zero for the 2.5β method (``nonzero_days``, ``needed``)."""
class CommandRefusedError(GridserveError, ValueError):
    """A workflow command was refused and nothing was written (``stream``, ``command``)."""

    stream: str
    command: str


class ForbiddenError(CommandRefusedError):
    """The actor holds none of the ``allowed`` roles (or, as a customer, acts for another
    customer: ``other_customer``)."""

    actor: str
    allowed: list
    other_customer: bool


class WrongStateError(CommandRefusedError):
    """The command does not apply in the instance's current ``state``."""

    state: str


class VersionConflictError(CommandRefusedError):
    """The instance moved on: it is at ``actual``, not the ``expected`` version."""

    command: str | None = None  # type: ignore[assignment]

    expected: int
    actual: int


class InvalidCommandError(CommandRefusedError):
    """A command's ``field`` has a ``value`` the workflow refuses (``reason``)."""

    field: str
    value: str
    reason: str


class NoticePeriodError(CommandRefusedError):
    """A planned outage announced with ``given_hours`` of notice, ``required_hours`` needed
    (``start``: the outage start as given)."""

    command: str = "announce"

    given_hours: float
    required_hours: int
    temporary: bool


class UnknownContactError(GridserveError, KeyError):
    """The customer has no contact with this phone (``customer``, ``phone``)."""
# Tariff errors. Each has ``kind``: the core variant's snake_case name.


class UnknownPeriodError(GridserveError, KeyError):
    """A period name is not sharp, peak, flat, valley or deep_valley (``context``, ``name``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class NoticeError(GridserveError, ValueError):
    """A notice could not be rendered: ``template``, ``field`` and ``value`` (masked) say which,
    as they apply; ``kind`` names the problem (``unknown_template``, ``missing_variable``,
    ``bad_template``, ``field_too_long``, ``field_invalid``, ``sms_too_long``,
    ``no_channel_form``)."""

    template: str | None = None
    field: str | None = None
    value: str | None = None


class NoticeRulesError(NoticeError):
    """The notice rules are invalid (``detail``)."""


class EventStoreError(GridserveError, RuntimeError):
    """The event store failed or holds an unreadable event (``detail``)."""


class CorruptStoreError(EventStoreError):
    """A stored record is unreadable (``what``, ``detail``)."""


class UnknownOutboxEntryError(EventStoreError, KeyError):
    """No outbox entry has this ``id``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class UnknownSnapshotError(EventStoreError, KeyError):
    """No stored snapshot has this ``version`` (never stored, or deleted)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class OutboxEntryNotPendingError(EventStoreError):
    """An outbox entry (``id``) is not pending but ``status``."""
class ScoringError(GridserveError, ValueError):
    """Indicators, weights or TOPSIS refused their input.

    ``kind`` names the problem (``shape_mismatch``, ``empty``, ``invalid_interval``,
    ``too_few_alternatives``, ``no_information``, ``not_proportion``, ``invalid_input``,
    ``invalid_option``, ``duplicate_criterion``, ``overflow``); the problem's fields (``row``,
    ``column``, ``criterion``, ``value``, ``record``, ``id``, ``field``…) are attributes.
    """

    kind: str


class NotFiniteError(ScoringError):
    """A matrix cell is NaN or infinite (``row``, ``column``, ``criterion``, ``value``)."""


class InvalidWeightsError(ScoringError):
    """Weights, G1 ratios or order, or combination coefficients are invalid.

    ``kind`` is ``invalid_weight`` (``index``, ``criterion``, ``value``, ``problem``),
    ``zero_weights``, ``invalid_ratio`` (``position``, ``value``), ``invalid_order``
    (``value``, ``problem``), ``invalid_coefficient`` or ``degenerate_combination``.
    """


class MissingInputError(ScoringError):
    """An indicator needs a field the record lacks (``record``, ``id``, ``indicator``, ``field``)."""
class ScheduleError(GridserveError, ValueError):
    """A TOU schedule leaves hours uncovered or covers them twice.

    ``kind`` is ``schedule_gap``, ``schedule_overlap``, ``season_gap``, ``season_overlap`` or
    ``sharp_outside_base``; ``schedule``, ``season``, ``start``/``end`` (``HH:MM``, the exact
    interval), ``first``/``second`` (the overlapping periods or seasons), ``month``,
    ``day_type`` as they apply.
    """


class PriceError(GridserveError, ValueError):
    """A price table lacks a price: ``kind`` ``price_missing_period`` (``table``,
    ``component``, ``period``) or ``no_basic_price`` (``table``, ``record``, ``method``,
    ``field``)."""


class TariffInputError(GridserveError, ValueError):
    """A usage record or rule value is refused (``kind``, ``record``, ``field``, ``value``).

    Kinds: ``negative_quantity``, ``pf_zero_energy``, ``demand_without_capacity``,
    ``missing_field``, ``invalid_date``, ``invalid_value``, ``overflow``, ``missing_value``
    (NaN/None where a number is needed), ``invalid_column`` (a frame column that is unknown
    or absent).
    """

    field: str | None = None
    value: str | None = None


class NotInForceError(GridserveError, KeyError):
    """No schedule or price table of a book is in force (``what``, ``category``, ``voltage``,
    ``date``), or a month is billed outside the validity of its tariff (``what``, ``record``,
    ``name``, ``valid``, ``date``)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class IntervalDataError(GridserveError, ValueError):
    """Interval data do not fit: ``kind`` ``shape_mismatch`` (``quantity``, ``got``,
    ``expected``), ``bad_reading`` (``quantity``, ``customer``, ``row``, ``interval``,
    ``value``) or ``bad_layout`` (``reason``)."""


class AdviceInputError(GridserveError, ValueError):
    """A customer's report input is refused (``record``, ``field``, ``value``, ``reason``)."""


class AdviceRuleError(GridserveError, ValueError):
    """A report rule or loss-table value is out of its domain (``rule``, ``field``,
    ``value``, ``reason``)."""


class PushRefusedError(GridserveError, ValueError):
    """A push from WeChat or an SMS gateway is refused; answer it with an error status."""


class PushSignatureError(PushRefusedError):
    """The WeChat push signature does not match (not from WeChat, or the token is wrong)."""


class StalePushError(PushRefusedError):
    """The push's timestamp is outside the window (``timestamp``, ``skew_s``, ``window_s``)."""


class ReplayedPushError(PushRefusedError):
    """The same timestamp and nonce were accepted before (``timestamp``): a replay."""


class PushTooLargeError(PushRefusedError):
    """The push body is larger than the limit (``bytes``, ``limit``)."""


class MalformedPushError(PushRefusedError, ParseError):
    """A push field is missing or unreadable (``source_kind``, ``field``, ``problem``)."""
class PersistError(GridserveError, ValueError):
    """Bytes given to ``from_bytes`` (or unpickled) are not a gridserve object of the kind asked
    for: ``error_kind`` ``bad_magic`` (``found``), ``wrong_kind`` (``expected``, ``found``),
    ``truncated`` (``expected``, ``found`` bytes), ``corrupt`` or ``invalid`` (``what``,
    ``reason``), or ``encode`` when an object cannot be written."""


class UnsupportedFormatError(PersistError):
    """The bytes were written in a format version this gridserve does not read (``version``,
    ``supported``): a newer gridserve wrote them."""


class NotPicklableError(GridserveError, TypeError):
    """The object holds something that cannot move to another process (a store, a file, a
    connection) or a capability (the system actor). Derives from ``TypeError``, which is what
    ``pickle`` and ``copy`` callers catch."""


class CancelledError(GridserveError, RuntimeError):
    """A ``progress`` callback returned ``False``: the call stopped after ``done`` of ``total``
    items and returned nothing."""


class ReconciliationError(GridserveError, ValueError):
    """Fusion found findings of kinds the caller made fatal (``kinds``, ``count``, ``first``:
    the table and record of the first)."""
