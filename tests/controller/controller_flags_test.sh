#!/usr/bin/env bash
# Runs the real `nasprune-controller` with bad flags and checks that each is
# rejected with exit status 2 and a message naming the flag, before anything
# starts. Usage: controller_flags_test.sh PATH/TO/nasprune-controller
set -u
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
binary=$1
source "$(dirname "$0")/../testing/expect.sh"

expect listen 2 '--listen: "nowhere" is not HOST:PORT' -- --listen nowhere
expect listen_port 2 '--listen: "127.0.0.1:70000" is not HOST:PORT with a port in [1, 65535]' -- --listen 127.0.0.1:70000
expect redis 2 '--redis: "redis" is not HOST:PORT' -- --redis redis
expect heartbeat 2 '--heartbeat-interval-ms: 5 is outside [10, 600000]' -- --heartbeat-interval-ms 5
expect attempts 2 '--max-attempts: 0 is outside [1, 100]' -- --max-attempts 0
expect failure_limit 2 '--failure-limit: 0 is outside [1, 1000]' -- --failure-limit 0
expect redis_timeout 2 '--redis-timeout-ms: 0 is not positive' -- --redis-timeout-ms 0
touch "$dir/file"
expect artifact_dir 2 "--artifact-dir: cannot create $dir/file/x" -- --artifact-dir "$dir/file/x"
expect unknown_flag 2 'The following argument was not expected: --nope' -- --nope
# A Redis that is not there: the controller cannot start.
expect no_redis 1 'redis at 127.0.0.1:1' -- --redis 127.0.0.1:1 --artifact-dir "$dir/a" --redis-timeout-ms 200

finish
