// Included by `app/build.rs` and `tests/build.rs`: a release build on Linux
// links its binaries with the functions that opening a charter runs placed
// next to each other, in the order `order.txt` gives (`README.md` here).

fn main() {
    let order = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../link-order/order.txt");
    println!("cargo::rerun-if-changed={}", order.display());
    let release = std::env::var("PROFILE").is_ok_and(|profile| profile == "release");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").is_ok_and(|os| os == "linux");
    if release && linux {
        println!(
            "cargo::rustc-link-arg-bins=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        // a function renamed since the file was made is simply not placed
        println!("cargo::rustc-link-arg-bins=-Wl,--no-warn-symbol-ordering");
    }
}
