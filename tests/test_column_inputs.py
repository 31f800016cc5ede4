"""Named column inputs (``Network.inputs``) on a hand-built network with a string column: every
backend is fed by column name and agrees with the codes' definition (a known string its position,
an unknown one -1, a missing cell NaN), unknown strings, "" and None included."""

from __future__ import annotations

import json

import numpy as np
import onnx
import pandas as pd
import pytest

import nnconvert
from nnconvert import ir
from nnconvert.errors import DataError, InvalidNetwork
from nnconvert.ir.builder import GraphBuilder
from nnconvert.runtime.columns import column_feeds, column_inputs, decode_columns, encode_columns

CITIES = ["Paris", "Rome", "Oslo"]


def _network() -> ir.Network:
    """X = [city (string), size (float), unused]: the city's code where known (9 where not),
    whether it is missing, whether it is unknown, and the size."""
    b = GraphBuilder(3)
    sel = b.dense(b.input, [[1, 0], [0, 1], [0, 0]], hint="select")
    codes = b.category_codes(sel, 0, np.array(CITIES, dtype=object), who="test")
    cc = b.add(ir.CategoryCodes, "codes", input=sel, columns=[0], categories=[codes], counts=[3])
    filled = b.add(ir.Impute, "filled", input=cc, fill=[9.0, 0.0])
    missing = b.add(ir.IsMissing, "missing", input=sel)
    unknown = b.add(ir.IsMissing, "unknown", input=sel, value=-1.0)
    out = b.concat([filled, missing, unknown])
    net = b.build({"transform": out}, ir.Metadata(estimator="test.Columns", task="transformer",
                                                   feature_names=("city", "size", "unused")))  # fmt: skip
    return net.replace(inputs=column_inputs(net, net.meta.feature_names, b.string_vocab))


FRAME = pd.DataFrame(
    {
        "size": [1.5, -2.0, 3.0, 0.25, 7.0, np.nan],
        "extra": ["a", "b", "c", "d", "e", "f"],  # ignored
        "city": ["Oslo", "Paris", "Berlin", "", None, "Rome "],
    }
)


def _expected() -> np.ndarray:
    code = {"Paris": 0.0, "Rome": 1.0, "Oslo": 2.0}
    rows = []
    for city, size in zip(FRAME["city"], FRAME["size"], strict=True):
        missing = not isinstance(city, str) or city == ""  # None (NaN in a pandas str column) or ""
        known = not missing and city in code
        filled = [code[city] if known else 9.0, 0.0 if np.isnan(size) else size]
        rows.append(
            [*filled, float(missing), float(np.isnan(size)), float(not missing and not known), float(size == -1)]
        )
    return np.array(rows)


def _close(got: np.ndarray, want: np.ndarray) -> None:
    np.testing.assert_array_equal(np.asarray(got, dtype=np.float64), want)


def test_inputs_are_the_used_columns() -> None:
    net = _network()
    assert [(i.name, i.kind, i.column, i.vocabulary) for i in net.inputs] == [
        ("city", "string", 0, tuple(CITIES)),
        ("size", "float", 1, ()),
    ]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_numpy_by_name(dtype: str) -> None:
    net = _network()
    _close(nnconvert.run(net, FRAME, dtype)["transform"], _expected())
    mapping = {"size": FRAME["size"].to_numpy()[:, None], "city": FRAME["city"].to_list()}
    _close(nnconvert.run(net, mapping, dtype)["transform"], _expected())


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_onnxruntime_and_reference_evaluator(dtype: str) -> None:
    from tests.onnx_reference import reference_evaluator

    net = _network()
    model = nnconvert.to_onnx(net, dtype=dtype)
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 13
    types = {i.name: i.type.tensor_type.elem_type for i in model.graph.input}
    float_type = onnx.TensorProto.FLOAT if dtype == "float32" else onnx.TensorProto.DOUBLE
    assert types == {"city": onnx.TensorProto.STRING, "size": float_type}
    from nnconvert.exporters.onnx import run_onnx

    _close(run_onnx(model, FRAME)["transform"], _expected())
    feeds = column_feeds(net.inputs, FRAME, dtype)
    assert feeds["city"].shape == (6, 1) and feeds["city"][3, 0] == "" and feeds["city"][4, 0] == ""
    with np.errstate(all="ignore"):
        (got,) = reference_evaluator(model).run(None, feeds)
    _close(got, _expected())


