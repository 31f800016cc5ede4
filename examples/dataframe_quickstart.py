"""DataFrame quick start: a pandas DataFrame -> a fitted pipeline -> a pickle -> `nnconvert convert`
-> onnxruntime called with a dict of named columns (README, "Quick start with a DataFrame").

Run it in an empty directory: `python examples/dataframe_quickstart.py`. It writes churn.pkl and
churn.onnx there and exits non-zero if the network disagrees with the pipeline.
"""

import subprocess

import joblib
import numpy as np
import onnxruntime as ort
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

rng = np.random.default_rng(0)
n = 500
df = pd.DataFrame(
    {
        "age": np.where(rng.uniform(size=n) < 0.1, np.nan, rng.normal(40, 12, n)),  # 10% missing
        "income": rng.lognormal(10.5, 0.5, n),
        "city": rng.choice(["Paris", "London", "Berlin", None], size=n),  # strings, some missing
    }
)
y = np.where((df["age"].fillna(40) > 45) ^ (df["city"] == "Paris"), "churn", "stay")

prep = ColumnTransformer(
    [
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), ["age", "income"]),
        (
            "cat",
            make_pipeline(SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")),
            ["city"],
        ),
    ]
)
model = GridSearchCV(Pipeline([("prep", prep), ("clf", LogisticRegression())]), {"clf__C": [0.1, 1.0, 10.0]}, cv=3)
model.fit(df, y)
joblib.dump(model, "churn.pkl")

# The pickle is read by nnconvert's safe loader: nothing in it runs.
subprocess.run(["nnconvert", "convert", "churn.pkl", "-o", "churn.onnx"], check=True)

# One input per column, named after it: floats as float32 [N, 1], strings as [N, 1] objects ("" = missing).
session = ort.InferenceSession("churn.onnx", providers=["CPUExecutionProvider"])
print([(i.name, i.type) for i in session.get_inputs()])
new = pd.DataFrame({"age": [25.0, np.nan, 61.0], "income": [3.1e4, 5.2e4, 8.8e4], "city": ["Paris", None, "Rome"]})
feeds = {
    "age": new[["age"]].to_numpy(np.float32),
    "income": new[["income"]].to_numpy(np.float32),
    "city": new[["city"]].fillna("").to_numpy(object),
}
labels, proba = session.run(["predict", "predict_proba"], feeds)
print(labels, proba.round(3))
assert list(labels) == list(model.predict(new)), "labels differ"
assert np.allclose(proba, model.predict_proba(new), atol=1e-5), "probabilities differ"
