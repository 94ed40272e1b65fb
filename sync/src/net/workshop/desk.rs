//! The host's desk: the workshop this device hosts, the people knocking,
//! the "admit everyone for N minutes" switch, the join code and how many
//! wrong tries it has had. Shared by the node (which the window and the
//! command line ask) and the door ([`super::door`], which asks it what to
//! do with each knock). No I/O here: every decision is a method.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use guild_model::AccessLevel;
use tokio::sync::{oneshot, watch};

use super::knock::refusal;

/// Wrong join codes one device may try in one workshop: a person who
/// mistypes has a few goes; a script learns nothing from five.
pub const MAX_TRIES_PER_DEVICE: u32 = 5;

/// Wrong join codes a workshop takes before its code is turned off: with a
/// million codes, 100 guesses from any number of devices find it with a
/// chance of 1 in 10,000.
pub const MAX_WRONG_PER_WORKSHOP: u32 = 100;

/// Knocks waiting at once; more are asked to try again.
pub const MAX_QUEUE: usize = 200;

/// A workshop as its host starts it.
#[derive(Debug, Clone)]
pub struct Hosting {
    /// The charter.
    pub doc: String,
    /// Its title, as announced.
    pub title: String,
    /// The host's name, as announced.
    pub host: String,
    /// The join code, if the host shows one.
    pub code: Option<String>,
    /// What the code admits to.
    pub code_access: AccessLevel,
    /// When the workshop ends on its own, at the latest.
    pub until: Option<Instant>,
}

/// Someone at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnockRequest {
    /// Its number in this workshop.
    pub id: u64,
    /// The person's name, as they typed it.
    pub name: String,
    /// Their device's name.
    pub label: String,
    /// Their device's endpoint id.
    pub endpoint: String,
}

/// The host's answer to a knock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// In, with this access.
    Admit(AccessLevel),
    /// Not in.
    Refuse,
}

/// The hosted workshop as the window and `guild workshop` show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedWorkshop {
    /// The charter.
    pub doc: String,
    /// Its title.
    pub title: String,
    /// The host's name.
    pub host: String,
    /// The join code, while it admits.
    pub code: Option<String>,
    /// The code was turned off after too many wrong tries.
    pub code_locked: bool,
    /// Wrong codes tried so far.
    pub wrong_codes: u32,
    /// Everyone who knocks is let in, with this access, for this long.
    pub admit_all: Option<(AccessLevel, Duration)>,
    /// Who is waiting, first come first.
    pub knocks: Vec<KnockRequest>,
}

/// What the door does with a knock without a code.
#[derive(Debug)]
pub enum Plan {
    /// Let it in at once (the admit-everyone switch is on).
    Admit(AccessLevel),
    /// Wait for the host; the answer arrives here.
    Wait(u64, oneshot::Receiver<Answer>),
}

struct Workshop {
    hosting: Hosting,
    admit_all: Option<(AccessLevel, Instant)>,
    /// Code tries that have not (yet) succeeded, per device.
    tries: HashMap<String, u32>,
    wrong: u32,
    queue: Vec<(KnockRequest, oneshot::Sender<Answer>)>,
}

impl Workshop {
    fn is_over(&self, now: Instant) -> bool {
        self.hosting.until.is_some_and(|until| now >= until)
    }

    fn code_locked(&self) -> bool {
        self.wrong >= MAX_WRONG_PER_WORKSHOP
    }
}

#[derive(Default)]
struct State {
    workshop: Option<Workshop>,
    next_id: u64,
}

/// The desk, shared.
#[derive(Clone)]
pub struct Desk {
    state: Arc<Mutex<State>>,
    changed: Arc<watch::Sender<()>>,
}

impl Default for Desk {
    fn default() -> Self {
        Self {
            state: Arc::default(),
            changed: Arc::new(watch::channel(()).0),
        }
    }
}

impl std::fmt::Debug for Desk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Desk").finish_non_exhaustive()
    }
}

