#!/usr/bin/env bash
# Portico's load benchmark: builds in Release, starts a backend, the bare YARP baseline and Portico on
# loopback, drives each with wrk in alternating rounds, times start-ups, and writes a Markdown and a JSON
# report under bench/results/. Everything it starts is stopped on exit, whatever the exit.
#
#   bench/run.sh                      full run (10 to 20 minutes per scenario), writes bench/results/*.md|json
#                                     (with Node.js, also the start-up with the registry in Table storage on Azurite)
#   bench/run.sh --smoke              every scenario for 2 s per target, checks answers, no timing; last line
#                                     "bench smoke: passed" or "bench smoke: failed (...)", non-zero on failure
#   options: --scenario NAME (repeatable)  --rounds N (10)  --lifetimes N (4)  --duration SECONDS (5)
#            --warmup SECONDS (5)  --startup-runs N  --no-startup  --no-r2r  --no-azurite  --no-allocations  --allocation-passes N (2)
# See bench/README.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$BENCH_DIR")"
cd "$REPO_DIR"

MODE=full
ROUNDS=10
LIFETIMES=4
DURATION=5
WARMUP=5
THREADS=2
STARTUP_RUNS=5
DO_STARTUP=1
DO_R2R=1
DO_AZURITE=1
DO_ALLOCATIONS=1
ALLOCATION_PASSES=2
ALLOCATION_SECONDS=8
ONLY=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --smoke) MODE=smoke ;;
        --scenario) ONLY+=("$2"); shift ;;
        --rounds) ROUNDS="$2"; shift ;;
        --lifetimes) LIFETIMES="$2"; shift ;;
        --duration) DURATION="$2"; shift ;;
        --warmup) WARMUP="$2"; shift ;;
        --startup-runs) STARTUP_RUNS="$2"; shift ;;
        --no-startup) DO_STARTUP=0 ;;
        --no-r2r) DO_R2R=0 ;;
        --no-azurite) DO_AZURITE=0 ;;
        --no-allocations) DO_ALLOCATIONS=0 ;;
        --allocation-passes) ALLOCATION_PASSES="$2"; shift ;;
        -h|--help) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench: unknown option '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "bench: --rounds takes a whole number of at least 1" >&2; exit 2; }
[[ $LIFETIMES =~ ^[1-9][0-9]*$ ]] || { echo "bench: --lifetimes takes a whole number of at least 1" >&2; exit 2; }
(( LIFETIMES > ROUNDS )) && LIFETIMES=$ROUNDS
if [[ $MODE == smoke ]]; then
    ROUNDS=1; LIFETIMES=1; DURATION=2; WARMUP=0; STARTUP_RUNS=1; DO_R2R=0; DO_AZURITE=0; DO_ALLOCATIONS=0
    # Every scenario once, with the build: about 5 minutes on 2 busy cores, so the bound leaves room.
    MAX_SECONDS=${BENCH_MAX_SECONDS:-600}
else
    MAX_SECONDS=${BENCH_MAX_SECONDS:-5400}
fi

# Fixed loopback ports (base to base+12), one per server so none can collide with another; BENCH_PORT_BASE moves them all (the scenario files name the backend at 19080, and
# run.sh rewrites that port in the copies it serves when the base moves).
PORT_BASE=${BENCH_PORT_BASE:-19080}
BACKEND_PORT=$PORT_BASE
BASELINE_PORT=$((PORT_BASE + 1))
PORTICO_PORT=$((PORT_BASE + 2))
PORTICO_NOLOG_PORT=$((PORT_BASE + 3))
STARTUP_PORT=$((PORT_BASE + 4))
AZURITE_PORT=$((PORT_BASE + 5))
PORTICO_LEAN_PORT=$((PORT_BASE + 6))
PORTICO_NORESILIENCE_PORT=$((PORT_BASE + 7))
FUNCTIONS_PORT=$((PORT_BASE + 8))
FUNCTIONS_NOLOG_PORT=$((PORT_BASE + 9))
# The peers have ports of their own: a scenario that runs HAProxy can have Azurite as its counter store too.
NGINX_PORT=$((PORT_BASE + 10))
HAPROXY_PORT=$((PORT_BASE + 11))
# A second bare YARP process, started per scenario that names it: the A/A control (see start_peer).
BASELINE_CONTROL_PORT=$((PORT_BASE + 12))
LOOPBACK=127.0.0.1

STARTED_UTC="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
RUN_ID="$(date -u +%Y%m%dT%H%M%SZ)-$MODE-$$"
WORK="$BENCH_DIR/results/tmp/$RUN_ID"
RAW="$WORK/raw.jsonl"
mkdir -p "$WORK"
: >"$RAW"

SMOKE_FAILURES=()

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

fail() {
    if [[ $MODE == smoke ]]; then
        echo "bench smoke: failed ($*)"
    else
        echo "bench: failed: $*" >&2
    fi
    exit 1
}

# --- process groups -----------------------------------------------------------------------------------------
# Every long-lived process is started with setsid, so it leads its own process group, and the EXIT trap kills
# each group: nothing is left behind, even when the script is interrupted.
GROUPS_STARTED=()

start_group() { # LOG_FILE COMMAND...  -> sets STARTED_PID
    local log_file="$1"; shift
    setsid "$@" >"$log_file" 2>&1 </dev/null &
    STARTED_PID=$!
    GROUPS_STARTED+=("$STARTED_PID")
}

