#!/usr/bin/env bash
# The demo: builds validated, starts the daemon in the foreground of this script on the shipped demo
# configuration (etc/demo/), drops the three demo checkpoints into the watched folder one after the other,
# and prints what validatectl shows. Everything it writes is under demo-run/. It installs only what building
# and the demo need (scripts/setup.sh demo); scripts/test.sh installs the rest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh demo
echo "demo: building (release)…"
swift build -c release >/dev/null
bin="$(swift build -c release --show-bin-path)"
config=etc/demo/validated.conf

rm -rf demo-run
mkdir -p demo-run/incoming demo-run/state
"$bin/validated" --config "$config" --log-target console 2>demo-run/validated.log &
daemon=$!
trap 'kill -TERM $daemon 2>/dev/null || true; wait $daemon 2>/dev/null || true' EXIT

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            echo "demo: timed out waiting for $what; daemon log:" >&2
            tail -n 20 demo-run/validated.log >&2
            exit 1
        fi
        kill -0 $daemon 2>/dev/null || { echo "demo: validated exited; log:" >&2; cat demo-run/validated.log >&2; exit 1; }
        sleep 0.2
    done
}
has_verdict() { "$bin/validatectl" show --config "$config" "$1" | grep -Eq '^Run [0-9]+: (PASS|WARN|FAIL|ERROR)'; }

wait_for 60 "the daemon to start" "$bin/validatectl" status --config "$config"
for checkpoint in demo/checkpoints/*.safetensors; do
    name=$(basename "$checkpoint")
    echo "demo: dropping $name into demo-run/incoming/"
    cp "$checkpoint" "demo-run/incoming/.$name.part"
    mv "demo-run/incoming/.$name.part" "demo-run/incoming/$name"
    wait_for 600 "the verdict on $name" has_verdict "$name"
done

# The metrics file is replaced just after each verdict is stored.
checkpoints=(demo/checkpoints/*.safetensors)
metrics_written() { awk -v n=${#checkpoints[@]} '/^validated_runs_total/ {s += $2} END {exit !(s == n)}' "$1"; }
wait_for 30 "the metrics of every run" metrics_written demo-run/validated.prom

echo
"$bin/validatectl" status --config "$config"
echo
"$bin/validatectl" show --config "$config" 02-artefact.safetensors
echo
"$bin/validatectl" report --config "$config" topics -o demo-run/lineage.html
echo
echo "demo: the daemon's metrics (docs/metrics.md), as node_exporter's textfile collector reads them:"
grep -E '^validated_(runs_total|queue_depth|model_calls_total|scorer_failures_total|run_duration_seconds_count)' \
    demo-run/validated.prom
echo
echo "demo: the daemon's log is in demo-run/validated.log; the store is demo-run/state/validated.sqlite;"
echo "demo: the folder's champion lineage is in demo-run/lineage.html"
