#!/usr/bin/env bash
# orchard train against scikit-learn 1.2.1 on the same generated 67,463-row loan file, side by
# side in one run: the whole `orchard train` process (CSV load, preprocessing, training,
# evaluation, logging the run and the model) against a whole Python process doing the
# tutorial's steps (pandas read_csv, split, fit, evaluate; no logging), and against
# scikit-learn's fit() alone.
# Usage: bench/train_bench.sh [REPEATS]   (after a build; installs python3-sklearn if missing)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
orchard="$repo/build/orchard"
repeats=${1:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! /usr/bin/python3 -c 'import sklearn, pandas' 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-sklearn python3-pandas >/dev/null
fi
cd "$work"
"$orchard" datasets make-loan --rows 67463 --seed 42 -o loan.csv
export ORCHARD_TRACKING_URI="sqlite:///$work/bench.db"
for model in rf hgbt; do
  for threads in 1 2; do
    times=()
    for _ in $(seq "$repeats"); do
      start=$(date +%s%N)
      out=$("$orchard" train --model "$model" --data loan.csv --target "Loan Status" \
        --threads "$threads" 2>err.txt)
      times+=("$(( ($(date +%s%N) - start) / 1000000 ))")
    done
    pr_auc=$(echo "$out" | awk '/test_PR_AUC/ { print $2 }')
    load=$(awk '/loaded/ { print $(NF-1) }' err.txt)
    echo "orchard $model --threads $threads: whole process ${times[*]} ms, test PR AUC $pr_auc, CSV load ${load} s"
  done
done
for model in rf hgbt; do
  times=()
  for _ in $(seq "$repeats"); do
    start=$(date +%s%N)
    out=$(/usr/bin/python3 "$repo/bench/train_bench.py" loan.csv --process "$model")
    times+=("$(( ($(date +%s%N) - start) / 1000000 ))")
  done
  echo "python $model (read_csv, fit, evaluate): whole process ${times[*]} ms, $out"
done
/usr/bin/python3 "$repo/bench/train_bench.py" loan.csv "$repeats"