stop_group() { # PID
    local pid="$1" i
    kill -TERM -- "-$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    local kept=()
    for i in "${GROUPS_STARTED[@]}"; do [[ $i == "$pid" ]] || kept+=("$i"); done
    GROUPS_STARTED=("${kept[@]+"${kept[@]}"}")
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    local pid
    for pid in "${GROUPS_STARTED[@]+"${GROUPS_STARTED[@]}"}"; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    sleep 0.3
    for pid in "${GROUPS_STARTED[@]+"${GROUPS_STARTED[@]}"}"; do
        kill -KILL -- "-$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ $MODE == smoke && $rc -eq 0 ]]; then
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A run can never outlive its bound. The watchdog says so on the run's own output before it stops the run: a trap
# runs inside whatever redirection the script is in at that moment (the build's log, say), so cleanup cannot.
watchdog_says="echo 'bench: time limit of $MAX_SECONDS s reached' >&2"
[[ $MODE == smoke ]] && watchdog_says+="; echo 'bench smoke: failed (time limit of $MAX_SECONDS s reached)'"
setsid bash -c "sleep $MAX_SECONDS; $watchdog_says; kill -TERM $$" </dev/null &
GROUPS_STARTED+=("$!")

run_bounded() { # SECONDS COMMAND...  (foreground, but in its own group so the trap can end it)
    local seconds="$1"; shift
    setsid timeout --kill-after=5 "$seconds" "$@" &
    local pid=$!
    GROUPS_STARTED+=("$pid")
    local rc=0
    wait "$pid" || rc=$?
    local kept=() i
    for i in "${GROUPS_STARTED[@]}"; do [[ $i == "$pid" ]] || kept+=("$i"); done
    GROUPS_STARTED=("${kept[@]+"${kept[@]}"}")
    return "$rc"
}

port_free() { ! (exec 3<>"/dev/tcp/$LOOPBACK/$1") 2>/dev/null; }

# --- tools --------------------------------------------------------------------------------------------------
WRK=""
ensure_wrk() {
    if command -v wrk >/dev/null 2>&1; then WRK=wrk; return; fi
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "wrk is missing: installing it with apt-get"
        if ! run_bounded 120 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >"$WORK/apt.log" 2>&1; then
            run_bounded 120 env DEBIAN_FRONTEND=noninteractive apt-get update -qq >>"$WORK/apt.log" 2>&1 || true
            run_bounded 120 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >>"$WORK/apt.log" 2>&1 || true
        fi
    fi
    if command -v wrk >/dev/null 2>&1; then WRK=wrk; fi
}

# BENCH_NO_WRK=1 pretends wrk is missing, to exercise the fallback.
[[ ${BENCH_NO_WRK:-0} == 1 ]] || ensure_wrk
if [[ -z $WRK ]]; then
    if [[ $MODE == smoke ]]; then
        log "wrk is not available: the smoke run checks every answer with the bench tool's own client instead"
    else
        fail "wrk is not available and could not be installed (apt-get install wrk); a full run needs it"
    fi
fi
WRK_VERSION=none
if [[ -n $WRK ]]; then
    # wrk --version exits non-zero after printing its version.
    WRK_VERSION="$(wrk --version 2>&1 | head -n1 | sed 's/ *Copyright.*//; s/ *$//' || true)"
fi

# --- build --------------------------------------------------------------------------------------------------
log "building in Release"
if ! run_bounded 900 dotnet build "$BENCH_DIR/Bench.slnx" -c Release --disable-build-servers -nologo -v quiet >"$WORK/build.log" 2>&1; then
    tail -n 30 "$WORK/build.log" >&2
    fail "build failed (see $WORK/build.log)"
fi
BIN=bin/Release/net10.0
BACKEND_DLL="$BENCH_DIR/Portico.Bench.Backend/$BIN/Portico.Bench.Backend.dll"
BASELINE_DLL="$BENCH_DIR/Portico.Bench.Baseline/$BIN/Portico.Bench.Baseline.dll"
TOOL_DLL="$BENCH_DIR/Portico.Bench.Tool/$BIN/Portico.Bench.Tool.dll"
PORTICO_DLL="$REPO_DIR/src/Portico.Cli/$BIN/Portico.Cli.dll"
# The Functions app as built, and the repository's Functions test host that runs its worker (not the Azure Functions host).
FUNCTIONS_APP_DIR="$REPO_DIR/src/Portico.Functions/$BIN"
FUNCTIONS_HOST_DLL="$REPO_DIR/tests/Portico.Functions.TestHost/$BIN/Portico.Functions.TestHost.dll"
tool() { dotnet "$TOOL_DLL" "$@"; }

# --- servers ------------------------------------------------------------------------------------------------
for port in "$BACKEND_PORT" "$BASELINE_PORT" "$PORTICO_PORT" "$PORTICO_NOLOG_PORT" "$STARTUP_PORT" "$PORTICO_LEAN_PORT" "$PORTICO_NORESILIENCE_PORT" "$FUNCTIONS_PORT" "$FUNCTIONS_NOLOG_PORT" "$NGINX_PORT" "$HAPROXY_PORT" "$BASELINE_CONTROL_PORT"; do
    port_free "$port" || fail "port $port on $LOOPBACK is in use (set BENCH_PORT_BASE to move the bench's ports)"
done

url_of() { # TARGET
    case "$1" in
        direct) echo "http://$LOOPBACK:$BACKEND_PORT" ;;
        baseline) echo "http://$LOOPBACK:$BASELINE_PORT" ;;
        baseline-control) echo "http://$LOOPBACK:$BASELINE_CONTROL_PORT" ;;
        portico) echo "http://$LOOPBACK:$PORTICO_PORT" ;;
        portico-nolog) echo "http://$LOOPBACK:$PORTICO_NOLOG_PORT" ;;
        portico-lean) echo "http://$LOOPBACK:$PORTICO_LEAN_PORT" ;;
        portico-noresilience) echo "http://$LOOPBACK:$PORTICO_NORESILIENCE_PORT" ;;
        # The request filter's scenario only; no scenario runs it beside portico-noresilience, whose port it shares.
        portico-waf) echo "http://$LOOPBACK:$PORTICO_NORESILIENCE_PORT" ;;
        # Traffic analytics' scenario only, likewise.
        portico-noanalytics) echo "http://$LOOPBACK:$PORTICO_NORESILIENCE_PORT" ;;
        # Load balancing's scenario only (cluster-4), likewise.
        portico-cluster) echo "http://$LOOPBACK:$PORTICO_NORESILIENCE_PORT" ;;
        functions) echo "http://$LOOPBACK:$FUNCTIONS_PORT" ;;
        functions-nolog) echo "http://$LOOPBACK:$FUNCTIONS_NOLOG_PORT" ;;
        nginx) echo "http://$LOOPBACK:$NGINX_PORT" ;;
        haproxy) echo "http://$LOOPBACK:$HAPROXY_PORT" ;;
    esac
}

