#!/usr/bin/env bash
# Fuzzes every parser of outside bytes with cargo-fuzz (libFuzzer). See fuzz/README.md.
#
#   scripts/fuzz.sh [--quick|--full] [TARGET…]
#
#   --quick (default)  every target for 15 s (MINSHENG_FUZZ_SECONDS overrides); the test command
#                      runs this
#   --full             every target for 10 minutes, with AddressSanitizer (MINSHENG_FUZZ_SECONDS,
#                      MINSHENG_FUZZ_SANITIZER override)
#
# Prints one line per target, `fuzz target=NAME runs=N crashes=C seconds=S`, and exits non-zero
# if any target crashed (the input is kept under fuzz/artifacts/NAME/ and named in the output).
#
# Toolchain: nightly when installed; otherwise the stable toolchain with RUSTC_BOOTSTRAP=1, which
# lets stable accept the -Z flags cargo-fuzz passes (nothing is downloaded). cargo-fuzz itself is
# installed from crates.io into target/fuzz-tools when it is not on the PATH. Builds go to
# fuzz/target (MINSHENG_FUZZ_TARGET_DIR overrides), never the workspace's target directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

log() { printf '[fuzz] %s\n' "$*" >&2; }

mode=quick
targets=()
for a in "$@"; do
  case "$a" in
    --quick) mode=quick ;;
    --full) mode=full ;;
    -h | --help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) log "unknown option $a"; exit 2 ;;
    *) targets+=("$a") ;;
  esac
done
all=$(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^minsheng-fuzz$')
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets <<<"$all"
fi
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$all" || { log "no target $t (have: $(echo $all))"; exit 2; }
done

# The quick mode runs in every test run: a fixed seed makes it a reproducible regression check
# (the same mutations from the same corpus), so a test run cannot fail at random. The full
# mode explores with a fresh seed each time; what it finds goes into fuzz/regressions/.
if [ "$mode" = quick ]; then
  seconds=${MINSHENG_FUZZ_SECONDS:-15}
  sanitizer=${MINSHENG_FUZZ_SANITIZER:-none}
  seed=${MINSHENG_FUZZ_SEED:-1}
else
  seconds=${MINSHENG_FUZZ_SECONDS:-600}
  sanitizer=${MINSHENG_FUZZ_SANITIZER:-address}
  seed=${MINSHENG_FUZZ_SEED:-0}
fi

# The toolchain: nightly if present, else stable allowed to take nightly flags.
toolchain=()
if rustup run nightly rustc --version >/dev/null 2>&1; then
  toolchain=(+nightly)
  log "toolchain: $(rustc +nightly --version)"
else
  export RUSTC_BOOTSTRAP=1
  log "toolchain: $(rustc --version) with RUSTC_BOOTSTRAP=1 (no nightly installed)"
fi

# cargo-fuzz: the one on the PATH, or a pinned one installed into target/fuzz-tools.
CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version >/dev/null 2>&1; then
  tools="$root/target/fuzz-tools"
  if [ ! -x "$tools/bin/cargo-fuzz" ]; then
    log "installing cargo-fuzz $CARGO_FUZZ_VERSION from crates.io into $tools"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked --root "$tools" >&2
  fi
  export PATH="$tools/bin:$PATH"
fi

build_dir=${MINSHENG_FUZZ_TARGET_DIR:-$root/fuzz/target}
# Different sanitizers need different builds; keep them apart so switching does not rebuild.
build_dir="$build_dir/$sanitizer"
flags=(--sanitizer "$sanitizer" --debug-assertions --target-dir "$build_dir")

started=$(date +%s)
log "building ${#targets[@]} target(s) (sanitizer $sanitizer) into $build_dir"
if [ ${#targets[@]} -eq "$(wc -l <<<"$all")" ]; then build=(""); else build=("${targets[@]}"); fi
for t in "${build[@]}"; do
  # shellcheck disable=SC2086 # an empty name builds every target
  (cd fuzz && cargo "${toolchain[@]}" fuzz build "${flags[@]}" $t) >&2 ||
    { log "the fuzz build failed"; exit 1; }
done
log "build took $(($(date +%s) - started)) s"

work="$build_dir/run"
failed=()
for t in "${targets[@]}"; do
  corpus="$work/corpus/$t"
  artifacts="$root/fuzz/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  out="$work/$t.log"
  # The first corpus directory collects what libFuzzer finds; the committed seeds are only read.
  set +e
  (cd fuzz && cargo "${toolchain[@]}" fuzz run "${flags[@]}" "$t" "$corpus" "corpus/$t" -- \
    -seed="$seed" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
    -max_len=8192 -artifact_prefix="$artifacts/" -print_final_stats=1) >"$out" 2>&1
  rc=$?
  set -e
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out" | tail -n 1)
  if [ "$rc" -eq 0 ]; then crashes=0; else crashes=1; failed+=("$t"); fi
  echo "fuzz target=$t runs=${runs:-0} crashes=$crashes seconds=$seconds"
  if [ "$rc" -ne 0 ]; then
    log "$t crashed (exit $rc); the last lines of $out:"
    grep -E 'panicked|ERROR|SUMMARY|Test unit written|artifact' "$out" | head -n 20 >&2 || tail -n 30 "$out" >&2
  fi
done
log "fuzzing took $(($(date +%s) - started)) s in all"
if [ ${#failed[@]} -gt 0 ]; then
  log "crashed: ${failed[*]} (inputs under fuzz/artifacts/; replay with: cargo fuzz run TARGET FILE)"
  exit 1
fi
