//! Agreed and safe order in a stable ring.

use super::*;

#[test]
fn a_ring_forms_and_delivers_everything_in_one_order() {
    let mut c = settled_cluster(3, 1000, 1);
    for round in 0..20 {
        for node in 1..=3 {
            c.send(node, round % 3 == 0);
        }
    }
    let since = Instant::ZERO;
    c.run_for(secs(3));
    c.check_safety().unwrap();
    c.check_delivered(since).unwrap();
    c.check_settled().unwrap();
}
