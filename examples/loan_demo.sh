#!/usr/bin/env bash
# The tutorial's loan-default pipeline with Orchard, in a folder of its own (default
# ./demo-output): the search_params entry point of examples/loan tunes a random forest for 10
# trials (TPE), each a nested child run that logs its metrics and model; the best trial's model
# is registered as loan_model and promoted to Production; then it is served, and the tutorial's
# dataframe_split request (one row of the data) gets its prediction. Usage:
#   examples/loan_demo.sh [OUTPUT_FOLDER] [MODEL_TYPE]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
out=${1:-demo-output}
model=${2:-rf}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$out"
export ORCHARD_TRACKING_URI="sqlite:///$out/orchard.db"
export ORCHARD_ARTIFACT_ROOT="$out/orchard-artifacts"
export ORCHARD_CACHE_DIR="${ORCHARD_CACHE_DIR:-$out/cache}"

echo "== orchard run examples/loan -e search_params --experiment-name loan -P model_type=$model"
start=$(date +%s%N)
"$orchard" run "$repo/examples/loan" -e search_params --experiment-name loan \
  -P model_type="$model" >search.out
millis=$(( ($(date +%s%N) - start) / 1000000 ))
parent=$(tail -n 1 search.out)
sed "$ d" search.out

echo
echo "== the search: one parent run, its trials nested under it, best first"
"$orchard" runs search --experiment-name loan \
  --filter "tags.mlflow.parentRunId = '$parent'" --order-by "metrics.test_PR_AUC DESC"
best=$("$orchard" runs best --parent "$parent" --metric test_PR_AUC | cut -f1)
pr_auc=$("$orchard" --json runs get -r "$best" |
  sed -n 's/.*"key":"test_PR_AUC","value":\([0-9.eE+-]*\).*/\1/p')

echo
echo "== register the best trial's model as loan_model and promote it to Production"
version=$("$orchard" models register "runs:/$best/model" --name loan_model |
  sed -n 's/^registered loan_model version \([0-9]*\).*/\1/p')
"$orchard" models transition loan_model "$version" Production --archive-existing
"$orchard" models versions loan_model

echo
echo "== serve models:/loan_model/Production and send the tutorial's request"
data=$(PATH="$repo/build:$PATH" sh "$repo/examples/loan/loan_data.sh" \
  hemanthsai7/loandefault/train.csv 2>/dev/null)
# The server prints one line once it listens (with -p 0, on a free port): read it, then ask.
coproc SERVER { exec "$orchard" models serve -m models:/loan_model/Production -p 0 2>&1; }
server_pid=$SERVER_PID
stop_server() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
trap stop_server EXIT
if ! read -r ready <&"${SERVER[0]}" || [[ $ready != *"listening on http://"* ]]; then
  echo "the scoring server did not start: $ready" >&2
  exit 1
fi
echo "$ready"
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' <<<"$ready")
python3 "$repo/examples/loan/score_request.py" "$url" "$data"
stop_server
trap - EXIT
echo
echo "search finished in $((millis / 1000)).$(printf '%03d' $((millis % 1000))) s"
echo "parent run:  $parent"
echo "best trial:  $best  (test_PR_AUC $pr_auc)"
echo "its model:   runs:/$best/model"
echo "registered:  models:/loan_model/Production (loan_model version $version)"
echo
echo "served:      $url (stopped); again with:"
echo "  ORCHARD_TRACKING_URI=$ORCHARD_TRACKING_URI \\"
echo "    build/orchard models serve -m models:/loan_model/Production -p 5001"
echo "Look at the runs with 'build/orchard ui --backend-store-uri $ORCHARD_TRACKING_URI'."
