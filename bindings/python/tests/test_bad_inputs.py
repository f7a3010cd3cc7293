"""Every public function under hostile arguments: NaN, inf, empty, 0-sized, wrong dtype,
non-contiguous, huge, unicode (lone surrogates included).

The property is the same for every entry point: a call either answers or raises an exception of
gridserve's hierarchy (``gridserve.exceptions.GridserveError``) whose message stays short. Any
other exception (a panic surfacing as ``PanicException``, a bare ``ValueError``,
``OverflowError``, ``UnicodeEncodeError``, ``AttributeError``) fails the test. Arguments of a
wrong Python type (a dict where text is expected) may raise ``TypeError``; everything here passes
the right type with a bad value, except where a test says otherwise.

Each entry point belongs to the area that owns its binding (scoring, tariff, network,
reliability, workflows, reports): a failure here is fixed in the core or the binding of that
area, as a class (every function taking the same kind of argument), never by loosening the check.

Set ``GRIDSERVE_OUTCOMES=path.json`` to write the number of inputs tried per entry point and the
outcomes by class.
"""

from __future__ import annotations

import atexit
import collections
import datetime as dt
import json
import math
import os
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gridserve as gs
import gridserve._convert  # noqa: F401  (the Arrow conversion of a table argument)
import gridserve.reliability  # noqa: F401  (a submodule: imported for gs.reliability)
from gridserve.exceptions import GridserveError

from conftest import SMALL

# Outcomes by entry point: "ok", or the exception class name.
OUTCOMES: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)

# An error message may quote a short excerpt of a value, never the value whole.
MAX_MESSAGE = 2_000


def _dump() -> None:
    path = os.environ.get("GRIDSERVE_OUTCOMES")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump({k: dict(v) for k, v in sorted(OUTCOMES.items())}, f, indent=1)


atexit.register(_dump)

SETTINGS = settings(
    max_examples=int(os.environ.get("GRIDSERVE_HYPOTHESIS_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def call(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Calls ``fn``; records the outcome; fails on any exception outside gridserve's hierarchy."""
    try:
        out = fn(*args, **kwargs)
    except GridserveError as e:
        OUTCOMES[name][type(e).__name__] += 1
        message = str(e)
        assert len(message) <= MAX_MESSAGE, f"{name}: {len(message)}-character message"
        return None
    except BaseException as e:  # PanicException derives from BaseException
        OUTCOMES[name][type(e).__name__] += 1
        raise AssertionError(f"{name} raised {type(e).__name__}: {str(e)[:300]}") from e
    OUTCOMES[name]["ok"] += 1
    return out


# ---- strategies -------------------------------------------------------------------------------

SPECIAL_FLOATS = [math.nan, math.inf, -math.inf, 1e308, -1e308, 0.0, -0.0, 5e-324, -1.0, 1e16]
floats = st.one_of(st.sampled_from(SPECIAL_FLOATS), st.floats(allow_nan=True, allow_infinity=True))
ints = st.one_of(
    st.sampled_from([0, -1, 1, 2**31, 2**63 - 1, -(2**63), 2**64, 10**30]),
    st.integers(min_value=-(10**6), max_value=10**6),
)
surrogates = st.text(alphabet=st.characters(categories=["Cs"]), min_size=1, max_size=3)
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "NaN", "nan", "inf", "-1", "1e400", "0x10", "１２３", "主变\r", "A\rB"]),
    surrogates,
    st.just("x" * 200_000),
)
numbers = st.one_of(floats, ints, texts)
times = st.one_of(
    st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(2200, 1, 1),
        timezones=st.none() | st.timezones(),
    ),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 1, 1)),
    st.sampled_from(
        [
            "2026-03-01",
            "2026-03-01T08:00:00",
            "2026-03-01T08:00:00+08:00",
            "2026-03-01T00:00:00Z",
            "2026-02-30",
            "2026-13-01",
            "",
            "yesterday",
            "9999-12-31T23:59:59+14:00",
        ]
    ),
    texts,
)
dtypes = st.sampled_from(
    [np.float64, np.float32, np.float16, np.int64, np.int32, np.int8, np.uint64, np.uint8, np.bool_]
)


