"""The workflows from Python: commands in as dicts, events, state, audit trail and outbox out;
refusals raise typed exceptions and write nothing. Network: the small one of conftest (C1's
electrician 13800000001 at level 1; C2's manager at 1 and legal representative at 2)."""

import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

import gridserve as gs

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=CST)
INSPECTOR = {"id": "insp-1", "roles": ["inspector"]}
MANAGER = {"id": "cm-1", "roles": ["customer_manager"]}
C1 = {"id": "u1", "roles": ["customer"], "customer": "C1"}


def record(**over):
    cmd = {
        "type": "record",
        "customer": "C1",
        "device": "F1",
        "severity": "serious",
        "description": "熔断器瓷瓶破损",
        "evidence": [{"kind": "photo", "uri": "oss://d/1.jpg"}],
    }
    cmd.update(over)
    return cmd


def test_defect_round_trip_and_audit(small):
    wf = gs.Workflows(small)
    x = wf.execute("defect", "D1", record(), INSPECTOR, T0, expected_version=0)
    assert x["version"] == 1 and x["events"][0]["type"] == "recorded"
    x = wf.execute("defect", "D1", {"type": "issue_notice"}, MANAGER, T0)
    assert x["appended"]["enqueued"] == 1
    # Serious: rectify within 7 days.
    due = datetime.fromisoformat(x["events"][0]["rectify_due"])
    assert due == T0 + timedelta(days=7)
    for cmd, actor in [
        ({"type": "acknowledge"}, C1),
        ({"type": "start_rectifying"}, C1),
        ({"type": "submit_rectification", "note": "ok", "evidence": [{"kind": "video", "uri": "v"}]}, C1),
        ({"type": "verify"}, INSPECTOR),
        ({"type": "close"}, MANAGER),
    ]:
        wf.execute("defect", "D1", cmd, actor, T0 + timedelta(days=1))
    st = wf.state("defect", "D1")
    assert (st["status"], st["version"]) == ("closed", 7)
    assert len(st["state"]["evidence"]) == 2
    trail = [(h["actor"], h["event_type"]) for h in wf.history("defect", "D1")]
    assert trail[0] == ("insp-1", "defect.recorded") and trail[-1] == ("cm-1", "defect.closed")
    assert wf.instances("defect") == ["D1"]


def test_refusals_raise_typed_errors_and_write_nothing(small):
    wf = gs.Workflows(small)
    wf.execute("defect", "D1", record(), INSPECTOR, T0)
    before = wf.state("defect", "D1")
    with pytest.raises(gs.ForbiddenError) as e:
        wf.execute("defect", "D1", {"type": "issue_notice"}, C1, T0)
    assert e.value.command == "issue_notice" and "inspector" in e.value.allowed
    with pytest.raises(gs.WrongStateError) as e:
        wf.execute("defect", "D1", {"type": "close"}, MANAGER, T0)
    assert e.value.state == "recorded"
    with pytest.raises(gs.VersionConflictError) as e:
        wf.execute("defect", "D1", {"type": "issue_notice"}, MANAGER, T0, expected_version=0)
    assert (e.value.expected, e.value.actual) == (0, 1)
    with pytest.raises(gs.UnknownCustomerError):
        wf.execute("defect", "D2", record(customer="C9"), INSPECTOR, T0)
    with pytest.raises(gs.UnknownElementError):
        wf.execute("defect", "D2", record(device="NOPE"), INSPECTOR, T0)
    with pytest.raises(gs.InvalidCommandError) as e:
        wf.execute("defect", "D2", {"type": "fly"}, INSPECTOR, T0)
    assert e.value.field == "command"
    with pytest.raises(gs.InvalidArgumentError):
        wf.execute("ticket", "D2", record(), INSPECTOR, T0)
    with pytest.raises(gs.InvalidArgumentError):
        wf.execute("defect", "D2", record(), INSPECTOR, "2026-03-02 25:00")  # not a time
    assert wf.state("defect", "D1") == before
    assert wf.instances("defect") == ["D1"]
    assert wf.outbox() == []
    # Refusals are ValueErrors / KeyErrors for callers that catch builtins.
    assert issubclass(gs.CommandRefusedError, ValueError)
    assert issubclass(gs.UnknownContactError, KeyError)


