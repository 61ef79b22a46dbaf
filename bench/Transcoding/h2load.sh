#!/usr/bin/env bash
# The transcoding benchmark with its load generator outside the process (README.md): h2load (Debian's nghttp2-client)
# calls GetBook on the service directly (gRPC), through the gateway transcoded (JSON over HTTP/2 and HTTP/1.1) and
# through the gateway's plain proxy route (gRPC passed through), in alternating rounds. The bench process then holds
# only the service and the gateway, so its CPU per request is theirs alone, without the clients'.
# Usage: bench/Transcoding/h2load.sh [seconds per side and round, default 10] [concurrent callers, default 16] [rounds, default 2]
set -euo pipefail
seconds=${1:-10}
callers=${2:-16}
rounds=${3:-2}
here=$(cd "$(dirname "$0")" && pwd)
command -v h2load >/dev/null || { echo "h2load is missing (apt-get install nghttp2-client)" >&2; exit 1; }

fifo=$(mktemp -u)
mkfifo "$fifo"
out=$(mktemp)
# The bench in serve mode runs until its input ends: the fifo, held open by this script until it exits.
dotnet run -c Release --no-build --project "$here" -- 1 "$callers" serve <"$fifo" >"$out" &
exec 3>"$fifo"
trap 'exec 3>&-; wait; rm -f "$fifo" "$out"' EXIT
until grep -q '^frame ' "$out"; do sleep 0.5; done
pid=$(awk '/^pid /{print $2}' "$out")
service=$(awk '/^service /{print $2}' "$out")
http1=$(awk '/^gateway-http1 /{print $2}' "$out")
http2=$(awk '/^gateway-http2 /{print $2}' "$out")
frame=$(awk '/^frame /{print $2}' "$out")
method=portico.test.transcoding.v1.Library/GetBook
grpc=(-d "$frame" -H 'content-type: application/grpc' -H 'te: trailers')

ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; } # utime + stime of the bench process, in clock ticks
hz=$(getconf CLK_TCK)

run() { # name, h2load arguments...
  local name=$1; shift
  local before after result
  before=$(ticks)
  result=$(h2load -D "$seconds" --warm-up-time=2 "$@" 2>&1)
  after=$(ticks)
  local done failed rps
  done=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$result")
  failed=$(sed -n 's/^requests: .* \([0-9]*\) failed.*/\1/p' <<<"$result") # not 2xx or 3xx (a gRPC error is a 200: checked apart)
  rps=$(sed -n 's/^finished in .*, \([0-9.]*\) req\/s.*/\1/p' <<<"$result")
  # The process's CPU over the measured seconds and the warm-up's (h2load counts requests over the measured part only),
  # so the figure is an upper bound; the same for every side.
  printf '| %s | %s | %s | %s | %s |\n' "$name" "$rps" "$failed" "$(awk -v t=$((after - before)) -v hz="$hz" -v n="$done" -v s="$seconds" 'BEGIN { printf "%.0f", t / hz * 1e6 / (n * (s + 2) / s) }')" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "GetBook from h2load, $callers concurrent streams, $rounds alternating rounds of $seconds s per side (after 2 s of warm-up each)."
echo "CPU is the bench process's (service and gateway; not h2load's) per request, warm-up included pro rata."
echo
echo '| side | requests/s | failed | process CPU us/request | load average |'
echo '| --- | --- | --- | --- | --- |'
run "warm-up: transcoded over HTTP/2" -c 1 -m "$callers" "$http2/v1/shelves/s/books/b" >/dev/null
run "warm-up: gRPC through the gateway" -c 1 -m "$callers" "${grpc[@]}" "$http2/$method" >/dev/null
for _ in $(seq "$rounds"); do
  run "direct gRPC (one connection)" -c 1 -m "$callers" "${grpc[@]}" "$service/$method"
  run "transcoded, JSON over HTTP/2 (one connection)" -c 1 -m "$callers" "$http2/v1/shelves/s/books/b"
  run "transcoded, JSON over HTTP/1.1 (a connection per caller)" --h1 -c "$callers" -m 1 "$http1/v1/shelves/s/books/b"
  run "gRPC through the gateway's proxy route (one connection)" -c 1 -m "$callers" "${grpc[@]}" "$http2/$method"
done
