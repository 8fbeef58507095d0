#include "controller/search/factory.h"

#include "common/jobspec/job_spec.h"
#include "gtest/gtest.h"

namespace nasprune::controller {
namespace {

v1::JobSpec Prepared(v1::JobSpec spec) {
  if (spec.name().empty()) spec.set_name("factory-test");
  if (spec.dataset().name().empty())
    spec.mutable_dataset()->set_name("fashion-mnist");
  auto prepared = jobspec::PrepareJobSpec(std::move(spec));
  EXPECT_TRUE(prepared.ok()) << prepared.status();
  return *prepared;
}

TEST(CreateStrategy, MakesTheKindTheSpecAsksFor) {
  v1::JobSpec spec;
  EXPECT_EQ((*CreateStrategy(Prepared(spec)))->Save().strategy(), "evolution");
  spec.mutable_strategy()->mutable_random();
  EXPECT_EQ((*CreateStrategy(Prepared(spec)))->Save().strategy(), "random");
  spec.mutable_strategy()->mutable_reinforce()->set_hidden_size(8);
  EXPECT_EQ((*CreateStrategy(Prepared(spec)))->Save().strategy(), "reinforce");
  spec.mutable_strategy()->mutable_nsga2();
  spec.add_objectives()->set_metric(v1::METRIC_ACCURACY);
  spec.add_objectives()->set_metric(v1::METRIC_PARAMS);
  auto nsga2 = CreateStrategy(Prepared(spec));
  ASSERT_TRUE(nsga2.ok()) << nsga2.status();
  EXPECT_EQ((*nsga2)->Save().strategy(), "nsga2");
  const std::vector<Proposal> p = (*nsga2)->Propose(5);
  EXPECT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0].rung, 0);
}

TEST(CreateStrategy, MultiFidelityWrapsTheStrategy) {
  v1::JobSpec spec;
  spec.mutable_multi_fidelity()->set_method(v1::MULTI_FIDELITY_METHOD_ASHA);
  auto strategy = CreateStrategy(Prepared(spec));
  ASSERT_TRUE(strategy.ok()) << strategy.status();
  const v1::StrategyState state = (*strategy)->Save();
  EXPECT_EQ(state.strategy(), "multi_fidelity");
  EXPECT_EQ(state.inner().strategy(), "evolution");
  EXPECT_EQ((*strategy)->Propose(1)[0].fidelity.epochs(), 1);

  v1::JobSpec median;
  median.mutable_multi_fidelity()->set_median_stopping(true);
  EXPECT_EQ((*CreateStrategy(Prepared(median)))->Save().strategy(),
            "multi_fidelity");
}

TEST(CreateStrategy, SameSeedSameProposals) {
  v1::JobSpec spec;
  spec.set_seed(42);
  const v1::JobSpec prepared = Prepared(spec);
  auto a = *CreateStrategy(prepared);
  auto b = *CreateStrategy(prepared);
  EXPECT_EQ(a->Propose(10)[9].genome_hash, b->Propose(10)[9].genome_hash);
}

TEST(CreateStrategy, ScreeningGivesTheStrategyAPredictor) {
  v1::JobSpec spec;
  spec.mutable_multi_fidelity()->set_method(v1::MULTI_FIDELITY_METHOD_ASHA);
  spec.set_seed(5);
  auto plain = CreateStrategy(Prepared(spec));
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_FALSE((*plain)->ScreeningRecord().has_value());
  spec.mutable_strategy()->mutable_screening()->set_candidates(8);
  spec.mutable_strategy()->set_reproducible_window(2);
  auto screened = CreateStrategy(Prepared(spec));
  ASSERT_TRUE(screened.ok()) << screened.status();
  // Through the ordered and multi-fidelity wrappers.
  ASSERT_TRUE((*screened)->ScreeningRecord().has_value());
  EXPECT_EQ((*screened)->ScreeningRecord()->observations(), 0);
  // Until it has learnt enough it changes nothing.
  EXPECT_EQ((*screened)->Propose(2)[1].genome_hash,
            (*plain)->Propose(2)[1].genome_hash);
}

