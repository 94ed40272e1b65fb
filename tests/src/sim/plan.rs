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
    /// A peer that was not in the room yet joins it (room plans only).
    Join {
        /// Who.
        peer: usize,
    },
    /// A peer's process stops and stays away (room plans only).
    Leave {
        /// Who.
        peer: usize,
    },
    /// A peer that left starts again from its data dir (room plans only).
    Return {
        /// Who.
        peer: usize,
    },
}

/// How the peers of a plan are linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topology {
    /// Every pair, by hand; cuts close links (3–5 peers).
    Mesh,
    /// As the product links a room: each node keeps its neighbours on the
    /// room's overlay; cuts take the network down between two nodes, and
    /// peers join and leave (6–12 peers).
    Room,
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
    /// How the peers are linked.
    pub topology: Topology,
    /// Peers in the room from the start; the others join by a step.
    pub initial: usize,
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
                // Writers edit; before its revocation the revoked peer is one.
                0..55 => edit_by(&mut rng, &roles, 0..peers, revoked_yet),
                55..63 => {
                    let Some(step) = hostile_edit_by(&mut rng, &roles, 0..peers, revoked_yet)
                    else {
                        continue;
                    };
                    step
                }
                63..73 => cut_among(&mut rng, peers),
                73..80 => {
                    let Some(step) = partition_among(&mut rng, peers) else {
                        continue;
                    };
                    step
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
        Self {
            seed,
            initial: roles.len(),
            roles,
            steps,
            topology: Topology::Mesh,
        }
    }

    /// The room plan of `seed`: 6–12 peers (a reader and a revoked peer
    /// among them, some joining later), 25–45 steps, where peers also join
    /// and leave.
    pub fn room_from_seed(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed ^ 0x05ee_d0f0_a1a5);
        let peers = rng.random_range(6..=12);
        // Peer 1 reads, peer 2 is revoked part-way; latecomers write.
        let mut roles = vec![Role::Writer; peers];
        roles[1] = Role::Reader;
        roles[2] = Role::Revoked;
        let initial = rng.random_range(4..=peers);
        let mut room = Room {
            running: (0..peers).map(|p| p < initial).collect(),
            joined: initial,
            revoked_yet: false,
        };
        let mut steps = Vec::new();
        for _ in 0..rng.random_range(25..=45) {
            steps.extend(room.next_step(&mut rng, &roles));
        }
        Self {
            seed,
            roles,
            steps,
            topology: Topology::Room,
            initial,
        }
    }

    /// The command that replays this plan.
    pub fn replay_command(&self) -> String {
        let test = match self.topology {
            Topology::Mesh => "every_seed",
            Topology::Room => "every_room",
        };
        format!(
            "GUILD_SIM_SEED={} cargo test -p guild-tests --test simulation {test} -- --nocapture",
            self.seed
        )
    }
}

impl Role {
    /// Whether a peer of this role edits as a writer: the revoked peer does
    /// until its revocation.
    fn edits(self, revoked_yet: bool) -> bool {
        match self {
            Role::Writer => true,
            Role::Revoked => !revoked_yet,
            Role::Reader => false,
        }
    }

    /// Whether it writes though it may not.
    fn writes_anyway(self, revoked_yet: bool) -> bool {
        self == Role::Reader || (self == Role::Revoked && revoked_yet)
    }
}

/// A typed edit by one of `among` who edits as a writer.
fn edit_by(
    rng: &mut StdRng,
    roles: &[Role],
    among: impl Iterator<Item = usize>,
    revoked_yet: bool,
) -> Step {
    let editors: Vec<usize> = among.filter(|p| roles[*p].edits(revoked_yet)).collect();
    Step::Edit {
        peer: editors[rng.random_range(0..editors.len())],
        seed: rng.random(),
    }
}

/// A hostile edit by one of `among` who writes though it may not, if any.
fn hostile_edit_by(
    rng: &mut StdRng,
    roles: &[Role],
    among: impl Iterator<Item = usize>,
    revoked_yet: bool,
) -> Option<Step> {
    let hostile: Vec<usize> = among
        .filter(|p| roles[*p].writes_anyway(revoked_yet))
        .collect();
    if hostile.is_empty() {
        return None;
    }
    Some(Step::HostileEdit {
        peer: hostile[rng.random_range(0..hostile.len())],
    })
}

/// A cut between two of peers `0..n`.
fn cut_among(rng: &mut StdRng, n: usize) -> Step {
    let a = rng.random_range(0..n);
    let b = (a + rng.random_range(1..n)) % n;
    Step::Cut { a, b }
}

