//! Synthetic distribution networks and shared test helpers for gridserve, kept apart from the
//! library the way fixtures are: the deterministic network generator used by tests, examples
//! and benchmarks ([`generate`]), the project's one seeded random number generator ([`Rng`],
//! [`SplitMix64`], re-exported from `gridserve_core::rng`), [`reference`]: an independent
//! breadth-first reference and small random networks for property tests, and [`storm`]: the
//! outage storm's events and notices the SQLite and PostgreSQL outbox benchmarks share.
//!
//! The facade re-exports this crate as `gridserve::synth`.
//!
//! # The generator
//!
//! [`generate`] builds a [`NetworkData`] shaped like the 10 kV network of a Chinese county
//! utility:
//!
//! - **Substations** (35 kV or 110 kV stations), each with [`SynthConfig::feeders_per_substation`]
//!   10 kV feeders. A feeder starts at a feeder-head point ([`PointKind::SubstationBus`]) carrying
//!   a [`SourceRecord`] named like `10kV 城关3号线`, followed by the feeder breaker (protective,
//!   remote) to the feeder's exit point.
//! - **Capacities**: once a feeder is built, its source's capacity is sized so that the feeder's
//!   normal load (its customers' `load_kw` at power factor 0.9, in kVA) is a share of it drawn
//!   uniformly from 30–70 % (capacity rounded up to 100 kVA). Trunk segments are rated to carry
//!   the whole capacity at 10 kV; lateral and service segments so that their normal flow is at
//!   most 70 % of their rating. A standard conductor that is too small is doubled, tripled, …
//!   (parallel circuits), so a rating is a whole multiple of a standard ampacity. The customer
//!   loads are representative (non-coincident) loads, so feeders carry 4–17 MW and capacities and
//!   trunk ratings come out larger than on a real 10 kV feeder; the *shares* are realistic, which
//!   is what a capacity check needs.
//! - **Trunk**: a chain of overhead segments (40–260 m) and some cables (30–400 m) between poles
//!   and ring-main units. Every 3 to 6 segments a sectionalizing load-break switch
//!   (non-protective, remote in 40 % of cases) takes the place of a segment, and trunks of 12
//!   points or more get one recloser (protective, remote) in their middle quarter.
//! - **Laterals** branch off random trunk points, each starting with a fuse or (in 30 % of cases)
//!   a branch breaker, followed by a chain of 2–14 points. Lateral points start sub-laterals
//!   (1–8 points, fused) and those sub-sub-laterals (1–4 points), three levels at most.
//! - **Transformers** hang off trunk points (except the exit point) and lateral points, 0.45 per
//!   point on average and at most two: a drop-out fuse to the HV terminal, then the transformer
//!   to the LV terminal. A dedicated transformer (专变) has exactly one HV customer on its LV
//!   terminal with `contracted_kva = rated_kva`, a load of 20–80 % of the rating and 2–4 contacts
//!   (electrician at level 1, manager at level 2, legal representative and finance at level 3).
//!   A public transformer (公变) has [`SynthConfig::lv_customers_per_public`] residents with
//!   4–20 kVA contracts and one contact each. Ratings come from the standard series (30 to
//!   2,000 kVA), years of service from 1995 to 2025 (recent years more likely), and models follow
//!   the year (`S7-315/10` before 1999, `S9-…` before 2006, `S11-M-…` before 2016, `S13-M-…`
//!   after; dry-type `SCB10/11/13-…` for some large dedicated ones).
//! - **Ties**: a share of the feeders get a load-break switch (non-protective, remote in 70 % of
//!   cases) from the far end of their trunk, or in a quarter of the cases from the far end of one
//!   of their laterals, to a point in the far half of another feeder's trunk (never its far end).
//!   The other feeder is the next feeder of the same substation or, in a quarter of the cases
//!   outside the last substation, a random feeder of the next substation. The last feeder of a
//!   substation ties to a random feeder of the next substation, and the last feeder of the last
//!   substation to the very first feeder. Ties are normally open unless
//!   [`SynthConfig::closed_tie_fraction`] makes some of them normally closed.
//!
//! Every record is in service, every point has at least one line, and without the normally-open
//! ties each feeder is a tree rooted at its source, so the network is radial. With every feeder
//! tied ([`SynthConfig::tie_fraction`] = 1) the whole network is one connected graph.
//!
//! Proportions that matter for sizing (transformers per point, dedicated transformers, critical
//! customers, tied feeders, closed ties) are drawn by error diffusion: each draw is random, but the
//! running count never strays more than one from the running expectation, so the totals hardly
//! depend on the seed. How many points are made is described at [`SynthConfig::target_points`].
//!
//! # Numbering
//!
//! Asset numbers are a type letter and a network-wide counter of at least seven digits, starting
//! at 1: `P0000001` for points, `L…` for segments, `K…` for switches, `T…` for transformers and
//! `S…` for sources. Customer numbers are ten digits counting up from `1000000000`. Phones are
//! synthetic 11-digit numbers starting with 13, 15 or 18.
//!
//! # Determinism
//!
//! The generator uses its own random number generator (xoshiro256** seeded through SplitMix64),
//! integer arithmetic and basic IEEE-754 operations only, so a configuration gives the same
//! records on every platform; the output for a seed changes only when the rules above change.

