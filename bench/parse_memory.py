#!/usr/bin/env python3
"""What parsing a large JSON body takes, above each server's idle size (peak VmHWM from /proc).

Starts each server on 127.0.0.1 (port 0) in a temporary folder, sends one body, and prints the
peak above the resident size before it, as a multiple of the body. One server per body, so each
peak is its own. Usage (after a build): bench/parse_memory.py [build/orchard]
"""
import csv
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ORCHARD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/orchard")


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(rf"{field}:\s+(\d+)", f.read()).group(1))


def start(args, env):
    proc = subprocess.Popen([ORCHARD] + args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    for line in proc.stdout:
        found = re.search(r"127\.0\.0\.1:(\d+)", line)
        if found:
            return proc, int(found.group(1))
    raise SystemExit(f"orchard {args[0]} did not start")


def measure(name, args, env, path, body):
    proc, port = start(args, env)
    try:
        time.sleep(0.3)  # settled after start
        idle = status_kb(proc.pid, "VmRSS")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        conn.request("POST", path, body, {"Content-Type": "application/json"})
        reply = conn.getresponse()
        reply.read()
        peak = status_kb(proc.pid, "VmHWM")
        print(f"{name}: body {len(body) / 1e6:.1f} MB, HTTP {reply.status}, idle {idle / 1024:.0f} "
              f"MiB, peak {peak / 1024:.0f} MiB: {(peak - idle) * 1024 / len(body):.1f}x the body")
    finally:
        proc.terminate()
        proc.wait()


def main():
    work = tempfile.mkdtemp()
    env = dict(os.environ, ORCHARD_TRACKING_URI=f"sqlite:///{work}/mlruns.db",
               ORCHARD_ARTIFACT_ROOT=f"{work}/artifacts")
    run = lambda *args: subprocess.run([ORCHARD, *args], env=env, cwd=work, check=True,
                                       capture_output=True, text=True).stdout
    run("datasets", "make-loan", "--rows", "2000", "--seed", "42", "-o", "loan.csv")
    trained = run("train", "--model", "rf", "--data", "loan.csv", "--target", "Loan Status",
                  "--param", "n_estimators=5")
    run_id = re.search(r"run_id\s+([0-9a-f]{32})", trained).group(1)
    with open(f"{work}/loan.csv") as f:
        rows = list(csv.reader(f))
    header, first = rows[0][:-1], rows[1][:-1]  # the target is the last column
    is_number = [re.fullmatch(r"-?[0-9.]+", v or "x") is not None for v in first]

    # Scoring: row objects (inputs), and dataframe_split of the numeric columns only.
    serve = ["models", "serve", "-m", f"runs:/{run_id}/model", "-p", "0"]
    record = json.dumps({h: (float(v) if n else v) for h, v, n in zip(header, first, is_number)})
    count = 50_000_000 // (len(record) + 1)
    measure("scoring, inputs as row objects", serve, env, "/invocations",
            '{"inputs":[' + ",".join([record] * count) + "]}")
    numeric = [i for i, n in enumerate(is_number) if n]
    row = "[" + ",".join(first[i] for i in numeric) + "]"
    count = 50_000_000 // (len(row) + 1)
    measure("scoring, dataframe_split of numbers", serve, env, "/invocations",
            json.dumps({"dataframe_split": {"columns": [header[i] for i in numeric]}})[:-2] +
            ',"data":[' + ",".join([row] * count) + "]}}")

    # Tracking: bodies just under the 16 MiB JSON limit.
    server = ["server", "-p", "0", "--backend-store-uri", f"sqlite:///{work}/server.db",
              "--artifacts-destination", f"{work}/served"]
    batch = "/api/2.0/mlflow/runs/log-batch"
    measure("tracking, log-batch of long params", server, env, batch, json.dumps(
        {"run_id": "r", "params": [{"key": f"k{i}", "value": "v" * 6000} for i in range(2600)]}))
    measure("tracking, log-batch of metrics", server, env, batch, json.dumps(
        {"run_id": "r", "metrics": [{"key": "loss", "value": 0.123456, "step": i,
                                     "timestamp": 1700000000000 + i} for i in range(195000)]}))
    measure("tracking, an array of one-digit numbers", server, env, batch,
            '{"run_id":"r","x":[' + ",".join(["1"] * 7_800_000) + "]}")
    subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
