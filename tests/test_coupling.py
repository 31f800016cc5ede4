"""libsvm's pairwise coupling as a node: the ONNX graph (k = 2 closed form, k > 2 Loop) against
the numpy kernel to rounding (same sweeps, ~1e-15),
float64 arithmetic inside float32 networks, and float32 forgiveness of the stop rule only at real
boundary rows (``PairwiseCoupling.decision_margin`` in ``verify.boundary_rows``)."""

from __future__ import annotations

import dataclasses
import warnings
from typing import ClassVar

import numpy as np
import pytest
from sklearn import svm

import nnconvert
from nnconvert import ir, runtime
from nnconvert.check import verify
from nnconvert.exporters.onnx import coupling as onnx_coupling
from nnconvert.exporters.onnx import register_emitter, run_onnx
from nnconvert.ir.builder import GraphBuilder
from nnconvert.ir.coupling import PairwiseCoupling, coupling_sweeps, pairwise_coupling
from tests.cases import blobs


@dataclasses.dataclass(frozen=True, eq=False)
class LooseCoupling(PairwiseCoupling):
    """A tampered coupling: stops at ``max_error < 0.0055 / k`` instead of libsvm's ``0.005 / k``."""

    op: ClassVar[str] = "test_loose_coupling"
    stop_tol: ClassVar[float] = 0.0055


runtime.register_kernel(LooseCoupling, lambda n, xs: pairwise_coupling(xs[0], n.n_classes, n.stop_tol))
register_emitter(LooseCoupling, onnx_coupling._emit)


