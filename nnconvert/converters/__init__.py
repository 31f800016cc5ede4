"""Converters, one module per model family; ``registry`` maps exact estimator classes to them.

Importing this package registers every family: a new family is one module here and one line in
the import below. ``_blocks`` and ``kernels`` hold the pieces several families share.
"""

from nnconvert.converters import (  # noqa: F401  (each family registers its converters)
    boosting,
    calibration,
    catboost_trees,
    cluster,
    column_transformer,
    decomposition,
    discriminant,
    encoders,
    ensembles,
    feature_selection,
    forests,
    gaussian_process,
    hpelm,
    impute,
    kernel_approx,
    kernel_ridge,
    lightgbm_trees,
    linear,
    mixture,
    mlp,
    model_selection,
    multiclass,
    multioutput,
    naive_bayes,
    nearest_centroid,
    neighbors,
    pipeline,
    preprocessing,
    skelm,
    svm,
    target,
    transformers,
    trees,
    xgboost_trees,
)
from nnconvert.converters.registry import convert, convert_into, entries, lookup, register, resolve

__all__ = ["convert", "convert_into", "entries", "lookup", "register", "resolve"]
