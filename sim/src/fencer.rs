//! Fence devices: power a node off (or cycle it) after a delay, or fail.
//!
//! A fence that succeeds leaves its target certainly down before the
//! requester hears `ok`: the world crashes the target first, then answers.
//! A reboot brings the target back after a further delay. A failed fence
//! touches nothing; the cluster must retry and recover nothing meanwhile.

use std::time::Duration;

use cohort_core::controller::FenceRequest;
use cohort_core::policy::FenceAction;
use cohort_core::totem::NodeId;

use crate::node::id_of_uname;
use crate::rng::SimRng;

/// How the fence devices behave in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FenceProfile {
    /// From the request to the power going off, `[lo, hi]` ms.
    pub delay_ms: (u64, u64),
    /// Chance that one attempt fails.
    pub fail_ppm: u32,
    /// A rebooted target boots again after this long.
    pub boot_ms: u64,
}

/// The longest a fence asked for now can keep its victim out of the
/// cluster: the controller's split delay (pcmk_delay_base, 5 s), the
/// slowest device of [`FenceProfile::draw`] and its slowest reboot.
pub const WORST_FENCE_TO_BOOT_MS: u64 = 5_000 + 10_000 + 30_000;

impl FenceProfile {
    pub fn reliable() -> FenceProfile {
        FenceProfile {
            delay_ms: (500, 2_000),
            fail_ppm: 0,
            boot_ms: 10_000,
        }
    }

    pub fn draw(rng: &mut SimRng) -> FenceProfile {
        let mut p = FenceProfile::reliable();
        p.delay_ms = (rng.between(100, 1_000), rng.between(1_000, 10_000));
        if rng.coin() {
            p.fail_ppm = u32::try_from(rng.below(500_001)).expect("small");
        }
        p.boot_ms = rng.between(2_000, 30_000);
        p
    }
}

/// What one fence attempt will do, decided when it is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FenceOutcome {
    /// None when the target names no simulated node (the device fails).
    pub target: Option<NodeId>,
    pub ok: bool,
    /// When the device reports, after the request.
    pub after: Duration,
    /// For a reboot that worked: the target boots this long after.
    pub boot_after: Option<Duration>,
}

/// Draws the outcome of `req`.
pub fn attempt(profile: &FenceProfile, rng: &mut SimRng, req: &FenceRequest) -> FenceOutcome {
    let target = req.target_id.or_else(|| id_of_uname(&req.target));
    let (lo, hi) = profile.delay_ms;
    let mut after = Duration::from_millis(rng.between(lo, hi.max(lo)));
    if req.timeout_ms > 0 {
        after = after.min(Duration::from_millis(req.timeout_ms));
    }
    let ok = target.is_some() && !rng.chance_ppm(profile.fail_ppm);
    let boot_after =
        (ok && req.action == FenceAction::Reboot).then(|| Duration::from_millis(profile.boot_ms));
    FenceOutcome {
        target,
        ok,
        after,
        boot_after,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cohort_core::controller::FenceId;
    use cohort_core::executor::AgentSpec;

    fn req(target: &str, action: FenceAction) -> FenceRequest {
        FenceRequest {
            id: FenceId(1),
            target: target.into(),
            target_id: None,
            action,
            device: "fence1".into(),
            agent: AgentSpec {
                class: "stonith".into(),
                provider: None,
                kind: "fence_dummy".into(),
            },
            params: Vec::new(),
            timeout_ms: 60_000,
        }
    }

    #[test]
    fn a_reboot_powers_back_on_a_failing_device_does_nothing() {
        let mut rng = SimRng::new(4);
        let p = FenceProfile::reliable();
        let o = attempt(&p, &mut rng, &req("node2", FenceAction::Reboot));
        assert_eq!(o.target, Some(2));
        assert!(o.ok && o.boot_after.is_some());
        let off = attempt(&p, &mut rng, &req("node2", FenceAction::Off));
        assert!(off.ok && off.boot_after.is_none());
        let unknown = attempt(&p, &mut rng, &req("elsewhere", FenceAction::Off));
        assert!(!unknown.ok);
        let broken = FenceProfile {
            fail_ppm: 1_000_000,
            ..p
        };
        let o = attempt(&broken, &mut rng, &req("node1", FenceAction::Off));
        assert!(!o.ok && o.boot_after.is_none());
    }
}
