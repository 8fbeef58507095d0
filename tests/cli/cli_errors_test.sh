#!/usr/bin/env bash
# Runs the real `nasprune` binary on bad input as a user would and checks the
# exit status and message. Usage: cli_errors_test.sh PATH/TO/nasprune
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
binary=$1
source "$(dirname "$0")/../testing/expect.sh"

printf 'name: x\ndataset: {name: fashion-mnist}\nrecipe: {epochz: 3}\n' > "$dir/unknown.yaml"
expect unknown_field 2 'unknown.yaml:3:10: recipe.epochz: unknown field; did you mean "epochs"?' -- validate "$dir/unknown.yaml"

printf 'name: x\ndataset: {name: fashion-mnist}\nrecipe: {batch_size: 100000}\nbudget: {max_trials: -3}\n' > "$dir/ranges.yaml"
expect ranges_budget 2 'budget.max_trials: -3 is outside [1, 10000000]' -- validate "$dir/ranges.yaml"
expect ranges_recipe 2 'recipe.batch_size: 100000 is outside [1, 65536]' -- validate "$dir/ranges.yaml"

printf 'name: x\ndataset: {name: fashion-mnist\n' > "$dir/syntax.yaml"
expect syntax 2 "syntax.yaml:3:1: a '{' or '[' that is not closed" -- validate "$dir/syntax.yaml"

expect missing_file 1 "$dir/absent.yaml: cannot open" -- validate "$dir/absent.yaml"
expect bad_shape 2 '--input: "1x28" is not CxHxW' -- cost examples/genomes/mbconv-small.yaml --input 1x28
expect bad_count 2 '--count: Value 0 not in range 1 to 100000' -- sample examples/fashion-mnist-joint.yaml --count 0

printf 'arch:\n  stem: {channels: 8, kernel: 4, activation: relu}\n' > "$dir/genome.yaml"
expect bad_genome 2 'arch.stem.kernel: 4 not in {3, 5, 7}; arch.stages: has 0 entries; allowed [1, 6]' -- cost "$dir/genome.yaml"

# A type error is printed once, by every command that reads the file.
printf 'name: x\ndataset: {name: fashion-mnist}\nbudget: {max_trials: abc}\n' > "$dir/type.yaml"
for command in validate sample; do
  expect_once "type_error_$command" 2 'budget.max_trials: "abc" is not an integer' -- $command "$dir/type.yaml"
done
expect_once type_error_submit 2 'budget.max_trials: "abc" is not an integer' -- submit "$dir/type.yaml" --controller 127.0.0.1:1
printf 'arch: {stem: {channels: x}}\n' > "$dir/type-genome.yaml"
expect_once type_error_cost 2 'arch.stem.channels: "x" is not an integer' -- cost "$dir/type-genome.yaml"
# A bad value reports its own field, not the defaults derived from it.
printf 'name: x\ndataset: {name: fashion-mnist}\nrecipe: {epochs: -1}\nbudget: {max_trials: -1}\nmulti_fidelity: {method: asha}\n' > "$dir/derived.yaml"
expect_once derived_epochs 2 'recipe.epochs: -1 is outside [1, 1000]' -- validate "$dir/derived.yaml"
expect_once derived_trials 2 'budget.max_trials: -1 is outside' -- validate "$dir/derived.yaml"
lines=$("$binary" validate "$dir/derived.yaml" 2>&1 | grep -c '^error: ')
if [[ "$lines" != 2 ]]; then
  echo "FAIL derived_one_error_per_line: $lines error lines (want 2)"
  failures=$((failures + 1))
else
  echo "ok   derived_one_error_per_line"
fi

