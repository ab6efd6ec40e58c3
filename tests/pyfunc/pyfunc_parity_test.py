#!/usr/bin/env python3
"""The python_function flavor of Orchard's model package, checked against Orchard itself.

parity     trains rf and hgbt with every categorical encoding (8 packages) with
           `orchard train`, loads each package as MLflow 2.12's mlflow.pyfunc.load_model
           does, and scores held-out rows (unseen levels, missing values, extra columns,
           shuffled columns) through the package's loader and through `orchard models
           predict`: both columns must agree within 1e-6. One more package has a
           categorical column of numbers, scored with the numbers spelled otherwise.
signature  trains on several CSVs and checks that each input column's type in the
           MLmodel signature is the one MLflow gives the dtype pandas.read_csv reads that
           column as (int64 -> long, float64 -> double, object -> string, bool -> boolean).

From the repository root:
    python3 tests/pyfunc/pyfunc_parity_test.py --orchard build/orchard [--only parity]

Needs numpy, pandas, xgboost and PyYAML (Debian: python3-pandas python3-xgboost
python3-yaml). Works in a temporary folder that it removes; exits 0 when every check
passes, else 1 with what failed.
"""

import argparse
import importlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

try:
    import numpy as np
    import pandas as pd
    import yaml
except ImportError:
    # Debian's python3-pandas and python3-yaml serve the system interpreter; a python3
    # earlier on PATH (pyenv, a virtualenv) may lack them.
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3", *sys.argv])
    raise

REPO = Path(__file__).resolve().parents[2]
MODULE_SOURCE = REPO / "src" / "train" / "orchard_pyfunc.py"
MODELS = ("rf", "hgbt")
ENCODINGS = ("ordinal", "woe", "native", "onehot")
# Small models, so that all the trainings take a few seconds.
TRAIN_PARAMS = {
    "rf": ["--param", "n_estimators=8", "--param", "max_depth=4"],
    "hgbt": ["--param", "max_iter=12", "--param", "max_leaf_nodes=8"],
}
TARGET = "default"
TOLERANCE = 1e-6

# MLflow's column type for a pandas dtype (mlflow.types.utils._infer_pandas_column).
MLFLOW_TYPE_OF_DTYPE = {
    "int64": "long", "int32": "integer", "float64": "double", "float32": "float",
    "bool": "boolean", "object": "string",
}


class CheckFailed(Exception):
    pass