def arrays(min_dims: int = 0, max_dims: int = 3, max_side: int = 6) -> st.SearchStrategy[Any]:
    """Numeric arrays of any dtype and shape (0-sized included), sometimes non-contiguous."""
    base = dtypes.flatmap(
        lambda d: hnp.arrays(
            d,
            hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=max_side),
            elements=(
                st.sampled_from(SPECIAL_FLOATS) | st.floats(width=16 if d == np.float16 else 64)
                if np.issubdtype(d, np.floating)
                else None
            ),
        )
    )
    return st.one_of(
        base,
        base.map(lambda a: a[::2] if a.ndim >= 1 else a),
        base.map(lambda a: a.T),
    )


json_values = st.recursive(
    st.none() | st.booleans() | floats | ints | texts.filter(lambda s: len(s) < 1000),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)


# ---- fixtures (built once) --------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_net() -> gs.Network:
    return gs.Network.from_csv_texts(dict(SMALL))


@pytest.fixture(scope="module")
def tariff() -> gs.Tariff:
    return gs.Tariff.default()


VALID_USAGE = {
    "customer": "C1",
    "year": 2026,
    "month": 3,
    "energy_kwh": [1000, 2000, 3000, 4000, 0],
    "kvarh_forward": 1200,
    "capacity_kva": 630,
    "max_demand_kw": 400,
}

# ---- scoring ----------------------------------------------------------------------------------


@SETTINGS
@given(matrix=arrays(), weights=st.lists(floats, max_size=6), norm=st.sampled_from(["vector", "min_max", "x"]))
def test_topsis(matrix: Any, weights: list[float], norm: str) -> None:
    call("topsis", gs.topsis, matrix, weights, normalisation=norm)


@SETTINGS
@given(threads=ints)
def test_topsis_threads(threads: int) -> None:
    m = np.arange(12, dtype=float).reshape(4, 3) + 1.0
    call("topsis(threads)", gs.topsis, m, [0.2, 0.3, 0.5], threads=threads)


@SETTINGS
@given(matrix=arrays(), norm=st.sampled_from(["vector", "min_max", "x"]))
def test_entropy_weights(matrix: Any, norm: str) -> None:
    call("entropy_weights", gs.entropy_weights, matrix, normalisation=norm)


@SETTINGS
@given(order=st.lists(ints, max_size=5), ratios=st.lists(floats, max_size=5))
def test_g1_weights(order: list[int], ratios: list[float]) -> None:
    call("g1_weights", gs.g1_weights, order, ratios)


@SETTINGS
@given(
    vectors=st.lists(st.lists(floats, max_size=4), max_size=3),
    method=st.sampled_from(["linear", "multiplicative", "geometric", "game_theory", "magic"]),
    alpha=st.none() | floats,
)
def test_combine_weights(vectors: list[list[float]], method: str, alpha: Any) -> None:
    call("combine_weights", gs.combine_weights, vectors, method=method, alpha=alpha)


@SETTINGS
@given(v=st.lists(floats, max_size=5), lo=st.lists(floats, max_size=5), hi=st.lists(floats, max_size=5))
def test_interval_scores(v: list[float], lo: list[float], hi: list[float]) -> None:
    call("interval_scores", gs.interval_scores, v, lo, hi)


@SETTINGS
@given(columns=st.dictionaries(st.sampled_from(["customer", "kwh", "max_demand_kw", "bogus"]), arrays(1, 1), max_size=4))
def test_compute_indicators(columns: dict[str, Any]) -> None:
    call("compute_indicators", gs.compute_indicators, columns)


# ---- tariff -----------------------------------------------------------------------------------


@SETTINGS
@given(a=numbers, b=numbers, c=st.none() | numbers)
def test_power_factor(a: Any, b: Any, c: Any) -> None:
    call("power_factor", gs.power_factor, a, b, c)