/// A split of peers `0..n` in two, unless the draw left one side empty.
fn partition_among(rng: &mut StdRng, n: usize) -> Option<Step> {
    let side: Vec<usize> = (0..n).filter(|_| rng.random_bool(0.5)).collect();
    if side.is_empty() || side.len() == n {
        return None;
    }
    Some(Step::Partition { side })
}

/// Who is in a room plan's room as its steps are drawn.
struct Room {
    running: Vec<bool>,
    /// Peers `0..joined` have joined.
    joined: usize,
    revoked_yet: bool,
}

impl Room {
    /// The next step, if the roll gives one that can happen now.
    fn next_step(&mut self, rng: &mut StdRng, roles: &[Role]) -> Option<Step> {
        let peers = roles.len();
        let joined = self.joined;
        let up: Vec<usize> = (0..peers).filter(|p| self.running[*p]).collect();
        let pick = |rng: &mut StdRng, of: &[usize]| of[rng.random_range(0..of.len())];
        Some(match rng.random_range(0..100) {
            0..45 => edit_by(rng, roles, up.iter().copied(), self.revoked_yet),
            45..52 => hostile_edit_by(rng, roles, up.iter().copied(), self.revoked_yet)?,
            52..59 => cut_among(rng, joined),
            59..64 => partition_among(rng, joined)?,
            64..72 => Step::Heal,
            72..77 => Step::Restart {
                peer: pick(rng, &up),
            },
            77..85 => {
                // Peer 0 (who shares and revokes) stays.
                let leavers: Vec<usize> = up.iter().copied().filter(|p| *p != 0).collect();
                if leavers.len() < 3 {
                    return None;
                }
                let peer = pick(rng, &leavers);
                self.running[peer] = false;
                Step::Leave { peer }
            }
            85..92 => {
                let away: Vec<usize> = (0..joined).filter(|p| !self.running[*p]).collect();
                if away.is_empty() {
                    return None;
                }
                let peer = pick(rng, &away);
                self.running[peer] = true;
                Step::Return { peer }
            }
            92..97 => {
                if joined == peers {
                    return None;
                }
                self.running[joined] = true;
                self.joined += 1;
                Step::Join { peer: joined }
            }
            _ => {
                // Only with everyone in the room: a device away during a
                // revocation takes the revoked device's edits until it
                // hears of it, and they then reach everyone through it
                // (docs/security.md, "Revocation cannot"; seed 37 showed it).
                if self.revoked_yet || (0..joined).any(|p| !self.running[p]) {
                    return None;
                }
                self.revoked_yet = true;
                Step::Revoke
            }
        })
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

    #[test]
    fn a_room_plan_joins_before_it_acts_and_keeps_peer_0() {
        for seed in 0..200 {
            let plan = Plan::room_from_seed(seed);
            assert_eq!(plan.steps, Plan::room_from_seed(seed).steps);
            assert!((6..=12).contains(&plan.roles.len()), "{:?}", plan.roles);
            let mut joined = plan.initial;
            let mut up: Vec<bool> = (0..plan.roles.len()).map(|p| p < joined).collect();
            for step in &plan.steps {
                match step {
                    Step::Join { peer } => {
                        assert_eq!(*peer, joined, "seed {seed}: joins in order");
                        joined += 1;
                        up[*peer] = true;
                    }
                    Step::Leave { peer } => {
                        assert!(*peer != 0 && up[*peer], "seed {seed}: {step:?}");
                        up[*peer] = false;
                    }
                    Step::Return { peer } => {
                        assert!(!up[*peer] && *peer < joined, "seed {seed}: {step:?}");
                        up[*peer] = true;
                    }
                    Step::Edit { peer, .. }
                    | Step::HostileEdit { peer }
                    | Step::Restart { peer } => {
                        assert!(up[*peer], "seed {seed}: {step:?} by a peer not in the room");
                    }
                    Step::Cut { a, b } => assert!(*a < joined && *b < joined && a != b),
                    Step::Partition { side } => assert!(side.iter().all(|p| *p < joined)),
                    Step::Revoke => {
                        assert!(
                            up[..joined].iter().all(|u| *u),
                            "seed {seed}: revoked with someone away"
                        );
                    }
                    Step::Heal => {}
                }
            }
        }
        let joins = (0..200)
            .flat_map(|seed| Plan::room_from_seed(seed).steps)
            .filter(|s| matches!(s, Step::Join { .. }))
            .count();
        let leaves = (0..200)
            .flat_map(|seed| Plan::room_from_seed(seed).steps)
            .filter(|s| matches!(s, Step::Leave { .. }))
            .count();
        assert!(
            joins > 100 && leaves > 100,
            "{joins} joins, {leaves} leaves"
        );
    }
}
