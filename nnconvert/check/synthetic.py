"""Synthetic inputs for ``nnconvert verify --synthetic N``: rows ``x ~ p(x | network)`` placed
where the network's decisions change, generated deterministically from a seed.

Equivalence has to hold everywhere, but rows far from every decision boundary prove little
(every backend agrees that a point far on one side is on that side). So the rows are drawn
from what the IR says about its own input space, looking at the first nodes reading ``X``:

- **Distance nodes** (kernel neurons: SVM support vectors, RBF centres, centroids): points on
  the segment between two random centres, ``c_i + t (c_j - c_i)``, plus Gaussian noise of a
  random size (``0.01`` to ``1`` times the per-feature spread of the centres), so rows sit near
  centres, between them and around the places where the nearest centre changes.
- **A diagonal Dense layer** (a feature scaler ``z = x * w + b``): rows are generated in the
  scaled space ``z`` (recursively, from what reads ``z``; ``z ~ N(0, 1)`` when nothing more
  specific does) and mapped back, ``x = (z - b) / w``: the inverse image of standard normal.
- **Any other Dense layer** ``s = x W + b`` (linear models, the hidden layer of an ELM, a
  scaler folded into a linear model): each feature gets the scale ``sigma_i = 1 / max_j
  |W_ij|`` (a unit step in ``u = x / sigma`` moves some neuron by at most 1), and rows are
  drawn around a point of a decision hyperplane, either one neuron's ``s_j = 0`` or, for a few
  outputs, a class pair's ``s_i = s_j``: ``u = a + r z / |v|`` with ``a`` the hyperplane point
  closest to the origin, ``v`` its normal, ``z ~ N(0, I)`` and ``r`` log-uniform in
  ``[0.1, 10]``, so the neuron's value is within ``r`` of its boundary.
- Otherwise: standard normal rows.

A fifth of the rows are broad background (three times the scale above) so that points far
from every boundary are covered too. Rows come in blocks of :data:`BLOCK`; block ``k`` uses
``numpy.random.default_rng([seed, k])``, so the rows depend only on ``(network, n, seed)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np

from nnconvert import ir
from nnconvert.errors import DataError

__all__ = ["BLOCK", "iter_synthetic", "synthetic_rows"]

BLOCK = 8192  # rows per independently seeded block
_BACKGROUND = 0.2  # share of broad background rows
_MAX_PAIRS = 12  # class-pair boundaries are used when a dense layer has at most this many neurons

Sampler = Callable[[int, np.random.Generator], np.ndarray]  # (rows, rng) -> [rows, width]


def _normal(width: int) -> Sampler:
    return lambda k, rng: rng.standard_normal((k, width))


def _log_uniform(rng: np.random.Generator, k: int, low: float, high: float) -> np.ndarray:
    return np.exp(rng.uniform(np.log(low), np.log(high), size=(k, 1)))


def _is_diagonal(node: ir.Dense) -> bool:
    w = node.weight
    return w.shape[0] == w.shape[1] and not np.any(w - np.diag(np.diag(w)))


def _distance_sampler(node: ir.Distance) -> Sampler:
    """Points between two random centres plus noise of random size (see module doc)."""
    c = node.centres
    spread = c.std(axis=0) if len(c) > 1 else np.zeros(c.shape[1])
    fallback = max(float(np.abs(c).max()) * 0.1, 1.0)
    spread = np.where(spread > 0, spread, fallback)

    def sample(k: int, rng: np.random.Generator) -> np.ndarray:
        i, j = rng.integers(0, len(c), size=k), rng.integers(0, len(c), size=k)
        t = rng.uniform(0.0, 1.0, size=(k, 1)) * (rng.uniform(size=(k, 1)) < 0.7)  # 30% right at a centre
        noise = rng.standard_normal((k, c.shape[1])) * spread * _log_uniform(rng, k, 0.01, 1.0)
        return c[i] + t * (c[j] - c[i]) + noise

    return sample


def _dense_sampler(node: ir.Dense) -> Sampler:
    """Rows around decision hyperplanes of ``s = x W + b`` in per-feature scaled units."""
    w, b = node.weight, node.bias
    row_max = np.abs(w).max(axis=1)
    sigma = np.where(row_max > 0, 1.0 / np.where(row_max > 0, row_max, 1.0), 1.0)
    v = w * sigma[:, None]  # the same neurons over u = x / sigma
    normals, offsets = [v.T], [b]
    n_out = v.shape[1]
    if 2 <= n_out <= _MAX_PAIRS:  # class pairs: s_i - s_j = 0
        i, j = np.triu_indices(n_out, k=1)
        normals.append((v[:, i] - v[:, j]).T)
        offsets.append(b[i] - b[j])
    normal, offset = np.vstack(normals), np.concatenate(offsets)
    norm = np.linalg.norm(normal, axis=1)
    keep = norm > 0
    normal, offset, norm = normal[keep], offset[keep], norm[keep]
    if not len(normal):
        return lambda k, rng: rng.standard_normal((k, len(sigma))) * sigma
    anchors = -(offset / norm**2)[:, None] * normal  # closest point of each hyperplane to 0

    def sample(k: int, rng: np.random.Generator) -> np.ndarray:
        h = rng.integers(0, len(normal), size=k)
        z = rng.standard_normal((k, len(sigma)))
        u = anchors[h] + _log_uniform(rng, k, 0.1, 10.0) * z / norm[h, None]
        return u * sigma

    return sample


def _first(consumers: list[ir.Node], want: Callable[[ir.Node], bool]) -> ir.Node | None:
    return next((n for n in consumers if want(n)), None)


def _unscaled(network: ir.Network, node: ir.Dense) -> tuple[Sampler, Sampler]:
    """Samplers in the scaled space ``z`` of a diagonal dense node, mapped back to ``x``."""
    d, b = np.diag(node.weight), node.bias
    safe = np.where(d != 0, d, 1.0)
    inner, background = _sampler(network, node.name)

    def back(z: np.ndarray) -> np.ndarray:
        return np.where(d != 0, (z - b) / safe, z)  # x = (z - b) / w; unused features keep z

    return (lambda k, rng: back(inner(k, rng))), (lambda k, rng: back(background(k, rng)))


def _sampler(network: ir.Network, tensor: str) -> tuple[Sampler, Sampler]:
    """(structured, background) samplers for rows in the space of ``tensor`` (X or scaled X)."""
    width = network.info(tensor).width or 1
    consumers = network.consumers(tensor)
    dist = _first(consumers, lambda n: isinstance(n, ir.Distance))
    if isinstance(dist, ir.Distance):
        c = dist.centres
        scale = 3 * (c.std(axis=0) if len(c) > 1 else np.ones(width))
        scale, centre = np.where(scale > 0, scale, 1.0), c.mean(axis=0)
        return _distance_sampler(dist), lambda k, rng: centre + rng.standard_normal((k, width)) * scale
    diag = _first(consumers, lambda n: isinstance(n, ir.Dense) and _is_diagonal(n))
    if isinstance(diag, ir.Dense):
        return _unscaled(network, diag)
    dense = _first(consumers, lambda n: isinstance(n, ir.Dense))
    if isinstance(dense, ir.Dense):
        row_max = np.abs(dense.weight).max(axis=1)
        sigma = np.where(row_max > 0, 1.0 / np.where(row_max > 0, row_max, 1.0), 1.0)
        return _dense_sampler(dense), lambda k, rng: 3 * rng.standard_normal((k, width)) * sigma
    return _normal(width), _normal(width)


def _block(network: ir.Network, k: int, seed: int, index: int) -> np.ndarray:
    structured, background = _sampler(network, ir.INPUT)
    rng = np.random.default_rng([seed, index])
    n_back = round(k * _BACKGROUND)
    rows = np.vstack([structured(k - n_back, rng), background(n_back, rng)])
    rows = rows[rng.permutation(k)]
    if not np.all(np.isfinite(rows)):
        raise DataError("synthetic rows overflowed: the network's weights span too many orders of magnitude")
    return rows.astype(np.float64)


def iter_synthetic(network: ir.Network, n: int, seed: int = 0) -> Iterator[np.ndarray]:
    """The rows of :func:`synthetic_rows` in blocks of at most :data:`BLOCK` (bounded memory)."""
    if n < 1:
        raise DataError(f"--synthetic needs a positive number of rows, got {n}")
    for index, start in enumerate(range(0, n, BLOCK)):
        yield _block(network, min(BLOCK, n - start), seed, index)


def synthetic_rows(network: ir.Network, n: int, seed: int = 0) -> np.ndarray:
    """``n`` rows ``[n, network.n_features]`` near the network's decision boundaries (module doc)."""
    return np.vstack(list(iter_synthetic(network, n, seed)))
