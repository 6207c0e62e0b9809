fn main() {
    println!("chain-wallet fixture");
}
