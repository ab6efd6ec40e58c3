#!/usr/bin/env bash
# The C++ suites under the sanitizers, each configuration in its own build folder, building
# only the test targets it runs:
#   scripts/sanitize.sh address   AddressSanitizer + UndefinedBehaviorSanitizer over every
#                                 GoogleTest suite (build-asan/)
#   scripts/sanitize.sh thread    ThreadSanitizer over the server, store and tuner suites
#                                 (build-tsan/)
# Any report fails its test. Extra arguments go to ctest (-R Registry, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
kind=${1:?usage: scripts/sanitize.sh address|thread [ctest arguments]}
shift
case "$kind" in
  address)
    dir=build-asan
    sanitize=address,undefined
    # Every GoogleTest executable (the end-to-end suites start the orchard binary, built with
    # the same instrumentation as their dependency).
    suites=(base_test search_filter_parser_test sqlite_tracking_store_test pg_tracking_store_test
            store_copy_test local_artifact_repo_test client_test cli_test server_test
            golden_replay_test rest_tracking_store_test artifact_proxy_test csv_reader_test
            metrics_test trainer_test dataset_source_test charts_test mlproject_test tuning_test
            registry_store_test rest_registry_store_test registry_server_test web_ui_test
            scoring_server_test tree_ensemble_test model_uri_test hostile_client_test crash_test
            basic_auth_test browser_guard_test http_tls_test)
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1:strict_string_checks=1"
    export LSAN_OPTIONS="suppressions=$PWD/scripts/sanitizers/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
    ;;
  thread)
    dir=build-tsan
    sanitize=thread
    suites=(server_test artifact_proxy_test registry_server_test scoring_server_test
            sqlite_tracking_store_test pg_tracking_store_test registry_store_test
            rest_tracking_store_test rest_registry_store_test tuning_test basic_auth_test
            http_tls_test)
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/scripts/sanitizers/tsan.supp"
    ;;
  *)
    echo "usage: scripts/sanitize.sh address|thread [ctest arguments]" >&2
    exit 2
    ;;
esac
echo "orchard: building the ${#suites[@]} suites with -fsanitize=$sanitize in $dir/"
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DORCHARD_SANITIZE="$sanitize" \
  -DORCHARD_WERROR=ON >/dev/null
if ! cmake --build "$dir" --target "${suites[@]}" -- -j"$(nproc)" >"$dir/build.log" 2>&1; then
  tail -n 60 "$dir/build.log"
  exit 1
fi
labels="^($(IFS='|'; echo "${suites[*]}"))\$"
ctest --test-dir "$dir" -L "$labels" --output-on-failure -j"$(nproc)" "$@"