# Every problem of a spec in one run, each with its line and column, in the
# order of the file; malformed values do not hide the rest.
printf 'name: t\nseed: -3\ndataset: {name: Fashion-MNIST}\nobjectives: [{metric: acuracy}]\nrecipe: {batch_size: 0, epochs: 2000}\n' > "$dir/many.yaml"
expect many_seed 2 'many.yaml:2:7: seed: "-3" is not a non-negative integer' -- validate "$dir/many.yaml"
expect many_dataset 2 'many.yaml:3:11: dataset.name: "Fashion-MNIST" is not built in (fashion-mnist, mnist, cifar10); give dataset.path for it; did you mean "fashion-mnist"?' -- validate "$dir/many.yaml"
expect many_metric 2 'many.yaml:4:23: objectives[0].metric: "acuracy" is not one of accuracy, params, macs, latency_ms, model_bytes; did you mean "accuracy"?' -- validate "$dir/many.yaml"
expect many_epochs 2 'recipe.epochs: 2000 is outside [1, 1000]' -- validate "$dir/many.yaml"
expect_once many_no_cascade 2 'objectives' -- validate "$dir/many.yaml"
order=$("$binary" validate "$dir/many.yaml" 2>&1 | sed -E 's/^error: [^:]*:([0-9]+):.*/\1/' | tr '\n' ' ')
if [[ "$order" != "2 3 4 5 " ]]; then
  echo "FAIL many_in_file_order: lines $order"
  failures=$((failures + 1))
else
  echo "ok   many_in_file_order"
fi
printf 'name: t\ndataset: {name: fashion-mnist}\nobjectives: [{metric: accuracy}, {metric: latency}]\nstrategy: {nsga2: {}}\n' > "$dir/near.yaml"
expect near_miss_metric 2 '"latency" is not one of accuracy, params, macs, latency_ms, model_bytes; did you mean "latency_ms"?' -- validate "$dir/near.yaml"

# Parse errors that name the real problem; binary input is not echoed.
printf 'name: t\ndataset:\n\tname: fashion-mnist\n' > "$dir/tab.yaml"
expect tab 2 'tab.yaml:3:1: a tab in the indentation; YAML indents with spaces only' -- validate "$dir/tab.yaml"
printf 'name: t\n  dataset: {name: fashion-mnist}\n' > "$dir/indent.yaml"
expect indentation 2 "indent.yaml:2:10: a 'key: value' where none can start: indent this line like the other keys of its mapping" -- validate "$dir/indent.yaml"
printf 'name: t\ndataset: {name: fashion-mnist}\nobjectives: [{metric: accuracy},, {metric: params, target: 1000}]\n' > "$dir/commas.yaml"
expect double_comma 2 "commas.yaml:3:33: objectives[1]: an empty entry (two commas in a row, or a '-' with nothing after it)" -- validate "$dir/commas.yaml"
printf 'name: t\ndataset: {name: fashion-mnist\n' > "$dir/unclosed.yaml"
expect unclosed 2 "a '{' or '[' that is not closed" -- validate "$dir/unclosed.yaml"
head -c 64 "$binary" > "$dir/binary.yaml"
expect binary 2 'binary.yaml: is a binary file (a NUL byte at offset' -- validate "$dir/binary.yaml"
if "$binary" validate "$dir/binary.yaml" 2>&1 | grep -qP '[\x00-\x08]'; then
  echo "FAIL binary_not_echoed"
  failures=$((failures + 1))
else
  echo "ok   binary_not_echoed"
fi
printf 'name: t\ndataset: {name: fashion-mnist}\n\xff\xfe: 1\n' > "$dir/latin1.yaml"
expect not_utf8 2 'latin1.yaml: is not UTF-8 text (byte 0xff at offset 39)' -- validate "$dir/latin1.yaml"

