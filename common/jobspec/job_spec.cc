#include "common/jobspec/job_spec.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/genome/default_space.h"
#include "common/genome/validate.h"
#include "common/jobspec/yaml_proto.h"
#include "common/status/field_errors.h"
#include "common/status/suggest.h"

namespace nasprune::jobspec {
namespace {

// The ranges of the fields other defaults are derived from.
constexpr int64_t kMaxTrials = 10000000;
constexpr int kMaxEpochs = 1000;
bool ValidMaxTrials(int64_t n) { return n >= 1 && n <= kMaxTrials; }
bool ValidEpochs(int64_t n) { return n >= 1 && n <= kMaxEpochs; }

using v1::JobSpec;

constexpr KnownDataset kKnownDatasets[] = {
    {"fashion-mnist", v1::DATASET_FORMAT_IDX, 1, 28, 28, 10,
     "/usr/share/datasets/fashion-mnist"},
    {"mnist", v1::DATASET_FORMAT_IDX, 1, 28, 28, 10,
     "/usr/share/datasets/mnist"},
    {"cifar10", v1::DATASET_FORMAT_CIFAR10_BINARY, 3, 32, 32, 10,
     "/usr/share/datasets/cifar10"},
};

std::string KnownNames() {
  std::string names;
  for (const KnownDataset& d : kKnownDatasets) {
    absl::StrAppend(&names, names.empty() ? "" : ", ", d.name);
  }
  return names;
}

bool IsSingleObjectiveStrategy(const v1::StrategySpec& strategy) {
  return strategy.kind_case() != v1::StrategySpec::kNsga2;
}

void CheckEnum(const google::protobuf::EnumDescriptor* type, int value,
               absl::string_view path, FieldErrors* errors) {
  if (type->FindValueByNumber(value) == nullptr || value == 0) {
    errors->Add(path, absl::StrCat(value, " is not a valid ", type->name()));
  }
}

void ValidateName(const std::string& name, FieldErrors* errors) {
  if (name.empty()) {
    errors->Add("name", "must be set");
    return;
  }
  const bool ok =
      name.size() <= 63 && absl::ascii_islower(name.front()) &&
      name.back() != '-' && std::all_of(name.begin(), name.end(), [](char c) {
        return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '-';
      });
  if (!ok) {
    errors->Add("name", absl::StrCat("\"", name,
                                     "\" must be 1 to 63 of [a-z0-9-], "
                                     "starting with a letter and not ending "
                                     "with '-'"));
  }
}

void ValidateDataset(const v1::DatasetSpec& d, FieldErrors* errors) {
  if (d.name().empty()) {
    errors->Add("dataset.name",
                absl::StrCat("must be set (built in: ", KnownNames(),
                             "; or any name with a path)"));
    return;
  }
  const KnownDataset* known = FindKnownDataset(d.name());
  if (known == nullptr && d.path().empty()) {
    std::vector<std::string> names;
    for (const KnownDataset& k : kKnownDatasets) names.push_back(k.name);
    errors->Add("dataset.name",
                absl::StrCat("\"", d.name(), "\" is not built in (",
                             KnownNames(), "); give dataset.path for it",
                             DidYouMean(d.name(), names)));
  }
  // Without a path an unknown name has no files, so its format, shape and
  // classes are not checked (they would only repeat the problem).
  const bool locatable = known != nullptr || !d.path().empty();
  if (!d.path().empty() && d.path().front() != '/') {
    errors->Add("dataset.path",
                absl::StrCat("\"", d.path(),
                             "\" must be absolute (workers resolve it)"));
  }
  // The CLI fills format, shape and classes from the files themselves when
  // it can read dataset.path (cli/dataset_probe.h).
  constexpr absl::string_view kFromFiles =
      " (nasprune validate and submit read it from the files when "
      "dataset.path is readable where they run)";
  if (!locatable) {
    // Nothing more to check of the files' description.
  } else if (d.format() == v1::DATASET_FORMAT_UNSPECIFIED) {
    errors->Add("dataset.format",
                absl::StrCat("must be set for a data set that is not built in",
                             kFromFiles));
  } else {
    CheckEnum(v1::DatasetFormat_descriptor(), d.format(), "dataset.format",
              errors);
  }
  const auto& shape = d.shape();
  if (!locatable) {
  } else if (!d.has_shape()) {
    errors->Add("dataset.shape",
                absl::StrCat("must be set for a data set that is not built in",
                             kFromFiles));
  } else {
    errors->CheckRange("dataset.shape.channels", shape.channels(), 1, 16);
    errors->CheckRange("dataset.shape.height", shape.height(), 1, 1024);
    errors->CheckRange("dataset.shape.width", shape.width(), 1, 1024);
  }
  // Both formats store a label as one byte.
  if (!locatable) {
  } else if (d.num_classes() == 0) {
    errors->Add("dataset.num_classes",
                absl::StrCat("must be set for a data set that is not built in",
                             kFromFiles));
  } else if (d.num_classes() > 256) {
    errors->Add("dataset.num_classes",
                absl::StrCat(d.num_classes(),
                             " is over 256: IDX and CIFAR-10 files store each "
                             "label in one byte"));
  } else {
    errors->CheckRange("dataset.num_classes", d.num_classes(), 2, 256);
  }
  if (known == nullptr && d.format() == v1::DATASET_FORMAT_CIFAR10_BINARY &&
      d.has_shape() &&
      (shape.channels() != 3 || shape.height() != 32 || shape.width() != 32)) {
    errors->Add(
        "dataset.shape",
        absl::StrFormat("cifar10_binary records hold 3x32x32 images, "
                        "not %dx%dx%d (use IDX for other shapes)",
                        shape.channels(), shape.height(), shape.width()));
  }
  if (known != nullptr) {
    if (d.format() != known->format && d.format() != 0) {
      errors->Add("dataset.format",
                  absl::StrCat(d.name(), " is stored as ",
                               v1::DatasetFormat_Name(known->format)));
    }
    if (shape.channels() != known->channels ||
        shape.height() != known->height || shape.width() != known->width) {
      errors->Add(
          "dataset.shape",
          absl::StrFormat("%s images are %dx%dx%d, not %dx%dx%d", d.name(),
                          known->channels, known->height, known->width,
                          shape.channels(), shape.height(), shape.width()));
    }
    if (d.num_classes() != known->num_classes) {
      errors->Add("dataset.num_classes",
                  absl::StrCat(d.name(), " has ", known->num_classes,
                               " classes, not ", d.num_classes()));
    }
  }
  // (0, 0.5]: the search scores on the validation split, so it is never
  // empty.
  if (const double f = d.validation_fraction(); !(f > 0 && f <= 0.5)) {
    errors->Add("dataset.validation_fraction",
                absl::StrCat(FormatDouble(f), " is outside (0, 0.5]"));
  }
  errors->CheckRange("dataset.train_subset", d.train_subset(), 0, 1000000000);
  errors->CheckRange("dataset.validation_subset", d.validation_subset(), 0,
                     1000000000);
}

void ValidateStrategy(const v1::StrategySpec& s, FieldErrors* errors) {
  switch (s.kind_case()) {
    case v1::StrategySpec::kRandom:
      break;
    case v1::StrategySpec::kEvolution: {
      const auto& e = s.evolution();
      if (errors->CheckRange("strategy.evolution.population_size",
                             e.population_size(), 2, 100000)) {
        errors->CheckRange("strategy.evolution.sample_size", e.sample_size(), 1,
                           e.population_size());
      }
      errors->CheckRealRange("strategy.evolution.crossover_probability",
                             e.crossover_probability(), 0, 1);
      break;
    }
    case v1::StrategySpec::kNsga2: {
      const auto& n = s.nsga2();
      errors->CheckRange("strategy.nsga2.population_size", n.population_size(),
                         4, 100000);
      errors->CheckRealRange("strategy.nsga2.crossover_probability",
                             n.crossover_probability(), 0, 1);
      errors->CheckRealRange("strategy.nsga2.mutation_probability",
                             n.mutation_probability(), 0, 1);
      break;
    }
    case v1::StrategySpec::kReinforce: {
      const auto& r = s.reinforce();
      if (errors->CheckRealRange("strategy.reinforce.learning_rate",
                                 r.learning_rate(), 0, 1) &&
          r.learning_rate() <= 0) {
        errors->Add("strategy.reinforce.learning_rate", "must be above 0");
      }
      errors->CheckRange("strategy.reinforce.batch_size", r.batch_size(), 1,
                         1024);
      errors->CheckRealRange("strategy.reinforce.entropy_weight",
                             r.entropy_weight(), 0, 1);
      if (errors->CheckRealRange("strategy.reinforce.baseline_decay",
                                 r.baseline_decay(), 0, 1) &&
          r.baseline_decay() >= 1) {
        errors->Add("strategy.reinforce.baseline_decay", "must be below 1");
      }
      errors->CheckRange("strategy.reinforce.hidden_size", r.hidden_size(), 1,
                         1024);
      break;
    }
    case v1::StrategySpec::KIND_NOT_SET:
      errors->Add("strategy",
                  "must name one of random, evolution, nsga2, reinforce");
      break;
  }
  errors->CheckRange("strategy.reproducible_window", s.reproducible_window(), 0,
                     1024);
  const v1::ScreeningSpec& screening = s.screening();
  if (screening.candidates() != 0) {
    errors->CheckRange("strategy.screening.candidates", screening.candidates(),
                       2, 64);
    if (s.has_random() || s.has_reinforce()) {
      errors->Add("strategy.screening",
                  "screens evolution and nsga2 proposals only: random search "
                  "is the control, and REINFORCE learns from its own samples");
    }
  }
  if (screening.min_observations() != 0) {
    errors->CheckRange("strategy.screening.min_observations",
                       screening.min_observations(), 2, 10000);
  }
  errors->CheckRealRange("strategy.screening.exploration",
                         screening.exploration(), 0, 10);
  errors->CheckRealRange("strategy.screening.cost_weight",
                         screening.cost_weight(), 0, 1);
  errors->CheckRange("strategy.screening.accuracy_every",
                     screening.accuracy_every(), 0, 64);
}

void ValidateInheritance(const JobSpec& spec, FieldErrors* errors) {
  const v1::StrategySpec& s = spec.strategy();
  if (!s.inherit_weights()) return;
  if (s.has_random() || s.has_reinforce()) {
    errors->Add("strategy.inherit_weights",
                "applies to evolution and nsga2 children only: random search "
                "and REINFORCE draw genomes without parents");
  }
  if (spec.export_().retain_models() == v1::MODEL_RETENTION_NONE) {
    errors->Add("strategy.inherit_weights",
                "children start from their parent's kept model, so "
                "export.retain_models must not be NONE");
  }
}

void ValidateObjectives(const JobSpec& spec, FieldErrors* errors) {
  if (spec.objectives().empty()) {
    errors->Add("objectives", "must not be empty");
    return;
  }
  std::set<int> seen;
  bool has_accuracy = false;
  const bool single = IsSingleObjectiveStrategy(spec.strategy());
  for (int i = 0; i < spec.objectives_size(); ++i) {
    const auto& o = spec.objectives(i);
    const std::string path = IndexPath("objectives", i);
    CheckEnum(v1::Metric_descriptor(), o.metric(), FieldPath(path, "metric"),
              errors);
    if (!seen.insert(o.metric()).second) {
      errors->Add(
          FieldPath(path, "metric"),
          absl::StrCat(v1::Metric_Name(o.metric()), " is listed twice"));
    }
    has_accuracy |= o.metric() == v1::METRIC_ACCURACY;
    errors->CheckRealRange(FieldPath(path, "weight"), o.weight(), 0, 10);
    errors->CheckRealRange(FieldPath(path, "target"), o.target(), 0, 1e15);
    if (single && o.metric() != v1::METRIC_ACCURACY && o.target() <= 0) {
      errors->Add(FieldPath(path, "target"),
                  "must be above 0: a single-objective strategy folds cost "
                  "metrics into its reward through their target (or use "
                  "strategy nsga2)");
    }
  }
  if (!has_accuracy) errors->Add("objectives", "must include accuracy");
}

void ValidateRecipe(const v1::TrainingRecipe& r, FieldErrors* errors) {
  CheckEnum(v1::Optimizer_descriptor(), r.optimizer(), "recipe.optimizer",
            errors);
  if (errors->CheckRealRange("recipe.learning_rate", r.learning_rate(), 0,
                             10) &&
      r.learning_rate() <= 0) {
    errors->Add("recipe.learning_rate", "must be above 0");
  }
  if (errors->CheckRealRange("recipe.momentum", r.momentum(), 0, 1) &&
      r.momentum() >= 1) {
    errors->Add("recipe.momentum", "must be below 1");
  }
  errors->CheckRealRange("recipe.weight_decay", r.weight_decay(), 0, 1);
  errors->CheckRange("recipe.batch_size", r.batch_size(), 1, 65536);
  errors->CheckRange("recipe.epochs", r.epochs(), 1, kMaxEpochs);
  if (errors->CheckRealRange("recipe.warmup_epochs", r.warmup_epochs(), 0,
                             1000) &&
      r.warmup_epochs() >= r.epochs() && r.warmup_epochs() > 0) {
    errors->Add("recipe.warmup_epochs",
                absl::StrCat(FormatDouble(r.warmup_epochs()),
                             " must be below epochs (", r.epochs(), ")"));
  }
  CheckEnum(v1::LrSchedule_descriptor(), r.schedule(), "recipe.schedule",
            errors);
  if (errors->CheckRealRange("recipe.label_smoothing", r.label_smoothing(), 0,
                             0.5) &&
      r.label_smoothing() >= 0.5) {
    errors->Add("recipe.label_smoothing", "must be below 0.5");
  }
  if (errors->CheckRealRange("recipe.finetune_lr_scale", r.finetune_lr_scale(),
                             0, 1) &&
      r.finetune_lr_scale() <= 0) {
    errors->Add("recipe.finetune_lr_scale", "must be above 0");
  }
  errors->CheckRange("recipe.max_trial_seconds", r.max_trial_seconds(), 0,
                     1000000);
}

void ValidateMultiFidelity(const JobSpec& spec, FieldErrors* errors) {
  const auto& m = spec.multi_fidelity();
  CheckEnum(v1::MultiFidelityMethod_descriptor(), m.method(),
            "multi_fidelity.method", errors);
  CheckEnum(v1::FidelityResource_descriptor(), m.resource(),
            "multi_fidelity.resource", errors);
  errors->CheckRange("multi_fidelity.reduction_factor", m.reduction_factor(), 2,
                     16);
  errors->CheckRange("multi_fidelity.median_grace_epochs",
                     m.median_grace_epochs(), 0, 1000);
  const bool by_epochs = m.resource() == v1::FIDELITY_RESOURCE_EPOCHS;
  if (m.median_stopping() && spec.strategy().reproducible_window() > 0) {
    errors->Add("strategy.reproducible_window",
                "cannot be used with multi_fidelity.median_stopping (its "
                "decisions depend on when results arrive)");
  }
  if (!by_epochs && m.continue_promotions()) {
    errors->Add("multi_fidelity.continue_promotions",
                "needs resource epochs (a promotion to more training examples "
                "cannot continue the lower rung's training)");
  }
  if (by_epochs && !ValidEpochs(spec.recipe().epochs())) {
    return;  // The resources derive from recipe.epochs, reported on its own.
  }
  const double max_allowed = by_epochs ? spec.recipe().epochs() : 1e9;
  errors->CheckRealRange("multi_fidelity.max_resource", m.max_resource(), 0,
                         max_allowed);
  if (m.method() != v1::MULTI_FIDELITY_METHOD_NONE) {
    const double top = m.max_resource() > 0 ? m.max_resource() : max_allowed;
    if (m.min_resource() <= 0) {
      errors->Add(
          "multi_fidelity.min_resource",
          "must be set (≥ 1) when max_resource is the whole training split");
    } else {
      errors->CheckRealRange("multi_fidelity.min_resource", m.min_resource(), 1,
                             top);
    }
  }
}

}  // namespace

const KnownDataset* FindKnownDataset(absl::string_view name) {
  for (const KnownDataset& d : kKnownDatasets) {
    if (name == d.name) return &d;
  }
  return nullptr;
}

genome::InputSpec InputSpecOf(const v1::DatasetSpec& dataset) {
  return {.channels = dataset.shape().channels(),
          .height = dataset.shape().height(),
          .width = dataset.shape().width(),
          .num_classes = dataset.num_classes()};
}

genome::SearchScope ScopeOf(const JobSpec& spec) {
  return {.space = spec.space(),
          .mode = spec.mode() == v1::SEARCH_MODE_UNSPECIFIED
                      ? v1::SEARCH_MODE_JOINT
                      : spec.mode(),
          .base_architecture = spec.base_architecture()};
}

void ApplyJobDefaults(JobSpec* spec) {
  if (spec->mode() == v1::SEARCH_MODE_UNSPECIFIED) {
    spec->set_mode(v1::SEARCH_MODE_JOINT);
  }
  v1::DatasetSpec* dataset = spec->mutable_dataset();
  if (const KnownDataset* known = FindKnownDataset(dataset->name())) {
    if (dataset->format() == v1::DATASET_FORMAT_UNSPECIFIED) {
      dataset->set_format(known->format);
    }
    if (!dataset->has_shape()) {
      dataset->mutable_shape()->set_channels(known->channels);
      dataset->mutable_shape()->set_height(known->height);
      dataset->mutable_shape()->set_width(known->width);
    }
    if (dataset->num_classes() == 0)
      dataset->set_num_classes(known->num_classes);
  }
  if (dataset->validation_fraction() == 0)
    dataset->set_validation_fraction(0.1);

  if (!spec->has_space()) {
    genome::InputSpec input = InputSpecOf(*dataset);
    *spec->mutable_space() = genome::DefaultSearchSpace(input);
  }

  v1::StrategySpec* strategy = spec->mutable_strategy();
  switch (strategy->kind_case()) {
    case v1::StrategySpec::KIND_NOT_SET:
    case v1::StrategySpec::kEvolution: {
      auto* e = strategy->mutable_evolution();
      if (e->population_size() == 0) e->set_population_size(64);
      if (e->sample_size() == 0) {
        e->set_sample_size(std::max(1, std::min(16, e->population_size())));
      }
      break;
    }
    case v1::StrategySpec::kNsga2: {
      auto* n = strategy->mutable_nsga2();
      if (n->population_size() == 0) n->set_population_size(64);
      if (!n->has_crossover_probability()) n->set_crossover_probability(0.9);
      if (!n->has_mutation_probability()) n->set_mutation_probability(1.0);
      break;
    }
    case v1::StrategySpec::kReinforce: {
      auto* r = strategy->mutable_reinforce();
      if (r->learning_rate() == 0) r->set_learning_rate(0.01);
      if (r->batch_size() == 0) r->set_batch_size(8);
      if (!r->has_entropy_weight()) r->set_entropy_weight(0.001);
      if (!r->has_baseline_decay()) r->set_baseline_decay(0.95);
      if (r->hidden_size() == 0) r->set_hidden_size(64);
      break;
    }
    case v1::StrategySpec::kRandom:
      break;
  }

  if (spec->objectives().empty()) {
    spec->add_objectives()->set_metric(v1::METRIC_ACCURACY);
  }
  for (auto& objective : *spec->mutable_objectives()) {
    if (!objective.has_weight() && objective.metric() != v1::METRIC_ACCURACY) {
      objective.set_weight(0.07);
    }
  }

  // A default derived from another field is derived only from a valid
  // value, so that one mistake is reported once, at the field the user set.
  v1::Budget* budget = spec->mutable_budget();
  if (budget->max_trials() == 0) budget->set_max_trials(100);
  if (budget->max_failed_trials() == 0 &&
      ValidMaxTrials(budget->max_trials())) {
    budget->set_max_failed_trials(budget->max_trials());
  }

  v1::TrainingRecipe* recipe = spec->mutable_recipe();
  if (recipe->optimizer() == v1::OPTIMIZER_UNSPECIFIED) {
    recipe->set_optimizer(v1::OPTIMIZER_SGD);
  }
  const bool sgd = recipe->optimizer() == v1::OPTIMIZER_SGD;
  if (recipe->learning_rate() == 0)
    recipe->set_learning_rate(sgd ? 0.1 : 0.002);
  if (!recipe->has_momentum()) recipe->set_momentum(0.9);
  if (!recipe->has_nesterov()) recipe->set_nesterov(true);
  if (!recipe->has_weight_decay()) recipe->set_weight_decay(sgd ? 5e-4 : 0.05);
  if (recipe->batch_size() == 0) recipe->set_batch_size(128);
  if (recipe->epochs() == 0) recipe->set_epochs(10);
  if (recipe->schedule() == v1::LR_SCHEDULE_UNSPECIFIED) {
    recipe->set_schedule(v1::LR_SCHEDULE_COSINE);
  }
  if (recipe->finetune_lr_scale() == 0) recipe->set_finetune_lr_scale(0.1);
  if (!recipe->has_mixed_precision()) recipe->set_mixed_precision(true);

  v1::MultiFidelitySpec* mf = spec->mutable_multi_fidelity();
  if (mf->method() == v1::MULTI_FIDELITY_METHOD_UNSPECIFIED) {
    mf->set_method(v1::MULTI_FIDELITY_METHOD_NONE);
  }
  if (mf->resource() == v1::FIDELITY_RESOURCE_UNSPECIFIED) {
    mf->set_resource(v1::FIDELITY_RESOURCE_EPOCHS);
  }
  if (mf->reduction_factor() == 0) mf->set_reduction_factor(3);
  if (!mf->has_median_grace_epochs()) mf->set_median_grace_epochs(1);
  if (!mf->has_continue_promotions()) {
    mf->set_continue_promotions(mf->resource() == v1::FIDELITY_RESOURCE_EPOCHS);
  }
  if (mf->method() != v1::MULTI_FIDELITY_METHOD_NONE) {
    if (mf->max_resource() == 0 &&
        mf->resource() == v1::FIDELITY_RESOURCE_EPOCHS &&
        ValidEpochs(recipe->epochs())) {
      mf->set_max_resource(recipe->epochs());
    }
    if (mf->min_resource() == 0 && mf->max_resource() > 0) {
      const double eta = std::max(2, mf->reduction_factor());
      mf->set_min_resource(
          std::max(1.0, std::floor(mf->max_resource() / (eta * eta))));
    }
  }

  v1::ExportSpec* exp = spec->mutable_export_();
  if (!exp->has_top_k()) exp->set_top_k(3);
  if (!exp->has_evaluate_test_split()) exp->set_evaluate_test_split(true);
  if (exp->retain_models() == v1::MODEL_RETENTION_UNSPECIFIED) {
    exp->set_retain_models(v1::MODEL_RETENTION_FRONT);
  }
}

absl::Status ValidateJobSpec(const JobSpec& spec) {
  FieldErrors errors;
  ValidateJobSpecInto(spec, &errors);
  return errors.ToStatus();
}

void ValidateJobSpecInto(const JobSpec& spec, FieldErrors* errors_out) {
  FieldErrors& errors = *errors_out;
  ValidateName(spec.name(), &errors);
  CheckEnum(v1::SearchMode_descriptor(), spec.mode(), "mode", &errors);
  ValidateDataset(spec.dataset(), &errors);
  genome::ValidateSearchSpace(spec.space(), spec.mode(), "space", &errors);
  if (spec.mode() == v1::SEARCH_MODE_PRUNING_ONLY) {
    if (!spec.has_base_architecture()) {
      errors.Add("base_architecture",
                 "must be set for a pruning_only job (the architecture whose "
                 "pruning plans are searched)");
    } else {
      genome::ValidateArchitecture(spec.base_architecture(),
                                   "base_architecture", &errors);
    }
  } else if (spec.has_base_architecture()) {
    errors.Add("base_architecture",
               "only a pruning_only job takes a base architecture");
  }
  ValidateStrategy(spec.strategy(), &errors);
  ValidateInheritance(spec, &errors);
  ValidateObjectives(spec, &errors);
  const auto& c = spec.constraints();
  errors.CheckRange("constraints.max_params", c.max_params(), 0, 1000000000000);
  errors.CheckRange("constraints.max_macs", c.max_macs(), 0, 1000000000000000);
  errors.CheckRealRange("constraints.max_latency_ms", c.max_latency_ms(), 0,
                        1e6);
  errors.CheckRange("constraints.max_model_bytes", c.max_model_bytes(), 0,
                    1000000000000);
  const auto& b = spec.budget();
  errors.CheckRange("budget.max_trials", b.max_trials(), 1, kMaxTrials);
  errors.CheckRange("budget.max_wall_seconds", b.max_wall_seconds(), 0,
                    100000000);
  errors.CheckRange("budget.max_failed_trials", b.max_failed_trials(), 0,
                    10000000);
  ValidateRecipe(spec.recipe(), &errors);
  ValidateMultiFidelity(spec, &errors);
  errors.CheckRange("max_parallel", spec.max_parallel(), 0, 100000);
  errors.CheckRange("export.top_k", spec.export_().top_k(), 0, 1000);
}

absl::StatusOr<JobSpec> PrepareJobSpec(JobSpec spec) {
  ApplyJobDefaults(&spec);
  if (absl::Status status = ValidateJobSpec(spec); !status.ok()) {
    return status;
  }
  return spec;
}

}  // namespace nasprune::jobspec
