#!/usr/bin/env bash
# `make demo`, the main job: a real search through the service on this
# machine, with a result worth keeping. It
# (1) starts redis-server, nasprune-controller and two nasprune-worker
#     daemons (one thread each) on free loopback ports, in a temporary
#     directory;
# (2) submits examples/demo.yaml (a joint architecture + pruning search on
#     full Fashion-MNIST under 10k parameters, a wall budget of a few
#     minutes) and watches it with the live progress line;
# (3) prints the Pareto front, downloads the most accurate exported model
#     and scores it again in Python (torch.jit.load, the test split);
# (4) writes everything worth keeping to an output folder that stays after
#     it exits, named at the end: best.pt, pareto.svg, trials.csv, job.json,
#     pareto.json, the service's logs.
# DEMO_OUT=DIR chooses that folder (default demo-out/<date-time>). What it
# started is stopped when it ends, also on Ctrl-C.
set -euo pipefail
build_dir=${1:-build}
spec=${DEMO_SPEC:-examples/demo.yaml}
out=${DEMO_OUT:-demo-out/$(date +%Y%m%d-%H%M%S)}
dataset=/usr/share/datasets/fashion-mnist
cli="$build_dir/bin/nasprune"
mkdir -p "$out"
out=$(cd "$out" && pwd)
run=$(mktemp -d)  # Redis' files, artifacts: removed at the end.
pids=()
stop_service() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  for name in controller worker-1 worker-2 redis; do
    [[ -f "$run/$name.log" ]] && cp "$run/$name.log" "$out/" || true
  done
  rm -rf "$run"
}
trap stop_service EXIT
trap 'echo; echo "interrupted: stopping the service"; exit 130' INT TERM
started=$(date +%s)

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for_line FILE TEXT: until a process says it serves (30 s at most).
wait_for_line() {
  for _ in $(seq 300); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "error: $1 never said \"$2\":"; cat "$1"; return 1
}

echo "== nasprune validate $spec"
"$cli" validate "$spec"
echo

# (1) The service.
redis_port=$(free_port)
controller=127.0.0.1:$(free_port)
controller_metrics=127.0.0.1:$(free_port)
mkdir -p "$run/redis" "$run/artifacts"
/usr/bin/redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$run/redis" \
  --appendonly yes --save "" > "$run/redis.log" 2>&1 &
pids+=($!)
wait_for_line "$run/redis.log" "Ready to accept connections"
"$build_dir/bin/nasprune-controller" --listen "$controller" \
  --redis "127.0.0.1:$redis_port" --artifact-dir "$run/artifacts" \
  --metrics-address "$controller_metrics" > "$run/controller.log" 2>&1 &
pids+=($!)
wait_for_line "$run/controller.log" "serving on"
for i in 1 2; do
  "$build_dir/bin/nasprune-worker" serve --listen "127.0.0.1:$(free_port)" \
    --name "demo-worker-$i" --controller "$controller" --threads 1 \
    --artifact-dir "$run/artifacts" --metrics-address "127.0.0.1:0" \
    > "$run/worker-$i.log" 2>&1 &
  pids+=($!)
  wait_for_line "$run/worker-$i.log" "serving on"
done
export NASPRUNE_CONTROLLER=$controller
echo "== nasprune workers   (redis-server on 127.0.0.1:$redis_port, controller on $controller, its metrics on http://$controller_metrics/metrics)"
"$cli" workers
echo

# (2) The search.
echo "== nasprune submit $spec --watch"
job=$("$cli" submit "$spec")
echo "$job"
# A live progress line on a terminal, plain lines otherwise.
"$cli" watch "$job"
echo

# (3) The front and the best model.
echo "== nasprune pareto $job"
"$cli" pareto "$job"
echo
echo "== nasprune export $job --best accuracy -o best.pt"
"$cli" export "$job" --best accuracy -o "$out/best.pt" | tee "$out/export.txt"
# "best by accuracy: JOB/N (test accuracy 0.9054, 9805 params, ... MACs)":
# the figures of the downloaded model, its export's.
best=$(awk '/^best by accuracy:/ {print $4}' "$out/export.txt")
test_accuracy=$(sed -n 's/^best by accuracy: .* (test accuracy \([0-9.]*\), .*/\1/p' "$out/export.txt")
params=$(sed -n 's/^best by accuracy: .*, \([0-9]*\) params, .*/\1/p' "$out/export.txt")
if [[ -z "$test_accuracy" ]]; then
  echo "error: the best model has no test accuracy: $(cat "$out/export.txt")"
  exit 1
fi
echo "== the model loaded back in Python, scored on the test split"
/usr/bin/python3 scripts/score_model.py "$out/best.pt" "$dataset" "$test_accuracy"
echo

# (4) What stays.
"$cli" plot "$job" -o "$out/pareto.svg"
"$cli" trials "$job" -o csv > "$out/trials.csv"
"$cli" trials "$job" -o json > "$out/trials.json"
"$cli" status "$job" -o json > "$out/job.json"
"$cli" pareto "$job" -o json > "$out/pareto.json"
rm "$out/export.txt"
elapsed=$(( $(date +%s) - started ))
printf '\nbest model: %s parameters, test accuracy %.2f %% (%s)\n' \
  "$params" "$(/usr/bin/python3 -c "print(100 * $test_accuracy)")" "$best"
printf 'demo took %d min %02d s; everything it made is in %s:\n' \
  $((elapsed / 60)) $((elapsed % 60)) "$out"
ls -1 "$out" | sed 's/^/  /'