def test_decode_round_trip() -> None:
    net = _network()
    X = encode_columns(net, FRAME)
    np.testing.assert_array_equal(X[:, 0], [2, 0, -1, np.nan, np.nan, -1])
    assert not X[:, 2].any()  # the unused column reads 0
    cols = decode_columns(net.inputs, X)
    assert cols["city"].tolist() == ["Oslo", "Paris", "<unknown>", None, None, "<unknown>"]
    np.testing.assert_array_equal(encode_columns(net, cols), X)


def test_column_names_that_clash_with_the_network_tensors() -> None:
    """A column named like one of the network's own tensors (``X``, ``codes``) keeps its name."""
    net = _network()
    renamed = (ir.ColumnInput("X", "string", 0, tuple(CITIES)), ir.ColumnInput("codes", "float", 1))
    net = net.replace(inputs=renamed)
    frame = FRAME.rename(columns={"city": "X", "size": "codes"})
    from nnconvert.exporters.onnx import run_onnx

    model = nnconvert.to_onnx(net)
    assert [i.name for i in model.graph.input] == ["X", "codes"]
    _close(run_onnx(model, frame)["transform"], _expected())


def test_bad_columns_are_one_line_errors() -> None:
    net = _network()
    with pytest.raises(DataError, match="no column 'city'"):
        nnconvert.run(net, FRAME.drop(columns="city"))
    with pytest.raises(DataError, match="'city' holds strings; row 1 is int"):
        nnconvert.run(net, {"city": ["Oslo", 3], "size": [1.0, 2.0]})
    with pytest.raises(DataError, match="'size' must hold numbers"):
        nnconvert.run(net, {"city": ["Oslo"], "size": ["big"]})
    with pytest.raises(DataError, match="different lengths"):
        nnconvert.run(net, {"city": ["Oslo"], "size": [1.0, 2.0]})
    with pytest.raises(DataError, match="by name"):
        nnconvert.run(net, np.zeros((2, 2)))


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ((ir.ColumnInput("a", "float", 0), ir.ColumnInput("a", "float", 1)), "used twice"),
        ((ir.ColumnInput("a", "float", 1), ir.ColumnInput("b", "float", 0)), "increasing order"),
        ((ir.ColumnInput("a", "float", 5),), "column 5 of 3"),
        ((ir.ColumnInput("predict", "float", 0),), "reserved"),
    ],
)
def test_invalid_inputs(inputs, message: str) -> None:
    with pytest.raises(InvalidNetwork, match=message):
        _network().replace(inputs=inputs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "string", "vocabulary": ()}, "non-empty vocabulary"),
        ({"kind": "string", "vocabulary": ("a", "a")}, "repeats"),
        ({"kind": "string", "vocabulary": ("a", "")}, "non-empty strings"),
        ({"kind": "float", "vocabulary": ("a",)}, "no vocabulary"),
        ({"kind": "int", "vocabulary": ()}, "kind must be"),
    ],
)
def test_invalid_column_input(kwargs, message: str) -> None:
    with pytest.raises(InvalidNetwork, match=message):
        ir.ColumnInput("c", column=0, **kwargs)


def test_json_spec_round_trips_the_inputs_and_the_schema_says_them() -> None:
    import jsonschema

    from nnconvert.exporters.json_spec import schema

    net = _network()
    spec = json.loads(json.dumps(nnconvert.to_json(net)))
    validator = jsonschema.Draft202012Validator(schema())
    validator.validate(spec)
    assert spec["inputs"][0] == {"name": "city", "kind": "string", "column": 0, "vocabulary": CITIES}
    back = nnconvert.from_json(spec)
    assert back.inputs == net.inputs
    _close(nnconvert.run(back, FRAME)["transform"], _expected())
    for bad in (
        {"name": "size", "kind": "float", "column": 1, "vocabulary": ["a"]},
        {"name": "city", "kind": "string", "column": 0},
        {"name": "city", "kind": "text", "column": 0},
        {"name": "", "kind": "float", "column": 0},
    ):
        broken = {**spec, "inputs": [bad]}
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(broken)
        with pytest.raises(InvalidNetwork):
            nnconvert.from_json(broken)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_torch_encodes_the_columns(dtype: str) -> None:
    torch = pytest.importorskip("torch", reason="torch is not installed (pip install 'nnconvert[torch]')")
    from nnconvert.check.verify import torch_runner

    net = _network()
    module = nnconvert.to_torch(net, dtype=dtype)
    assert module.inputs == net.inputs
    X = module.encode(FRAME)
    assert X.dtype == getattr(torch, dtype) and tuple(X.shape) == (6, 3)
    with torch.no_grad():
        _close(module(X)["transform"].numpy(), _expected())
    _close(torch_runner(net, dtype)(FRAME)["transform"], _expected())


