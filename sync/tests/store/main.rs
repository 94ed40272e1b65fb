//! Integration tests of the document store against real directories and a
//! real samod `Repo`.

// Tests: a panic with its message is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod batching;
mod common;
mod damage;
mod failures;
mod layout;
mod samod_fs;
mod samod_repo;
