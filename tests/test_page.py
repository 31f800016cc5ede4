"""The interactive page (`nnconvert draw ... -o net.html`): self-contained, escaped, and, in
headless Chromium, its tips, expansion and in-page runtime agree with the numpy runtime."""

from __future__ import annotations

import importlib.util
import json
import shutil
import warnings
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sklearn.ensemble import (
    AdaBoostRegressor,
    BaggingClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.gaussian_process import GaussianProcessClassifier
from sklearn.gaussian_process.kernels import Matern, WhiteKernel
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.multiclass import OneVsOneClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer, PolynomialFeatures, QuantileTransformer, SplineTransformer, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import nnconvert
from nnconvert.runtime import run
from nnconvert.show.page import page
from tests.cases import blobs, classes_of
from tests.probe_network import probe_network

EVIL = '<img src=x onerror="document.title=1">&amp;'


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def _erf_round_network() -> object:
    """erf and round_float32 after a dense layer (no converter emits them alone)."""
    from nnconvert import ir
    from nnconvert.ir.builder import GraphBuilder

    b = GraphBuilder(4)
    h = b.dense(b.input, np.arange(12.0).reshape(4, 3) / 7 - 0.6, [0.1, -0.2, 0.3])
    cat = b.concat([b.act(h, "erf"), b.act(h, "round_float32")])
    s = b.squeeze(b.dense(cat, np.ones((6, 1))))
    return b.build({"decision_function": s, "transform": cat}, ir.Metadata("erf probe", "transformer"))


def _families() -> dict[str, tuple[object, np.ndarray]]:
    """name -> (network, evaluation rows): the families the page is checked on in a browser."""
    X, y, X_eval = blobs(3, n_features=4, seed=5)
    labels = classes_of("str", 3)[y]
    frame = pd.DataFrame(X, columns=["sepal length", "sepal width", EVIL, "petal width"])
    svc = _fit(SVC(probability=True, random_state=0), X, labels)
    nets = {
        "logistic": nnconvert.convert(_fit(LogisticRegression(), frame, labels)),
        "svc-rbf-proba": nnconvert.convert(svc),
        "mlp": nnconvert.convert(_fit(MLPClassifier((8,), max_iter=500, random_state=0), X, y)),
        "pipeline-scaler": nnconvert.convert(_fit(make_pipeline(StandardScaler(), LogisticRegression()), X, labels)),
        "poly-monomials": nnconvert.convert(
            _fit(make_pipeline(PolynomialFeatures(3), LogisticRegression(max_iter=2000)), X, y)
        ),
        "every-activation-and-metric": probe_network(),
        "erf-round-float32": _erf_round_network(),
        "gaussian-mixture-logsumexp": nnconvert.convert(_fit(GaussianMixture(3, random_state=0), X, None)),
        "decision-tree": nnconvert.convert(_fit(DecisionTreeClassifier(max_depth=4, random_state=0), X, labels)),
        "random-forest": nnconvert.convert(_fit(RandomForestClassifier(5, max_depth=3, random_state=0), X, labels)),
        "knn-minkowski-distance": nnconvert.convert(_fit(KNeighborsClassifier(4, p=3, weights="distance"), X, labels)),
        "knn-cosine": nnconvert.convert(_fit(KNeighborsClassifier(3, metric="cosine"), X, labels)),
        "random-forest-compact": nnconvert.convert(
            _fit(RandomForestClassifier(4, max_depth=3, random_state=0), X, labels), tree_form="compact"
        ),
    }
    families = {k: (v, X_eval[:3, : v.n_features]) for k, v in nets.items()}
    # Categorical bitsets and missing values: a category code column and NaNs in training.
    Xc, Xc_eval = X.copy(), X_eval[:3].copy()
    Xc[:, 0] = (2 * y + np.arange(len(y)) % 2) % 6  # categories that predict the class
    Xc_eval[:, 0] = [1.0, 2.0, 5.0]
    Xc[::7, 1] = np.nan
    hgb = HistGradientBoostingClassifier(max_iter=5, max_depth=3, categorical_features=[0], random_state=0)
    imputed = make_pipeline(SimpleImputer(add_indicator=True), StandardScaler(), LogisticRegression())
    families["imputer-indicator"] = (nnconvert.convert(_fit(imputed, Xc, labels)), Xc_eval)
    for name, step in (
        ("normalizer-row-norm", Normalizer("l1")),
        ("quantile-interp", QuantileTransformer(n_quantiles=20)),
    ):
        net = nnconvert.convert(_fit(make_pipeline(step, LogisticRegression()), X, labels))
        families[name] = (net, X_eval[:3])
    for name, step in (  # rows far outside the training range: the ends and the periodic wrap
        ("spline-periodic-piecewise-poly", SplineTransformer(n_knots=4, extrapolation="periodic")),
        ("spline-linear-piecewise-poly", SplineTransformer(degree=2, extrapolation="linear", include_bias=False)),
    ):
        net = nnconvert.convert(_fit(make_pipeline(step, LogisticRegression()), X, labels))
        families[name] = (net, np.vstack([X_eval[:2], X_eval[2:3] * 6]))
    gpc = GaussianProcessClassifier(1.0 * Matern(nu=1.5) + WhiteKernel(), random_state=0)
    Xb, yb = X[labels != labels[0]], labels[labels != labels[0]]
    families["gpc-erf-mixture-combine"] = (nnconvert.convert(_fit(gpc, Xb, yb)), X_eval[:3])
    ada = AdaBoostRegressor(DecisionTreeRegressor(max_depth=2), n_estimators=5, random_state=0)
    families["adaboost-weighted-median"] = (nnconvert.convert(_fit(ada, X, X[:, 0] + y)), X_eval[:3])
    ovo = OneVsOneClassifier(LogisticRegression())
    families["one-vs-one-label-indicator"] = (nnconvert.convert(_fit(ovo, X, labels)), X_eval[:3])
    multi = MultiOutputClassifier(LogisticRegression())
    families["multi-output-stack-labels"] = (
        nnconvert.convert(_fit(multi, X, np.stack([labels, y % 2], axis=1))),
        X_eval[:3],
    )
    bag = BaggingClassifier(LogisticRegression(), n_estimators=3, max_features=2, random_state=0)
    families["bagging-select-columns"] = (nnconvert.convert(_fit(bag, X, labels)), X_eval[:3])
    families["hist-gbm-categorical"] = (nnconvert.convert(_fit(hgb, Xc, labels), tree_form="compact"), Xc_eval)
    if importlib.util.find_spec("xgboost") is not None:  # a number as missing (mark_missing), then tree splits
        import xgboost

        Xm, Xm_eval = np.where(np.arange(X.size).reshape(X.shape) % 5 == 0, -1.0, X), X_eval[:3].copy()
        Xm_eval[:, 1] = [np.nextafter(-1.0, 0.0), -1.0, 0.5]  # the first rounds to float32 -1: missing too
        xgbc = xgboost.XGBClassifier(n_estimators=4, max_depth=3, missing=-1.0, n_jobs=1, random_state=0)
        families["xgboost-mark-missing"] = (nnconvert.convert(_fit(xgbc, Xm, y)), Xm_eval)
        # numpy category codes: out codes (negative, past every set) go where codes outside the set go
        Xk = Xc.copy()  # NaN codes in rows of one class: some splits learn to send missing codes right
        Xk[(y == y.max()) & (np.arange(len(y)) % 2 == 0), 0] = np.nan
        xgbk = xgboost.XGBClassifier(n_estimators=4, max_depth=3, enable_categorical=True, n_jobs=1,
                                     feature_types=["c"] + ["q"] * (X.shape[1] - 1))  # fmt: skip
        Xk_eval = Xc_eval.copy()
        Xk_eval[:, 0] = [-1.0, 2.7, 50.0]
        families["xgboost-categorical-out-right"] = (
            nnconvert.convert(_fit(xgbk, Xk, y), tree_form="compact"),
            Xk_eval,
        )
    return families


FAMILIES = _families()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_page_is_self_contained_and_escapes_names() -> None:
    net, _ = FAMILIES["logistic"]
    text = page(net)
    assert "<img" not in text and EVIL not in text
    assert "&lt;img src=x onerror=&quot;document.title=1&quot;&gt;&amp;amp;" in text
    parser = _Tags()
    parser.feed(text)
    tags = {t for t, _ in parser.tags}
    assert not tags & {"img", "link", "iframe", "object", "embed", "image", "use"}, tags
    for tag, attrs in parser.tags:
        assert not {"src", "href", "onerror", "onload"} & set(attrs), (tag, attrs)
    assert "http://" not in text and "https://" not in text and "url(" not in text
    assert "default-src 'none'" in text  # the browser refuses any fetch


def test_draw_html_from_the_cli(tmp_path) -> None:
    import joblib

    from nnconvert.cli import cli

    X, y, _ = blobs(2)
    joblib.dump(_fit(LogisticRegression(), X, y), tmp_path / "m.joblib")
    res = CliRunner().invoke(cli, ["draw", str(tmp_path / "m.joblib"), "-o", str(tmp_path / "net.html")])
    assert res.exit_code == 0, res.output
    text = (tmp_path / "net.html").read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "nnconvertRun" in text
    res = CliRunner().invoke(cli, ["draw", str(tmp_path / "m.joblib"), "-o", str(tmp_path / "net.gif")])
    assert res.exit_code == 2 and ".html" in res.output


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None or DRIVER is None:
        pytest.skip("Chromium or chromedriver is not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1400,1000",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


@pytest.mark.browser
@pytest.mark.parametrize("family", list(FAMILIES))
def test_page_in_chromium(browser, family: str, tmp_path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    net, rows = FAMILIES[family]
    path = tmp_path / "net.html"
    path.write_text(page(net), encoding="utf-8")
    browser.get(path.as_uri())
    find = browser.find_elements

    # Hover a neuron of the first weight layer: its formula, weights and where they came from.
    neuron = find(By.CSS_SELECTOR, "#collapsed .neuron[data-layer='1']")[0]
    ActionChains(browser).move_to_element(neuron).perform()
    tip = browser.find_element(By.ID, "tip")
    assert tip.is_displayed() and "y = " in tip.text, tip.text
    if family in ("logistic", "svc-rbf-proba"):
        assert " from " in tip.text, tip.text  # provenance: coef_, sqrt(_gamma) * support_vectors_

    # Click every collapsed layer's caption: its view shows more neurons; click back.
    for caption in find(By.CSS_SELECTOR, "#collapsed .caption.expandable"):
        before = len(find(By.CSS_SELECTOR, "#collapsed .neuron"))
        caption.click()
        (view,) = [v for v in find(By.CSS_SELECTOR, ".view") if v.is_displayed()]
        assert view.get_attribute("id") == caption.get_attribute("data-view")
        assert len(view.find_elements(By.CSS_SELECTOR, ".neuron")) > before
        view.find_element(By.CSS_SELECTOR, ".caption[data-view='collapsed']").click()
        assert browser.find_element(By.ID, "collapsed").is_displayed()
    if family == "svc-rbf-proba":
        assert find(By.CSS_SELECTOR, "#collapsed .caption.expandable"), "the support vectors must collapse"

    # Type a row, compute: the displayed outputs are the numpy runtime's.
    row = rows[0]
    for box, value in zip(find(By.CSS_SELECTOR, "#row input"), row, strict=True):
        box.clear()
        box.send_keys(repr(float(value)))
    browser.find_element(By.CSS_SELECTOR, "#row button").click()
    ref = run(net, row[None, :])
    shown = {
        td.get_attribute("data-method"): json.loads(td.get_attribute("data-value"))
        for td in find(By.CSS_SELECTOR, "#outputs td")
    }
    assert set(shown) == set(ref)
    for method, value in ref.items():
        if value.dtype.kind == "f":
            np.testing.assert_allclose(
                np.asarray(shown[method], dtype=float), value[0], rtol=1e-6, atol=1e-9, err_msg=method
            )
        else:
            assert np.asarray(shown[method]).tolist() == value[0].tolist(), method
    lit = [n.get_attribute("data-value") for n in find(By.CSS_SELECTOR, "#collapsed .neuron")]
    assert all(v is not None for v in lit) and len(set(lit)) > 2

    # Every tensor of the in-page runtime, on every row, against numpy (float64 both).
    for row in rows:
        js = browser.execute_script("return window.nnconvertRun(arguments[0]);", row.tolist())
        trace = run(net, row[None, :], trace=True)
        for name, value in trace.items():
            if name in net.outputs:
                continue
            if value.dtype.kind == "f":
                np.testing.assert_allclose(
                    np.asarray(js[name], dtype=float), value[0], rtol=1e-9, atol=1e-12, err_msg=name
                )
            else:
                assert np.asarray(js[name]).tolist() == value[0].tolist(), name


@pytest.mark.browser
def test_page_says_when_it_cannot_compute_a_kind(browser, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    net, _ = FAMILIES["logistic"]
    text = page(net).replace('"op": "argmax_label"', '"op": "not_a_kind_yet"')
    path = tmp_path / "net.html"
    path.write_text(text, encoding="utf-8")
    browser.get(path.as_uri())
    assert "cannot compute node kind(s) not_a_kind_yet" in browser.find_element(By.ID, "status").text
    assert not browser.find_element(By.CSS_SELECTOR, "#row button").is_enabled()
    assert browser.find_elements(By.TAG_NAME, "img") == []  # the evil feature name stayed text
    assert EVIL.split(" ")[0] in browser.find_element(By.ID, "collapsed").text.replace("…", "")


def _one_layer_page(browser, tmp_path, net) -> None:
    path = tmp_path / "net.html"
    path.write_text(page(net), encoding="utf-8")
    browser.get(path.as_uri())


@pytest.mark.browser
def test_page_erf_and_round_float32_match_numpy(browser, tmp_path) -> None:
    from scipy.special import erf

    from nnconvert import ir
    from nnconvert.ir.builder import GraphBuilder

    b = GraphBuilder(1)
    outputs = {"transform": b.act(b.input, "erf"), "decision_function": b.act(b.input, "round_float32")}
    net = b.build(outputs, ir.Metadata("erf", "transformer"))
    _one_layer_page(browser, tmp_path, net)
    edges = [0.0, -0.0, 1e-300, 0.46875, 0.46875 + 1e-16, 4.0, 4.0 + 1e-15, 6.0, 5.999999, 27.0, 1e300, 0.1, 1 / 3]
    x = np.concatenate([np.linspace(-7, 7, 1401), np.geomspace(1e-12, 10, 200), edges, [-v for v in edges]])
    got = browser.execute_script(
        "const [e, f] = arguments[1];"
        "return arguments[0].map((v) => { const r = window.nnconvertRun([v]); return [r[e][0], String(r[f][0])]; });",
        x.tolist(),
        [outputs["transform"], outputs["decision_function"]],
    )
    got = np.asarray(got, dtype=float)  # (String: JSON has no infinity; float() reads 'Infinity')
    np.testing.assert_allclose(got[:, 0], erf(x), rtol=1e-13, atol=1e-16)
    with np.errstate(over="ignore"):  # 1e300 rounds to float32 infinity
        assert got[:, 1].tolist() == x.astype(np.float32).astype(np.float64).tolist()


@pytest.mark.browser
def test_page_tree_thresholds_round_down_to_float32(browser, tmp_path) -> None:
    from nnconvert import ir
    from nnconvert.ir.builder import GraphBuilder

    thr = np.array([0.1, -0.1, 1e-50, -1e-50, 0.0, 0.5, 1e39, -1e39, np.finfo(np.float64).max, 3.4028235e38])
    b = GraphBuilder(1)
    for cast in (True, False):
        splits = b.add(
            ir.TreeSplits, "splits", input=b.input, feature=np.zeros(len(thr), int), threshold=thr,
            missing_left=np.arange(len(thr)) % 2 == 0, cast_float32=cast,
        )  # fmt: skip
        b.name_columns(splits, [str(t) for t in thr])
        last = splits
    outs = {"transform": last, "decision_function": b.squeeze(b.dense(splits, np.ones((len(thr), 1))))}
    net = b.build(outs, ir.Metadata("splits", "transformer"))
    _one_layer_page(browser, tmp_path, net)
    probes = [0.1, np.nextafter(0.1, 0), -0.1, np.nextafter(-0.1, 0), 1e-50, -1e-50, 0.0, 1e-46, -1e-46]
    probes += [0.5, 1e39, -1e39, 3.4028235e38, 3.5e38, float(np.float32(0.1)), float(np.float32(-0.1))]
    for row in probes:
        js = browser.execute_script("return window.nnconvertRun(arguments[0]);", [row])
        trace = run(net, np.array([[row]]), trace=True)
        for node in net.nodes:
            assert np.asarray(js[node.name]).tolist() == trace[node.name][0].tolist(), (row, node.name)
