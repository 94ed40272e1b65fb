//! A simulation plan: who takes part and what happens, in order, drawn
//! from one seed. Plans are pure data, so a failing seed can be printed,
//! read and replayed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What one peer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// May edit; its edits must reach every writer.
    Writer,
    /// Joined with a read-only invite; it edits anyway (a modified client),
    /// and no writer may take those edits.
    Reader,
    /// A writer that is revoked part-way; afterwards it edits anyway.
    Revoked,
}

/// One event of a plan. Peers are indices into [`Plan::roles`]; peer 0
/// created the charter and invites everyone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A writer makes a random typed edit (drawn from `seed`).
    Edit {
        /// Who.
        peer: usize,
        /// Seeds the edit's choices.
        seed: u64,
    },
    /// A read-only or revoked peer writes anyway.
    HostileEdit {
        /// Who.
        peer: usize,
    },
    /// The link between two peers goes down.
    Cut {
        /// One end.
        a: usize,
        /// The other.
        b: usize,
    },
    /// The peers split into two groups that cannot reach each other.
    Partition {
        /// Peers on one side; everyone else is on the other.
        side: Vec<usize>,
    },
    /// Every link comes back.
    Heal,
    /// A peer's process stops (everything saved is flushed) and starts again
    /// from its data dir.
    Restart {
        /// Who.
        peer: usize,
    },
    /// Peer 0 revokes the revoked peer, once every writer is in sync.
    Revoke,
}

/// A seeded plan.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The seed it came from.
    pub seed: u64,
    /// Each peer's role; peer 0 is always a writer.
    pub roles: Vec<Role>,
    /// What happens.
    pub steps: Vec<Step>,
}

impl Plan {
    /// The plan of `seed`: 3–5 peers, 15–40 steps.
    pub fn from_seed(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let writers = rng.random_range(2..=3);
        let mut roles = vec![Role::Writer; writers];
        if rng.random_bool(0.6) {
            roles.push(Role::Reader);
        }
        if rng.random_bool(0.5) || roles.len() < 3 {
            roles.push(Role::Revoked);
        }
        let peers = roles.len();
        let revoked = roles.iter().position(|r| *r == Role::Revoked);
        let mut steps = Vec::new();
        let mut revoked_yet = false;
        for _ in 0..rng.random_range(15..=40) {
            let roll = rng.random_range(0..100);
            let step = match roll {
                0..55 => {
                    // Writers edit; before its revocation the revoked peer is one.
                    let editors: Vec<usize> = (0..peers)
                        .filter(|p| match roles[*p] {
                            Role::Writer => true,
                            Role::Revoked => !revoked_yet,
                            Role::Reader => false,
                        })
                        .collect();
                    Step::Edit {
                        peer: editors[rng.random_range(0..editors.len())],
                        seed: rng.random(),
                    }
                }
                55..63 => {
                    let hostile: Vec<usize> = (0..peers)
                        .filter(|p| {
                            roles[*p] == Role::Reader || (roles[*p] == Role::Revoked && revoked_yet)
                        })
                        .collect();
                    if hostile.is_empty() {
                        continue;
                    }
                    Step::HostileEdit {
                        peer: hostile[rng.random_range(0..hostile.len())],
                    }
                }
                63..73 => {
                    let a = rng.random_range(0..peers);
                    let b = (a + rng.random_range(1..peers)) % peers;
                    Step::Cut { a, b }
                }
                73..80 => {
                    let side: Vec<usize> = (0..peers).filter(|_| rng.random_bool(0.5)).collect();
                    if side.is_empty() || side.len() == peers {
                        continue;
                    }
                    Step::Partition { side }
                }
                80..90 => Step::Heal,
                90..96 => Step::Restart {
                    peer: rng.random_range(0..peers),
                },
                _ => {
                    if revoked.is_none() || revoked_yet {
                        continue;
                    }
                    revoked_yet = true;
                    Step::Revoke
                }
            };
            steps.push(step);
        }
        Self { seed, roles, steps }
    }

    /// The command that replays this plan.
    pub fn replay_command(&self) -> String {
        format!(
            "GUILD_SIM_SEED={} cargo test -p guild-tests --test simulation -- --nocapture",
            self.seed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_gives_the_same_plan() {
        for seed in 0..50 {
            let (a, b) = (Plan::from_seed(seed), Plan::from_seed(seed));
            assert_eq!(a.roles, b.roles);
            assert_eq!(a.steps, b.steps);
            assert!((3..=5).contains(&a.roles.len()), "{:?}", a.roles);
            assert_eq!(a.roles[0], Role::Writer);
        }
    }
}
