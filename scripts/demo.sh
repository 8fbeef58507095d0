#!/usr/bin/env bash
# `make demo`: the main job, as far as it exists. Until the service lands it
# (1) checks the example search job and samples candidates from its space,
# (2) runs one real evaluation: the reference genome trained on the full
# Fashion-MNIST training split, measured, exported to TorchScript, and the
# archive loaded back in Python, and (3) evaluates a pruning plan of the same
# architecture: the trained parent is reused, pruned, fine-tuned with
# distillation, measured before and after, and exported.
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
cat <<'MSG'
NOTE: these are single evaluations, not yet a search. The search strategies
and the worker daemon exist; the controller that runs a whole job over them
is the next issue, and then `make demo` submits the example job above.
MSG