pub mod cim;
pub mod reference;
pub mod sources;
pub mod storm;
#[cfg(test)]
mod tests;

use serde::{Deserialize, Serialize};

pub use cim::write_cim;
pub use gridserve_core::rng::{Rng, SplitMix64};

use gridserve_core::network::capacity::{DEFAULT_NOMINAL_KV, DEFAULT_POWER_FACTOR};
use gridserve_core::network::records::{
    Contact, ContactRole, CustomerRecord, Importance, NetworkData, PointKind, PointRecord,
    SegmentKind, SegmentRecord, SourceRecord, SwitchKind, SwitchRecord, TransformerRecord,
    TransformerUsage,
};

/// The parameters of a synthetic network. The same configuration always gives the same network.
///
/// [`generate`] accepts any values: zero substations or feeders count as one, fractions are
/// clamped to `[0, 1]` (NaN counts as 0), and a reversed customer range is used in sorted order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SynthConfig {
    /// The seed of the random number generator.
    pub seed: u64,
    /// Number of substations.
    pub substations: usize,
    /// Number of 10 kV feeders of each substation.
    pub feeders_per_substation: usize,
    /// The number of points to aim for.
    ///
    /// The target is split among the feeders in random proportions (each feeder's weight is
    /// between 0.5 and 1.5). Every feeder gets its feeder head and a trunk of at least two points;
    /// after that, laterals and transformers are added to a feeder only while the network's point
    /// count is below the running sum of the feeder shares, and each addition adds one or two
    /// points. The result therefore has exactly `target_points` or `target_points + 1` points
    /// whenever there are at least 12 target points per feeder; with fewer, each feeder still
    /// gets at least three points.
    pub target_points: usize,
    /// The share of transformers that are dedicated (专变) rather than public (公变).
    pub dedicated_share: f64,
    /// The inclusive range of the number of low-voltage customers on a public transformer.
    pub lv_customers_per_public: (usize, usize),
    /// The fraction of feeders that get a tie to another feeder.
    pub tie_fraction: f64,
    /// The fraction of ties that are normally closed, meshing the network.
    pub closed_tie_fraction: f64,
    /// The share of HV (dedicated-transformer) customers that are critical (重要用户).
    pub critical_share: f64,
}

/// Transformers per trunk or lateral point, on average.
const TRANSFORMERS_PER_POINT: f64 = 0.45;
/// The most transformers one trunk or lateral point carries.
const TRANSFORMER_SLOTS: u32 = 2;
/// The average number of points per feeder [`SynthConfig::with_points`] aims for.
const POINTS_PER_FEEDER: usize = 500;
/// The most feeders per substation [`SynthConfig::with_points`] uses.
const MAX_FEEDERS_PER_SUBSTATION: usize = 8;
/// The number of HV customers [`SynthConfig::county`] aims for.
const COUNTY_HV_CUSTOMERS: f64 = 2_200.0;
/// Laterals, sub-laterals and sub-sub-laterals.
const MAX_LATERAL_DEPTH: u8 = 3;
/// The chance that a lateral point starts a sub-lateral (when the depth allows one).
const SUB_LATERAL_CHANCE: f64 = 0.15;

impl SynthConfig {
    /// The county of the seed paper: 8 substations with 8 feeders each and about 23,350 points,
    /// among them about 5,500 transformers, 40 % of them dedicated, so that the network has
    /// 2,200 HV customers (within 0.5 %, whatever the seed). 60 % of the feeders are tied, all
    /// ties are normally open, 3 % of HV customers are critical and public transformers have
    /// 3–8 residents.
    #[must_use]
    pub fn county(seed: u64) -> Self {
        let substations = 8;
        let feeders_per_substation = 8;
        let dedicated_share = 0.4;
        let transformers = COUNTY_HV_CUSTOMERS / dedicated_share;
        let points_per_transformer = 1.0 / TRANSFORMERS_PER_POINT + 2.0;
        let heads_and_exits = 2 * substations * feeders_per_substation;
        Self {
            target_points: heads_and_exits
                + (transformers * points_per_transformer).round() as usize,
            ..Self::defaults(seed, substations, feeders_per_substation, dedicated_share)
        }
    }

