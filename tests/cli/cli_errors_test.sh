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

finish
