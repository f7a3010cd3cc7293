//! The JSON-lines messenger.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use gridserve_core::notify::Masking;
use gridserve_core::ports::{Channel, Messenger, OutboundMessage, SendError, SendOutcome};
use gridserve_messengers::{JsonLinesMessenger, MessengerError};

use crate::message;

#[test]
fn writes_one_json_object_per_line_and_appends() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.jsonl");
    {
        let m = JsonLinesMessenger::file(Channel::App, &path).unwrap();
        assert_eq!(m.send(&message("a")).unwrap(), SendOutcome::Delivered);
    }
    let m = JsonLinesMessenger::file(Channel::App, &path).unwrap();
    m.send(&message("b")).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2);
    let back: OutboundMessage = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(back, message("b"));
}

#[test]
fn an_unopenable_file_is_a_typed_error() {
    let dir = tempfile::tempdir().unwrap();
    let err =
        JsonLinesMessenger::file(Channel::Sms, dir.path().join("no/such/dir.jsonl")).unwrap_err();
    assert!(matches!(err, MessengerError::Open { .. }));
}

struct Failing(Arc<Mutex<usize>>);
impl Write for Failing {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        *self.0.lock().unwrap() += 1;
        Err(io::Error::new(io::ErrorKind::StorageFull, "disk full"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failed_write_is_transient() {
    let calls = Arc::new(Mutex::new(0));
    let m = JsonLinesMessenger::to_writer(Channel::Sms, Failing(calls.clone()));
    match m.send(&message("a")) {
        Err(SendError::Transient { detail, .. }) => assert!(detail.contains("disk full")),
        other => panic!("{other:?}"),
    }
    assert_eq!(*calls.lock().unwrap(), 1);
}

/// A writer whose bytes the test reads back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);
impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_console_masks_personal_data_and_a_sink_keeps_it() {
    assert_eq!(
        JsonLinesMessenger::stdout(Channel::Sms).masking(),
        Masking::Masked
    );
    let mut m = message("a");
    m.address = "13800000001".into();
    m.text = Some("请联系 138-0000-0002".into());
    let buf = Shared::default();
    let masked =
        JsonLinesMessenger::to_writer(Channel::Sms, buf.clone()).with_masking(Masking::Masked);
    masked.send(&m).unwrap();
    let line = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(
        line.contains("138****0001") && line.contains("138-****-0002"),
        "{line}"
    );
    assert!(
        !line.contains("13800000001") && !line.contains("0000-0002"),
        "{line}"
    );
    let buf = Shared::default();
    JsonLinesMessenger::to_writer(Channel::Sms, buf.clone())
        .send(&m)
        .unwrap();
    let line = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    let back: OutboundMessage = serde_json::from_str(line.trim()).unwrap();
    assert_eq!(back, m);
}