# The registry files name the backend on 19080; a moved port base is written into a copy.
registry_copy() { # FILE -> path to serve
    local copy
    copy="$WORK/registry-$(basename "$(dirname "$1")").json"
    sed "s/127\.0\.0\.1:19080/$LOOPBACK:$BACKEND_PORT/g" "$1" >"$copy"
    echo "$copy"
}

log "starting the backend on :$BACKEND_PORT and the YARP baseline on :$BASELINE_PORT"
start_group "$WORK/backend.log" dotnet "$BACKEND_DLL" "http://$LOOPBACK:$BACKEND_PORT"
BACKEND_PID=$STARTED_PID
tool wait "http://$LOOPBACK:$BACKEND_PORT/" 30 || fail "the backend did not start (see $WORK/backend.log)"
BASELINE_STARTS=0
start_baseline() { # the baseline's log is kept per process: baseline.log, baseline-2.log, ...
    BASELINE_STARTS=$((BASELINE_STARTS + 1))
    local log_file="$WORK/baseline.log"
    [[ $BASELINE_STARTS -gt 1 ]] && log_file="$WORK/baseline-$BASELINE_STARTS.log"
    start_group "$log_file" dotnet "$BASELINE_DLL" "http://$LOOPBACK:$BASELINE_PORT" "http://$LOOPBACK:$BACKEND_PORT"
    BASELINE_PID=$STARTED_PID
    tool wait "http://$LOOPBACK:$BASELINE_PORT/" 30 || fail "the baseline did not start (see $log_file)"
}
start_baseline

PORTICO_PIDS=()
# Portico variants: "portico" as shipped (access log on); "portico-nolog" with the access log silenced;
# "portico-lean" also sets ASP.NET Core's hosting diagnostics to None, which the shipped defaults already do (no
# per-request Activity or log scope unless tracing listens), so it checks that it stays level with "portico-nolog"; "portico-noresilience" is "portico-nolog" with the resilience pipeline off, so the two measure
# the pipeline's cost back to back in every round.
start_portico() { # TARGET REGISTRY  (environment from SCN_PORTICO_ENV)
    local target="$1" registry="$2" port env_args=()
    port="$(url_of "$target")"; port="${port##*:}"
    env_args=("${SCN_PORTICO_ENV[@]+"${SCN_PORTICO_ENV[@]}"}")
    case "$target" in
        # The access log off whatever its output (portico serve writes it as JSON lines to stdout by default, which
        # the log level does not silence).
        portico-nolog) env_args+=("Logging__LogLevel__Portico.AccessLog=Warning" "Portico__AccessLog__Output=None") ;;
        portico-lean) env_args+=("Logging__LogLevel__Portico.AccessLog=Warning" "Portico__AccessLog__Output=None" "Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics=None") ;;
        portico-noresilience) env_args+=("Logging__LogLevel__Portico.AccessLog=Warning" "Portico__AccessLog__Output=None" "Portico__Resilience__Enabled=false") ;;
        portico-waf) env_args+=("Logging__LogLevel__Portico.AccessLog=Warning" "Portico__AccessLog__Output=None" "Portico__Waf__Enabled=true") ;;
        portico-noanalytics) env_args+=("Logging__LogLevel__Portico.AccessLog=Warning" "Portico__AccessLog__Output=None" "Portico__Analytics__Enabled=false") ;;
        # The same as portico-nolog; the scenario gives it the path of the route whose backend has four destinations.
        portico-cluster) env_args+=("Logging__LogLevel__Portico.AccessLog=Warning" "Portico__AccessLog__Output=None") ;;
    esac
    # stdout (the access log) goes to /dev/null: the cost measured is formatting, queueing and the write
    # call, not a disk. stderr is kept for diagnosis.
    setsid env "${env_args[@]+"${env_args[@]}"}" dotnet "$PORTICO_DLL" serve --config "$registry" \
        --urls "http://$LOOPBACK:$port" >/dev/null 2>"$WORK/$target-$SCN_NAME.err" </dev/null &
    track_server "$target" "$port" 30
}

# Records the server just started in the background ($!) as TARGET's, and waits until it is live.
track_server() { # TARGET PORT SECONDS
    STARTED_PID=$!
    GROUPS_STARTED+=("$STARTED_PID")
    PORTICO_PIDS+=("$STARTED_PID")
    eval "PID_${1//-/_}=$STARTED_PID"
    tool wait "http://$LOOPBACK:$2/_portico/health/live" "$3" \
        || fail "$1 did not start for $SCN_NAME (see $WORK/$1-$SCN_NAME.err)"
}

# The Functions app: its worker under the test host, which forwards each request to it as the Functions host does.
# "functions" runs as shipped (the access log goes to the host as a log event over gRPC), "functions-nolog" without it.
# The scenario's porticoEnv become the worker's app settings.
start_functions() { # TARGET REGISTRY
    local target="$1" registry="$2" port settings=() entry
    port="$(url_of "$target")"; port="${port##*:}"
    settings=(--setting "Portico__Registry__File=$registry")
    for entry in "${SCN_PORTICO_ENV[@]+"${SCN_PORTICO_ENV[@]}"}"; do settings+=(--setting "$entry"); done
    [[ $target == functions-nolog ]] && settings+=(--setting "Logging__LogLevel__Portico.AccessLog=Warning")
    setsid dotnet "$FUNCTIONS_HOST_DLL" serve --app "$FUNCTIONS_APP_DIR" --urls "http://$LOOPBACK:$port" "${settings[@]}" \
        >/dev/null 2>"$WORK/$target-$SCN_NAME.err" </dev/null &
    track_server "$target" "$port" 60
}