def test_bill_reminders_payment_invoice_and_outbox(small):
    wf = gs.Workflows(small)
    collector = {"id": "col", "roles": ["collector"]}
    wf.execute(
        "bill", "B1",
        {"type": "issue", "customer": "C2", "amount": Decimal("99.50"), "due": T0 + timedelta(days=15)},
        collector, T0,
    )
    # C2: manager at level 1, legal representative at level 2 (both may receive bills).
    for day in (3, 7):
        wf.tick(T0 + timedelta(days=day))
    reminders = [e for e in wf.outbox(reader=MANAGER) if e["message"]["template"] == "bill.reminder"]
    assert [e["message"]["address"] for e in reminders] == ["13800000002", "13800000003"]
    masked = wf.outbox()
    assert masked[0]["message"]["address"] == "138****0002"
    with pytest.raises(gs.UnknownContactError):
        wf.execute("bill", "B1", {"type": "forward", "phone": "1"}, {"id": "u", "roles": ["customer"], "customer": "C2"}, T0)
    x = wf.execute("bill", "B1", {"type": "record_payment", "amount": "99.5"}, collector, T0 + timedelta(days=8))
    assert [e["type"] for e in x["events"]] == ["payment_recorded", "paid"]
    assert wf.state("invoice", "B1")["status"] == "requested"
    # Deliver what is due.
    due = wf.due(T0 + timedelta(days=8))
    assert due and all(e["status"] == "pending" for e in due)
    for e in due:
        wf.mark_sent(e["id"], T0 + timedelta(days=8))
    assert wf.due(T0 + timedelta(days=8)) == []
    assert len(wf.outbox("sent")) == len(due)


def test_planned_outage_notice_period(small):
    wf = gs.Workflows(small)
    disp = {"id": "d", "roles": ["dispatcher"]}
    cmd = {
        "type": "announce", "area": "城关镇", "devices": ["SW1"], "customers": ["C2"],
        "start": T0 + timedelta(days=6), "end": T0 + timedelta(days=6, hours=8),
    }
    with pytest.raises(gs.NoticePeriodError) as e:
        wf.execute("outage", "P1", cmd, disp, T0)
    assert e.value.required_hours == 168 and e.value.given_hours == pytest.approx(144.0)
    cmd["temporary"] = True
    x = wf.execute("outage", "P1", cmd, disp, T0)
    assert x["appended"]["enqueued"] == 1


def test_rules_are_data(small):
    import json

    rules = json.loads(gs.Workflows.default_rules())
    assert rules["outage"]["planned_notice_min"] == 7 * 24 * 60
    rules["outage"]["planned_notice_min"] = 60
    wf = gs.Workflows(small, rules=json.dumps(rules))
    wf.execute(
        "outage", "P1",
        {"type": "announce", "area": "城关镇", "devices": [], "customers": ["C1"],
         "start": T0 + timedelta(hours=2), "end": T0 + timedelta(hours=3)},
        {"id": "d", "roles": ["dispatcher"]}, T0,
    )
    with pytest.raises(gs.InvalidArgumentError):
        gs.Workflows(small, rules="{not json")
    # A misspelt key is refused by name, never dropped (which would leave the default in force).
    with pytest.raises(gs.exceptions.ArgumentParseError, match="planned_notice_minutes"):
        gs.Workflows(small, rules=json.dumps({"outage": {"planned_notice_minutes": 60}}))
    with pytest.raises(gs.exceptions.ArgumentParseError, match="notice"):
        gs.Workflows(small, rules=json.dumps({"notice": {}}))


def test_unknown_command_fields_are_refused(small):
    wf = gs.Workflows(small)
    with pytest.raises(gs.InvalidCommandError, match="severty") as err:
        wf.execute("defect", "D1", record(severty="minor"), INSPECTOR, T0)
    assert err.value.field == "command"
    assert wf.history("defect", "D1") == []


