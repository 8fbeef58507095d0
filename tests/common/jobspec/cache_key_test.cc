#include "common/jobspec/cache_key.h"

#include "common/genome/hash.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"
#include "gtest/gtest.h"

namespace nasprune::jobspec {
namespace {

struct Inputs {
  v1::Genome genome;
  v1::TrainingRecipe recipe;
  v1::DatasetSpec dataset;
  v1::Fidelity fidelity;
  std::string version = "libtorch-2";
  std::string Key() const {
    return EvaluationCacheKey(genome, recipe, dataset, fidelity, version);
  }
};

Inputs Base() {
  Inputs in;
  EXPECT_TRUE(
      LoadYamlFile("examples/genomes/reference-pruned.yaml", &in.genome).ok());
  v1::JobSpec spec;
  spec.set_name("key");
  spec.mutable_dataset()->set_name("fashion-mnist");
  auto prepared = PrepareJobSpec(spec);
  EXPECT_TRUE(prepared.ok());
  in.recipe = prepared->recipe();
  in.dataset = prepared->dataset();
  return in;
}

TEST(EvaluationCacheKey, SameEvaluationSameKey) {
  const Inputs a = Base();
  EXPECT_EQ(a.Key().size(), 32u);
  EXPECT_EQ(a.Key(), Base().Key());
  // The wall-time limit does not change a result.
  Inputs b = Base();
  b.recipe.set_max_trial_seconds(600);
  EXPECT_EQ(b.Key(), a.Key());
  // Nor does the order of a genome's map entries (canonical form).
  Inputs c = Base();
  auto ratios = c.genome.pruning().keep_ratios();
  c.genome.mutable_pruning()->clear_keep_ratios();
  std::vector<std::pair<std::string, double>> entries(ratios.begin(),
                                                      ratios.end());
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    (*c.genome.mutable_pruning()->mutable_keep_ratios())[it->first] =
        it->second;
  }
  EXPECT_EQ(c.Key(), a.Key());
}

TEST(EvaluationCacheKey, TheTwoStepFormGivesTheSameKey) {
  const Inputs a = Base();
  EXPECT_EQ(EvaluationCacheKey(genome::GenomeHash(a.genome),
                               JobKeyPart(a.recipe, a.dataset), a.fidelity,
                               a.version),
            a.Key());
  Inputs b = Base();
  b.fidelity.set_epochs(3);
  EXPECT_EQ(EvaluationCacheKey(genome::GenomeHash(b.genome),
                               JobKeyPart(b.recipe, b.dataset), b.fidelity,
                               b.version),
            b.Key());
  EXPECT_NE(a.Key(), b.Key());
}

TEST(EvaluationCacheKey, EveryPartChangesTheKey) {
  const std::string base = Base().Key();
  Inputs in = Base();
  in.genome.mutable_arch()->mutable_stem()->set_channels(
      in.genome.arch().stem().channels() + 8);
  EXPECT_NE(in.Key(), base);
  in = Base();
  in.recipe.set_learning_rate(0.05);
  EXPECT_NE(in.Key(), base);
  in = Base();
  in.dataset.set_train_subset(1000);
  EXPECT_NE(in.Key(), base);
  in = Base();
  in.fidelity.set_epochs(1);
  EXPECT_NE(in.Key(), base);
  in = Base();
  in.version = "synthetic-1";
  EXPECT_NE(in.Key(), base);
}

}  // namespace
}  // namespace nasprune::jobspec
