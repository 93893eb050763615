"""What to cite: BibTeX for statkit and every paper behind its estimators, functions and checks.

This module is the single place where bibliographic data lives. It holds

* :data:`BIBTEX`: citation key -> BibTeX entry, for statkit itself and every paper;
* :data:`OBJECTS`: public qualified name (``"statkit.bandits.MatrixCompletionBandit"``)
  -> the keys of the paper(s) it implements;
* :data:`CHECKS`: rate/level check name (``"mcb-regret-gamma13"``) -> keys;
* :data:`STATKIT_ONLY`: public names that implement no paper (validators, containers,
  constants, loaders); citing one gives statkit's own entry only.

A test checks that every public name of the method subpackages and every registered
check is either in :data:`OBJECTS`/:data:`CHECKS` or in :data:`STATKIT_ONLY`, so a new
estimator without a citation fails CI. The bibliographic data are those of the
docstrings' References sections and ``docs/references.rst``; fields a source did not
give (pages, DOIs) are left out rather than guessed.

:func:`cite` is re-exported as ``statkit.cite``.
"""

import difflib
import importlib
import inspect

__all__ = ["BIBTEX", "CHECKS", "OBJECTS", "STATKIT_KEY", "STATKIT_ONLY", "cite"]

#: Key of statkit's own entry; it ends every :func:`cite` output.
STATKIT_KEY = "statkit"

# statkit's own entry; the version is filled in from statkit.__version__ when cited.
_STATKIT_ENTRY = """@misc{statkit,
  author = {{The statkit developers}},
  title = {statkit: estimators and {Monte Carlo} rate checks for recent
           statistical-theory papers},
  year = {2026},
  note = {Python package, version {{version}}},
  license = {BSD-3-Clause}
}"""

