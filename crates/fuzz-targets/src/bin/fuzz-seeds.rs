//! Writes the seed corpora to `fuzz/corpus/NAME/` (or the directory given).

fn main() -> std::io::Result<()> {
    let root = std::env::args()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus")
        });
    for (target, name, bytes) in minsheng_fuzz_targets::seeds::seeds() {
        let dir = root.join(target);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join(name), bytes)?;
    }
    println!("seeds written under {}", root.display());
    Ok(())
}
