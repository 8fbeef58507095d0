#include "controller/search/ordered.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/jobspec/job_spec.h"
#include "common/random/rng.h"
#include "controller/search/factory.h"
#include "gtest/gtest.h"

namespace nasprune::controller {
namespace {

// Evolution with a population of 4 under ASHA (rungs of 1, 3 and 9
// epochs), so that outcomes steer both new genomes and promotions early.
v1::JobSpec Spec(int window) {
  v1::JobSpec spec;
  spec.set_name("ordered-test");
  spec.mutable_dataset()->set_name("fashion-mnist");
  auto* evolution = spec.mutable_strategy()->mutable_evolution();
  evolution->set_population_size(4);
  evolution->set_sample_size(2);
  spec.mutable_strategy()->set_reproducible_window(window);
  spec.mutable_recipe()->set_epochs(9);
  spec.mutable_multi_fidelity()->set_method(v1::MULTI_FIDELITY_METHOD_ASHA);
  spec.set_seed(3);
  auto prepared = jobspec::PrepareJobSpec(std::move(spec));
  EXPECT_TRUE(prepared.ok()) << prepared.status();
  return *prepared;
}

// The outcome of a proposal: a figure from its hash and rung, so that it
// does not depend on when it is reported.
Observation Outcome(const Proposal& p) {
  Observation o{.genome_hash = p.genome_hash, .rung = p.rung};
  const uint64_t bits = std::stoull(p.genome_hash.substr(0, 12), nullptr, 16);
  o.result.set_val_accuracy(0.5 + 0.1 * p.rung + (bits % 1000) / 4000.0);
  o.result.set_params(1000 + bits % 5000);
  if (bits % 11 == 0) {
    o.state = v1::TRIAL_STATE_FAILED;
    o.result.Clear();
  }
  return o;
}

// Runs `trials` proposals with `workers` in flight, finishing a random one
// (of `order_seed`) at a time; the proposals as "rung:hash", in order.
// Halfway it saves the strategy and goes on with a restored copy.
std::vector<std::string> Simulate(int window, int workers, uint64_t order_seed,
                                  int trials = 40) {
  const v1::JobSpec spec = Spec(window);
  std::unique_ptr<SearchStrategy> strategy = *CreateStrategy(spec);
  Rng order(order_seed);
  std::vector<Proposal> running;
  std::vector<std::string> proposed;
  bool restored = false;
  while (static_cast<int>(proposed.size()) < trials) {
    while (static_cast<int>(running.size()) < workers) {
      std::vector<Proposal> next = strategy->Propose(1);
      if (next.empty()) break;
      proposed.push_back(absl::StrCat(next[0].rung, ":", next[0].genome_hash));
      running.push_back(next[0]);
    }
    if (running.empty()) break;
    const size_t done = static_cast<size_t>(
        order.UniformInt(0, static_cast<int64_t>(running.size()) - 1));
    strategy->Observe(Outcome(running[done]));
    running.erase(running.begin() + static_cast<std::ptrdiff_t>(done));
    if (!restored && proposed.size() >= static_cast<size_t>(trials / 2)) {
      std::unique_ptr<SearchStrategy> copy = *CreateStrategy(spec);
      EXPECT_TRUE(copy->Restore(strategy->Save()).ok());
      strategy = std::move(copy);
      restored = true;
    }
  }
  return proposed;
}

TEST(OrderedSearch, SameProposalsWhateverTheWorkersAndTheOrder) {
  const std::vector<std::string> one = Simulate(3, 1, 1);
  ASSERT_EQ(one.size(), 40u);
  EXPECT_EQ(one, Simulate(3, 2, 7));
  EXPECT_EQ(one, Simulate(3, 3, 8));
  EXPECT_EQ(one, Simulate(3, 3, 9));
  int promotions = 0;
  for (const std::string& p : one) promotions += p[0] != '0';
  EXPECT_GT(promotions, 0);
}

TEST(OrderedSearch, WithoutAWindowTheOrderChangesTheProposals) {
  // The check above could not fail if outcomes did not steer the search.
  EXPECT_NE(Simulate(0, 1, 1), Simulate(0, 3, 8));
}

// Proposes "g0", "g1", … but nothing while it has observed exactly two
// outcomes; counts how often it is asked.
class DryOnce : public SearchStrategy {
 public:
  std::vector<Proposal> Propose(int count) override {
    std::vector<Proposal> out;
    for (int i = 0; i < count; ++i) {
      ++calls;
      if (observed_ == 2) break;
      Proposal p;
      p.genome_hash = absl::StrCat("g", next_++);
      out.push_back(p);
    }
    return out;
  }
  void Observe(const Observation&) override { ++observed_; }
  DrawCounts Draws() const override { return {}; }
  v1::StrategyState Save() const override { return {}; }
  absl::Status Restore(const v1::StrategyState&) override {
    return absl::OkStatus();
  }
  int calls = 0;

