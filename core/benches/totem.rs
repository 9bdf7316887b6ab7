//! Totem on the in-memory harness (no faults, 100-400 µs links):
//! - `ordered/N`: ordered messages per second of wall time through a ring
//!   of N = 3, 8, 16 members, every member sending (50 each per
//!   iteration; criterion's "elements" are messages, each delivered by
//!   all N members);
//! - `crash_to_view/token_MS`: wall time to simulate a crash up to the
//!   survivors' new view, token 1000, 3000, 5000 ms (4 members). The
//!   simulated times are the figures that matter for users; the example
//!   `totem_figures` prints them as a table.
//!
//! Run: `cargo bench -p cohort-core --features testgen --bench totem`
//! (quick: `-- --quick`).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};

// restart_to_view is for the figures example only.
#[allow(dead_code)]
#[path = "support/totem_runs.rs"]
mod totem_runs;

const PER_SENDER: u32 = 50;

fn bench_ordered(c: &mut Criterion) {
    let mut group = c.benchmark_group("ordered");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for n in [3u32, 8, 16] {
        group.throughput(Throughput::Elements(u64::from(n * PER_SENDER)));
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter_batched(
                || totem_runs::settled_cluster(n, 1000, u64::from(n)),
                |mut cluster| totem_runs::deliver_batch(&mut cluster, n, PER_SENDER),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

fn bench_crash_to_view(c: &mut Criterion) {
    let mut group = c.benchmark_group("crash_to_view");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for token_ms in [1000u32, 3000, 5000] {
        let id = BenchmarkId::from_parameter(format!("token_{token_ms}"));
        group.bench_with_input(id, &token_ms, |b, &token_ms| {
            b.iter_batched(
                || totem_runs::quiet_ring(4, token_ms, 1),
                |mut cluster| totem_runs::crash_to_view(&mut cluster, 4),
                BatchSize::LargeInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench_ordered, bench_crash_to_view);
criterion_main!(benches);
