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
expect syntax 2 'syntax.yaml:3:1: not valid YAML or JSON' -- validate "$dir/syntax.yaml"

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
expect_once derived_one_line 2 'error:' -- validate "$dir/derived.yaml"

# Service commands: the spec is checked before dialling; an unreachable
# controller is named.
expect submit_bad_spec 2 'ranges.yaml: budget.max_trials: -3 is outside' -- submit "$dir/ranges.yaml" --controller 127.0.0.1:1
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
expect submit_spec_before_config 2 'ranges.yaml: budget.max_trials: -3' -- submit "$dir/ranges.yaml" --config "$dir/typo.yaml"
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

finish
