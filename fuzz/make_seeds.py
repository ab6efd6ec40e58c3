#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora (fuzz/corpus/<target>/) from the tests' recorded MLflow
exchanges (tests/golden/), the example project and inputs written here. Run it again when the
golden files or a fuzzer's input layout change; the output is committed."""
import json
import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "fuzz" / "corpus"

# fuzz_rest.cc's endpoint table, in its order: the first byte of an input picks one.
REST_ENDPOINTS = re.findall(r'\{"(GET|POST|PATCH|DELETE)", "([a-z/-]+)"\}',
                            (REPO / "fuzz" / "fuzz_rest.cc").read_text())


def write(target, name, data):
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def golden(name):
    with open(REPO / "tests" / "golden" / f"{name}.jsonl") as lines:
        return [json.loads(line) for line in lines]


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    index = {path: i for i, (_, path) in enumerate(REST_ENDPOINTS)}
    count = 0
    for exchange in golden("tracking") + golden("registry") + golden("errors"):
        path = exchange["path"].split("/api/2.0/mlflow/")[-1]
        endpoint, _, query = path.partition("?")
        if endpoint not in index:
            continue
        body = query if exchange["method"] == "GET" else json.dumps(exchange["request_body"] or {})
        write("fuzz_rest", f"golden-{count:03d}", bytes([index[endpoint]]) + body.encode())
        count += 1
    for exchange in golden("scoring"):
        body = exchange["request_body"]
        if exchange["path"] != "/invocations" or body is None:
            continue
        csv = (exchange["request_content_type"] or "").startswith("text/csv")
        text = body if isinstance(body, str) else json.dumps(body)
        write("fuzz_invocations", f"golden-{count:03d}", bytes([1 if csv else 0]) + text.encode())
        count += 1
    for i, text in enumerate([
            "metrics.test_PR_AUC > 0.1 AND params.model = 'rf'",
            "tags.mlflow.parentRunId = '0123456789abcdef0123456789abcdef'",
            "(params.a = '1' OR metrics.`test PR AUC` >= 0.3) AND tags.stage != 'x'",
            "attributes.run_id IN ('a', 'b') AND run_name LIKE 'trial-%'",
            "datasets.digest = 'abc' AND attributes.start_time > 1700000000000",
            "metrics.`test_PR_AUC` DESC", "name ILIKE '%loan%'",
            "eyJvZmZzZXQiOiAxMDAwfQ=="]):
        write("fuzz_search_filter", f"seed-{i}", text)
    for i, text in enumerate([
            "a,b,c\n1,x,2.5\n2,y,NA\n", "Loan Status,Grade,Term\n0,A,36\n1,\"B,\"\"x\"\"\",60\n",
            "x\n+4\n 0.1 \n-1e999\n1e-400\n-0\ninf\n", "a,b\n\"multi\nline\",3\n4,\"x\ny\"\n"]):
        write("fuzz_csv", f"seed-{i}", text)
    write("fuzz_yaml", "mlproject", b"\x00" + (REPO / "examples/loan/MLproject").read_bytes())
    write("fuzz_yaml", "space-rf", b"\x01" + (REPO / "examples/loan/rf_space.yaml").read_bytes())
    write("fuzz_yaml", "space-hgbt", b"\x01" + (REPO / "examples/loan/hgbt_space.yaml").read_bytes())
    write("fuzz_yaml", "mlmodel", b"\x02" + b"flavors:\n  orchard:\n    booster: model.json\n"
          b"    preprocessing: MLmodel\n    model_type: rf\n    target: y\n")
    # Found by fuzzing: a scalar where MLmodel has a mapping made yaml-cpp throw.
    write("fuzz_yaml", "regression-mlmodel-scalar", b"\x02flavors:\n  orchard\xff y\n")
    preprocessing = json.dumps({"features": [
        {"name": "n", "type": "numeric"},
        {"name": "g", "type": "categorical", "encoding": "woe", "levels": ["A", "B"],
         "woe": [0.1, -0.2]},
        {"name": "h", "type": "categorical", "encoding": "onehot", "levels": ["x"]}]})
    write("fuzz_yaml", "preprocessing", b"\x03" + preprocessing.encode())
    write("fuzz_model_json", "preprocessing", preprocessing)
    write("fuzz_model_json", "booster", (REPO / "fuzz" / "seed_booster.json").read_text())
    for i, target in enumerate(["/api/2.0/mlflow/runs/get?run_id=abc&x%5B%5D=1",
                                "/mlflow/ajax-api/2.0/mlflow/experiments/search?a=%2F&b=+c",
                                "/get-artifact?path=model%2FMLmodel&run_uuid=1", "/%zz"]):
        write("fuzz_http_target", f"seed-{i}", target)
    for i, path in enumerate(["runs:/RUN/model", "mlflow-artifacts:/0/RUN/artifacts/model",
                              "mlflow-artifacts:/", "models:/m/1", "runs:/RUN/../../x",
                              "file:///tmp/x", "/abs/path", "model/../../etc", "s3://b/k"]):
        write("fuzz_artifact_path", f"seed-{i}", bytes([i % 2]) + path.encode())


if __name__ == "__main__":
    main()
