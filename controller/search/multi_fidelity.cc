#include "controller/search/multi_fidelity.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "controller/search/nsga2.h"
#include "controller/search/reward.h"

namespace nasprune::controller {

absl::StatusOr<std::unique_ptr<MultiFidelity>> MultiFidelity::Create(
    Options options) {
  if (options.inner == nullptr) {
    return absl::InvalidArgumentError(
        "multi_fidelity: needs a strategy to wrap");
  }
  if (options.rungs.empty()) {
    return absl::InvalidArgumentError("multi_fidelity: needs at least a rung");
  }
  if (options.reduction_factor < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "multi_fidelity.reduction_factor: ", options.reduction_factor,
        " is below 2"));
  }
  if (options.method != v1::MULTI_FIDELITY_METHOD_ASHA &&
      options.method != v1::MULTI_FIDELITY_METHOD_SUCCESSIVE_HALVING) {
    options.method = v1::MULTI_FIDELITY_METHOD_NONE;
    options.rungs = {options.rungs.back()};
  }
  return std::unique_ptr<MultiFidelity>(new MultiFidelity(std::move(options)));
}

MultiFidelity::MultiFidelity(Options options) : options_(std::move(options)) {}

int64_t MultiFidelity::BracketSize(int rung) const {
  int64_t n = 1;
  for (int k = rung; k < top(); ++k) n *= options_.reduction_factor;
  return n;
}

Proposal MultiFidelity::Make(const v1::Genome& genome, const std::string& hash,
                             int rung, int64_t bracket) {
  v1::SearchMember member;
  *member.mutable_genome() = genome;
  member.set_genome_hash(hash);
  member.set_birth(static_cast<int64_t>(members_.size()));
  member.set_rung(rung);
  member.set_bracket(bracket);
  index_[{hash, rung}] = members_.size();
  members_.push_back(std::move(member));
  return {.genome = genome,
          .genome_hash = hash,
          .fidelity = options_.rungs[rung],
          .rung = rung};
}

std::vector<size_t> MultiFidelity::Ranked(int rung, int64_t bracket) const {
  std::vector<size_t> indices;
  std::vector<v1::SearchMember> results;
  for (size_t i = 0; i < members_.size(); ++i) {
    const v1::SearchMember& m = members_[i];
    if (m.rung() != rung || (bracket >= 0 && m.bracket() != bracket) ||
        !m.observed() || m.failed() || m.stopped()) {
      continue;
    }
    indices.push_back(i);
    if (options_.multi_objective) results.push_back(m);
  }
  std::vector<size_t> order(indices.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (options_.multi_objective) {
    const RankedPopulation ranked = RankMembers(results);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return CrowdedBetter(ranked, a, b);
    });
  } else {
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return members_[indices[a]].reward() > members_[indices[b]].reward();
    });
  }
  std::vector<size_t> out;
  for (size_t i : order) out.push_back(indices[i]);
  return out;
}

bool MultiFidelity::NextPromotion(Proposal* out) {
  if (options_.method == v1::MULTI_FIDELITY_METHOD_NONE) return false;
  const size_t eta = static_cast<size_t>(options_.reduction_factor);
  auto promote_first_unpromoted = [&](const std::vector<size_t>& ranked,
                                      int rung) {
    for (size_t j = 0; j < ranked.size() / eta; ++j) {
      v1::SearchMember& m = members_[ranked[j]];
      if (m.promoted()) continue;
      m.set_promoted(true);
      const v1::SearchMember copy = m;  // Make() may reallocate members_.
      *out = Make(copy.genome(), copy.genome_hash(), rung + 1, copy.bracket());
      return true;
    }
    return false;
  };
  if (options_.method == v1::MULTI_FIDELITY_METHOD_ASHA) {
    for (int k = top() - 1; k >= 0; --k) {
      if (promote_first_unpromoted(Ranked(k, -1), k)) return true;
    }
    return false;
  }
  // Successive halving: a bracket's rung promotes once it is complete:
  // rung 0 holds the bracket's full size, a higher rung holds every
  // promotion of the rung below, and all of them have an outcome.
  struct Tally {
    int64_t count = 0;
    int64_t pending = 0;
  };
  std::map<std::pair<int64_t, int>, Tally> tally;
  for (const v1::SearchMember& m : members_) {
    Tally& t = tally[{m.bracket(), m.rung()}];
    ++t.count;
    t.pending += !m.observed();
  }
  std::map<int64_t, bool> brackets;
  for (const auto& [key, t] : tally) brackets[key.first] = true;
  for (int k = top() - 1; k >= 0; --k) {
    for (const auto& [bracket, unused] : brackets) {
      bool complete = true;
      int64_t expected = BracketSize(0);
      for (int r = 0; r <= k && complete; ++r) {
        const Tally t =
            tally.contains({bracket, r}) ? tally[{bracket, r}] : Tally{};
        complete = t.count == expected && t.pending == 0;
        if (r < k) {
          expected = std::min<int64_t>(
              static_cast<int64_t>(Ranked(r, bracket).size()) /
                  options_.reduction_factor,
              expected / options_.reduction_factor);
        }
      }
      if (complete && promote_first_unpromoted(Ranked(k, bracket), k)) {
        return true;
      }
    }
  }
  return false;
}

