//! The virtual clock and its event queue.
//!
//! Events fire in `(time, sequence)` order, where the sequence is the order in
//! which they were scheduled: two events due at the same instant fire in the
//! order they were scheduled, on every run, so a run never depends on a heap's
//! tie-breaking.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::Duration;

use cohort_core::time::Instant;

/// A queue of events of type `E` on a virtual clock.
#[derive(Debug)]
pub struct EventQueue<E> {
    now: Instant,
    next_seq: u64,
    heap: BinaryHeap<Reverse<Entry<E>>>,
}

#[derive(Debug)]
struct Entry<E> {
    at: Instant,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            now: Instant::ZERO,
            next_seq: 0,
            heap: BinaryHeap::new(),
        }
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The virtual time: the due time of the last event popped.
    pub fn now(&self) -> Instant {
        self.now
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at `at`; a time in the past fires at `now` (the clock
    /// never runs backwards).
    pub fn schedule_at(&mut self, at: Instant, event: E) {
        let at = at.max(self.now);
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(Entry { at, seq, event }));
    }

    pub fn schedule_in(&mut self, delay: Duration, event: E) {
        self.schedule_at(self.now + delay, event);
    }

    /// The due time of the next event, if any.
    pub fn peek_time(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(e)| e.at)
    }

    /// Advances the clock to the next event and returns it.
    pub fn pop(&mut self) -> Option<(Instant, E)> {
        let Reverse(entry) = self.heap.pop()?;
        assert!(entry.at >= self.now, "virtual time ran backwards");
        self.now = entry.at;
        Some((entry.at, entry.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_instant_fires_in_scheduling_order() {
        let mut q = EventQueue::new();
        q.schedule_at(Instant::from_millis(5), "b1");
        q.schedule_at(Instant::from_millis(1), "a");
        q.schedule_at(Instant::from_millis(5), "b2");
        q.schedule_at(Instant::from_millis(5), "b3");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "b1", "b2", "b3"]);
        assert_eq!(q.now(), Instant::from_millis(5));
    }

    #[test]
    fn past_events_fire_now_and_clock_never_goes_back() {
        let mut q = EventQueue::new();
        q.schedule_at(Instant::from_millis(10), 1);
        assert_eq!(q.pop(), Some((Instant::from_millis(10), 1)));
        q.schedule_at(Instant::from_millis(3), 2);
        assert_eq!(q.peek_time(), Some(Instant::from_millis(10)));
        q.schedule_in(Duration::from_millis(1), 3);
        assert_eq!(q.pop(), Some((Instant::from_millis(10), 2)));
        assert_eq!(q.pop(), Some((Instant::from_millis(11), 3)));
        assert!(q.is_empty());
    }
}
