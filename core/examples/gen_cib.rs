//! Writes a generated benchmark CIB to stdout (the same CIBs as
//! `benches/schedule.rs`), for timing whole processes against crm_simulate:
//! `cargo run --release -p cohort-core --example gen_cib -- PRIMITIVES NODES`.

#[path = "../benches/support/gen_cib.rs"]
mod gen_cib;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("usage: gen_cib PRIMITIVES NODES"))
        .collect();
    let [primitives, nodes] = args[..] else {
        panic!("usage: gen_cib PRIMITIVES NODES");
    };
    print!("{}", gen_cib::cib_xml(primitives, nodes));
}
