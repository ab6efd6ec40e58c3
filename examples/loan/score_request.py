#!/usr/bin/env python3
"""The tutorial's scoring request, with Python's standard library only: one row of the loan data,
every column but the target, sent to a scoring server's /invocations as a pandas-style
dataframe_split; the request and the answer are printed.

Usage: score_request.py SERVER_URL DATA_CSV [ROW]
       score_request.py --request-only DATA_CSV [ROW]   (print the request body and stop)
"""
import csv
import json
import sys
import urllib.error
import urllib.request

TARGET = "Loan Status"


def typed(text):
    """A CSV field as pandas would type it: a number when it reads as one, else the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return None if text == "" else text


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    url, data_file = sys.argv[1].rstrip("/"), sys.argv[2]
    wanted = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    with open(data_file, newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        header = next(reader)
        for index, row in enumerate(reader):
            if index == wanted:
                break
        else:
            sys.exit(f"{data_file} has no row {wanted}")
    keep = [i for i, name in enumerate(header) if name != TARGET]
    request = {
        "dataframe_split": {
            "columns": [header[i] for i in keep],
            "data": [[typed(row[i]) for i in keep]],
        }
    }
    body = json.dumps(request).encode()
    if url == "--request-only":
        print(body.decode())
        return
    print(f"POST {url}/invocations")
    print(json.dumps(request))
    post = urllib.request.Request(
        url + "/invocations", data=body, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(post, timeout=30) as response:
            answer = response.read().decode()
    except urllib.error.HTTPError as error:
        sys.exit(f"the server answered {error.code}: {error.read().decode()}")
    print(f"-> {answer}")
    label = row[header.index(TARGET)] if TARGET in header else "?"
    p = json.loads(answer)["predictions"][0]
    print(f"P(default) = {p[1]:.4f} for this loan (its recorded {TARGET}: {label})")


if __name__ == "__main__":
    main()