# The peers: nginx and HAProxy in front of the same backend, configured as their documentation recommends for one
# backend (bench/peers/). Installed with apt-get when missing and the script runs as root (not in a smoke run, which
# must stay within its watchdog: it uses them only when already installed); otherwise the scenario runs without them
# and the report says so.
PEERS_MISSING=()
ensure_peer() { # TARGET -> 0 when its binary is available
    local binary=$1
    command -v "$binary" >/dev/null 2>&1 && return 0
    if [[ ${BENCH_NO_PEERS:-0} != 1 && $MODE != smoke && $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        log "$binary is missing: installing it with apt-get"
        run_bounded 180 env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$binary" >>"$WORK/apt.log" 2>&1 || true
    fi
    command -v "$binary" >/dev/null 2>&1
}

peer_config() { # TEMPLATE PORT -> path of the filled-in copy
    local copy="$WORK/$(basename "$1")"
    sed -e "s#@WORK@#$WORK#g" -e "s#@PORT@#$2#g" -e "s#@BACKEND_PORT@#$BACKEND_PORT#g" "$1" >"$copy"
    echo "$copy"
}

# A peer, or the A/A control: bare YARP again, the same build and arguments as `baseline` in a process of its own,
# taking its turn in the same rounds. Two identical servers differ by what this run cannot resolve: the machine's
# drift within a round, and what differs between two processes of one build (tiered compilation and Dynamic PGO
# decide each process's code anew). The report prints its ratio to `baseline` beside every goal judged against
# `baseline`.
start_peer() { # TARGET
    local target="$1" config
    case "$target" in
        baseline-control)
            setsid dotnet "$BASELINE_DLL" "$(url_of "$target")" "http://$LOOPBACK:$BACKEND_PORT" >/dev/null 2>"$WORK/$target-$SCN_NAME.err" </dev/null &
            ;;
        nginx)
            mkdir -p "$WORK/nginx"
            config="$(peer_config "$BENCH_DIR/peers/nginx.conf" "$NGINX_PORT")"
            setsid nginx -p "$WORK/nginx/" -c "$config" -e stderr >/dev/null 2>"$WORK/$target-$SCN_NAME.err" </dev/null &
            ;;
        haproxy)
            config="$(peer_config "$BENCH_DIR/peers/haproxy.cfg" "$HAPROXY_PORT")"
            setsid haproxy -db -f "$config" >/dev/null 2>"$WORK/$target-$SCN_NAME.err" </dev/null &
            ;;
    esac
    STARTED_PID=$!
    GROUPS_STARTED+=("$STARTED_PID")
    PORTICO_PIDS+=("$STARTED_PID")
    eval "PID_${target//-/_}=$STARTED_PID"
    local url; url="$(url_of "$target")"
    tool wait "$url/" 30 || fail "$target did not start for $SCN_NAME (see $WORK/$target-$SCN_NAME.err)"
}

# Resident memory of a target's processes: nginx's master and workers, the Functions test host and its worker, each
# summed over the process group (for VmHWM the sum of each process's peak, an upper bound of the group's peak).
record_memory() { # SCENARIO TARGET PID [PHASE]
    local hwm=0 rss=0 pid pids
    if [[ $2 == nginx ]]; then pids=$(pgrep -g "$3"); else pids=$3; fi
    for pid in $pids; do
        hwm=$((hwm + $(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
        rss=$((rss + $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)))
    done
    printf '{"kind":"memory","phase":"%s","scenario":"%s","target":"%s","vmhwm_kb":%s,"vmrss_kb":%s}\n' "${4:-after load}" "$1" "$2" "$hwm" "$rss" >>"$RAW"
}

# CPU time (user + system, in clock ticks) a server process has used so far, and the machine's 1-minute load.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# A target's server CPU: for the Functions targets the test host and its worker (one process group) together, for
# nginx its master and workers.
server_ticks() { # TARGET PID
    if [[ $1 == functions* || $1 == nginx ]]; then
        local total=0 pid
        for pid in $(pgrep -g "$2"); do total=$((total + $(cpu_ticks "$pid"))); done
        echo "$total"
    else
        cpu_ticks "$2"
    fi
}
load_average() { cut -d' ' -f1 /proc/loadavg; }
CLK_TCK="$(getconf CLK_TCK 2>/dev/null || echo 100)"

pid_of() { # TARGET -> the server process that answers it
    case "$1" in
        direct) echo "$BACKEND_PID" ;;
        baseline) echo "$BASELINE_PID" ;;
        *) local var="PID_${1//-/_}"; echo "${!var}" ;;
    esac
}

# --- one wrk run ------------------------------------------------------------------------------------------
LAST_RESULT=""
WRK_STARTED=0
WRK_ENDED=0
wrk_run() { # SCENARIO_DIR TARGET CONNECTIONS SECONDS -> LAST_RESULT (the JSON of wrk's done hook), WRK_STARTED/ENDED (epoch s)
    local dir="$1" target="$2" connections="$3" seconds="$4" out
    out="$WORK/wrk.out"
    eval "$(tool target-env "$dir" "$target")"
    export BENCH_METHOD BENCH_HEADERS BENCH_BODY_FILE BENCH_LUA
    LAST_RESULT=""
    WRK_STARTED="$(date +%s.%N)"
    if ! run_bounded $((seconds + 30)) "$WRK" -t"$THREADS" -c"$connections" -d"${seconds}s" --timeout 5s \
        -s "$BENCH_DIR/lib/wrk.lua" "$(url_of "$target")$BENCH_PATH" >"$out" 2>&1; then
        cat "$out" >&2
        return 1
    fi
    WRK_ENDED="$(date +%s.%N)"
    LAST_RESULT="$(sed -n 's/^BENCH_RESULT //p' "$out")"
    [[ -n $LAST_RESULT ]]
}

json_field() { # JSON NAME -> integer value
    sed -n "s/.*\"$2\":\\([0-9.]*\\).*/\\1/p" <<<"$1"
}