#: Citation key -> BibTeX entry.
BIBTEX = {
    STATKIT_KEY: _STATKIT_ENTRY,
    # ------------------------------------------------------------------------ mmd
    "Gretton2012": """@article{Gretton2012,
  author = {Gretton, A. and Borgwardt, K. M. and Rasch, M. J. and Sch{\\"o}lkopf, B.
            and Smola, A.},
  title = {A kernel two-sample test},
  journal = {Journal of Machine Learning Research},
  volume = {13},
  pages = {723--773},
  year = {2012}
}""",
    "Bharti2023": """@inproceedings{Bharti2023,
  author = {Bharti, A. and Naslidnyk, M. and Key, O. and Kaski, S. and Briol, F.-X.},
  title = {Optimally-weighted estimators of the maximum mean discrepancy for
           likelihood-free inference},
  booktitle = {Proceedings of the International Conference on Machine Learning (ICML 2023)},
  series = {Proceedings of Machine Learning Research},
  volume = {202},
  pages = {2289--2312},
  year = {2023},
  eprint = {2301.11674},
  archivePrefix = {arXiv}
}""",
    "Briol2019": """@misc{Briol2019,
  author = {Briol, F.-X. and Barp, A. and Duncan, A. B. and Girolami, M.},
  title = {Statistical inference for generative models with maximum mean discrepancy},
  year = {2019},
  eprint = {1906.05944},
  archivePrefix = {arXiv}
}""",
    "BriolOatesEtAl2019": """@article{BriolOatesEtAl2019,
  author = {Briol, F.-X. and Oates, C. J. and Girolami, M. and Osborne, M. A. and
            Sejdinovic, D.},
  title = {Probabilistic integration: a role in statistical computation?},
  journal = {Statistical Science},
  volume = {34},
  number = {1},
  pages = {1--22},
  year = {2019}
}""",
    "SzekelyRizzo2014": """@article{SzekelyRizzo2014,
  author = {Sz{\\'e}kely, G. J. and Rizzo, M. L.},
  title = {Partial distance correlation with methods for dissimilarities},
  journal = {The Annals of Statistics},
  volume = {42},
  number = {6},
  pages = {2382--2412},
  year = {2014}
}""",
    "PhipsonSmyth2010": """@article{PhipsonSmyth2010,
  author = {Phipson, B. and Smyth, G. K.},
  title = {Permutation p-values should never be zero: calculating exact p-values when
           permutations are randomly drawn},
  journal = {Statistical Applications in Genetics and Molecular Biology},
  volume = {9},
  number = {1},
  note = {Article 39},
  year = {2010}
}""",
    # ------------------------------------------------------------- datasets (LFI)
    "HaynesMacGillivrayMengersen1997": """@article{HaynesMacGillivrayMengersen1997,
  author = {Haynes, M. A. and MacGillivray, H. L. and Mengersen, K. L.},
  title = {Robustness of ranking and selection rules using generalised g-and-k
           distributions},
  journal = {Journal of Statistical Planning and Inference},
  volume = {65},
  number = {1},
  pages = {45--66},
  year = {1997}
}""",
    "RaynerMacGillivray2002": """@article{RaynerMacGillivray2002,
  author = {Rayner, G. D. and MacGillivray, H. L.},
  title = {Numerical maximum likelihood estimation for the g-and-k and generalized
           g-and-h distributions},
  journal = {Statistics and Computing},
  volume = {12},
  pages = {57--75},
  year = {2002}
}""",
    "MarinPudloRobertRyder2012": """@article{MarinPudloRobertRyder2012,
  author = {Marin, J.-M. and Pudlo, P. and Robert, C. P. and Ryder, R. J.},
  title = {Approximate {Bayesian} computational methods},
  journal = {Statistics and Computing},
  volume = {22},
  pages = {1167--1180},
  year = {2012}
}""",
    "ShestopaloffNeal2014": """@misc{ShestopaloffNeal2014,
  author = {Shestopaloff, A. Y. and Neal, R. M.},
  title = {On {Bayesian} inference for the {M/G/1} queue with efficient {MCMC} sampling},
  year = {2014},
  eprint = {1401.5548},
  archivePrefix = {arXiv}
}""",
    "GreenbergNonnenmacherMacke2019": """@inproceedings{GreenbergNonnenmacherMacke2019,
  author = {Greenberg, D. and Nonnenmacher, M. and Macke, J.},
  title = {Automatic posterior transformation for likelihood-free inference},
  booktitle = {Proceedings of the International Conference on Machine Learning (ICML 2019)},
  year = {2019},
  eprint = {1905.07488},
  archivePrefix = {arXiv}
}""",
    "Lueckmann2021": """@inproceedings{Lueckmann2021,
  author = {Lueckmann, J.-M. and Boelts, J. and Greenberg, D. and Gon{\\c{c}}alves, P.
            and Macke, J.},
  title = {Benchmarking simulation-based inference},
  booktitle = {Proceedings of the International Conference on Artificial Intelligence
               and Statistics (AISTATS 2021)},
  year = {2021},
  eprint = {2101.04653},
  archivePrefix = {arXiv}
}""",
    # --------------------------------------------------------------------- tensor
    "Li2025": """@misc{Li2025,
  author = {Li, J. and Shang, J. and Chen, Y.},
  title = {Fourier low-rank and sparse tensor for efficient tensor completion},
  year = {2025},
  eprint = {2505.11261},
  archivePrefix = {arXiv}
}""",
    "JainMekaDhillon2010": """@inproceedings{JainMekaDhillon2010,
  author = {Jain, P. and Meka, R. and Dhillon, I.},
  title = {Guaranteed rank minimization via singular value projection},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS 2010)},
  year = {2010}
}""",
    "TomasiBro2005": """@article{TomasiBro2005,
  author = {Tomasi, G. and Bro, R.},
  title = {{PARAFAC} and missing values},
  journal = {Chemometrics and Intelligent Laboratory Systems},
  volume = {75},
  number = {2},
  pages = {163--180},
  year = {2005}
}""",
    "AcarDunlavyKoldaMorup2011": """@article{AcarDunlavyKoldaMorup2011,
  author = {Acar, E. and Dunlavy, D. M. and Kolda, T. G. and M{\\o}rup, M.},
  title = {Scalable tensor factorizations for incomplete data},
  journal = {Chemometrics and Intelligent Laboratory Systems},
  volume = {106},
  number = {1},
  pages = {41--56},
  year = {2011}
}""",
    "KilmerMartin2011": """@article{KilmerMartin2011,
  author = {Kilmer, M. E. and Martin, C. D.},
  title = {Factorization strategies for third-order tensors},
  journal = {Linear Algebra and its Applications},
  volume = {435},
  number = {3},
  pages = {641--658},
  year = {2011}
}""",
    "ZhangAeron2017": """@article{ZhangAeron2017,
  author = {Zhang, Z. and Aeron, S.},
  title = {Exact tensor completion using t-{SVD}},
  journal = {IEEE Transactions on Signal Processing},
  volume = {65},
  number = {6},
  pages = {1511--1526},
  year = {2017},
  eprint = {1502.04689},
  archivePrefix = {arXiv}
}""",
    "Lu2020": """@article{Lu2020,
  author = {Lu, C. and Feng, J. and Chen, Y. and Liu, W. and Lin, Z. and Yan, S.},
  title = {Tensor robust principal component analysis with a new tensor nuclear norm},
  journal = {IEEE Transactions on Pattern Analysis and Machine Intelligence},
  volume = {42},
  number = {4},
  pages = {925--938},
  year = {2020},
  eprint = {1804.03728},
  archivePrefix = {arXiv}
}""",
    "Qin2024": """@misc{Qin2024,
  author = {Qin, Z. and Zhu, Z.},
  title = {Robust low-rank tensor train recovery},
  year = {2024},
  eprint = {2410.15224},
  archivePrefix = {arXiv}
}""",
    "QinWakinZhu2024": """@misc{QinWakinZhu2024,
  author = {Qin, Z. and Wakin, M. B. and Zhu, Z.},
  title = {Guaranteed nonconvex factorization approach for tensor train recovery},
  year = {2024},
  eprint = {2401.02592},
  archivePrefix = {arXiv}
}""",
    "LiZhuSoVidal2020": """@article{LiZhuSoVidal2020,
  author = {Li, X. and Zhu, Z. and So, A. M.-C. and Vidal, R.},
  title = {Nonconvex robust low-rank matrix recovery},
  journal = {SIAM Journal on Optimization},
  volume = {30},
  number = {1},
  year = {2020}
}""",
    "RauhutSchneiderStojanac2017": """@article{RauhutSchneiderStojanac2017,
  author = {Rauhut, H. and Schneider, R. and Stojanac, Z.},
  title = {Low rank tensor recovery via iterative hard thresholding},
  journal = {Linear Algebra and its Applications},
  volume = {523},
  year = {2017}
}""",
    "Oseledets2011": """@article{Oseledets2011,
  author = {Oseledets, I. V.},
  title = {Tensor-train decomposition},
  journal = {SIAM Journal on Scientific Computing},
  volume = {33},
  number = {5},
  pages = {2295--2317},
  year = {2011},
  doi = {10.1137/090752286}
}""",
    # -------------------------------------------------------------------- privacy
    "LiCaiXiaZhang2024": """@misc{LiCaiXiaZhang2024,
  author = {Li, J. and Cai, T. T. and Xia, D. and Zhang, A. R.},
  title = {Federated {PCA} and estimation for spiked covariance matrices: optimal rates
           and efficient algorithm},
  year = {2024},
  eprint = {2411.15660},
  archivePrefix = {arXiv}
}""",
    "CaiXiaZha2024": """@misc{CaiXiaZha2024,
  author = {Cai, T. T. and Xia, D. and Zha, M.},
  title = {Optimal differentially private {PCA} and estimation for spiked covariance
           matrices},
  year = {2024},
  eprint = {2401.03820},
  archivePrefix = {arXiv}
}""",
    "DworkTalwarThakurtaZhang2014": """@inproceedings{DworkTalwarThakurtaZhang2014,
  author = {Dwork, C. and Talwar, K. and Thakurta, A. and Zhang, L.},
  title = {Analyze {Gauss}: optimal bounds for privacy-preserving principal component
           analysis},
  booktitle = {Proceedings of the ACM Symposium on Theory of Computing (STOC 2014)},
  year = {2014}
}""",
    "BalleWang2018": """@inproceedings{BalleWang2018,
  author = {Balle, B. and Wang, Y.-X.},
  title = {Improving the {Gaussian} mechanism for differential privacy: analytical
           calibration and optimal denoising},
  booktitle = {Proceedings of the International Conference on Machine Learning (ICML 2018)},
  year = {2018},
  eprint = {1805.06530},
  archivePrefix = {arXiv}
}""",
    "YuWangSamworth2015": """@article{YuWangSamworth2015,
  author = {Yu, Y. and Wang, T. and Samworth, R. J.},
  title = {A useful variant of the {Davis--Kahan} theorem for statisticians},
  journal = {Biometrika},
  volume = {102},
  number = {2},
  pages = {315--323},
  year = {2015}
}""",
    "DworkRoth2014": """@article{DworkRoth2014,
  author = {Dwork, C. and Roth, A.},
  title = {The algorithmic foundations of differential privacy},
  journal = {Foundations and Trends in Theoretical Computer Science},
  volume = {9},
  year = {2014}
}""",
    "JagielskiUllmanOprea2020": """@inproceedings{JagielskiUllmanOprea2020,
  author = {Jagielski, M. and Ullman, J. and Oprea, A.},
  title = {Auditing differentially private machine learning: how private is private
           {SGD}?},
  booktitle = {Advances in Neural Information Processing Systems (NeurIPS 2020)},
  year = {2020}
}""",
    "NasrSongThakurtaPapernotCarlini2021": """@inproceedings{NasrSongThakurtaPapernotCarlini2021,
  author = {Nasr, M. and Song, S. and Thakurta, A. and Papernot, N. and Carlini, N.},
  title = {Adversary instantiation: lower bounds for differentially private machine
           learning},
  booktitle = {IEEE Symposium on Security and Privacy (S\\&P 2021)},
  year = {2021}
}""",
    # -------------------------------------------------------------------- bandits
    "DuanLiXia2024": """@misc{DuanLiXia2024,
  author = {Duan, C. and Li, J. and Xia, D.},
  title = {Online policy learning and inference by matrix completion},
  year = {2024},
  eprint = {2404.17398},
  archivePrefix = {arXiv}
}""",
    "MazumderHastieTibshirani2010": """@article{MazumderHastieTibshirani2010,
  author = {Mazumder, R. and Hastie, T. and Tibshirani, R.},
  title = {Spectral regularization algorithms for learning large incomplete matrices},
  journal = {Journal of Machine Learning Research},
  volume = {11},
  pages = {2287--2322},
  year = {2010}
}""",
    "WangKallusSun2023": """@inproceedings{WangKallusSun2023,
  author = {Wang, K. and Kallus, N. and Sun, W.},
  title = {Near-minimax-optimal risk-sensitive reinforcement learning with {CVaR}},
  booktitle = {Proceedings of the International Conference on Machine Learning (ICML 2023)},
  series = {Proceedings of Machine Learning Research},
  volume = {202},
  pages = {35864--35907},
  year = {2023},
  eprint = {2302.03201},
  archivePrefix = {arXiv}
}""",
    "Tamkin2019": """@inproceedings{Tamkin2019,
  author = {Tamkin, A. and Keramati, R. and Dann, C. and Brunskill, E.},
  title = {Distributionally-aware exploration for {CVaR} bandits},
  booktitle = {NeurIPS 2019 Workshop on Safety and Robustness in Decision Making},
  year = {2019}
}""",
    "Baudry2021": """@inproceedings{Baudry2021,
  author = {Baudry, D. and Gautron, R. and Kaufmann, E. and Maillard, O.-A.},
  title = {Optimal {Thompson} sampling strategies for support-aware {CVaR} bandits},
  booktitle = {Proceedings of the International Conference on Machine Learning (ICML 2021)},
  year = {2021},
  eprint = {2012.05754},
  archivePrefix = {arXiv}
}""",
    # ------------------------------------------------------------------------- rl
    "BauerleOtt2011": """@article{BauerleOtt2011,
  author = {B{\\"a}uerle, N. and Ott, J.},
  title = {Markov decision processes with average-value-at-risk criteria},
  journal = {Mathematical Methods of Operations Research},
  volume = {74},
  pages = {361--379},
  year = {2011}
}""",
    "AzarOsbandMunos2017": """@inproceedings{AzarOsbandMunos2017,
  author = {Azar, M. G. and Osband, I. and Munos, R.},
  title = {Minimax regret bounds for reinforcement learning},
  booktitle = {Proceedings of the International Conference on Machine Learning (ICML 2017)},
  year = {2017},
  eprint = {1703.05449},
  archivePrefix = {arXiv}
}""",
    "RockafellarUryasev2000": """@article{RockafellarUryasev2000,
  author = {Rockafellar, R. T. and Uryasev, S.},
  title = {Optimization of conditional value-at-risk},
  journal = {Journal of Risk},
  volume = {2},
  number = {3},
  year = {2000}
}""",
    # ------------------------------------------------------------------------ llm
    "DiJiLiZhaoGu2025": """@misc{DiJiLiZhaoGu2025,
  author = {Di, Q. and Ji, K. and Li, X. and Zhao, H. and Gu, Q.},
  title = {Best-of-Majority: minimax-optimal strategy for {Pass@k} inference scaling},
  note = {ICLR 2026},
  year = {2025},
  eprint = {2510.03199},
  archivePrefix = {arXiv}
}""",
    "Chen2021": """@misc{Chen2021,
  author = {Chen, M. and others},
  title = {Evaluating large language models trained on code},
  year = {2021},
  eprint = {2107.03374},
  archivePrefix = {arXiv}
}""",
    "MiniMax01_2025": """@misc{MiniMax01_2025,
  author = {{MiniMax} and others},
  title = {{MiniMax-01}: scaling foundation models with lightning attention},
  year = {2025},
  eprint = {2501.08313},
  archivePrefix = {arXiv}
}""",
    "MiniMaxM1_2025": """@misc{MiniMaxM1_2025,
  author = {{MiniMax} and others},
  title = {{MiniMax-M1}: scaling test-time compute efficiently with lightning attention},
  year = {2025},
  eprint = {2506.13585},
  archivePrefix = {arXiv}
}""",
    "QinSunLiShenSunZhong2024": """@misc{QinSunLiShenSunZhong2024,
  author = {Qin, Z. and Sun, W. and Li, D. and Shen, X. and Sun, W. and Zhong, Y.},
  title = {Lightning {Attention-2}: a free lunch for handling unlimited sequence lengths in
           large language models},
  year = {2024},
  eprint = {2401.04658},
  archivePrefix = {arXiv}
}""",
    "PressSmithLewis2021": """@misc{PressSmithLewis2021,
  author = {Press, O. and Smith, N. A. and Lewis, M.},
  title = {Train short, test long: attention with linear biases enables input length
           extrapolation},
  year = {2021},
  eprint = {2108.12409},
  archivePrefix = {arXiv}
}""",
    "HuLiLuZhou2025": """@misc{HuLiLuZhou2025,
  author = {Hu, S. and Li, J. and Lu, Z. and Zhou, P.},
  title = {Bridging draft policy misalignment: group tree optimization for speculative
           decoding},
  year = {2025},
  eprint = {2509.22134},
  archivePrefix = {arXiv}
}""",
    "LiWeiZhangZhang2024": """@misc{LiWeiZhangZhang2024,
  author = {Li, Y. and Wei, F. and Zhang, C. and Zhang, H.},
  title = {{EAGLE-2}: faster inference of language models with dynamic draft trees},
  year = {2024},
  eprint = {2406.16858},
  archivePrefix = {arXiv}
}""",
    "Ionides2008": """@article{Ionides2008,
  author = {Ionides, E. L.},
  title = {Truncated importance sampling},
  journal = {Journal of Computational and Graphical Statistics},
  volume = {17},
  number = {2},
  pages = {295--311},
  year = {2008}
}""",
    "SchulmanEtAl2017": """@misc{SchulmanEtAl2017,
  author = {Schulman, J. and Wolski, F. and Dhariwal, P. and Radford, A. and Klimov, O.},
  title = {Proximal policy optimization algorithms},
  year = {2017},
  eprint = {1707.06347},
  archivePrefix = {arXiv}
}""",
    # ----------------------------------------------------------------- simulation
    "ClopperPearson1934": """@article{ClopperPearson1934,
  author = {Clopper, C. J. and Pearson, E. S.},
  title = {The use of confidence or fiducial limits illustrated in the case of the
           binomial},
  journal = {Biometrika},
  volume = {26},
  number = {4},
  pages = {404--413},
  year = {1934}
}""",
    "Wasserman2004": """@book{Wasserman2004,
  author = {Wasserman, L.},
  title = {All of Statistics: A Concise Course in Statistical Inference},
  publisher = {Springer},
  year = {2004}
}""",
}

