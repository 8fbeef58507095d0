#ifndef NASPRUNE_TESTS_CONTROLLER_SEARCH_STRATEGY_TESTING_H_
#define NASPRUNE_TESTS_CONTROLLER_SEARCH_STRATEGY_TESTING_H_

// Shared pieces of the search strategy tests: the default joint scope, a
// made-up but deterministic evaluation, and the asynchronous propose/observe
// rounds that the save/restore tests replay.

#include <functional>
#include <string>
#include <vector>

#include "common/genome/cost.h"
#include "common/genome/default_space.h"
#include "common/genome/search_scope.h"
#include "controller/search/strategy.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace nasprune::controller::testing {

inline const genome::InputSpec kGray{
    .channels = 1, .height = 28, .width = 28, .num_classes = 10};

inline genome::SearchScope JointScope() {
  return {.space = genome::DefaultSearchSpace(kGray),
          .mode = v1::SEARCH_MODE_JOINT};
}

inline v1::Objective Objective(v1::Metric metric, double target = 0) {
  v1::Objective o;
  o.set_metric(metric);
  o.set_target(target);
  return o;
}

// A made-up result: wider stems score higher; params and MACs are the
// genome's analytic ones.
inline Observation MadeUp(const Proposal& p) {
  Observation o{.genome_hash = p.genome_hash, .rung = p.rung};
  o.result.set_val_accuracy(p.genome.arch().stem().channels() / 100.0);
  const auto cost = genome::ComputeGenomeCost(p.genome, kGray);
  EXPECT_TRUE(cost.ok()) << cost.status();
  if (cost.ok()) {
    o.result.set_params(cost->params);
    o.result.set_macs(cost->macs);
  }
  return o;
}

inline std::vector<std::string> Hashes(const std::vector<Proposal>& proposals) {
  std::vector<std::string> hashes;
  for (const Proposal& p : proposals) hashes.push_back(p.genome_hash);
  return hashes;
}

// Runs `rounds` of propose-3 / observe-all-but-the-last (observing the
// previous round's last first), leaving proposals in flight; returns the
// hashes proposed.
inline std::vector<std::string> RunRounds(
    SearchStrategy& s, int rounds, std::vector<Proposal>* in_flight,
    const std::function<Observation(const Proposal&)>& evaluate = MadeUp) {
  std::vector<std::string> hashes;
  for (int r = 0; r < rounds; ++r) {
    std::vector<Proposal> batch = s.Propose(3);
    EXPECT_EQ(batch.size(), 3u);
    if (batch.size() < 3) return hashes;
    for (const Proposal& p : batch) hashes.push_back(p.genome_hash);
    for (const Proposal& p : *in_flight) s.Observe(evaluate(p));
    in_flight->clear();
    s.Observe(evaluate(batch[0]));
    s.Observe(evaluate(batch[1]));
    in_flight->push_back(batch[2]);
  }
  return hashes;
}

// Saves `original` after `before` rounds, and checks that `fresh` (made
// with another seed) restored from it proposes what the original does over
// `after` more rounds, and ends in the same state.
inline void ExpectRestoredContinuesIdentically(
    SearchStrategy& original, SearchStrategy& fresh, int before, int after,
    const std::function<Observation(const Proposal&)>& evaluate = MadeUp) {
  std::vector<Proposal> in_flight;
  RunRounds(original, before, &in_flight, evaluate);
  const v1::StrategyState saved = original.Save();
  std::vector<Proposal> in_flight_copy = in_flight;
  const std::vector<std::string> expected =
      RunRounds(original, after, &in_flight, evaluate);
  ASSERT_TRUE(fresh.Restore(saved).ok());
  EXPECT_EQ(RunRounds(fresh, after, &in_flight_copy, evaluate), expected);
  // Maps serialize in no fixed order, so compare as messages.
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
      fresh.Save(), original.Save()));
}

}  // namespace nasprune::controller::testing

#endif  // NASPRUNE_TESTS_CONTROLLER_SEARCH_STRATEGY_TESTING_H_
