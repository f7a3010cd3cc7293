//! The JSON-lines messenger.

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

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
