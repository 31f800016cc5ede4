"""Attacks on the loader, written as an attacker would: only names the old allow-list
admitted (numpy's reconstructors, ``numpy.dtype``, ``multiarray.scalar``, ufuncs,
``copyreg._reconstructor``, builtins, registered classes), in every format and protocol
where they apply. Each is refused (exit 2, one line) with no side effect; size bombs are
refused from what the file claims, before anything is allocated."""

from __future__ import annotations

import bz2
import copyreg
import gzip
import io
import json
import lzma
import pickle
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import joblib
import numpy as np
import pytest
import skops.io as sio
from click.testing import CliRunner
from sklearn.linear_model import LogisticRegression

from nnconvert.errors import ModelLoadError, NnconvertError, UnsupportedModel, UntrustedModel
from nnconvert.io.loading import load_model

ROOT = Path(__file__).resolve().parents[1]
MULTIARRAY = "numpy._core.multiarray"


class Reduce:
    """Pickled as ``func(*args)`` with an optional BUILD ``state``."""

    def __init__(self, func, args, state=None):
        self.func, self.args, self.state = func, args, state

    def __reduce__(self):
        return (self.func, self.args) if self.state is None else (self.func, self.args, self.state)


def _global(module: str, name: str, proto: int) -> bytes:
    """GLOBAL (protocols 0-3) or STACK_GLOBAL (4-5) for ``module.name``."""
    if proto < 4:
        return f"c{module}\n{name}\n".encode()
    return _text(module, proto) + _text(name, proto) + b"\x93"


def _text(s: str, proto: int) -> bytes:
    data = s.encode()
    return b"X" + struct.pack("<I", len(data)) + data if proto >= 1 else b"V" + data + b"\n"


def _stream(body: bytes, proto: int) -> bytes:
    return (b"\x80" + bytes([proto]) if proto >= 2 else b"") + body + b"."


def _fitted() -> LogisticRegression:
    rng = np.random.default_rng(0)
    return LogisticRegression().fit(rng.normal(size=(30, 3)), rng.integers(0, 2, 30))


def _refused(path: Path, kind: type[NnconvertError] = UntrustedModel, match: str | None = None) -> str:
    with pytest.raises(kind, match=match) as err:
        load_model(path)
    message = str(err.value)
    assert "\n" not in message and path.name in message
    return message


# ----------------------------------------------------------------------- forged numpy objects

_OBJECT_DTYPE = np.dtype(object)


def _numpy_payloads() -> dict[str, object]:
    """Objects whose (real) unpickling forges pointers or dtypes with numpy's own helpers."""
    from numpy._core import multiarray

    forged_flags = Reduce(np.dtype, ("f8", False, True), (3, "<", None, None, None, -1, -1, 63))
    return {
        "object array from bytes": Reduce(
            multiarray._reconstruct, (np.ndarray, (0,), b"b"), (1, (2,), _OBJECT_DTYPE, False, b"A" * 16)
        ),
        "ndarray(buffer=) of objects": Reduce(np.ndarray, ((2,), _OBJECT_DTYPE, b"A" * 16)),
        "scalar of a forged dtype": Reduce(multiarray.scalar, (forged_flags, b"A" * 8)),
        "object scalar": Reduce(multiarray.scalar, (_OBJECT_DTYPE, b"A" * 8)),
        "bytes of an object array": Reduce(bytes, (np.array([_fitted], dtype=object),)),
        "ufunc call": Reduce(np.add, (1, 2)),
        "stored ufunc called": Reduce(np.tanh, (1.0,)),
        "reconstructor to str": Reduce(copyreg._reconstructor, (str, object, None)),
        "reconstructor eval chain": Reduce(copyreg._reconstructor, (LogisticRegression, eval, "1")),
        "getattr": Reduce(getattr, (LogisticRegression, "predict")),
        "bytes bomb": Reduce(bytes, (3_000_000_000,)),
        "subarray dtype": Reduce(
            np.dtype, ("f8", False, True), (3, "<", ((np.dtype("f8"), (2,))), None, None, -1, -1, 0)
        ),
        "masked array": np.ma.MaskedArray([1.0, 2.0]),
    }


