//! `guild relay`: run the community's relay server (the flags, the config
//! file, the logs and a clean stop), and `guild relay use DOC URL`: the
//! relay a charter's community uses, remembered on this device.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use guild_sync::Library;
use guild_sync::net::relays;
use guild_sync::relay::{RelayFile, RunningRelay};

use super::output::Out;

/// `guild relay [FLAGS]` runs a relay; `guild relay use DOC [URL|off]`
/// sets (or shows) a charter's relay.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct RelayArgs {
    #[command(subcommand)]
    command: Option<RelayCommand>,
    /// A TOML config file (`listen`, `https_listen`, `cert`, `key`,
    /// `acme_domains`, `acme_contact`, `acme_cache`, `quic_listen`, `allow`,
    /// `allow_files`, `tokens`, `anyone`); flags win.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The PEM certificate chain for HTTPS (with --key).
    #[arg(long, value_name = "FILE")]
    cert: Option<PathBuf>,
    /// The PEM private key for HTTPS (with --cert).
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,
    /// Get the HTTPS certificate from Let's Encrypt for this name (instead of --cert/--key); repeat for more.
    #[arg(long, value_name = "DOMAIN")]
    acme_domain: Vec<String>,
    /// The e-mail address Let's Encrypt writes to (with --acme-domain).
    #[arg(long, value_name = "EMAIL")]
    acme_contact: Option<String>,
    /// Where ACME keeps its account and certificates across restarts (with --acme-domain).
    #[arg(long, value_name = "DIR")]
    acme_cache: Option<PathBuf>,
    /// Where HTTPS listens [default: 0.0.0.0:443].
    #[arg(long, value_name = "ADDR")]
    https_listen: Option<SocketAddr>,
    /// Serve QUIC address discovery here (needs TLS), which helps devices behind NATs connect directly.
    #[arg(long, value_name = "ADDR")]
    quic_listen: Option<SocketAddr>,
    /// Relay for this device (endpoint id, as `guild devices` lists it); repeat for more.
    #[arg(long, value_name = "ID")]
    allow: Vec<String>,
    /// Relay for the devices listed in this file (one endpoint id a line, re-read at each connection).
    #[arg(long, value_name = "FILE")]
    allow_file: Vec<PathBuf>,
    /// Relay for anyone whose relay URL carries `?token=SECRET` with this secret.
    #[arg(long, value_name = "SECRET")]
    token: Vec<String>,
    /// As --token, the secret read from a file (kept out of the process list).
    #[arg(long, value_name = "FILE")]
    token_file: Vec<PathBuf>,
    /// Relay for anyone (a relay on a closed network only).
    #[arg(long)]
    anyone: bool,
}

#[derive(Debug, clap::Subcommand)]
enum RelayCommand {
    /// Use a relay for a charter on this device, every time it connects for it (or `off`; no URL shows it).
    Use {
        /// The charter.
        doc: String,
        /// The relay's URL (`http://HOST:PORT`, `https://HOST`, with `?token=SECRET` if it wants one), or `off`.
        url: Option<String>,
    },
    /// Print the endpoint id of every device on every charter here (revoked ones left out), one a line: a relay's allow file.
    Devices,
}

impl RelayArgs {
    /// Whether this runs a relay server (not `relay use`).
    pub(crate) fn runs_server(&self) -> bool {
        self.command.is_none()
    }
}

