//! Validating records and building the network: every problem is collected and reported at
//! once, and the graph, the compressed adjacency and the customer tables are built only from
//! records that passed.

use super::input::{CustomerIn, NetworkIn};
use super::*;

fn check_finite(
    problems: &mut Vec<Problem>,
    rec: (RecordKind, &str, usize),
    field: &'static str,
    value: f64,
    positive: bool,
) {
    let kind = if !value.is_finite() {
        Some(ProblemKind::NotFinite)
    } else if positive && value <= 0.0 {
        Some(ProblemKind::NotPositive)
    } else if value < 0.0 {
        Some(ProblemKind::Negative)
    } else {
        None
    };
    if let Some(kind) = kind {
        problems.push(problem(rec, field, value.to_string(), kind));
    }
}

fn problem(
    (record, id, index): (RecordKind, &str, usize),
    field: &'static str,
    value: String,
    kind: ProblemKind,
) -> Problem {
    Problem {
        record,
        id: id.to_owned(),
        index,
        field,
        value,
        kind,
    }
}

struct Builder {
    problems: Vec<Problem>,
}

impl Builder {
    /// Adds an asset number to the shared namespace; reports empties and duplicates.
    fn register(&mut self, assets: &mut Interner, rec: (RecordKind, &str, usize)) {
        let (_, id, _) = rec;
        if id.is_empty() {
            self.problems
                .push(problem(rec, "asset", String::new(), ProblemKind::EmptyId));
        }
        if assets.insert(id).is_err() {
            // Keep ids in record order (points first, then lines, then sources), so that a
            // later record is still found as what it is and every problem names the right one.
            assets.push_unindexed(id);
            self.problems.push(problem(
                rec,
                "asset",
                id.to_owned(),
                ProblemKind::DuplicateId,
            ));
        }
    }

    /// Looks up a point by asset number (ids below `n_points` are points).
    fn point(
        &mut self,
        assets: &Interner,
        n_points: usize,
        rec: (RecordKind, &str, usize),
        field: &'static str,
        value: &str,
    ) -> Option<u32> {
        let found = assets.get(value).filter(|&i| (i as usize) < n_points);
        if found.is_none() {
            self.problems.push(problem(
                rec,
                field,
                value.to_owned(),
                ProblemKind::UnknownPoint,
            ));
        }
        found
    }
}

/// Marks a line end whose point is unknown while the records are checked.
const UNKNOWN_END: u32 = u32::MAX;

/// Customers at or above this count are tabulated on a second thread while the equipment is
/// built.
const PARALLEL_CUSTOMERS: usize = 50_000;

/// The customer tables, built without the equipment (points are resolved afterwards).
struct CustomerTables {
    ids: Interner,
    names: TextArena,
    data: Vec<CustomerData>,
    contacts: Vec<ContactData>,
    contact_text: TextArena,
    /// Problems of the customers themselves, in record order.
    problems: Vec<Problem>,
}

