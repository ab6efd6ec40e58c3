#include "tuning/sampler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <numbers>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "base/seeded_random.h"

namespace orchard {
namespace {

using Rng = SeededRandom;

// A draw from the parameter's own distribution, in its numeric form.
double DrawPrior(const ParameterSpace& p, Rng& rng) {
  switch (p.dist) {
    case Distribution::kUniform:
      return p.low + rng.Uniform() * (p.high - p.low);
    case Distribution::kQUniform:
      return Quantize(p, p.low + rng.Uniform() * (p.high - p.low));
    case Distribution::kLogUniform:
    case Distribution::kQLogUniform: {
      double log_low = std::log(p.low), log_high = std::log(p.high);
      // exp(log(x)) may differ from x in the last bit: keep the value inside the bounds.
      double value =
          std::clamp(std::exp(log_low + rng.Uniform() * (log_high - log_low)), p.low, p.high);
      return p.dist == Distribution::kQLogUniform ? Quantize(p, value) : value;
    }
    case Distribution::kRandInt:
      return p.low + static_cast<double>(rng.Below(CategoryCount(p)));
    case Distribution::kChoice:
      return static_cast<double>(rng.Below(p.options.size()));
    case Distribution::kNormal:
      return p.mu + p.sigma * rng.Normal();
  }
  return p.low;
}

Assignment DrawAssignment(const SearchSpace& space, Rng& rng) {
  Assignment assignment;
  assignment.reserve(space.parameters.size());
  for (const ParameterSpace& p : space.parameters) {
    assignment.emplace_back(p.name, FormatValue(p, DrawPrior(p, rng)));
  }
  return assignment;
}

// --- random ---

class RandomSampler : public Sampler {
 public:
  RandomSampler(SearchSpace space, uint64_t seed) : space_(std::move(space)), rng_(seed) {}

  Assignment Next(const std::vector<Observation>& /*history*/) override {
    return DrawAssignment(space_, rng_);
  }

 private:
  SearchSpace space_;
  Rng rng_;
};

// --- grid ---

// Grid points of continuous distributions are rounded to 12 significant digits: 0.425, not
// 0.42500000000000004, reaches the trainer.
double RoundForGrid(double value) {
  std::string text = fmt::format("{:.12g}", value);
  double rounded = value;
  // from_chars, unlike std::stod, ignores the C locale's decimal separator.
  std::from_chars(text.data(), text.data() + text.size(), rounded);
  return rounded + 0.0;
}

class GridSampler : public Sampler {
 public:
  explicit GridSampler(SearchSpace space) : space_(std::move(space)), size_(GridSize(space_)) {}

  Assignment Next(const std::vector<Observation>& /*history*/) override {
    // Trial `next_` is the grid point whose mixed-radix digits (last parameter fastest) spell
    // next_ mod size; the count, not the history, moves the walk on, so a failed trial (not in
    // the history) does not make the grid propose the same point again.
    uint64_t index = next_ % size_;
    ++next_;
    std::vector<double> values(space_.parameters.size());
    for (size_t j = space_.parameters.size(); j-- > 0;) {
      uint64_t count = GridValueCount(space_.parameters[j]);
      values[j] = GridValue(space_.parameters[j], index % count);
      index /= count;
    }
    Assignment assignment;
    for (size_t j = 0; j < space_.parameters.size(); ++j) {
      assignment.emplace_back(space_.parameters[j].name,
                              FormatValue(space_.parameters[j], values[j]));
    }
    return assignment;
  }

 private:
  SearchSpace space_;
  uint64_t size_;
  uint64_t next_ = 0;
};

// --- tpe ---

constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))

// P(a <= Z <= b) for a standard normal Z, a <= b, accurate in both tails (erfc of the side
// away from the centre, so two values close to 1 are never subtracted).
double NormalMass(double a, double b) {
  if (a > 0) return 0.5 * (std::erfc(a / std::numbers::sqrt2) - std::erfc(b / std::numbers::sqrt2));
  if (b < 0) {
    return 0.5 * (std::erfc(-b / std::numbers::sqrt2) - std::erfc(-a / std::numbers::sqrt2));
  }
  return 1.0 - 0.5 * (std::erfc(-a / std::numbers::sqrt2) + std::erfc(b / std::numbers::sqrt2));
}

