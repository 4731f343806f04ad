"""The real data sets shipped inside scikit-learn (nothing is downloaded; kept on disk after the first read,
:mod:`descend.data.cache`)."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import numpy as np
import torch

from descend._checks import close_matches

from .cache import cached_arrays
from .dataset import Dataset, _float_dtype, as_dataset
from .tables import _plain

# ---------------------------------------------------------------------------------------------------------------
# Real data sets shipped with scikit-learn
# ---------------------------------------------------------------------------------------------------------------

#: The data sets :func:`load_sklearn` knows: name → one-line description (samples, features, classes, source).
SKLEARN_DATASETS: dict[str, str] = {
    "digits": (
        "1797 8x8 images of handwritten digits as 64 pixel features (0..16), 10 classes 0..9 (multiclass); "
        "the test set of the UCI Optical Recognition of Handwritten Digits data (Alpaydin and Kaynak, 1998)"
    ),
    "breast-cancer": (
        "569 breast tumours, 30 features of their cell nuclei, 2 classes: 212 malignant (0), 357 benign (1) "
        "(binary); UCI Breast Cancer Wisconsin (Diagnostic) (Street, Wolberg and Mangasarian, 1993)"
    ),
    "diabetes": (
        "442 diabetes patients, 10 baseline features (age, sex, BMI, blood pressure, 6 blood serum measures; "
        "mean-centred and scaled), target: disease progression one year later, 25..346 (regression); "
        "Efron, Hastie, Johnstone and Tibshirani, Least Angle Regression (2004)"
    ),
    "wine": (
        "178 wines, 13 chemical measurements, 3 cultivars class_0..class_2 (59/71/48) (multiclass); "
        "UCI Wine (Forina et al., PARVUS, 1988)"
    ),
    "iris": (
        "150 iris flowers, 4 measurements in cm, 3 species setosa/versicolor/virginica, 50 each (multiclass); "
        "Fisher, The use of multiple measurements in taxonomic problems (1936), UCI Iris"
    ),
}

# name -> (sklearn loader, kind, target name)
_SKLEARN_LOADERS: dict[str, tuple[str, str, str]] = {
    "digits": ("load_digits", "multiclass", "digit"),
    "breast-cancer": ("load_breast_cancer", "binary", "diagnosis"),
    "diabetes": ("load_diabetes", "regression", "progression"),
    "wine": ("load_wine", "multiclass", "cultivar"),
    "iris": ("load_iris", "multiclass", "species"),
}


def load_sklearn(name: str, *, dtype: torch.dtype = torch.float32) -> Dataset:
    """One of the real data sets shipped inside scikit-learn (read from its package; nothing is downloaded).

    ``name`` is a key of :data:`SKLEARN_DATASETS`:

    - ``"digits"``: multiclass, 1797 × 64 (8×8 images flattened row by row, features ``"pixel_r_c"``),
      classes 0..9, target ``"digit"``;
    - ``"breast-cancer"``: binary, 569 × 30, y as in scikit-learn (0 = malignant, 1 = benign), so classes
      ``("malignant", "benign")``, target ``"diagnosis"``;
    - ``"diabetes"``: regression, 442 × 10, scikit-learn's default scaled features, target ``"progression"``;
    - ``"wine"``: multiclass, 178 × 13, classes ``("class_0", "class_1", "class_2")``, target ``"cultivar"``;
    - ``"iris"``: multiclass, 150 × 4, classes ``("setosa", "versicolor", "virginica")``, target ``"species"``.

    Feature names are scikit-learn's; values are scikit-learn's arrays in ``dtype``. ``"breast_cancer"`` (with
    an underscore) is accepted too; an unknown name is a ValueError with close matches.

        >>> ds = load_sklearn("iris")
        >>> len(ds), ds.n_features, ds.kind, ds.target_name, ds.feature_names[0]
        (150, 4, 'multiclass', 'species', 'sepal length (cm)')
        >>> ds.classes
        ('setosa', 'versicolor', 'virginica')
        >>> load_sklearn("irsi")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: unknown data set 'irsi'; did you mean 'iris'? (choose one of 'digits', 'breast-cancer', ...)
    """
    dtype = _float_dtype("dtype", dtype)
    if not isinstance(name, str):
        raise ValueError(f"name={name!r} must be a string naming a data set, e.g. 'digits'")
    key = name.strip().lower().replace("_", "-")
    if key not in _SKLEARN_LOADERS:
        raise ValueError(
            f"unknown data set {name!r}{close_matches(key, _SKLEARN_LOADERS)} "
            f"(choose one of {', '.join(map(repr, _SKLEARN_LOADERS))})"
        )
    loader, kind, target_name = _SKLEARN_LOADERS[key]

    def read() -> dict[str, Any]:
        try:
            sklearn_datasets = importlib.import_module("sklearn.datasets")
        except ImportError:
            raise ImportError("load_sklearn needs scikit-learn: pip install scikit-learn") from None
        bunch = getattr(sklearn_datasets, loader)()
        out = {"data": np.asarray(bunch.data, dtype=np.float64),
               "feature_names": [str(n) for n in bunch.feature_names],
               "target": np.asarray(bunch.target, dtype=np.float64 if kind == "regression" else np.int64)}
        if kind != "regression":
            out["target_names"] = np.asarray(bunch.target_names)
        return out

    stored = cached_arrays(f"sklearn-{key}", (loader,), read)  # scikit-learn itself only the first time
    x = torch.from_numpy(np.asarray(stored["data"], dtype=np.float64))
    names = [str(n) for n in stored["feature_names"]]
    classes = None
    if kind == "regression":
        y = torch.from_numpy(np.asarray(stored["target"], dtype=np.float64))
    else:
        classes = tuple(_plain(c) for c in np.asarray(stored["target_names"]).tolist())
        labels = torch.from_numpy(np.asarray(stored["target"], dtype=np.int64))
        y = labels.to(torch.float64) if kind == "binary" else labels
    ds = as_dataset(x, y, kind=kind, feature_names=names, classes=classes, dtype=dtype)
    return dataclasses.replace(ds, target_name=target_name)