@pytest.mark.parametrize("proto", range(6))
def test_forged_numpy_objects_are_refused_in_every_protocol(tmp_path, proto):
    path = tmp_path / "evil.pkl"
    for label, payload in _numpy_payloads().items():
        path.write_bytes(pickle.dumps(payload, protocol=proto))
        with pytest.raises((UntrustedModel, ModelLoadError)) as err:
            load_model(path)
        assert "\n" not in str(err.value) and "evil.pkl" in str(err.value), label


@pytest.mark.parametrize("compress", [0, ("zlib", 1), ("gzip", 1), ("bz2", 1), ("xz", 1), ("lzma", 1)])
def test_joblib_nested_and_wrapped_payloads_are_refused(tmp_path, compress):
    """joblib's array wrapper: a forged dtype header, and the nested pickle it writes for
    object arrays (read by nnconvert's reader, never ``pickle.load``)."""
    path = tmp_path / "evil.joblib"
    marker = tmp_path / "pwned"
    nested = np.array([Reduce(eval, (f"open({str(marker)!r}, 'w')",))], dtype=object)
    joblib.dump({"model": _fitted(), "evil": nested}, path, compress=compress)
    _refused(path, match="builtins.eval")
    assert not marker.exists()
    joblib.dump({"x": np.array([_fitted(), "a"], dtype=object)}, path, compress=compress)
    _refused(path, match="object array of|leaves a LogisticRegression")  # refused either way


def test_build_on_a_class_is_refused_and_the_class_is_unchanged(tmp_path):
    path = tmp_path / "evil.pkl"
    module, name = LogisticRegression.__module__, LogisticRegression.__name__
    before = dict(vars(LogisticRegression))
    for proto in range(6):
        state = b"}" + _text("predict", proto) + _text("pwned", proto) + b"s"
        path.write_bytes(_stream(_global(module, name, proto) + state + b"b", proto))
        _refused(path, match="sets attributes of the class")
    assert dict(vars(LogisticRegression)) == before and callable(LogisticRegression.predict)


def test_memo_and_opcodes_that_reach_outside_are_refused(tmp_path):
    path = tmp_path / "evil.pkl"
    for body, match in [
        (b"P1\n", "persistent id"),
        (b"\x82\x01", "extension registry"),
        (b"\x97", "out-of-band buffer"),
        (b"(i__main__\nEvil\n", "'__main__.Evil'"),
        (_global("builtins", "getattr", 4), "'builtins.getattr'"),
        (_global("numpy.random.mtrand", "RandomState", 4) + b")\x81", "instance of 'numpy.random.mtrand.RandomState'"),
        (_global("sklearn.tree._tree", "Tree", 4) + b")\x81", "instance of 'sklearn.tree._tree.Tree'"),
    ]:
        path.write_bytes(_stream(body, 4))
        _refused(path, match=match)


def test_segfault_style_payload_in_the_cli_exits_2_with_one_line(tmp_path):
    """What crashed the old loader (an object array from bytes) in a real subprocess."""
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(_numpy_payloads()["object array from bytes"], protocol=2))
    out = subprocess.run(
        [sys.executable, "-m", "nnconvert", "convert", str(path), "-o", str(tmp_path / "o.onnx")],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: refusing to load evil.pkl"), out.stderr
    assert not (tmp_path / "o.onnx").exists()


def test_cli_runner_refuses_with_exit_2(tmp_path):
    from nnconvert.cli import cli

    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Reduce(getattr, (LogisticRegression, "predict")), protocol=4))
    result = CliRunner().invoke(cli, ["convert", str(path), "-o", str(tmp_path / "o.onnx")])
    assert result.exit_code == 2
    assert "builtins.getattr" in result.output and "--trust" in result.output


# ----------------------------------------------------------------------- size bombs


def _limit_hint(message: str) -> None:
    assert "memory limit" in message and "--max-memory" in message, message


def test_array_claiming_huge_memory_is_refused_from_its_header(tmp_path):
    """43-byte-style pickles: a shape of 10**12 elements over a few bytes."""
    from numpy._core import multiarray, numeric

    path = tmp_path / "bomb.pkl"
    huge = (10**6, 10**6)
    for payload in [
        Reduce(multiarray._reconstruct, (np.ndarray, (0,), b"b"), (1, huge, np.dtype("f8"), False, b"")),
        Reduce(numeric._frombuffer, (b"", np.dtype("f8"), huge, "C")),
    ]:
        for proto in (0, 2, 5):
            path.write_bytes(pickle.dumps(payload, protocol=proto))
            assert len(path.read_bytes()) < 400
            _limit_hint(_refused(path, ModelLoadError))


