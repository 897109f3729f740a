# Sourced by the test scripts. `start_fake_server LOG [server options…]` starts the fake EvoLink
# server in the background on a free loopback port, sets FAKE_PID at once (so a trap can stop it)
# and BASE once the server says where it listens; it fails if the server dies or stays silent.
start_fake_server() {
  local log=$1
  shift
  : > "$log" # now, not in the background job: a previous run's "listening" line must not be read
  node "$(dirname "${BASH_SOURCE[0]}")/server.mjs" --port 0 "$@" > "$log" 2>&1 &
  FAKE_PID=$!
  BASE=
  for _ in $(seq 100); do
    BASE=$(sed -n 's/^listening //p' "$log")
    [[ -n $BASE ]] && return 0
    kill -0 "$FAKE_PID" 2>/dev/null || { cat "$log" >&2; return 1; }
    sleep 0.1
  done
  echo "the fake server did not start" >&2
  return 1
}