class Orchard:
    """The orchard command, run in the work folder against a store of its own."""

    def __init__(self, binary, work):
        self.binary = str(Path(binary).resolve())
        self.work = work
        self.store = ["--tracking-uri", f"sqlite:///{work / 'store.db'}",
                      "--artifact-root", str(work / "artifacts")]
        # Only the flags above choose the store: no tracking variables leak in.
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("MLFLOW_", "ORCHARD_"))}

    def run(self, *args):
        command = [self.binary, *self.store, *args]
        done = subprocess.run(command, cwd=self.work, env=self.env, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            raise CheckFailed(f"`orchard {' '.join(args)}` exited {done.returncode}: "
                              f"{done.stderr.strip() or done.stdout.strip()}")
        return done.stdout

    def train(self, csv, model, encoding="", args=()):
        """Trains a model in a new run; returns the folder of its package."""
        out = self.run("train", "--data", str(csv), "--target", TARGET, "--model", model,
                       *(["--encoding", encoding] if encoding else []),
                       "--experiment-name", "pyfunc", "--seed", "7", *args)
        run_ids = [line.split()[1] for line in out.splitlines() if line.startswith("run_id ")]
        if not run_ids:
            raise CheckFailed(f"`orchard train` printed no run_id line: {out.strip()}")
        run_id = run_ids[0]
        packages = list((self.work / "artifacts").glob(f"*/{run_id}/artifacts/model"))
        if len(packages) != 1:
            raise CheckFailed(f"no single model package for run {run_id}: {packages}")
        return packages[0]

    def predict(self, package, csv, output):
        self.run("models", "predict", "-m", str(package), "-i", str(csv), "-o", str(output))
        # Every field as text, to compare the header as written.
        return pd.read_csv(output, dtype=str)


def read_mlmodel(package):
    # As MLflow reads it (mlflow.models.Model.load).
    with open(package / "MLmodel", encoding="utf-8") as mlmodel:
        return yaml.safe_load(mlmodel)


def signature_inputs(package):
    """{column: MLflow type} from the MLmodel signature, in order."""
    inputs = json.loads(read_mlmodel(package)["signature"]["inputs"])
    return {column["name"]: column["type"] for column in inputs}


def load_like_mlflow(package):
    """What mlflow.pyfunc.load_model(<package>) does in MLflow 2.12, MLflow aside: the
    code folder first on sys.path (its modules dropped from the cache), the
    loader_module imported, and _load_pyfunc given <package>/<data>."""
    conf = read_mlmodel(package)["flavors"].get("python_function") or {}
    module, code, data = conf.get("loader_module"), conf.get("code"), conf.get("data")
    if not code or not (package / code / f"{module}.py").is_file():
        raise CheckFailed(
            f"the python_function flavor (loader_module {module!r}, code {code!r}, data "
            f"{data!r}) names no loader that the package holds; its files: "
            f"{', '.join(sorted(p.name for p in package.iterdir()))}")
    code_path = package / code
    sys.path.insert(0, str(code_path))
    for source in code_path.rglob("*.py"):
        sys.modules.pop(source.stem, None)
    data_path = os.path.join(package, data) if data is not None else str(package)
    model = importlib.import_module(module)._load_pyfunc(data_path)
    return model, code_path / f"{module}.py"


# --- data -------------------------------------------------------------------------------

PURPOSES = [f"purpose_{i:02d}" for i in range(26)]  # more levels than onehot keeps (20)


def loan_columns(rng, rows, held_out=False):
    """Columns of CSV text, so both readers see the same bytes.

    Training rows: categorical columns (among them a term of "36" / "60" / "unknown" and
    a True / False flag), integers with and without missing values, floats, integers
    written as "3.0", an id column that Orchard leaves out, and a 0/1 target. Held-out
    rows also have levels never seen in training, missing values in every column, two
    extra columns, and numbers only in the term ("36", "60.0", "120"), which Orchard
    and pandas then read as numbers to be matched against the levels "36" and "60".
    """
    def pick(values, p=None):
        return rng.choice(values, size=rows, p=p).astype(object)

    share = 0.12 if held_out else 0.06

    def with_missing(texts, token=""):
        texts = np.array(texts, dtype=object)
        texts[rng.random(rows) < share] = token
        return texts

    grade = pick(list("ABCDEFG") + (["H", "Z"] if held_out else []))
    weights = 1.0 / np.arange(1, len(PURPOSES) + 1)
    purpose = pick(PURPOSES, weights / weights.sum())
    if held_out:
        purpose[rng.random(rows) < 0.1] = "crypto"
        term = pick(["36", "60", "60.0", "120", "36.0"])
    else:
        term = pick(["36", "60", "unknown"], [0.6, 0.35, 0.05])
    verified = pick(["True", "False"])
    age = rng.integers(21, 70, size=rows)
    months = rng.integers(0, 480, size=rows)
    income = np.round(rng.lognormal(10.5, 0.6, size=rows), 2)
    debt = rng.random(rows) ** 3
    accounts = rng.integers(0, 25, size=rows)

    logit = (0.5 * (np.array([ord(g) for g in grade]) - ord("D")) - 0.5 * (term == "36")
             + 0.6 * (verified == "False") - 0.00003 * (income - 36000) + 2.0 * debt
             - 0.02 * (age - 45) + 0.3 * (purpose == "purpose_01"))
    target = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)

    columns = {
        "loan_id": [f"L{i:06d}" for i in rng.permutation(rows)],
        "grade": with_missing(grade),
        "purpose": with_missing(purpose),
        "term": with_missing(term),
        "verified": with_missing(verified),
        "age": with_missing(age.astype(str)) if held_out else age.astype(str),
        "months_employed": with_missing(months.astype(str)),
        "income": with_missing([f"{x:.2f}" for x in income], token="NA"),
        "debt_ratio": with_missing([repr(float(x)) for x in debt]),
        "open_accounts": [f"{a}.0" for a in accounts],
    }
    if held_out:
        columns["branch"] = pick(["north", "south"])
        columns["note"] = with_missing(pick(["call back", "ok"]))
    else:
        columns[TARGET] = target.astype(str)
    return columns


# A categorical column of numbers as text (read with --categorical): held-out files hold
# them spelled otherwise ("36.0", "1e15", "-0.0"), so Orchard and pandas read numbers,
# whose shortest text ("36", "1000000000000000", "-0") must find the level.
CODE_LEVELS = ["36", "1e+16", "1000000000000000", "1e-05", "0.0001", "-0", "0",
               "123456789.125", "inf"]
CODE_SPELLINGS = ["36.0", "1e16", "1e15", "0.00001", "1e-4", "-0.0", "0.0", "123456789.125",
                  "Infinity", "-inf", "7", ""]