impl CustomerTables {
    fn build(input: &NetworkIn<'_>) -> Result<Self, NetworkError> {
        let records = &input.customers;
        let n_contacts = input.contacts.len();
        let contact_bytes: usize = input
            .contacts
            .iter()
            .map(|k| k.name.len() + k.phone.len())
            .sum();
        let number_bytes: usize = records.iter().map(|c| c.number.len()).sum();
        let name_bytes: usize = records.iter().map(|c| c.name.len()).sum();
        let limits = [
            ("customers", records.len(), u32::MAX as usize - 1),
            ("contacts", 2 * n_contacts, u32::MAX as usize - 1),
            ("bytes of contact text", contact_bytes, u32::MAX as usize),
            ("bytes of customer numbers", number_bytes, u32::MAX as usize),
            ("bytes of customer names", name_bytes, u32::MAX as usize),
        ];
        if let Some(&(what, count, limit)) = limits.iter().find(|(_, n, max)| n > max) {
            return Err(NetworkError::TooLarge { what, count, limit });
        }
        let mut t = Self {
            ids: Interner::with_capacity(records.len(), number_bytes),
            names: TextArena::with_capacity(records.len(), name_bytes),
            data: Vec::with_capacity(records.len()),
            contacts: Vec::with_capacity(n_contacts),
            contact_text: TextArena::with_capacity(2 * n_contacts, contact_bytes),
            problems: Vec::new(),
        };
        let problems = &mut t.problems;
        for (i, c) in records.iter().enumerate() {
            let rec = (RecordKind::Customer, c.number, i);
            if c.number.is_empty() {
                problems.push(problem(rec, "number", String::new(), ProblemKind::EmptyId));
            }
            if t.ids.insert(c.number).is_err() {
                // Ids keep following record order (see `Builder::register`).
                t.ids.push_unindexed(c.number);
                problems.push(problem(
                    rec,
                    "number",
                    c.number.to_owned(),
                    ProblemKind::DuplicateId,
                ));
            }
            check_finite(problems, rec, "contracted_kva", c.contracted_kva, false);
            check_finite(problems, rec, "load_kw", c.load_kw, false);
            for (k, ct) in input.contacts_of(i).iter().enumerate() {
                let checks = [
                    (
                        "name",
                        ct.name.trim().is_empty(),
                        ct.name,
                        ProblemKind::Empty,
                    ),
                    (
                        "phone",
                        ct.phone.trim().is_empty(),
                        ct.phone,
                        ProblemKind::Empty,
                    ),
                    ("level", ct.level == 0, ct.name, ProblemKind::OutOfRange),
                ];
                for (field, bad, value, kind) in checks {
                    if bad {
                        let id = format!("{}#{}", c.number, k + 1);
                        let value = if field == "level" {
                            ct.level.to_string()
                        } else {
                            value.to_owned()
                        };
                        problems.push(problem((RecordKind::Contact, &id, i), field, value, kind));
                    }
                }
                let text = t.contact_text.push(ct.name);
                t.contact_text.push(ct.phone);
                t.contacts.push(ContactData {
                    text,
                    role: ct.role,
                    level: ct.level,
                });
            }
            t.data.push(CustomerData {
                point: PointId(0),
                importance: c.importance,
                name: t.names.push(c.name),
                contracted_kva: c.contracted_kva,
                load_kw: c.load_kw,
                contacts_end: t.contacts.len() as u32,
            });
        }
        Ok(t)
    }
}

impl Network {
    /// Validates `data` and builds the network, with default [`ValidationOptions`].
    ///
    /// # Errors
    /// [`NetworkError::Invalid`] listing every problem found, each naming the record, field and
    /// value: empty or duplicate asset/customer numbers, line ends, sources or customers on
    /// unknown points, self-loops, points with nothing attached, sources feeding nothing,
    /// NaN/infinite/negative ratings, lengths and loads, contacts without name or phone.
    pub fn from_data(data: &NetworkData) -> Result<Self, NetworkError> {
        Self::from_data_with(data, ValidationOptions::default())
    }

    /// Validates `data` with `options` and builds the network.
    ///
    /// # Errors
    /// As [`Network::from_data`].
    pub fn from_data_with(
        data: &NetworkData,
        options: ValidationOptions,
    ) -> Result<Self, NetworkError> {
        Self::from_input(&NetworkIn::from_data(data), options)
    }

    /// Validates borrowed records with `options` and builds the network: the one builder of
    /// every reader.
    pub(crate) fn from_input(
        data: &NetworkIn<'_>,
        options: ValidationOptions,
    ) -> Result<Self, NetworkError> {
        // Customers need nothing from the equipment until their points are resolved, so large
        // sets are tabulated on a second thread meanwhile.
        std::thread::scope(|scope| {
            let customers = (data.customers.len() >= PARALLEL_CUSTOMERS)
                .then(|| scope.spawn(|| CustomerTables::build(data)));
            Self::build(data, options, customers)
        })
    }

