#!/usr/bin/env bash
# The tutorial's loan-default pipeline with Orchard, in a folder of its own (default
# ./demo-output): the search_params entry point of examples/loan tunes a random forest for 10
# trials (TPE), each a nested child run that logs its metrics and model; the best trial's model
# is registered as loan_model and promoted to Production. Usage:
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
echo "search finished in $((millis / 1000)).$(printf '%03d' $((millis % 1000))) s"
echo "parent run:  $parent"
echo "best trial:  $best  (test_PR_AUC $pr_auc)"
echo "its model:   runs:/$best/model"
echo "registered:  models:/loan_model/Production (loan_model version $version)"
echo
echo "Next: look at the runs with 'build/orchard ui --backend-store-uri $ORCHARD_TRACKING_URI';"
echo "the model by name: 'build/orchard models versions loan_model' (with the same"
echo "ORCHARD_TRACKING_URI); serving it is the next step."
