"""The workflows from Python: commands in as dicts, events, state, audit trail and outbox out;
refusals raise typed exceptions and write nothing. Network: the small one of conftest (C1's
electrician 13800000001 at level 1; C2's manager at 1 and legal representative at 2)."""

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
    reminders = [e for e in wf.outbox(masked=False) if e["message"]["template"] == "bill.reminder"]
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
