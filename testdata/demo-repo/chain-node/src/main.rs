//! The demo chain's node: prints the genesis height.
#![forbid(unsafe_code)]

fn main() {
    println!("chain-node 1.4.2: genesis at height {}", chain_core::genesis().height);
}
