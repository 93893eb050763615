"""statkit.privacy: differential-privacy mechanisms and federated DP PCA.

- :class:`FederatedPCA` -- PCA of spiked covariances across clients, each message
  :math:`(\\varepsilon_j, \\delta_j)`-DP for its client (Li, Cai, Xia, Zhang 2024), and
  :class:`DPPCA`, its single-client form;
- the Gaussian mechanism with the analytic calibration (:func:`gaussian_sigma`,
  :class:`GaussianMechanism`), its exact privacy curve (:func:`privacy_loss_delta`) and
  basic composition (:func:`split_budget`, :func:`compose_basic`);
- :func:`audit_epsilon` -- a black-box lower bound on a mechanism's epsilon from
  neighbouring datasets.

Budgets are validated by :func:`statkit.utils.check_privacy_params`.
"""

from statkit.utils import PrivacyWarning, check_privacy_params

from ._audit import PrivacyAuditResult, audit_epsilon, gaussian_lr_thresholds
from ._federated_pca import (
    DPPCA,
    FederatedPCA,
    covariance_sensitivity,
    projector_sensitivity,
    subspace_distance,
)
from ._mechanisms import (
    GaussianMechanism,
    compose_basic,
    gaussian_sigma,
    privacy_loss_delta,
    split_budget,
    symmetric_gaussian_noise,
)

__all__ = [
    "DPPCA",
    "FederatedPCA",
    "GaussianMechanism",
    "PrivacyAuditResult",
    "PrivacyWarning",
    "audit_epsilon",
    "check_privacy_params",
    "compose_basic",
    "covariance_sensitivity",
    "gaussian_lr_thresholds",
    "gaussian_sigma",
    "privacy_loss_delta",
    "projector_sensitivity",
    "split_budget",
    "subspace_distance",
    "symmetric_gaussian_noise",
]
