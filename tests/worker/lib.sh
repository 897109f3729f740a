# What run.sh and r2.sh share, sourced by both after they set ROOT, HERE, EXAMPLE, BIN and SCRATCH:
# the example copied with the packed package, wrangler's bundle, the fake server with the clean-up
# of what was started, and the summary of a node:test run.

# Installs the packed pkg/ (only it, offline) into a fresh copy of the example in $SCRATCH, with
# the test files named as arguments (from $HERE), and enters $SCRATCH.
install_example() {
  echo "--> installing the packed package into a copy of the example (${SCRATCH#"$ROOT"/})"
  rm -rf "$SCRATCH"
  mkdir -p "$SCRATCH/logs"
  cp -r "$EXAMPLE/src" "$EXAMPLE/wrangler.toml" "$EXAMPLE/package.json" "$SCRATCH/"
  cd "$SCRATCH"
  # The example depends on evolink-tasks (and wrangler, for its users): keep only the tarball.
  node -e '
    const fs = require("fs"); const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
    if (!p.dependencies?.["evolink-tasks"]) throw new Error("the example does not depend on evolink-tasks");
    delete p.dependencies["evolink-tasks"]; delete p.devDependencies;
    fs.writeFileSync("package.json", JSON.stringify(p, null, 2));'
  local tarball file
  tarball=$(timeout 60 npm pack "$ROOT/pkg" --pack-destination . --silent)
  timeout 60 npm install --offline --no-audit --no-fund --loglevel=error "./$tarball"
  for file in "$@"; do cp "$HERE/$file" .; done
}

# Bundles the example as users deploy it: the real `wrangler deploy --dry-run --outdir dist` (no
# account, no network: metrics, error reports and the update check are off). Sets $wasm, the one
# .wasm file of the output.
bundle_with_wrangler() {
  echo "--> bundling with wrangler deploy --dry-run"
  WRANGLER_SEND_METRICS=false WRANGLER_SEND_ERROR_REPORTS=false WRANGLER_HIDE_BANNER=true \
    XDG_CONFIG_HOME=$SCRATCH/.config WRANGLER_LOG_PATH=$SCRATCH/logs/wrangler.log \
    timeout 120 "$BIN/wrangler" deploy --dry-run --outdir dist > logs/wrangler.out 2>&1 \
    || { cat logs/wrangler.out >&2; exit 1; }
  wasm=$(cd dist && ls -- *.wasm)
  [[ $(wc -l <<< "$wasm") == 1 && -n $wasm ]] || { echo "wrangler's output has not one .wasm: $wasm" >&2; exit 1; }
}

# Starts the fake EvoLink server (ids of EvoLink's shape; sets $BASE) and stops what was started
# (the PIDs in `pids`) when the script exits.
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
start_fake_evolink() {
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  echo "--> starting the fake server"
  source "$ROOT/tests/fake-server/start.sh"
  local started=0
  start_fake_server logs/fake-server.log --evolink-ids && started=1
  pids+=("$FAKE_PID")
  ((started)) || exit 1
}

random() { node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))'; }

# Prints the outcome of the node:test run logged in logs/test.log (exit status $2; with $3, the
# glob of logs whose last lines to show on a failure) as "$1: N passed, M failed"; returns 0 only
# if every test passed.
summarise_tests() {
  local name=$1 rc=$2 log passed failed
  grep -E '^(not ok|# (tests|pass|fail|duration_ms)) ' logs/test.log || true
  if [[ -f logs/report.txt ]]; then cat logs/report.txt; fi
  if grep -q '^not ok' logs/test.log; then
    echo "--- failures (logs/test.log)"; grep -A25 '^ *not ok' logs/test.log | head -150
    if [[ -n ${3:-} ]]; then
      for log in $3; do [[ -f $log ]] && { echo "--- $log (last lines)"; tail -5 "$log"; }; done
    fi
  fi
  passed=$(sed -n 's/^# pass //p' logs/test.log)
  failed=$(sed -n 's/^# fail //p' logs/test.log)
  if [[ -z $passed ]]; then
    echo "the test run did not report (exit $rc)"; tail -20 logs/test.log; passed=0 failed=${failed:-1}
  elif ((rc != 0 && failed == 0)); then
    echo "the test run exited $rc without reporting a failure"; failed=1
  fi
  echo "--> done in $SECONDS s"
  echo "$name: $passed passed, $failed failed"
  ((failed == 0))
}