_MCB = ("DuanLiXia2024",)
_WKS = ("WangKallusSun2023",)
_BOM = ("DiJiLiZhaoGu2025",)
_GRETTON = ("Gretton2012",)
_BHARTI = ("Bharti2023",)
_FLOST = ("Li2025",)
_QIN = ("Qin2024",)
_TT = ("Oseledets2011",)
_FEDPCA = ("LiCaiXiaZhang2024",)
_GTO = ("HuLiLuZhou2025",)
_AUDIT = ("JagielskiUllmanOprea2020", "NasrSongThakurtaPapernotCarlini2021")

#: Public qualified name -> keys of the paper(s) it implements (most specific first).
OBJECTS = {
    # statkit.mmd
    "statkit.mmd.MMDTestResult": ("Gretton2012", "PhipsonSmyth2010"),
    "statkit.mmd.MinimumMMDEstimator": ("Briol2019", "Bharti2023"),
    "statkit.mmd.OptimallyWeightedMMD": _BHARTI,
    "statkit.mmd.Simulator": _BHARTI,
    "statkit.mmd.SeededSimulator": _BHARTI,
    "statkit.mmd.bq_weights": ("Bharti2023", "BriolOatesEtAl2019"),
    "statkit.mmd.gaussian_mmd2": _GRETTON,
    "statkit.mmd.input_gram": _BHARTI,
    "statkit.mmd.kernel_mean": ("Bharti2023", "BriolOatesEtAl2019"),
    "statkit.mmd.median_bandwidth": _GRETTON,
    "statkit.mmd.mmd": ("Gretton2012", "SzekelyRizzo2014"),
    "statkit.mmd.mmd_test": ("Gretton2012", "PhipsonSmyth2010"),
    "statkit.mmd.weighted_mmd": _BHARTI,
    # statkit.tensor
    "statkit.tensor.CPCompletion": ("TomasiBro2005", "AcarDunlavyKoldaMorup2011", "Li2025"),
    "statkit.tensor.FLoSTCompletion": ("Li2025", "JainMekaDhillon2010"),
    "statkit.tensor.FLoSTSelection": _FLOST,
    "statkit.tensor.PhaseTransitionResult": _QIN,
    "statkit.tensor.RobustTTRecovery": (
        "Qin2024",
        "QinWakinZhu2024",
        "LiZhuSoVidal2020",
        "RauhutSchneiderStojanac2017",
    ),
    "statkit.tensor.TubalCompletion": ("KilmerMartin2011", "ZhangAeron2017", "Lu2020", "Li2025"),
    "statkit.tensor.flost_projection": _FLOST,
    "statkit.tensor.outlier_breakdown": _QIN,
    "statkit.tensor.phase_transition": _QIN,
    "statkit.tensor.polar_retraction": _QIN,
    "statkit.tensor.select_flost_params": _FLOST,
    "statkit.tensor.stiefel_tangent_projection": _QIN,
    "statkit.tensor.tensor_nuclear_norm": ("Lu2020", "KilmerMartin2011"),
    "statkit.tensor.tt_core_gradients": _TT,
    "statkit.tensor.tt_dof": _TT,
    "statkit.tensor.tt_inner": _TT,
    "statkit.tensor.tt_left_orthogonalize": _TT,
    "statkit.tensor.tt_norm": _TT,
    "statkit.tensor.tt_ranks": _TT,
    "statkit.tensor.tt_round": _TT,
    "statkit.tensor.tt_svd": _TT,
    "statkit.tensor.tt_to_full": _TT,
    "statkit.tensor.tubal_svt": ("Lu2020", "KilmerMartin2011"),
    "statkit.tensor.tubal_truncate": ("KilmerMartin2011",),
    # statkit.privacy
    "statkit.privacy.DPPCA": ("CaiXiaZha2024", "DworkTalwarThakurtaZhang2014", "LiCaiXiaZhang2024"),
    "statkit.privacy.FederatedPCA": (
        "LiCaiXiaZhang2024",
        "CaiXiaZha2024",
        "DworkTalwarThakurtaZhang2014",
        "BalleWang2018",
        "YuWangSamworth2015",
    ),
    "statkit.privacy.GaussianMechanism": ("DworkRoth2014", "BalleWang2018"),
    "statkit.privacy.PrivacyAuditResult": _AUDIT,
    "statkit.privacy.audit_epsilon": _AUDIT,
    "statkit.privacy.compose_basic": ("DworkRoth2014",),
    "statkit.privacy.covariance_sensitivity": _FEDPCA,
    "statkit.privacy.gaussian_lr_thresholds": _AUDIT,
    "statkit.privacy.gaussian_sigma": ("DworkRoth2014", "BalleWang2018"),
    "statkit.privacy.privacy_loss_delta": ("BalleWang2018",),
    "statkit.privacy.projector_sensitivity": _FEDPCA,
    "statkit.privacy.symmetric_gaussian_noise": ("DworkTalwarThakurtaZhang2014",),
    # statkit.bandits
    "statkit.bandits.CVaRBanditEnv": _WKS,
    "statkit.bandits.CVaRBanditResult": _WKS,
    "statkit.bandits.CVaRUCB": ("WangKallusSun2023", "Tamkin2019", "Baudry2021"),
    "statkit.bandits.LinearFormResult": _MCB,
    "statkit.bandits.LowRankBanditEnv": _MCB,
    "statkit.bandits.MCBInference": _MCB,
    "statkit.bandits.MCBRunResult": _MCB,
    "statkit.bandits.MatrixCompletionBandit": _MCB,
    "statkit.bandits.SoftImputeResult": ("MazumderHastieTibshirani2010",),
    "statkit.bandits.semi_synthetic_env": _MCB,
    "statkit.bandits.soft_impute": ("MazumderHastieTibshirani2010", "DuanLiXia2024"),
    # statkit.rl
    "statkit.rl.CVaRPlan": ("BauerleOtt2011", "WangKallusSun2023"),
    "statkit.rl.CVaRUCBVI": ("WangKallusSun2023", "BauerleOtt2011", "AzarOsbandMunos2017"),
    "statkit.rl.CVaRUCBVIResult": _WKS,
    "statkit.rl.TabularMDP": ("WangKallusSun2023", "BauerleOtt2011"),
    "statkit.rl.cvar": ("WangKallusSun2023", "RockafellarUryasev2000"),
    "statkit.rl.cvar_bernoulli": _WKS,
    "statkit.rl.value_at_risk": _WKS,
    # statkit.llm
    "statkit.llm.BatchSelection": _BOM,
    "statkit.llm.GenerationsScore": ("DiJiLiZhaoGu2025", "Chen2021"),
    "statkit.llm.PassAtKSimulator": _BOM,
    "statkit.llm.RegretEstimate": _BOM,
    "statkit.llm.Selection": _BOM,
    "statkit.llm.best_of_majority": _BOM,
    "statkit.llm.best_of_n": _BOM,
    "statkit.llm.bon_hard_instance": _BOM,
    "statkit.llm.evaluate_generations": ("DiJiLiZhaoGu2025", "Chen2021"),
    "statkit.llm.majority_vote": _BOM,
    "statkit.llm.minimax_instance": _BOM,
    "statkit.llm.mv_hard_instance": _BOM,
    "statkit.llm.pass_at_k": ("Chen2021",),
    "statkit.llm.typical_instance": _BOM,
    "statkit.llm.decay_slopes": ("PressSmithLewis2021", "MiniMax01_2025"),
    "statkit.llm.decayed_linear_attention": ("QinSunLiShenSunZhong2024", "MiniMax01_2025"),
    "statkit.llm.DraftTreeReward": _GTO,
    "statkit.llm.draft_tree_path_lengths": _GTO,
    "statkit.llm.draft_tree_reward": _GTO,
    "statkit.llm.gto_clipped_surrogate": _GTO,
    "statkit.llm.gto_group_advantages": _GTO,
    "statkit.llm.simulate_tree_verification": ("HuLiLuZhou2025", "LiWeiZhangZhang2024"),
    "statkit.llm.tree_expected_acceptance": ("HuLiLuZhou2025", "LiWeiZhangZhang2024"),
    "statkit.llm.TruncatedISStudy": ("Ionides2008", "MiniMaxM1_2025"),
    "statkit.llm.truncated_is_bias_variance": ("Ionides2008", "MiniMaxM1_2025"),
    "statkit.llm.truncated_is_gradient": ("MiniMaxM1_2025", "SchulmanEtAl2017", "Ionides2008"),
    "statkit.llm.truncated_is_surrogate": ("MiniMaxM1_2025", "SchulmanEtAl2017", "Ionides2008"),
    # statkit.datasets
    "statkit.datasets.FLoSTInstance": _FLOST,
    "statkit.datasets.SpikedClients": _FEDPCA,
    "statkit.datasets.TTRecoveryInstance": _QIN,
    "statkit.datasets.flost_df": _FLOST,
    "statkit.datasets.g_and_k_quantile": (
        "HaynesMacGillivrayMengersen1997",
        "RaynerMacGillivray2002",
        "Bharti2023",
    ),
    "statkit.datasets.g_and_k_simulator": ("Bharti2023", "RaynerMacGillivray2002"),
    "statkit.datasets.ma2_simulator": ("MarinPudloRobertRyder2012", "Bharti2023"),
    "statkit.datasets.make_flost": _FLOST,
    "statkit.datasets.make_low_rank_arms": _MCB,
    "statkit.datasets.make_spiked_clients": _FEDPCA,
    "statkit.datasets.make_tt_recovery": _QIN,
    "statkit.datasets.mg1_queue_simulator": ("ShestopaloffNeal2014", "Bharti2023"),
    "statkit.datasets.two_moons_simulator": (
        "GreenbergNonnenmacherMacke2019",
        "Lueckmann2021",
        "Bharti2023",
    ),
    # statkit.simulation (the classes; a check or result is cited by its check's name)
    "statkit.simulation.LevelCheck": ("ClopperPearson1934",),
    "statkit.simulation.LevelCheckResult": ("ClopperPearson1934",),
}

