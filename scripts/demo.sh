#!/usr/bin/env bash
# `make demo`: the main job. It
# (1) checks the example search job and samples candidates from its space,
# (2) runs one real evaluation: the reference genome trained on the full
# Fashion-MNIST training split, measured, exported to TorchScript, and the
# archive loaded back in Python, and (3) evaluates a pruning plan of the same
# architecture: the trained parent is reused, pruned, fine-tuned with
# distillation, measured before and after, and exported, and (4) runs a
# small search job through the service (Redis, controller, two workers) and
# downloads its best model.
#
# DEMO_EPOCHS (default 3) sets the training length; the accuracy figure in
# docs/benchmarks.md uses 15.
set -euo pipefail
build_dir=${1:-build}
epochs=${DEMO_EPOCHS:-3}
spec=examples/fashion-mnist-joint.yaml
genome=examples/genomes/reference.yaml
pruned=examples/genomes/reference-pruned.yaml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== nasprune validate $spec"
"$build_dir/bin/nasprune" validate "$spec"
echo
echo "== nasprune sample $spec --count 5"
"$build_dir/bin/nasprune" sample "$spec" --count 5
echo
# evaluate GENOME NAME: one evaluation on Fashion-MNIST, result in
# $out/NAME.json and the archive in $out/NAME.pt; trained parents are kept
# in $out/parents.
evaluate() {
  echo "== nasprune-worker evaluate --genome $1 --epochs $epochs --test"
  "$build_dir/bin/nasprune-worker" evaluate --genome "$1" \
    --dataset fashion-mnist --epochs "$epochs" --test \
    --parent-dir "$out/parents" --export "$out/$2.pt" > "$out/$2.json"
}

evaluate "$genome" reference
/usr/bin/python3 - "$out/reference.json" "$out/reference.pt" <<'PY'
import json, sys, torch
r = json.load(open(sys.argv[1]))
print(f"validation accuracy {r['val_accuracy']:.4f}, test accuracy "
      f"{r['test_accuracy']:.4f}")
print(f"params {r['params']}, MACs {r['macs']}, model {r['model_bytes']} bytes")
lat = r["latency"]
print(f"latency {lat['batch1_ms']:.3f} ms at batch 1, {lat['batch_ms']:.2f} ms "
      f"at batch {lat['batch_size']} on {lat['device']}")
print(f"training {r['train_samples_per_second']:.0f} samples/s, "
      f"{r['total_seconds']:.1f} s in all")
model = torch.jit.load(sys.argv[2])
logits = model(torch.zeros(1, 1, 28, 28))
print(f"exported archive loads in Python (torch {torch.__version__}): "
      f"output shape {tuple(logits.shape)}")
PY
echo
evaluate "$pruned" pruned
/usr/bin/python3 - "$out/pruned.json" "$out/pruned.pt" <<'PY'
import json, sys, torch
r = json.load(open(sys.argv[1]))
assert r["parent_reused"], "the parent should come from the parent store"
lat = r["latency"]
print(f"parent reused: {r['parent_reused']} (training skipped)")
print(f"params {r['parent_params']} -> {r['params']}, MACs {r['parent_macs']} "
      f"-> {r['macs']}")
print(f"validation accuracy {r['parent_val_accuracy']:.4f} (parent) -> "
      f"{r['pruned_val_accuracy']:.4f} (after removal) -> "
      f"{r['val_accuracy']:.4f} (fine-tuned); test {r['test_accuracy']:.4f}")
print(f"latency at batch 1 {r['parent_latency_batch1_ms']:.3f} ms -> "
      f"{lat['batch1_ms']:.3f} ms; int8 head {lat['int8_batch1_ms']:.3f} ms "
      f"{lat['quantization_note']}")
s = r["phase_seconds"]
print(f"seconds: prune {s.get('prune', 0):.2f}, fine-tune "
      f"{s.get('finetune', 0):.1f}, measure {s.get('measure', 0):.1f}")
model = torch.jit.load(sys.argv[2])
print(f"pruned archive loads in Python: output shape "
      f"{tuple(model(torch.zeros(1, 1, 28, 28)).shape)}")
PY
echo
# (4) A search job through the service: redis-server, the controller and two
# workers as separate processes on free loopback ports, the job submitted and
# followed with the CLI, the best model downloaded and loaded in Python.
free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
pids=()
stop_service() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap 'stop_service; rm -rf "$out"' EXIT
# wait_for_line FILE TEXT: until a process says it serves (30 s at most).
wait_for_line() {
  for _ in $(seq 300); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "error: $1 never said \"$2\":"; cat "$1"; return 1
}
redis_port=$(free_port)
controller=127.0.0.1:$(free_port)
mkdir -p "$out/redis" "$out/artifacts"
/usr/bin/redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$out/redis" \
  --appendonly yes --save "" > "$out/redis.log" 2>&1 &
pids+=($!)
wait_for_line "$out/redis.log" "Ready to accept connections"
"$build_dir/bin/nasprune-controller" --listen "$controller" \
  --redis "127.0.0.1:$redis_port" --artifact-dir "$out/artifacts" \
  > "$out/controller.log" 2>&1 &
pids+=($!)
wait_for_line "$out/controller.log" "serving on"
for i in 1 2; do
  "$build_dir/bin/nasprune-worker" serve --listen "127.0.0.1:$(free_port)" \
    --name "demo-worker-$i" --controller "$controller" --threads 1 \
    --artifact-dir "$out/artifacts" > "$out/worker-$i.log" 2>&1 &
  pids+=($!)
  wait_for_line "$out/worker-$i.log" "serving on"
done
echo "== nasprune submit examples/quick-search.yaml --wait"
echo "   (redis-server, nasprune-controller and 2 nasprune-worker daemons)"
"$build_dir/bin/nasprune" submit examples/quick-search.yaml \
  --controller "$controller" --wait | tee "$out/submit.txt"
best=$(awk '/\[model\]/ {print $1; exit}' "$out/submit.txt")
echo
echo "== nasprune export $best --output model.pt"
"$build_dir/bin/nasprune" export "$best" --controller "$controller" \
  --output "$out/best.pt"
/usr/bin/python3 - "$out/best.pt" <<'PY'
import sys, torch
model = torch.jit.load(sys.argv[1])
print(f"the best model loads in Python: output shape "
      f"{tuple(model(torch.zeros(1, 1, 28, 28)).shape)}")
PY
echo
cat <<'MSG'
NOTE: the search above is the small quick-search job. The full example job
(examples/fashion-mnist-joint.yaml: 200 trials of up to 15 epochs, ASHA,
NSGA-II) runs the same way and takes hours on two CPU cores; see
docs/controller.md.
MSG
