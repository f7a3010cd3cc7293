//! The state of a network: switch positions and faulted or out-of-service elements, kept apart
//! from the model and cheap to copy (seven bit sets).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::error::{Action, NetworkError, Refusal};
use super::model::{ElementId, LineId, Network, PointId, SourceId};

/// A fixed-size set of bits.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub(crate) struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    pub(crate) fn new(len: usize) -> Self {
        Self {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }
    #[inline]
    pub(crate) fn get(&self, i: usize) -> bool {
        self.words[i >> 6] >> (i & 63) & 1 == 1
    }
    #[inline]
    pub(crate) fn set(&mut self, i: usize, v: bool) {
        let (w, b) = (i >> 6, i & 63);
        if v {
            self.words[w] |= 1 << b;
        } else {
            self.words[w] &= !(1 << b);
        }
    }
    pub(crate) fn len(&self) -> usize {
        self.len
    }
    pub(crate) fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.words.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let b = rest.trailing_zeros() as usize;
                    rest &= rest - 1;
                    w * 64 + b
                })
            })
        })
    }
    pub(crate) fn heap_bytes(&self) -> usize {
        self.words.capacity() * 8
    }
}

/// The condition of one element: whether it is open (switches only), faulted, out of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Condition {
    /// The switch is open (always `false` for other elements).
    pub open: bool,
    /// The element is faulted.
    pub faulted: bool,
    /// The element is out of service.
    pub out_of_service: bool,
}

impl Condition {
    /// Whether power can pass: not open, not faulted, in service.
    #[must_use]
    pub fn passes(self) -> bool {
        !(self.open || self.faulted || self.out_of_service)
    }
}

/// One operation on the state: an action on an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Operation {
    /// What to do.
    pub action: Action,
    /// To which element.
    pub element: ElementId,
}

impl Operation {
    /// Builds an operation from an asset number.
    ///
    /// # Errors
    /// [`NetworkError::UnknownElement`] if no element has the asset number.
    pub fn on(net: &Network, action: Action, asset: &str) -> Result<Self, NetworkError> {
        Ok(Self {
            action,
            element: net.element(asset)?,
        })
    }

    /// Opens a switch.
    #[must_use]
    pub fn open(line: LineId) -> Self {
        Self {
            action: Action::Open,
            element: ElementId::Line(line),
        }
    }
    /// Closes a switch.
    #[must_use]
    pub fn close(line: LineId) -> Self {
        Self {
            action: Action::Close,
            element: ElementId::Line(line),
        }
    }
    /// Faults an element.
    #[must_use]
    pub fn fault(element: ElementId) -> Self {
        Self {
            action: Action::Fault,
            element,
        }
    }
    /// Takes an element out of service.
    #[must_use]
    pub fn take_out(element: ElementId) -> Self {
        Self {
            action: Action::TakeOut,
            element,
        }
    }

    /// The condition `before` changed by this operation, or why it is refused.
    ///
    /// # Errors
    /// [`NetworkError::Refused`] when the operation does not fit the element or its condition.
    pub fn apply_to(&self, net: &Network, before: Condition) -> Result<Condition, NetworkError> {
        let is_switch = match self.element {
            ElementId::Line(l) => net.line(l).as_switch().is_some(),
            _ => false,
        };
        let mut c = before;
        let refusal = match self.action {
            Action::Open | Action::Close if matches!(self.element, ElementId::Source(_)) => {
                Some(Refusal::NotApplicableToSource)
            }
            Action::Open | Action::Close if !is_switch => Some(Refusal::NotASwitch),
            Action::Open if c.open => Some(Refusal::AlreadyOpen),
            Action::Open => {
                c.open = true;
                None
            }
            Action::Close if !c.open => Some(Refusal::AlreadyClosed),
            Action::Close if c.faulted => Some(Refusal::ClosingOntoFault),
            Action::Close => {
                c.open = false;
                None
            }
            Action::Fault if c.faulted => Some(Refusal::AlreadyFaulted),
            Action::Fault => {
                c.faulted = true;
                None
            }
            Action::Repair if !c.faulted => Some(Refusal::NotFaulted),
            Action::Repair => {
                c.faulted = false;
                None
            }
            Action::TakeOut if c.out_of_service => Some(Refusal::AlreadyOutOfService),
            Action::TakeOut => {
                c.out_of_service = true;
                None
            }
            Action::Restore if !c.out_of_service => Some(Refusal::AlreadyInService),
            Action::Restore => {
                c.out_of_service = false;
                None
            }
        };
        match refusal {
            Some(reason) => Err(NetworkError::Refused {
                asset: net.asset(self.element).to_owned(),
                action: self.action,
                reason,
            }),
            None => Ok(c),
        }
    }
}

