//! Prints the environment, sorted, one `KEY=VALUE` per line.
fn main() {
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    println!("count={}", vars.len());
    for (k, v) in vars {
        println!("{k}={v}");
    }
}
