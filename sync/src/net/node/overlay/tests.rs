//! The ring's plan, checked on every room size a workshop has: connected,
//! bounded degree, few hops, and still connected when a device leaves.

use std::collections::{BTreeSet, HashSet, VecDeque};

use super::{Plan, Reach, offsets, plan};

fn ring(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("dev{i:03}")).collect()
}

/// The links of a room where `absent` devices are gone, as every present
/// device plans them (a link is undirected: either side may dial).
fn links(ring: &[String], absent: &HashSet<String>) -> BTreeSet<(String, String)> {
    let mut links = BTreeSet::new();
    for me in ring.iter().filter(|d| !absent.contains(*d)) {
        let reach = |d: &str| {
            if absent.contains(d) {
                Reach::Absent
            } else {
                Reach::Connected
            }
        };
        for other in plan(ring, me, reach).neighbours {
            let (a, b) = if *me < other {
                (me.clone(), other)
            } else {
                (other, me.clone())
            };
            links.insert((a, b));
        }
    }
    links
}

/// The most hops from `from` to any present device, or `None` if one is
/// unreachable.
fn eccentricity(
    ring: &[String],
    absent: &HashSet<String>,
    links: &BTreeSet<(String, String)>,
    from: &str,
) -> Option<usize> {
    let mut hops = std::collections::HashMap::from([(from.to_owned(), 0usize)]);
    let mut queue = VecDeque::from([from.to_owned()]);
    while let Some(at) = queue.pop_front() {
        let here = hops[&at];
        for (a, b) in links {
            let next = if *a == at {
                b
            } else if *b == at {
                a
            } else {
                continue;
            };
            if !hops.contains_key(next) {
                hops.insert(next.clone(), here + 1);
                queue.push_back(next.clone());
            }
        }
    }
    let present = ring.iter().filter(|d| !absent.contains(*d));
    let mut most = 0;
    for device in present {
        most = most.max(*hops.get(device)?);
    }
    Some(most)
}

fn degree(links: &BTreeSet<(String, String)>, device: &str) -> usize {
    links
        .iter()
        .filter(|(a, b)| a == device || b == device)
        .count()
}

#[test]
fn offsets_are_the_next_two_and_from_eight_devices_the_opposite_one() {
    assert_eq!(offsets(1), Vec::<usize>::new());
    assert_eq!(offsets(2), vec![1]);
    assert_eq!(offsets(3), vec![1, 2]);
    assert_eq!(offsets(7), vec![1, 2]);
    assert_eq!(offsets(8), vec![1, 2, 4]);
    assert_eq!(offsets(48), vec![1, 2, 24]);
}

#[test]
fn every_room_size_is_connected_with_few_links_and_few_hops() {
    for n in 2..=64 {
        let ring = ring(n);
        let none = HashSet::new();
        let links = links(&ring, &none);
        let mut worst_hops = 0;
        for device in &ring {
            let degree = degree(&links, device);
            assert!(degree <= 6, "{n} devices: {device} has {degree} links");
            let hops = eccentricity(&ring, &none, &links, device)
                .unwrap_or_else(|| panic!("{n} devices: not all reachable from {device}"));
            worst_hops = worst_hops.max(hops);
        }
        // Without the opposite links a ring of 48 would need 12 hops.
        let bound = if n <= 8 { 2 } else { n / 6 + 1 };
        assert!(worst_hops <= bound, "{n} devices: {worst_hops} hops");
        // The links grow with the room, not its square.
        assert!(links.len() <= 3 * n, "{n} devices: {} links", links.len());
    }
}

#[test]
fn any_one_or_two_devices_leaving_leaves_the_rest_connected() {
    for n in [3, 5, 8, 13, 24, 48] {
        let ring = ring(n);
        for gone in 0..n {
            for also in [None, Some((gone + 1) % n), Some((gone + n / 2) % n)] {
                let absent: HashSet<String> = std::iter::once(gone)
                    .chain(also)
                    .map(|i| ring[i].clone())
                    .collect();
                if absent.len() >= n - 1 {
                    continue;
                }
                let links = links(&ring, &absent);
                let from = ring.iter().find(|d| !absent.contains(*d)).unwrap();
                assert!(
                    eccentricity(&ring, &absent, &links, from).is_some(),
                    "{n} devices without {absent:?}: split"
                );
            }
        }
    }
}

#[test]
fn an_absent_neighbour_is_passed_over_and_still_dialled() {
    let ring = ring(10);
    let me = &ring[0];
    let everyone_here = plan(&ring, me, |_| Reach::Trying);
    assert_eq!(
        everyone_here,
        Plan {
            neighbours: vec![ring[1].clone(), ring[2].clone(), ring[5].clone()],
            passed_over: vec![],
        }
    );
    let without_1 = plan(&ring, me, |d| {
        if d == ring[1] {
            Reach::Absent
        } else {
            Reach::Idle
        }
    });
    assert_eq!(
        without_1,
        Plan {
            neighbours: vec![ring[2].clone(), ring[3].clone(), ring[5].clone()],
            passed_over: vec![ring[1].clone()],
        }
    );
}

#[test]
fn a_device_not_on_the_ring_plans_nothing_and_a_lone_one_too() {
    let ring = ring(4);
    assert_eq!(plan(&ring, "stranger", |_| Reach::Idle), Plan::default());
    assert_eq!(plan(&ring[..1], &ring[0], |_| Reach::Idle), Plan::default());
}