/// Switch positions and faulted / out-of-service elements of one network.
///
/// Separate from the [`Network`] and cheap to copy: seven bit sets, about one byte per element.
/// [`NetworkState::normal`] gives the normal state (normally-open switches open, elements whose
/// record says `in_service = false` out of service, nothing faulted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NetworkState {
    open: Bits,
    line_fault: Bits,
    line_out: Bits,
    point_fault: Bits,
    point_out: Bits,
    source_fault: Bits,
    source_out: Bits,
}

impl NetworkState {
    /// The network's normal state.
    #[must_use]
    pub fn normal(net: &Network) -> Self {
        let mut s = Self {
            open: Bits::new(net.line_count()),
            line_fault: Bits::new(net.line_count()),
            line_out: Bits::new(net.line_count()),
            point_fault: Bits::new(net.point_count()),
            point_out: Bits::new(net.point_count()),
            source_fault: Bits::new(net.source_count()),
            source_out: Bits::new(net.source_count()),
        };
        for l in net.line_ids() {
            let line = net.line(l);
            s.open.set(
                l.index(),
                line.as_switch().is_some_and(|sw| sw.normally_open),
            );
            s.line_out.set(l.index(), !line.in_service);
        }
        for p in net.point_ids() {
            s.point_out.set(p.index(), !net.point(p).in_service);
        }
        for src in net.source_ids() {
            s.source_out.set(src.index(), !net.source(src).in_service);
        }
        s
    }

    /// Checks that the state was made for `net` (same element counts).
    ///
    /// # Errors
    /// [`NetworkError::StateMismatch`] otherwise.
    pub fn check(&self, net: &Network) -> Result<(), NetworkError> {
        if self.open.len() == net.line_count()
            && self.point_out.len() == net.point_count()
            && self.source_out.len() == net.source_count()
        {
            Ok(())
        } else {
            Err(NetworkError::StateMismatch {
                state_points: self.point_out.len(),
                state_lines: self.open.len(),
                points: net.point_count(),
                lines: net.line_count(),
            })
        }
    }

    /// The condition of an element.
    ///
    /// # Panics
    /// If the id is out of range for the state's network.
    #[must_use]
    pub fn condition(&self, element: ElementId) -> Condition {
        match element {
            ElementId::Line(l) => Condition {
                open: self.open.get(l.index()),
                faulted: self.line_fault.get(l.index()),
                out_of_service: self.line_out.get(l.index()),
            },
            ElementId::Point(p) => Condition {
                open: false,
                faulted: self.point_fault.get(p.index()),
                out_of_service: self.point_out.get(p.index()),
            },
            ElementId::Source(s) => Condition {
                open: false,
                faulted: self.source_fault.get(s.index()),
                out_of_service: self.source_out.get(s.index()),
            },
        }
    }

    pub(crate) fn set_condition(&mut self, element: ElementId, c: Condition) {
        match element {
            ElementId::Line(l) => {
                self.open.set(l.index(), c.open);
                self.line_fault.set(l.index(), c.faulted);
                self.line_out.set(l.index(), c.out_of_service);
            }
            ElementId::Point(p) => {
                self.point_fault.set(p.index(), c.faulted);
                self.point_out.set(p.index(), c.out_of_service);
            }
            ElementId::Source(s) => {
                self.source_fault.set(s.index(), c.faulted);
                self.source_out.set(s.index(), c.out_of_service);
            }
        }
    }

