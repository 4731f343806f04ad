"""Tests for descend.tasks.generators: determinism, shapes and ranges, and that each data set really follows
its documented ground-truth model (checked with an independent fit: numpy least squares, torch autograd,
scikit-learn logistic regression, thresholding the images)."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
import torch

from descend.tasks.generators import (
    GeneratedData,
    bboxes,
    house_prices,
    least_squares,
    line,
    line_hessian,
    student_performance,
)

GENERATORS = {
    "line": lambda seed: line(40, seed=seed),
    "house_prices": lambda seed: house_prices(200, seed=seed),
    "student_performance": lambda seed: student_performance(200, seed=seed),
    "bboxes": lambda seed: bboxes(30, size=12, seed=seed),
}


def _assert_same(a: GeneratedData, b: GeneratedData) -> None:
    pd.testing.assert_frame_equal(a.frame, b.frame)
    np.testing.assert_array_equal(a.x, b.x)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.truth.keys() == b.truth.keys()
    for key in a.truth:
        if isinstance(a.truth[key], np.ndarray):
            np.testing.assert_array_equal(a.truth[key], b.truth[key])
        else:
            assert a.truth[key] == b.truth[key]
    assert a.description == b.description


# ---------------------------------------------------------------------------------------------------------
# Common to every generator
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_different_seed_different_data(name: str) -> None:
    make = GENERATORS[name]
    _assert_same(make(3), make(3))
    assert not np.array_equal(make(3).x, make(4).x)
    assert not make(3).frame.equals(make(4).frame)


@pytest.mark.parametrize("name", GENERATORS)
def test_frame_x_y_and_target_agree(name: str) -> None:
    data = GENERATORS[name](0)
    m = len(data)
    assert data.name == name
    assert len(data.frame) == len(data.x) == len(data.y) == m
    targets = [data.target] if isinstance(data.target, str) else list(data.target)
    assert list(data.frame.columns[-len(targets):]) == targets
    assert np.issubdtype(data.x.dtype, np.floating)
    assert len(data.feature_names) == math.prod(data.x.shape[1:])
    if name != "student_performance":  # the student frame holds the categories, x their encoding
        features = data.frame[list(data.feature_names)].to_numpy()
        np.testing.assert_array_equal(features, data.x.reshape(m, -1))
        np.testing.assert_array_equal(data.frame[targets].to_numpy().reshape(data.y.shape), data.y)
    assert isinstance(data.description, str) and len(data.description) > 200 and "\n" not in data.description
    assert name in repr(data) and "truth=" in repr(data)


def test_generated_data_is_frozen() -> None:
    data = line(5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.x = np.zeros((5, 1))  # type: ignore[misc]


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: line(1), r"m=1 is not allowed; m must be an integer >= 2"),
        (lambda: line(10.0), r"m=10.0 is not allowed; m must be an integer >= 2"),
        (lambda: line(True), r"m=True is not allowed"),
        (lambda: line(10, noise=-0.1), r"noise=-0.1 is not allowed; noise must be a finite number >= 0"),
        (lambda: line(10, slope=math.nan), r"slope=nan is not allowed; slope must be a finite number"),
        (lambda: line(10, x_range=(1.0, 1.0)), r"x_range=\(1.0, 1.0\) is not allowed; .* low < high"),
        (lambda: line(10, x_range=(0.0,)), r"x_range=\(0.0,\) is not allowed"),
        (lambda: line(10, x_range=(0.0, math.inf)), r"x_range\[1\]=inf is not allowed"),
        (lambda: line(10, seed=-1), r"seed=-1 is not allowed; seed must be an integer >= 0"),
        (lambda: house_prices(0), r"m=0 is not allowed; m must be an integer >= 1"),
        (lambda: house_prices(outliers=0.5), r"outliers=0.5 is not allowed; outliers must be a number in \[0, 0.5\)"),
        (lambda: house_prices(noise=math.inf), r"noise=inf is not allowed"),
        (lambda: student_performance(-5), r"m=-5 is not allowed"),
        (lambda: student_performance(seed="a"), r"seed='a' is not allowed"),
        (lambda: bboxes(size=3), r"size=3 is not allowed; size must be an integer >= 4"),
        (lambda: bboxes(noise=-1), r"noise=-1 is not allowed"),
        (lambda: least_squares([1.0, 1.0], [0.0, 1.0]), r"at least two distinct values"),
        (lambda: least_squares([1.0, 2.0], [0.0, 1.0, 2.0]), r"x has 2 samples and y has 3"),
        (lambda: least_squares([[1.0, 2.0], [3.0, 4.0]], [0.0, 1.0]), r"x has shape \[2, 2\]"),
        (lambda: least_squares([0.0, math.nan], [0.0, 1.0]), r"x has a non-finite value \(nan\) at row 1"),
        (lambda: line_hessian([]), r"x is empty"),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------------------------------------------------
# line
# ---------------------------------------------------------------------------------------------------------


def _mse(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.mean((w * x + b - y) ** 2)


def test_line_shapes_ranges_and_truth() -> None:
    data = line(100, slope=-0.5, intercept=3.0, noise=0.2, x_range=(1.0, 4.0), seed=2)
    assert data.x.shape == (100, 1) and data.y.shape == (100,)
    assert list(data.frame.columns) == ["x", "y"] and data.target == "y"
    assert data.x.min() >= 1.0 and data.x.max() < 4.0
    assert data.truth["slope"] == -0.5 and data.truth["intercept"] == 3.0 and data.truth["noise"] == 0.2
    residual = data.y - (-0.5 * data.x[:, 0] + 3.0)
    assert abs(residual.std() - 0.2) < 0.05
    w, b = data.truth["least_squares"]
    assert (w, b) == least_squares(data.x, data.y)
    assert data.truth["min_cost"] == pytest.approx(np.mean((w * data.x[:, 0] + b - data.y) ** 2))
    np.testing.assert_array_equal(data.truth["hessian"], line_hessian(data.x))


def test_least_squares_equals_numpy_lstsq_and_is_not_the_ground_truth() -> None:
    data = line(60, noise=0.5, seed=5)
    x = data.x[:, 0]
    design = np.column_stack([x, np.ones_like(x)])
    expected = np.linalg.lstsq(design, data.y, rcond=None)[0]
    np.testing.assert_allclose(least_squares(x, data.y), expected, rtol=1e-12, atol=1e-12)
    assert least_squares(x, data.y) != (2.0, -1.0)


def test_mse_gradient_vanishes_at_least_squares() -> None:
    data = line(200, noise=0.7, seed=1)
    x, y = torch.tensor(data.x[:, 0]), torch.tensor(data.y)
    w, b = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in least_squares(x, y))
    _mse(w, b, x, y).backward()
    assert abs(w.grad.item()) < 1e-10 and abs(b.grad.item()) < 1e-10
    # and the closed form is a minimum: the cost is higher at the ground truth
    assert _mse(torch.tensor(2.0), torch.tensor(-1.0), x, y).item() > data.truth["min_cost"]


def test_line_hessian_equals_autograd_hessian() -> None:
    data = line(30, x_range=(0.5, 3.0), seed=4)
    x, y = torch.tensor(data.x[:, 0]), torch.tensor(data.y)
    hessian = torch.autograd.functional.hessian(
        lambda p: _mse(p[0], p[1], x, y), torch.tensor([0.3, -0.7], dtype=torch.float64)
    )
    np.testing.assert_allclose(line_hessian(data.x), hessian.numpy(), rtol=1e-12, atol=1e-12)


def test_without_noise_least_squares_recovers_the_line() -> None:
    data = line(25, slope=1.5, intercept=0.25, noise=0.0, seed=9)
    w, b = least_squares(data.x, data.y)
    assert w == pytest.approx(1.5, abs=1e-12) and b == pytest.approx(0.25, abs=1e-12)
    assert data.truth["min_cost"] < 1e-24


# ---------------------------------------------------------------------------------------------------------
# house_prices
# ---------------------------------------------------------------------------------------------------------


def test_house_prices_columns_and_ranges() -> None:
    data = house_prices(400, seed=1)
    frame = data.frame
    assert list(frame.columns) == [
        "floor_area", "bedrooms", "ceiling_height", "age", "distance_to_centre", "price",
    ]
    assert data.feature_names == tuple(frame.columns[:-1]) and data.target == "price"
    assert frame["floor_area"].between(30, 300).all()
    assert frame["bedrooms"].dtype == np.int64 and frame["bedrooms"].between(1, 7).all()
    assert frame["ceiling_height"].between(2.3, 3.5).all()
    assert frame["age"].dtype == np.int64 and frame["age"].between(0, 120).all()
    assert frame["distance_to_centre"].between(0.1, 30).all()
    assert np.corrcoef(frame["floor_area"], frame["bedrooms"])[0, 1] > 0.6
    assert set(data.truth) >= {"coefficients", "intercept", "outliers", "noise"}
    assert tuple(data.truth["coefficients"]) == data.feature_names


@pytest.mark.parametrize("m, outliers", [(500, 0.02), (333, 0.1), (100, 0.0), (7, 0.49)])
def test_outlier_fraction_is_as_requested(m: int, outliers: float) -> None:
    data = house_prices(m, outliers=outliers, seed=2)
    is_out = data.truth["outliers"]
    assert is_out.dtype == bool and is_out.shape == (m,)
    assert is_out.sum() == round(outliers * m)
    clean = data.truth["clean_price"]
    np.testing.assert_allclose(data.y[is_out], data.truth["outlier_factor"] * clean[is_out])
    np.testing.assert_array_equal(data.y[~is_out], clean[~is_out])


def _ols(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    design = np.column_stack([np.ones(len(y)), x])
    return np.linalg.lstsq(design, y, rcond=None)[0], np.linalg.inv(design.T @ design)


def test_least_squares_without_outliers_recovers_the_coefficients() -> None:
    data = house_prices(500, seed=0)
    truth = data.truth
    true = np.array([truth["intercept"], *truth["coefficients"].values()])
    clean = ~truth["outliers"]
    beta, inverse = _ols(data.x[clean], data.y[clean])
    standard_error = truth["noise"] * np.sqrt(np.diag(inverse))
    assert np.all(np.abs(beta - true) < 3 * standard_error), (beta - true) / standard_error
    residual = data.y[clean] - np.column_stack([np.ones(clean.sum()), data.x[clean]]) @ true
    assert residual.std() == pytest.approx(truth["noise"], rel=0.15)
    # the outliers pull the MSE fit visibly away from the truth
    beta_all, _ = _ols(data.x, data.y)
    assert np.max(np.abs(beta_all - true) / standard_error) > 3


# ---------------------------------------------------------------------------------------------------------
# student_performance
# ---------------------------------------------------------------------------------------------------------

LEVELS = {
    "gender": {"female", "male"},
    "race/ethnicity": {f"group {g}" for g in "ABCDE"},
    "parental level of education": {
        "some high school", "high school", "some college", "associate's degree", "bachelor's degree",
        "master's degree",
    },
    "lunch": {"standard", "free/reduced"},
    "test preparation course": {"none", "completed"},
    "passed": {"pass", "fail"},
}


def test_student_table_columns_and_values() -> None:
    data = student_performance(seed=0)
    frame = data.frame
    assert frame.shape == (1000, 8)
    assert list(frame.columns) == [
        "gender", "race/ethnicity", "parental level of education", "lunch", "test preparation course",
        "number of absences", "prior test score", "passed",
    ]
    assert data.target == "passed"
    for column, levels in LEVELS.items():
        assert set(frame[column]) == levels, column
    assert frame["number of absences"].min() >= 0 and frame["number of absences"].dtype == np.int64
    assert frame["prior test score"].between(0, 100).all()
    np.testing.assert_array_equal(data.y, (frame["passed"] == "pass").to_numpy().astype(int))
    assert set(np.unique(data.y)) == {0, 1} and data.x.shape == (1000, len(data.feature_names))
    assert tuple(data.truth["coefficients"]) == data.feature_names
    # x is the design matrix of the categories
    column = data.feature_names.index("lunch=standard")
    np.testing.assert_array_equal(data.x[:, column], frame["lunch"] == "standard")
    column = data.feature_names.index("parental education level")
    order = data.truth["education_levels"]
    np.testing.assert_array_equal(data.x[:, column], [order.index(v) for v in frame["parental level of education"]])


def test_student_category_frequencies_match_the_documented_ones() -> None:
    data = student_performance(seed=1)
    m = len(data)
    frequencies = data.truth["frequencies"]
    assert frequencies["gender"]["female"] == pytest.approx(0.52)
    assert frequencies["lunch"]["standard"] == pytest.approx(0.65)
    assert frequencies["test preparation course"]["completed"] == pytest.approx(0.36)
    for column, probabilities in frequencies.items():
        assert sum(probabilities.values()) == pytest.approx(1.0)
        observed = data.frame[column].value_counts(normalize=True)
        for level, p in probabilities.items():
            assert abs(observed[level] - p) < 4 * math.sqrt(p * (1 - p) / m), (column, level)


def test_student_probabilities_follow_the_logistic_model() -> None:
    data = student_performance(seed=2)
    truth = data.truth
    logit = truth["intercept"] + data.x @ np.array(list(truth["coefficients"].values()))
    np.testing.assert_allclose(truth["probability"], 1 / (1 + np.exp(-logit)), rtol=1e-12)
    p = truth["probability"]
    assert truth["bayes_accuracy"] == pytest.approx(np.mean(np.maximum(p, 1 - p)), rel=1e-12)
    assert 0.5 < truth["bayes_accuracy"] < 1
    # the outcomes are drawn from p: calibrated within binomial noise
    assert abs(data.y.mean() - p.mean()) < 4 * math.sqrt(np.sum(p * (1 - p))) / len(p)
    for name in ("gender=male", "race/ethnicity=group B", "race/ethnicity=group E"):
        assert truth["coefficients"][name] == 0.0


def test_student_pass_rate_is_higher_with_standard_lunch() -> None:
    data = student_performance(seed=0)
    rate = (data.frame["passed"] == "pass").groupby(data.frame["lunch"]).mean()
    assert data.truth["coefficients"]["lunch=standard"] > 0
    assert rate["standard"] > rate["free/reduced"] + 0.05


def test_logistic_regression_recovers_the_sign_of_each_effect() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    data = student_performance(seed=0)
    x = StandardScaler().fit_transform(data.x)
    model = LogisticRegression(C=np.inf, max_iter=1000).fit(x, data.y)
    fitted = model.coef_[0]
    effects = {n: c for n, c in data.truth["coefficients"].items() if c != 0}
    assert set(effects) == {
        "parental education level", "lunch=standard", "test preparation course=completed",
        "number of absences", "prior test score",
    }
    for name, coefficient in effects.items():
        assert np.sign(fitted[data.feature_names.index(name)]) == np.sign(coefficient), name
    # the fit cannot beat the Bayes-optimal accuracy by more than chance
    assert np.mean(model.predict(x) == data.y) < data.truth["bayes_accuracy"] + 0.05


# ---------------------------------------------------------------------------------------------------------
# bboxes
# ---------------------------------------------------------------------------------------------------------


def test_bboxes_shapes_and_ranges() -> None:
    size = 16
    data = bboxes(200, size=size, seed=0)
    assert data.x.shape == (200, size, size) and data.x.dtype == np.float32
    assert data.y.shape == (200, 4) and data.y.dtype == np.float32
    assert data.x.min() >= 0 and data.x.max() <= 1
    assert data.y.min() >= 0 and data.y.max() <= 1
    assert data.target == ("x", "y", "w", "h")
    assert data.frame.shape == (200, size * size + 4)
    assert list(data.frame.columns[:2]) == ["p_0_0", "p_0_1"] and data.frame.columns[size] == "p_1_0"
    left, top, w, h = data.truth["boxes_px"].T
    assert w.min() >= 2 and w.max() <= size // 2 and h.min() >= 2 and h.max() <= size // 2
    assert left.min() >= 0 and (left + w).max() <= size and top.min() >= 0 and (top + h).max() <= size
    expected = np.column_stack([left + w / 2, top + h / 2, w, h]) / size
    np.testing.assert_allclose(data.y, expected, rtol=1e-6)
    np.testing.assert_allclose(data.truth["centres_px"], expected[:, :2] * size)


@pytest.mark.parametrize("size, noise", [(16, 0.05), (9, 0.0), (24, 0.03)])
def test_thresholding_each_image_recovers_its_box(size: int, noise: float) -> None:
    data = bboxes(300, size=size, noise=noise, seed=1)
    threshold = (data.truth["background"] + data.truth["object"]) / 2
    for image, (left, top, w, h) in zip(data.x, data.truth["boxes_px"]):
        rows, cols = np.nonzero(image > threshold)
        box = (cols.min(), rows.min(), cols.max() - cols.min() + 1, rows.max() - rows.min() + 1)
        assert box == (left, top, w, h)
        assert len(rows) == w * h  # the rectangle is filled, nothing outside it is above the threshold


def test_bbox_loss_of_the_truth_is_zero() -> None:
    from descend.losses import bbox

    data = bboxes(20, seed=3)
    target = torch.tensor(data.y)
    assert bbox(target.clone(), target).item() == 0.0
    assert bbox(target + 0.1, target).item() == pytest.approx(4 * 0.01, rel=1e-5)
