// files.rs (Rust: Debian's rustc 1.63, --target wasm32-wasi):
// tests/e2e/test_wasi_corpus.sh packs it with a tree and compares its
// output with the unpacked module's on a host directory.
// Reads a file with std::fs, lists a directory sorted with
// each entry's kind and size, and collects words in a BTreeMap.
use std::collections::BTreeMap;
use std::fs;
use std::process::exit;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        exit(2);
    }
    let text = match fs::read_to_string(&args[1]) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{}: {}", args[1], e);
            exit(3);
        }
    };
    print!("rust: {}: {} bytes: {}", args[1], text.len(), text);
    let mut words = BTreeMap::new();
    for w in text.split_whitespace() {
        *words.entry(w).or_insert(0) += 1;
    }
    for (w, n) in &words {
        println!("rust: word {} {}", w, n);
    }
    let mut names: Vec<(String, bool, u64)> = fs::read_dir(&args[2])
        .unwrap_or_else(|e| {
            eprintln!("{}: {}", args[2], e);
            exit(4)
        })
        .map(|e| {
            let e = e.expect("entry");
            let m = fs::metadata(e.path()).expect("metadata");
            (e.file_name().to_string_lossy().into_owned(), m.is_dir(), if m.is_dir() { 0 } else { m.len() })
        })
        .collect();
    names.sort();
    for (n, dir, len) in names {
        println!("rust: {} {} {}", n, if dir { "dir" } else { "file" }, len);
    }
}