#: Public names that implement no paper: citing one gives statkit's own entry.
STATKIT_ONLY = frozenset(
    {
        "statkit.mmd.INPUT_KERNELS",
        "statkit.mmd.INPUT_MEASURES",
        "statkit.mmd.KERNELS",
        "statkit.mmd.NonFiniteSimulationError",
        "statkit.mmd.kernel_matrix",
        "statkit.tensor.DenseGaussianOperator",
        "statkit.tensor.MatrixOperator",
        "statkit.tensor.SeededGaussianOperator",
        "statkit.tensor.as_operator",
        "statkit.tensor.check_tt_ranks",
        "statkit.privacy.PrivacyWarning",
        "statkit.privacy.check_privacy_params",
        "statkit.privacy.split_budget",
        "statkit.privacy.subspace_distance",
        "statkit.bandits.check_bandit_env",
        "statkit.bandits.load_elnino_table",
        "statkit.rl.Episodes",
        "statkit.llm.GENERATION_COLUMNS",
        "statkit.llm.load_generations",
        "statkit.llm.make_generations",
        "statkit.datasets.bernoulli_mask",
        "statkit.datasets.load_elnino",
        "statkit.datasets.time_gap_mask",
        "statkit.datasets.tube_block_mask",
        "statkit.simulation.RateCheck",
        "statkit.simulation.RateCheckResult",
        "statkit.simulation.SimulationError",
        "statkit.simulation.Summary",
        "statkit.simulation.get_check",
        "statkit.simulation.list_checks",
        "statkit.simulation.register",
        "statkit.utils.PrivacyWarning",
        "statkit.utils.check_positive",
        "statkit.utils.check_privacy_params",
        "statkit.utils.check_random_state",
        "statkit.utils.check_samples",
        "statkit.utils.check_seed_sequence",
        "statkit.utils.fwht",
        "statkit.utils.to_numpy",
    }
)