# --- allocation per request -----------------------------------------------------------------------------------
# dotnet-counters (the .NET diagnostics tool, pinned; installed with `dotnet tool install` into the run's tool folder
# when it is not on PATH) reads the runtime's allocation counter over EventPipe while wrk drives one .NET target at
# the scenario's highest connection count; the bench tool turns that into bytes per request (AllocationCommand).
COUNTERS_VERSION=10.0.750501
COUNTERS=""
ensure_counters() {
    [[ -n $COUNTERS ]] && return 0
    if command -v dotnet-counters >/dev/null 2>&1; then COUNTERS=dotnet-counters; return 0; fi
    local tools="$BENCH_DIR/results/tmp/tools"
    if [[ ! -x $tools/dotnet-counters ]]; then
        log "installing dotnet-counters $COUNTERS_VERSION (dotnet tool install) to measure allocations"
        run_bounded 300 dotnet tool install dotnet-counters --version "$COUNTERS_VERSION" --tool-path "$tools" >>"$WORK/tools.log" 2>&1 || true
    fi
    [[ -x $tools/dotnet-counters ]] && COUNTERS="$tools/dotnet-counters"
}

measure_allocations() { # SCENARIO SCENARIO_DIR CONNECTIONS TARGETS...
    local name="$1" dir="$2" connections="$3" pass target pid counters_pid file; shift 3
    for pass in $(seq 1 "$ALLOCATION_PASSES"); do
        for target in "$@"; do
            [[ $target == baseline || $target == portico* ]] || continue
            pid="$(pid_of "$target")"
            file="$WORK/counters-$name-$target-$pass.json"
            rm -f "$file"
            setsid "$COUNTERS" collect -p "$pid" --counters 'System.Runtime[dotnet.gc.heap.total_allocated]' --format json \
                -o "$file" --refresh-interval 1 --duration "00:00:00:$(printf '%02d' $((ALLOCATION_SECONDS + 10)))" \
                >"$file.log" 2>&1 </dev/null &
            counters_pid=$!
            GROUPS_STARTED+=("$counters_pid")
            # wrk starts after the session's first sample (its file is written at the end, so the wait is generous; the
            # bench tool refuses a pass whose first sample came after wrk started).
            for _ in $(seq 1 150); do grep -q "Starting a counter session" "$file.log" 2>/dev/null && break; sleep 0.1; done
            sleep 3.5
            wrk_run "$dir" "$target" "$connections" "$ALLOCATION_SECONDS" || fail "wrk failed on $name/$target (allocations)"
            wait "$counters_pid" 2>/dev/null || true
            stop_group "$counters_pid"
            tool allocations --counters "$file" --start "$WRK_STARTED" --end "$WRK_ENDED" --requests "$(json_field "$LAST_RESULT" requests)" \
                --scenario "$name" --target "$target" --connections "$connections" --loadavg "$(load_average)" --out "$RAW" \
                || log "no allocation figure for $name/$target (see $file.log)"
        done
    done
}

# shellcheck source=lib/azurite.sh
source "$BENCH_DIR/lib/azurite.sh"

# --- what scenarios need ("needs" in scenario.json) -----------------------------------------------------------
# "jwt": an RSA key pair and an RS256 access token made for this run (openssl), written over @BENCH_JWT_PUBLIC_KEY@ and
# @BENCH_JWT@ in a copy of the scenario's folder, so no key is kept in the repository.
BENCH_JWT=""
ensure_bench_jwt() {
    [[ -n $BENCH_JWT ]] && return 0
    command -v openssl >/dev/null 2>&1 || return 1
    local dir="$WORK/jwt" now header payload b64url
    mkdir -p "$dir"
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/key.pem" 2>/dev/null || return 1
    openssl pkey -in "$dir/key.pem" -pubout -out "$dir/public.pem" 2>/dev/null || return 1
    b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
    now="$(date +%s)"
    header="$(printf '%s' '{"alg":"RS256","typ":"at+jwt"}' | b64url)"
    payload="$(printf '{"iss":"https://issuer.bench.example/","aud":"api://bench","sub":"bench-user","azp":"bench-consumer","scope":"bench.read","iat":%s,"nbf":%s,"exp":%s}' \
        "$now" "$now" "$((now + 86400))" | b64url)"
    BENCH_JWT="$header.$payload.$(printf '%s' "$header.$payload" | openssl dgst -sha256 -sign "$dir/key.pem" -binary | b64url)"
    # The PEM as a JSON string (newlines as \n), escaped once more for sed's replacement.
    BENCH_JWT_PUBLIC_KEY_JSON="$(awk '{printf "%s\\\\n", $0}' "$dir/public.pem")"
}

