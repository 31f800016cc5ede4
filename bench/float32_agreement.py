"""``make bench`` (second part): float32 label agreement of the ONNX networks on the whole
conformance suite.

For every case of ``tests/cases`` the network is exported in float32 and run in onnxruntime on
the case's evaluation rows; its ``predict`` labels are compared with the estimator's own
``predict`` on float64 rows. Rows are counted per family as: agreeing, disagreeing within
float32 rounding of a decision boundary (``verify.boundary_rows``), and real disagreements.

Usage: ``python bench/float32_agreement.py [--out FILE]`` (appends a markdown table to FILE).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def family(model: object) -> str:
    """The converter family (module) of a model; a pipeline counts as its final step's."""
    from nnconvert.converters import registry

    steps = getattr(model, "steps", None)
    if steps:
        return family(steps[-1][1])
    return registry.lookup(registry.as_model(model)).family


def measure() -> dict[str, dict[str, int]]:
    sys.path.insert(0, str(ROOT))
    import nnconvert
    from nnconvert.check.verify import compare_all, onnx_runner, reference_outputs
    from nnconvert.runtime.columns import encode_columns, is_columns
    from tests.cases import all_cases

    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for case in all_cases():
            est, X = case.build()
            net = nnconvert.convert(case.convert_input(est))
            runner, _ = onnx_runner(nnconvert.to_onnx(net, dtype="float32"))
            encode = None
            if is_columns(X):  # a DataFrame case: the estimator takes its own columns in its own order
                names = list(net.meta.feature_names)
                if net.inputs:  # the network takes the columns by name; the boundary analysis its internal X
                    encode = lambda rows, net=net: encode_columns(net, rows)  # noqa: E731
                else:  # a matrix network: the columns in the model's order
                    X, encode = X[names], (lambda rows: rows.to_numpy(dtype=np.float64))
                reference = lambda rows, est=est, names=names: reference_outputs(est, rows[names])  # noqa: E731
            else:
                reference = lambda rows, est=est: reference_outputs(est, rows)  # noqa: E731
            result = compare_all(reference, [(runner, "float32")], [X], network=net, encode=encode)[0]
            row = totals[family(case.convert_input(est))]
            row["cases"] += 1
            row["equivalent"] += int(result.equivalent)
            labels = result.outputs.get("predict")
            if labels is not None and labels.kind == "label":
                row["rows"] += labels.n_rows
                row["boundary"] += labels.n_boundary
                row["real"] += labels.n_mismatch
    return totals


def table(totals: dict[str, dict[str, int]]) -> str:
    lines = [
        "### float32 label agreement on the conformance suite (onnxruntime)",
        "",
        "| family | cases | equivalent | label rows | agree | flips within float32 rounding | real disagreements |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in sorted(totals.items()):
        agree = row["rows"] - row["boundary"] - row["real"]
        rate = 100.0 * agree / row["rows"] if row["rows"] else 100.0
        lines.append(
            f"| {name} | {row['cases']} | {row['equivalent']} | {row['rows']} | {agree} ({rate:.3f}%) "
            f"| {row['boundary']} | {row['real']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="markdown file to append the table to")
    args = ap.parse_args(argv)
    text = table(measure())
    print(text)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write("\n" + text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
