#!/usr/bin/env bash
# make test-deploy: the images and the compose stack, built and run for real.
#
# (1) starts its own Docker engine: dockerd --bridge=none --iptables=false
#     with its data root, exec root and socket in a temporary directory, so
#     no bridge or private address range is ever used and a system dockerd,
#     if any, is not touched;
# (2) builds the images (deploy/docker/build-images.sh: a debootstrap base,
#     then runtime, controller, worker-cpu, redis, prometheus);
# (3) brings up deploy/compose.yaml (Redis with AOF, the controller, two CPU
#     workers, Prometheus with the alert rules; not Grafana, which is not
#     packaged) on free loopback ports, host networking only;
# (4) submits examples/quick-search.yaml with the CLI, waits for it to
#     succeed, downloads the best model and scores it again in Python
#     (torch.jit.load on the test split);
# (5) checks that Prometheus scraped every target (all up) and loaded the
#     alert rules;
# (6) tears everything down, also on failure (then the services' logs are
#     printed first).
#
# Usage: tests/deploy/test_deploy.sh [BUILD_DIR]   (run as root)
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=$(cd "${1:-build}" && pwd)
cli="$build_dir/bin/nasprune"
docker=/usr/bin/docker          # Debian's docker.io client, matching dockerd.
compose=/usr/bin/docker-compose
started=$SECONDS
step() { echo "== test-deploy [$((SECONDS - started)) s] $*"; }

[[ $(id -u) -eq 0 ]] || { echo "test-deploy: run as root (dockerd, debootstrap)" >&2; exit 1; }
for tool in dockerd "$docker" "$compose" debootstrap; do
  command -v "$tool" > /dev/null ||
    { echo "test-deploy: $tool is missing: run scripts/install-deps.sh" >&2; exit 1; }
done

tmp=$(mktemp -d /tmp/nasprune-deploy.XXXXXX)
export DOCKER_HOST="unix://$tmp/docker.sock"
export COMPOSE_PROJECT_NAME="nasprune-deploy-test"
compose_cmd=("$compose" -f deploy/compose.yaml)
dockerd_pid=""
cleanup() {
  local rc=$?
  set +e
  if [[ $rc -ne 0 && -S "$tmp/docker.sock" ]]; then
    echo "== test-deploy failed (exit $rc): the services' logs"
    "${compose_cmd[@]}" logs --no-color --tail 40 2>&1
  fi
  if [[ -S "$tmp/docker.sock" ]]; then
    "${compose_cmd[@]}" down --volumes --timeout 10 > /dev/null 2>&1
  fi
  if [[ -n "$dockerd_pid" ]]; then
    kill "$dockerd_pid" 2> /dev/null
    for _ in $(seq 100); do kill -0 "$dockerd_pid" 2> /dev/null || break; sleep 0.1; done
    kill -9 "$dockerd_pid" 2> /dev/null
    [[ $rc -ne 0 ]] && { echo "== dockerd's log"; tail -20 "$tmp/dockerd.log"; }
  fi
  # Whatever dockerd left mounted under its roots.
  grep -o " $tmp/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2> /dev/null
  rm -rf "$tmp"
  step "done (exit $rc)"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# until TIMEOUT_S DESCRIPTION COMMAND...: retry COMMAND every half second.
until_ok() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" > /dev/null 2>&1; do
    if ((SECONDS > deadline)); then
      echo "test-deploy: $what: not after ${timeout} s" >&2
      return 1
    fi
    sleep 0.5
  done
}

# (1) The engine.
step "dockerd --bridge=none --iptables=false in $tmp"
dockerd --bridge=none --iptables=false \
  --data-root "$tmp/data" --exec-root "$tmp/exec" --pidfile "$tmp/docker.pid" \
  --host "$DOCKER_HOST" > "$tmp/dockerd.log" 2>&1 &
dockerd_pid=$!
until_ok 60 "dockerd answers" "$docker" info

# (2) The images.
step "building the images"
DOCKER=$docker deploy/docker/build-images.sh "$build_dir"

