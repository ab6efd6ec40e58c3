"""MLflow's python_function loader for Orchard model packages.

Every package carries this file as code/orchard_pyfunc.py, named by the python_function
flavor of its MLmodel, so that mlflow.pyfunc.load_model() scores raw rows (the columns of
the signature) as `orchard models serve` and `orchard models predict` do: the saved
preprocessing (preprocessing.json), then the booster (model.json), giving [p0, p1] per
row, the negative class's probability first.

It needs numpy, pandas and xgboost only: no MLflow import and no YAML parser, so it also
runs without MLflow (orchard_pyfunc._load_pyfunc(folder).predict(frame)).
"""

import json
import math
import os
import re

import numpy as np
import pandas as pd
import xgboost as xgb

PREPROCESSING_FILE = "preprocessing.json"
BOOSTER_FILE = "model.json"
MLMODEL_FILE = "MLmodel"

# Text that Orchard reads as missing (Frame's IsMissingText), spaces and tabs trimmed.
_MISSING_TEXT = frozenset(["", "NA", "N/A", "NaN", "nan", "null", "NULL", "None"])

# What std::from_chars takes as a whole number, which is how Orchard reads text given for
# a numeric column: unlike float(), no spaces, no leading '+', no '_' between digits.
_NUMBER_TEXT = re.compile(
    r"-?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|inf(?:inity)?|nan(?:\([0-9a-z_]*\))?)",
    re.IGNORECASE)

_MISSING_CODE = -2  # a categorical cell with no value (unseen levels are -1)
_FLOAT_MAX = np.finfo(np.float32).max


def _load_pyfunc(path):
    """MLflow calls this with <model>/<data>: the package folder, or a file in it."""
    folder = os.path.dirname(path) if os.path.isfile(path) else path
    return OrchardModel(folder)


def _is_missing(value):
    # pd.isna covers None, NaN (Python and numpy), pd.NA and NaT; text is never missing
    # here: which text counts as missing depends on the column's type.
    return not isinstance(value, str) and bool(pd.isna(value))


def _number_text(number):
    """A number as Orchard writes a level: its shortest text, "36" for 36.0 (fmt's "{}").

    repr() is the same shortest round-trip text with the same switch to exponents
    (below 1e-4, from 1e16), except that it ends whole numbers with ".0".
    """
    text = repr(float(number))
    return text[:-2] if text.endswith(".0") else text


def _level_text(value):
    """The level a categorical cell names, or None when it is missing."""
    if _is_missing(value):
        return None
    if isinstance(value, str):
        # An empty string is missing, as an empty CSV field was in training; any other
        # text, "NA" included, is a level of its own.
        return value or None
    if isinstance(value, (bool, np.bool_)):
        # pandas reads a CSV column of True/False as booleans; Orchard trained on that
        # column's text, which pandas writes back as "True" / "False".
        return str(bool(value))
    return _number_text(value)


def _cell_number(value, column, row):
    """A numeric cell as a double; NaN when missing."""
    if _is_missing(value):
        return math.nan
    if isinstance(value, str):
        text = value.strip(" \t")
        if text in _MISSING_TEXT:
            return math.nan
        if not _NUMBER_TEXT.fullmatch(value):
            raise ValueError(
                f"Failed to enforce schema of the input: column '{column}' must hold "
                f"numbers; row {row} has '{value}'")
        # from_chars also takes "nan(...)", which float() does not.
        return math.nan if value.lstrip("-")[:3].lower() == "nan" else float(value)
    return float(value)  # bool counts as 1 or 0, as JSON true and false do


def _yaml_scalar(text):
    """A scalar as yaml-cpp writes it (plain, or double-quoted JSON-style)."""
    if text.startswith('"'):
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


def _class_labels(folder):
    """(negative, positive) from the orchard flavor of MLmodel, for column names.

    A line scan rather than a YAML parser: MLmodel is Orchard's own block-style output,
    and the labels only name the result's columns.
    """
    labels = {}
    try:
        with open(os.path.join(folder, MLMODEL_FILE), encoding="utf-8") as mlmodel:
            lines = mlmodel.read().splitlines()
    except OSError:
        lines = []
    in_flavor = False
    for line in lines:
        if line.rstrip() == "  orchard:":
            in_flavor = True
        elif in_flavor and not line.startswith("    "):
            break
        elif in_flavor:
            key, _, value = line.strip().partition(": ")
            if key in ("negative_class", "positive_class"):
                labels[key] = _yaml_scalar(value)
    return labels.get("negative_class", "0"), labels.get("positive_class", "1")