def _coupling_net(k: int) -> ir.Network:
    b = GraphBuilder(k * (k - 1) // 2)
    p = b.add(PairwiseCoupling, "proba", input=b.act(b.input, "clip", 1e-7, 1 - 1e-7), n_classes=k)
    return b.build({"predict_proba": p}, ir.Metadata("tests.Coupling", "classifier", classes=tuple(range(k))))


@pytest.mark.parametrize("k", [2, 3, 6])
def test_onnx_graph_equals_numpy_kernel_to_rounding(k: int) -> None:
    rng = np.random.default_rng(k)
    n_pairs = k * (k - 1) // 2
    r = np.clip(rng.uniform(0, 1, (400, n_pairs)) ** rng.uniform(0.2, 3, (400, 1)), 1e-7, 1 - 1e-7)
    net = _coupling_net(k)
    p64 = nnconvert.run(net, r)["predict_proba"]
    assert len(set(coupling_sweeps(r, k))) > 2, "rows must stop after different sweep counts"
    # the same sweeps as libsvm; sums in another order (MatMul, ReduceSum, k = 2's closed form)
    np.testing.assert_allclose(
        run_onnx(nnconvert.to_onnx(net, dtype="float64"), r)["predict_proba"], p64, rtol=0, atol=1e-14
    )
    # float32 networks couple in float64: the float32 result is the float64 result on float32 r, rounded
    r32 = r.astype(np.float32)
    want = pairwise_coupling(r32.astype(np.float64), k).astype(np.float32)
    np.testing.assert_array_equal(nnconvert.run(net, r32, np.float32)["predict_proba"], want)
    got = run_onnx(nnconvert.to_onnx(net, dtype="float32"), r32)["predict_proba"]
    assert got.dtype == np.float32
    np.testing.assert_array_max_ulp(got, want, maxulp=1)
    assert run_onnx(nnconvert.to_onnx(net, dtype="float64"), r[:0])["predict_proba"].shape == (0, k)


def test_two_class_closed_form_on_the_whole_clip_range() -> None:
    """k = 2 has no Loop: at most two sweeps ever run for r in [1e-7, 1 - 1e-7] (the error after
    two is far below the stop threshold), and the closed form lands on libsvm's p everywhere."""
    a = np.concatenate(
        [np.linspace(0, 1, 200_001), np.geomspace(1e-7, 1e-2, 20_001), 1 - np.geomspace(1e-7, 1e-2, 20_001)]
    )
    a = np.clip(a, 1e-7, 1 - 1e-7)[:, None]
    sweeps = coupling_sweeps(a, 2)
    assert set(sweeps) == {0, 1, 2}
    assert (coupling_sweeps(a, 2, tol=PairwiseCoupling.stop_tol / 16) <= 2).all(), "two sweeps with room to spare"
    model = nnconvert.to_onnx(_coupling_net(2), dtype="float64")
    assert "Loop" not in {node.op_type for node in model.graph.node}
    np.testing.assert_allclose(run_onnx(model, a)["predict_proba"], pairwise_coupling(a, 2), rtol=0, atol=1e-15)


def _svc(k: int) -> tuple[svm.SVC, np.ndarray]:
    X, y, X_eval = blobs(k, n_features=4, n_samples=150, seed=k)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The `probability` parameter", FutureWarning)
        return svm.SVC(probability=True, random_state=0).fit(X, y), X_eval


def _stop_boundary_rows(net: ir.Network, X_eval: np.ndarray, tol: float, steps: int = 40) -> np.ndarray:
    """Rows where a stop decision of the coupling (with tolerance ``tol``) is at its threshold:
    bisect segments between evaluation rows on which the float64 sweep count changes."""
    node = next(n for n in net.nodes if isinstance(n, PairwiseCoupling))

    def sweeps(X: np.ndarray) -> np.ndarray:
        return coupling_sweeps(runtime.run(net, X, trace=True)[node.input], node.n_classes, tol)

    lo, hi = X_eval[:-1], X_eval[1:]
    s_lo = sweeps(lo)
    keep = s_lo != sweeps(hi)
    lo, hi, s_lo = lo[keep], hi[keep], s_lo[keep]
    for _ in range(steps):
        mid = (lo + hi) / 2
        same = sweeps(mid) == s_lo
        lo, hi = np.where(same[:, None], mid, lo), np.where(same[:, None], hi, mid)
    return (lo + hi) / 2


@pytest.mark.parametrize("k", [2, 3])
def test_stop_rule_flips_are_forgiven_only_at_boundary_rows(k: int) -> None:
    est, X_eval = _svc(k)
    net = nnconvert.convert(est)
    rows = _stop_boundary_rows(net, X_eval, PairwiseCoupling.stop_tol)
    assert len(rows) >= 10
    ref = verify.reference_outputs(est, np.vstack([X_eval, rows]))
    # float64: exact, even on the boundary
    got64 = nnconvert.run(net, np.vstack([X_eval, rows]))["predict_proba"]
    np.testing.assert_allclose(got64, ref["predict_proba"], rtol=1e-9, atol=1e-9)
    # (i) every constructed row is a boundary row; random evaluation rows mostly are not
    assert verify.boundary_rows(net, rows).all()
    margin = net.node("proba").decision_margin([runtime.run(net, X_eval, trace=True)["pair_proba"]])
    assert np.median(margin) > 1e-4
    X_all = np.vstack([X_eval, rows])
    runners = {
        "numpy": verify.numpy_runner(net, "float32"),
        "onnx": verify.onnx_runner(nnconvert.to_onnx(net, dtype="float32"))[0],
    }
    # Which constructed rows float32 rounding flips depends on the CPU's BLAS kernels; what the
    # design guarantees is row by row: a row out of float32 tolerance is a boundary row, forgiven.
    want = verify.reference_outputs(est, X_all)["predict_proba"]
    tol32 = verify.TOLERANCES["float32"]
    near = verify.boundary_rows(net, X_all)
    for name, runner in runners.items():
        cmp = verify.compare(lambda X: verify.reference_outputs(est, X), runner, [X_all], dtype="float32", network=net)
        assert cmp.equivalent, f"{name}: {cmp.format_text()}"
        got = runner(X_all)["predict_proba"].astype(np.float64)
        flagged = (np.abs(got - want) > tol32.atol + tol32.rtol * np.abs(want)).any(axis=1)
        assert not (flagged & ~near).any(), f"{name}: a row out of tolerance is not a boundary row"
        assert cmp.outputs["predict_proba"].n_boundary == flagged.sum()


@pytest.mark.parametrize("k", [2, 3])
def test_tampered_stop_tolerance_still_fails_in_float32(k: int) -> None:
    """(ii) a coupling that stops at the wrong tolerance is caught: its flips are not forgiven.

    What the design guarantees, row by row (not how many rows a CPU's BLAS happens to round
    across a boundary): a float32 row is forgiven only if ``verify.boundary_rows`` marks it, so
    every row where the tampered network is wrong by more than twice the float32 tolerance, away
    from its boundaries, is reported as a mismatch in float32 by every runtime.
    """
    est, X_eval = _svc(k)
    net = nnconvert.convert(est)
    wrong_rows = _stop_boundary_rows(net, X_eval, LooseCoupling.stop_tol, steps=4)  # near the wrong threshold
    X_all = np.vstack([X_eval, wrong_rows])
    nodes = [LooseCoupling(n.name, n.input, n.n_classes) if isinstance(n, PairwiseCoupling) else n for n in net.nodes]
    loose = net.replace(nodes=nodes)
    ref = lambda X: verify.reference_outputs(est, X)  # noqa: E731
    want = ref(X_all)["predict_proba"]
    tol32 = verify.TOLERANCES["float32"]
    limit = tol32.atol + tol32.rtol * np.abs(want)
    near = verify.boundary_rows(loose, X_all)
    err64 = np.abs(nnconvert.run(loose, X_all)["predict_proba"] - want)
    clearly_wrong = (err64 > 2 * limit).any(axis=1) & ~near
    assert clearly_wrong.sum() >= 3, "the tampering must change outputs away from the network's boundaries"
    for runner in (verify.numpy_runner(loose, "float32"), verify.onnx_runner(nnconvert.to_onnx(loose))[0]):
        cmp = verify.compare(ref, runner, [X_all], dtype="float32", network=loose)
        proba = cmp.outputs["predict_proba"]
        assert not cmp.equivalent
        got = runner(X_all)["predict_proba"].astype(np.float64)
        flagged = (np.abs(got - want) > limit).any(axis=1)
        assert flagged[clearly_wrong].all(), "a clearly wrong row away from every boundary went unreported"
        assert proba.n_mismatch >= clearly_wrong.sum()
        assert proba.n_boundary <= (flagged & near).sum()  # forgiven rows are boundary rows
