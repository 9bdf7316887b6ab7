//! Totem's figures in simulated time, on the in-memory harness (the same
//! runs as `benches/totem.rs`): crash to new view and restart to joined
//! view as a function of `token`, and ordered messages per simulated
//! second. Each cell is min / mean / max over seeds 0..SEEDS.
//!
//! `cargo run --release -p cohort-core --features testgen --example totem_figures`

use std::time::Duration;

#[path = "../benches/support/totem_runs.rs"]
mod totem_runs;

const SEEDS: u64 = 20;
const MEMBERS: u32 = 4;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn summary(samples: &[f64]) -> String {
    let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let max = samples.iter().copied().fold(0.0, f64::max);
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    format!("{min:>7.0} {mean:>7.0} {max:>7.0}")
}

fn main() {
    println!("{MEMBERS} members, {SEEDS} seeds, simulated ms (min mean max)");
    println!(
        "{:>8} | {:^23} | {:>8} | {:^23}",
        "token", "crash -> new view", "bound", "restart -> joined view"
    );
    for token_ms in [1000u32, 3000, 5000] {
        let crash: Vec<f64> = (0..SEEDS)
            .map(|seed| {
                let mut c = totem_runs::quiet_ring(MEMBERS, token_ms, seed);
                ms(totem_runs::crash_to_view(&mut c, MEMBERS))
            })
            .collect();
        let rejoin: Vec<f64> = (0..SEEDS)
            .map(|seed| ms(totem_runs::restart_to_view(MEMBERS, token_ms, seed)))
            .collect();
        let bound = token_ms + totem_runs::config(token_ms).join_wait_ms();
        println!(
            "{token_ms:>8} | {} | {bound:>8} | {}",
            summary(&crash),
            summary(&rejoin)
        );
    }
    println!();
    println!("ordered messages per simulated second, every member sending 200, token 1000");
    println!(
        "{:>8} | {:>12} | {:>14}",
        "members", "messages/s", "deliveries/s"
    );
    for n in [3u32, 8, 16] {
        let mut c = totem_runs::settled_cluster(n, 1000, u64::from(n));
        let per_sender = 200;
        let took = totem_runs::deliver_batch(&mut c, n, per_sender);
        let messages = f64::from(n * per_sender);
        let rate = messages / took.as_secs_f64();
        println!("{n:>8} | {rate:>12.0} | {:>14.0}", rate * f64::from(n));
    }
}
