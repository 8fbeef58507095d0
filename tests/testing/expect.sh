# Sourced by the shell tests that run a real binary on bad input: set
# `binary`, call `expect` per case, then `finish`.
#   expect NAME WANT_STATUS WANT_SUBSTRING -- ARGS...
# runs "$binary" ARGS (20 s at most) and checks its exit status and that
# its output (stdout and stderr) contains WANT_SUBSTRING.
failures=0

expect() {
  local name=$1 want_status=$2 want=$3
  shift 4
  local output status
  output=$(timeout 20 "$binary" "$@" 2>&1)
  status=$?
  if [[ $status -ne $want_status || "$output" != *"$want"* ]]; then
    echo "FAIL $name: status $status (want $want_status), output:"
    echo "$output"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

# Like expect, and WANT_SUBSTRING must appear exactly once: one mistake, one
# message.
expect_once() {
  local name=$1 want_status=$2 want=$3
  shift 4
  local output status count
  output=$(timeout 20 "$binary" "$@" 2>&1)
  status=$?
  count=$(grep -cF -- "$want" <<<"$output")
  if [[ $status -ne $want_status || $count -ne 1 ]]; then
    echo "FAIL $name: status $status (want $want_status), $count times (want 1):"
    echo "$output"
    failures=$((failures + 1))
  else
    echo "ok   $name"
  fi
}

# Exits 1 when a check failed.
finish() {
  if [[ $failures -gt 0 ]]; then
    echo "$failures check(s) failed"
    exit 1
  fi
}