def test_amplification_through_the_memo_is_bounded(tmp_path):
    """One memoised 1 MB buffer turned into 100 arrays, or 10**5 references to one string
    turned into a fixed-width array: both charged against max_memory before allocating."""
    path = tmp_path / "bomb.pkl"
    buf = b"\0" * (1 << 20)
    from numpy._core import numeric

    arrays = [Reduce(numeric._frombuffer, (buf, np.dtype("f8"), (1 << 17,), "C")) for _ in range(100)]
    path.write_bytes(pickle.dumps({"a": arrays}, protocol=4))
    assert len(path.read_bytes()) < 2 << 20
    with pytest.raises(ModelLoadError, match="memory limit"):
        load_model(path, max_memory=50 << 20)
    text = "x" * 10_000
    path.write_bytes(pickle.dumps({"a": np.array([text] * 100_000, dtype=object)}, protocol=2))
    _limit_hint(_refused(path, ModelLoadError))


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"L" + b"9" * 100_000 + b"L\n", "integer literal"),
        (b"\x8b" + struct.pack("<I", 1 << 31), "integer of"),
        (b"\x8e" + struct.pack("<Q", 1 << 40), "claims 1099511627776 bytes"),
        (b"\x8d" + struct.pack("<Q", 1 << 40), "claims"),
        (b"\x96" + struct.pack("<Q", 1 << 40), "claims"),
        (b"\x95" + struct.pack("<Q", 1 << 40), "frame claims"),
        (b"(" * 10_000, "nested more than"),
    ],
)
def test_huge_claims_in_opcode_headers_are_refused(tmp_path, body, match):
    path = tmp_path / "bomb.pkl"
    path.write_bytes(_stream(body, 4))
    _refused(path, ModelLoadError, match=match)


_COMPRESSORS = {
    "zlib": lambda d: zlib.compress(d, 9),
    "gzip": lambda d: gzip.compress(d, 9),
    "bz2": lambda d: bz2.compress(d, 9),
    "xz": lambda d: lzma.compress(d, preset=1),
    "lzma": lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE, preset=1),
}


@pytest.mark.parametrize("kind", sorted(_COMPRESSORS))
def test_decompression_bombs_stop_at_the_limit(tmp_path, kind):
    """A tiny compressed file that inflates past max_memory is refused while inflating."""
    path = tmp_path / "bomb.joblib"
    path.write_bytes(_COMPRESSORS[kind](b"\x80\x04N" + b"\0" * (24 << 20)))
    assert path.stat().st_size < 200_000
    with pytest.raises(
        ModelLoadError, match=r"decompressed content exceeds .* memory limit; raise it with --max-memory"
    ):
        load_model(path, max_memory=8 << 20)


def test_deep_nesting_is_refused_without_recursion(tmp_path):
    path = tmp_path / "deep.pkl"
    path.write_bytes(_stream(b"]" + b"]" * 50_000 + b"a" * 50_000, 4))
    _refused(path, ModelLoadError, match="nested more than")


# ----------------------------------------------------------------------- skops


def _skops_with(tmp_path: Path, edit) -> Path:
    """A genuine skops file of a fitted model whose schema ``edit`` rewrites."""
    src = tmp_path / "real.skops"
    sio.dump(_fitted(), src)
    out = tmp_path / "evil.skops"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "schema.json":
                schema = json.loads(data)
                edit(schema)
                data = json.dumps(schema).encode()
            zout.writestr(item, data)
    return out


def _node(loader: str, module: str, cls: str, **extra) -> dict:
    return {"__loader__": loader, "__module__": module, "__class__": cls, **extra}


@pytest.mark.parametrize(
    ("node", "match"),
    [
        (_node("FunctionNode", "builtins", "eval"), "'builtins.eval'"),
        (_node("TypeNode", "posix", "system"), "'posix.system'"),
        (_node("ObjectNode", "numpy", "ndarray"), "'numpy.ndarray'"),
        (_node("ObjectNode", "numpy", "dtype"), "'numpy.dtype'"),
        (_node("FunctionNode", "numpy", "add"), "'numpy.add'"),
        (_node("ReduceNode", "builtins", "getattr"), "skops ReduceNode"),
        (_node("OperatorFuncNode", "operator", "attrgetter"), "skops OperatorFuncNode"),
        (_node("MethodNode", "sklearn.linear_model", "LogisticRegression"), "skops MethodNode"),
    ],
)
def test_skops_callables_and_untrusted_types_are_refused(tmp_path, node, match):
    def add(schema: dict) -> None:
        schema["content"]["content"]["evil"] = node
        schema["content"]["key_types"]["content"].append(_node("TypeNode", "builtins", "str"))

    path = _skops_with(tmp_path, add)
    _refused(path, match=match)


