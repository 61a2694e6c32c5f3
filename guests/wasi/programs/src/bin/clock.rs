//! Checks realtime and monotonic clocks and a 20 ms sleep (poll_oneoff on a clock).
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn main() {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    println!("realtime after 2020: {}", now.as_secs() > 1_577_836_800);
    let a = Instant::now();
    let b = Instant::now();
    println!("monotonic non-decreasing: {}", b >= a);
    std::thread::sleep(Duration::from_millis(20));
    let slept = a.elapsed();
    println!("sleep 20ms took >= 20ms: {}", slept >= Duration::from_millis(20));
    println!("sleep 20ms took < 5s: {}", slept < Duration::from_secs(5));
}
