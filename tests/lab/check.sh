# Assertion helpers for the lab's test scripts (sourced).
#   check "what" CMD...    one assertion: PASS/FAIL line, counted
#   wait_for SECONDS CMD...  polls CMD every 0.2 s until it succeeds
#   check_summary          prints "N passed, M failed"; false if any failed
#   equals GOT WANT        true when equal, else prints both
# shellcheck shell=bash
passed=0
failed=0
pass() {
  passed=$((passed + 1))
  echo "PASS $*"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL $*"
}
check() {
  local what=$1
  shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
wait_for() {
  local limit=$1 i
  shift
  for ((i = 0; i < limit * 5; i++)); do
    "$@" && return 0
    sleep 0.2
  done
  return 1
}
equals() {
  [ "$1" = "$2" ] || {
    echo "    got '$1', want '$2'"
    return 1
  }
}
check_summary() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
