#!/usr/bin/env bash
# `make demo`: the main job, as far as it exists. Until the service lands it
# (1) checks the example search job and samples candidates from its space,
# and (2) runs one real evaluation: the reference genome trained on the full
# Fashion-MNIST training split, measured, exported to TorchScript, and the
# archive loaded back in Python.
#
# DEMO_EPOCHS (default 3) sets the training length; the accuracy figure in
# docs/benchmarks.md uses 15.
set -euo pipefail
build_dir=${1:-build}
epochs=${DEMO_EPOCHS:-3}
spec=examples/fashion-mnist-joint.yaml
genome=examples/genomes/reference.yaml
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "== nasprune validate $spec"
"$build_dir/bin/nasprune" validate "$spec"
echo
echo "== nasprune sample $spec --count 5"
"$build_dir/bin/nasprune" sample "$spec" --count 5
echo
echo "== nasprune-worker evaluate --genome $genome --epochs $epochs --test"
"$build_dir/bin/nasprune-worker" evaluate --genome "$genome" \
  --dataset fashion-mnist --epochs "$epochs" --test \
  --export "$out/reference.pt" > "$out/result.json"
/usr/bin/python3 - "$out/result.json" "$out/reference.pt" <<'PY'
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
cat <<'MSG'
NOTE: this is one evaluation, not yet a search. The pruning engine, the search
strategies and the distributed service (controller, workers, Redis) are the
next issues; once they land, `make demo` submits the example job above.
MSG
