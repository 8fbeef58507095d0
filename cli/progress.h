#ifndef NASPRUNE_CLI_PROGRESS_H_
#define NASPRUNE_CLI_PROGRESS_H_

// The progress line `nasprune watch` (and `submit --watch`) keeps at the
// bottom of a terminal, redrawn in place as the job's events arrive:
//
//   RUNNING  37/200 trials  2 running  1 failed  4 cached  best 0.9012
//   front 6  HV 0.8123  12m05s  ETA 41m
//
// (one line). The ETA is the nearer of the wall budget's end and the trial
// budget at the pace so far; none before the first trial ends.

#include <string>

#include "absl/time/time.h"
#include "nasprune/v1/job.pb.h"

namespace nasprune::cli {

struct JobProgress {
  v1::JobStatus status;
  int front_size = 0;
  double hypervolume = 0;
};

std::string ProgressLine(const JobProgress& progress, absl::Time now);

// "45s", "12m05s", "3h07m".
std::string ShortDuration(absl::Duration d);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_PROGRESS_H_
