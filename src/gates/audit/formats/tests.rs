//! Parser tests against the committed fixtures made by real cargo-audit and cargo-deny.
