//! Time per guess over the corpus: `cargo bench -p domain --bench guess`.

use std::hint::black_box;
use std::time::Instant;

fn main() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/filenames.jsonl"
    ))
    .expect("the corpus exists");
    let names: Vec<(String, Option<String>)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["input"].as_str().unwrap().to_owned(),
                v["folder"].as_str().map(str::to_owned),
            )
        })
        .collect();
    // Warm up, then time enough rounds for a stable figure.
    for (name, folder) in &names {
        black_box(domain::identify::guess::guess_with_folder(
            name,
            folder.as_deref(),
        ));
    }
    let rounds = 200;
    let started = Instant::now();
    for _ in 0..rounds {
        for (name, folder) in &names {
            black_box(domain::identify::guess::guess_with_folder(
                black_box(name),
                folder.as_deref(),
            ));
        }
    }
    let per = started.elapsed() / (rounds * names.len() as u32);
    println!(
        "{} names x {rounds} rounds: {:.2} µs per guess",
        names.len(),
        per.as_secs_f64() * 1e6
    );
}
