//! schedule() on generated CIBs: 100, 1000 and 5000 primitives on 3, 16
//! and 32 nodes (groups, a clone, locations, colocations, orders, sets; see
//! support/gen_cib.rs). Parsing is outside the timed part; `parse/` times it alone.
//!
//! Run: `cargo bench -p cohort-core --bench schedule` (one size:
//! `-- 'schedule/1000x32'`).

use std::time::Duration;

use cohort_core::cib::xml::parse_cib;
use cohort_core::policy::schedule;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

#[path = "support/gen_cib.rs"]
mod gen_cib;

const PRIMITIVES: [usize; 3] = [100, 1000, 5000];
const NODES: [usize; 3] = [3, 16, 32];

fn bench_schedule(c: &mut Criterion) {
    let mut group = c.benchmark_group("schedule");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for primitives in PRIMITIVES {
        for nodes in NODES {
            let cib =
                parse_cib(&gen_cib::cib_xml(primitives, nodes)).expect("generated CIB parses");
            let id = BenchmarkId::from_parameter(format!("{primitives}x{nodes}"));
            group.bench_with_input(id, &cib, |b, cib| b.iter(|| schedule(cib)));
        }
    }
    group.finish();
}

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.sample_size(10);
    for primitives in PRIMITIVES {
        let xml = gen_cib::cib_xml(primitives, 32);
        let id = BenchmarkId::from_parameter(format!("{primitives}x32"));
        group.bench_with_input(id, &xml, |b, xml| b.iter(|| parse_cib(xml).is_ok()));
    }
    group.finish();
}

criterion_group!(benches, bench_schedule, bench_parse);
criterion_main!(benches);
