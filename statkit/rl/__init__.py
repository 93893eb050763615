"""statkit.rl: risk-sensitive (CVaR) reinforcement learning in finite-horizon tabular MDPs.

- :func:`cvar`, :func:`value_at_risk`, :func:`cvar_bernoulli` -- the CVaR (Rockafellar--Uryasev
  form, lower tail) and the quantile of a discrete law or a sample;
- :class:`TabularMDP` -- finite-horizon MDPs with discrete reward laws and normalised returns,
  exact :math:`\\mathrm{CVaR}^*_\\tau` by dynamic programming on the augmented state
  :math:`(s, b)` (:class:`CVaRPlan`), the exact return law of an augmented-state policy, and
  episode sampling (:class:`Episodes`);
- :class:`CVaRUCBVI`, :class:`CVaRUCBVIResult` -- the optimistic learner of Wang, Kallus and
  Sun (arXiv:2302.03201) and its regret on exact CVaRs.

numba kernels compile on first use; ``import statkit.rl`` compiles nothing.
"""

from ._cvar import cvar, cvar_bernoulli, value_at_risk
from ._cvar_ucbvi import CVaRUCBVI, CVaRUCBVIResult
from ._tabular_mdp import CVaRPlan, Episodes, TabularMDP

__all__ = [
    "CVaRPlan",
    "CVaRUCBVI",
    "CVaRUCBVIResult",
    "Episodes",
    "TabularMDP",
    "cvar",
    "cvar_bernoulli",
    "value_at_risk",
]