class OrchardModel:
    """A loaded package: raw rows in, [p0, p1] rows out."""

    def __init__(self, folder):
        with open(os.path.join(folder, PREPROCESSING_FILE), encoding="utf-8") as spec:
            self._features = json.load(spec)["features"]
        self._booster = xgb.Booster(model_file=os.path.join(folder, BOOSTER_FILE))
        self._width = sum(self._width_of(f) for f in self._features)
        if self._booster.num_features() != self._width:
            raise ValueError(
                f"model '{folder}': the booster reads {self._booster.num_features()} "
                f"features but the preprocessing makes {self._width}")
        self._native = any(f.get("encoding") == "native" for f in self._features)
        self._types = []
        for feature in self._features:
            kind = "c" if feature.get("encoding") == "native" else "q"
            self._types += [kind] * self._width_of(feature)
        negative, positive = _class_labels(folder)
        self._columns = [f"probability_{negative}", f"probability_{positive}"]
        objective = json.loads(self._booster.save_config())["learner"]["objective"]
        self._sigmoid = objective["name"] != "binary:logitraw"

    @staticmethod
    def _width_of(feature):
        if feature.get("encoding") == "onehot":
            return len(feature["levels"]) + 1  # the kept levels, then __other__
        return 1

    def predict(self, model_input, params=None):
        """[p0, p1] per row: a DataFrame for a DataFrame, else a numpy array."""
        del params  # MLflow passes params=None; the model takes none
        frame = self._as_frame(model_input)
        # XGBoost refuses infinities, which the scoring server takes: the largest float
        # goes down the same branch of every split that an infinity would.
        values = np.nan_to_num(self._encode(frame), nan=np.nan, posinf=_FLOAT_MAX,
                               neginf=-_FLOAT_MAX)
        margin = np.zeros(0)
        if len(frame):
            matrix = xgb.DMatrix(values, missing=np.nan, feature_types=self._types,
                                 enable_categorical=self._native)
            # The margin from XGBoost, then the sigmoid in double, as the scoring server
            # computes it: the same digits, not only the same float32 probability.
            margin = self._booster.predict(matrix, output_margin=True,
                                           validate_features=False).astype(np.float64)
        p1 = 1.0 / (1.0 + np.exp(-margin)) if self._sigmoid else margin
        proba = np.column_stack([1.0 - p1, p1])
        if isinstance(model_input, pd.DataFrame):
            return pd.DataFrame(proba, columns=self._columns, index=model_input.index)
        return proba

    def _as_frame(self, model_input):
        if isinstance(model_input, pd.DataFrame):
            return model_input
        if isinstance(model_input, pd.Series):  # one row, by column name
            return model_input.to_frame().T
        if isinstance(model_input, dict):  # columns, or one row of scalars
            if all(pd.api.types.is_list_like(v) for v in model_input.values()):
                return pd.DataFrame(model_input)
            return pd.DataFrame([model_input])
        if isinstance(model_input, list) and all(isinstance(r, dict) for r in model_input):
            return pd.DataFrame(model_input)
        # Rows without names: the model's columns in order, as MLflow reads them.
        rows = np.asarray(model_input, dtype=object)
        if rows.ndim == 1:
            rows = rows.reshape(1, -1)
        names = [f["name"] for f in self._features]
        if rows.ndim != 2 or rows.shape[1] != len(names):
            raise ValueError(f"expected rows of {len(names)} values in the order {names}; "
                             f"got an array of shape {rows.shape}")
        return pd.DataFrame(rows, columns=names)

    def _encode(self, frame):
        missing = [f["name"] for f in self._features if f["name"] not in frame.columns]
        if missing:
            raise ValueError(
                f"Failed to enforce schema of the input: Model is missing inputs {missing}.")
        out = np.full((len(frame), self._width), np.nan, dtype=np.float32)
        offset = 0
        for feature in self._features:
            column = frame[feature["name"]]
            if isinstance(column, pd.DataFrame):  # a duplicated name: the first one
                column = column.iloc[:, 0]
            width = self._width_of(feature)
            if feature["type"] == "numeric":
                out[:, offset] = self._numbers(column, feature["name"])
            else:
                self._categorical(column, feature, out[:, offset:offset + width])
            offset += width
        return out

    @staticmethod
    def _numbers(column, name):
        kind = column.dtype.kind
        if kind in "biuf":  # numeric dtypes, nullable ones included: NA becomes NaN
            return column.to_numpy(dtype=np.float64, na_value=np.nan)
        return np.array([_cell_number(v, name, row) for row, v in enumerate(column.tolist())],
                        dtype=np.float64)

    @staticmethod
    def _categorical(column, feature, cells):
        levels = feature["levels"]
        code_of = {level: code for code, level in enumerate(levels)}

        def code(value):
            text = _level_text(value)
            return _MISSING_CODE if text is None else code_of.get(text, -1)

        codes = np.array([code(v) for v in column.tolist()], dtype=np.int64)
        present = codes != _MISSING_CODE
        known = codes >= 0
        encoding = feature["encoding"]
        if encoding in ("ordinal", "native"):
            # The level's code; an unseen level is missing (another code would take the
            # branch of a level it is not).
            cells[known, 0] = codes[known]
        elif encoding == "woe":
            # An unseen level has no evidence either way: 0.
            woe = np.asarray(feature["woe"], dtype=np.float64).astype(np.float32)
            cells[present, 0] = 0.0
            cells[known, 0] = woe[codes[known]]
        elif encoding == "onehot":
            # One 1 among zeros: the level's column, else the last (__other__) one; a
            # missing value leaves every column of the feature NaN.
            cells[present, :] = 0.0
            hot = np.where(known, codes, len(levels))[present]
            cells[np.flatnonzero(present), hot] = 1.0
        else:
            raise ValueError(f"unknown categorical encoding '{encoding}' for column "
                             f"'{feature['name']}'")
