"""scikit-learn's side of bench/train_bench.sh: the tutorial's two pipelines on the same CSV,
timing fit() alone and reporting test PR AUC on a stratified 25% split.

    train_bench.py FILE [REPEATS]        fit() alone, REPEATS times per model
    train_bench.py FILE --process MODEL  the tutorial's steps once (read the CSV with pandas,
                                         split, fit, evaluate): the shell times this whole
                                         process against the whole `orchard train` process

Run with Debian's python3 (python3-sklearn 1.2.1)."""
import sys
import time

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import average_precision_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

data = pd.read_csv(sys.argv[1])
process_model = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--process" else None
repeats = int(sys.argv[2]) if len(sys.argv) > 2 and process_model is None else 3
y = data.pop("Loan Status")
data = data.drop(columns=["ID"])
categorical = [c for c in data.columns if data[c].dtype == object]
X_train, X_test, y_train, y_test = train_test_split(
    data, y, test_size=0.25, random_state=42, stratify=y)


def pipeline(model):
    encode = ColumnTransformer(
        [("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan),
          categorical)], remainder="passthrough")
    return Pipeline([("encode", encode), ("model", model)])


models = {
    "rf": lambda: RandomForestClassifier(n_estimators=100, max_depth=5, max_features=0.1,
                                         min_samples_leaf=10, class_weight="balanced",
                                         random_state=42),
    "hgbt": lambda: HistGradientBoostingClassifier(max_depth=20, learning_rate=0.1,
                                                   max_leaf_nodes=31, l2_regularization=1.0,
                                                   random_state=42),
}
if process_model is not None:
    model = pipeline(models[process_model]())
    model.fit(X_train, y_train)
    score = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
    print(f"test_PR_AUC {score:.4f}")
    sys.exit(0)

for name, make in models.items():
    times = []
    for _ in range(repeats):
        model = pipeline(make())
        start = time.perf_counter()
        model.fit(X_train, y_train)
        times.append(time.perf_counter() - start)
    score = average_precision_score(y_test, model.predict_proba(X_test)[:, 1])
    print(f"sklearn {name}: fit median {sorted(times)[len(times) // 2]:.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in times)}), test PR AUC {score:.4f}")
