//! End-to-end tests of the `tollgate` binary, one module per area.

mod evaluate;
mod keygen;
mod policy;
mod util;
mod verify;
