r"""Built-in check of the engine itself, with an exactly known answer.

``clt-sample-mean``: for :math:`X_1, \dots, X_n` i.i.d. Exp(1) (mean 1, variance 1),
the sample mean :math:`\bar X_n` satisfies :math:`E(\bar X_n - 1)^2 = 1/n` exactly, so the
root-mean-square error is :math:`n^{-1/2}` and the log-log slope is :math:`-1/2` with
intercept 0. The check doubles as the engine's end-to-end oracle and as the workload of
the Dask tests (its ``simulate`` is importable by worker processes).
"""

from ._check import RateCheck

__all__ = ["CLT_SAMPLE_MEAN"]


def sample_mean_error(n, rng):
    """Signed error :math:`\\bar X_n - 1` of the mean of ``n`` i.i.d. Exp(1) draws."""
    return float(rng.exponential(1.0, size=int(n)).mean() - 1.0)


CLT_SAMPLE_MEAN = RateCheck(
    "clt-sample-mean",
    sample_mean_error,
    grid=[16, 32, 64, 128, 256, 512, 1024, 2048, 4096],
    quick_grid=[16, 32, 64, 128, 256, 512, 1024],
    predicted_exponent=-0.5,
    quantity="RMSE of the sample mean",
    variable="n",
    n_reps=400,
    quick_reps=50,
    aggregate="rmse",
    claim="RMSE(mean of n i.i.d. Exp(1) draws) = n^-1/2 exactly (variance 1/n)",
    reference="Variance of the sample mean; e.g. Wasserman (2004), All of Statistics, Thm. 3.17",
    description=(
        "Error of the sample mean of n i.i.d. Exp(1) draws around the true mean 1; the "
        "engine's own end-to-end test with an exactly known exponent."
    ),
)
