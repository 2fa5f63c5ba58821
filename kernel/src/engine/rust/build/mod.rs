//! Building: everything that turns the prelude and a cell into something loadable.
//!
//! - [`prelude`]: the prelude's sources, embedded in the binary and unpacked into the cache;
//! - [`setup`]: the toolchain, the build directory's manifest and flags;
//! - [`slot`]: one private build directory per kernel, warm from a copy of another;
//! - [`shared`]: the administrator's read-only cache on a multi-user server
//!   (docs/deploy.md);
//! - [`compiler`]: cargo once for the dependencies, rustc directly for every cell;
//! - [`cell_cache`]: what rustc made of a cell before, loaded instead of compiled again.

pub mod cell_cache;
pub mod compiler;
pub mod prelude;
pub mod setup;
pub mod shared;
pub mod slot;
