#include "common/genome/hash.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "common/canonical/canonical.h"
#include "gtest/gtest.h"
#include "tests/common/genome/fixtures.h"

namespace nasprune::genome {
namespace {

using testing::PrunedRichGenome;
using testing::RichGenome;
using testing::TinyGenome;

TEST(GenomeHash, GoldenCanonicalTextAndHash) {
  // The expected hash was computed outside this code base, as
  // sha256(b"nasprune.v1.Genome\0" + text)[:32] over the literal text below.
  // If this test fails, every stored cache key changes: bump the evaluator
  // version instead of editing the golden values.
  const std::string text = CanonicalText(CanonicalGenome(TinyGenome()));
  EXPECT_EQ(text,
            "{arch={stem={channels=8;kernel=3;activation=ACTIVATION_RELU;};"
            "stages=[{channels=16;downsample=DOWNSAMPLE_NONE;blocks=[{op="
            "OPERATOR_CONV;kernel=3;activation=ACTIVATION_RELU;},];},];};}");
  EXPECT_EQ(GenomeHash(TinyGenome()), "ece273447103316217c60cd2a8000f44");
}

TEST(GenomeHash, GoldenValuesOfRicherGenomes) {
  // Texts written out by hand from the rules in hash.h and canonical.h;
  // hashes computed outside this code base as above.
  const std::string rich_text =
      "{arch={stem={channels=16;kernel=3;activation=ACTIVATION_RELU;};sta"
      "ges=[{channels=16;downsample=DOWNSAMPLE_NONE;blocks=[{op=OPERATOR_"
      "DEPTHWISE_SEPARABLE;kernel=3;activation=ACTIVATION_RELU;residual=t"
      "rue;},];},{channels=32;downsample=DOWNSAMPLE_STRIDE2;blocks=[{op=O"
      "PERATOR_MBCONV;kernel=3;expansion=2;activation=ACTIVATION_RELU6;sq"
      "ueeze_excite=true;},{op=OPERATOR_MBCONV;kernel=5;expansion=1;activ"
      "ation=ACTIVATION_HARD_SWISH;residual=true;},];},{channels=32;downs"
      "ample=DOWNSAMPLE_MAX_POOL;blocks=[{op=OPERATOR_CONV;kernel=3;activ"
      "ation=ACTIVATION_SILU;squeeze_excite=true;residual=true;},];},];he"
      "ad={hidden_units=64;activation=ACTIVATION_RELU;dropout=0.1;};};}";
  const std::string pruned_text =
      "{arch={stem={channels=16;kernel=3;activation=ACTIVATION_RELU;};sta"
      "ges=[{channels=16;downsample=DOWNSAMPLE_NONE;blocks=[{op=OPERATOR_"
      "DEPTHWISE_SEPARABLE;kernel=3;activation=ACTIVATION_RELU;residual=t"
      "rue;},];},{channels=32;downsample=DOWNSAMPLE_STRIDE2;blocks=[{op=O"
      "PERATOR_MBCONV;kernel=3;expansion=2;activation=ACTIVATION_RELU6;sq"
      "ueeze_excite=true;},{op=OPERATOR_MBCONV;kernel=5;expansion=1;activ"
      "ation=ACTIVATION_HARD_SWISH;residual=true;},];},{channels=32;downs"
      "ample=DOWNSAMPLE_MAX_POOL;blocks=[{op=OPERATOR_CONV;kernel=3;activ"
      "ation=ACTIVATION_SILU;squeeze_excite=true;residual=true;},];},];he"
      "ad={hidden_units=64;activation=ACTIVATION_RELU;dropout=0.1;};};pru"
      "ning={criterion=IMPORTANCE_CRITERION_L1;keep_ratios=[\"head.hidden\""
      ":0.25,\"stages[1].blocks[0]\":0.75,\"stages[1].blocks[0].expanded\":0."
      "5,\"stem\":0.5,];iterative_steps=1;finetune_epochs=1;};}";
  EXPECT_EQ(CanonicalText(CanonicalGenome(RichGenome())), rich_text);
  EXPECT_EQ(CanonicalText(CanonicalGenome(PrunedRichGenome())), pruned_text);
  EXPECT_EQ(GenomeHash(RichGenome()), "a7900975c3bd34032fb912cc5d436000");
  EXPECT_EQ(GenomeHash(PrunedRichGenome()), "c99c15d4cf2b335c1bbed053450d812c");
}

TEST(GenomeHash, IndependentOfBuildOrder) {
  // PrunedRichGenome built field by field in reverse order, map included.
  const v1::Genome reference = PrunedRichGenome();
  v1::Genome genome;
  auto* pruning = genome.mutable_pruning();
  const std::vector<std::string> keys = {"head.hidden", "stages[1].blocks[0]",
                                         "stages[1].blocks[0].expanded",
                                         "stem"};
  for (const std::string& key : keys) {
    (*pruning->mutable_keep_ratios())[key] =
        reference.pruning().keep_ratios().at(key);
  }
  pruning->set_finetune_epochs(reference.pruning().finetune_epochs());
  pruning->set_criterion(reference.pruning().criterion());
  auto* arch = genome.mutable_arch();
  arch->mutable_head()->set_dropout(0.1);
  arch->mutable_head()->set_activation(v1::ACTIVATION_RELU);
  arch->mutable_head()->set_hidden_units(64);
  for (const auto& stage : reference.arch().stages()) {
    auto* s = arch->add_stages();
    for (const auto& block : stage.blocks()) {
      auto* b = s->add_blocks();
      b->set_residual(block.residual());
      b->set_squeeze_excite(block.squeeze_excite());
      b->set_activation(block.activation());
      b->set_expansion(block.expansion());
      b->set_kernel(block.kernel());
      b->set_op(block.op());
    }
    s->set_downsample(stage.downsample());
    s->set_channels(stage.channels());
  }
  arch->mutable_stem()->set_activation(v1::ACTIVATION_RELU);
  arch->mutable_stem()->set_kernel(3);
  arch->mutable_stem()->set_channels(16);
  EXPECT_EQ(GenomeHash(genome), GenomeHash(reference));
}

TEST(GenomeHash, EveryGeneChangesTheHash) {
  using Edit = std::function<void(v1::Genome*)>;
  auto block = [](v1::Genome* g, int s, int b) {
    return g->mutable_arch()->mutable_stages(s)->mutable_blocks(b);
  };
  const std::vector<std::pair<std::string, Edit>> edits = {
      {"stem.channels",
       [](v1::Genome* g) {
         g->mutable_arch()->mutable_stem()->set_channels(12);
       }},
      {"stem.kernel",
       [](v1::Genome* g) { g->mutable_arch()->mutable_stem()->set_kernel(5); }},
      {"stem.activation",
       [](v1::Genome* g) {
         g->mutable_arch()->mutable_stem()->set_activation(v1::ACTIVATION_SILU);
       }},
      {"stage.channels",
       [](v1::Genome* g) {
         g->mutable_arch()->mutable_stages(2)->set_channels(48);
       }},
      {"stage.downsample",
       [](v1::Genome* g) {
         g->mutable_arch()->mutable_stages(2)->set_downsample(
             v1::DOWNSAMPLE_STRIDE2);
       }},
      {"stage added",
       [](v1::Genome* g) {
         *g->mutable_arch()->add_stages() = g->arch().stages(2);
       }},
      {"block added",
       [](v1::Genome* g) {
         *g->mutable_arch()->mutable_stages(2)->add_blocks() =
             g->arch().stages(2).blocks(0);
       }},
      {"block.op",
       [&](v1::Genome* g) { block(g, 0, 0)->set_op(v1::OPERATOR_CONV); }},
      {"block.kernel", [&](v1::Genome* g) { block(g, 0, 0)->set_kernel(7); }},
      {"block.expansion",
       [&](v1::Genome* g) { block(g, 1, 0)->set_expansion(3); }},
      {"block.activation",
       [&](v1::Genome* g) {
         block(g, 0, 0)->set_activation(v1::ACTIVATION_RELU6);
       }},
      {"block.squeeze_excite",
       [&](v1::Genome* g) { block(g, 0, 0)->set_squeeze_excite(true); }},
      {"block.residual",
       [&](v1::Genome* g) { block(g, 0, 0)->set_residual(false); }},
      {"head.hidden_units",
       [](v1::Genome* g) {
         g->mutable_arch()->mutable_head()->set_hidden_units(128);
       }},
      {"head.activation",
       [](v1::Genome* g) {
         g->mutable_arch()->mutable_head()->set_activation(v1::ACTIVATION_SILU);
       }},
      {"head.dropout",
       [](v1::Genome* g) {
         g->mutable_arch()->mutable_head()->set_dropout(0.2);
       }},
      {"pruning.criterion",
       [](v1::Genome* g) {
         g->mutable_pruning()->set_criterion(v1::IMPORTANCE_CRITERION_TAYLOR);
       }},
      {"pruning.keep_ratio",
       [](v1::Genome* g) {
         (*g->mutable_pruning()->mutable_keep_ratios())["stem"] = 0.625;
       }},
      {"pruning.keep_ratio other group",
       [](v1::Genome* g) {
         (*g->mutable_pruning()->mutable_keep_ratios())["head.hidden"] = 0.5;
       }},
      {"pruning.iterative_steps",
       [](v1::Genome* g) { g->mutable_pruning()->set_iterative_steps(3); }},
      {"pruning.finetune_epochs",
       [](v1::Genome* g) { g->mutable_pruning()->set_finetune_epochs(2); }},
      {"pruning.distill_weight",
       [](v1::Genome* g) { g->mutable_pruning()->set_distill_weight(0.5); }},
      {"pruning.low_rank.rank_ratio",
       [](v1::Genome* g) {
         g->mutable_pruning()->mutable_low_rank()->set_rank_ratio(0.5);
       }},
      {"pruning.low_rank.energy",
       [](v1::Genome* g) {
         g->mutable_pruning()->mutable_low_rank()->set_energy(0.9);
       }},
      {"pruning.quantize_int8",
       [](v1::Genome* g) { g->mutable_pruning()->set_quantize_int8(true); }},
  };
  std::set<std::string> hashes = {GenomeHash(PrunedRichGenome())};
  for (const auto& [name, edit] : edits) {
    v1::Genome genome = PrunedRichGenome();
    edit(&genome);
    EXPECT_TRUE(hashes.insert(GenomeHash(genome)).second)
        << name << " did not change the hash";
  }
  // Distillation temperature matters once distillation is on.
  v1::Genome t4 = PrunedRichGenome();
  t4.mutable_pruning()->set_distill_weight(0.5);
  v1::Genome t8 = t4;
  t8.mutable_pruning()->set_distill_temperature(8);
  EXPECT_NE(GenomeHash(t4), GenomeHash(t8));
}

TEST(CanonicalGenome, EquivalentSpellingsHashEqual) {
  const std::string reference = GenomeHash(PrunedRichGenome());
  {  // Expansion on a non-MBConv block means nothing.
    v1::Genome g = PrunedRichGenome();
    g.mutable_arch()->mutable_stages(0)->mutable_blocks(0)->set_expansion(4);
    EXPECT_EQ(GenomeHash(g), reference);
  }
  {  // A keep ratio of 1 is the same as an unlisted group.
    v1::Genome g = PrunedRichGenome();
    v1::Genome h = g;
    (*h.mutable_pruning()->mutable_keep_ratios())["stages[1].blocks[0]"] = 1.0;
    g.mutable_pruning()->mutable_keep_ratios()->erase("stages[1].blocks[0]");
    EXPECT_EQ(GenomeHash(g), GenomeHash(h));
  }
  {  // Reals within the canonical quantum are equal.
    v1::Genome g = PrunedRichGenome();
    (*g.mutable_pruning()->mutable_keep_ratios())["stem"] = 0.1 + 0.4;
    g.mutable_arch()->mutable_head()->set_dropout(0.30000000000000004 - 0.2);
    EXPECT_EQ(GenomeHash(g), reference);
  }
  {  // iterative_steps 0 means 1.
    v1::Genome g = PrunedRichGenome();
    g.mutable_pruning()->set_iterative_steps(1);
    EXPECT_EQ(GenomeHash(g), reference);
  }
  {  // Distillation temperature 0 means 4; without distillation it is moot.
    v1::Genome a = PrunedRichGenome(), b = PrunedRichGenome();
    a.mutable_pruning()->set_distill_weight(0.5);
    b.mutable_pruning()->set_distill_weight(0.5);
    b.mutable_pruning()->set_distill_temperature(4);
    EXPECT_EQ(GenomeHash(a), GenomeHash(b));
    v1::Genome c = PrunedRichGenome();
    c.mutable_pruning()->set_distill_temperature(9);
    EXPECT_EQ(GenomeHash(c), reference);
  }
  {  // Head activation without a hidden layer is moot.
    v1::Genome a = TinyGenome(), b = TinyGenome();
    b.mutable_arch()->mutable_head()->set_activation(v1::ACTIVATION_SILU);
    EXPECT_EQ(GenomeHash(a), GenomeHash(b));
  }
  {  // Criterion and steps are moot when nothing is pruned.
    v1::Genome a = RichGenome(), b = RichGenome();
    b.mutable_pruning()->set_criterion(v1::IMPORTANCE_CRITERION_L2);
    b.mutable_pruning()->set_iterative_steps(3);
    EXPECT_EQ(GenomeHash(a), GenomeHash(b));
  }
}

TEST(ArchitectureHash, IgnoresThePruningPlan) {
  EXPECT_EQ(ArchitectureHash(RichGenome().arch()),
            ArchitectureHash(PrunedRichGenome().arch()));
  EXPECT_NE(ArchitectureHash(RichGenome().arch()),
            ArchitectureHash(TinyGenome().arch()));
  EXPECT_NE(ArchitectureHash(TinyGenome().arch()), GenomeHash(TinyGenome()));
}

TEST(CanonicalReal, RoundsToMicroUnits) {
  EXPECT_EQ(CanonicalReal(0.1 + 0.2), 0.3);
  EXPECT_EQ(CanonicalReal(-0.0000001), 0.0);
  EXPECT_EQ(CanonicalReal(0.1234567), 0.123457);
}

}  // namespace
}  // namespace nasprune::genome
