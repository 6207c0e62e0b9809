fn main() {
    let mut buffer = itoa::Buffer::new();
    println!("{} {}", buffer.format(node_lib::height()), node_lib::epoch());
}
