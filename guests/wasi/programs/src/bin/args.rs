//! Prints argc and every argument after argv[0] (argv[0] is runtime-specific).
fn main() {
    let args: Vec<String> = std::env::args().collect();
    println!("argc={}", args.len());
    for (i, a) in args.iter().enumerate().skip(1) {
        println!("argv[{i}]={a}");
    }
}