std::vector<Proposal> MultiFidelity::Propose(int count) {
  std::vector<Proposal> proposals;
  for (int i = 0; i < count; ++i) {
    Proposal p;
    if (NextPromotion(&p)) {
      proposals.push_back(std::move(p));
      continue;
    }
    std::vector<Proposal> fresh = options_.inner->Propose(1);
    if (fresh.empty()) break;
    if (options_.method == v1::MULTI_FIDELITY_METHOD_SUCCESSIVE_HALVING) {
      if (open_bracket_size_ == BracketSize(0)) {
        ++open_bracket_;
        open_bracket_size_ = 0;
      }
      ++open_bracket_size_;
    }
    Proposal proposal =
        Make(fresh[0].genome, fresh[0].genome_hash, 0, open_bracket_);
    proposal.parent_hash = std::move(fresh[0].parent_hash);
    proposal.parent_rung = fresh[0].parent_rung;
    proposals.push_back(std::move(proposal));
  }
  return proposals;
}

void MultiFidelity::Observe(const Observation& observation) {
  const auto it = index_.find({observation.genome_hash, observation.rung});
  if (it == index_.end()) return;
  v1::SearchMember& m = members_[it->second];
  if (m.observed()) return;
  m.set_observed(true);
  if (observation.state == v1::TRIAL_STATE_FAILED) {
    m.set_failed(true);
  } else {
    m.set_stopped(observation.state == v1::TRIAL_STATE_EARLY_STOPPED);
    for (double v : ObjectiveVector(options_.objectives, observation.result)) {
      m.add_objectives(v);
    }
    m.set_reward(ScalarReward(options_.objectives, observation.result));
    m.set_violation(
        MeasuredViolation(options_.constraints, observation.result));
  }
  // The wrapped strategy sees every rung-0 outcome, and each later
  // (higher-fidelity) result of the same genome, which replaces the figures
  // it holds.
  if (observation.rung == 0 || observation.state == v1::TRIAL_STATE_SUCCEEDED) {
    options_.inner->Observe(observation);
  }
  if (options_.median_stopping &&
      observation.state == v1::TRIAL_STATE_SUCCEEDED) {
    v1::Curve curve;
    curve.set_rung(observation.rung);
    for (const v1::EpochMetrics& e : observation.result.epochs()) {
      if (e.phase() == v1::PHASE_TRAIN)
        curve.add_val_accuracy(e.val_accuracy());
    }
    if (curve.val_accuracy_size() > 0) curves_.push_back(std::move(curve));
  }
}

bool MultiFidelity::ShouldStop(const std::string& genome_hash, int rung,
                               const std::vector<double>& val_accuracy) {
  (void)genome_hash;
  const int s = static_cast<int>(val_accuracy.size());
  if (!options_.median_stopping || s == 0 ||
      s <= options_.median_grace_epochs) {
    return false;
  }
  std::vector<double> means;
  for (const v1::Curve& c : curves_) {
    if (c.rung() != rung || c.val_accuracy_size() < s) continue;
    double sum = 0;
    for (int i = 0; i < s; ++i) sum += c.val_accuracy(i);
    means.push_back(sum / s);
  }
  if (static_cast<int>(means.size()) < options_.median_min_trials) {
    return false;
  }
  std::sort(means.begin(), means.end());
  const size_t n = means.size();
  const double median =
      n % 2 == 1 ? means[n / 2] : (means[n / 2 - 1] + means[n / 2]) / 2;
  return *std::max_element(val_accuracy.begin(), val_accuracy.end()) < median;
}

v1::StrategyState MultiFidelity::Save() const {
  v1::StrategyState state;
  state.set_strategy("multi_fidelity");
  *state.mutable_inner() = options_.inner->Save();
  for (const v1::SearchMember& m : members_) *state.add_rung_members() = m;
  for (const v1::Curve& c : curves_) *state.add_curves() = c;
  return state;
}

absl::Status MultiFidelity::Restore(const v1::StrategyState& state) {
  if (state.strategy() != "multi_fidelity") {
    return absl::InvalidArgumentError(
        absl::StrCat("strategy: the state is of \"", state.strategy(),
                     "\", not \"multi_fidelity\""));
  }
  for (const v1::SearchMember& m : state.rung_members()) {
    if (m.rung() < 0 || m.rung() > top()) {
      return absl::InvalidArgumentError(
          absl::StrCat("strategy.rung_members: ", m.genome_hash(),
                       " is at rung ", m.rung(), ", the job has ", top() + 1));
    }
  }
  if (absl::Status status = options_.inner->Restore(state.inner());
      !status.ok()) {
    return status;
  }
  members_.assign(state.rung_members().begin(), state.rung_members().end());
  index_.clear();
  open_bracket_ = 0;
  open_bracket_size_ = 0;
  for (size_t i = 0; i < members_.size(); ++i) {
    const v1::SearchMember& m = members_[i];
    index_[{m.genome_hash(), m.rung()}] = i;
    if (m.rung() == 0) {
      if (m.bracket() != open_bracket_) open_bracket_size_ = 0;
      open_bracket_ = m.bracket();
      ++open_bracket_size_;
    }
  }
  curves_.assign(state.curves().begin(), state.curves().end());
  return absl::OkStatus();
}

}  // namespace nasprune::controller
