//! Network namespaces for tests: simulated LANs and offices behind NATs,
//! made with `ip netns`, veth pairs, bridges and nftables, and deleted when
//! dropped (panic or not). Nothing here routes outside the namespaces a
//! test makes: their addresses exist only inside them.
//!
//! - [`Netns`]: one namespace; run a command in it ([`Netns::command`]) or a
//!   closure on a thread that entered it ([`Netns::enter`]).
//! - [`Room`]: a LAN of N hosts on one bridge, multicast on (mDNS works).
//! - [`Internet`] and [`Office`]: an "internet" namespace (a bridge, where a
//!   relay runs) and offices whose hosts sit behind a router doing NAT
//!   ([`Nat::EndpointIndependent`] or [`Nat::Symmetric`]) with a firewall
//!   that lets in only replies, so nothing outside can dial in.
//!
//! Tests call [`skip_reason`] (and [`nat_skip_reason`] for offices) first,
//! and say they were skipped and why when it is `Some`. Names are unique
//! per process and call, so tests running at once do not clash.

use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Why namespaces cannot be made here, if they cannot: not root, or no
/// iproute2.
pub fn skip_reason() -> Option<String> {
    if !is_root() {
        return Some("network namespaces need root".into());
    }
    if !works("ip", &["-V"]) {
        return Some("iproute2 (`ip`) is not installed".into());
    }
    None
}

/// Why offices behind NATs cannot be made here, if they cannot: what
/// [`skip_reason`] says, or no nftables.
pub fn nat_skip_reason() -> Option<String> {
    skip_reason().or_else(|| {
        (!works("nft", &["--version"])).then(|| "nftables (`nft`) is not installed".into())
    })
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
    })
}