@SETTINGS
@given(standard=st.sampled_from(["0.90", "0.85", "0.80", "0.95", ""]) | texts, pf=numbers)
def test_pf_adjustment_pct(standard: str, pf: Any) -> None:
    call("pf_adjustment_pct", gs.pf_adjustment_pct, standard, pf)


@SETTINGS
@given(a=numbers, b=numbers, c=numbers, d=st.none() | numbers)
def test_break_even_demand_kw(a: Any, b: Any, c: Any, d: Any) -> None:
    call("break_even_demand_kw", gs.break_even_demand_kw, a, b, c, d)


@SETTINGS
@given(field=st.sampled_from(sorted(VALID_USAGE) + ["method", "sealed", "bogus"]), value=json_values)
def test_tariff_bill(tariff: gs.Tariff, field: str, value: Any) -> None:
    usage = dict(VALID_USAGE)
    usage[field] = value
    call("Tariff.bill", tariff.bill, usage)


@SETTINGS
@given(time=times)
def test_tariff_period_at(tariff: gs.Tariff, time: Any) -> None:
    call("Tariff.period_at", tariff.period_at, time)


@SETTINGS
@given(energy=arrays(1, 2, 8), start=times)
def test_tariff_bill_intervals(tariff: gs.Tariff, energy: Any, start: Any) -> None:
    terms = [{"customer": f"C{i}", "capacity_kva": 630} for i in range(max(1, energy.shape[0] if energy.ndim else 1))]
    call("Tariff.bill_intervals", tariff.bill_intervals, energy, start, terms, interval_min=15)


# ---- network ----------------------------------------------------------------------------------


@SETTINGS
@given(table=st.sampled_from(sorted(SMALL)), text=texts)
def test_network_from_csv_texts(table: str, text: str) -> None:
    tables = dict(SMALL)
    tables[table] = text
    call("Network.from_csv_texts", gs.Network.from_csv_texts, tables)


@SETTINGS
@given(doc=json_values)
def test_network_from_json(doc: Any) -> None:
    call("Network.from_json", gs.Network.from_json, json.dumps(doc, allow_nan=True))


@SETTINGS
@given(ops=st.lists(st.tuples(texts, texts), max_size=3))
def test_topology_scope(small_net: gs.Network, ops: list[tuple[str, str]]) -> None:
    topo = gs.Topology(small_net)
    call("Topology.scope", topo.scope, ops)
    call("Topology.apply", topo.apply, ops)


@SETTINGS
@given(asset=texts)
def test_topology_asset_queries(small_net: gs.Network, asset: str) -> None:
    topo = gs.Topology(small_net)
    call("Topology.fault", topo.fault, asset)
    call("Topology.planned_outage", topo.planned_outage, asset)
    call("Topology.protector", topo.protector, asset)
    call("Network.element", small_net.element, asset)


@SETTINGS
@given(asset=texts, options=json_values)
def test_topology_restoration_plan(small_net: gs.Network, asset: str, options: Any) -> None:
    topo = gs.Topology(small_net)
    call("Topology.restoration_plan", topo.restoration_plan, asset)
    call("Topology.restoration_plan", topo.restoration_plan, "L2", options)
    call("Topology.loading", topo.loading, options)
    call("Topology.predict_reliability", topo.predict_reliability, options)
    call("Topology.predict_reliability", topo.predict_reliability, None, options)
    call("plan_frame", gs.plan_frame, topo, asset, options)
    call("predict_reliability", gs.predict_reliability, topo, options)


EVIDENCE_KINDS = ["power_off", "power_on", "call", "trip", "fault_indicator", "", "x"]


@SETTINGS
@given(
    evidence=st.one_of(
        json_values,
        st.lists(
            st.fixed_dictionaries(
                {"kind": st.sampled_from(EVIDENCE_KINDS)},
                optional={"customer": st.one_of(texts, ints, floats), "asset": st.one_of(texts, ints)},
            ),
            max_size=4,
        ),
    ),
    options=json_values,
)
def test_topology_infer(small_net: gs.Network, evidence: Any, options: Any) -> None:
    topo = gs.Topology(small_net)
    call("Topology.infer", topo.infer, evidence)
    call("Topology.infer", topo.infer, [{"kind": "call", "customer": "C1"}], options)
    call("inference_frame", gs.inference_frame, topo, evidence)


