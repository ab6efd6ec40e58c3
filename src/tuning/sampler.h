// Samplers: pick the next trial's hyperparameters from a SearchSpace, given the trials so far.
//
//  - "random": independent draws from each parameter's distribution.
//  - "tpe": the Tree-structured Parzen Estimator, as Hyperopt's and Optuna's independent TPE
//    (Bergstra et al., "Algorithms for Hyper-Parameter Optimization", NIPS 2011). The first
//    `startup_trials` trials are random; after that the finished trials are split into the best
//    ceil(gamma * n) ("good") and the rest ("bad"), and each parameter independently gets two
//    densities, l(x) from the good values and g(x) from the bad ones; `ei_candidates` values are
//    drawn from l and the one with the largest l(x) / g(x) (which maximizes expected improvement)
//    is proposed. Numeric parameters use Hyperopt's adaptive Parzen estimator: one Gaussian per
//    observation plus a prior Gaussian (centre of the range, width = the range, weight
//    `prior_weight`), each observation's width the larger distance to its sorted neighbours,
//    clipped to [range / min(100, 1 + components), range]; the mixture is truncated to the bounds,
//    and log / quantized distributions work on log(x) and score a quantized value by the mass of
//    its bin. choice and randint are categorical: counts plus `prior_weight` per category.
//  - "grid": every combination of grid values, walked in order with the last parameter changing
//    fastest (as itertools.product); choice options, randint integers and every multiple of q are
//    grid values, uniform / loguniform take 5 evenly spaced points (loguniform evenly in log
//    scale) and normal mu - 2 sigma .. mu + 2 sigma in steps of sigma. The walk ignores the seed
//    and the history; once every combination has been proposed, it starts again from the first.
//
// Differences from Hyperopt's TPE, on purpose:
//  - the split takes ceil(gamma * n) good trials as Optuna does (Hyperopt takes
//    ceil(gamma * sqrt(n)), which keeps a single good trial up to n = 16, so a short search
//    would learn from one point);
//  - no linear forgetting (Hyperopt's starts after 25 trials; tuner budgets are smaller);
//  - quantized values stay inside the bounds (see search_space.h);
//  - no repeats: the proposal is the combination of per-parameter candidates with the highest
//    summed log l(x) / g(x) that is not the assignment of a finished trial (independent TPE's
//    choice when that is new). With quantized and categorical parameters Hyperopt often proposes
//    the best trial again and again; rerunning a deterministic trainer teaches nothing and a
//    10-trial budget cannot afford it. When every candidate combination was tried, random draws
//    are tried; in an exhausted space a repeat is proposed.
//
// Random numbers come from std::mt19937_64 with transforms written here (53-bit uniforms,
// Box-Muller normals, rejection-sampled integers) rather than <random>'s distributions, whose
// algorithms differ between standard libraries: the same seed gives the same trials on every
// platform (up to the last bits of libm's exp / log).
//
// Thread-safety: a Sampler holds its random state and is not thread-safe; use one per tuner.
// The free functions are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "tuning/search_space.h"

namespace orchard {

// A finished trial. Failed trials are not observations.
struct Observation {
  Assignment params;
  double objective = 0;  // higher is better (the tuner negates a metric it minimizes)
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  // The next trial's values, one per parameter in the space's order, given the finished trials.
  // Values in `history` that are not values of the space (unknown option, out of bounds, missing
  // parameter) are ignored for that parameter; NaN objectives are ignored.
  virtual Assignment Next(const std::vector<Observation>& history) = 0;
};

// Defaults as Hyperopt's TPE (gamma 0.25, prior_weight 1, 24 EI candidates) except
// startup_trials: Hyperopt's 20 and Optuna's 10 random startup trials would make the tutorial's
// 10-trial search pure random search; 3 random trials are enough for a first split (1 good,
// 2 bad) and leave the model most of a short budget.
struct SamplerOptions {
  uint64_t seed = 42;
  int startup_trials = 3;     // tpe: random trials before the model is used (>= 0)
  double gamma = 0.25;        // tpe: fraction of trials that are "good" (0 < gamma <= 1)
  double prior_weight = 1.0;  // tpe: weight of the prior component / pseudocount (> 0)
  int ei_candidates = 24;     // tpe: candidates drawn from l(x) per parameter (>= 1)
};

using SamplerFactory = StatusOr<std::unique_ptr<Sampler>> (*)(const SearchSpace& space,
                                                              const SamplerOptions& options);

struct SamplerRegistration {
  std::string_view name;         // as passed to MakeSampler
  std::string_view description;  // one line, for help texts
  SamplerFactory make;
};

// The samplers MakeSampler knows, in the order help texts list them. Explicit rather than
// registered by static initializers, so the list does not depend on which objects the linker
// keeps; a new sampler is one more line in sampler.cc.
std::vector<SamplerRegistration> SamplerRegistry();

// The sampler named `name` ("tpe", "random", "grid") over a validated copy of `space`.
// INVALID_PARAMETER_VALUE for an unknown name (listing the known ones), an invalid space or
// options out of range.
StatusOr<std::unique_ptr<Sampler>> MakeSampler(const std::string& name, const SearchSpace& space,
                                               const SamplerOptions& options);

// The number of grid points of one parameter and of the whole space (the product, saturating at
// SIZE_MAX). REQUIRES: a valid parameter / space.
uint64_t GridValueCount(const ParameterSpace& parameter);
size_t GridSize(const SearchSpace& space);
// The i-th grid value of a parameter, in its numeric form. REQUIRES: i < GridValueCount.
double GridValue(const ParameterSpace& parameter, uint64_t i);

namespace tpe_internal {

// A 1-D Gaussian mixture: normalized weights, centres and widths, the prior among them.
struct ParzenMixture {
  std::vector<double> weights;
  std::vector<double> mus;
  std::vector<double> sigmas;
};

// Hyperopt's adaptive_parzen_normal (without linear forgetting): the components for observations
// `mus` and a prior N(prior_mu, prior_sigma) of weight `prior_weight`, sorted by centre.
ParzenMixture AdaptiveParzenNormal(std::vector<double> mus, double prior_weight, double prior_mu,
                                   double prior_sigma);

}  // namespace tpe_internal

}  // namespace orchard