    /// A network of about `points` points (see [`SynthConfig::target_points`] for how close).
    /// The number of feeders is `points / 500` rounded (at least one), spread over as few
    /// substations of at most 8 feeders as possible, so feeders have about 500 points on average
    /// (from roughly half to one and a half times the average each). The other parameters are
    /// those of [`SynthConfig::county`].
    #[must_use]
    pub fn with_points(points: usize, seed: u64) -> Self {
        let feeders = ((points + POINTS_PER_FEEDER / 2) / POINTS_PER_FEEDER).max(1);
        let substations = feeders.div_ceil(MAX_FEEDERS_PER_SUBSTATION);
        let feeders_per_substation = feeders.div_ceil(substations);
        Self {
            target_points: points,
            ..Self::defaults(seed, substations, feeders_per_substation, 0.4)
        }
    }

    fn defaults(
        seed: u64,
        substations: usize,
        feeders_per_substation: usize,
        dedicated_share: f64,
    ) -> Self {
        Self {
            seed,
            substations,
            feeders_per_substation,
            target_points: 0,
            dedicated_share,
            lv_customers_per_public: (3, 8),
            tie_fraction: 0.6,
            closed_tie_fraction: 0.0,
            critical_share: 0.03,
        }
    }
}

/// Generates the network described by `config` (see the [module documentation](self) for the
/// rules). Never panics; out-of-range parameters are corrected as [`SynthConfig`] describes.
#[must_use]
pub fn generate(config: &SynthConfig) -> NetworkData {
    let mut builder = Builder::new(Settings::new(config));
    builder.run();
    builder.data
}

/// A [`SynthConfig`] with its parameters brought into range.
struct Settings {
    seed: u64,
    substations: usize,
    feeders_per_substation: usize,
    target_points: usize,
    dedicated_share: f64,
    lv_customers: (usize, usize),
    tie_fraction: f64,
    closed_tie_fraction: f64,
    critical_share: f64,
}

impl Settings {
    fn new(config: &SynthConfig) -> Self {
        let (a, b) = config.lv_customers_per_public;
        Self {
            seed: config.seed,
            substations: config.substations.max(1),
            feeders_per_substation: config.feeders_per_substation.max(1),
            target_points: config.target_points,
            dedicated_share: fraction(config.dedicated_share),
            lv_customers: (a.min(b), a.max(b)),
            tie_fraction: fraction(config.tie_fraction),
            closed_tie_fraction: fraction(config.closed_tie_fraction),
            critical_share: fraction(config.critical_share),
        }
    }

    fn feeders(&self) -> usize {
        self.substations.saturating_mul(self.feeders_per_substation)
    }

    /// Reserves room for the expected number of records, so that the vectors are not regrown
    /// while a large network is built. Reservation failures are ignored: the vectors then grow
    /// as needed.
    fn reserve(&self, data: &mut NetworkData) {
        let points = self.target_points.max(self.feeders().saturating_mul(3));
        let estimate = |per_point: f64| (points as f64 * per_point) as usize + 64;
        let transformers = TRANSFORMERS_PER_POINT / (1.0 + 2.0 * TRANSFORMERS_PER_POINT);
        let (lo, hi) = self.lv_customers;
        let per_public = (lo as f64 + hi as f64) / 2.0;
        let customers_per_transformer =
            self.dedicated_share + (1.0 - self.dedicated_share) * per_public;
        let _ = data.points.try_reserve_exact(points.saturating_add(2));
        let _ = data.segments.try_reserve_exact(estimate(0.44));
        let _ = data.switches.try_reserve_exact(estimate(0.35));
        let _ = data
            .transformers
            .try_reserve_exact(estimate(transformers * 1.01));
        let _ = data.sources.try_reserve_exact(self.feeders());
        let _ = data
            .customers
            .try_reserve_exact(estimate(transformers * 1.01 * customers_per_transformer));
    }
}

fn fraction(value: f64) -> f64 {
    if value.is_nan() {
        0.0
    } else {
        value.clamp(0.0, 1.0)
    }
}

/// Error diffusion for yes/no draws: each draw is random, but after `n` draws with probability
/// `p` the number of yeses is within one of `n × p`.
#[derive(Default)]
struct Quota {
    debt: f64,
}

impl Quota {
    fn take(&mut self, rng: &mut Rng, p: f64) -> bool {
        self.debt += p;
        let yes = rng.unit_f64() < self.debt;
        if yes {
            self.debt -= 1.0;
        }
        yes
    }
}

const POINT: char = 'P';
const SEGMENT: char = 'L';
const SWITCH: char = 'K';
const TRANSFORMER: char = 'T';
const SOURCE: char = 'S';

/// Appends `value` in decimal, left-padded with zeros to `width` digits.
fn push_digits(out: &mut String, value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let start = start.min(digits.len().saturating_sub(width));
    out.extend(digits[start..].iter().map(|&digit| char::from(digit)));
}

