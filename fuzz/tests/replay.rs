//! Replays every committed input through the same bodies the fuzz targets
//! run: `corpus/<target>/*` (seeds and what the fuzzer kept) and
//! `regressions/<target>/*` (inputs that once found a bug, now fixed).
//! `regressions-pending/` holds crashers whose fix is not in yet and is not
//! replayed.
//!
//! One test, run sequentially: the `hostcalls` body counts the process's
//! open fds before and after, which parallel tests would disturb.

use std::{fs, path::Path};

fn replay_dir(dir: &Path) -> usize {
    let Ok(targets) = fs::read_dir(dir) else {
        return 0;
    };
    let mut count = 0;
    let mut targets: Vec<_> = targets.filter_map(Result::ok).collect();
    targets.sort_by_key(|e| e.file_name());
    for target_dir in targets.into_iter().filter(|e| e.path().is_dir()) {
        let name = target_dir.file_name().to_string_lossy().into_owned();
        let Some(body) = fdvirt_fuzz::target(&name) else {
            panic!("{}: no fuzz target named {name}", dir.display());
        };
        let mut files: Vec<_> = fs::read_dir(target_dir.path())
            .expect("readable corpus directory")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        for file in files {
            let data = fs::read(&file).expect("readable corpus file");
            eprintln!("replay {}", file.display());
            body(&data);
            count += 1;
        }
    }
    count
}

#[test]
fn replay_corpus_and_regressions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (name, _) in fdvirt_fuzz::TARGETS {
        let n = fs::read_dir(root.join("corpus").join(name))
            .map(Iterator::count)
            .unwrap_or(0);
        assert!(n > 0, "fuzz/corpus/{name} is empty");
    }
    let corpus = replay_dir(&root.join("corpus"));
    let regressions = replay_dir(&root.join("regressions"));
    eprintln!("replayed {corpus} corpus inputs and {regressions} regression inputs");
}
