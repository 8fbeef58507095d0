#include "controller/jobs/model_retention.h"

#include <iostream>
#include <vector>

#include "common/artifacts/artifacts.h"

namespace nasprune::controller {

int ModelRetention::Run(JobRegistry& registry) {
  if (artifact_dir_.empty()) return 0;
  std::set<std::string> candidates;
  {
    absl::MutexLock lock(&registry.mu());
    std::vector<Job*> ended;
    for (Job* job : registry.jobs()) {
      // Only once its end is in the store: a restart must not bring back a
      // running job whose models are gone.
      if (job->final() && !job->unwritten() && !released_.contains(job->id())) {
        ended.push_back(job);
        candidates.merge(job->ModelsUsed());
      }
    }
    if (ended.empty()) return 0;
    std::set<std::string> needed;
    for (const Job* job : registry.jobs()) {
      needed.merge(job->final() ? job->ModelsKept() : job->ModelsUsed());
    }
    for (const std::string& digest : needed) candidates.erase(digest);
    // Forgotten before the files go, so that no read hands out a model
    // about to disappear.
    for (Job* job : ended) released_.insert(job->id());
    if (!candidates.empty()) {
      for (Job* job : registry.jobs()) {
        if (job->final()) job->ModelsReleased(candidates);
      }
    }
  }
  int deleted = 0;
  for (const std::string& digest : candidates) {
    if (absl::Status removed = artifacts::Remove(artifact_dir_, digest);
        !removed.ok()) {
      std::cerr << "model retention: " << removed.message() << "\n";
      continue;
    }
    ++deleted;
  }
  return deleted;
}

}  // namespace nasprune::controller