/// The asset number of the `index`-th (0-based) element of a type.
fn asset_number(prefix: char, index: usize) -> String {
    let mut out = String::with_capacity(10);
    out.push(prefix);
    push_digits(&mut out, index as u64 + 1, 7);
    out
}

/// The customer number of the `index`-th (0-based) customer.
fn customer_number(index: usize) -> String {
    let mut out = String::with_capacity(10);
    push_digits(&mut out, 1_000_000_000 + index as u64, 10);
    out
}

fn round_to_tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

const PLACES: [&str; 24] = [
    "城关",
    "东关",
    "西关",
    "南关",
    "北关",
    "新城",
    "河西",
    "河东",
    "白沙",
    "青石",
    "柳林",
    "桃园",
    "杨柳",
    "石桥",
    "龙泉",
    "金山",
    "马庄",
    "李集",
    "王店",
    "黄河",
    "工业园",
    "城南",
    "城北",
    "双庙",
];
const BRANDS: [&str; 16] = [
    "宏达", "鑫源", "华兴", "永盛", "天成", "恒通", "金鼎", "瑞丰", "利民", "顺发", "兴旺", "正大",
    "远航", "德润", "新亚", "长城",
];
const TRADES: [&str; 16] = [
    "机械",
    "纺织",
    "建材",
    "食品",
    "化工",
    "水泥",
    "造纸",
    "塑业",
    "电子",
    "铸造",
    "家具",
    "冷链物流",
    "面粉",
    "饲料",
    "制药",
    "陶瓷",
];
const COMPANY_FORMS: [&str; 4] = ["有限公司", "有限责任公司", "股份有限公司", "厂"];
const CRITICAL_NAMES: [&str; 10] = [
    "人民医院",
    "中医院",
    "妇幼保健院",
    "自来水厂",
    "污水处理厂",
    "燃气公司",
    "广播电视台",
    "通信枢纽楼",
    "第一中学",
    "供热公司",
];
const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢",
];
const GIVEN_NAMES: [&str; 32] = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛", "明", "超", "秀兰", "霞", "平", "刚", "桂英", "建华", "志强", "海燕", "国庆", "春梅",
    "晓东", "玉兰", "建国", "红梅",
];

/// The range of a feeder's normal load as a share of its source's capacity. Chinese planning
/// practice keeps a tied 10 kV feeder at no more than 50 % (two-feeder ties) to 67 %
/// (three-feeder ties) in the normal state so that it can take over a neighbour's load
/// (N-1) [M]; the range is wider on both sides so that some feeders are tight and some roomy.
const UTILISATION: (f64, f64) = (0.30, 0.70);
/// The largest share of its rating a lateral or service segment carries in the normal state.
const LINE_DESIGN_UTILISATION: f64 = 0.7;

/// Conductor ampacities in amperes: trunk overhead (JKLYJ-240, LGJ-185, LGJ-150, LGJ-120) …
const TRUNK_OVERHEAD_A: [f64; 4] = [530.0, 450.0, 445.0, 380.0];
/// … trunk cable (YJV22-3×300, 3×240) …
const TRUNK_CABLE_A: [f64; 2] = [470.0, 420.0];
/// … lateral overhead (JKLYJ-95, LGJ-70, LGJ-50) …
const LATERAL_OVERHEAD_A: [f64; 3] = [330.0, 275.0, 220.0];
/// … and lateral cable (YJV22-3×120, 3×70).
const LATERAL_CABLE_A: [f64; 2] = [280.0, 200.0];

/// Ratings (kVA) of dedicated transformers with their weights.
const DEDICATED_KVA: [(u32, u32); 16] = [
    (50, 2),
    (80, 3),
    (100, 6),
    (125, 3),
    (160, 8),
    (200, 10),
    (250, 10),
    (315, 12),
    (400, 14),
    (500, 10),
    (630, 10),
    (800, 6),
    (1000, 5),
    (1250, 3),
    (1600, 2),
    (2000, 1),
];
/// Ratings (kVA) of public transformers with their weights.
const PUBLIC_KVA: [(u32, u32); 13] = [
    (30, 2),
    (50, 6),
    (80, 6),
    (100, 10),
    (125, 4),
    (160, 10),
    (200, 12),
    (250, 8),
    (315, 12),
    (400, 12),
    (500, 5),
    (630, 5),
    (800, 1),
];
/// Contracted capacities (kVA) of low-voltage customers with their weights.
const LV_CONTRACT_KVA: [(u32, u32); 6] = [(4, 25), (6, 25), (8, 20), (10, 15), (12, 10), (20, 5)];
/// Importance classes of critical customers with their weights.
const CRITICAL_CLASSES: [(Importance, u32); 4] = [
    (Importance::SpecialClass, 1),
    (Importance::FirstClass, 4),
    (Importance::SecondClass, 10),
    (Importance::Temporary, 5),
];
/// Contacts of an HV customer, in order; the first 2, 3 or 4 are used.
const HV_CONTACTS: [(ContactRole, u8); 4] = [
    (ContactRole::Electrician, 1),
    (ContactRole::Manager, 2),
    (ContactRole::LegalRepresentative, 3),
    (ContactRole::Finance, 3),
];
/// How many contacts an HV customer has, with weights.
const HV_CONTACT_COUNTS: [(usize, u32); 3] = [(2, 3), (3, 5), (4, 2)];