// A Parzen mixture over the parameter's internal scale (log(x) for log distributions),
// truncated to [low, high] there when bounded: the density is the mixture's divided by its mass
// inside the bounds (Hyperopt's GMM1 / LGMM1 and their _lpdf).
class TruncatedMixture {
 public:
  TruncatedMixture(tpe_internal::ParzenMixture mixture, bool bounded, double low, double high)
      : m_(std::move(mixture)), bounded_(bounded), low_(low), high_(high) {
    if (bounded_) {
      double accept = 0;
      for (size_t i = 0; i < m_.mus.size(); ++i) {
        accept += m_.weights[i] *
                  NormalMass((low_ - m_.mus[i]) / m_.sigmas[i], (high_ - m_.mus[i]) / m_.sigmas[i]);
      }
      log_accept_ = std::log(std::max(accept, std::numeric_limits<double>::min()));
    }
  }

  // Pick a component by weight, draw from it and start over when the draw falls outside the
  // bounds, as Hyperopt does. Every component is centred inside the bounds with a width of at
  // most the range, so a draw is accepted with probability above 0.3; the cap only guards
  // against a broken mixture.
  double Sample(Rng& rng) const {
    double x = 0;
    for (int attempt = 0; attempt < 1000; ++attempt) {
      double u = rng.Uniform();
      size_t i = 0;
      while (i + 1 < m_.weights.size() && u >= m_.weights[i]) u -= m_.weights[i++];
      x = m_.mus[i] + m_.sigmas[i] * rng.Normal();
      if (!bounded_ || (low_ <= x && x < high_)) return x;
    }
    return std::clamp(x, low_, high_);
  }

  // Log density at internal x.
  double LogDensity(double x) const {
    double max_term = -std::numeric_limits<double>::infinity();
    std::vector<double> terms(m_.mus.size());
    for (size_t i = 0; i < m_.mus.size(); ++i) {
      double z = (x - m_.mus[i]) / m_.sigmas[i];
      terms[i] = std::log(m_.weights[i]) - std::log(m_.sigmas[i]) - kLogSqrt2Pi - 0.5 * z * z;
      max_term = std::max(max_term, terms[i]);
    }
    double sum = 0;
    for (double term : terms) sum += std::exp(term - max_term);
    return max_term + std::log(sum) - log_accept_;
  }

  // Log of the mass in internal [a, b] (a quantized value's bin).
  double LogMass(double a, double b) const {
    double mass = 0;
    for (size_t i = 0; i < m_.mus.size(); ++i) {
      mass += m_.weights[i] *
              NormalMass((a - m_.mus[i]) / m_.sigmas[i], (b - m_.mus[i]) / m_.sigmas[i]);
    }
    return std::log(std::max(mass, std::numeric_limits<double>::min())) - log_accept_;
  }

 private:
  tpe_internal::ParzenMixture m_;
  bool bounded_;
  double low_, high_;
  double log_accept_ = 0;
};

class TpeSampler : public Sampler {
 public:
  TpeSampler(SearchSpace space, const SamplerOptions& options)
      : space_(std::move(space)), options_(options), rng_(options.seed) {}