@SETTINGS
@given(line=ints)
def test_topology_line_ids(small_net: gs.Network, line: int) -> None:
    topo = gs.Topology(small_net)
    call("Topology.scope_open_line", topo.scope_open_line, line)


@SETTINGS
@given(ids=arrays(1, 2, 5))
def test_topology_unsupplied_batch(small_net: gs.Network, ids: Any) -> None:
    topo = gs.Topology(small_net)
    actions = ["open"] * (len(ids) if ids.ndim else 1)
    call("Topology.unsupplied_batch", topo.unsupplied_batch, actions, ids)


# ---- reliability ------------------------------------------------------------------------------

FEEDERS = json.dumps([{"feeder": "F", "customers": 1000, "load_kva": 5000}])
OUTAGES = (
    "id,start,end,cause,planned,device,feeder,customers_count\n"
    "a,2023-05-01 08:00,2023-05-01 09:30,x,false,K1,F,30\n"
)


@SETTINGS
@given(text=texts, feeders=st.sampled_from([FEEDERS]) | texts)
def test_outage_table_from_csv(text: str, feeders: str) -> None:
    call("OutageTable.from_csv_text", gs.OutageTable.from_csv_text, text, feeders)
    call("OutageTable.from_csv_text(outages)", gs.OutageTable.from_csv_text, OUTAGES + text, FEEDERS)


@SETTINGS
@given(start=times, end=times, grouping=st.sampled_from(["system", "feeder", "cause", "x"]))
def test_reliability_indices(start: Any, end: Any, grouping: str) -> None:
    table = gs.OutageTable.from_csv_text(OUTAGES, FEEDERS)
    call("reliability.indices", gs.reliability.indices, table, start, end, by=grouping)


@SETTINGS
@given(key=st.sampled_from(["momentary_max_min", "momentary_max", "utc_offset_min", "cemi_n"]), value=json_values)
def test_reliability_options(key: str, value: Any) -> None:
    table = gs.OutageTable.from_csv_text(OUTAGES, FEEDERS)
    call("reliability.indices(options)", gs.reliability.indices, table, "2023-01-01", "2024-01-01", **{key: value})


@SETTINGS
@given(values=arrays(1, 2, 8), std_dev=st.sampled_from(["sample", "population", "x"]), beta=floats)
def test_med_threshold(values: Any, std_dev: str, beta: float) -> None:
    call("med_threshold", gs.reliability.med_threshold, values, std_dev=std_dev, beta_multiplier=beta)


# ---- workflows and reports --------------------------------------------------------------------


@SETTINGS
@given(
    workflow=st.sampled_from(["defect", "bill", "invoice", "outage", "x"]),
    command=st.dictionaries(st.sampled_from(["type", "customer", "severity", "amount_yuan", "bogus"]), json_values, max_size=4),
    now=times,
)
def test_workflows_execute(small_net: gs.Network, workflow: str, command: dict[str, Any], now: Any) -> None:
    flows = gs.Workflows(small_net)
    actor = {"id": "u1", "roles": ["inspector"]}
    call("Workflows.execute", flows.execute, workflow, "w1", command, actor, now)
    call("Workflows.tick", flows.tick, now)


@SETTINGS
@given(report=json_values)
def test_render_report(report: Any) -> None:
    call("render_report_html", gs.render_report_html, report if isinstance(report, (dict, list, str)) else [report])
    call("render_report_summary", gs.render_report_summary, report if isinstance(report, (dict, list, str)) else [report])


@SETTINGS
@given(customers=json_values, issued=times)
def test_build_reports(tariff: gs.Tariff, customers: Any, issued: Any) -> None:
    call("build_reports", gs.build_reports, customers if isinstance(customers, (dict, list, str)) else [customers], tariff, issued)


# ---- inbound pushes ---------------------------------------------------------------------------