/// A substation's names.
struct Station {
    /// The place the substation and its customers are named after.
    place: &'static str,
    /// The place, made unique among substations (`城关`, later `城关2站`).
    label: String,
    /// The substation's full name, e.g. `110kV 城关变`.
    name: String,
}

/// What the ties need to know about a feeder once it is built.
struct Feeder {
    /// The trunk points from the exit point to the far end.
    trunk: Vec<usize>,
    /// The far ends of the feeder's laterals (not of sub-laterals).
    lateral_ends: Vec<usize>,
}

/// The generator's state while a network is built.
struct Builder {
    settings: Settings,
    rng: Rng,
    data: NetworkData,
    /// Whether a transformer slot of a point is used.
    transformer_slots: Quota,
    /// Whether a transformer is dedicated.
    dedicated: Quota,
    /// Whether an HV customer is critical.
    critical: Quota,
    /// Whether a feeder gets a tie.
    tied: Quota,
    /// Whether a tie is normally closed.
    closed: Quota,
    /// Laterals and transformers are added while there are fewer points than this.
    limit: usize,
    /// The place the current feeder's customers are named after.
    place: &'static str,
    /// The share of cable segments on the current feeder's trunk.
    cable_share: f64,
    /// The upstream point of every point (`u32::MAX` for feeder heads), for the load roll-up.
    up: Vec<u32>,
    /// The load in kW of the customers of every point.
    point_load_kw: Vec<f64>,
    /// The downstream point of every segment and whether it is on a trunk.
    segment_child: Vec<(u32, bool)>,
}

impl Builder {
    fn new(settings: Settings) -> Self {
        let mut data = NetworkData::default();
        settings.reserve(&mut data);
        Self {
            rng: Rng::new(settings.seed),
            settings,
            data,
            transformer_slots: Quota::default(),
            dedicated: Quota::default(),
            critical: Quota::default(),
            tied: Quota::default(),
            closed: Quota::default(),
            limit: 0,
            place: PLACES[0],
            cable_share: 0.0,
            up: Vec::new(),
            point_load_kw: Vec::new(),
            segment_child: Vec::new(),
        }
    }

    fn run(&mut self) {
        let feeder_count = self.settings.feeders();
        let weights: Vec<f64> = (0..feeder_count)
            .map(|_| 0.5 + self.rng.unit_f64())
            .collect();
        let total_weight: f64 = weights.iter().sum();
        let target = self.settings.target_points as f64;
        let mut feeders = Vec::with_capacity(feeder_count);
        let mut cumulative_weight = 0.0;
        let mut previous_limit = 0;
        for substation in 0..self.settings.substations {
            let station = self.station(substation);
            for number in 1..=self.settings.feeders_per_substation {
                cumulative_weight += weights[feeders.len()];
                let limit = (target * cumulative_weight / total_weight).round() as usize;
                let share = limit.saturating_sub(previous_limit);
                previous_limit = limit;
                self.limit = limit;
                feeders.push(self.feeder(&station, number, share));
            }
        }
        self.ties(&feeders);
    }

    fn full(&self) -> bool {
        self.data.points.len() >= self.limit
    }

    fn station(&mut self, index: usize) -> Station {
        let place = PLACES[index % PLACES.len()];
        let round = index / PLACES.len();
        let label = if round == 0 {
            place.to_owned()
        } else {
            format!("{place}{}站", round + 1)
        };
        let kv = if self.rng.chance(0.4) { 110 } else { 35 };
        Station {
            place,
            name: format!("{kv}kV {label}变"),
            label,
        }
    }

    fn point(&mut self, kind: PointKind, name: Option<String>) -> usize {
        let index = self.data.points.len();
        self.data.points.push(PointRecord {
            asset: asset_number(POINT, index),
            kind,
            name,
            in_service: true,
        });
        self.up.push(u32::MAX);
        self.point_load_kw.push(0.0);
        index
    }

    /// The asset number of an existing point.
    fn point_asset(&self, index: usize) -> String {
        self.data.points[index].asset.clone()
    }

