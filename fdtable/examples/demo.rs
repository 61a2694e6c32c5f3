//! Prints the fds each policy hands out, to see the policies side by side.
//!
//! Run: `cargo run -p fdtable --example demo [POLICY...]`, e.g.
//! `cargo run -p fdtable --example demo -- lowest,quarantine=2 capped:16,seed=1`.
//! Without arguments it shows a default set. Each run: stdio at 0-2, five
//! inserts, close the 2nd and 4th, five more inserts.

use fdtable::{FdPolicy, FdTable};

fn show(policy: FdPolicy) -> Result<(), fdtable::FdError> {
    let mut table = FdTable::new(policy.clone());
    for (fd, name) in ["stdin", "stdout", "stderr"].into_iter().enumerate() {
        table.insert_at(fd as u32, name.to_owned())?;
    }
    let first: Vec<u32> = (0..5)
        .map(|i| table.insert(format!("file{i}")))
        .collect::<Result<_, _>>()?;
    table.remove(first[1]);
    table.remove(first[3]);
    let second: Vec<u32> = (5..10)
        .map(|i| table.insert(format!("file{i}")))
        .collect::<Result<_, _>>()?;
    println!("{policy}");
    println!("  insert x5:          {first:?}");
    println!("  close {} and {}", first[1], first[3]);
    println!("  insert x5:          {second:?}");
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let policies: Vec<String> = if args.is_empty() {
        [
            "lowest,floor=3",
            "lowest,floor=3,quarantine=3",
            "random,seed=42",
            "capped:16,seed=42",
            "capped:16,seed=42,quarantine=4",
        ]
        .map(String::from)
        .to_vec()
    } else {
        args
    };
    for text in policies {
        let result = text
            .parse::<FdPolicy>()
            .map_err(|e| e.to_string())
            .and_then(|p| show(p).map_err(|e| e.to_string()));
        if let Err(e) = result {
            eprintln!("{text}: {e}");
        }
    }
}