PUSHES = [
    "<xml><FromUserName>o1</FromUserName><CreateTime>1700000000</CreateTime>"
    "<MsgType>text</MsgType><Content>还停电</Content></xml>",
    "<xml><CreateTime>99999999999999999999</CreateTime><MsgType>event</MsgType></xml>",
    "<!DOCTYPE xml [<!ENTITY a 'aaaa'>]><xml>&a;</xml>",
    "<xml><MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><CreateTime>-1</CreateTime></xml>",
]
GATEWAY_BODIES = [
    '[{"biz_id": "1", "success": true, "report_time": "2026-03-01 08:00:00"}]',
    '[{"phone_number": "13800000001", "send_time": "2026-02-30 08:00:00", "content": "TD"}]',
    '[{"biz_id": null, "success": "yes"}]',
    "[1, 2, 3]",
    "{}",
]


@SETTINGS
@given(token=texts, window=st.none() | ints, sig=texts, ts=texts, nonce=texts, now=times)
def test_wechat_push_guard(token: str, window: Any, sig: str, ts: str, nonce: str, now: Any) -> None:
    guard = call("WechatPushGuard", gs.WechatPushGuard, token, window)
    if guard is not None:
        call("WechatPushGuard.check", guard.check, sig, ts, nonce, now)
        call("WechatPushGuard.check", guard.check, gs.wechat_signature(token if not _has_surrogate(token) else "t", "1", "n"), ts, nonce, now)
    call("wechat_signature", gs.wechat_signature, token, ts, nonce)


def _has_surrogate(s: str) -> bool:
    return any(0xD800 <= ord(c) <= 0xDFFF for c in s)


@SETTINGS
@given(
    xml=st.sampled_from(PUSHES) | texts,
    book=st.none() | json_values,
    keywords=st.none() | json_values,
)
def test_parse_wechat_push(xml: str, book: Any, keywords: Any) -> None:
    call("parse_wechat_push", gs.parse_wechat_push, xml, book, keywords)


@SETTINGS
@given(
    body=st.sampled_from(GATEWAY_BODIES) | texts,
    codes=st.none() | json_values,
    book=st.none() | json_values,
    keywords=st.none() | json_values,
)
def test_parse_sms_pushes(body: str, codes: Any, book: Any, keywords: Any) -> None:
    call("parse_sms_reports", gs.parse_sms_reports, body, codes)
    call("parse_sms_replies", gs.parse_sms_replies, body, book, keywords)
# ---- tables (Arrow and Parquet) ---------------------------------------------------------------

cells = st.one_of(st.none(), st.booleans(), floats, ints, texts.filter(lambda s: len(s) < 1000), times)


def _column_names(table: str) -> list[str]:
    names = [c["name"] for c in gs.table_spec(table)["columns"]]
    return names + (["p1", "p2", "p96"] if table == "ami_curves" else [])


@st.composite
def hostile_tables(draw: Any, table: str) -> Any:
    """A pyarrow table (or a pandas frame when pyarrow cannot type it) with some of the
    table's columns, sometimes a foreign one, and hostile cells of any type."""
    pa = pytest.importorskip("pyarrow")
    pd = pytest.importorskip("pandas")
    names = draw(st.lists(st.sampled_from(_column_names(table) + ["colour", ""]), max_size=6, unique=True))
    rows = draw(st.integers(min_value=0, max_value=4))
    columns = {n: draw(st.lists(cells, min_size=rows, max_size=rows)) for n in names}
    try:
        return pa.table(columns) if columns else pa.table({"asset": pa.array([], pa.string())})
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError, TypeError, ValueError):
        return pd.DataFrame(columns, dtype=object)


@SETTINGS
@given(data=st.data(), table=st.sampled_from(["points", "segments", "switches", "customers", "contacts"]))
def test_network_from_arrow(data: Any, table: str) -> None:
    hostile = data.draw(hostile_tables(table))
    tables = {table: hostile} if table == "points" else {"points": {"asset": ["P-BUS"]}, table: hostile}
    call("from_dataframes(arrow)", gs.from_dataframes, **tables)