# A copy of the scenario's folder with the run's secrets written in -> prints its path.
scenario_copy_with_jwt() { # DIR
    local copy
    copy="$WORK/scenario-$(basename "$1")"
    rm -rf "$copy"; cp -r "$1" "$copy"
    local file
    for file in "$copy"/*.json; do
        sed -i -e "s#@BENCH_JWT@#$BENCH_JWT#g" -e "s#@BENCH_JWT_PUBLIC_KEY@#$BENCH_JWT_PUBLIC_KEY_JSON#g" "$file"
    done
    echo "$copy"
}

note() { # SCENARIO TEXT  (a line at the top of the report)
    printf '{"kind":"note","scenario":"%s","text":"%s"}\n' "$1" "$2" >>"$RAW"
}

# --- start-up -----------------------------------------------------------------------------------------------
measure_startup() { # NAME [--env K=V ...] -- COMMAND...   (STARTUP_WARMUP / STARTUP_RUNS may be given for one call)
    local name="$1"; shift
    local warmup=${STARTUP_WARMUP:-1}
    [[ $MODE == smoke ]] && warmup=0
    # From an empty working directory, as in the container (/app): the host's content root is the working directory,
    # and its appsettings.json watcher subscribes to every directory below it, which in the repository (with the
    # test infrastructure's node_modules) is some 5,000 inotify watches at every start (docs/performance.md).
    mkdir -p "$WORK/startup-cwd"
    run_bounded 300 dotnet "$TOOL_DLL" startup --name "$name" --out "$RAW" --runs "$STARTUP_RUNS" --warmup "$warmup" \
        --cwd "$WORK/startup-cwd" --url "http://$LOOPBACK:$STARTUP_PORT/plain/1k" "$@" >&2
}

if [[ $DO_STARTUP -eq 1 ]]; then
    PLAIN_REGISTRY="$(registry_copy "$BENCH_DIR/scenarios/plain-proxy/portico.json")"
    log "start-up: portico serve --config (file store), $STARTUP_RUNS runs"
    measure_startup portico-file -- dotnet "$PORTICO_DLL" serve --config "$PLAIN_REGISTRY" --urls "http://$LOOPBACK:$STARTUP_PORT" \
        || fail "portico serve did not answer a proxied 200 at start-up"
    measure_baseline_startup() { # [STARTUP_RUNS/STARTUP_WARMUP for this call]
        measure_startup baseline --ready-line "Now listening" -- dotnet "$BASELINE_DLL" "http://$LOOPBACK:$STARTUP_PORT" "http://$LOOPBACK:$BACKEND_PORT"
    }
    R2R_PUBLISHED=0
    if [[ $DO_R2R -eq 1 ]]; then
        # As the container image is built (Dockerfile): self-contained, the framework and Portico in one composite
        # ReadyToRun image (the project's publish defaults), started by its app host.
        log "publishing Portico.Cli as the container image does (self-contained, composite ReadyToRun)"
        if run_bounded 1800 dotnet publish "$REPO_DIR/src/Portico.Cli" -c Release -r linux-x64 --self-contained true \
            --disable-build-servers -o "$WORK/r2r" -nologo -v quiet >"$WORK/publish-r2r.log" 2>&1; then
            R2R_PUBLISHED=1
        else
            log "ReadyToRun publish failed (see $WORK/publish-r2r.log): skipped"
        fi
    fi
    r2r_startup() { # NAME [--env K=V ...]: the published build  [STARTUP_RUNS/STARTUP_WARMUP for this call]
        measure_startup "$@" -- "$WORK/r2r/Portico.Cli" serve --config "$PLAIN_REGISTRY" --urls "http://$LOOPBACK:$STARTUP_PORT"
    }
    if [[ $MODE == full && $R2R_PUBLISHED -eq 1 ]]; then
        # The goal compares these two, so they take turns, one start each, the order reversed every other pair: a
        # machine that slows down or speeds up during the runs (the publish just before, another process) moves both
        # alike instead of whichever was measured at that moment. The first pair's unrecorded start of each warms the file cache.
        log "start-up: the YARP baseline and portico serve --config (ReadyToRun) taking turns, $STARTUP_RUNS runs each"
        for ((pair = 1; pair <= STARTUP_RUNS; pair++)); do
            pair_warmup=$((pair == 1 ? 1 : 0))
            if ((pair % 2)); then
                STARTUP_RUNS=1 STARTUP_WARMUP=$pair_warmup measure_baseline_startup || true
                STARTUP_RUNS=1 STARTUP_WARMUP=$pair_warmup r2r_startup portico-file-r2r || log "ReadyToRun start-up failed"
            else
                STARTUP_RUNS=1 STARTUP_WARMUP=$pair_warmup r2r_startup portico-file-r2r || log "ReadyToRun start-up failed"
                STARTUP_RUNS=1 STARTUP_WARMUP=$pair_warmup measure_baseline_startup || true
            fi
        done
    elif [[ $MODE == full ]]; then
        log "start-up: the YARP baseline, for reference"
        measure_baseline_startup || true
    fi
    if [[ $R2R_PUBLISHED -eq 1 ]]; then
        r2r_startup portico-file-r2r-pgo-off --env DOTNET_TieredPGO=0 || true
    fi
    log "start-up: a Functions worker under the test host, $STARTUP_RUNS runs"
    run_bounded 300 dotnet "$FUNCTIONS_HOST_DLL" coldstart --app "$FUNCTIONS_APP_DIR" --path /plain/1k --name functions-worker \
        --out "$RAW" --runs "$STARTUP_RUNS" --warmup "$([[ $MODE == smoke ]] && echo 0 || echo 1)" \
        --setting "Portico__Registry__File=$PLAIN_REGISTRY" >&2 2>"$WORK/functions-coldstart.err" \
        || fail "the Functions worker did not answer a proxied 200 at start-up (see $WORK/functions-coldstart.err)"
    if [[ $DO_AZURITE -eq 1 ]]; then
        measure_startup_table_store || log "Table-store start-up skipped"
    fi
fi

# --- process lifetimes ----------------------------------------------------------------------------------------
# Two processes of one build differ by more than this harness can otherwise resolve: tiered compilation and Dynamic
# PGO compile each process's hot code anew, and two bare YARP processes measured 5% apart (docs/performance.md,
# fourteenth round). So each scenario's rounds are spread over --lifetimes process lifetimes: between them every
# target of the scenario (the baseline included; not the backend, which serves them all alike) is stopped, started
# anew, checked and warmed up again. Rounds stay paired within one lifetime of every target, and the report gives the
# median ratio per lifetime beside the median over all rounds.

start_targets() { # TARGETS...  (the scenario's servers; direct and baseline run already)
    local target
    for target in "$@"; do
        if [[ $target == portico* ]]; then start_portico "$target" "$registry"; fi
        if [[ $target == functions* ]]; then start_functions "$target" "$registry"; fi
        if [[ $target == nginx || $target == haproxy || $target == baseline-control ]]; then start_peer "$target"; fi
    done
}

check_targets() { # PHASE TARGETS...  (PHASE: "" before the load, "after load" or "after a restart")
    local phase="$1" target; shift
    for target in "$@"; do
        if ! tool check "$dir" "$target" "$(url_of "$target")"; then
            [[ $MODE == smoke ]] && SMOKE_FAILURES+=("$name/$target: wrong answer${phase:+ $phase}") && continue
            fail "$name/$target answered wrongly${phase:+ $phase}"
        fi
    done
}

# Each server's memory at the end of a lifetime (the report keeps the highest peak over its lifetimes); the baseline's
# under "(whole run)", as it serves every scenario.
record_targets_memory() { # TARGETS...
    local target pid_var worker_pid
    for target in "$@"; do
        [[ $target == baseline ]] && record_memory "(whole run)" baseline "$BASELINE_PID"
        if [[ $target == portico* || $target == functions* || $target == nginx || $target == haproxy || $target == baseline-control ]]; then
            pid_var="PID_${target//-/_}"
            record_memory "$name" "$target" "${!pid_var}"
        fi
        if [[ $target == functions* ]]; then
            for worker_pid in $(pgrep -P "${!pid_var}"); do record_memory "$name" "$target (worker)" "$worker_pid"; done
        fi
    done
}

stop_targets() {
    local pid
    for pid in "${PORTICO_PIDS[@]+"${PORTICO_PIDS[@]}"}"; do stop_group "$pid"; done
    PORTICO_PIDS=()
}

restart_targets() { # TARGETS...
    record_targets_memory "$@"
    stop_targets
    if [[ " $* " == *" baseline "* ]]; then
        stop_group "$BASELINE_PID"
        start_baseline
    fi
    start_targets "$@"
    check_targets "after a restart" "$@"
    LIFETIME=$((LIFETIME + 1))
}

warm_up() { # CONNECTIONS TARGETS...
    local connections="$1" target; shift
    [[ $WARMUP -gt 0 ]] || return 0
    for target in "$@"; do
        log "  warm-up $target, $connections connections, ${WARMUP}s"
        wrk_run "$dir" "$target" "$connections" "$WARMUP" || fail "wrk failed on $name/$target"
    done
}

# --- scenarios ----------------------------------------------------------------------------------------------
record_memory "(whole run)" backend "$BACKEND_PID" idle
record_memory "(whole run)" baseline "$BASELINE_PID" idle

SCENARIOS=()
for file in "$BENCH_DIR"/scenarios/*/scenario.json; do
    name="$(basename "$(dirname "$file")")"
    if [[ ${#ONLY[@]} -gt 0 ]] && [[ ! " ${ONLY[*]} " == *" $name "* ]]; then continue; fi
    SCENARIOS+=("$name")
done
[[ ${#SCENARIOS[@]} -gt 0 ]] || fail "no scenario selected"

for name in "${SCENARIOS[@]}"; do
    dir="$BENCH_DIR/scenarios/$name"
    SCN_PORTICO_ENV=()
    eval "$(tool scenario-env "$dir")" || fail "scenario $name is invalid"
    SCN_AZURITE_PID=""
    if [[ " $SCN_NEEDS " == *" jwt "* ]]; then
        ensure_bench_jwt || fail "scenario $name needs a JWT, and openssl could not make one"
        dir="$(scenario_copy_with_jwt "$dir")"
        SCN_PORTICO_ENV=()
        eval "$(tool scenario-env "$dir")" || fail "scenario $name is invalid"
    fi
    if [[ " $SCN_NEEDS " == *" table-storage "* ]]; then
        if [[ $DO_AZURITE -eq 1 ]] && start_azurite; then
            SCN_AZURITE_PID=$AZURITE_PID
            SCN_PORTICO_ENV+=("Portico__Storage__ConnectionString=$AZURITE_CONNECTION")
            log "scenario $name: counters in Table storage on Azurite (:$AZURITE_PORT)"
        else
            log "scenario $name: no Azurite, its shared counters count in memory"
            note "$name" "No Azurite in this run (--no-azurite, or npm missing): its leased and exact rate-limit policies counted in memory, without Table storage."
        fi
    fi
    read -r -a targets <<<"$SCN_TARGETS"
    read -r -a connection_counts <<<"$SCN_CONNECTIONS"
    [[ $MODE == smoke ]] && connection_counts=("${connection_counts[0]}")
    log "scenario $name: targets ${targets[*]}; connections ${connection_counts[*]}"

    PORTICO_PIDS=()
    registry="$(registry_copy "$SCN_REGISTRY")"
    available=()
    for target in "${targets[@]}"; do
        if [[ $target == nginx || $target == haproxy ]] && ! ensure_peer "$target"; then
            log "$target is not installed (and could not be with apt-get): $name runs without it"
            printf '{"kind":"skipped","scenario":"%s","target":"%s","reason":"%s is not installed"}\n' "$name" "$target" "$target" >>"$RAW"
            continue
        fi
        available+=("$target")
    done
    targets=("${available[@]}")
    start_targets "${targets[@]}"
    check_targets "" "${targets[@]}"
    # Idle memory: each server after the one request of the check, before any load.
    for target in "${targets[@]}"; do
        [[ $target == direct || $target == baseline ]] && continue
        record_memory "$name" "$target" "$(pid_of "$target")" idle
    done

    LIFETIME=1
    for connections in "${connection_counts[@]}"; do
        warm_up "$connections" "${targets[@]}"
        for round in $(seq 1 "$ROUNDS"); do
            # Rounds 1..ROUNDS fall into LIFETIMES equal spans; a new span starts with new processes.
            if (( round > 1 && (round - 1) * LIFETIMES / ROUNDS != (round - 2) * LIFETIMES / ROUNDS )); then
                log "  lifetime $((LIFETIME + 1)): every target of $name started anew"
                restart_targets "${targets[@]}"
                warm_up "$connections" "${targets[@]}"
            fi
            # Every other round takes the targets in reverse order (A B C, C B A, ...), so whatever follows or
            # precedes a turn (a warmer cache, a busier moment) falls on every target alike.
            order=("${targets[@]}")
            if (( round % 2 == 0 )); then
                order=()
                for (( i = ${#targets[@]} - 1; i >= 0; i-- )); do order+=("${targets[i]}"); done
            fi
            for target in "${order[@]}"; do
                if [[ -z $WRK ]]; then
                    tool check "$dir" "$target" "$(url_of "$target")" --seconds "$DURATION" \
                        || SMOKE_FAILURES+=("$name/$target: wrong answers under load")
                    continue
                fi
                server_pid="$(pid_of "$target")"
                ticks_before="$(server_ticks "$target" "$server_pid")"
                wrk_run "$dir" "$target" "$connections" "$DURATION" || fail "wrk failed on $name/$target"
                ticks_after="$(server_ticks "$target" "$server_pid")"
                printf '{"kind":"load","scenario":"%s","target":"%s","connections":%s,"round":%s,"lifetime":%s,"server_cpu_ticks":%s,"clk_tck":%s,"loadavg":%s,%s\n' \
                    "$name" "$target" "$connections" "$round" "$LIFETIME" "$((ticks_after - ticks_before))" "$CLK_TCK" "$(load_average)" \
                    "${LAST_RESULT#\{}" >>"$RAW"
                requests=$(json_field "$LAST_RESULT" requests)
                status_errors=$(json_field "$LAST_RESULT" status_errors)
                socket_errors=$(( $(json_field "$LAST_RESULT" connect_errors) + $(json_field "$LAST_RESULT" read_errors) \
                    + $(json_field "$LAST_RESULT" write_errors) + $(json_field "$LAST_RESULT" timeouts) ))
                p99=$(json_field "$LAST_RESULT" p99_us)
                log "  round $round $target c=$connections: $requests requests, p99 ${p99} us, status>=400 $status_errors, socket errors $socket_errors"
                if [[ $MODE == smoke ]]; then
                    [[ $requests -gt 0 ]] || SMOKE_FAILURES+=("$name/$target: no request completed")
                    [[ $socket_errors -eq 0 ]] || SMOKE_FAILURES+=("$name/$target: $socket_errors socket errors")
                    if [[ $BENCH_ERRORS_EXPECTED != 1 && $status_errors -ne 0 ]]; then
                        SMOKE_FAILURES+=("$name/$target: $status_errors answers with status >= 400")
                    fi
                fi
            done
        done
    done

    if [[ $DO_ALLOCATIONS -eq 1 && -n $WRK ]]; then
        if ensure_counters; then
            log "  allocations: $ALLOCATION_PASSES passes of ${ALLOCATION_SECONDS}s per .NET target at ${connection_counts[-1]} connections"
            measure_allocations "$name" "$dir" "${connection_counts[-1]}" "${targets[@]}"
        else
            note "$name" "No allocation figures: dotnet-counters is not available (see tools.log)."
        fi
    fi

    # Still answering correctly after the load?
    check_targets "after load" "${targets[@]}"

    record_targets_memory "${targets[@]}"
    stop_targets
    if [[ -n $SCN_AZURITE_PID ]]; then stop_group "$SCN_AZURITE_PID"; fi
done

record_memory "(whole run)" backend "$BACKEND_PID"
# Once more for the baseline: it served the scenarios that do not name it, after the last restart's record.
record_memory "(whole run)" baseline "$BASELINE_PID"

# --- rate-limit accuracy --------------------------------------------------------------------------------------
# Four gateway instances sharing Azurite, one hot key at ten times its limit, for each counter store; its own
# report goes to bench/RateLimitAccuracy/results/ (see RateLimitAccuracy/README.md). Full runs with Azurite only.
if [[ $DO_AZURITE -eq 1 && ${#ONLY[@]} -eq 0 ]]; then
    if [[ -x "$REPO_DIR/tests/azurite/node_modules/.bin/azurite-table" ]]; then
        log "rate-limit accuracy: four instances sharing Azurite (bench/RateLimitAccuracy, about 6 minutes)"
        run_bounded 1200 dotnet "$BENCH_DIR/RateLimitAccuracy/$BIN/Portico.Bench.RateLimit.dll" \
            >"$WORK/ratelimit-accuracy.md" 2>"$WORK/ratelimit-accuracy.log" \
            || log "the rate-limit accuracy run failed or missed a goal (see $WORK/ratelimit-accuracy.log)"
    else
        log "Azurite is not installed (npm ci in tests/azurite): no rate-limit accuracy run"
    fi
fi

# --- result -------------------------------------------------------------------------------------------------
if [[ $MODE == smoke ]]; then
    # The report is written from the smoke's measurements too, into the run's own folder (never bench/results), so a
    # change that breaks the report tool fails here rather than at the end of an hour-long run.
    if [[ -n $WRK ]] && ! tool report --raw "$RAW" --scenarios-dir "$BENCH_DIR/scenarios" --out-dir "$WORK/report" \
        --setting "started_utc=$STARTED_UTC" --setting "rounds=$ROUNDS" --setting "lifetimes=$LIFETIMES" >"$WORK/report.txt" 2>&1; then
        cat "$WORK/report.txt" >&2
        SMOKE_FAILURES+=("the report tool failed on the smoke's measurements")
    fi
    if [[ ${#SMOKE_FAILURES[@]} -gt 0 ]]; then
        joined="$(printf '%s; ' "${SMOKE_FAILURES[@]}")"
        echo "bench smoke: failed (${joined%; })"
        exit 1
    fi
    echo "bench smoke: passed"
    exit 0
fi

COMMIT="$(git -C "$REPO_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$REPO_DIR" status --porcelain -- src bench 2>/dev/null | grep -v '^?? bench/results/' || true)" ]]; then
    COMMIT="$COMMIT (with uncommitted changes)"
fi
tool report --raw "$RAW" --scenarios-dir "$BENCH_DIR/scenarios" --out-dir "$BENCH_DIR/results" \
    --setting "started_utc=$STARTED_UTC" --setting "finished_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --setting "commit=$COMMIT" --setting "wrk=$WRK_VERSION" --setting "threads=$THREADS" \
    --setting "rounds=$ROUNDS" --setting "lifetimes=$LIFETIMES" --setting "duration_s=$DURATION" --setting "warmup_s=$WARMUP" \
    --setting "scenarios=${SCENARIOS[*]}" >"$WORK/report.txt"
cp "$RAW" "$(sed -n 's/\.md$/.raw.jsonl/p' "$WORK/report.txt" | head -n1)"
log "report: $(head -n1 "$WORK/report.txt")"
cat "$(head -n1 "$WORK/report.txt")"