    fn segment(
        &mut self,
        from: usize,
        to: usize,
        kind: SegmentKind,
        rated_current_a: f64,
        trunk: bool,
    ) {
        self.up[to] = from as u32;
        self.segment_child.push((to as u32, trunk));
        let length_m = match kind {
            SegmentKind::Overhead => self.rng.uniform(40.0, 260.0),
            SegmentKind::Cable => self.rng.uniform(30.0, 400.0),
        }
        .round();
        self.data.segments.push(SegmentRecord {
            asset: asset_number(SEGMENT, self.data.segments.len()),
            from: self.point_asset(from),
            to: self.point_asset(to),
            kind,
            length_m,
            rated_current_a: Some(rated_current_a),
            in_service: true,
        });
    }

    fn switch(
        &mut self,
        from: usize,
        to: usize,
        kind: SwitchKind,
        normally_open: bool,
        remote: bool,
    ) {
        if !normally_open {
            self.up[to] = from as u32;
        }
        self.data.switches.push(SwitchRecord {
            asset: asset_number(SWITCH, self.data.switches.len()),
            from: self.point_asset(from),
            to: self.point_asset(to),
            kind,
            normally_open,
            protective: kind.protective_by_default(),
            remote,
            in_service: true,
        });
    }

    /// Builds one feeder: head, source, breaker, trunk, then laterals until the point limit.
    fn feeder(&mut self, station: &Station, number: usize, share: usize) -> Feeder {
        self.place = station.place;
        self.cable_share = self.rng.uniform(0.0, 0.35);
        let head = self.point(
            PointKind::SubstationBus,
            Some(format!("{} {number}号出线", station.name)),
        );
        let utilisation = self.rng.uniform(UTILISATION.0, UTILISATION.1);
        let source = self.data.sources.len();
        self.data.sources.push(SourceRecord {
            asset: asset_number(SOURCE, source),
            point: self.point_asset(head),
            name: Some(format!("10kV {}{number}号线", station.label)),
            capacity_kva: 0.0,
            in_service: true,
        });
        let first_segment = self.segment_child.len();
        let trunk = self.trunk(head, share);
        let mut lateral_ends = Vec::new();
        while !self.full() {
            let host = *self.rng.pick(&trunk);
            self.lateral(host, 1, &mut lateral_ends);
        }
        self.size_feeder(head, source, first_segment, utilisation);
        Feeder {
            trunk,
            lateral_ends,
        }
    }

    /// The feeder breaker and the trunk: 10–18 % of the feeder's share of points, at least two.
    fn trunk(&mut self, head: usize, share: usize) -> Vec<usize> {
        let wanted = (share as f64 * self.rng.uniform(0.10, 0.18)).round() as usize;
        let len = wanted.clamp(2, share.saturating_sub(1).max(2));
        let overhead_a = *self.rng.pick(&TRUNK_OVERHEAD_A);
        let cable_a = *self.rng.pick(&TRUNK_CABLE_A);
        let recloser_at = (len >= 12).then(|| self.rng.between(len * 3 / 8, len * 5 / 8));
        let mut trunk = Vec::with_capacity(len);
        let exit = self.point(PointKind::Junction, None);
        self.switch(head, exit, SwitchKind::Breaker, false, true);
        trunk.push(exit);
        let mut until_switch = self.rng.between(3, 6);
        let mut in_cable = false;
        for i in 1..len {
            let previous = trunk[i - 1];
            let device = if recloser_at == Some(i) {
                Some((SwitchKind::Recloser, true))
            } else if until_switch == 0 {
                Some((SwitchKind::LoadBreakSwitch, self.rng.chance(0.4)))
            } else {
                in_cable = self.rng.chance(self.cable_share);
                None
            };
            let kind = if in_cable {
                PointKind::RingMainUnit
            } else {
                PointKind::Pole
            };
            let point = self.point(kind, None);
            match device {
                Some((switch, remote)) => {
                    self.switch(previous, point, switch, false, remote);
                    until_switch = self.rng.between(3, 6);
                }
                None if in_cable => {
                    self.segment(previous, point, SegmentKind::Cable, cable_a, true);
                    until_switch -= 1;
                }
                None => {
                    self.segment(previous, point, SegmentKind::Overhead, overhead_a, true);
                    until_switch -= 1;
                }
            }
            self.hang_transformers(point);
            trunk.push(point);
        }
        trunk
    }

