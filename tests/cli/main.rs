//! End-to-end tests of the `tollgate` binary, one module per area.

mod evaluate;
mod github;
mod keygen;
mod policy;
mod report;
mod util;
mod verify;
