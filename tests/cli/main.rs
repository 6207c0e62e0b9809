//! End-to-end tests of the `tollgate` binary, one module per area.

mod audit;
mod evaluate;
mod keygen;
mod policy;
mod util;
mod verify;
