"""The neuron graph: the intermediate representation every converter builds.

A :class:`Network` (``network.py``) is a DAG of named nodes over one input ``X``. The node kinds
are deliberately few: a kind earns its place only where dense-plus-activation cannot express
the math exactly. Each kind lives in one module and registers itself (``base.register_node``):

- ``nodes``: dense, activation, distance (kernel neurons), concat;
- ``heads``: normalize, squeeze, logsumexp, argmax and threshold labels;
- ``coupling``: libsvm's pairwise coupling; ``monomials``: polynomial products;
- ``trees``: split neurons and tree traversal; ``columns``: category codes and indicators; ``median``: AdaBoost's weighted median.
- ``combine``: elementwise sums and products of tensors (kernel sums and products);
- ``neighbours``: k-nearest / radius neighbour selection and weighted vote;
- ``erf_mixture``: the Gaussian-process classifier's erf approximation (in float64).
- ``preprocess``: missing values (is_missing, impute, mark_missing), row norms, per-column interpolation;
- ``splines``: piecewise polynomials of input columns (B-spline bases);
- ``labels``: labels as one-hot floats, label columns side by side.
- ``inputs``: named column inputs (one per DataFrame column, float or string) filling ``X``.

``builder.GraphBuilder`` is how converters write networks. Runtimes and exporters dispatch on the
node type; nothing here imports them. Use ``ir.<Name>`` for everything below.
"""

from nnconvert.errors import InvalidNetwork
from nnconvert.ir.base import LABEL_DTYPES, NODE_TYPES, Node, TensorInfo, Work, as_classes, label_dtype, register_node
from nnconvert.ir.columns import CategoryCodes, CategoryIndicators
from nnconvert.ir.combine import Combine
from nnconvert.ir.coupling import PairwiseCoupling
from nnconvert.ir.erf_mixture import ErfMixture
from nnconvert.ir.heads import ArgMaxLabel, LogSumExp, Normalize, Squeeze, ThresholdLabel
from nnconvert.ir.inputs import INPUT_KINDS, ColumnInput, inputs_from_json
from nnconvert.ir.labels import LabelIndicator, StackLabels
from nnconvert.ir.median import WeightedMedian
from nnconvert.ir.monomials import Monomials
from nnconvert.ir.neighbours import NeighbourVote
from nnconvert.ir.network import INPUT, OUTPUT_METHODS, Metadata, Network
from nnconvert.ir.nodes import ACTIVATIONS, DISTANCE_METRICS, Activation, Concat, Dense, Distance
from nnconvert.ir.preprocess import Impute, Interp, IsMissing, MarkMissing, RowNorm
from nnconvert.ir.splines import PiecewisePoly
from nnconvert.ir.trees import TreeEnsemble, TreeSplits

__all__ = [
    "ACTIVATIONS",
    "DISTANCE_METRICS",
    "INPUT",
    "INPUT_KINDS",
    "LABEL_DTYPES",
    "NODE_TYPES",
    "OUTPUT_METHODS",
    "Activation",
    "ArgMaxLabel",
    "CategoryCodes",
    "CategoryIndicators",
    "ColumnInput",
    "Combine",
    "Concat",
    "Dense",
    "Distance",
    "ErfMixture",
    "Impute",
    "Interp",
    "InvalidNetwork",
    "IsMissing",
    "LabelIndicator",
    "LogSumExp",
    "MarkMissing",
    "Metadata",
    "Monomials",
    "NeighbourVote",
    "Network",
    "Node",
    "Normalize",
    "PairwiseCoupling",
    "PiecewisePoly",
    "RowNorm",
    "Squeeze",
    "StackLabels",
    "TensorInfo",
    "ThresholdLabel",
    "TreeEnsemble",
    "TreeSplits",
    "WeightedMedian",
    "Work",
    "as_classes",
    "inputs_from_json",
    "label_dtype",
    "register_node",
]