def test_sqlite_store_outlives_the_object(small, tmp_path):
    db = tmp_path / "desk.db"
    wf = gs.Workflows(small, path=db)
    assert wf.path == str(db)
    wf.execute("defect", "D1", record(), INSPECTOR, T0, expected_version=0)
    wf.execute("defect", "D1", {"type": "issue_notice"}, MANAGER, T0)
    collector = {"id": "col", "roles": ["collector"]}
    wf.execute(
        "bill", "B1",
        {"type": "issue", "customer": "C2", "amount": Decimal("10"), "due": T0 + timedelta(days=15)},
        collector, T0,
    )
    due = wf.due(T0)
    assert len(due) == 2
    # One sent, one retried later, then dead-lettered with its reason.
    wf.mark_sent(due[0]["id"], T0, provider_msg_id="p-1")
    wf.mark_failed(due[1]["id"], "timeout", retry_at=T0 + timedelta(minutes=5))
    assert wf.due(T0) == []
    assert [e["id"] for e in wf.due(T0 + timedelta(minutes=5))] == [due[1]["id"]]
    wf.mark_failed(due[1]["id"], "number does not exist")
    del wf

    # A new object on the same file sees every event and the outbox as it was left.
    again = gs.Workflows(small, path=db)
    assert again.instances("defect") == ["D1"] and again.instances("bill") == ["B1"]
    st = again.state("defect", "D1")
    assert (st["status"], st["version"]) == ("notice_issued", 2)
    assert [e["id"] for e in again.outbox("sent")] == [due[0]["id"]]
    dead = again.outbox("dead")
    assert [e["id"] for e in dead] == [due[1]["id"]]
    assert "number does not exist" in str(dead[0])
    # A settled entry takes no further attempt.
    with pytest.raises(gs.EventStoreError):
        again.mark_sent(due[1]["id"], T0)
    # A refused command writes nothing to the file either.
    with pytest.raises(gs.WrongStateError):
        again.execute("defect", "D1", {"type": "close"}, MANAGER, T0)
    assert gs.Workflows(small, path=db).state("defect", "D1")["version"] == 2


def test_sqlite_path_errors(small, tmp_path):
    # A directory that does not exist cannot hold the database.
    with pytest.raises(gs.EventStoreError):
        gs.Workflows(small, path=tmp_path / "missing" / "desk.db")
    # An in-memory desk has no path; suppressing an entry settles it.
    wf = gs.Workflows(small)
    assert wf.path is None
    wf.execute("defect", "D1", record(), INSPECTOR, T0)
    wf.execute("defect", "D1", {"type": "issue_notice"}, MANAGER, T0)
    entry = wf.due(T0)[0]
    wf.suppress(entry["id"], "opted out by phone")
    assert [e["id"] for e in wf.outbox("suppressed")] == [entry["id"]]


def test_the_system_role_is_granted_by_the_host_not_named_in_a_dict(small):
    wf = gs.Workflows(small)
    issue = {"type": "issue", "customer": "C2", "amount": "10", "due": T0 + timedelta(days=15)}
    with pytest.raises(gs.InvalidArgumentError) as e:
        wf.execute("bill", "B1", issue, {"id": "mallory", "roles": ["system"]}, T0)
    assert "granted by the host" in str(e.value)
    assert wf.instances("bill") == []
    x = wf.execute("bill", "B1", issue, wf.system_actor(), T0)
    assert x["version"] == 1
    assert wf.history("bill", "B1")[0]["actor"] == "system"


def test_views_are_masked_unless_the_reader_may_see_clear_values(small):
    wf = gs.Workflows(small)
    collector = {"id": "col", "roles": ["collector"]}
    wf.execute(
        "bill", "B1",
        {"type": "issue", "customer": "C2", "amount": "10", "due": T0 + timedelta(days=15)},
        collector, T0,
    )
    wf.execute("bill", "B1", {"type": "forward", "phone": "13800000003"}, collector, T0)
    wf.execute(
        "defect", "D1", record(description="联系 138-0000-0001 或 +86 138 0000 0002"), INSPECTOR, T0
    )
    crew = {"id": "crew", "roles": ["repair_crew"]}
    for reader in (None, crew):
        views = [
            wf.state("bill", "B1", reader=reader),
            wf.history("bill", "B1", reader=reader),
            wf.state("defect", "D1", reader=reader),
            wf.history("defect", "D1", reader=reader),
            wf.outbox(reader=reader),
        ]
        text = repr(views)
        for clear in ("13800000003", "0000-0001", "0000 0002", "13800000002"):
            assert clear not in text, (reader, clear)
    assert "13800000003" in repr(wf.state("bill", "B1", reader=MANAGER))
    assert "138-0000-0001" in repr(wf.history("defect", "D1", reader=MANAGER))


def test_errors_keep_phone_numbers_and_huge_input_out(small):
    wf = gs.Workflows(small)
    collector = {"id": "col", "roles": ["collector"]}
    wf.execute(
        "bill", "B1",
        {"type": "issue", "customer": "C2", "amount": "10", "due": T0 + timedelta(days=15)},
        collector, T0,
    )
    with pytest.raises(gs.UnknownContactError) as e:
        wf.execute("bill", "B1", {"type": "forward", "phone": "13912345678"}, collector, T0)
    assert "13912345678" not in str(e.value)
    with pytest.raises(gs.InvalidCommandError) as e:
        wf.execute("defect", "D9", {"type": "record", "description": "x" * 10_000_000}, INSPECTOR, T0)
    assert len(str(e.value)) < 1000


