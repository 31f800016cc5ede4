"""Cases for labels in a dtype of their own (``uint8``, ``int32``, ``float32``, ``bool``): a
classifier's ``predict`` returns ``classes_.dtype``, and so must every backend (the
conformance test compares label dtypes exactly). Linear, kernel SVM and MLP heads: threshold,
argmax and votes."""

from __future__ import annotations

from sklearn import svm

from tests.cases import Case
from tests.cases.linear import _classifier_case
from tests.cases.mlp import _classifier as _mlp_case
from tests.cases.svm import _svc_case

CASES: list[Case] = [
    *[_classifier_case("LogisticRegression", n, labels) for labels in ("uint8", "int32", "float32") for n in (2, 3)],
    _classifier_case("LogisticRegression", 2, "bool"),
    _classifier_case("RidgeClassifier", 4, "float32"),
    _svc_case(svm.SVC, "rbf", 3, "uint8"),
    _svc_case(svm.SVC, "rbf", 4, "float32", decision_function_shape="ovo"),
    _svc_case(svm.SVC, "rbf", 2, "int32", probability=True),
    _svc_case(svm.SVC, "poly2", 2, "bool"),
    _mlp_case("relu", 2, "float32"),
    _mlp_case("tanh", 3, "int32"),
    _mlp_case("logistic", 2, "bool"),
    _mlp_case("relu", 5, "uint8"),
]