# Format, shape and classes checked against each other, and against the
# files when the path is readable here.
printf 'name: t\ndataset: {name: x, path: /srv/absent, format: cifar10_binary, shape: {channels: 1, height: 64, width: 64}, num_classes: 1000}\n' > "$dir/cifar.yaml"
expect cifar_shape 2 'dataset.shape: cifar10_binary records hold 3x32x32 images, not 1x64x64' -- validate "$dir/cifar.yaml"
expect cifar_classes 2 'dataset.num_classes: 1000 is over 256: IDX and CIFAR-10 files store each label in one byte' -- validate "$dir/cifar.yaml"
printf 'name: t\ndataset: {name: x, path: /srv/absent}\n' > "$dir/unset.yaml"
expect custom_needs_format 2 'dataset.format: must be set for a data set that is not built in' -- validate "$dir/unset.yaml"
expect custom_needs_classes 2 'dataset.num_classes: must be set for a data set that is not built in' -- validate "$dir/unset.yaml"
printf 'name: t\ndataset: {name: fm, path: /usr/share/datasets/fashion-mnist}\n' > "$dir/inferred.yaml"
expect inferred 0 'fm, 1x28x28, 10 classes, idx' -- validate "$dir/inferred.yaml"
printf 'name: t\ndataset: {name: fm, path: /usr/share/datasets/fashion-mnist, shape: {channels: 3, height: 32, width: 32}, num_classes: 5}\n' > "$dir/wrong.yaml"
expect files_shape 2 'dataset.shape: 3x32x32, but the images in /usr/share/datasets/fashion-mnist are 1x28x28' -- validate "$dir/wrong.yaml"
expect files_classes 2 'dataset.num_classes: 5, but /usr/share/datasets/fashion-mnist/' -- validate "$dir/wrong.yaml"
printf 'name: t\ndataset: {name: fm, path: /usr/share/datasets/fashion-mnist, format: cifar10_binary}\n' > "$dir/wrong-format.yaml"
expect files_format 2 'dataset.format: cifar10_binary, but /usr/share/datasets/fashion-mnist holds idx files' -- validate "$dir/wrong-format.yaml"
mkdir -p "$dir/nodata"
printf 'name: t\ndataset: {name: fm, path: %s}\n' "$dir/nodata" > "$dir/nodata.yaml"
expect files_none 2 'dataset.path: '"$dir"'/nodata: neither IDX files' -- validate "$dir/nodata.yaml"
if "$binary" validate "$dir/nodata.yaml" 2>&1 | grep -q 'must be set'; then
  echo "FAIL files_none_alone: the probe's error is followed by \"must be set\""
  failures=$((failures + 1))
else
  echo "ok   files_none_alone"
fi
expect unknown_command_suggests 2 'did you mean "validate"?' -- valdate x.yaml

# Service commands: the spec is checked before dialling; an unreachable
# controller is named.
expect submit_bad_spec 2 'ranges.yaml:4:10: budget.max_trials: -3 is outside' -- submit "$dir/ranges.yaml" --controller 127.0.0.1:1
expect submit_unreachable 1 'controller at 127.0.0.1:1' -- submit examples/pruning-only.yaml --controller 127.0.0.1:1
expect export_needs_output 2 '--output is required' -- export some-job/0
expect export_unreachable 1 'controller at 127.0.0.1:1' -- export some-job/0 --output "$dir/m.pt" --controller 127.0.0.1:1

# The commands and the connection settings.
expect unknown_command 2 'unknown command "foo"; commands: validate, sample' -- foo
expect_once unknown_command_once 2 'unknown command' -- foo --bar
expect version 0 'nasprune 0.1.0' -- --version
expect bad_output 2 '--output' -- list --output yaml
expect bad_port 2 'controller address "host:0": the port is not a number' -- list --controller host:0
expect list_unreachable 1 'cannot reach the controller at 127.0.0.1:1 (is nasprune-controller running there?)' -- list --controller 127.0.0.1:1
expect_once status_unreachable_once 1 'cannot reach the controller' -- status some-job --controller 127.0.0.1:1
NASPRUNE_CONTROLLER=127.0.0.1:2 expect env_controller 1 'controller at 127.0.0.1:2' -- workers
printf 'controller: 127.0.0.1:3\n' > "$dir/config.yaml"
expect config_controller 1 'controller at 127.0.0.1:3' -- workers --config "$dir/config.yaml"
NASPRUNE_CONTROLLER=127.0.0.1:2 expect flag_beats_env 1 'controller at 127.0.0.1:4' -- workers --controller 127.0.0.1:4 --config "$dir/config.yaml"
printf 'controler: 127.0.0.1:3\n' > "$dir/typo.yaml"
expect config_typo 2 'typo.yaml:1:1: controler: unknown setting; known: controller' -- list --config "$dir/typo.yaml"
expect config_missing 1 "$dir/absent.yaml: cannot open" -- list --config "$dir/absent.yaml"
printf 'controller: [1, 2]\n' > "$dir/list.yaml"
expect config_not_scalar 2 'list.yaml:1:1: controller: want HOST:PORT' -- list --config "$dir/list.yaml"
printf '[a]: 127.0.0.1:3\n' > "$dir/map-key.yaml"
expect config_key_not_scalar 2 'map-key.yaml:1:1: a setting name is not a word' -- list --config "$dir/map-key.yaml"
# A bad spec is reported as such even when the settings are bad too.
expect submit_spec_before_config 2 'ranges.yaml:4:10: budget.max_trials: -3' -- submit "$dir/ranges.yaml" --config "$dir/typo.yaml"
expect bad_state 2 '--state: "runing" is not one of' -- list --state runing --controller 127.0.0.1:1

