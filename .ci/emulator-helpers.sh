# Helpers for .ci/interop and .ci/spec-conformance (sourced, not run): the cache of installed
# tools, the clerk-emulator binary, and emulators started in the background and read from
# their printed lines.

# Installed SDKs and tools live outside the repository, keyed by their lock files.
INTEROP_CACHE="${CLERK_INTEROP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clerk-moderation-interop}"
mkdir -p "$INTEROP_CACHE"

WORK="$(mktemp -d)"
EMULATOR_PIDS=()

stop_emulators() {
  local pid
  for pid in "${EMULATOR_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${EMULATOR_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  EMULATOR_PIDS=()
  rm -rf "$WORK"
}
trap stop_emulators EXIT

# A virtual environment with REQUIREMENTS installed, made once per content of that file.
# Prints its directory.
python_env() {
  local requirements=$1 name=$2
  local digest
  digest=$(sha256sum "$requirements" | cut -c1-16)
  local dir="$INTEROP_CACHE/$name-$digest"
  if [ ! -f "$dir/.installed" ]; then
    rm -rf "$dir"
    python3 -m venv "$dir" >&2
    "$dir/bin/pip" install --quiet --disable-pip-version-check -r "$requirements" >&2
    touch "$dir/.installed"
  fi
  echo "$dir"
}

# Builds clerk-emulator and sets EMULATOR_BIN.
build_emulator() {
  cargo build -p clerk-moderation-conformance --bin clerk-emulator --locked >&2
  local target_dir
  target_dir=$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
  EMULATOR_BIN="$target_dir/debug/clerk-emulator"
}

# start_emulator NAME ARGS...: runs clerk-emulator with ARGS in the background, standard input
# closed (as under `clerk-emulator &` in any CI), and waits for its lines in $WORK/NAME.out.
start_emulator() {
  local name=$1
  shift
  "$EMULATOR_BIN" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null &
  EMULATOR_PIDS+=("$!")
  local _
  for _ in $(seq 1 100); do
    # Every line comes in one write: with the key, the user lines are there too.
    if grep -q '^secret_key ' "$WORK/$name.out"; then
      return 0
    fi
    sleep 0.1
  done
  echo "clerk-emulator ($name) printed no secret_key line within 10 s" >&2
  cat "$WORK/$name.err" >&2
  return 1
}

# emulator_value NAME LABEL: the values of the lines labelled LABEL, one a line.
emulator_value() {
  awk -v label="$2" '$1 == label { print $2 }' "$WORK/$1.out"
}
