// SPDX-License-Identifier: GPL-2.0
//! rbond's pure logic, built on the host by `cargo test`.
//!
//! The kernel module includes the same files through `mod.rs` (see `rust/rbond.rs`); this file only
//! adds the crate-level attributes that a submodule cannot carry.
#![no_std]
#![forbid(unsafe_code)]

include!("mod.rs");