# data check: a folder read as a worker reads it.
fm=/usr/share/datasets/fashion-mnist
expect data_check 0 'shape: {channels: 1, height: 28, width: 28}' -- data check "$fm"
expect data_check_classes 0 'num_classes: 10' -- data check "$fm"
expect data_check_labels 2 'label 9 of example' -- data check "$fm" --classes 5
mkdir -p "$dir/empty" "$dir/bad"
expect data_check_empty 1 'neither IDX files' -- data check "$dir/empty"
expect data_check_missing 1 "$dir/absent: not a directory" -- data check "$dir/absent"
expect data_check_cifar_missing 1 'data_batch_1.bin' -- data check "$dir/empty" --format cifar10_binary
printf 'not an idx file' > "$dir/bad/train-images-idx3-ubyte"
printf 'not an idx file' > "$dir/bad/train-labels-idx1-ubyte"
expect data_check_damaged 2 "$dir/bad/train-images-idx3-ubyte" -- data check "$dir/bad"
expect data_check_needs_sub 2 'subcommand' -- data
json_classes=$("$binary" data check "$fm" -o json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["classes"], d["train_examples"], len(d["per_class"]))')
if [[ "$json_classes" != "10 60000 10" ]]; then
  echo "FAIL data_check_json: $json_classes"
  failures=$((failures + 1))
else
  echo "ok   data_check_json"
fi

# cost --output json.
cost_json=$("$binary" cost examples/genomes/mbconv-small.yaml -o json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["params"] > 0, d["macs"] > 0, len(d["layers"]) > 0, d["input"]["height"])')
if [[ "$cost_json" != "True True True 28" ]]; then
  echo "FAIL cost_json: $cost_json"
  failures=$((failures + 1))
else
  echo "ok   cost_json"
fi

# data import: bad input named, nothing left behind.
expect import_missing 1 "$dir/absent: does not exist" -- data import "$dir/absent" -o "$dir/out"
expect import_one_class 2 'has 0 class folder(s); a data set needs at least 2' -- data import "$dir/empty" -o "$dir/out"
expect import_not_empty 2 "$dir/bad: exists and is not an empty folder" -- data import "$dir/empty" -o "$dir/bad"
expect import_bad_size 2 '--size: "32" is not HxW' -- data import "$dir/empty" -o "$dir/out" --size 32
expect import_bad_channels 2 '--channels: 2 is not 1 or 3' -- data import "$dir/empty" -o "$dir/out" --channels 2
expect import_bad_fraction 2 '--test-fraction: 0.9 is outside [0, 0.5]' -- data import "$dir/empty" -o "$dir/out" --test-fraction 0.9
mkdir -p "$dir/classes/a" "$dir/classes/b"
printf 'not a png' > "$dir/classes/a/broken.png"
expect import_broken_image 2 "$dir/classes/a/broken.png: cannot be read as an image" -- data import "$dir/classes" -o "$dir/out"
printf 'PK\x03\x04' > "$dir/arrays.npz"
expect import_npz 2 'is an .npz archive' -- data import "$dir/arrays.npz" --labels "$dir/arrays.npz" -o "$dir/out"
expect import_labels_needed 2 '--labels: required with an .npy source' -- data import "$dir/arrays.npz" -o "$dir/out"
expect import_labels_folder 2 '--labels: only with an .npy source' -- data import "$dir/classes" --labels x.npy -o "$dir/out"
if [[ -e "$dir/out" ]] || ls -A "$dir" | grep -q '\.import-'; then
  echo "FAIL import_leaves_nothing: $(ls -A "$dir")"
  failures=$((failures + 1))
else
  echo "ok   import_leaves_nothing"
fi

finish
