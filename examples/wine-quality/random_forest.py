"""Random forest on wine quality: Sarah's MLflow code, run inside an octoup session.

    octoup run random_forest.py 200 8        # n_estimators, max_depth
    python random_forest.py                  # works the same without `octoup run`

The session records the data's sha256, the split, the git commit and the env; the
``mlflow.start_run()`` block below is plain MLflow and becomes the session's child run.
"""

import sys
from pathlib import Path

import mlflow
import numpy as np
from sklearn.ensemble import RandomForestRegressor
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
from wine_data import ensure

import octoup.track

n_estimators = int(sys.argv[1]) if len(sys.argv) > 1 else 100
max_depth = int(sys.argv[2]) if len(sys.argv) > 2 else 6

with octoup.track.session("wine-quality") as s:
    data = s.load(ensure(Path(__file__).with_name("wine-quality.csv")))
    train, test = s.split(data, train=0.7, seed=42)
    train_x, train_y = train.drop(columns="quality"), train["quality"]
    test_x, test_y = test.drop(columns="quality"), test["quality"]

    with mlflow.start_run():
        mlflow.log_param("n_estimators", n_estimators)
        mlflow.log_param("max_depth", max_depth)
        model = RandomForestRegressor(n_estimators=n_estimators, max_depth=max_depth, random_state=42)
        model.fit(train_x, train_y)

        # the test error as trees are added: one point per 10 trees
        per_tree = np.stack([tree.predict(test_x.to_numpy()) for tree in model.estimators_])
        for trees in range(10, n_estimators + 1, 10):
            rmse = mean_squared_error(test_y, per_tree[:trees].mean(axis=0)) ** 0.5
            mlflow.log_metric("rmse_by_trees", rmse, step=trees)

        predicted = model.predict(test_x)
        mlflow.log_metric("rmse", mean_squared_error(test_y, predicted) ** 0.5)
        mlflow.log_metric("mae", mean_absolute_error(test_y, predicted))
        mlflow.log_metric("r2", r2_score(test_y, predicted))
        ranked = sorted(zip(train_x.columns, model.feature_importances_, strict=True), key=lambda p: -p[1])
        importances = "".join(f"{name},{value:.4f}\n" for name, value in ranked)
        mlflow.log_text("feature,importance\n" + importances, "feature_importance.csv")
        rmse = mean_squared_error(test_y, predicted) ** 0.5
        print(f"n_estimators={n_estimators} max_depth={max_depth}: rmse={rmse:.3f}")
