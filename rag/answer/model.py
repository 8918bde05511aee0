"""The learned scorers: a standardised logistic regression stored as a small JSON file.

Fitting needs scikit-learn (a dev dependency); predicting is a numpy dot product, so
serving loads no ML library.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["LinearModel", "SoftmaxRanker", "load_model", "WEIGHTS_DIR"]

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"


@dataclass
class LinearModel:
    """`p = sigmoid(((x - mean) / scale) · coef + intercept)`, with named features.

    Example:
        >>> m = LinearModel(("a", "b"), C=1.0).fit(
        ...     np.array([[0, 1], [1, 0], [0, 2], [2, 0]]), np.array([0, 1, 0, 1]))
        >>> bool(m.predict_proba(np.array([[3.0, 0.0]]))[0] > 0.5)
        True
    """

    features: tuple[str, ...]
    C: float = 1.0
    coef: np.ndarray = field(default_factory=lambda: np.zeros(0))
    intercept: float = 0.0
    mean: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scale: np.ndarray = field(default_factory=lambda: np.ones(0))
    meta: dict[str, Any] = field(default_factory=dict)

    def fit(self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
            ) -> LinearModel:
        """Fit on rows `X` (features in `self.features` order) and 0/1 labels `y`."""
        from sklearn.linear_model import LogisticRegression

        self.mean = X.mean(axis=0)
        self.scale = X.std(axis=0)
        self.scale[self.scale < 1e-9] = 1.0
        lr = LogisticRegression(C=self.C, max_iter=2000)
        lr.fit((X - self.mean) / self.scale, y, sample_weight=sample_weight)
        self.coef = lr.coef_[0].astype(np.float64)
        self.intercept = float(lr.intercept_[0])
        return self

    def fit_ranker(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray,
                   group_weight: np.ndarray | None = None) -> LinearModel:
        """Fit to pick the positive rows within each group (`SoftmaxRanker`), then scale the
        score to a probability by a 1-D logistic fit over the rows of groups with a positive
        (Platt scaling), so prediction stays one dot product and `predict_proba` reads as
        "this row holds the answer".

        Example:
            >>> m = LinearModel(("a",)).fit_ranker(np.array([[0.0], [1.0], [0.0], [2.0]]),
            ...     np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1]))
            >>> bool(m.coef[0] > 0)
            True
        """
        from sklearn.linear_model import LogisticRegression

        ranker = SoftmaxRanker(self.features, self.C).fit(X, y, groups,
                                                          group_weight=group_weight)
        live = np.isin(groups, [g for g in np.unique(groups) if y[groups == g].any()])
        score = ranker.decision(X[live])
        platt = LogisticRegression(C=1e4, max_iter=2000).fit(score[:, None], y[live])
        self.mean, self.scale = ranker.mean, ranker.scale
        self.coef = ranker.coef * float(platt.coef_[0, 0])
        self.intercept = float(platt.intercept_[0])
        return self

    def decision(self, X: np.ndarray) -> np.ndarray:
        """The linear score before the sigmoid."""
        return ((X - self.mean) / self.scale) @ self.coef + self.intercept

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Probability of the positive class for each row."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.decision(X), -30, 30)))

    def to_json(self) -> dict[str, Any]:
        return {"features": list(self.features), "C": self.C,
                "coef": [round(float(v), 6) for v in self.coef],
                "intercept": round(self.intercept, 6),
                "mean": [round(float(v), 6) for v in self.mean],
                "scale": [round(float(v), 6) for v in self.scale], "meta": self.meta}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LinearModel:
        return cls(tuple(data["features"]), float(data.get("C", 1.0)),
                   np.asarray(data["coef"], dtype=np.float64), float(data["intercept"]),
                   np.asarray(data["mean"], dtype=np.float64),
                   np.asarray(data["scale"], dtype=np.float64), dict(data.get("meta", {})))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")


@dataclass
class SoftmaxRanker:
    """A conditional logit: a softmax over each group's rows (one question's candidates),
    fitted by L-BFGS on the groups' log-likelihood with an L2 penalty `1 / (2C) |w|^2`.

    `fit` returns a `LinearModel` (so it is saved and served the same way) whose `decision`
    ranks a group's rows; its `meta["objective"]` is "softmax" and its intercept 0.

    Example:
        >>> X = np.array([[0.0], [1.0], [2.0], [0.0], [3.0]])
        >>> m = SoftmaxRanker(("a",), C=10.0).fit(X, np.array([0, 0, 1, 0, 1]),
        ...                                       np.array([0, 0, 0, 1, 1]))
        >>> int(np.argmax(m.decision(X[:3])))
        2
    """

    features: tuple[str, ...]
    C: float = 1.0

    def fit(self, X: np.ndarray, y: np.ndarray, groups: np.ndarray,
            scale: np.ndarray | None = None,
            group_weight: np.ndarray | None = None) -> LinearModel:
        """Fit on rows `X`, target weights `y` >= 0 (the rows that count as right: 0/1, or a
        graded credit) and `groups` (a group id per row); groups with no credit are skipped.

        `scale` overrides the features' standard deviations (which set how strongly the L2
        penalty holds each weight), e.g. to give an interaction its base feature's scale;
        `group_weight` weighs each group's term (one value per group, in sorted group-id
        order; default 1)."""
        from scipy import sparse
        from scipy.optimize import minimize

        order = np.argsort(groups, kind="stable")
        X, y, g = X[order], np.asarray(y, dtype=np.float64)[order], np.asarray(groups)[order]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        credit = np.add.reduceat(y, starts)
        gw = np.ones(len(starts)) if group_weight is None else np.asarray(group_weight, float)
        gw = gw[credit > 0]
        keep = np.repeat(credit > 0, np.diff(np.r_[starts, len(g)]))
        X, y, g = X[keep], y[keep], g[keep]
        starts = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
        sizes = np.diff(np.r_[starts, len(g)])
        # a shift of a column moves every row of a group alike, so the rows are only scaled
        # (mean 0), which keeps them sparse
        mean = np.zeros(X.shape[1])
        scale = X.std(axis=0) if scale is None else np.asarray(scale, dtype=np.float64).copy()
        scale[scale < 1e-9] = 1.0
        Z = sparse.csr_matrix(X / scale)
        logy = np.log(np.where(y > 0, y, 1.0))
        lam = 1.0 / self.C

        def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
            s = Z @ w
            top = np.repeat(np.maximum.reduceat(s, starts), sizes)
            e = np.exp(s - top)
            ey = np.where(y > 0, np.exp(s - top + logy), 0.0)
            den, num = np.add.reduceat(e, starts), np.add.reduceat(ey, starts)
            f = float(gw @ (np.log(den) - np.log(num))) + 0.5 * lam * float(w @ w)
            p = e / np.repeat(den, sizes)
            r = ey / np.repeat(num, sizes)
            return f, Z.T @ (np.repeat(gw, sizes) * (p - r)) + lam * w

        res = minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B",
                       options={"maxiter": 3000})
        return LinearModel(self.features, self.C, res.x.astype(np.float64), 0.0, mean, scale,
                           {"objective": "softmax"})


_CACHE: dict[str, LinearModel | None] = {}
_LOCK = threading.Lock()


def load_model(name: str, expect: tuple[str, ...] | None = None) -> LinearModel | None:
    """The committed model `weights/<name>.json`, loaded once (None when absent or when its
    features differ from `expect`, i.e. it was trained for other code)."""
    with _LOCK:
        if name not in _CACHE:
            path = WEIGHTS_DIR / f"{name}.json"
            model = None
            if path.is_file():
                model = LinearModel.from_json(json.loads(path.read_text(encoding="utf-8")))
            _CACHE[name] = model
        model = _CACHE[name]
    if model is not None and expect is not None and model.features != expect:
        return None
    return model