def _case(name: str):
    from tests.cases.columns import CASES

    case = next(c for c in CASES if c.id == f"columns-{name}")
    return case.build()


def test_convert_chooses_the_interface() -> None:
    from nnconvert.errors import UnsupportedModel

    est, rows = _case("ColumnTransformer-drops-a-column")
    net = nnconvert.convert(est, inputs="columns")
    assert [(i.name, i.column) for i in net.inputs] == [("height", 0), ("weight", 1), ("income", 3)]  # age dropped
    assert nnconvert.convert(est).inputs is None  # auto: no string column, one matrix X
    assert nnconvert.convert(est, inputs="matrix").inputs is None
    want = est.predict(rows[list(est.feature_names_in_)])
    np.testing.assert_allclose(nnconvert.run(net, rows)["predict"], want, rtol=1e-12)
    matrix = rows[["height", "weight", "income"]].to_numpy()  # a matrix of the inputs, in order
    np.testing.assert_allclose(nnconvert.run(net, matrix)["predict"], want, rtol=1e-12)

    hgb, _ = _case("HistGradientBoostingClassifier-string-categories")
    assert [i.kind for i in nnconvert.convert(hgb).inputs] == ["float", "string", "float"]
    with pytest.raises(UnsupportedModel, match="column 'city' holds strings"):
        nnconvert.convert(hgb, inputs="matrix")
    with pytest.raises(UnsupportedModel, match="inputs must be one of"):
        nnconvert.convert(hgb, inputs="rows")


def test_unnamed_columns_are_named_as_scikit_learn_does() -> None:
    from sklearn.linear_model import LinearRegression

    X = np.random.default_rng(0).normal(size=(50, 3))
    net = nnconvert.convert(LinearRegression().fit(X, X @ [1.0, 2.0, 3.0]), inputs="columns")
    assert [i.name for i in net.inputs] == ["x0", "x1", "x2"]
    model = nnconvert.to_onnx(net, dtype="float64")
    assert [i.name for i in model.graph.input] == ["x0", "x1", "x2"]


def _pickled(tmp_path, name: str):
    import pickle

    est, rows = _case(name)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(est))
    return path, rows


def test_cli_convert_verify_inspect_draw_explain_by_column(tmp_path) -> None:
    from nnconvert.exporters.onnx import run_onnx
    from tests.cli_helpers import one_error, run_cli
    from tests.onnx_reference import reference_evaluator

    model, rows = _pickled(tmp_path, "HistGradientBoostingClassifier-string-categories")
    est = _case("HistGradientBoostingClassifier-string-categories")[0]
    onnx_path, json_path = tmp_path / "net.onnx", tmp_path / "net.json"
    res = run_cli("convert", model, "-o", onnx_path, "--trust")
    assert res.exit_code == 0, res.output
    res = run_cli("convert", model, "-o", json_path, "--trust")
    assert res.exit_code == 0, res.output
    for path in (onnx_path, json_path):  # the embedded reference rows (internal X) re-run by name
        res = run_cli("verify", path)
        assert res.exit_code == 0 and "equivalent" in res.stdout, res.output
    want = est.predict_proba(rows[list(est.feature_names_in_)])
    np.testing.assert_allclose(run_onnx(onnx_path, rows)["predict_proba"], want, atol=1e-5)
    model_proto = onnx.load(onnx_path)
    feeds = column_feeds(nnconvert.from_json(json_path).inputs, rows, "float32")
    with np.errstate(all="ignore"):
        got = dict(zip([o.name for o in model_proto.graph.output], reference_evaluator(model_proto).run(None, feeds),
                       strict=True))  # fmt: skip
    np.testing.assert_allclose(got["predict_proba"], want, atol=1e-5)

    res = run_cli("inspect", onnx_path)
    assert "inputs:     3 named columns: height (float), city (string, 5 strings), weight (float)" in res.stdout
    assert "input:      city string [N, 1]" in res.stdout
    inputs = json.loads(run_cli("inspect", onnx_path, "--json").stdout)["inputs"]
    assert inputs[1] == {"name": "city", "kind": "string", "column": 1, "vocabulary_size": 5}
    res = run_cli("explain", onnx_path)
    assert "Inputs by column name: height (float [N, 1] -> x[0]), city (string [N, 1] -> x[1]" in res.stdout
    svg = tmp_path / "net.svg"
    assert run_cli("draw", onnx_path, "-o", svg).exit_code == 0
    assert ">city (string code)</text>" in svg.read_text()
    page = tmp_path / "net.html"
    assert run_cli("draw", json_path, "-o", page).exit_code == 0
    assert '<select name="x1"><option value="0">Lima</option>' in page.read_text()

    one_error(run_cli("convert", model, "-o", tmp_path / "m.onnx", "--trust", "--inputs", "matrix"), 1,
              "column 'city' holds strings", "--inputs columns")  # fmt: skip
    assert not (tmp_path / "m.onnx").exists()