def code_columns(rng, rows, held_out=False):
    code = rng.integers(0, len(CODE_LEVELS), size=rows)
    amount = rng.random(rows)
    columns = {"amount": [repr(float(x)) for x in amount]}
    if held_out:
        columns["code"] = rng.choice(CODE_SPELLINGS, size=rows)
        columns["extra"] = rng.choice(["u", "v"], size=rows)
    else:
        columns["code"] = [CODE_LEVELS[c] for c in code]
        p = (code + 1) / (len(CODE_LEVELS) + 1)
        columns[TARGET] = (rng.random(rows) < p).astype(int).astype(str)
    return columns


def write_csv(path, columns, order=None):
    """Writes the text as it stands (missing values empty) in the given column order."""
    frame = pd.DataFrame({name: columns[name] for name in (order or list(columns))})
    frame.to_csv(path, index=False)


# --- checks -------------------------------------------------------------------------------

def check_parity(orchard, work):
    """Returns (passed, failed)."""
    cases = [(f"{model}-{encoding}", "loans", model, encoding, TRAIN_PARAMS[model])
             for model in MODELS for encoding in ENCODINGS]
    cases.append(("hgbt-ordinal on number levels", "codes", "hgbt", "ordinal",
                  ["--categorical", "code", "--param", "max_iter=30",
                   "--param", "min_samples_leaf=2"]))
    data = {}
    for name, make, rows in (("loans", loan_columns, 1500), ("codes", code_columns, 1500)):
        train_csv = work / f"parity_{name}.csv"
        write_csv(train_csv, make(np.random.default_rng(20240521), rows))
        held_out = make(np.random.default_rng(99), 400, held_out=True)
        order = list(held_out)
        np.random.default_rng(5).shuffle(order)
        score_csv = work / f"parity_{name}_held_out.csv"
        write_csv(score_csv, held_out, order)
        data[name] = (train_csv, score_csv, pd.read_csv(score_csv))

    passed = failed = 0
    for name, dataset, model, encoding, args in cases:
        train_csv, score_csv, frame = data[dataset]
        try:
            package = orchard.train(train_csv, model, encoding, args)
            summary = compare(orchard, package, score_csv, frame,
                              work / f"predictions_{name.replace(' ', '_')}.csv")
            print(f"parity {name}: ok: {summary}")
            passed += 1
        except CheckFailed as failure:
            print(f"parity {name}: FAILED: {failure}")
            failed += 1
    return passed, failed


def compare(orchard, package, score_csv, frame, output):
    model, module_file = load_like_mlflow(package)
    if module_file.read_bytes() != MODULE_SOURCE.read_bytes():
        raise CheckFailed(f"{module_file.name} in the package differs from "
                          f"{MODULE_SOURCE.relative_to(REPO)}")
    ours = model.predict(frame.copy(), params=None)
    if not isinstance(ours, pd.DataFrame) or ours.shape != (len(frame), 2):
        raise CheckFailed(f"predict gave a {type(ours).__name__} of shape "
                          f"{getattr(ours, 'shape', None)}, not a {len(frame)} x 2 DataFrame")
    theirs = orchard.predict(package, score_csv, output)
    if list(ours.columns) != list(theirs.columns):
        raise CheckFailed(f"the columns are {list(ours.columns)}; models predict writes "
                          f"{list(theirs.columns)}")
    gaps = np.abs(ours.to_numpy() - theirs.to_numpy(dtype=np.float64))
    if not gaps.max() <= TOLERANCE:
        row = int(gaps.max(axis=1).argmax())
        raise CheckFailed(f"{int((gaps > TOLERANCE).any(axis=1).sum())} rows differ from "
                          f"models predict, by up to {gaps.max():.3g}; row {row}: pyfunc "
                          f"{ours.iloc[row].tolist()}, models predict "
                          f"{theirs.iloc[row].tolist()}, input {frame.iloc[row].to_dict()}")

    # The other shapes MLflow's callers pass give the same numbers.
    names = list(signature_inputs(package))
    for shape, rows in (("list of dicts", frame.to_dict(orient="records")),
                        ("dict of columns", frame.to_dict(orient="list")),
                        ("2-D array in the signature's order", frame[names].to_numpy())):
        other = model.predict(rows, params=None)
        if not isinstance(other, np.ndarray) or other.shape != ours.shape:
            raise CheckFailed(f"a {shape} gave {type(other).__name__} "
                              f"{getattr(other, 'shape', None)}, not an array like the frame's")
        if not np.abs(other - ours.to_numpy()).max() <= TOLERANCE:
            raise CheckFailed(f"a {shape} scores differently from the DataFrame")
    try:
        model.predict(frame.drop(columns=names[-1]), params=None)
    except ValueError as error:
        if repr(names[-1]) not in str(error):
            raise CheckFailed(f"the error for a missing column does not name it: {error}")
    else:
        raise CheckFailed(f"rows without the column '{names[-1]}' were scored")
    p1 = ours.iloc[:, 1]
    return (f"{len(frame)} rows as models predict scores them (largest gap "
            f"{gaps.max():.1e}; p1 from {p1.min():.3f} to {p1.max():.3f})")


