#!/usr/bin/env bash
# Breaks the protocols on purpose, one at a time, in a scratch clone, and runs the tests named for each: every
# mutation must turn them red. A mutation whose tests stay green is a rule no test proves (issue 17, item 4).
#
#   io-stress/mutate.sh                 every mutation in io-stress/mutations/
#   io-stress/mutate.sh r07 r08         only those whose file name starts with one of these
#   SCRATCH=/tmp/x io-stress/mutate.sh  where the scratch clone goes (default /tmp/pageio-mutate-$USER)
#
# Each io-stress/mutations/*.sh file sets MODULE (the Maven module holding the tests), TESTS (a surefire -Dtest
# filter), RULE (what it breaks) and defines mutate(): edits in the scratch clone (cwd), usually with perl -0pi.
# A jcstress mutation (j*) defines check LOG instead: builds target/jcstress.jar and runs its test, 0 when green
# (j11 is a Lincheck one: its check runs surefire in the stress profile; j05 has no check: its test is a surefire test
# of io-test-support, RingCloseRaceTest).
# A mutation whose edit no longer matches the code (after a refactor) is reported STALE, not counted as red.
# Runs offline (-o): run ./run-tests once first so every dependency is in ~/.m2. Exit status: 0 when every
# applicable mutation went red and the unmutated baseline was green.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
scratch="${SCRATCH:-/tmp/pageio-mutate-${USER:-$(id -un)}}"
logs="${scratch}-logs"
# not -q: the log must show "Tests run: N" (see NO-TESTS below)
mvn_flags=(-B -ntp -o)

rm -rf "$scratch" "$logs"
mkdir -p "$logs"
# The working tree as it is (committed or not), without build output.
mkdir -p "$scratch"
(cd "$repo" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$scratch")
(cd "$scratch" && git init -q && git add -A && git -c user.email=m@x -c user.name=mutate commit -qm base)

selected=()
for f in "$here"/mutations/*.sh; do
  name="$(basename "$f" .sh)"
  if [ $# -eq 0 ]; then selected+=("$f"); continue; fi
  for want in "$@"; do
    case "$name" in "$want"*) selected+=("$f");; esac
  done
done

run_tests() { # module tests logfile; a mutation file may define check() (cwd: scratch; logfile as $1) instead
  if declare -F check >/dev/null; then (cd "$scratch" && check "$3"); return; fi
  (cd "$scratch" && mvn "${mvn_flags[@]}" -pl "$1" -am test -Dtest="$2" -Dsurefire.failIfNoSpecifiedTests=false \
    -DtrimStackTrace=true >"$3" 2>&1)
}

summary=()
bad=0
declare -A baseline_done=()
for f in "${selected[@]}"; do
  name="$(basename "$f" .sh)"
  unset -f mutate check; MODULE=""; TESTS=""; RULE=""
  # shellcheck source=/dev/null
  . "$f"
  log="$logs/$name.log"
  (cd "$scratch" && git checkout -q -- . && git clean -qfd -e target)
  key="$MODULE|$TESTS"
  if [ -z "${baseline_done[$key]:-}" ]; then
    if ! run_tests "$MODULE" "$TESTS" "$logs/baseline-$name.log"; then
      summary+=("$name  BASELINE-RED  tests fail without the mutation: $TESTS (see $logs/baseline-$name.log)")
      bad=1
      continue
    fi
    # A filter that matches no test (a renamed or @Nested test) passes vacuously: that proves nothing.
    if ! declare -F check >/dev/null && ! grep -qE 'Tests run: [1-9]' "$logs/baseline-$name.log"; then
      summary+=("$name  NO-TESTS  the filter ran no test: $TESTS (see $logs/baseline-$name.log)")
      bad=1
      continue
    fi
    baseline_done[$key]=1
  fi
  (cd "$scratch" && mutate)
  if (cd "$scratch" && git diff --quiet); then
    summary+=("$name  STALE  the edit matches nothing in the code any more: $RULE")
    continue
  fi
  (cd "$scratch" && git diff) >"$logs/$name.diff"
  start=$(date +%s)
  if run_tests "$MODULE" "$TESTS" "$log"; then
    summary+=("$name  SURVIVED  $RULE  (tests: $TESTS)")
    bad=1
  elif grep -q 'COMPILATION ERROR' "$log"; then
    summary+=("$name  BROKEN  the mutated code does not compile (see $log): $RULE")
    bad=1
  else
    failed="$(grep -hoE '^\[ERROR\] +[A-Za-z0-9_$.]+(:[0-9]+)?' "$log" | grep -v ' Tests run' | head -3 | sed 's/\[ERROR\] *//' | tr '\n' ' ')"
    [ -z "$failed" ] && failed="$(grep -hE 'Tests run:.*(Failures: [1-9]|Errors: [1-9])|COMPILATION ERROR|timed out' "$log" | head -2 | tr '\n' ' ')"
    summary+=("$name  RED($(( $(date +%s) - start ))s)  $RULE  <- $failed")
  fi
  (cd "$scratch" && git checkout -q -- .)
done

echo
echo "== mutations (scratch: $scratch; diffs and logs: $logs)"
printf '%s\n' "${summary[@]}"
exit $bad