# (3) The stack, on free loopback ports.
step "docker-compose up"
export NASPRUNE_BIND=127.0.0.1
for name in REDIS_PORT CONTROLLER_PORT CONTROLLER_METRICS_PORT WORKER_1_PORT \
  WORKER_1_METRICS_PORT WORKER_2_PORT WORKER_2_METRICS_PORT PROMETHEUS_PORT; do
  export "$name=$(free_port)"
done
# The stack's own scrape config, at this run's ports.
sed -e "s/127.0.0.1:9090/127.0.0.1:$CONTROLLER_METRICS_PORT/" \
  -e "s/127.0.0.1:9101/127.0.0.1:$WORKER_1_METRICS_PORT/" \
  -e "s/127.0.0.1:9102/127.0.0.1:$WORKER_2_METRICS_PORT/" \
  -e "s/scrape_interval: 15s/scrape_interval: 2s/" \
  deploy/prometheus/compose.yml > "$tmp/prometheus.yml"
chmod 644 "$tmp/prometheus.yml"
export NASPRUNE_PROMETHEUS_CONFIG="$tmp/prometheus.yml"
"${compose_cmd[@]}" up -d --no-build
# Host networking only: the engine has no bridge, and compose made no
# network (a bridge network would take a private address range).
networks=$("$docker" network ls --format '{{.Name}}' | sort | tr '\n' ' ')
[[ "$networks" == "host none " ]] ||
  { echo "test-deploy: networks other than host and none: $networks" >&2; exit 1; }
export NASPRUNE_CONTROLLER="127.0.0.1:$CONTROLLER_PORT"
workers_ready() { [[ $("$cli" workers -o json | grep -c '"name"') -ge 2 ]]; }
until_ok 120 "two workers registered with the controller" workers_ready
"$cli" workers

# (4) A job through the CLI, and its best model.
step "nasprune submit examples/quick-search.yaml, then watch it"
job=$("$cli" submit examples/quick-search.yaml)
"$cli" watch "$job"
state=$("$cli" status "$job" -o json |
  /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')
[[ "$state" == "JOB_STATE_SUCCEEDED" ]] ||
  { echo "test-deploy: job $job ended $state" >&2; exit 1; }
"$cli" export "$job" --best accuracy -o "$tmp/best.pt" | tee "$tmp/export.txt"
test_accuracy=$(sed -n 's/^best by accuracy: .* (test accuracy \([0-9.]*\), .*/\1/p' "$tmp/export.txt")
[[ -n "$test_accuracy" ]] ||
  { echo "test-deploy: the export named no test accuracy" >&2; exit 1; }
step "the downloaded model scored again on the test split (torch.jit.load)"
/usr/bin/python3 scripts/score_model.py "$tmp/best.pt" \
  /usr/share/datasets/fashion-mnist "$test_accuracy"

# (5) Prometheus scraped every target and loaded the rules.
step "Prometheus targets"
prometheus="http://127.0.0.1:$PROMETHEUS_PORT"
all_up() {
  /usr/bin/python3 - "$prometheus" <<'PY'
import json, sys, urllib.request
targets = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/targets"))
active = targets["data"]["activeTargets"]
jobs = sorted(t["labels"]["job"] for t in active if t["health"] == "up")
print(jobs)
sys.exit(0 if jobs == ["nasprune-controller", "nasprune-worker", "nasprune-worker"] else 1)
PY
}
until_ok 60 "every Prometheus target up" all_up
all_up
rules_loaded() {
  /usr/bin/python3 - "$prometheus" <<'PY'
import json, sys, urllib.request
rules = json.load(urllib.request.urlopen(sys.argv[1] + "/api/v1/rules"))
names = [r["name"] for g in rules["data"]["groups"] for r in g["rules"]]
print(names)
sys.exit(0 if "NaspruneNoWorkers" in names else 1)
PY
}
until_ok 30 "the alert rules loaded" rules_loaded
rules_loaded
step "passed"