 private:
  int observed_ = 0;
  int next_ = 0;
};

TEST(OrderedSearch, AStrategyThatProposesNothingIsAskedOncePerRelease) {
  // However many times the job asks while outcomes arrive out of order,
  // the wrapped strategy is asked the same number of times (a strategy
  // spends random draws on every call).
  std::vector<int> calls;
  std::vector<std::vector<std::string>> proposed;
  std::vector<std::pair<int, int>> runs = {{1, 1}};
  for (int seed = 2; seed < 12; ++seed) runs.push_back({2 + seed % 2, seed});
  for (const auto& [workers, seed] : runs) {
    auto inner = std::make_unique<DryOnce>();
    DryOnce* fake = inner.get();
    auto ordered =
        *OrderedSearch::Create({.inner = std::move(inner), .window = 3});
    Rng order(static_cast<uint64_t>(seed));
    std::vector<Proposal> running;
    std::vector<std::string> hashes;
    while (hashes.size() < 12) {
      // The job asks after every outcome, whatever it was.
      std::vector<Proposal> next =
          ordered->Propose(std::min(workers - static_cast<int>(running.size()),
                                    12 - static_cast<int>(hashes.size())));
      for (Proposal& p : next) {
        hashes.push_back(p.genome_hash);
        running.push_back(p);
      }
      if (running.empty()) break;
      const size_t done = static_cast<size_t>(
          order.UniformInt(0, static_cast<int64_t>(running.size()) - 1));
      ordered->Observe({.genome_hash = running[done].genome_hash});
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(done));
    }
    calls.push_back(fake->calls);
    proposed.push_back(hashes);
  }
  ASSERT_EQ(proposed[0].size(), 12u);
  for (size_t i = 1; i < runs.size(); ++i) {
    EXPECT_EQ(calls[i], calls[0]) << "run " << i;
    EXPECT_EQ(proposed[i], proposed[0]) << "run " << i;
  }
}

TEST(OrderedSearch, AtMostTheWindowInFlight) {
  const v1::JobSpec spec = Spec(2);
  std::unique_ptr<SearchStrategy> strategy = *CreateStrategy(spec);
  const std::vector<Proposal> first = strategy->Propose(5);
  ASSERT_EQ(first.size(), 2u);
  // The second's outcome does not let the third go: the first is missing.
  strategy->Observe(Outcome(first[1]));
  EXPECT_TRUE(strategy->Propose(1).empty());
  strategy->Observe(Outcome(first[0]));
  EXPECT_EQ(strategy->Propose(5).size(), 2u);
}

TEST(OrderedSearch, RefusesBadOptionsAndForeignState) {
  EXPECT_FALSE(OrderedSearch::Create({.inner = nullptr, .window = 1}).ok());
  EXPECT_FALSE(
      OrderedSearch::Create({.inner = *CreateStrategy(Spec(0)), .window = 0})
          .ok());
  std::unique_ptr<SearchStrategy> strategy = *CreateStrategy(Spec(2));
  const absl::Status status =
      strategy->Restore((*CreateStrategy(Spec(0)))->Save());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("not \"ordered\""), std::string::npos);
}

}  // namespace
}  // namespace nasprune::controller
