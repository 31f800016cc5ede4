"""Cases for AdaBoost, bagging, voting and stacking over tree and non-tree members."""

from __future__ import annotations

from typing import Any

from sklearn import ensemble, tree
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.svm import SVC

from tests.cases import Case
from tests.cases.trees import BOTH, classification, regression, tree_case


def _clf(est: Any, n_classes: int, labels: str, *, nan: bool = False, seed: int = 0):
    def fit():
        X, y, X_eval = classification(n_classes, labels, nan=nan, seed=seed)
        return est.fit(X, y), X_eval

    return fit


def _reg(est: Any, *, nan: bool = False):
    def fit():
        X, y, X_eval = regression(nan=nan, seed=5)
        return est.fit(X, y), X_eval

    return fit


def _plain(name: str, fit: Any) -> Case:
    return Case(name, fit)


_TREE3 = tree.DecisionTreeClassifier(max_depth=3, random_state=0)
CASES: list[Case] = [
    *tree_case("AdaBoostClassifier-stumps-2cls-str", _clf(ensemble.AdaBoostClassifier(n_estimators=10, random_state=0), 2, "str")),
    *tree_case("AdaBoostClassifier-depth3-3cls-wild", _clf(ensemble.AdaBoostClassifier(_TREE3, n_estimators=8, random_state=0), 3, "wild")),
    *tree_case("AdaBoostRegressor-depth3", _reg(ensemble.AdaBoostRegressor(tree.DecisionTreeRegressor(max_depth=3), n_estimators=9, random_state=0))),
    *tree_case("BaggingClassifier-trees-feature-subsets-3cls-nan",
               _clf(ensemble.BaggingClassifier(tree.DecisionTreeClassifier(max_depth=4), n_estimators=4, max_features=0.6,
                                               bootstrap_features=True, random_state=0), 3, "str", nan=True), ("compact",)),
    _plain("BaggingClassifier-LogisticRegression-2cls-wild",
           _clf(ensemble.BaggingClassifier(LogisticRegression(), n_estimators=3, max_features=3, random_state=0), 2, "wild")),
    *tree_case("BaggingRegressor-trees-subsets", _reg(ensemble.BaggingRegressor(tree.ExtraTreeRegressor(max_depth=5), n_estimators=4,
                                                                                 max_features=2, random_state=0)), ("compact",)),
    _plain("BaggingRegressor-Ridge", _reg(ensemble.BaggingRegressor(Ridge(), n_estimators=3, max_features=0.5, random_state=0))),
    *tree_case("VotingClassifier-soft-weights-3cls-str",
               _clf(ensemble.VotingClassifier([("tree", _TREE3), ("lr", LogisticRegression()),
                                               ("rf", ensemble.RandomForestClassifier(3, max_depth=3, random_state=0))],
                                              voting="soft", weights=[2, 1, 1]), 3, "str"), ("compact",)),
    *tree_case("VotingClassifier-hard-3cls-str",
               _clf(ensemble.VotingClassifier([("tree", _TREE3), ("lr", LogisticRegression()),
                                               ("et", tree.ExtraTreeClassifier(max_depth=4, random_state=0))]), 3, "str"), BOTH),
    *tree_case("VotingClassifier-hard-weights-ties-4cls-int",  # 2 = 1 + 1: tied votes go to the lowest class
               _clf(ensemble.VotingClassifier([("tree", _TREE3), ("lr", LogisticRegression()),
                                               ("rf", ensemble.RandomForestClassifier(3, max_depth=2, random_state=0))],
                                              weights=[2, 1, 1]), 4, "int", seed=2), ("compact",)),
    *tree_case("VotingClassifier-hard-even-2cls-wild",  # four members: 2-2 ties
               _clf(ensemble.VotingClassifier([("a", tree.DecisionTreeClassifier(max_depth=1)), ("b", _TREE3),
                                               ("lr", LogisticRegression()), ("drop", "drop"),
                                               ("c", tree.ExtraTreeClassifier(max_depth=2, random_state=1))],
                                              weights=[1, 1, 1, 5, 1]), 2, "wild", seed=3), ("compact",)),
    *tree_case("VotingRegressor-weights", _reg(ensemble.VotingRegressor([("t", tree.DecisionTreeRegressor(max_depth=4)),
                                                                         ("lin", LinearRegression())], weights=[1, 3])), ("compact",)),
    *tree_case("StackingClassifier-proba-passthrough-2cls-wild",
               _clf(ensemble.StackingClassifier([("t", _TREE3), ("gb", ensemble.GradientBoostingClassifier(n_estimators=5))],
                                                LogisticRegression(), passthrough=True, cv=3), 2, "wild"), ("compact",)),
    *tree_case("StackingClassifier-decision-3cls",
               _clf(ensemble.StackingClassifier([("svc", SVC()), ("t", _TREE3)], tree.DecisionTreeClassifier(max_depth=3),
                                                stack_method="auto", cv=3), 3, "int"), ("compact",)),
    *tree_case("StackingClassifier-predict-3cls-str",  # every column a label: transform is int64
               _clf(ensemble.StackingClassifier([("t", _TREE3), ("lr", LogisticRegression()),
                                                 ("rf", ensemble.RandomForestClassifier(3, max_depth=3, random_state=0))],
                                                LogisticRegression(), stack_method="predict", cv=3), 3, "str"), BOTH),
    *tree_case("StackingClassifier-predict-passthrough-2cls-wild",  # label columns next to X: floats
               _clf(ensemble.StackingClassifier([("t", _TREE3), ("svc", SVC())], tree.DecisionTreeClassifier(max_depth=3),
                                                stack_method="predict", passthrough=True, cv=3), 2, "wild", seed=1), ("compact",)),
    *tree_case("StackingRegressor-passthrough", _reg(ensemble.StackingRegressor([("t", tree.DecisionTreeRegressor(max_depth=4)),
                                                                                 ("r", Ridge())], Ridge(), passthrough=True, cv=3)), BOTH),
]  # fmt: skip