    #[allow(clippy::too_many_lines)]
    fn build(
        data: &NetworkIn<'_>,
        options: ValidationOptions,
        customer_part: Option<ScopedJoinHandle<'_, Result<CustomerTables, NetworkError>>>,
    ) -> Result<Self, NetworkError> {
        let n_points = data.points.len();
        let n_lines = data.segments.len() + data.switches.len() + data.transformers.len();
        let mut b = Builder {
            problems: Vec::new(),
        };
        let text_bytes = |it: &mut dyn Iterator<Item = usize>| it.sum::<usize>();
        let asset_bytes = text_bytes(&mut data.points.iter().map(|p| p.asset.len()))
            + text_bytes(&mut data.segments.iter().map(|x| x.ends.asset.len()))
            + text_bytes(&mut data.switches.iter().map(|x| x.ends.asset.len()))
            + text_bytes(&mut data.transformers.iter().map(|x| x.ends.asset.len()))
            + text_bytes(&mut data.sources.iter().map(|x| x.asset.len()));
        // Dense ids are u32 and line/source codes keep the top bit free; texts are addressed
        // by u32 offsets. (Customer limits are checked with the customers.)
        let limits = [
            (
                "points, lines and sources",
                n_points + n_lines + data.sources.len(),
                (1usize << 31) - 1,
            ),
            ("bytes of asset numbers", asset_bytes, u32::MAX as usize),
        ];
        if let Some(&(what, count, limit)) = limits.iter().find(|(_, n, max)| n > max) {
            return Err(NetworkError::TooLarge { what, count, limit });
        }
        let mut assets =
            Interner::with_capacity(n_points + n_lines + data.sources.len(), asset_bytes);
        let mut point_names = TextArena::with_capacity(
            n_points,
            text_bytes(&mut data.points.iter().map(|p| p.name.len())),
        );
        let mut graph = UnGraph::<Point, Line>::with_capacity(n_points, n_lines);
        for (i, p) in data.points.iter().enumerate() {
            b.register(&mut assets, (RecordKind::Point, p.asset, i));
            point_names.push(p.name);
            graph.add_node(Point {
                kind: p.kind,
                in_service: p.in_service,
            });
        }

        let mut models = TextArena::with_capacity(
            data.transformers.len(),
            text_bytes(&mut data.transformers.iter().map(|t| t.model.len())),
        );
        let mut ends: Vec<(u32, u32)> = Vec::with_capacity(n_lines);
        let mut lines: Vec<Line> = Vec::with_capacity(n_lines);
        let mut add_line =
            |b: &mut Builder, rec: (RecordKind, &str, usize), from: &str, to: &str, line: Line| {
                b.register(&mut assets, rec);
                let f = b.point(&assets, n_points, rec, "from", from);
                let t = b.point(&assets, n_points, rec, "to", to);
                if from == to {
                    b.problems
                        .push(problem(rec, "to", to.to_owned(), ProblemKind::SelfLoop));
                }
                // An unknown end is marked; the graph and the adjacency are built only
                // once every end is known (no problems), so it is never used as an index.
                ends.push((f.unwrap_or(UNKNOWN_END), t.unwrap_or(UNKNOWN_END)));
                lines.push(line);
            };
        for (i, s) in data.segments.iter().enumerate() {
            let rec = (RecordKind::Segment, s.ends.asset, i);
            check_finite(&mut b.problems, rec, "length_m", s.data.length_m, false);
            if let Some(a) = s.data.rated_current_a {
                check_finite(&mut b.problems, rec, "rated_current_a", a, true);
            }
            let line = Line {
                kind: LineKind::Segment(s.data),
                in_service: s.in_service,
            };
            add_line(&mut b, rec, s.ends.from, s.ends.to, line);
        }
        for (i, s) in data.switches.iter().enumerate() {
            let rec = (RecordKind::Switch, s.ends.asset, i);
            let line = Line {
                kind: LineKind::Switch(s.data),
                in_service: s.in_service,
            };
            add_line(&mut b, rec, s.ends.from, s.ends.to, line);
        }
        for (i, t) in data.transformers.iter().enumerate() {
            let rec = (RecordKind::Transformer, t.ends.asset, i);
            check_finite(&mut b.problems, rec, "rated_kva", t.rated_kva, true);
            let line = Line {
                kind: LineKind::Transformer(Transformer {
                    rated_kva: t.rated_kva,
                    year_in_service: t.year_in_service,
                    usage: t.usage,
                    model: models.push(t.model),
                }),
                in_service: t.in_service,
            };
            add_line(&mut b, rec, t.ends.from, t.ends.to, line);
        }
        // Compressed adjacency (counting sort by end point): the degrees now, counting the
        // known ends only, so that the checks below see which points have a line; the entries
        // once every end is known.
        let mut degree = vec![0u32; n_points + 1];
        for &(f, t) in &ends {
            for p in [f, t] {
                if p != UNKNOWN_END {
                    degree[p as usize + 1] += 1;
                }
            }
        }
        for i in 0..n_points {
            degree[i + 1] += degree[i];
        }
        let adj_start = degree;

        let mut source_names = TextArena::default();
        let mut sources = Vec::with_capacity(data.sources.len());
        let mut has_source = vec![false; n_points];
        for (i, s) in data.sources.iter().enumerate() {
            let rec = (RecordKind::Source, s.asset, i);
            b.register(&mut assets, rec);
            check_finite(&mut b.problems, rec, "capacity_kva", s.capacity_kva, true);
            let p = b.point(&assets, n_points, rec, "point", s.point);
            if let Some(p) = p {
                has_source[p as usize] = true;
                if adj_start[p as usize] == adj_start[p as usize + 1] {
                    b.problems.push(problem(
                        rec,
                        "point",
                        s.point.to_owned(),
                        ProblemKind::SourceFeedsNothing,
                    ));
                }
            }
            sources.push(Source {
                point: PointId(p.unwrap_or(0)),
                capacity_kva: s.capacity_kva,
                in_service: s.in_service,
                name: source_names.push(s.name),
            });
        }
        if !options.allow_isolated_points {
            for (i, p) in data.points.iter().enumerate() {
                if adj_start[i] == adj_start[i + 1] && !has_source[i] {
                    b.problems.push(problem(
                        (RecordKind::Point, p.asset, i),
                        "asset",
                        p.asset.to_owned(),
                        ProblemKind::DanglingPoint,
                    ));
                }
            }
        }
        let mut point_sources: Vec<(u32, u32)> = sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.point.0, i as u32))
            .collect();
        point_sources.sort_unstable();

        let mut tables = match customer_part {
            Some(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?,
            None => CustomerTables::build(data)?,
        };
        // The customers' points, found in two halves on two threads for a large set.
        let resolve = |first: usize, records: &[CustomerIn<'_>], out: &mut [CustomerData]| {
            let mut problems = Vec::new();
            for (k, (c, d)) in records.iter().zip(out).enumerate() {
                match assets.get(c.point).filter(|&p| (p as usize) < n_points) {
                    Some(p) => d.point = PointId(p),
                    None => problems.push(problem(
                        (RecordKind::Customer, c.number, first + k),
                        "point",
                        c.point.to_owned(),
                        ProblemKind::UnknownPoint,
                    )),
                }
            }
            problems
        };
        let mut point_problems = if data.customers.len() >= PARALLEL_CUSTOMERS {
            let half = data.customers.len() / 2;
            let (records_a, records_b) = data.customers.split_at(half);
            let (out_a, out_b) = tables.data.split_at_mut(half);
            std::thread::scope(|scope| {
                let second = scope.spawn(|| resolve(half, records_b, out_b));
                let mut problems = resolve(0, records_a, out_a);
                problems.extend(
                    second
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                );
                problems
            })
        } else {
            resolve(0, &data.customers, &mut tables.data)
        };
        if !point_problems.is_empty() || !tables.problems.is_empty() {
            let mut customer_problems = tables.problems;
            customer_problems.append(&mut point_problems);
            customer_problems.sort_by_key(|p| p.index);
            b.problems.append(&mut customer_problems);
        }
        let CustomerTables {
            ids: customer_ids,
            names: customer_names,
            data: customers,
            contacts,
            contact_text,
            ..
        } = tables;
        if !b.problems.is_empty() {
            return Err(NetworkError::Invalid {
                problems: Problems(b.problems),
            });
        }

        // Every end is known from here on.
        for (line, &(f, t)) in lines.into_iter().zip(&ends) {
            graph.add_edge(NodeIndex::new(f as usize), NodeIndex::new(t as usize), line);
        }
        let mut fill = adj_start.clone();
        let mut adj = vec![(0u32, 0u32); ends.len() * 2];
        for (l, &(f, t)) in ends.iter().enumerate() {
            adj[fill[f as usize] as usize] = (t, l as u32);
            fill[f as usize] += 1;
            adj[fill[t as usize] as usize] = (f, l as u32);
            fill[t as usize] += 1;
        }
        drop(fill);

        let mut cust_start = vec![0u32; n_points + 1];
        for c in &customers {
            cust_start[c.point.index() + 1] += 1;
        }
        for i in 0..n_points {
            cust_start[i + 1] += cust_start[i];
        }
        let mut fill = cust_start.clone();
        let mut point_customers = vec![0u32; customers.len()];
        for (i, c) in customers.iter().enumerate() {
            let slot = &mut fill[c.point.index()];
            point_customers[*slot as usize] = i as u32;
            *slot += 1;
        }

        Ok(Self {
            graph,
            assets,
            customer_ids,
            point_names,
            models,
            source_names,
            customer_names,
            contact_text,
            sources,
            customers,
            contacts,
            adj_start,
            adj,
            cust_start,
            point_customers,
            point_sources,
        })
    }
}
