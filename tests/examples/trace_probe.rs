//! Times building a charter from the editing trace, to choose test sizes
//! (`cargo run -p guild-tests --example trace_probe`).
fn main() {
    let trace = guild_tests::trace::load_trace().expect("trace");
    for per_change in [50usize, 5_000] {
        let start = std::time::Instant::now();
        let doc =
            guild_tests::trace::trace_charter(&trace, usize::MAX, per_change).expect("charter");
        eprintln!(
            "full trace, {per_change} patches a change: built in {:?}, {} changes, saved {} bytes",
            start.elapsed(),
            doc.get_changes(&[]).len(),
            doc.save().len()
        );
    }
}