def test_a_notice_that_reaches_nobody_is_reported(small):
    rules = json.loads(gs.Workflows.default_rules())
    rules["notices"]["recipients"]["roles"]["bill"] = ["finance"]
    rules["notices"]["recipients"]["fallback_to_any_contact"] = False
    wf = gs.Workflows(small, rules=json.dumps(rules))
    x = wf.execute(
        "bill", "B1",
        {"type": "issue", "customer": "C2", "amount": "10", "due": T0 + timedelta(days=15)},
        {"id": "col", "roles": ["collector"]}, T0,
    )
    assert x["appended"]["enqueued"] == 0
    assert x["unreached"] == [
        {"stream": "bill/B1", "version": 1, "template": "bill.issued", "customer": "C2",
         "reason": "no_permitted_contact"}
    ]
    r = wf.tick(T0 + timedelta(days=3))
    assert r["events"] >= 1 and r["unreached"] and r["unreached"][0]["customer"] == "C2"


def test_the_sqlite_file_is_checked(small, tmp_path):
    import sqlite3

    other = tmp_path / "other.db"
    with sqlite3.connect(other) as c:
        c.execute("CREATE TABLE customers (id, name)")
    with pytest.raises(gs.EventStoreError):
        gs.Workflows(small, path=other)
    path = tmp_path / "desk.db"
    wf = gs.Workflows(small, path=path)
    for i in range(300):
        wf.execute("defect", f"D{i:03}", record(), INSPECTOR, T0)
    wf.integrity_check()
    del wf
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096
    start = len(data) - 4096 + 1000
    for i in range(start, start + 64):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    with pytest.raises(gs.EventStoreError):
        gs.Workflows(small, path=path).integrity_check()
    with pytest.raises(gs.EventStoreError):
        gs.Workflows(small, path=path, check_integrity=True)


def test_shared_between_threads_with_writers_and_readers(small):
    import threading

    wf = gs.Workflows(small)
    errors: list = []
    stop = threading.Event()

    def writer(k: int) -> None:
        try:
            for i in range(40):
                wf.execute("defect", f"W{k}-{i}", record(), INSPECTOR, T0)
                wf.execute("defect", f"W{k}-{i}", {"type": "issue_notice"}, MANAGER, T0)
        except Exception as e:  # noqa: BLE001 - collected for the assertion
            errors.append(e)

    def reader() -> None:
        try:
            while not stop.is_set():
                for id in wf.instances("defect")[-3:]:
                    wf.state("defect", id)
                    wf.history("defect", id)
                wf.outbox(limit=5)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    writers = [threading.Thread(target=writer, args=(k,)) for k in range(2)]
    readers = [threading.Thread(target=reader) for _ in range(2)]
    for t in writers + readers:
        t.start()
    for t in writers:
        t.join(timeout=120)
    stop.set()
    for t in readers:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in writers + readers), "threads hung"
    assert errors == []
    assert len(wf.instances("defect")) == 80
    assert all(wf.state("defect", f"W{k}-{i}")["version"] == 2 for k in range(2) for i in range(40))


STAFF = {
    "directory": [
        {"id": "disp-1", "roles": ["dispatcher"], "contacts": [{"channel": "app", "address": "disp-1"}]},
        {"id": "sup-1", "roles": ["supervisor"], "contacts": [{"channel": "app", "address": "sup-1"}]},
    ]
}


def test_staff_reminders_with_escalation(small):
    wf = gs.Workflows(small, staff=json.dumps(STAFF))
    dispatcher = {"id": "disp-1", "roles": ["dispatcher"]}
    detect = {"type": "detect", "area": "城关镇东街", "element": "L1", "cause": "线路故障"}
    wf.execute("outage", "O1", detect, dispatcher, T0)
    x = wf.execute(
        "outage", "O1", {"type": "trace_scope", "customers": ["C2", "C1"], "tripped": ["CB1"]}, dispatcher, T0
    )
    assert x["staff_unreached"] == []
    staff = [e for e in wf.outbox(limit=100) if e["message"]["template"].startswith("staff.")]
    by_template = {e["message"]["template"]: e["message"] for e in staff}
    assert by_template["staff.outage_traced"]["text"] == "停电 O1 已研判：影响 2 户，请派单抢修"
    # The supervisor's escalation waits the default 15 minutes.
    esc = by_template["staff.outage_traced.escalated"]
    assert datetime.fromisoformat(esc["not_before"]) == T0 + timedelta(minutes=15)
    rules = json.loads(gs.Workflows.default_staff_rules())
    assert rules["outage_traced"]["escalate_after_min"] == 15
    with pytest.raises(gs.GridserveError):
        gs.Workflows(small, staff=json.dumps({"directory": [], "rulez": {}}))


