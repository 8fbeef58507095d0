#ifndef NASPRUNE_CLI_PLOT_H_
#define NASPRUNE_CLI_PLOT_H_

// `nasprune plot JOB -o pareto.svg`: every trial with a result as a point
// of accuracy against a cost (params, MACs or latency), the front as a step
// line, and the hand-designed reference points of the data set when known,
// as a self-contained SVG (no script, no external font or file) that any
// browser opens.
//
// - x: the cost, on a log scale when it spans more than a decade (params
//   and MACs mostly do), linear otherwise; y: accuracy in percent, test
//   accuracy where the trial has it, else validation. Axes are labelled
//   with their units.
// - Points are coloured by rung (lower rungs paler); the front's points are
//   drawn larger with a dark edge, joined by the step line of the 2-D front
//   (the most accurate model at each cost or less).

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/controller_client.h"

namespace nasprune::cli {

struct PlotPoint {
  double x = 0;
  double accuracy = 0;  // In [0, 1].
  int rung = 0;
  bool on_front = false;
};

struct ReferencePoint {
  double x = 0;
  double accuracy = 0;
  std::string label;
};

struct PlotData {
  std::string title;
  std::string x_label;  // With its unit.
  std::string y_label;
  int rungs = 1;
  std::vector<PlotPoint> points;
  std::vector<ReferencePoint> references;
};

// The SVG document. Needs at least one point or reference.
std::string PlotSvg(const PlotData& data);

// The axes `plot --x` accepts.
inline constexpr const char* kPlotAxes[] = {"params", "macs", "latency"};

// Reads the job's trials and front and writes the plot to `path` (whole,
// then renamed into place); prints the path and what it shows on `out`.
// FAILED_PRECONDITION when no trial has a result yet.
absl::Status PlotCommand(ControllerClient& client, const std::string& job_id,
                         const std::string& x_axis, const std::string& path,
                         std::ostream& out);

}  // namespace nasprune::cli

#endif  // NASPRUNE_CLI_PLOT_H_