std::vector<int32_t> Resumes(const v1::Fidelity& f) {
  return {f.resume_epochs().begin(), f.resume_epochs().end()};
}

TEST(RungFidelities, GeometricBelowTheFullFidelity) {
  v1::JobSpec spec;
  spec.mutable_recipe()->set_epochs(9);
  EXPECT_EQ(RungFidelities(Prepared(spec)).size(), 1u);  // No multi-fidelity.
  spec.mutable_multi_fidelity()->set_method(v1::MULTI_FIDELITY_METHOD_ASHA);
  std::vector<v1::Fidelity> rungs = RungFidelities(Prepared(spec));
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_EQ(rungs[0].epochs(), 1);
  EXPECT_EQ(rungs[1].epochs(), 3);
  EXPECT_EQ(rungs[2].epochs(), 0);
  // Promotions continue from the rungs below by default.
  EXPECT_TRUE(rungs[0].resume_epochs().empty());
  EXPECT_EQ(std::vector<int32_t>(rungs[1].resume_epochs().begin(),
                                 rungs[1].resume_epochs().end()),
            std::vector<int32_t>({1}));
  EXPECT_EQ(std::vector<int32_t>(rungs[2].resume_epochs().begin(),
                                 rungs[2].resume_epochs().end()),
            std::vector<int32_t>({1, 3}));
  // Without continuation every rung trains from scratch, and the top one
  // is the full fidelity: it shares the cache with single-fidelity jobs.
  spec.mutable_multi_fidelity()->set_continue_promotions(false);
  rungs = RungFidelities(Prepared(spec));
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_TRUE(rungs[1].resume_epochs().empty());
  EXPECT_EQ(rungs[2].ByteSizeLong(), 0u);
  spec.mutable_multi_fidelity()->clear_continue_promotions();

  spec.mutable_recipe()->set_epochs(10);
  spec.mutable_multi_fidelity()->set_reduction_factor(2);
  spec.mutable_multi_fidelity()->set_min_resource(2);
  rungs = RungFidelities(Prepared(spec));
  ASSERT_EQ(rungs.size(), 4u);  // 2, 4, 8, 10.
  EXPECT_EQ(rungs[2].epochs(), 8);
  EXPECT_EQ(rungs[3].epochs(), 0);
  EXPECT_EQ(Resumes(rungs[2]), (std::vector<int32_t>{2, 4}));
  // 8 → 10 would be a 2-epoch segment after a 4-epoch one: the top rung
  // continues from the 4-epoch rung instead (6 more epochs).
  EXPECT_EQ(Resumes(rungs[3]), (std::vector<int32_t>{2, 4}));

  // The defaults (10 epochs, η = 3, rungs 1, 3, 9, 10): the top rung
  // continues from 3 epochs, not with a 1-epoch restart after 9.
  v1::JobSpec defaults;
  defaults.mutable_multi_fidelity()->set_method(v1::MULTI_FIDELITY_METHOD_ASHA);
  rungs = RungFidelities(Prepared(defaults));
  ASSERT_EQ(rungs.size(), 4u);
  EXPECT_EQ(Resumes(rungs[2]), (std::vector<int32_t>{1, 3}));
  EXPECT_EQ(Resumes(rungs[3]), (std::vector<int32_t>{1, 3}));

  v1::JobSpec subset;
  subset.mutable_multi_fidelity()->set_method(
      v1::MULTI_FIDELITY_METHOD_SUCCESSIVE_HALVING);
  subset.mutable_multi_fidelity()->set_resource(
      v1::FIDELITY_RESOURCE_TRAIN_SUBSET);
  subset.mutable_multi_fidelity()->set_min_resource(1000);
  rungs = RungFidelities(Prepared(subset));
  ASSERT_EQ(rungs.size(), 3u);
  EXPECT_EQ(rungs[0].train_subset(), 1000);
  EXPECT_EQ(rungs[1].train_subset(), 3000);
  EXPECT_EQ(rungs[2].train_subset(), 0);          // The whole split.
  EXPECT_TRUE(rungs[2].resume_epochs().empty());  // Nothing to continue.
}

}  // namespace
}  // namespace nasprune::controller
