#!/usr/bin/env bash
# `make demo`: the main job. Until the worker engine lands (it trains and
# measures a genome with LibTorch) and then the service, this runs the parts
# that exist for real: loading and validating the example job spec, sampling
# candidates from its search space with their analytic costs.
set -euo pipefail
build_dir=${1:-build}
cli="$build_dir/bin/nasprune"
spec=examples/fashion-mnist-joint.yaml

echo "== nasprune validate $spec"
"$cli" validate "$spec"
echo
echo "== nasprune sample $spec --count 5"
"$cli" sample "$spec" --count 5
echo
cat <<'MSG'
NOTE: training and scoring candidates is not built yet. The worker engine
(LibTorch training, pruning, measurement, export) is the next issue; once it
lands, `make demo` evaluates a reference genome on Fashion-MNIST, and once the
service lands it runs a whole search job. Nothing above was trained.
MSG
