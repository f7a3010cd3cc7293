"""Personal data in the network's exports and views is masked by the reader's role.

Masked unless the reader's roles include one the default masking policy lets read personal data
in the clear (customer_manager, supervisor). The masked forms follow the documented rule: a name
keeps its first character, a phone number its first 3 and last 4 digits.
"""

import pytest

import gridserve as gs

# The small network's customers and contacts (conftest.SMALL), in the clear and masked by hand.
CLEAR = {
    "names": ["客户C1", "客户C2"],
    "contact_names": ["王工", "李经理", "赵总"],
    "phones": ["13800000001", "13800000002", "13800000003"],
}
MASKED = {
    "names": ["客***", "客***"],
    "contact_names": ["王*", "李**", "赵*"],
    "phones": ["138****0001", "138****0002", "138****0003"],
}
CLEAR_READERS = [["customer_manager"], ["supervisor"], ["dispatcher", "supervisor"]]
MASKED_READERS = [None, [], ["dispatcher"], ["repair_crew", "collector"], ["system"]]


def report_values(report: dict) -> dict:
    customers = sorted(report["customers"], key=lambda c: c["number"])
    contacts = [k for c in customers for k in c["contacts"]]
    return {
        "names": [c["name"] for c in customers],
        "contact_names": [k["name"] for k in contacts],
        "phones": [k["phone"] for k in contacts],
    }


def columns_values(cols: dict) -> dict:
    return {
        "names": list(cols["customers"]["name"]),
        "contact_names": list(cols["contacts"]["name"]),
        "phones": list(cols["contacts"]["phone"]),
    }


@pytest.mark.parametrize("roles", MASKED_READERS)
def test_scope_report_is_masked_without_permission(small: gs.Network, roles) -> None:
    scope = gs.Topology(small).fault("L1").scope
    report = scope.report() if roles is None else scope.report(roles=roles)
    assert report_values(report) == MASKED
    # What is not personal data stays: numbers, points, counts.
    assert sorted(c["number"] for c in report["customers"]) == ["C1", "C2"]
    assert report["summary"]["customers"] == 2


@pytest.mark.parametrize("roles", CLEAR_READERS)
def test_scope_report_is_clear_with_permission(small: gs.Network, roles) -> None:
    report = gs.Topology(small).fault("L1").scope.report(roles=roles)
    assert report_values(report) == CLEAR


@pytest.mark.parametrize("roles", MASKED_READERS)
def test_to_columns_is_masked_without_permission(small: gs.Network, roles) -> None:
    cols = small.to_columns() if roles is None else small.to_columns(roles=roles)
    assert columns_values(cols) == MASKED
    assert list(cols["contacts"]["customer"]) == ["C1", "C2", "C2"]


@pytest.mark.parametrize("roles", CLEAR_READERS)
def test_to_columns_is_clear_with_permission(small: gs.Network, roles) -> None:
    assert columns_values(small.to_columns(roles=roles)) == CLEAR


def test_to_dataframes_masked_by_default_clear_with_permission(small: gs.Network) -> None:
    pytest.importorskip("pandas")
    frames = gs.to_dataframes(small)
    assert frames["contacts"]["phone"].tolist() == MASKED["phones"]
    assert frames["contacts"]["name"].tolist() == MASKED["contact_names"]
    assert frames["customers"]["name"].tolist() == MASKED["names"]
    frames = gs.to_dataframes(small, roles=["customer_manager"])
    assert frames["contacts"]["phone"].tolist() == CLEAR["phones"]
    assert frames["customers"]["name"].tolist() == CLEAR["names"]


def test_customers_frame_masked_by_default_clear_with_permission(small: gs.Network) -> None:
    pytest.importorskip("pandas")
    scope = gs.Topology(small).fault("L1").scope
    frame = gs.customers_frame(scope)  # critical first: C2, then C1
    assert frame["phone"].tolist() == ["138****0002", "138****0001"]
    assert frame["contact"].tolist() == ["李**", "王*"]
    assert frame["name"].tolist() == ["客***", "客***"]
    frame = gs.customers_frame(scope, roles=["dispatcher"])
    assert frame["phone"].tolist() == ["138****0002", "138****0001"]
    frame = gs.customers_frame(scope, roles=["customer_manager"])
    assert frame["phone"].tolist() == ["13800000002", "13800000001"]
    assert frame["contact"].tolist() == ["李经理", "王工"]


@pytest.mark.parametrize(
    "roles, says",
    [
        (["no_such_role"], "unknown role \"no_such_role\""),
        ("customer_manager", "not a single str"),
        (5, "not int"),
        ([5], "item of type int"),
        (["x" * 10_000_000], "unknown role"),
    ],
)
def test_bad_roles_are_refused_by_name(small: gs.Network, roles, says: str) -> None:
    scope = gs.Topology(small).fault("L1").scope
    for call in (lambda: scope.report(roles=roles), lambda: small.to_columns(roles=roles)):
        with pytest.raises(gs.exceptions.InvalidArgumentError) as e:
            call()
        assert says in str(e.value)
        assert len(str(e.value)) < 200  # a huge value is never echoed whole


def test_masked_phone_never_reaches_an_unmasked_export_by_default(small: gs.Network) -> None:
    # Every default view of the small network, searched for a clear phone number or name.
    topo = gs.Topology(small)
    views = [
        repr(topo.fault("L1").scope.report()),
        repr(topo.scope([("open", "CB1")]).report()),
        repr(topo.planned_outage("L1").scope.report()),
        repr(small.to_columns()),
    ]
    for text in views:
        for value in CLEAR["phones"] + CLEAR["names"] + CLEAR["contact_names"]:
            assert value not in text