fn works(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `program args…` to completion; its stdout, or why it failed.
fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!(
            "`{program} {}` failed ({}): {}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// A name no other namespace of this or another test process has:
/// `g<tag>-<pid>-<counter>`, the tag cut so the whole stays short (the
/// dashes keep `lan` of pid 123 apart from `lan1` of pid 23).
fn unique(tag: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let tag: String = tag
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    format!(
        "g{tag}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// One network namespace, deleted (with every interface in it) on drop.
#[derive(Debug)]
pub struct Netns {
    name: String,
}

impl Netns {
    /// A new namespace with its loopback up.
    pub fn new(tag: &str) -> Result<Self, String> {
        let name = unique(tag);
        run("ip", &["netns", "add", &name])?;
        let ns = Self { name };
        ns.ip(&["link", "set", "lo", "up"])?;
        Ok(ns)
    }

    /// Its name, as `ip netns` knows it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `program` to run inside this namespace (`ip netns exec NAME program`).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", &self.name]).arg(program);
        command
    }

    /// Runs `program args…` inside the namespace to completion.
    pub fn run(&self, program: &str, args: &[&str]) -> Result<String, String> {
        let mut all = vec!["netns", "exec", &self.name, program];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// `ip ARGS…` inside the namespace.
    pub fn ip(&self, args: &[&str]) -> Result<String, String> {
        let mut all = vec!["-n", &self.name];
        all.extend_from_slice(args);
        run("ip", &all)
    }

    /// Loads an nftables ruleset into the namespace.
    pub fn nft(&self, ruleset: &str) -> Result<(), String> {
        use std::io::Write as _;
        let mut child = self
            .command("nft")
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run nft: {e}"))?;
        child
            .stdin
            .take()
            .ok_or("nft has no stdin")?
            .write_all(ruleset.as_bytes())
            .map_err(|e| format!("cannot feed nft: {e}"))?;
        let out = child
            .wait_with_output()
            .map_err(|e| format!("nft failed: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "nft refused the ruleset: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// Runs `f` on a new thread that has entered this namespace, so the
    /// sockets it opens live here (a network namespace is per thread).
    pub fn enter<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        let path = format!("/var/run/netns/{}", self.name);
        let file = std::fs::File::open(&path).map_err(|e| format!("cannot open {path}: {e}"))?;
        std::thread::spawn(move || {
            setns(&file)?;
            Ok(f())
        })
        .join()
        .map_err(|_| "the thread in the namespace panicked".to_owned())?
    }
}

/// Moves the calling thread into the network namespace `file` names.
#[allow(unsafe_code)]
fn setns(file: &std::fs::File) -> Result<(), String> {
    use std::os::fd::AsRawFd as _;
    // SAFETY: setns(2) on an open namespace file descriptor; it changes
    // only this thread's network namespace and touches no memory of ours.
    let rc = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
    if rc == 0 {
        Ok(())
    } else {
        Err(format!("setns failed: {}", std::io::Error::last_os_error()))
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "delete", &self.name])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A veth pair from `a` (named `a_dev` there) to `b` (named `b_dev`).
fn veth(a: &Netns, a_dev: &str, b: &Netns, b_dev: &str) -> Result<(), String> {
    run(
        "ip",
        &[
            "link", "add", a_dev, "netns", &a.name, "type", "veth", "peer", "name", b_dev, "netns",
            &b.name,
        ],
    )?;
    a.ip(&["link", "set", a_dev, "up"])?;
    b.ip(&["link", "set", b_dev, "up"])?;
    Ok(())
}

/// A bridge device `dev` in `ns`, up, with multicast snooping off (so mDNS
/// reaches every port).
fn bridge(ns: &Netns, dev: &str) -> Result<(), String> {
    ns.ip(&["link", "add", dev, "type", "bridge", "mcast_snooping", "0"])?;
    ns.ip(&["link", "set", dev, "up"])?;
    Ok(())
}

/// Adds `n` hosts to the bridge `dev` in `hub`, at `subnet.(first + i)/24`,
/// each with its default route through `gateway` when given.
fn attach_hosts(
    hub: &Netns,
    dev: &str,
    tag: &str,
    n: usize,
    subnet: [u8; 3],
    first: u8,
    gateway: Option<Ipv4Addr>,
) -> Result<Vec<(Netns, Ipv4Addr)>, String> {
    let mut hosts = Vec::with_capacity(n);
    for i in 0..n {
        let host = Netns::new(tag)?;
        let last = u8::try_from(usize::from(first) + i).map_err(|_| "too many hosts")?;
        let addr = Ipv4Addr::new(subnet[0], subnet[1], subnet[2], last);
        let port = format!("p{i}");
        veth(&host, "eth0", hub, &port)?;
        hub.ip(&["link", "set", &port, "master", dev])?;
        host.ip(&["addr", "add", &format!("{addr}/24"), "dev", "eth0"])?;
        host.ip(&["link", "set", "eth0", "multicast", "on"])?;
        // mDNS goes to 224.0.0.251: without a route it has nowhere to go
        // in a namespace with no default route.
        host.ip(&["route", "add", "224.0.0.0/4", "dev", "eth0"])?;
        if let Some(gateway) = gateway {
            host.ip(&["route", "add", "default", "via", &gateway.to_string()])?;
        }
        hosts.push((host, addr));
    }
    Ok(hosts)
}

/// A LAN "room": N hosts, each in its own namespace, on one bridge (in a
/// namespace of its own) with multicast on, at 10.77.0.1, .2, …
#[derive(Debug)]
pub struct Room {
    // Hosts first: dropped before the bridge they hang on.
    hosts: Vec<(Netns, Ipv4Addr)>,
    _hub: Netns,
}

impl Room {
    /// The room's subnet (/24), which exists only inside its namespaces.
    pub const SUBNET: [u8; 3] = [10, 77, 0];

    /// A room of `n` hosts (at most 250).
    pub fn new(tag: &str, n: usize) -> Result<Self, String> {
        if n > 250 {
            return Err("a room holds at most 250 hosts".into());
        }
        let hub = Netns::new(&format!("{tag}hub"))?;
        bridge(&hub, "br0")?;
        let hosts = attach_hosts(&hub, "br0", tag, n, Self::SUBNET, 1, None)?;
        Ok(Self { hosts, _hub: hub })
    }

    /// How many hosts.
    pub fn len(&self) -> usize {
        self.hosts.len()
    }

    /// Whether it has no host.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// Host `i`'s namespace name.
    pub fn ns(&self, i: usize) -> &str {
        self.hosts[i].0.name()
    }

    /// Host `i`'s namespace.
    pub fn host(&self, i: usize) -> &Netns {
        &self.hosts[i].0
    }

    /// Host `i`'s address on the room's LAN.
    pub fn ip(&self, i: usize) -> Ipv4Addr {
        self.hosts[i].1
    }

    /// `program` to run on host `i`.
    pub fn command(&self, i: usize, program: impl AsRef<std::ffi::OsStr>) -> Command {
        self.hosts[i].0.command(program)
    }
}

/// How an office's router maps its hosts' UDP flows to its public address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nat {
    /// One public port per host socket, whatever it sends to (nftables
    /// `masquerade`: Linux keeps the source port when it is free), so a
    /// peer told the port can punch a hole: most home and office routers.
    EndpointIndependent,
    /// A new random public port for every destination (`masquerade
    /// fully-random`): a hole punched towards one peer is no use to
    /// another, so traffic stays relayed.
    Symmetric,
}

/// The "internet": a namespace with a bridge at 203.0.113.1/24
/// (TEST-NET-3, routed nowhere), to which offices' routers and servers
/// attach. Things run in it directly too (the relay).
#[derive(Debug)]
pub struct Internet {
    ns: Netns,
    next: AtomicUsize,
}

impl Internet {
    /// The internet's own address (where its relay listens).
    pub const ADDR: Ipv4Addr = Ipv4Addr::new(203, 0, 113, 1);

    /// A new internet.
    pub fn new(tag: &str) -> Result<Self, String> {
        let ns = Netns::new(&format!("{tag}net"))?;
        bridge(&ns, "br0")?;
        ns.ip(&["addr", "add", &format!("{}/24", Self::ADDR), "dev", "br0"])?;
        Ok(Self {
            ns,
            next: AtomicUsize::new(0),
        })
    }

    /// The internet's namespace.
    pub fn ns(&self) -> &Netns {
        &self.ns
    }

    /// A router's public address and the port name it hangs on.
    fn plug(&self) -> Result<(Ipv4Addr, String), String> {
        let k = self.next.fetch_add(1, Ordering::Relaxed);
        let last = u8::try_from(10 + k).map_err(|_| "too many offices")?;
        Ok((Ipv4Addr::new(203, 0, 113, last), format!("o{k}")))
    }
}

/// An office: hosts on a LAN (10.0.K.0/24) behind a router namespace that
/// NATs them onto the internet and lets in only replies.
#[derive(Debug)]
pub struct Office {
    hosts: Vec<(Netns, Ipv4Addr)>,
    router: Netns,
    public: Ipv4Addr,
}

impl Office {
    /// An office of `n` hosts behind a router doing `nat`, plugged into
    /// `internet`.
    pub fn new(tag: &str, internet: &Internet, nat: Nat, n: usize) -> Result<Self, String> {
        let router = Netns::new(&format!("{tag}rt"))?;
        let (public, port) = internet.plug()?;
        veth(&router, "wan", &internet.ns, &port)?;
        internet.ns.ip(&["link", "set", &port, "master", "br0"])?;
        router.ip(&["addr", "add", &format!("{public}/24"), "dev", "wan"])?;
        let k = public.octets()[3];
        let subnet = [10, 0, k];
        let gateway = Ipv4Addr::new(10, 0, k, 1);
        bridge(&router, "lan")?;
        router.ip(&["addr", "add", &format!("{gateway}/24"), "dev", "lan"])?;
        router.run("sysctl", &["-qw", "net.ipv4.ip_forward=1"])?;
        let masquerade = match nat {
            Nat::EndpointIndependent => "masquerade",
            Nat::Symmetric => "masquerade fully-random",
        };
        // Outbound is NATed; inbound only as replies (conntrack), so no
        // one outside reaches a host unless it sent first: a hole punch.
        router.nft(&format!(
            "table ip guild_nat {{
               chain nat_out {{ type nat hook postrouting priority srcnat; oifname \"wan\" {masquerade}; }}
               chain filter_fwd {{ type filter hook forward priority filter; policy drop;
                 ct state established,related accept
                 iifname \"lan\" oifname \"wan\" accept
               }}
               chain filter_in {{ type filter hook input priority filter; policy accept;
                 iifname \"wan\" ct state new drop
               }}
             }}"
        ))?;
        let hosts = attach_hosts(&router, "lan", tag, n, subnet, 2, Some(gateway))?;
        Ok(Self {
            hosts,
            router,
            public,
        })
    }

    /// Host `i`'s namespace.
    pub fn host(&self, i: usize) -> &Netns {
        &self.hosts[i].0
    }

    /// Host `i`'s address on the office LAN (not reachable from outside).
    pub fn ip(&self, i: usize) -> Ipv4Addr {
        self.hosts[i].1
    }

    /// The router's namespace.
    pub fn router(&self) -> &Netns {
        &self.router
    }

    /// The office's public address on the internet.
    pub fn public(&self) -> Ipv4Addr {
        self.public
    }

    /// Cuts the office off the internet (its laptops "go offline") or plugs
    /// it back in.
    pub fn set_online(&self, online: bool) -> Result<(), String> {
        let state = if online { "up" } else { "down" };
        self.router.ip(&["link", "set", "wan", state])?;
        Ok(())
    }
}

impl Drop for Office {
    fn drop(&mut self) {
        // Hosts before their router (fields drop in order anyway; the
        // explicit clear says it matters).
        self.hosts.clear();
    }
}
