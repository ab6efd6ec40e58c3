#!/usr/bin/env bash
# A tuning-shaped tracking session through the orchard CLI: an experiment, a parent run with
# three nested child runs, params, metrics over steps, artifacts, then a summary read back from
# the store. Usage: examples/tracking_demo.sh [WORK_DIR]  (default: demo-output, recreated).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
work=${1:-demo-output}
rm -rf "$work"
mkdir -p "$work"
cd "$work"
# Everything lands here: sqlite:///orchard.db and ./orchard-artifacts.
unset ORCHARD_TRACKING_URI MLFLOW_TRACKING_URI MLFLOW_RUN_ID MLFLOW_EXPERIMENT_ID MLFLOW_EXPERIMENT_NAME

echo "== experiment"
experiment_id=$("$orchard" experiments create --name loan-demo --tag team=credit-risk --tag project=loan-default)
echo "created experiment loan-demo (id $experiment_id)"

echo "== parent run and three nested trials"
parent=$("$orchard" runs create -n loan-demo --run-name search_params --source-name tracking_demo.sh)
"$orchard" runs log-param -r "$parent" model_type rf
"$orchard" runs log-param -r "$parent" max_trials 3

trial=0
for config in "100 6" "200 8" "300 12"; do
  read -r n_estimators max_depth <<<"$config"
  trial=$((trial + 1))
  child=$("$orchard" runs create -n loan-demo --parent-run-id "$parent" --run-name "trial-$trial" \
    --source-name tracking_demo.sh)
  "$orchard" runs log-param -r "$child" n_estimators "$n_estimators"
  "$orchard" runs log-param -r "$child" max_depth "$max_depth"
  # A made-up learning curve: loss falls per step, deeper trees reach a better PR AUC.
  for step in 0 1 2 3 4; do
    loss=$(awk -v s="$step" -v d="$max_depth" 'BEGIN { printf "%.4f", 0.7 / (1 + s * d / 10) }')
    "$orchard" runs log-metric -r "$child" train_loss "$loss" --step "$step"
  done
  pr_auc=$(awk -v d="$max_depth" -v n="$n_estimators" 'BEGIN { printf "%.4f", 0.10 + d / 200 + n / 10000 }')
  "$orchard" runs log-metric -r "$child" test_PR_AUC "$pr_auc"
  printf 'n_estimators,max_depth,test_PR_AUC\n%s,%s,%s\n' "$n_estimators" "$max_depth" "$pr_auc" >summary.csv
  "$orchard" artifacts log -r "$child" summary.csv --artifact-path results
  "$orchard" runs end -r "$child"
  echo "trial $trial: n_estimators=$n_estimators max_depth=$max_depth test_PR_AUC=$pr_auc"
done

best=$("$orchard" --json runs search -n loan-demo --filter "tags.mlflow.parentRunId = '$parent'" \
  --order-by "metrics.test_PR_AUC DESC" --max-results 1 | grep -o '"run_id":"[0-9a-f]*"' | head -1 | cut -d'"' -f4)
"$orchard" runs set-tag -r "$parent" best_run_id "$best"
"$orchard" runs end -r "$parent"

echo
echo "== summary, read back from the store"
"$orchard" runs search -n loan-demo --filter "tags.mlflow.parentRunId = '$parent'" \
  --order-by "metrics.test_PR_AUC DESC"
echo
echo "-- best trial $best"
"$orchard" runs get -r "$best"
echo
echo "-- train_loss history of the best trial"
"$orchard" runs history -r "$best" train_loss
echo
echo "-- artifacts of the best trial"
"$orchard" artifacts list -r "$best" --path results
echo
echo "Store: $(pwd)/orchard.db  Artifacts: $(pwd)/orchard-artifacts"
