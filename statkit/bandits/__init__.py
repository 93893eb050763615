"""statkit.bandits: contextual and risk-sensitive multi-armed bandits.

Matrix-completion bandit (Duan, Li and Xia 2024, arXiv:2404.17398):

- :class:`MatrixCompletionBandit` -- epsilon-greedy online gradient descent on rank-r
  factors of each arm's mean table, with ``select``/``update``/``run``;
  :meth:`MatrixCompletionBandit.inference` gives :class:`MCBInference` (debiased, projected
  estimates; confidence intervals for entries, linear forms, contrasts and policy values);
- :class:`LowRankBanditEnv`, :func:`semi_synthetic_env` (built from the El Nino table that
  statsmodels ships), :func:`check_bandit_env` for user environments;
- :func:`soft_impute`, the SVT completion used for the warm start.

CVaR bandits (Wang, Kallus and Sun 2023, arXiv:2302.03201):

- :class:`CVaRUCB` -- Bernstein-bonus CVaR-UCB and the Hoeffding (DKW) baseline;
- :class:`CVaRBanditEnv` -- discrete reward laws with exact CVaRs.

numba kernels compile on first use; ``import statkit.bandits`` compiles nothing.
"""

from ._cvar_envs import CVaRBanditEnv
from ._cvar_ucb import CVaRBanditResult, CVaRUCB
from ._envs import LowRankBanditEnv, check_bandit_env, load_elnino_table, semi_synthetic_env
from ._mcb import MatrixCompletionBandit, MCBRunResult
from ._mcb_inference import LinearFormResult, MCBInference
from ._softimpute import SoftImputeResult, soft_impute

__all__ = [
    "CVaRBanditEnv",
    "CVaRBanditResult",
    "CVaRUCB",
    "LinearFormResult",
    "LowRankBanditEnv",
    "MCBInference",
    "MCBRunResult",
    "MatrixCompletionBandit",
    "SoftImputeResult",
    "check_bandit_env",
    "load_elnino_table",
    "semi_synthetic_env",
    "soft_impute",
]