@SETTINGS
@given(data=st.data())
def test_outage_table_from_arrow(data: Any) -> None:
    hostile = data.draw(hostile_tables("outages"))
    feeders = [{"feeder": "F", "substation": "S", "customers": 100, "load_kva": 10.0}]
    call("outage_table(arrow)", gs.reliability.outage_table, hostile, feeders)


@SETTINGS
@given(data=st.data())
def test_tariff_bill_table(tariff: gs.Tariff, data: Any) -> None:
    usage = data.draw(hostile_tables("monthly_usage"))
    call("Tariff.bill_table", lambda: tariff.bill_table(gs._convert.arrow_table("usage", usage)))


@SETTINGS
@given(data=st.data())
def test_tariff_bill_curves(tariff: gs.Tariff, data: Any) -> None:
    curves = data.draw(hostile_tables("ami_curves"))
    terms = data.draw(hostile_tables("customer_terms"))
    arrow = gs._convert.arrow_table
    call("Tariff.bill_curves", lambda: tariff.bill_curves(arrow("curves", curves), arrow("terms", terms)))


@SETTINGS
@given(content=st.binary(max_size=200) | st.sampled_from([b"PAR1", b"PAR1\x00\x00\x00\x00PAR1", b""]), table=st.sampled_from(["points", "outages", "ami_curves", "nope"]), columns=st.none() | st.lists(texts.filter(lambda s: len(s) < 50), max_size=3))
def test_read_parquet(tmp_path_factory: Any, content: bytes, table: str, columns: Any) -> None:
    path = tmp_path_factory.mktemp("pq") / "x.parquet"
    path.write_bytes(content)
    call("read_parquet", gs.read_parquet, table, path, columns=columns)


# ---- pickling ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def encodings(small_net: gs.Network, tariff: gs.Tariff) -> list[bytes]:
    topo = gs.Topology(small_net, [("open", "SW1")])
    return [small_net.to_bytes(), topo.to_bytes(), tariff.to_bytes(), topo.__reduce__()[1][1]]


@SETTINGS
@given(
    which=st.integers(min_value=0, max_value=3),
    edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), max_size=4),
    cut=st.one_of(st.none(), st.integers(min_value=0)),
    junk=st.binary(max_size=64),
)
def test_from_bytes(small_net: gs.Network, encodings: list[bytes], which: int, edits: list[tuple[int, int]], cut: Any, junk: bytes) -> None:
    data = bytearray(encodings[which])
    for at, value in edits:
        data[at % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    call("from_bytes", gs.from_bytes, bytes(data))
    call("from_bytes(junk)", gs.from_bytes, junk)
    call("from_bytes(header+junk)", gs.from_bytes, encodings[which][:28] + junk)
    from gridserve._gridserve import _topology_in_state

    call("_topology_in_state", _topology_in_state, small_net, bytes(data))


# ---- progress arguments -----------------------------------------------------------------------


class _Bar:
    def __init__(self, total: Any) -> None:
        self.total = total

    def update(self, n: Any) -> None:
        pass


progress_targets = st.one_of(
    st.none(),
    json_values,
    json_values.map(lambda v: (lambda done, total: v)),
    st.sampled_from([False, True, None, 0, ""]).map(lambda v: (lambda done, total: v)),
    st.one_of(st.none(), ints, texts.filter(lambda s: len(s) < 100)).map(_Bar),
)


@SETTINGS
@given(progress=progress_targets, rows=st.integers(min_value=0, max_value=300))
def test_progress_arguments(tariff: gs.Tariff, progress: Any, rows: int) -> None:
    energy = np.full((rows, 96), 0.5)
    terms = [{"customer": f"C{i}", "capacity_kva": 630} for i in range(rows)]
    call("Tariff.bill_intervals(progress)", tariff.bill_intervals, energy, "2026-03-01", terms, progress=progress)
    call("Tariff.aggregate_intervals(progress)", tariff.aggregate_intervals, energy, "2026-03-01", progress=progress)
    call("Tariff.bills(progress)", tariff.bills, [VALID_USAGE] * min(rows, 5), progress=progress)
    call("build_reports(progress)", gs.build_reports, [], tariff, "2026-04-05", progress=progress)
