"""Numeric layer: vectorized NumPy/SciPy code that tests the paper's bounds on random instances.

One module per concept:

* :mod:`.khatri_rao`: K1-K5 (Khatri-Rao products, activation patterns, DLM residual, MCE)
* :mod:`.generic_rank`: K3 (generic rank of the Khatri-Rao product, full-rank certificate, its deficit,
  the general-position check)
* :mod:`.cones`: D1 (activation patterns as sign conditions; row cones decided by LP with a margin)
* :mod:`.regions`: K6, D4 (regions that hold a DLM or a global minimum)
* :mod:`.plane`: exact volumes at d0 = 2 (every region, V(L_eps), V(G), the V2 event)
* :mod:`.volumes`: D3, V1 (angular volumes: Monte Carlo, inscribed caps, cap-conditioned sampling)
* :mod:`.samplers`: V2 and the global-minimum event over random first layers
* :mod:`.gaussian`: G1-G6 (exact formulas and Monte Carlo samplers)
* :mod:`.construction`: T8 (an interpolating network with all neural inputs non-zero)
* :mod:`.training`: L2 (full-batch training and the DLM checks of Lemma 2); GD, SGD, momentum and Adam for E2
* :mod:`.sweeps`: sweeps across N (T6, T9, T10): frozen tasks and their points, executors, exponent fits
* :mod:`.stats`: exact (Clopper-Pearson) intervals for every Monte Carlo estimate
* :mod:`.experiments`: Section 5 (E1-E3) as frozen sweep tasks and their points
* :mod:`.datasets`: E3's real data (scikit-learn's digits; MNIST and CIFAR-10 from the user's files), whitening
* :mod:`.rare_events`: the V2 event at fixed data by generalized splitting (Botev & Kroese 2012), by
  fixed-effort splitting over its dead points (ReLU) or over K3's rank deficit (leaky units, with a
  rigorous upper bound), or by plain Monte Carlo, with intervals for log p
* :mod:`.lstsq`: the certified least-squares residual (the fast path of ``dlm_residual``)

Every function that samples takes an explicit ``rng`` (a ``numpy.random.Generator`` or an integer seed).
"""

from .bad_regions import BadRegionEstimate, bad_region_probability
from .cones import cone_margin, pattern_signs, region_margins
from .construction import InterpolatingNetwork, interpolating_network
from .datasets import (
    binary_labels,
    load_cifar10,
    load_digits_binary,
    load_mnist,
    mnist_files,
    read_idx,
    whiten,
)
from .experiments import (
    E1Point,
    E1Task,
    E2Measurement,
    E2Point,
    E2ProtocolPoint,
    E2ProtocolTask,
    E2Run,
    E2Task,
    E3Point,
    E3Task,
    e1_point,
    e2_measure,
    e2_point,
    e2_protocol_point,
    e3_point,
    weights_count,
)
from .gaussian import (
    angle_between,
    angle_density,
    cap_probability,
    coherence,
    count_cap_hits,
    count_orthant_hits,
    count_pattern_collisions,
    count_sign_patterns,
    log_cap_probability,
    pattern_collision_probability,
    sheppard_probability,
    singular_value_interval,
    welch_bound,
)
from .generic_rank import (
    check_general_position,
    generic_rank,
    generic_rank_brute_force,
    k3_full_rank_certificate,
    top_multiplicity_deficit,
)
from .khatri_rao import (
    activation_pattern,
    dlm_residual,
    khatri_rao,
    khatri_rao_gram,
    lrelu,
    mce,
)
from .plane import (
    ExactVolumes,
    arc_probability,
    exact_volumes_in_the_plane,
    plane_row_patterns,
)
from .rare_events import (
    RareEventEstimate,
    SplittingBudget,
    SplittingPlan,
    SplittingResult,
    V2Score,
    generalized_splitting,
    log_mean_interval,
    misclassification_threshold,
    v2_event_probability,
)
from .regions import (
    DLMCertificate,
    admissible_sign_choices,
    dlm_in_region,
    region_contains_dlm,
    region_contains_global_minimum,
    region_is_nonempty,
)
from .samplers import (
    sample_bad_region_event,
    sample_bad_region_event_loop,
    sample_bad_region_event_over_data,
    sample_global_minimum_event,
)
from .stats import Estimate, binomial_estimate, clopper_pearson
from .sweeps import (
    ExponentFit,
    GlobalMinimumPoint,
    GlobalMinimumTask,
    RareEventTask,
    V2EventPoint,
    V2EventTask,
    V2SplittingPoint,
    VolumeRatioPoint,
    VolumeRatioTask,
    family_sizes,
    fit_exponent,
    global_minimum_point,
    run_sweep,
    run_task,
    v2_event_point,
    v2_splitting_point,
    volume_ratio_point,
)
from .training import (
    DLMDiagnostics,
    FirstOrderResult,
    KinkStationarity,
    LargeTrainProgress,
    LargeTrainResult,
    MLPResult,
    TrainResult,
    dlm_diagnostics,
    kink_stationarity,
    mse_and_gradient,
    train_first_order,
    train_large,
    train_mlp,
    train_network,
)
from .volumes import (
    ConeProbability,
    RegionLogVolume,
    angular_volume,
    cone_log_probability,
    count_row_patterns,
    region_log_volume,
    region_log_volume_lower_bound,
    sample_in_cap,
)

