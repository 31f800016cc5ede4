"""Explain a network in words: which neurons compute what, with this model's shapes and where
every weight came from.

``explain(network)`` walks the graph in topological order (the order the runtime executes)
and writes one line per node: its math (from :data:`nnconvert.ir.ACTIVATIONS`,
:data:`nnconvert.ir.DISTANCE_METRICS` and the node docstrings), the input and output shapes,
the provenance recorded by the converter (``Dense.source``, ``Distance.source``) and the
estimator methods it produces. A paragraph on the model family comes first where a well-known
story exists. Node kinds this module does not know are described from their class docstring
and parameters, so a new kind never breaks ``explain``.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnconvert import ir
from nnconvert.errors import NnconvertError

__all__ = ["FAMILIES", "explain"]

# (estimator class names, story); the first entry whose names contain the estimator's wins.
FAMILIES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("LogisticRegression", "LogisticRegressionCV"),
        "Logistic regression is a single layer of neurons: one affine neuron per class (one for "
        "a binary problem) computing z = x . coef_ + intercept_, with a sigmoid (binary) or "
        "softmax (multinomial) activation giving predict_proba; predict is the class of the "
        "largest score (the sign of z when binary).",
    ),
    (
        ("LinearSVC", "LinearSVR"),
        "A linear SVM is one layer of neurons with no activation: z = x . coef_ + intercept_ "
        "is the decision function (the prediction for LinearSVR); the label is the sign of z "
        "(binary) or the class with the largest z (one-vs-rest).",
    ),
    (
        ("SVC", "NuSVC", "SVR", "NuSVR", "OneClassSVM"),
        "A kernel SVM is a network with one hidden neuron per support vector: each neuron "
        "measures the input against its support vector and applies the kernel as its "
        "activation (RBF: exp(-gamma |x - sv|^2); poly: (gamma x.sv + coef0)^degree; sigmoid: "
        "tanh(gamma x.sv + coef0)). A linear layer weighted by dual_coef_ plus intercept_ "
        "gives one decision value per class pair (or the regression value); for "
        "classification a step layer turns each pair's decision into a win, and a vote layer "
        "counts the wins per class before the argmax. With probability=True, predict_proba is "
        "Platt sigmoids of the pair decisions and libsvm's pairwise coupling, but predict still "
        "takes the votes, not the argmax of predict_proba (the two can disagree).",
    ),
    (
        ("ELM", "ELMClassifier", "ELMRegressor"),
        "An extreme learning machine is one hidden layer of fixed random neurons (random "
        "weights and biases, or RBF centres, never trained) followed by a linear output layer "
        "whose weights were solved by (regularised) least squares.",
    ),
    (
        ("MLPClassifier", "MLPRegressor"),
        "A multi-layer perceptron is already a neural network: each hidden layer is "
        "activation(x . coefs_[i] + intercepts_[i]); the output layer applies softmax, "
        "logistic or identity as scikit-learn's out_activation_.",
    ),
    (
        ("DecisionTreeClassifier", "DecisionTreeRegressor", "ExtraTreeClassifier", "ExtraTreeRegressor"),
        "A decision tree is a three-layer network (Sethi's entropy nets, 1990): one step neuron per "
        "split, firing when x[feature] <= threshold (X rounded to float32, as scikit-learn does); one "
        "AND neuron per leaf, step(C h - D + 1/2), whose +1/-1 weights follow the leaf's path so it "
        "fires only when every split on the path agrees; and an output layer holding the leaf values "
        "(class fractions or regression values; a multi-output classifier holds one block of class "
        "fractions per output and takes one argmax per block, its labels one column per output).",
    ),
    (
        (
            "RandomForestClassifier",
            "RandomForestRegressor",
            "ExtraTreesClassifier",
            "ExtraTreesRegressor",
            "IsolationForest",
            "BaggingClassifier",
            "BaggingRegressor",
        ),
        "A forest is many tree networks side by side: each tree's split neurons, leaf AND neurons and "
        "leaf values; the output layer sums the trees' leaf values and divides by their number "
        "(IsolationForest sums path lengths and maps them to an anomaly score).",
    ),
    (
        (
            "GradientBoostingClassifier",
            "GradientBoostingRegressor",
            "HistGradientBoostingClassifier",
            "HistGradientBoostingRegressor",
            "AdaBoostClassifier",
            "AdaBoostRegressor",
        ),
        "A boosted ensemble is a sum of tree networks: every tree adds its leaf value (already scaled "
        "by the learning rate) to a starting score, and the loss's link (sigmoid, softmax, exp) turns "
        "the raw score into probabilities or predictions.",
    ),
    (
        ("KNeighborsClassifier", "KNeighborsRegressor", "RadiusNeighborsClassifier", "RadiusNeighborsRegressor"),
        "A nearest-neighbours model is a network whose weights are its training rows: one distance "
        "neuron per stored sample (_fit_X) measures the input against it; a selection layer keeps "
        "the k smallest distances (TopK, equal distances to the lower sample index) or every "
        "sample within the radius; the kept neurons gather their one-hot labels (classifier) or "
        "targets (regressor), weighted 1 or 1/distance (a zero distance takes all the weight), and "
        "the weighted average is predict_proba or predict; the label is the argmax.",
    ),
    (
        ("NearestCentroid",),
        "A nearest-centroid classifier is one distance neuron per class centroid: predict is the "
        "class of the nearest centroid (uniform priors); the discriminant -|x/s - c/s|^2 + 2 log "
        "prior (s the within-class standard deviations) is its decision function and its softmax "
        "predict_proba.",
    ),
    (
        ("GaussianProcessRegressor", "GaussianProcessClassifier"),
        "A Gaussian process is a kernel network over its training rows: one kernel neuron per row "
        "of X_train_ computes k(x, x_i) for the fitted kernel (sums and products of kernels are "
        "sums and products of kernel layers). The regressor's mean is a dense layer weighted by "
        "alpha_; its standard deviation is sqrt(k(x, x) - |K inv(L_)^T|^2). The classifier's "
        "latent mean and variance are the same two layers (Laplace approximation), and its "
        "probability is scikit-learn's five-erf approximation of the logistic-Gaussian integral.",
    ),
    (
        ("GaussianNB",),
        "Gaussian naive Bayes is one quadratic neuron per class: the joint log-likelihood log prior - 1/2 sum "
        "log(2 pi var) - 1/2 sum (x - theta)^2 / var, computed as a layer of centred copies of x, a square "
        "activation and a dense layer weighted by -1/(2 var); softmax gives predict_proba and argmax predict.",
    ),
    (
        ("MultinomialNB", "ComplementNB", "BernoulliNB", "CategoricalNB"),
        "Discrete naive Bayes is one linear layer: the joint log-likelihood x . feature_log_prob_ + "
        "class_log_prior_ (BernoulliNB binarises x with step neurons first, CategoricalNB one-hot encodes each "
        "category with step neurons); softmax gives predict_proba and argmax predict.",
    ),
    (
        ("LinearDiscriminantAnalysis",),
        "Linear discriminant analysis is one affine neuron per class (one if binary), z = x . coef_ + "
        "intercept_, with a sigmoid or softmax for predict_proba and argmax for predict; its transform is "
        "one more linear layer, the projection onto the discriminant directions scalings_.",
    ),
    (
        ("QuadraticDiscriminantAnalysis",),
        "Quadratic discriminant analysis is one quadratic neuron per class: -1/2 |(x - mean) R S^-1/2|^2 "
        "- 1/2 sum log S + log prior (centred copies of x, a whitening layer, a square activation and a "
        "summing layer); softmax gives predict_proba and argmax predict.",
    ),
    (
        ("KMeans", "MiniBatchKMeans", "BisectingKMeans"),
        "Centroid clustering is one distance neuron per cluster centre: predict takes the nearest centre "
        "(argmax of 2 x.c - |c|^2; BisectingKMeans walks its tree of two-centre splits with step and AND "
        "neurons) and transform gives the euclidean distances to all centres.",
    ),
    (
        ("GaussianMixture", "BayesianGaussianMixture"),
        "A Gaussian mixture is one quadratic neuron per component: its weighted log-probability -1/2 "
        "|x - mean|^2 in the component's precision plus its log-normaliser and log weight; softmax gives "
        "predict_proba, argmax predict and logsumexp score_samples.",
    ),
    (
        (
            "PCA",
            "IncrementalPCA",
            "TruncatedSVD",
            "FastICA",
            "FactorAnalysis",
            "GaussianRandomProjection",
            "SparseRandomProjection",
        ),
        "A linear projection is one layer of linear neurons, one per component (after centring where the "
        "model centres); PCA and FactorAnalysis score_samples add one quadratic neuron, the Gaussian "
        "log-likelihood.",
    ),
    (
        ("KernelPCA",),
        "Kernel PCA is a kernel network: one kernel neuron per training row, a centring layer (the "
        "KernelCenterer), then one linear neuron per component weighted by eigenvectors / sqrt(eigenvalues).",
    ),
    (
        ("Pipeline",),
        "A pipeline is its steps' networks in sequence; per-feature scalers are diagonal "
        "affine layers, which fold into the next dense layer when the network is simplified.",
    ),
    (
        ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler"),
        "A scaler is a diagonal affine layer: one neuron per feature computing x * w + b.",
    ),
    (
        ("SimpleImputer", "MissingIndicator"),
        "Missing values are routed, never multiplied: an is_missing node tests isnan(x) (or x == "
        "missing_values) and an impute node puts statistics_ where it is true (ONNX IsNaN/Where); "
        "the indicator columns are those 0/1 tests.",
    ),
    (
        (
            "Normalizer",
            "Binarizer",
            "KBinsDiscretizer",
            "QuantileTransformer",
            "PowerTransformer",
            "FunctionTransformer",
            "SplineTransformer",
        ),
        "A feature transformer is a layer of per-column neurons: row norms (Normalizer), step "
        "neurons at the threshold or bin edges (Binarizer, KBinsDiscretizer), a piecewise-linear "
        "interpolation through quantiles_ (QuantileTransformer), log/exp neurons with per-column "
        "lambdas (PowerTransformer), the named ufunc as an activation (FunctionTransformer) or, per "
        "B-spline basis element, its polynomial on the knot interval the input falls in (SplineTransformer).",
    ),
    (
        ("ColumnTransformer", "FeatureUnion"),
        "Column plumbing: each branch gathers its columns (an exact Gather, no multiplication), "
        "runs its own network, and the branches' outputs are concatenated side by side.",
    ),
    (
        (
            "VarianceThreshold",
            "SelectKBest",
            "SelectPercentile",
            "SelectFpr",
            "SelectFdr",
            "SelectFwe",
            "GenericUnivariateSelect",
            "SelectFromModel",
            "SequentialFeatureSelector",
            "RFE",
            "RFECV",
        ),
        "A feature selector is a Gather of the columns of get_support(); RFE/RFECV then run their "
        "estimator_'s network on those columns.",
    ),
    (
        ("GridSearchCV", "RandomizedSearchCV", "HalvingGridSearchCV", "HalvingRandomSearchCV"),
        "A hyper-parameter search is converted as its best_estimator_ (the best candidate refitted on "
        "all data), which its predict and other methods delegate to.",
    ),
    (
        ("OneVsRestClassifier", "OneVsOneClassifier", "OutputCodeClassifier"),
        "A multiclass wrapper runs one binary network per class, pair or code bit on the same "
        "input, then combines their scores: argmax (one-vs-rest), votes plus squashed confidences "
        "(one-vs-one) or the nearest code word (output codes).",
    ),
    (
        (
            "MultiOutputClassifier",
            "MultiOutputRegressor",
            "ClassifierChain",
            "RegressorChain",
            "TransformedTargetRegressor",
        ),
        "Output wrappers: one network per output side by side (multi-output), each link reading the "
        "inputs and the earlier links' predictions (chains), or the regressor's network followed by "
        "the target transformer's inverse (TransformedTargetRegressor).",
    ),
)
_LINEAR = (
    "A linear model is one layer of affine neurons, y = x . coef_ + intercept_ (one neuron per "
    "class or per target); classifiers threshold or argmax it into a label."
)


@dataclass(frozen=True)
class _Step:
    name: str
    op: str
    shape_in: str
    shape_out: str
    math: str
    source: str
    outputs: tuple[str, ...]
    phrase: str


def _shape(info: ir.TensorInfo) -> str:
    return "[N]" if info.width is None else f"[N, {info.width}]"


def _values(values: Any, limit: int = 8) -> str:
    items = [str(v) for v in np.asarray(values).tolist()]
    more = f", ... ({len(items)} in all)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


def _doc(node: ir.Node) -> str:
    doc = inspect.getdoc(type(node)) or type(node).__name__
    return " ".join(doc.split("\n\n")[0].split()).replace("``", "")


def _param(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"array {'x'.join(map(str, value.shape))}" if value.size > 8 else _values(value)
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _describe(node: ir.Node, net: ir.Network) -> tuple[str, str]:
    """(math, short phrase) of one node; unknown kinds from their docstring and parameters."""
    if isinstance(node, ir.Dense):
        n_in, n_out = node.weight.shape
        if node.is_translation:
            return f"y_j = x_j + b_j for {n_out} neurons (a shift, no product)", f"shift of {n_out}"
        if n_in == n_out > 1 and not np.any(node.weight - np.diag(np.diag(node.weight))):
            w, b = np.diag(node.weight), node.bias
            const = (f", w_j = {w[0]:g}" if np.all(w == w[0]) else "") + (
                f", b_j = {b[0]:g}" if np.all(b == b[0]) else ""
            )
            return (
                f"y_j = x_j * w_j + b_j for {n_out} neurons (diagonal, one input each){const}",
                f"per-feature scaling of {n_out}",
            )
        math = f"y = x @ W + b, W {n_in}x{n_out}, b {n_out}"
        if node.weight.size <= 8 and not node.source:  # a small constant layer: show it
            math += f", W = {node.weight.tolist()}, b = {node.bias.tolist()}"
        return math, f"dense layer of {n_out} neuron{'s' * (n_out != 1)}"
    if isinstance(node, ir.Activation):
        math = ir.ACTIVATIONS[node.fn]
        if node.param:
            math += f", param = {', '.join(f'{p:g}' for p in node.param)}"
        return f"{node.fn}: {math}", node.fn
    if isinstance(node, ir.Distance):
        k, d = node.centres.shape
        math = f"{ir.DISTANCE_METRICS[node.metric]}, {k} centres c_j of {d} coordinates"
        return math, f"{k} kernel neurons ({node.metric} distance to each centre"
    if isinstance(node, ir.ArgMaxLabel):
        return (
            f"y = classes[argmax_j x_j] (ties to the lowest index), classes = {_values(node.classes)}",
            f"argmax of {_reads(node.input, net)} -> classes_",
        )
    if isinstance(node, ir.ThresholdLabel):
        cmp = ">" if node.strict else ">="
        c0, c1 = node.classes.tolist()
        return (
            f"y = {c1} if x {cmp} {node.threshold:g} else {c0}",
            f"threshold {_reads(node.input, net)} {cmp} {node.threshold:g} -> classes_",
        )
    if isinstance(node, ir.Squeeze):
        return "y = x[:, 0] ([N, 1] -> [N])", "squeeze"
    if isinstance(node, ir.Normalize):
        extra = "; all-zero rows become 1/width" if node.zero_to_uniform else ""
        return f"y = x / sum_j x_j (per row){extra}", "normalise rows"
    if isinstance(node, (ir.TreeSplits, ir.TreeEnsemble)):
        return _tree_words(node, net)
    if isinstance(node, ir.NeighbourVote):
        n, m = node.values.shape
        pick = f"the {node.k} nearest of {n}" if node.k else f"all of {n} within radius {node.radius:g}"
        weight = "1/d" if node.weighting == "distance" else "1"
        return (
            f"y = sum_i w_i v_i / sum_i w_i over {pick} (w = {weight}; {m} values per sample)",
            f"{'TopK' if node.k else 'radius'} vote over {pick}",
        )
    if isinstance(node, ir.Concat):
        widths = " + ".join(str(net.info(s).width) for s in node.sources)
        return f"y = [{' | '.join(node.sources)}] ({widths} columns)", "concatenate"
    params = ", ".join(f"{k} = {_param(v)}" for k, v in node.params().items() if k not in ("input", "sources"))
    return _doc(node).rstrip(".") + (f"; {params}" if params else ""), node.op or type(node).__name__


def _reads(tensor: str, net: ir.Network) -> str:
    """What a label head reads, by the method it is (``decision_function``) or its tensor name
    (``votes``): the headline lists heads last, so it must say which scores they decide on (an
    SVC with probabilities votes; it does not take the argmax of ``predict_proba``)."""
    methods = [m for m, t in net.outputs.items() if t == tensor and m != "predict"]
    return methods[0] if methods else tensor


def split_text(net: ir.Network, feature: int, threshold: float, category: int = -1) -> str:
    """``x[petal length (cm)] <= 2.45`` (the network's feature names where it has them)."""
    names = net.meta.feature_names
    name = names[feature] if names is not None and feature < len(names) else str(feature)
    if category >= 0:
        return f"x[{name}] in category set {category}"
    return f"x[{name}] <= {threshold:.6g}"


def _tree_words(node: ir.TreeSplits | ir.TreeEnsemble, net: ir.Network) -> tuple[str, str]:
    inner = np.arange(len(node.feature)) if isinstance(node, ir.TreeSplits) else np.flatnonzero(node.left >= 0)
    cats = node.category if node.category is not None else np.full(len(node.feature), -1)
    tests = [split_text(net, int(node.feature[i]), float(node.threshold[i]), int(cats[i])) for i in inner]
    shown = "; ".join(f"neuron {k}: {t}" for k, t in enumerate(tests[:8])) + ("; ..." if len(tests) > 8 else "")
    cast = "X rounded to float32 first" if node.cast_float32 else "float64 X"
    if isinstance(node, ir.TreeSplits):
        return (f"{len(tests)} split neurons, y_s = 1 if the split sends the row left ({cast}; NaN by "
                f"missing_left): {shown}", f"{len(tests)} split neurons")  # fmt: skip
    return (f"{len(node.roots)} trees walked root to leaf in {node.depth} steps ({cast}), leaf values "
            f"summed: {shown}", f"{len(node.roots)} trees (traversal, depth {node.depth})")  # fmt: skip


def _source(node: ir.Node) -> str:
    source = getattr(node, "source", None)
    if not isinstance(source, dict) or not source:
        return ""
    return ", ".join(f"{k} from {v}" for k, v in source.items())


def _steps(net: ir.Network) -> list[_Step]:
    methods: dict[str, list[str]] = {}
    for method, tensor in net.outputs.items():
        methods.setdefault(tensor, []).append(method)
    steps = []
    for node in net.nodes:
        try:
            math, phrase = _describe(node, net)
        except (AttributeError, KeyError, TypeError, ValueError, IndexError, NnconvertError):
            math, phrase = _doc(node), node.op or type(node).__name__
        ins = " + ".join(_shape(net.info(t)) for t in node.inputs)
        source = _source(node)
        if isinstance(node, ir.Distance):
            phrase += f"; {source.replace(' from ', ' ')})" if source else ")"
        elif source and isinstance(node, ir.Dense):
            phrase += f" ({source.replace(' from ', ' ')})"
        outs = tuple(methods.get(node.name, ()))
        if outs:
            phrase += "".join(f" = {m}" for m in outs)
        steps.append(
            _Step(
                node.name, node.op or type(node).__name__, ins, _shape(net.info(node.name)), math, source, outs, phrase
            )
        )
    return steps


def _family(meta: ir.Metadata) -> str:
    name = meta.final_estimator_name
    for names, story in FAMILIES:
        if name in names:
            return story
    module = meta.estimator.split(".")
    if "linear_model" in module or "_linear" in "".join(module):
        return _LINEAR
    return ""


def _ancestry(net: ir.Network, tensor: str) -> list[str]:
    """Tensors ``tensor`` depends on, X first, in execution order."""
    need, stack = {tensor}, [tensor]
    while stack:
        t = stack.pop()
        if t != ir.INPUT:
            for i in net.node(t).inputs:
                if i not in need:
                    need.add(i)
                    stack.append(i)
    return [ir.INPUT] + [n.name for n in net.nodes if n.name in need]


def _headline(net: ir.Network, steps: list[_Step]) -> str:
    meta = net.meta
    parts = [meta.estimator_name]
    if meta.classes is not None:
        parts.append(f"{len(meta.classes)} classes ({_values(meta.classes)})")
    parts.append(f"{net.n_features} feature{'s' * (net.n_features != 1)}")
    # label heads last, so the chain reads like the "... -> softmax = predict_proba -> argmax -> classes_"
    heads = {n.name for n in net.nodes if net.info(n.name).kind == "label"}
    ordered = [s for s in steps if s.name not in heads] + [s for s in steps if s.name in heads]
    chain = [s.phrase for s in ordered if s.op != "squeeze" or s.outputs]
    return ", ".join(parts) + " -> " + " -> ".join(chain)


def _inputs_fact(network: ir.Network) -> str:
    """The named column inputs in words: which column of X each fills, strings as codes."""
    from nnconvert.text import printable

    parts = []
    for inp in network.inputs or ():
        name = printable(inp.name)
        if inp.kind == "string":
            vocab = [printable(s) for s in inp.vocabulary]
            parts.append(f"{name} (string [N, 1] -> x[{inp.column}] = its position in {_values(vocab, 6)}, "
                         "-1 for another string, NaN when missing)")  # fmt: skip
        else:
            parts.append(f"{name} (float [N, 1] -> x[{inp.column}])")
    unread = network.n_features - len(network.inputs or ())
    tail = f"; the other {unread} column(s) of X are not read (0)" if unread else ""
    return f"Inputs by column name: {', '.join(parts)}{tail}"


def explain(network: ir.Network, *, fmt: str = "text") -> str:
    """The network's equivalence with its estimator in words and formulas (``text`` or ``markdown``)."""
    if fmt not in ("text", "markdown"):
        raise NnconvertError(f"unknown explain format {fmt!r}: use 'text' or 'markdown'")
    meta, steps = network.meta, _steps(network)
    family = _family(meta)
    names = meta.feature_names
    facts = [
        f"Estimator: {meta.estimator} ({meta.task})",
        f"Input X: [N, {network.n_features}]" + (f", features {_values(names, 10)}" if names else ""),
        f"Stored parameters: {network.n_parameters}",
    ]
    if network.inputs:
        facts.insert(1, _inputs_fact(network))
    if meta.description:
        facts.append(f"Converter: {meta.description}")
    outputs = [f"{m} = {' -> '.join(_ancestry(network, t))}" for m, t in network.outputs.items()]
    this_model = [str(e.get("text")) for e in meta.extra.get("summary") or [] if isinstance(e, dict) and e.get("text")]
    if fmt == "text":
        lines = [_headline(network, steps), ""]
        if family:
            lines += [family, ""]
        if this_model:
            lines += [f"This model: {t}" for t in this_model] + [""]
        lines += [*facts, "", "Layers (in execution order):"]
        named = meta.extra.get("tensor_columns") or {}
        for i, s in enumerate(steps, 1):
            lines.append(f"  {i}. {s.name} [{s.op}] {s.shape_in} -> {s.shape_out}: {s.math}")
            if isinstance(named.get(s.name), list):
                lines.append(f"     neurons: {_values(named[s.name], 12)}")
            if s.source:
                lines.append(f"     weights: {s.source}")
            if s.outputs:
                lines.append(f"     output: {', '.join(s.outputs)}")
        lines += ["", "Outputs:"] + [f"  {o}" for o in outputs]
        return "\n".join(lines) + "\n"

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    md = [f"# {meta.estimator_name} as a neural network", "", _headline(network, steps), ""]
    if family:
        md += ["## Family", "", family, ""]
    if this_model:
        md += ["## This model", ""] + [f"- {cell(t)}" for t in this_model] + [""]
    md += ["## Model", ""] + [f"- {cell(f)}" for f in facts] + ["", "## Layers", ""]
    md += ["| # | tensor | operation | shape | math | weights from | output |", "|---|---|---|---|---|---|---|"]
    for i, s in enumerate(steps, 1):
        row = [
            str(i),
            f"`{s.name}`",
            s.op,
            f"{s.shape_in} -> {s.shape_out}",
            f"`{s.math}`",
            s.source or "-",
            ", ".join(s.outputs) or "-",
        ]
        md.append("| " + " | ".join(cell(c) for c in row) + " |")
    md += ["", "## Outputs", ""] + [f"- `{o}`" for o in outputs]
    return "\n".join(md) + "\n"