def test_skops_default_trusted_estimators_are_not_trusted_here(tmp_path):
    """skops trusts every scikit-learn estimator; nnconvert only its list (by name)."""
    path = _skops_with(tmp_path, lambda s: s.update(__module__="sklearn.semi_supervised._label_propagation",
                                                      __class__="LabelSpreading"))  # fmt: skip
    _refused(path, UnsupportedModel, match="LabelSpreading is not supported; supported families: ")


def test_skops_forged_npy_header_is_refused(tmp_path):
    src = tmp_path / "real.skops"
    sio.dump({"x": np.ones(3)}, src)
    out = tmp_path / "evil.skops"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename.endswith(".npy"):
                buf = io.BytesIO()
                np.lib.format.write_array_header_1_0(buf, {"descr": "|O", "fortran_order": False, "shape": (2,)})
                data = buf.getvalue() + b"A" * 16
            zout.writestr(item, data)
    _refused(out, match="numpy dtype")


# ----------------------------------------------------------------------- hpelm, names, trust


def test_hpelm_reference_never_pickles(tmp_path):
    """The live hpelm model is built from validated arrays: pickle is never used."""
    code = (
        "import pickle, numpy as np\n"
        "def boom(*a, **k): raise SystemExit('pickle used')\n"
        "pickle.load = pickle.dump = pickle.loads = pickle.dumps = boom\n"
        "from nnconvert.converters.hpelm import HpelmReference\n"
        "saved = {'inputs': 2, 'outputs': 2, 'Classification': 'c', 'Weights_WC': None, 'norm': 1e-9,\n"
        "         'neurons': [(3, 'tanh', np.ones((2, 3)), np.zeros(3))], 'Beta': np.ones((3, 2))}\n"
        "print(HpelmReference.from_saved(saved).predict(np.ones((1, 2))).tolist())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[0]", out.stdout + out.stderr


def test_a_module_next_to_the_model_never_runs(tmp_path):
    """``python -m nnconvert`` puts the working directory on sys.path: an hpelm-style file that
    names a module next to it is refused, and the module is never imported."""
    (tmp_path / "evilmod.py").write_text(f"open({str(tmp_path / 'ran')!r}, 'w').close()\nclass Thing: pass\n")
    body = b"}" + b"".join(_text(k, 4) + _text("x", 4) + b"s" for k in ("inputs", "outputs", "Classification"))
    body += _text("neurons", 4) + _global("evilmod", "Thing", 4) + b")\x81s"
    (tmp_path / "model.pkl").write_bytes(_stream(body, 4))
    out = subprocess.run(
        [sys.executable, "-m", "nnconvert", "convert", "model.pkl", "-o", "out.json"],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert out.returncode == 2 and "'evilmod.Thing'" in out.stderr, out.stderr
    assert not (tmp_path / "ran").exists()


def test_known_but_unsupported_classes_are_told_by_name_only(tmp_path):
    """lightgbm/interpret/imblearn classes: exit 1 'not supported', their library never imported
    (xgboost's and catboost's models are supported: tests/test_xgboost.py, tests/test_catboost.py)."""
    code = (
        "import sys\nfrom nnconvert.io.loading import load_model\nfrom nnconvert.errors import UnsupportedModel\n"
        f"p = {str(tmp_path / 'm.pkl')!r}\n"
        "for module, name in [('imblearn.ensemble', 'EasyEnsembleClassifier'), ('lightgbm.dask', 'DaskLGBMClassifier'),\n"
        "                     ('interpret.glassbox', 'ExplainableBoostingClassifier'),\n"
        "                     ('sklearn.semi_supervised', 'LabelSpreading')]:\n"
        "    open(p, 'wb').write(b'\\x80\\x02c' + f'{module}\\n{name}\\n'.encode() + b')\\x81.')\n"
        "    try: load_model(p)\n"
        "    except UnsupportedModel as e: print(e.exit_code, str(e).split(';')[0])\n"
        "print(sorted(m for m in ('xgboost', 'lightgbm', 'catboost') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    lines = out.stdout.strip().splitlines()
    assert lines[:4] == [
        "1 m.pkl: EasyEnsembleClassifier is not supported",
        "1 m.pkl: DaskLGBMClassifier is not supported",
        "1 m.pkl: ExplainableBoostingClassifier is not supported",
        "1 m.pkl: LabelSpreading is not supported",
    ], out.stdout + out.stderr
    assert lines[4] == "[]"


def test_unknown_global_is_untrusted_with_the_trust_hint(tmp_path):
    path = tmp_path / "m.pkl"
    path.write_bytes(_stream(_global("mylib.models", "Custom", 4) + b")\x81", 4))
    message = _refused(path, match="'mylib.models.Custom'")
    assert message.endswith("pass --trust if you trust this file")


# ----------------------------------------------------------------------- tree and ensemble models


def _tree_models():
    from sklearn import ensemble as E
    from sklearn import tree as T
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = np.array(["a", "b", "c"])[rng.integers(0, 3, 60)]
    yr = X[:, 0] + rng.normal(size=60)
    small = {"n_estimators": 3, "random_state": 0}
    classifiers = [
        T.DecisionTreeClassifier(max_depth=4),
        T.ExtraTreeClassifier(),
        E.RandomForestClassifier(**small),
        E.ExtraTreesClassifier(**small),
        E.GradientBoostingClassifier(**small),
        E.HistGradientBoostingClassifier(max_iter=3),
        E.AdaBoostClassifier(**small),
        E.BaggingClassifier(**small),
        E.VotingClassifier([("l", LogisticRegression()), ("t", T.DecisionTreeClassifier())], voting="soft"),
        E.StackingClassifier([("l", LogisticRegression()), ("t", T.DecisionTreeClassifier())], cv=2),
    ]
    regressors = [
        T.DecisionTreeRegressor(), T.ExtraTreeRegressor(), E.RandomForestRegressor(**small),
        E.ExtraTreesRegressor(**small), E.GradientBoostingRegressor(**small),
        E.HistGradientBoostingRegressor(max_iter=3), E.AdaBoostRegressor(**small), E.BaggingRegressor(**small),
        E.VotingRegressor([("r", Ridge()), ("t", T.DecisionTreeRegressor())]),
        E.StackingRegressor([("r", Ridge()), ("t", T.DecisionTreeRegressor())], cv=2),
    ]  # fmt: skip
    yield from ((m.fit(X, y), X) for m in classifiers)
    yield from ((m.fit(X, yr), X) for m in regressors)
    yield E.IsolationForest(**small).fit(X), X
    yield E.GradientBoostingClassifier(**small).fit(X, y == "a"), X


def test_tree_and_ensemble_models_load_and_predict_identically(tmp_path):
    """Not yet convertible, but loadable: pickle protocols 0/2/5, joblib (zlib, bz2), skops."""
    for est, X in _tree_models():
        expected = est.predict(X)
        paths = []
        for proto in (0, 2, 5):
            paths.append(tmp_path / f"m{proto}.pkl")
            paths[-1].write_bytes(pickle.dumps(est, protocol=proto))
        for compress in (("zlib", 1), ("bz2", 1)):
            paths.append(tmp_path / f"m-{compress[0]}.joblib")
            joblib.dump(est, paths[-1], compress=compress)
        paths.append(tmp_path / "m.skops")
        sio.dump(est, paths[-1])
        for path in paths:
            loaded = load_model(path)
            assert type(loaded) is type(est)
            np.testing.assert_array_equal(loaded.predict(X), expected, err_msg=f"{type(est).__name__} {path.name}")


def test_forged_tree_nodes_are_refused(tmp_path):
    """A child index outside the node array would make scikit-learn's tree code read
    outside its buffer: refused before the tree sees it."""
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(0)
    est = DecisionTreeRegressor(max_depth=2).fit(rng.normal(size=(20, 2)), rng.normal(size=20))
    tree_cls, args, state = est.tree_.__reduce__()
    for field, value in (("left_child", 10**6), ("feature", 99), ("right_child", 0)):
        nodes = state["nodes"].copy()
        nodes[field][0] = value
        est.__dict__["tree_"] = Reduce(tree_cls, args, {**state, "nodes": nodes})
        path = tmp_path / "tree.pkl"
        path.write_bytes(pickle.dumps(est, protocol=4))
        _refused(path, ModelLoadError, match="tree")