__all__ = [
    "khatri_rao",
    "khatri_rao_gram",
    "lrelu",
    "activation_pattern",
    "generic_rank",
    "generic_rank_brute_force",
    "k3_full_rank_certificate",
    "top_multiplicity_deficit",
    "check_general_position",
    "dlm_residual",
    "mce",
    "pattern_signs",
    "cone_margin",
    "region_margins",
    "region_is_nonempty",
    "admissible_sign_choices",
    "bad_region_probability",
    "BadRegionEstimate",
    "dlm_in_region",
    "DLMCertificate",
    "region_contains_dlm",
    "region_contains_global_minimum",
    "arc_probability",
    "count_row_patterns",
    "angular_volume",
    "sample_bad_region_event",
    "sample_bad_region_event_loop",
    "sample_bad_region_event_over_data",
    "sample_global_minimum_event",
    "plane_row_patterns",
    "ExactVolumes",
    "exact_volumes_in_the_plane",
    "region_log_volume_lower_bound",
    "sample_in_cap",
    "ConeProbability",
    "cone_log_probability",
    "RegionLogVolume",
    "region_log_volume",
    "log_cap_probability",
    "angle_between",
    "sheppard_probability",
    "cap_probability",
    "angle_density",
    "pattern_collision_probability",
    "welch_bound",
    "coherence",
    "singular_value_interval",
    "count_sign_patterns",
    "count_orthant_hits",
    "count_cap_hits",
    "count_pattern_collisions",
    "Estimate",
    "binomial_estimate",
    "clopper_pearson",
    "run_sweep",
    "run_task",
    "family_sizes",
    "fit_exponent",
    "ExponentFit",
    "V2EventTask",
    "V2EventPoint",
    "v2_event_point",
    "RareEventTask",
    "V2SplittingPoint",
    "v2_splitting_point",
    "GlobalMinimumTask",
    "GlobalMinimumPoint",
    "global_minimum_point",
    "VolumeRatioTask",
    "VolumeRatioPoint",
    "volume_ratio_point",
    "interpolating_network",
    "InterpolatingNetwork",
    "mse_and_gradient",
    "train_network",
    "TrainResult",
    "dlm_diagnostics",
    "DLMDiagnostics",
    "train_mlp",
    "MLPResult",
    "kink_stationarity",
    "KinkStationarity",
    "train_first_order",
    "FirstOrderResult",
    "train_large",
    "LargeTrainResult",
    "LargeTrainProgress",
    "E1Task",
    "E1Point",
    "e1_point",
    "E2Task",
    "E2Point",
    "e2_point",
    "E2ProtocolTask",
    "E2Run",
    "E2ProtocolPoint",
    "e2_protocol_point",
    "E2Measurement",
    "e2_measure",
    "E3Task",
    "E3Point",
    "e3_point",
    "weights_count",
    "binary_labels",
    "load_digits_binary",
    "load_mnist",
    "mnist_files",
    "load_cifar10",
    "read_idx",
    "whiten",
    "SplittingBudget",
    "SplittingPlan",
    "SplittingResult",
    "generalized_splitting",
    "log_mean_interval",
    "RareEventEstimate",
    "V2Score",
    "misclassification_threshold",
    "v2_event_probability",
]