impl Desk {
    fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        let result = f(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner));
        self.changed.send_replace(());
        result
    }

    fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Starts hosting `hosting` (a workshop hosted before ends: its
    /// knocks are refused).
    pub fn host(&self, hosting: Hosting) {
        self.with(|state| {
            state.workshop = Some(Workshop {
                hosting,
                admit_all: None,
                tries: HashMap::new(),
                wrong: 0,
                queue: Vec::new(),
            });
        });
    }

    /// Ends the hosted workshop, if any: everyone waiting is refused.
    /// Returns its charter.
    pub fn end(&self) -> Option<String> {
        // Dropping the queue's senders tells each waiting door it ended.
        self.with(|state| state.workshop.take().map(|w| w.hosting.doc))
    }

    /// A feed that fires whenever the desk changes (a knock, an answer).
    pub fn changes(&self) -> watch::Receiver<()> {
        self.changed.subscribe()
    }

    /// The hosted workshop, if any (and not past its limit).
    pub fn hosted(&self) -> Option<HostedWorkshop> {
        let now = Instant::now();
        self.read(|state| {
            let w = state.workshop.as_ref().filter(|w| !w.is_over(now))?;
            Some(HostedWorkshop {
                doc: w.hosting.doc.clone(),
                title: w.hosting.title.clone(),
                host: w.hosting.host.clone(),
                code: w.hosting.code.clone().filter(|_| !w.code_locked()),
                code_locked: w.hosting.code.is_some() && w.code_locked(),
                wrong_codes: w.wrong,
                admit_all: w
                    .admit_all
                    .filter(|(_, until)| *until > now)
                    .map(|(access, until)| (access, until - now)),
                knocks: w.queue.iter().map(|(k, _)| k.clone()).collect(),
            })
        })
    }

    /// The workshop on `doc`, if this desk hosts it now.
    fn open_for<'a>(state: &'a mut State, doc: &str) -> Result<&'a mut Workshop, &'static str> {
        let now = Instant::now();
        state
            .workshop
            .as_mut()
            .filter(|w| w.hosting.doc == doc && !w.is_over(now))
            .ok_or(refusal::ENDED)
    }

    /// Whether `doc` is hosted here now.
    pub fn hosts(&self, doc: &str) -> bool {
        let now = Instant::now();
        self.read(|state| {
            state
                .workshop
                .as_ref()
                .is_some_and(|w| w.hosting.doc == doc && !w.is_over(now))
        })
    }

    /// Lets everyone who knocks on the hosted workshop in with `access` for
    /// `period` (and everyone waiting now); `None` turns the switch off.
    /// Returns whether a workshop is hosted.
    pub fn admit_everyone(&self, period: Option<(AccessLevel, Duration)>) -> bool {
        self.with(|state| {
            let Some(w) = state.workshop.as_mut() else {
                return false;
            };
            w.admit_all = period.map(|(access, d)| (access, Instant::now() + d));
            if let Some((access, _)) = period {
                for (_, answer) in w.queue.drain(..) {
                    let _ = answer.send(Answer::Admit(access));
                }
            }
            true
        })
    }

    /// Answers knock `id`; false if it is no longer waiting.
    pub fn answer(&self, id: u64, answer: Answer) -> bool {
        self.with(|state| {
            let Some(w) = state.workshop.as_mut() else {
                return false;
            };
            let Some(at) = w.queue.iter().position(|(k, _)| k.id == id) else {
                return false;
            };
            w.queue.remove(at).1.send(answer).is_ok()
        })
    }

    /// What to do with a knock without a code on `doc` from `who`.
    pub fn plan(&self, doc: &str, who: KnockRequest) -> Result<Plan, &'static str> {
        self.with(|state| {
            state.next_id += 1;
            let id = state.next_id;
            let w = Self::open_for(state, doc)?;
            if let Some((access, until)) = w.admit_all
                && until > Instant::now()
            {
                return Ok(Plan::Admit(access));
            }
            // A device that knocks again replaces its earlier knock.
            w.queue.retain(|(k, _)| k.endpoint != who.endpoint);
            if w.queue.len() >= MAX_QUEUE {
                return Err(refusal::BUSY);
            }
            let (tx, rx) = oneshot::channel();
            w.queue.push((KnockRequest { id, ..who }, tx));
            Ok(Plan::Wait(id, rx))
        })
    }

    /// A knock that left before its answer.
    pub fn withdraw(&self, id: u64) {
        self.with(|state| {
            if let Some(w) = state.workshop.as_mut() {
                w.queue.retain(|(k, _)| k.id != id);
            }
        });
    }

    /// Starts a code try by `endpoint` on `doc`: the code and what it
    /// admits to, or why not. The try counts as wrong until
    /// [`Self::code_was_right`] says otherwise, so a device that hangs up
    /// mid-exchange has used a try.
    pub fn try_code(
        &self,
        doc: &str,
        endpoint: &str,
    ) -> Result<(String, AccessLevel), &'static str> {
        self.with(|state| {
            let w = Self::open_for(state, doc)?;
            let code = w.hosting.code.clone().ok_or(refusal::NO_CODE)?;
            if w.code_locked() {
                return Err(refusal::CODE_LOCKED);
            }
            let tries = w.tries.entry(endpoint.to_owned()).or_default();
            if *tries >= MAX_TRIES_PER_DEVICE {
                return Err(refusal::DEVICE_TRIES);
            }
            *tries += 1;
            w.wrong += 1;
            if w.code_locked() {
                tracing::warn!(
                    wrong = w.wrong,
                    "join code turned off after too many wrong tries"
                );
            }
            Ok((code, w.hosting.code_access))
        })
    }

    /// The code try by `endpoint` was right: it does not count.
    pub fn code_was_right(&self, endpoint: &str) {
        self.with(|state| {
            if let Some(w) = state.workshop.as_mut() {
                if let Some(tries) = w.tries.get_mut(endpoint) {
                    *tries = tries.saturating_sub(1);
                }
                w.wrong = w.wrong.saturating_sub(1);
            }
        });
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn hosting(code: Option<&str>) -> Hosting {
        Hosting {
            doc: "doc".into(),
            title: "Data CoP".into(),
            host: "Ana".into(),
            code: code.map(str::to_owned),
            code_access: AccessLevel::ReadWrite,
            until: None,
        }
    }

    fn who(endpoint: &str) -> KnockRequest {
        KnockRequest {
            id: 0,
            name: "Ben".into(),
            label: "laptop".into(),
            endpoint: endpoint.into(),
        }
    }

    #[test]
    fn a_knock_waits_for_the_host_and_the_switch_lets_the_queue_in() {
        let desk = Desk::default();
        assert_eq!(desk.plan("doc", who("b")).unwrap_err(), refusal::ENDED);
        desk.host(hosting(None));
        let Plan::Wait(id, mut first) = desk.plan("doc", who("b")).unwrap() else {
            panic!("should wait")
        };
        let Plan::Wait(_, mut second) = desk.plan("doc", who("c")).unwrap() else {
            panic!("should wait")
        };
        assert_eq!(desk.hosted().unwrap().knocks.len(), 2);
        assert!(desk.answer(id, Answer::Refuse));
        assert_eq!(first.try_recv().unwrap(), Answer::Refuse);
        assert!(desk.admit_everyone(Some((AccessLevel::ReadOnly, Duration::from_mins(1)))));
        assert_eq!(
            second.try_recv().unwrap(),
            Answer::Admit(AccessLevel::ReadOnly)
        );
        assert!(matches!(
            desk.plan("doc", who("d")).unwrap(),
            Plan::Admit(AccessLevel::ReadOnly)
        ));
        assert_eq!(desk.plan("other", who("d")).unwrap_err(), refusal::ENDED);
    }

    #[test]
    fn ending_refuses_whoever_waits() {
        let desk = Desk::default();
        desk.host(hosting(None));
        let Plan::Wait(_, mut waiting) = desk.plan("doc", who("b")).unwrap() else {
            panic!("should wait")
        };
        assert_eq!(desk.end().as_deref(), Some("doc"));
        assert!(waiting.try_recv().is_err(), "the answer's sender is gone");
        assert!(desk.hosted().is_none());
    }

    #[test]
    fn wrong_codes_are_limited_per_device_and_per_workshop() {
        let desk = Desk::default();
        desk.host(hosting(Some("123456")));
        for _ in 0..MAX_TRIES_PER_DEVICE {
            desk.try_code("doc", "one").unwrap();
        }
        assert_eq!(
            desk.try_code("doc", "one").unwrap_err(),
            refusal::DEVICE_TRIES
        );
        // A right code gives its try back.
        desk.try_code("doc", "two").unwrap();
        desk.code_was_right("two");
        assert_eq!(desk.hosted().unwrap().wrong_codes, MAX_TRIES_PER_DEVICE);
        let mut device = 0;
        while desk.hosted().unwrap().wrong_codes < MAX_WRONG_PER_WORKSHOP {
            device += 1;
            desk.try_code("doc", &format!("d{device}")).unwrap();
        }
        let hosted = desk.hosted().unwrap();
        assert!(hosted.code_locked && hosted.code.is_none());
        assert_eq!(
            desk.try_code("doc", "fresh").unwrap_err(),
            refusal::CODE_LOCKED
        );
    }
}