    /// Whether power can pass through a line (closed if a switch, not faulted, in service).
    #[must_use]
    #[inline]
    pub fn line_passes(&self, l: LineId) -> bool {
        let i = l.index();
        !(self.open.get(i) || self.line_fault.get(i) || self.line_out.get(i))
    }
    /// Whether a point can carry power (not faulted, in service).
    #[must_use]
    #[inline]
    pub fn point_passes(&self, p: PointId) -> bool {
        let i = p.index();
        !(self.point_fault.get(i) || self.point_out.get(i))
    }
    /// Whether a source supplies (not faulted, in service; its point is checked separately).
    #[must_use]
    #[inline]
    pub fn source_passes(&self, s: SourceId) -> bool {
        let i = s.index();
        !(self.source_fault.get(i) || self.source_out.get(i))
    }
    /// Whether a switch is open.
    #[must_use]
    pub fn is_open(&self, l: LineId) -> bool {
        self.open.get(l.index())
    }

    /// Applies operations in order. Either all apply or, on the first refusal, none does and the
    /// state is unchanged.
    ///
    /// # Errors
    /// [`NetworkError::IdOutOfRange`] for an id not of this network, [`NetworkError::Refused`]
    /// for an operation that does not fit (opening a segment, closing a closed switch, repairing
    /// what is not faulted, …), [`NetworkError::StateMismatch`] for a state of another network.
    pub fn apply(&mut self, net: &Network, ops: &[Operation]) -> Result<(), NetworkError> {
        let changes = self.changes(net, ops)?;
        for (e, c) in changes {
            self.set_condition(e, c);
        }
        Ok(())
    }

    /// The final condition of every element the operations touch, in first-touch order, without
    /// changing the state.
    ///
    /// # Errors
    /// As [`NetworkState::apply`].
    pub fn changes(
        &self,
        net: &Network,
        ops: &[Operation],
    ) -> Result<Vec<(ElementId, Condition)>, NetworkError> {
        self.check(net)?;
        let mut overlay: Vec<(ElementId, Condition)> = Vec::with_capacity(ops.len());
        // Short lists are searched; long ones (a storm's worth of operations) get an index.
        let mut index: Option<HashMap<ElementId, usize>> =
            (ops.len() > 16).then(|| HashMap::with_capacity(ops.len()));
        for op in ops {
            net.check(op.element)?;
            let slot = match &index {
                Some(map) => map.get(&op.element).copied(),
                None => overlay.iter().position(|(e, _)| *e == op.element),
            };
            match slot {
                Some(k) => overlay[k].1 = op.apply_to(net, overlay[k].1)?,
                None => {
                    let c = op.apply_to(net, self.condition(op.element))?;
                    if let Some(map) = &mut index {
                        map.insert(op.element, overlay.len());
                    }
                    overlay.push((op.element, c));
                }
            }
        }
        Ok(overlay)
    }

    /// The open switches.
    pub fn open_switches(&self) -> impl Iterator<Item = LineId> + '_ {
        self.open.ones().map(|i| LineId(i as u32))
    }
    /// Every element that is faulted.
    pub fn faulted(&self) -> impl Iterator<Item = ElementId> + '_ {
        let lines = self
            .line_fault
            .ones()
            .map(|i| ElementId::Line(LineId(i as u32)));
        let points = self
            .point_fault
            .ones()
            .map(|i| ElementId::Point(PointId(i as u32)));
        let sources = self
            .source_fault
            .ones()
            .map(|i| ElementId::Source(SourceId(i as u32)));
        lines.chain(points).chain(sources)
    }
    /// Every element that is out of service.
    pub fn out_of_service(&self) -> impl Iterator<Item = ElementId> + '_ {
        let lines = self
            .line_out
            .ones()
            .map(|i| ElementId::Line(LineId(i as u32)));
        let points = self
            .point_out
            .ones()
            .map(|i| ElementId::Point(PointId(i as u32)));
        let sources = self
            .source_out
            .ones()
            .map(|i| ElementId::Source(SourceId(i as u32)));
        lines.chain(points).chain(sources)
    }

    /// Bytes of heap memory the state holds.
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        [
            &self.open,
            &self.line_fault,
            &self.line_out,
            &self.point_fault,
            &self.point_out,
            &self.source_fault,
            &self.source_out,
        ]
        .iter()
        .map(|b| b.heap_bytes())
        .sum()
    }
}
