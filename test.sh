#!/usr/bin/env bash
# Runs every test on a fresh machine that has the .NET SDK and Node.js:
#   1. installs the pinned Azurite from npm (tests/azurite/package-lock.json) and starts its Table and Blob services
#      on free loopback ports; installs Debian's chromium, dnsmasq and etcd-server when missing (tests start their own);
#   2. runs `dotnet test Functions.sln` (engine, CLI, Functions app, and the Bicep templates, which the infra
#      tests compile and lint with the Bicep CLI restored from NuGet);
#   3. runs the load benchmark in its short smoke mode, when bench/ has one;
#   4. stops Azurite (also on failure) and ends with one line: "N passed, N failed[, N skipped]".
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
work="$(mktemp -d)"
azurite_pid=""
azurite_blob_pid=""

cleanup() {
  for pid in "$azurite_pid" "$azurite_blob_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null
    fi
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

extra_failed=0
extra_passed=0
note() { printf '\n== %s\n' "$*"; }

note "Installing Azurite (pinned)"
if ! (cd tests/azurite && npm ci --no-audit --no-fund --loglevel=error); then
  echo "npm ci for Azurite failed" >&2
  extra_failed=$((extra_failed + 1))
fi

azurite_bin="$root/tests/azurite/node_modules/.bin/azurite-table"
if [[ -x "$azurite_bin" ]]; then
  port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  "$azurite_bin" --tableHost 127.0.0.1 --tablePort "$port" --location "$work/azurite" \
    --silent --skipApiVersionCheck --disableTelemetry >"$work/azurite.log" 2>&1 &
  azurite_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  export PORTICO_TEST_AZURITE_TABLE_ENDPOINT="http://127.0.0.1:$port/devstoreaccount1"
  export PORTICO_TEST_AZURITE_BIN="$azurite_bin"
  echo "Azurite Table service on 127.0.0.1:$port"
fi

# The Blob service (the response cache's shared store), from the same package.
azurite_blob_bin="$root/tests/azurite/node_modules/.bin/azurite-blob"
if [[ -x "$azurite_blob_bin" ]]; then
  blob_port="$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  "$azurite_blob_bin" --blobHost 127.0.0.1 --blobPort "$blob_port" --location "$work/azurite-blob" \
    --silent --skipApiVersionCheck --disableTelemetry >"$work/azurite-blob.log" 2>&1 &
  azurite_blob_pid=$!
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$blob_port") 2>/dev/null && break
    sleep 0.1
  done
  export PORTICO_TEST_AZURITE_BLOB_ENDPOINT="http://127.0.0.1:$blob_port/devstoreaccount1"
  echo "Azurite Blob service on 127.0.0.1:$blob_port"
fi

# Debian's chromium for the dashboard's browser test (Playwright drives it; its own browser download cannot work here).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  note "Installing chromium"
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >"$work/chromium-install.log" 2>&1; then
    echo "chromium could not be installed (see below): the dashboard browser tests will skip" >&2
    tail -n 5 "$work/chromium-install.log" >&2
  fi
fi
if command -v chromium >/dev/null 2>&1; then
  export PORTICO_TEST_CHROMIUM="$(command -v chromium)"
fi

# Debian's dnsmasq and etcd for the discovery-source tests, which start their own on free loopback ports (docs/discovery.md).
if { [[ ! -x /usr/sbin/dnsmasq ]] || ! command -v etcd >/dev/null 2>&1; } && command -v apt-get >/dev/null 2>&1; then
  note "Installing dnsmasq and etcd-server"
  if ! (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsmasq etcd-server) >"$work/discovery-install.log" 2>&1; then
    echo "dnsmasq or etcd-server could not be installed (see below): the DNS and etcd discovery tests will fail" >&2
    tail -n 5 "$work/discovery-install.log" >&2
  fi
fi

note "dotnet test Functions.sln"
dotnet test Functions.sln --configuration Release \
  --logger "trx" --results-directory "$work/results" \
  --blame-hang-timeout 5m -- RunConfiguration.TreatNoTestsAsError=false
test_exit=$?

if [[ -x bench/run.sh ]]; then
  note "Benchmark smoke run"
  if bench/run.sh --smoke; then
    extra_passed=$((extra_passed + 1))
  else
    extra_failed=$((extra_failed + 1))
  fi
fi

# Sum the counters of every test run's TRX file.
passed=0; failed=0; skipped=0; runs=0
for trx in "$work"/results/*.trx; do
  [[ -f "$trx" ]] || continue
  runs=$((runs + 1))
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)"
  value() { printf '%s' "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
  skipped=$((skipped + $(value notExecuted)))
done

if [[ $test_exit -ne 0 && $failed -eq 0 ]]; then
  # The build or a test host failed before any test could report: count it, never hide it.
  echo "dotnet test exited with $test_exit without a failing test result (build error or crashed test host)" >&2
  failed=$((failed + 1))
fi
if [[ $runs -eq 0 ]]; then
  failed=$((failed + 1))
fi

passed=$((passed + extra_passed))
failed=$((failed + extra_failed))
summary="$passed passed, $failed failed"
if [[ $skipped -gt 0 ]]; then
  summary="$summary, $skipped skipped"
fi
echo
echo "$summary"
[[ $failed -eq 0 ]]
