//! Links the release `bench` with the functions that open a charter next
//! to each other (`link-order/README.md`).

include!("../link-order/link_args.rs");
