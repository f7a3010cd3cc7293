"""Inbound pushes from Python: the WeChat push check and the parsers of WeChat and SMS-gateway
pushes, as a host's web handler uses them."""

from __future__ import annotations

import datetime as dt

import pytest

import gridserve as gs
from gridserve.exceptions import (
    MalformedPushError,
    ParseError,
    PushSignatureError,
    ReplayedPushError,
    StalePushError,
)

CST = dt.timezone(dt.timedelta(hours=8))
OPENID = "oia2TjuEGTNoeX76QEjQNrcURxG8"


def text_push(content: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[{OPENID}]]>"
        f"</FromUserName><CreateTime>1772330400</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{content}]]></Content><MsgId>1</MsgId></xml>"
    )


def test_signature_is_sha1_of_the_sorted_parts() -> None:
    # printf '%s' 1409304348nonce-1token | sha1sum
    assert gs.wechat_signature("token", "1409304348", "nonce-1") == "91b6014e05fb09f506fff3dd62d64f5c82213001"


def test_guard_refuses_forged_stale_and_replayed_pushes() -> None:
    guard = gs.WechatPushGuard("push-token")
    now = dt.datetime.fromtimestamp(1_700_000_000, CST)
    sig = gs.wechat_signature("push-token", "1699999990", "n1")
    guard.check(sig, "1699999990", "n1", now)
    with pytest.raises(ReplayedPushError) as replay:
        guard.check(sig, "1699999990", "n1", now)
    assert replay.value.timestamp == 1_699_999_990
    assert isinstance(replay.value, ValueError)
    with pytest.raises(PushSignatureError):
        guard.check(gs.wechat_signature("guess", "1699999990", "n2"), "1699999990", "n2", now)
    old = gs.wechat_signature("push-token", "1699999000", "n3")
    with pytest.raises(StalePushError) as stale:
        guard.check(old, "1699999000", "n3", "2023-11-15T06:13:20+08:00")
    assert (stale.value.skew_s, stale.value.window_s) == (1000, 300)
    # A narrower window refuses what the default accepts.
    narrow = gs.WechatPushGuard("push-token", 5)
    with pytest.raises(StalePushError):
        narrow.check(sig, "1699999990", "n1", now)


def test_wechat_replies_and_receipts() -> None:
    book = {OPENID: "0100042"}
    out = gs.parse_wechat_push(text_push("我家还停电！"), book)
    assert out["kind"] == "reply"
    assert (out["command"], out["customer"], out["channel"]) == ("still_out", "0100042", "wechat_template")
    assert out["at"].startswith("2026-03-01T10:00:00+08:00")
    assert gs.parse_wechat_push(text_push("已缴费"))["customer"] is None
    other = gs.parse_wechat_push(text_push("请回电 13912345678"), book)
    assert "13912345678" not in other["command"]["unrecognised"]["text"]
    receipt = gs.parse_wechat_push(
        "<xml><FromUserName>o</FromUserName><CreateTime>1395658984</CreateTime>"
        "<MsgType>event</MsgType><Event>TEMPLATESENDJOBFINISH</Event><MsgID>200163840</MsgID>"
        "<Status><![CDATA[failed:user block]]></Status></xml>"
    )
    assert receipt == {
        "kind": "receipt",
        "channel": "wechat_template",
        "provider_msg_id": "200163840",
        "status": "user_blocked",
        "at": "2014-03-24T19:03:04+08:00",  # TZ=Asia/Shanghai date -d @1395658984
    }
    with pytest.raises(MalformedPushError) as bad:
        gs.parse_wechat_push("<xml><MsgType>text</MsgType></xml>")
    assert bad.value.field == "CreateTime"
    assert isinstance(bad.value, ParseError)
    # Keywords are data; unknown keys are refused.
    assert gs.parse_wechat_push(text_push("缴清"), keywords={"paid": ["缴清"]})["command"] == "bill_paid"
    with pytest.raises(gs.InvalidArgumentError):
        gs.parse_wechat_push(text_push("x"), keywords={"pay": []})


def test_sms_reports_and_replies() -> None:
    reports = gs.parse_sms_reports(
        '[{"biz_id": "9^0", "success": false, "err_code": "MK:0001", "report_time": "2026-03-01 08:00:05"}]',
        ["MK:0001"],
    )
    assert reports[0]["status"] == "user_blocked"
    replies = gs.parse_sms_replies(
        '[{"phone_number": "13800000001", "send_time": "2026-03-01 20:15:00", "content": "TD"}]',
        {"13800000001": "0100043"},
    )
    assert (replies[0]["command"], replies[0]["customer"]) == ("unsubscribe", "0100043")
    with pytest.raises(MalformedPushError) as bad:
        gs.parse_sms_replies('[{"content": "TD", "send_time": "2026-03-01 20:15:00"}]')
    assert bad.value.field == "[0].phone_number"