/// Runs the relay until SIGINT or SIGTERM; `listen` is the global `--listen`.
pub(crate) fn serve(args: RelayArgs, listen: Option<SocketAddr>) -> Result<()> {
    let file = match &args.config {
        Some(path) => RelayFile::read(path)?,
        None => RelayFile::default(),
    };
    let mut tokens = args.token;
    for path in &args.token_file {
        let secret = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the secret in {}", path.display()))?;
        tokens.push(secret.trim().to_owned());
    }
    let flags = RelayFile {
        listen,
        https_listen: args.https_listen,
        cert: args.cert,
        key: args.key,
        acme_domains: args.acme_domain,
        acme_contact: args.acme_contact,
        acme_cache: args.acme_cache,
        quic_listen: args.quic_listen,
        allow: args.allow,
        allow_files: args.allow_file,
        tokens,
        anyone: args.anyone,
    };
    let settings = file.overridden_by(flags).settings()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the relay's runtime")?;
    runtime.block_on(async move {
        let mut relay = RunningRelay::start(settings).await?;
        if let Some(url) = relay.url() {
            println!("relay: {url}");
        }
        for (what, addr) in [
            ("http", relay.http_addr()),
            ("https", relay.https_addr()),
            ("quic address discovery", relay.quic_addr()),
        ] {
            if let Some(addr) = addr {
                println!("listening ({what}) on: {addr}");
            }
        }
        tracing::info!("relay ready");
        tokio::select! {
            () = super::shutdown::signalled() => {
                tracing::info!("shutting down: closing every device's connection");
                relay.shutdown().await?;
                Ok(())
            }
            stopped = relay.stopped() => {
                stopped?;
                bail!("the relay stopped on its own")
            }
        }
    })
}

/// `guild relay use DOC [URL|off]` and `guild relay devices`.
pub(super) async fn command(out: &mut Out, library: &Library, args: RelayArgs) -> Result<()> {
    match args.command {
        Some(RelayCommand::Use { doc, url }) => use_relay(out, library, &doc, url.as_deref()),
        Some(RelayCommand::Devices) => devices(out, library).await,
        None => bail!("`guild relay` runs only on its own"),
    }
}

/// Every admitted device of every charter here, for a relay's allow file
/// (`guild relay devices > devices.txt`, re-read by the relay at each
/// connection).
async fn devices(out: &mut Out, library: &Library) -> Result<()> {
    let mut ids = std::collections::BTreeSet::new();
    for doc in library.document_ids()? {
        let access = library.access(&doc).await?;
        ids.extend(
            access
                .devices
                .keys()
                .filter(|e| !access.revoked.contains_key(*e))
                .cloned(),
        );
    }
    for id in &ids {
        let _ = writeln!(out.stdout, "{id}");
    }
    let _ = writeln!(out.stderr, "guild: {} device(s)", ids.len());
    Ok(())
}

/// `guild relay use DOC [URL|off]`.
fn use_relay(out: &mut Out, library: &Library, doc: &str, url: Option<&str>) -> Result<()> {
    let doc = library.resolve(doc)?;
    let data_dir = library.data_dir();
    match url {
        None => match relays::remembered_for(data_dir, &doc) {
            Some(url) => {
                let _ = writeln!(out.stdout, "{url}");
            }
            None => {
                let _ = writeln!(out.stderr, "guild: no relay for {doc}: direct only");
            }
        },
        Some("off") => {
            relays::remember(data_dir, &doc, None).context("cannot forget the relay")?;
            let _ = writeln!(
                out.stderr,
                "guild: {doc} connects directly only from now on"
            );
        }
        Some(url) => {
            relays::parse_relay(url).map_err(anyhow::Error::msg)?;
            relays::remember(data_dir, &doc, Some(url)).context("cannot remember the relay")?;
            let _ = writeln!(
                out.stderr,
                "guild: {doc} uses the relay {} on this device from now on",
                hide_token(url)
            );
        }
    }
    Ok(())
}

/// A relay URL fit to print: its token, if any, hidden.
pub(crate) fn hide_token(url: &str) -> String {
    match url.split_once("token=") {
        Some((before, _)) => format!("{before}token=…"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::hide_token;

    #[test]
    fn tokens_are_not_printed() {
        assert_eq!(
            hide_token("http://r:1/?token=s3cret"),
            "http://r:1/?token=…"
        );
        assert_eq!(hide_token("http://r:1"), "http://r:1");
    }
}
