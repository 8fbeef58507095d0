#ifndef NASPRUNE_TESTS_WORKER_TESTING_TOY_REQUEST_H_
#define NASPRUNE_TESTS_WORKER_TESTING_TOY_REQUEST_H_

// An evaluation request of examples/genomes/two-conv.yaml on the toy IDX
// set (1x8x8, 4 classes) that WriteToyIdx writes under <root>/toy, and
// LibTorch options that find it: an evaluation that takes well under a
// second.

#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"
#include "gtest/gtest.h"
#include "nasprune/v1/worker.pb.h"
#include "tests/worker/testing/data_files.h"
#include "worker/evaluator/libtorch_evaluator.h"

namespace nasprune::worker::testing {

// A request for the toy IDX set written under <root>/toy.
inline v1::EvaluateRequest ToyRequest(int epochs) {
  v1::EvaluateRequest request;
  request.set_trial_id("job-0/1");
  EXPECT_TRUE(
      LoadYamlFile("examples/genomes/two-conv.yaml", request.mutable_genome())
          .ok());
  v1::JobSpec spec;
  spec.set_name("t");
  auto* d = spec.mutable_dataset();
  d->set_name("toy");
  d->set_path("/placeholder");
  d->set_format(v1::DATASET_FORMAT_IDX);
  d->mutable_shape()->set_channels(1);
  d->mutable_shape()->set_height(8);
  d->mutable_shape()->set_width(8);
  d->set_num_classes(4);
  spec.mutable_recipe()->set_epochs(epochs);
  spec.mutable_recipe()->set_batch_size(32);
  spec.mutable_recipe()->set_learning_rate(0.05);
  jobspec::ApplyJobDefaults(&spec);
  EXPECT_TRUE(jobspec::ValidateJobSpec(spec).ok())
      << jobspec::ValidateJobSpec(spec);
  *request.mutable_dataset() = spec.dataset();
  request.mutable_dataset()->clear_path();
  *request.mutable_recipe() = spec.recipe();
  request.set_latency_repeats(3);
  request.set_latency_batch_size(8);
  return request;
}

inline EvaluatorOptions OptionsFor(const TempDir& root) {
  EvaluatorOptions options;
  options.dataset_search_path = {root.path()};
  options.threads = 2;
  return options;
}

}  // namespace nasprune::worker::testing

#endif  // NASPRUNE_TESTS_WORKER_TESTING_TOY_REQUEST_H_
