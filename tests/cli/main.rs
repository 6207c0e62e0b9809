//! End-to-end tests of the `tollgate` binary, one module per area.

mod evaluate;
mod keygen;
mod policy;
mod real_deps;
mod sbom;
mod util;
mod verify;