    /// A lateral (depth 1) or sub-lateral from `host`, with its own sub-laterals.
    fn lateral(&mut self, host: usize, depth: u8, lateral_ends: &mut Vec<usize>) {
        if self.full() {
            return;
        }
        let cable = self.rng.chance(self.cable_share / 2.0);
        let (point_kind, segment_kind, rated_a) = if cable {
            let rated = *self.rng.pick(&LATERAL_CABLE_A);
            (PointKind::BranchBox, SegmentKind::Cable, rated)
        } else {
            let rated = *self.rng.pick(&LATERAL_OVERHEAD_A);
            (PointKind::Pole, SegmentKind::Overhead, rated)
        };
        let first = self.point(point_kind, None);
        if depth == 1 && self.rng.chance(0.3) {
            let remote = self.rng.chance(0.4);
            self.switch(host, first, SwitchKind::Breaker, false, remote);
        } else {
            self.switch(host, first, SwitchKind::Fuse, false, false);
        }
        self.hang_transformers(first);
        let len = match depth {
            1 => self.rng.between(2, 14),
            2 => self.rng.between(1, 8),
            _ => self.rng.between(1, 4),
        };
        let mut end = first;
        for _ in 1..len {
            if self.full() {
                break;
            }
            let point = self.point(point_kind, None);
            self.segment(end, point, segment_kind, rated_a, false);
            self.hang_transformers(point);
            if depth < MAX_LATERAL_DEPTH && self.rng.chance(SUB_LATERAL_CHANCE) {
                self.lateral(point, depth + 1, lateral_ends);
            }
            end = point;
        }
        if depth == 1 {
            lateral_ends.push(end);
        }
    }

    fn hang_transformers(&mut self, host: usize) {
        let p = TRANSFORMERS_PER_POINT / f64::from(TRANSFORMER_SLOTS);
        for _ in 0..TRANSFORMER_SLOTS {
            if self.full() {
                return;
            }
            if self.transformer_slots.take(&mut self.rng, p) {
                self.transformer(host);
            }
        }
    }

    /// A drop-out fuse, the HV and LV terminals, the transformer and its customers.
    fn transformer(&mut self, host: usize) {
        let dedicated = self
            .dedicated
            .take(&mut self.rng, self.settings.dedicated_share);
        let kva = self.rng.weighted(if dedicated {
            &DEDICATED_KVA
        } else {
            &PUBLIC_KVA
        });
        let recency = self.rng.unit_f64();
        let year = 2025 - (31.0 * recency * recency) as u16;
        let dry = dedicated && kva >= 315 && self.rng.chance(0.25);
        let hv = self.point(PointKind::TransformerTerminal, None);
        self.switch(host, hv, SwitchKind::Fuse, false, false);
        let lv = self.point(PointKind::TransformerTerminal, None);
        self.up[lv] = hv as u32;
        let rated_kva = f64::from(kva);
        self.data.transformers.push(TransformerRecord {
            asset: asset_number(TRANSFORMER, self.data.transformers.len()),
            from: self.point_asset(hv),
            to: self.point_asset(lv),
            rated_kva,
            model: model(kva, year, dry),
            year_in_service: Some(year),
            usage: if dedicated {
                TransformerUsage::Dedicated
            } else {
                TransformerUsage::Public
            },
            in_service: true,
        });
        if dedicated {
            self.hv_customer(lv, rated_kva);
        } else {
            self.lv_customers(lv);
        }
    }

    fn hv_customer(&mut self, point: usize, rated_kva: f64) {
        let index = self.data.customers.len();
        let serial = index + 1;
        let place = self.place;
        let critical = self
            .critical
            .take(&mut self.rng, self.settings.critical_share);
        let (name, importance) = if critical {
            let what = self.rng.pick(&CRITICAL_NAMES);
            let class = self.rng.weighted(&CRITICAL_CLASSES);
            (format!("{place}{what}（{serial}）"), class)
        } else {
            let brand = self.rng.pick(&BRANDS);
            let trade = self.rng.pick(&TRADES);
            let form = self.rng.pick(&COMPANY_FORMS);
            (
                format!("{place}{brand}{trade}{form}（{serial}）"),
                Importance::Normal,
            )
        };
        let load_kw = round_to_tenth(rated_kva * self.rng.uniform(0.2, 0.8));
        self.point_load_kw[point] += load_kw;
        let count = self.rng.weighted(&HV_CONTACT_COUNTS);
        let contacts = HV_CONTACTS[..count]
            .iter()
            .map(|&(role, level)| Contact {
                name: self.person(),
                phone: self.phone(),
                role,
                level,
            })
            .collect();
        self.data.customers.push(CustomerRecord {
            number: customer_number(index),
            name: Some(name),
            point: self.point_asset(point),
            contracted_kva: rated_kva,
            load_kw,
            importance,
            contacts,
        });
    }

    fn lv_customers(&mut self, point: usize) {
        let (lo, hi) = self.settings.lv_customers;
        let count = self.rng.between(lo, hi);
        for _ in 0..count {
            let name = self.person();
            let contracted_kva = f64::from(self.rng.weighted(&LV_CONTRACT_KVA));
            let load_kw = round_to_tenth(contracted_kva * self.rng.uniform(0.05, 0.6));
            self.point_load_kw[point] += load_kw;
            let contact = Contact {
                name: name.clone(),
                phone: self.phone(),
                role: ContactRole::Other,
                level: 1,
            };
            self.data.customers.push(CustomerRecord {
                number: customer_number(self.data.customers.len()),
                name: Some(name),
                point: self.point_asset(point),
                contracted_kva,
                load_kw,
                importance: Importance::Normal,
                contacts: vec![contact],
            });
        }
    }