  Assignment Next(const std::vector<Observation>& history) override {
    std::vector<const Observation*> observations;
    for (const Observation& observation : history) {
      if (!std::isnan(observation.objective)) observations.push_back(&observation);
    }
    // The startup trials draw exactly as RandomSampler does, so with one seed both samplers
    // start with the same trials and a comparison measures only the model.
    if (observations.empty() ||
        observations.size() < static_cast<size_t>(options_.startup_trials)) {
      return DrawAssignment(space_, rng_);
    }
    // Best first; stable, so ties keep the order the trials finished in.
    std::stable_sort(
        observations.begin(), observations.end(),
        [](const Observation* a, const Observation* b) { return a->objective > b->objective; });
    size_t n = observations.size();
    // The slack keeps 0.1 * 30 = 3.0000000000000004 at 3.
    double good_count = std::ceil(options_.gamma * static_cast<double>(n) - 1e-9);
    size_t n_good = std::clamp<size_t>(static_cast<size_t>(std::max(good_count, 1.0)), 1, n);

    // Per parameter, the candidates drawn from l(x), best l(x) / g(x) first, one per text.
    std::vector<std::vector<Candidate>> ranked;
    for (const ParameterSpace& p : space_.parameters) {
      std::vector<double> good, bad;
      for (size_t i = 0; i < n; ++i) {
        const std::string* text = ValueOf(observations[i]->params, p.name);
        if (text == nullptr) continue;
        StatusOr<double> value = ParseValue(p, *text);
        if (!value.ok()) continue;
        (i < n_good ? good : bad).push_back(*value);
      }
      std::vector<Candidate> candidates =
          IsCategorical(p) ? SampleCategorical(p, good, bad) : SampleNumeric(p, good, bad);
      std::stable_sort(candidates.begin(), candidates.end(),
                       [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
      std::vector<Candidate> distinct;
      for (Candidate& candidate : candidates) {
        candidate.text = FormatValue(p, candidate.value);
        bool seen = std::any_of(distinct.begin(), distinct.end(),
                                [&](const Candidate& d) { return d.text == candidate.text; });
        if (!seen) distinct.push_back(std::move(candidate));
      }
      ranked.push_back(std::move(distinct));
    }
    return Choose(ranked, observations);
  }

 private:
  struct Candidate {
    double score = 0;  // log l(x) - log g(x)
    double value = 0;
    std::string text;
  };

  static const std::string* ValueOf(const Assignment& params, const std::string& name) {
    for (const auto& [key, value] : params) {
      if (key == name) return &value;
    }
    return nullptr;
  }

  // The combination of candidates with the highest total score (the sum of the per-parameter
  // log ratios: what independent TPE maximizes) that is not a finished trial's assignment.
  // Hyperopt and Optuna would propose the duplicate; with quantized and categorical parameters
  // TPE then often proposes the best trial again and again, and a rerun of a deterministic
  // trainer teaches nothing, which a 10-trial budget cannot afford. Combinations are visited
  // best first; when every candidate combination was tried, random draws are tried, and when
  // those repeat too (a tiny, exhausted space) the best combination is proposed anyway.
  Assignment Choose(const std::vector<std::vector<Candidate>>& ranked,
                    const std::vector<const Observation*>& observations) {
    std::set<std::vector<std::string>> tried;
    for (const Observation* observation : observations) {
      std::vector<std::string> texts;
      for (const ParameterSpace& p : space_.parameters) {
        const std::string* text = ValueOf(observation->params, p.name);
        if (text == nullptr) break;
        texts.push_back(*text);
      }
      if (texts.size() == space_.parameters.size()) tried.insert(std::move(texts));
    }
    auto assignment_of = [&](const std::vector<size_t>& picks) {
      Assignment assignment;
      for (size_t j = 0; j < picks.size(); ++j) {
        assignment.emplace_back(space_.parameters[j].name, ranked[j][picks[j]].text);
      }
      return assignment;
    };
    auto texts_of = [](const Assignment& assignment) {
      std::vector<std::string> texts;
      for (const auto& entry : assignment) texts.push_back(entry.second);
      return texts;
    };
    using Node = std::pair<double, std::vector<size_t>>;  // total score, pick per parameter
    // Highest total first; on a tie, the earlier picks, so the order is fully determined.
    auto lower = [](const Node& a, const Node& b) {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    };
    std::priority_queue<Node, std::vector<Node>, decltype(lower)> frontier(lower);
    std::set<std::vector<size_t>> queued;
    auto push = [&](std::vector<size_t> picks) {
      if (!queued.insert(picks).second) return;
      double total = 0;
      for (size_t j = 0; j < picks.size(); ++j) total += ranked[j][picks[j]].score;
      frontier.emplace(total, std::move(picks));
    };
    const std::vector<size_t> best(space_.parameters.size(), 0);
    push(best);
    // Bounded so a long history of duplicates cannot make a proposal slow.
    for (int visited = 0; !frontier.empty() && visited < 1000; ++visited) {
      std::vector<size_t> picks = frontier.top().second;
      frontier.pop();
      Assignment assignment = assignment_of(picks);
      if (!tried.contains(texts_of(assignment))) return assignment;
      for (size_t j = 0; j < picks.size(); ++j) {
        if (picks[j] + 1 < ranked[j].size()) {
          std::vector<size_t> next = picks;
          ++next[j];
          push(std::move(next));
        }
      }
    }
    for (int attempt = 0; attempt < 100; ++attempt) {
      Assignment assignment = DrawAssignment(space_, rng_);
      if (!tried.contains(texts_of(assignment))) return assignment;
    }
    return assignment_of(best);
  }

  // Hyperopt's ap_categorical_sampler / ap_randint_sampler: P(k) = (count_k + prior_weight) /
  // (n + K * prior_weight). Categories are never enumerated, so a randint over millions of
  // integers costs no more than a choice of two.
  std::vector<Candidate> SampleCategorical(const ParameterSpace& p, const std::vector<double>& good,
                                           const std::vector<double>& bad) {
    const double offset = p.dist == Distribution::kRandInt ? p.low : 0.0;
    const uint64_t k_count = CategoryCount(p);
    const double pw = options_.prior_weight;
    std::map<uint64_t, double> good_counts, bad_counts;
    std::vector<uint64_t> good_categories;
    for (double v : good) {
      good_categories.push_back(static_cast<uint64_t>(v - offset));
      good_counts[good_categories.back()] += 1;
    }
    for (double v : bad) bad_counts[static_cast<uint64_t>(v - offset)] += 1;
    const double good_total = static_cast<double>(good.size()) + static_cast<double>(k_count) * pw;
    const double bad_total = static_cast<double>(bad.size()) + static_cast<double>(k_count) * pw;
    auto count_of = [](const std::map<uint64_t, double>& counts, uint64_t k) {
      auto it = counts.find(k);
      return it == counts.end() ? 0.0 : it->second;
    };

    std::vector<Candidate> candidates;
    for (int c = 0; c < options_.ei_candidates; ++c) {
      // A draw from l: an observed good value with probability n_good / total, else any category
      // (the pseudocounts), which together give (count_k + pw) / total.
      double u = rng_.Uniform() * good_total;
      uint64_t k = u < static_cast<double>(good_categories.size())
                       ? good_categories[static_cast<size_t>(u)]
                       : rng_.Below(k_count);
      double score = std::log((count_of(good_counts, k) + pw) / good_total) -
                     std::log((count_of(bad_counts, k) + pw) / bad_total);
      candidates.push_back({score, static_cast<double>(k) + offset, ""});
    }
    return candidates;
  }

  std::vector<Candidate> SampleNumeric(const ParameterSpace& p, const std::vector<double>& good,
                                       const std::vector<double>& bad) {
    const bool log_scale = IsLogScale(p);
    const bool bounded = p.dist != Distribution::kNormal;
    auto internal = [log_scale](double v) { return log_scale ? std::log(v) : v; };
    const double low = bounded ? internal(p.low) : 0.0;
    const double high = bounded ? internal(p.high) : 0.0;
    // Hyperopt's priors: the middle of the (log) range with the whole range as width; normal:
    // the declared mu and sigma.
    const double prior_mu = bounded ? 0.5 * (low + high) : p.mu;
    const double prior_sigma = bounded ? high - low : p.sigma;
    auto mixture = [&](const std::vector<double>& values) {
      std::vector<double> mus;
      for (double v : values) mus.push_back(internal(v));
      return TruncatedMixture(tpe_internal::AdaptiveParzenNormal(
                                  std::move(mus), options_.prior_weight, prior_mu, prior_sigma),
                              bounded, low, high);
    };
    const TruncatedMixture l = mixture(good);
    const TruncatedMixture g = mixture(bad);

    auto log_density = [&](const TruncatedMixture& m, double v) {
      if (!IsQuantized(p)) return m.LogDensity(internal(v));
      // A quantized value stands for its bin [v - q/2, v + q/2] inside the bounds (Hyperopt's
      // GMM1_lpdf / LGMM1_lpdf with q).
      double a = std::max(v - 0.5 * p.q, p.low);
      double b = std::min(v + 0.5 * p.q, p.high);
      return m.LogMass(internal(a), internal(b));
    };

    std::vector<Candidate> candidates;
    for (int c = 0; c < options_.ei_candidates; ++c) {
      double x = l.Sample(rng_);
      double v = log_scale ? std::exp(x) : x;
      if (bounded) v = std::clamp(v, p.low, p.high);
      if (IsQuantized(p)) v = Quantize(p, v);
      double score = log_density(l, v) - log_density(g, v);
      // NaN cannot come from finite mixtures; guard the ordering anyway.
      candidates.push_back({std::isnan(score) ? -HUGE_VAL : score, v, ""});
    }
    return candidates;
  }

  SearchSpace space_;
  SamplerOptions options_;
  Rng rng_;
};

// --- Registry ---

StatusOr<std::unique_ptr<Sampler>> MakeRandom(const SearchSpace& space,
                                              const SamplerOptions& options) {
  return std::unique_ptr<Sampler>(std::make_unique<RandomSampler>(space, options.seed));
}

StatusOr<std::unique_ptr<Sampler>> MakeTpe(const SearchSpace& space,
                                           const SamplerOptions& options) {
  return std::unique_ptr<Sampler>(std::make_unique<TpeSampler>(space, options));
}

StatusOr<std::unique_ptr<Sampler>> MakeGrid(const SearchSpace& space,
                                            const SamplerOptions& /*options*/) {
  return std::unique_ptr<Sampler>(std::make_unique<GridSampler>(space));
}

Status ValidateOptions(const SamplerOptions& options) {
  if (options.startup_trials < 0) {
    return Status::InvalidParameter(
        fmt::format("startup_trials must be 0 or more; got {}", options.startup_trials));
  }
  if (!(options.gamma > 0 && options.gamma <= 1)) {
    return Status::InvalidParameter(
        fmt::format("gamma must be in (0, 1]; got {}", ShortestDouble(options.gamma)));
  }
  if (!(options.prior_weight > 0) || !std::isfinite(options.prior_weight)) {
    return Status::InvalidParameter(
        fmt::format("prior_weight must be above 0; got {}", ShortestDouble(options.prior_weight)));
  }
  if (options.ei_candidates < 1) {
    return Status::InvalidParameter(
        fmt::format("ei_candidates must be 1 or more; got {}", options.ei_candidates));
  }
  return Status::Ok();
}

}  // namespace

std::vector<SamplerRegistration> SamplerRegistry() {
  return {
      {"tpe", "Tree-structured Parzen Estimator (Hyperopt's TPE), random for the first trials",
       &MakeTpe},
      {"random", "independent random draws from each parameter's distribution", &MakeRandom},
      {"grid", "every combination of grid values, in order", &MakeGrid},
  };
}

StatusOr<std::unique_ptr<Sampler>> MakeSampler(const std::string& name, const SearchSpace& space,
                                               const SamplerOptions& options) {
  std::vector<SamplerRegistration> registry = SamplerRegistry();
  auto it = std::find_if(registry.begin(), registry.end(),
                         [&name](const SamplerRegistration& r) { return r.name == name; });
  if (it == registry.end()) {
    std::string names;
    for (const SamplerRegistration& r : registry) {
      if (!names.empty()) names += ", ";
      names += r.name;
    }
    return Status::InvalidParameter(
        fmt::format("unknown sampler '{}'; valid samplers: {}", name, names));
  }
  ORCHARD_RETURN_IF_ERROR(ValidateSearchSpace(space));
  ORCHARD_RETURN_IF_ERROR(ValidateOptions(options));
  return it->make(space, options);
}

uint64_t GridValueCount(const ParameterSpace& p) {
  if (IsCategorical(p)) return CategoryCount(p);
  if (IsQuantized(p)) return static_cast<uint64_t>(MaxQuantum(p) - MinQuantum(p)) + 1;
  return 5;
}

size_t GridSize(const SearchSpace& space) {
  uint64_t size = 1;
  for (const ParameterSpace& p : space.parameters) {
    uint64_t count = GridValueCount(p);
    if (count != 0 && size > std::numeric_limits<uint64_t>::max() / count) {
      return std::numeric_limits<size_t>::max();
    }
    size *= count;
  }
  if (size > std::numeric_limits<size_t>::max()) return std::numeric_limits<size_t>::max();
  return static_cast<size_t>(size);
}

double GridValue(const ParameterSpace& p, uint64_t i) {
  const double step = static_cast<double>(i) / 4.0;  // the 5 points of continuous distributions
  switch (p.dist) {
    case Distribution::kChoice:
      return static_cast<double>(i);
    case Distribution::kRandInt:
      return p.low + static_cast<double>(i);
    case Distribution::kQUniform:
    case Distribution::kQLogUniform:
      return QuantumValue(p, MinQuantum(p) + static_cast<int64_t>(i));
    case Distribution::kUniform:
      if (i == 0) return p.low;
      if (i >= 4) return p.high;
      return RoundForGrid(p.low + step * (p.high - p.low));
    case Distribution::kLogUniform: {
      if (i == 0) return p.low;
      if (i >= 4) return p.high;
      double log_low = std::log(p.low), log_high = std::log(p.high);
      return std::clamp(RoundForGrid(std::exp(log_low + step * (log_high - log_low))), p.low,
                        p.high);
    }
    case Distribution::kNormal:
      return RoundForGrid(p.mu + (static_cast<double>(i) - 2.0) * p.sigma);
  }
  return p.low;
}

namespace tpe_internal {

ParzenMixture AdaptiveParzenNormal(std::vector<double> mus, double prior_weight, double prior_mu,
                                   double prior_sigma) {
  std::sort(mus.begin(), mus.end());
  ParzenMixture m;
  size_t prior_pos = 0;
  if (mus.empty()) {
    m.mus = {prior_mu};
    m.sigmas = {prior_sigma};
  } else if (mus.size() == 1) {
    // One observation: half the prior's width (Hyperopt's special case).
    if (prior_mu < mus[0]) {
      m.mus = {prior_mu, mus[0]};
      m.sigmas = {prior_sigma, 0.5 * prior_sigma};
    } else {
      prior_pos = 1;
      m.mus = {mus[0], prior_mu};
      m.sigmas = {0.5 * prior_sigma, prior_sigma};
    }
  } else {
    // The prior goes in sorted position (numpy's searchsorted, left), then each component's
    // width is the larger gap to its neighbours; the end ones have one neighbour.
    prior_pos =
        static_cast<size_t>(std::lower_bound(mus.begin(), mus.end(), prior_mu) - mus.begin());
    m.mus = mus;
    m.mus.insert(m.mus.begin() + static_cast<std::ptrdiff_t>(prior_pos), prior_mu);
    size_t count = m.mus.size();
    m.sigmas.assign(count, 0.0);
    for (size_t i = 1; i + 1 < count; ++i) {
      m.sigmas[i] = std::max(m.mus[i] - m.mus[i - 1], m.mus[i + 1] - m.mus[i]);
    }
    m.sigmas[0] = m.mus[1] - m.mus[0];
    m.sigmas[count - 1] = m.mus[count - 1] - m.mus[count - 2];
  }
  // Hyperopt's "magic formula": no wider than the prior, no narrower than prior / (1 + number
  // of components) (at most 100 times narrower), so a cluster of equal values keeps a width.
  const double max_sigma = prior_sigma;
  const double min_sigma = prior_sigma / std::min(100.0, 1.0 + static_cast<double>(m.mus.size()));
  for (double& sigma : m.sigmas) sigma = std::clamp(sigma, min_sigma, max_sigma);
  m.sigmas[prior_pos] = prior_sigma;

  m.weights.assign(m.mus.size(), 1.0);
  m.weights[prior_pos] = prior_weight;
  double total = 0;
  for (double w : m.weights) total += w;
  for (double& w : m.weights) w /= total;
  return m;
}

}  // namespace tpe_internal

}  // namespace orchard