def test_monthly_report_push_once_per_period(small):
    from test_advice import PRICES, RULES, SCHEDULE, customer_a, customer_b

    tariff = gs.Tariff(SCHEDULE, PRICES)
    reports = gs.build_reports([customer_a(), customer_b()], tariff, "2026-04-05", rules=RULES)
    reports[0]["customer"]["number"] = "C1"
    reports[1]["customer"]["number"] = "C2"
    wf = gs.Workflows(small)
    system = wf.system_actor()
    first = wf.push_reports(reports, "2026-03", system, T0)
    assert (first["published"], first["failures"]) == (2, [])
    pushed = [e for e in wf.outbox(limit=100) if e["message"]["template"] == "report.monthly"]
    assert len(pushed) == first["notices"] >= 2
    assert {e["message"]["link"] for e in pushed} == {"/report/C1/2026-03", "/report/C2/2026-03"}
    again = wf.push_reports(reports, "2026-03", system, T0)
    assert (again["unchanged"], again["notices"]) == (2, 0)
    assert wf.state("report", "C1/2026-03")["status"] == "published"
    bad = wf.push_reports(reports, "2026-3", system, T0)
    assert len(bad["failures"]) == 2 and "period" in bad["failures"][0][1]


def test_outage_from_an_inference_restored_by_its_plan(small):
    # A fault on L1 (A–B): CB1 trips. The evidence: C2's meter reports power off, C1 calls, DA
    # reports CB1's trip. The trip names CB1; both reports lie below it (k = 2, j = 0), so the
    # confidence is 1 × 2 / 2 = 1 and the evidence is items 0, 1, 2. The plan (10 % reserve):
    # open SW1, open F1, close TIE, which brings C2 back from S2; C1 behind F1 stays out.
    topo = gs.Topology(small)
    evidence = [
        {"kind": "power_off", "customer": "C2"},
        {"kind": "call", "customer": "C1"},
        {"kind": "trip", "asset": "CB1"},
    ]
    inference = topo.infer(evidence)
    trace = topo.trace_inferred_command(inference, evidence)
    assert trace["type"] == "trace_scope"
    # C2 is first class: listed first.
    assert (trace["customers"], trace["tripped"]) == (["C2", "C1"], ["CB1"])
    assert trace["inferred"]["confidence"] == 1.0
    assert [e["index"] for e in trace["inferred"]["evidence"]] == [0, 1, 2]
    plan = topo.restoration_plan("L1", {"capacity": {"reserve_margin": 0.1}})
    attach = topo.attach_plan_command(plan)
    assert [s["customers"] for s in attach["steps"]] == [[], [], ["C2"]]

    wf = gs.Workflows(small)
    disp = {"id": "disp-1", "roles": ["dispatcher"]}
    wf.execute("outage", "O1", {"type": "detect", "area": "城关镇东街", "element": "CB1", "cause": "线路故障"}, disp, T0)
    wf.execute("outage", "O1", trace, disp, T0)
    wf.execute("outage", "O1", attach, disp, T0)
    with pytest.raises(gs.exceptions.InvalidCommandError) as e:
        wf.execute("outage", "O1", {"type": "complete_step", "step": 2}, disp, T0)
    assert (e.value.field, e.value.value) == ("step", "2")
    for step in (1, 2, 3):
        wf.execute("outage", "O1", {"type": "complete_step", "step": step}, disp, T0)
    state = wf.state("outage", "O1")["state"]
    assert state["restored_by_step"] == {"C2": 3}
    wf.execute("outage", "O1", {"type": "restore"}, disp, T0 + timedelta(hours=2))
    # C2's manager (level 1) gets one restored-by-switching notice, C1's electrician the final
    # restored notice; each superseded its unsent detected notice.
    def sent(status):
        return sorted((m["message"]["customer"], m["message"]["template"]) for m in wf.outbox(status, limit=100))

    assert sent("pending") == [("C1", "outage.restored"), ("C2", "outage.restored_by_switching")]
    assert sent("suppressed") == [("C1", "outage.detected"), ("C2", "outage.detected")]
    # A changed topology refuses to build the commands from the older results.
    topo.apply([("open", "SW1")])
    with pytest.raises(gs.exceptions.StaleScopeError):
        topo.attach_plan_command(plan)
    with pytest.raises(gs.exceptions.StaleScopeError):
        topo.trace_inferred_command(inference, evidence)