    fn person(&mut self) -> String {
        let surname = self.rng.pick(&SURNAMES);
        let given = self.rng.pick(&GIVEN_NAMES);
        let mut name = String::with_capacity(surname.len() + given.len());
        name.push_str(surname);
        name.push_str(given);
        name
    }

    fn phone(&mut self) -> String {
        let mut phone = String::with_capacity(11);
        phone.push('1');
        phone.push(*self.rng.pick(&['3', '5', '8']));
        push_digits(&mut phone, self.rng.below(1_000_000_000), 9);
        phone
    }

    /// Sizes a finished feeder (its points are `head..`, its segments `first_segment..`): the
    /// source's capacity so that the feeder's normal load is `utilisation` of it (rounded up to
    /// 100 kVA, at least 100 kVA), trunk segments so that they carry the whole capacity, other
    /// segments so that their normal flow is at most [`LINE_DESIGN_UTILISATION`] of their rating.
    /// A conductor too small for that is doubled, tripled, … (parallel circuits), so ratings are
    /// whole multiples of the standard ampacities.
    fn size_feeder(&mut self, head: usize, source: usize, first_segment: usize, utilisation: f64) {
        let end = self.point_load_kw.len();
        // Points are created after their upstream point, so a reverse pass rolls loads up.
        let mut below = self.point_load_kw[head..end].to_vec();
        for i in (head + 1..end).rev() {
            let up = self.up[i];
            if up != u32::MAX && up as usize >= head {
                below[up as usize - head] += below[i - head];
            }
        }
        let kva = |kw: f64| kw / DEFAULT_POWER_FACTOR;
        let amps = |kva: f64| kva / (3f64.sqrt() * DEFAULT_NOMINAL_KV);
        let capacity_kva = ((kva(below[0]) / utilisation / 100.0).ceil() * 100.0).max(100.0);
        self.data.sources[source].capacity_kva = capacity_kva;
        let capacity_a = amps(capacity_kva);
        for k in first_segment..self.segment_child.len() {
            let (child, trunk) = self.segment_child[k];
            let segment = &mut self.data.segments[k];
            let conductor = segment.rated_current_a.unwrap_or(LATERAL_CABLE_A[1]);
            let needed = if trunk {
                capacity_a
            } else {
                amps(kva(below[child as usize - head])) / LINE_DESIGN_UTILISATION
            };
            let circuits = (needed / conductor).ceil().max(1.0);
            segment.rated_current_a = Some(circuits * conductor);
        }
    }

    /// The tie switches, after all feeders are built.
    fn ties(&mut self, feeders: &[Feeder]) {
        for (index, feeder) in feeders.iter().enumerate() {
            if !self.tied.take(&mut self.rng, self.settings.tie_fraction) {
                continue;
            }
            let Some(partner) = self.partner(index) else {
                continue;
            };
            let from = if !feeder.lateral_ends.is_empty() && self.rng.chance(0.25) {
                *self.rng.pick(&feeder.lateral_ends)
            } else {
                feeder.trunk[feeder.trunk.len() - 1]
            };
            let trunk = &feeders[partner].trunk;
            let to = trunk[self.rng.between((trunk.len() - 1) / 2, trunk.len() - 2)];
            let closed = self
                .closed
                .take(&mut self.rng, self.settings.closed_tie_fraction);
            let remote = self.rng.chance(0.7);
            self.switch(from, to, SwitchKind::LoadBreakSwitch, !closed, remote);
        }
    }

    /// The feeder the `index`-th feeder ties to, if there is another feeder.
    fn partner(&mut self, index: usize) -> Option<usize> {
        let per_station = self.settings.feeders_per_substation;
        let station = index / per_station;
        let last_station = station + 1 == self.settings.substations;
        if index % per_station + 1 < per_station && (last_station || !self.rng.chance(0.25)) {
            Some(index + 1)
        } else if !last_station {
            Some((station + 1) * per_station + self.rng.index(per_station))
        } else if index != 0 {
            Some(0)
        } else {
            None
        }
    }
}

/// The model designation of a transformer, e.g. `S11-M-400/10` or `SCB10-1000/10`.
fn model(kva: u32, year: u16, dry: bool) -> String {
    let series = match (dry, year) {
        (true, ..2010) => "SCB10-",
        (true, ..2018) => "SCB11-",
        (true, _) => "SCB13-",
        (false, ..1999) => "S7-",
        (false, ..2006) => "S9-",
        (false, ..2016) => "S11-M-",
        (false, _) => "S13-M-",
    };
    let mut model = String::with_capacity(16);
    model.push_str(series);
    push_digits(&mut model, u64::from(kva), 1);
    model.push_str("/10");
    model
}