#: Check name -> keys of the paper(s) whose claim it checks.
CHECKS = {
    "clt-sample-mean": ("Wasserman2004",),
    # statkit.llm
    "bom-regret-coverage": _BOM,
    "bom-regret-eps": _BOM,
    "bom-regret-k": _BOM,
    "bom-regret-n-flat": _BOM,
    "bon-regret-n": _BOM,
    "majority-regret-n-flat": _BOM,
    # statkit.bandits and statkit.rl
    "cvar-ucb-k": _WKS,
    "cvar-ucb-tau-bernstein": _WKS,
    "cvar-ucb-tau-hoeffding": ("WangKallusSun2023", "Tamkin2019"),
    "cvar-ucbvi-k": _WKS,
    "cvar-ucbvi-s": _WKS,
    "mcb-coverage-gamma13": _MCB,
    "mcb-coverage-gamma14": _MCB,
    "mcb-error-gamma13": _MCB,
    "mcb-regret-gamma13": _MCB,
    "mcb-regret-gamma14": _MCB,
    # statkit.privacy
    "dppca-epsilon": _FEDPCA,
    "dppca-n-nonprivate": _FEDPCA,
    "dppca-n-private": _FEDPCA,
    # statkit.tensor
    "flost-sampling-rate": _FLOST,
    "flost-time-length": _FLOST,
    "tt-l1-outlier-robustness": _QIN,
    "tt-l2-outlier-breakdown": _QIN,
    "tt-linear-convergence": _QIN,
    "tt-sample-complexity-n": _QIN,
    # statkit.mmd
    "mmd-permutation-size": _GRETTON,
    "mmd-u-statistic": _GRETTON,
    "mmd-v-statistic": _GRETTON,
    "mmd-v-gandk-s1": _BHARTI,
    "mmd-v-gandk-s2": _BHARTI,
    "mmd-v-gandk-s4": _BHARTI,
    "mmd-weighted-s1": _BHARTI,
    "mmd-weighted-s2": _BHARTI,
    "mmd-weighted-s4": _BHARTI,
}

