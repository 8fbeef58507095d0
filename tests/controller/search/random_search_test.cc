#include "controller/search/random_search.h"

#include <set>

#include "common/genome/cost.h"
#include "common/genome/default_space.h"
#include "common/genome/hash.h"
#include "common/genome/validate.h"
#include "common/jobspec/yaml_proto.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"

namespace nasprune::controller {
namespace {

using ::google::protobuf::util::MessageDifferencer;

const genome::InputSpec kGray{
    .channels = 1, .height = 28, .width = 28, .num_classes = 10};

RandomSearch::Options JointOptions(uint64_t seed) {
  return {.scope = {.space = genome::DefaultSearchSpace(kGray),
                    .mode = v1::SEARCH_MODE_JOINT},
          .input = kGray,
          .seed = seed};
}

std::vector<std::string> Hashes(const std::vector<Proposal>& proposals) {
  std::vector<std::string> hashes;
  for (const Proposal& p : proposals) hashes.push_back(p.genome_hash);
  return hashes;
}

std::unique_ptr<RandomSearch> Make(RandomSearch::Options options) {
  auto strategy = RandomSearch::Create(std::move(options));
  EXPECT_TRUE(strategy.ok()) << strategy.status();
  return *std::move(strategy);
}

TEST(RandomSearch, ProposalsAreCanonicalHashedAndInScope) {
  const RandomSearch::Options options = JointOptions(1);
  auto strategy = Make(options);
  for (const Proposal& p : strategy->Propose(200)) {
    EXPECT_EQ(p.genome_hash, genome::GenomeHash(p.genome));
    EXPECT_TRUE(MessageDifferencer::Equals(p.genome,
                                           genome::CanonicalGenome(p.genome)));
    EXPECT_TRUE(genome::ValidateGenomeInScope(p.genome, options.scope).ok());
  }
}

TEST(RandomSearch, NeverRepeatsAProposalAndStopsWhenExhausted) {
  // Pruning-only over two-conv's 3 groups with ratios {0.5, 1}: 8 genomes.
  RandomSearch::Options options = JointOptions(2);
  options.scope.mode = v1::SEARCH_MODE_PRUNING_ONLY;
  v1::Genome base;
  ASSERT_TRUE(LoadYamlFile("examples/genomes/two-conv.yaml", &base).ok());
  options.scope.base_architecture = base.arch();
  auto* pruning = options.scope.space.mutable_pruning();
  pruning->clear_criteria();
  pruning->add_criteria(v1::IMPORTANCE_CRITERION_L1);
  pruning->mutable_keep_ratio()->set_min(0.5);
  pruning->mutable_keep_ratio()->set_max(1);
  pruning->mutable_keep_ratio()->set_step(0.5);
  pruning->set_uniform_keep_ratio(false);
  pruning->clear_iterative_steps();
  pruning->clear_finetune_epochs();
  pruning->clear_distill_weights();
  pruning->clear_distill_temperatures();
  pruning->clear_low_rank_ratios();
  pruning->clear_quantize_int8();
  auto strategy = Make(options);
  std::vector<Proposal> all = strategy->Propose(5);
  EXPECT_EQ(all.size(), 5u);
  for (const Proposal& p : strategy->Propose(20)) all.push_back(p);
  const std::vector<std::string> hashes = Hashes(all);
  EXPECT_EQ(std::set<std::string>(hashes.begin(), hashes.end()).size(),
            hashes.size());
  EXPECT_EQ(all.size(), 8u);
  EXPECT_TRUE(strategy->Propose(3).empty());
}

TEST(RandomSearch, ConstraintsAreNeverViolated) {
  RandomSearch::Options options = JointOptions(3);
  options.constraints.set_max_params(15000);
  options.constraints.set_max_macs(2000000);
  auto strategy = Make(options);
  const std::vector<Proposal> proposals = strategy->Propose(300);
  EXPECT_EQ(proposals.size(), 300u);
  for (const Proposal& p : proposals) {
    const auto cost = genome::ComputeGenomeCost(p.genome, kGray);
    ASSERT_TRUE(cost.ok());
    EXPECT_LE(cost->params, 15000);
    EXPECT_LE(cost->macs, 2000000);
  }
  EXPECT_GT(strategy->Save().rejected_by_constraints(), 0);
}

TEST(RandomSearch, RestoredStrategyContinuesIdentically) {
  auto original = Make(JointOptions(4));
  const std::vector<std::string> first = Hashes(original->Propose(30));
  const v1::StrategyState saved = original->Save();
  EXPECT_EQ(saved.proposed_size(), 30);
  const std::vector<std::string> expected = Hashes(original->Propose(40));

  auto restored = Make(JointOptions(99));  // The seed comes from the state.
  ASSERT_TRUE(restored->Restore(saved).ok());
  EXPECT_EQ(Hashes(restored->Propose(40)), expected);
  EXPECT_EQ(restored->Save().SerializeAsString(),
            original->Save().SerializeAsString());
}

TEST(RandomSearch, RestoreRejectsAForeignOrBrokenState) {
  auto strategy = Make(JointOptions(5));
  v1::StrategyState state = strategy->Save();
  state.set_strategy("evolution");
  EXPECT_EQ(strategy->Restore(state).code(),
            absl::StatusCode::kInvalidArgument);
  state = strategy->Save();
  state.mutable_rng()->mutable_words()->RemoveLast();
  const absl::Status status = strategy->Restore(state);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("rng.words"), std::string::npos);
}

TEST(RandomSearch, BadScopeIsInvalidArgument) {
  RandomSearch::Options options = JointOptions(6);
  options.scope.space.clear_stem_channels();
  EXPECT_EQ(RandomSearch::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace nasprune::controller