def signature_datasets(rng):
    """CSV files ({name: {column: texts}}) whose columns pandas reads as every dtype."""
    rows = 300

    def ints(low, high):
        return rng.integers(low, high, size=rows).astype(str).astype(object)

    def blanks(texts, share=0.1):
        texts = np.array(texts, dtype=object)
        texts[rng.random(rows) < share] = ""
        return texts

    def choice(values):
        return rng.choice(values, size=rows).astype(object)

    target = rng.integers(0, 2, size=rows).astype(str)
    return {
        "counts": {
            "visits": ints(0, 50),                               # int64 -> long
            "balance": ints(-2_000_000_000_000, 2_000_000_000_000),  # past 32 bits
            "children": blanks(ints(0, 6)),                      # float64 -> double
            "rate": [f"{x:.4f}" for x in rng.random(rows)],       # float64 -> double
            "score": [f"{x}.0" for x in ints(300, 850)],          # ints as "1.0": double
            "city": choice(["Lyon", "Porto", "Graz"]),            # object -> string
            TARGET: target,
        },
        "flags": {
            "member": choice(["True", "False"]),                 # bool -> boolean
            "opted_in": choice(["true", "false"]),               # bool -> boolean
            "tiny": [f"{x:.3e}" for x in rng.random(rows) / 1e6],  # float64 -> double
            "region": blanks(choice(["north", "south", "east"])),  # object -> string
            "floors": ints(1, 9),                                # int64 -> long
            TARGET: target,
        },
        "codes": {
            "branch_code": choice(["007", "012", "120"]),        # int64 -> long (7, 12, 120)
            "plan": choice(["12", "24", "x9"]),                  # object -> string
            "limit": blanks(ints(1000, 9000), 0.3),              # float64 -> double
            "segment": blanks(choice(["a", "b"]), 0.5),          # object -> string
            TARGET: target,
        },
    }


def check_signature(orchard, work):
    """Returns (passed, failed)."""
    datasets = signature_datasets(np.random.default_rng(11))
    # Also: True / False with gaps (object -> string), integers with gaps (double).
    datasets["loans"] = loan_columns(np.random.default_rng(20240521), 600)
    passed = failed = 0
    for name, columns in datasets.items():
        csv = work / f"signature_{name}.csv"
        write_csv(csv, columns)
        try:
            package = orchard.train(csv, "hgbt", args=["--param", "max_iter=3"])
            dtypes = {column: str(dtype) for column, dtype in pd.read_csv(csv).dtypes.items()}
            inputs = signature_inputs(package)
            wrong = [f"'{column}' is {kind}, but pandas reads {dtypes.get(column)}, which "
                     f"MLflow calls {MLFLOW_TYPE_OF_DTYPE.get(dtypes.get(column))}"
                     for column, kind in inputs.items()
                     if kind != MLFLOW_TYPE_OF_DTYPE.get(dtypes.get(column))]
            if wrong:
                raise CheckFailed("; ".join(wrong))
            print(f"signature {name}: ok: {len(inputs)} columns typed as pandas reads them")
            passed += 1
        except CheckFailed as failure:
            print(f"signature {name}: FAILED: {failure}")
            failed += 1
    return passed, failed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orchard", required=True, help="the orchard binary")
    parser.add_argument("--only", choices=("parity", "signature"), help="run one check only")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    if not os.access(args.orchard, os.X_OK):
        sys.exit(f"error: {args.orchard} is not an executable orchard binary")

    work = Path(tempfile.mkdtemp(prefix="orchard-pyfunc-"))
    passed = failed = 0
    try:
        orchard = Orchard(args.orchard, work)
        if args.only in (None, "parity"):
            p, f = check_parity(orchard, work)
            passed, failed = passed + p, failed + f
        if args.only in (None, "signature"):
            p, f = check_signature(orchard, work)
            passed, failed = passed + p, failed + f
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"pyfunc: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