#: Subpackages whose public names may be cited (searched for bare names).
_SUBPACKAGES = (
    "mmd",
    "tensor",
    "privacy",
    "bandits",
    "rl",
    "llm",
    "datasets",
    "simulation",
    "utils",
)
_FORMATS = ("bibtex", "keys")


def _entry(key):
    text = BIBTEX[key]
    if key == STATKIT_KEY:
        from statkit import __version__

        text = text.replace("{{version}}", __version__)
    return text


def _public_name_of(obj):
    """Public qualified name of a statkit class or function, or None."""
    module = getattr(obj, "__module__", None) or ""
    name = getattr(obj, "__name__", None)
    if not module.startswith("statkit") or not isinstance(name, str):
        return None
    parts = module.split(".")
    candidates = [parts[1]] if len(parts) > 1 and parts[1] in _SUBPACKAGES else []
    candidates += [s for s in _SUBPACKAGES if s not in candidates]
    for sub in candidates:
        mod = importlib.import_module(f"statkit.{sub}")
        if name in getattr(mod, "__all__", ()) and getattr(mod, name, None) is obj:
            return f"statkit.{sub}.{name}"
    return None


def _describe(obj):
    """How an uncitable object is named in the error message."""
    if inspect.isclass(obj):
        return f"class {obj.__module__}.{obj.__qualname__}"
    if inspect.isroutine(obj):
        module = getattr(obj, "__module__", None)
        qual = getattr(obj, "__qualname__", getattr(obj, "__name__", repr(obj)))
        return f"function {module}.{qual}" if module else f"function {qual}"
    if inspect.ismodule(obj):
        return f"module {obj.__name__}"
    cls = type(obj)
    return f"{obj!r:.80} (an instance of {cls.__module__}.{cls.__qualname__})"