def test_cli_columns_for_a_numeric_model(tmp_path) -> None:
    from tests.cli_helpers import run_cli

    model, _ = _pickled(tmp_path, "ColumnTransformer-drops-a-column")
    out = tmp_path / "net.onnx"
    res = run_cli("convert", model, "-o", out, "--inputs", "columns")
    assert res.exit_code == 0, res.output
    assert [i.name for i in onnx.load(out).graph.input] == ["height", "weight", "income"]
    assert run_cli("verify", out).exit_code == 0
    page = tmp_path / "net.html"
    assert run_cli("draw", model, "-o", page).exit_code == 0  # a matrix network (auto): every column an input
    assert "not an input" not in page.read_text()
    res = run_cli("convert", model, "-o", tmp_path / "net.json", "--inputs", "columns")
    svg = tmp_path / "net.svg"
    assert run_cli("draw", tmp_path / "net.json", "-o", svg).exit_code == 0
    assert ">age (not an input)</text>" in svg.read_text()


def test_cli_inspect_with_inputs_columns(tmp_path) -> None:
    from tests.cli_helpers import run_cli

    model, _ = _pickled(tmp_path, "ColumnTransformer-drops-a-column")
    assert json.loads(run_cli("inspect", model, "--json").stdout)["inputs"] is None
    d = json.loads(run_cli("inspect", model, "--json", "--inputs", "columns").stdout)
    assert [i["name"] for i in d["inputs"]] == ["height", "weight", "income"]
    assert [i["name"] for i in d["contract"]["inputs"]] == ["height", "weight", "income"]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (as tests/test_page.py drives it, without building its families)."""
    import shutil

    chromium, driver = shutil.which("chromium") or shutil.which("chromium-browser"), shutil.which("chromedriver")
    if chromium is None or driver is None:
        pytest.skip("Chromium or chromedriver is not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    session = webdriver.Chrome(service=Service(driver), options=options)
    yield session
    session.quit()


@pytest.mark.browser
def test_page_chooses_a_string_by_name(browser, tmp_path) -> None:
    """The page's row form offers a string column's vocabulary (values: the codes; "(other)" -1,
    "(missing)" NaN); computing a row gives the numpy runtime's outputs."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from nnconvert.show.page import page

    est, _ = _case("HistGradientBoostingClassifier-string-categories")
    net = nnconvert.convert(est)
    path = tmp_path / "net.html"
    path.write_text(page(net), encoding="utf-8")
    for city in ("Rome", "(other)", "(missing)"):
        browser.get(path.as_uri())
        boxes = browser.find_elements(By.CSS_SELECTOR, "#row input")
        for box, value in zip(boxes, ["181.5", "64.25"], strict=True):
            box.clear()
            box.send_keys(value)
        Select(browser.find_element(By.CSS_SELECTOR, "#row select")).select_by_visible_text(city)
        browser.find_element(By.CSS_SELECTOR, "#row button").click()
        shown = {
            td.get_attribute("data-method"): json.loads(td.get_attribute("data-value"))
            for td in browser.find_elements(By.CSS_SELECTOR, "#outputs td")
        }
        assert "predict_proba" in shown, (city, browser.find_element(By.ID, "status").text)
        cell = None if city == "(missing)" else ("Berlin" if city == "(other)" else city)
        ref = nnconvert.run(net, {"height": [181.5], "city": [cell], "weight": [64.25]})
        np.testing.assert_allclose(shown["predict_proba"], ref["predict_proba"][0], rtol=1e-9)
        assert shown["predict"] == ref["predict"][0]
