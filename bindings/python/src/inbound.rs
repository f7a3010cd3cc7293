//! What comes back from customers and providers: the WeChat push check and the parsers of
//! WeChat and SMS-gateway pushes (`gridserve_messengers::inbound`), for a host's web handler.

use std::collections::BTreeMap;

use gridserve_core::ports::Channel;
use gridserve_messengers::inbound::{self, PushGuard, ReplyKeywords};
use pyo3::prelude::*;

use crate::convert::{Text, Whole, json_arg, time_arg, to_py};
use crate::errors::IntoPy;

/// The optional address book (`{openid or phone: customer}`) and reply keywords.
fn book_and_keywords(
    py: Python<'_>,
    address_book: Option<&Bound<'_, PyAny>>,
    keywords: Option<&Bound<'_, PyAny>>,
) -> PyResult<(BTreeMap<String, String>, ReplyKeywords)> {
    let book = match address_book {
        Some(b) if !b.is_none() => json_arg(py, "address_book", b)?,
        _ => BTreeMap::new(),
    };
    let keywords = match keywords {
        Some(k) if !k.is_none() => json_arg(py, "keywords", k)?,
        _ => ReplyKeywords::default(),
    };
    Ok((book, keywords))
}

/// The WeChat push signature: hex SHA-1 of the token, timestamp and nonce sorted and joined.
#[pyfunction]
pub(crate) fn wechat_signature(token: Text, timestamp: Text, nonce: Text) -> String {
    inbound::wechat_signature(&token, &timestamp, &nonce)
}

/// Checks WeChat pushes of one official account: signature, timestamp window, replays.
#[pyclass(name = "WechatPushGuard", module = "gridserve._gridserve", frozen)]
pub(crate) struct PyWechatPushGuard {
    inner: PushGuard,
}

#[pymethods]
impl PyWechatPushGuard {
    /// A guard for the account's `token`, accepting timestamps within `window_s` seconds of
    /// now (default 300).
    #[new]
    #[pyo3(signature = (token, window_s = None))]
    fn new(token: Text, window_s: Option<Whole<u32>>) -> Self {
        Self {
            inner: PushGuard::new(token.0, window_s.map_or(300, |w| w.0)),
        }
    }

    /// Checks a push's `signature`, `timestamp` and `nonce` query parameters at `now`;
    /// raises `PushSignatureError`, `StalePushError`, `ReplayedPushError` or
    /// `MalformedPushError`.
    fn check(
        &self,
        py: Python<'_>,
        signature: Text,
        timestamp: Text,
        nonce: Text,
        now: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let now = time_arg(py, "now", now)?;
        self.inner
            .check(&signature, &timestamp, &nonce, now)
            .py_err(py)
    }
}

/// One WeChat push (XML) as a dict with its `kind` (`receipt`, `reply`, `subscribed`,
/// `ignored`); replies are classified by the keywords and carry the customer from the
/// address book.
#[pyfunction]
#[pyo3(signature = (xml, address_book = None, keywords = None))]
pub(crate) fn parse_wechat_push<'py>(
    py: Python<'py>,
    xml: Text,
    address_book: Option<&Bound<'py, PyAny>>,
    keywords: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (book, keywords) = book_and_keywords(py, address_book, keywords)?;
    let lookup = |_: Channel, address: &str| book.get(address).cloned();
    let item = inbound::parse_wechat_push(&xml, &keywords, &lookup).py_err(py)?;
    to_py(py, &item)
}

/// A gateway's delivery-report push (JSON array text) as a list of receipt dicts.
#[pyfunction]
#[pyo3(signature = (body, blocked_codes = None))]
pub(crate) fn parse_sms_reports<'py>(
    py: Python<'py>,
    body: Text,
    blocked_codes: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let blocked: Vec<String> = match blocked_codes {
        Some(b) if !b.is_none() => json_arg(py, "blocked_codes", b)?,
        _ => Vec::new(),
    };
    let items = inbound::parse_sms_reports(&body, &blocked).py_err(py)?;
    to_py(py, &items)
}

/// A gateway's reply push (JSON array text) as a list of reply dicts.
#[pyfunction]
#[pyo3(signature = (body, address_book = None, keywords = None))]
pub(crate) fn parse_sms_replies<'py>(
    py: Python<'py>,
    body: Text,
    address_book: Option<&Bound<'py, PyAny>>,
    keywords: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (book, keywords) = book_and_keywords(py, address_book, keywords)?;
    let lookup = |_: Channel, address: &str| book.get(address).cloned();
    let items = inbound::parse_sms_replies(&body, &keywords, &lookup).py_err(py)?;
    to_py(py, &items)
}