def _keys_for_name(name):
    """Keys for a check name or a (public, possibly short) qualified name; None if unknown."""
    if name in CHECKS:
        return CHECKS[name], name
    if name in ("statkit", "statkit.cite"):
        return (), "statkit"
    full = name if name.startswith("statkit.") else f"statkit.{name}"
    if full in OBJECTS:
        return OBJECTS[full], full
    if full in STATKIT_ONLY:
        return (), full
    if "." not in name:  # a bare public name, if it is unique
        hits = sorted(q for q in (*OBJECTS, *STATKIT_ONLY) if q.rsplit(".", 1)[1] == name)
        if len(hits) == 1:
            return OBJECTS.get(hits[0], ()), hits[0]
        if len(hits) > 1 and len({OBJECTS.get(q, ()) for q in hits}) > 1:
            raise ValueError(
                f"{name!r} is ambiguous: it names {', '.join(hits)}; pass a qualified name"
            )
        if hits:  # the same object re-exported (e.g. by statkit.utils): same citation
            return OBJECTS.get(hits[0], ()), hits[0]
    return None, name


def _unknown_name(name):
    from statkit.simulation import get_check

    try:
        check = get_check(name)
    except KeyError:
        pass
    else:  # registered at run time (e.g. by the user), so not in CHECKS
        ref = f" Its reference string reads: {check.reference!r}." if check.reference else ""
        return ValueError(
            f"no reference known for the {type(check).__name__} {name!r}: it is registered "
            f"but is not one of statkit's own checks, so its paper is not in statkit's "
            f"citation registry.{ref}"
        )
    known = [*CHECKS, *OBJECTS, *STATKIT_ONLY]
    short = {q.rsplit(".", 1)[1]: q for q in (*OBJECTS, *STATKIT_ONLY)}
    close = difflib.get_close_matches(name, [*known, *short], n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(
        f"no reference known for {name!r}: it is neither a registered rate check nor a public "
        f"statkit name (see `statkit rates list` and the API reference){hint}"
    )


def _resolve(obj):
    """``(keys, what)`` for one object, or raise naming it."""
    from statkit.simulation import LevelCheck, RateCheck
    from statkit.simulation._result import _BaseResult

    if isinstance(obj, str):
        keys, what = _keys_for_name(obj)
        if keys is None:
            raise _unknown_name(obj)
        return keys, what
    if isinstance(obj, _BaseResult):
        obj = obj.check
    if isinstance(obj, (RateCheck, LevelCheck)):
        if obj.name in CHECKS:
            return CHECKS[obj.name], obj.name
        ref = f" Its reference string reads: {obj.reference!r}." if obj.reference else ""
        raise ValueError(
            f"no reference known for the {type(obj).__name__} {obj.name!r}: it is not one of "
            f"statkit's registered checks, so its paper is not in statkit's citation "
            f"registry.{ref}"
        )
    target = obj
    if not (inspect.isclass(obj) or inspect.isroutine(obj)):
        target = type(obj)  # an instance: cite its class
    public = _public_name_of(target)
    if public is None and inspect.isroutine(target) and "." in getattr(target, "__qualname__", ""):
        # a method: cite the class that defines it
        owner = getattr(inspect.getmodule(target), target.__qualname__.split(".")[0], None)
        if owner is not None:
            public = _public_name_of(owner)
    if public is not None and (public in OBJECTS or public in STATKIT_ONLY):
        return OBJECTS.get(public, ()), public
    raise ValueError(
        f"no reference known for {_describe(obj)}: statkit.cite knows statkit's public "
        "estimators, functions and classes, its registered rate checks and their results, "
        "and their names as strings"
    )


def cite(*objs, format="bibtex"):
    """BibTeX of the paper(s) behind statkit objects, followed by statkit's own entry.

    Parameters
    ----------
    *objs : object
        What to cite, any number of: a statkit estimator class or instance (its class is
        cited), a public function, a rate or level check, a check result, or a name as a
        string: a check name (``"mcb-regret-gamma13"``) or a public name, qualified
        (``"statkit.bandits.MatrixCompletionBandit"``, ``"bandits.MatrixCompletionBandit"``)
        or bare when unique (``"MatrixCompletionBandit"``). With none, only statkit is
        cited.
    format : {"bibtex", "keys"}, default "bibtex"
        ``"bibtex"``: the entries as one string, papers in the order met, duplicates
        dropped, statkit's entry last. ``"keys"``: the list of citation keys in that order.

    Returns
    -------
    str or list of str

    Raises
    ------
    ValueError
        If an object has no known reference (the message names it: its qualified name or
        type), or ``format`` is not one of the accepted values.

    Examples
    --------
    >>> import statkit
    >>> statkit.cite("mmd-u-statistic", format="keys")
    ['Gretton2012', 'statkit']
    >>> print(statkit.cite("statkit.tensor.tt_svd").splitlines()[0])
    @article{Oseledets2011,
    """
    if not isinstance(format, str) or format not in _FORMATS:
        raise ValueError(f"format must be one of {_FORMATS}, got {format!r}")
    keys = []
    for obj in objs:
        for key in _resolve(obj)[0]:
            if key not in keys:
                keys.append(key)
    keys.append(STATKIT_KEY)
    if format == "keys":
        return keys
    return "\n\n".join(_entry(k) for k in keys) + "\n"
