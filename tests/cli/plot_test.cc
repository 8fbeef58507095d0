#include "cli/plot.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace nasprune::cli {
namespace {

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + 1)) {
    ++n;
  }
  return n;
}

PlotData Sample() {
  return PlotData{
      .title = "job-1 <test>",
      .x_label = "Parameters (count)",
      .y_label = "Validation accuracy (%)",
      .rungs = 2,
      .points = {{.x = 2000, .accuracy = 0.85, .rung = 1, .on_front = true},
                 {.x = 9000, .accuracy = 0.90, .rung = 1, .on_front = true},
                 {.x = 5000, .accuracy = 0.80, .rung = 0},
                 {.x = 24000, .accuracy = 0.89, .rung = 1}},
      .references = {{.x = 37386, .accuracy = 0.9229, .label = "by hand"}}};
}

TEST(PlotSvg, DrawsEveryTrialTheFrontAndTheReferences) {
  const std::string svg = PlotSvg(Sample());
  EXPECT_TRUE(
      absl::StartsWith(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  // Four trials and two legend marks (one per rung).
  EXPECT_EQ(Count(svg, "<circle"), 4 + 2);
  // The front's two points, drawn larger with a red edge.
  EXPECT_EQ(Count(svg, "r=\"5.5\""), 2);
  // The step line: from the first front point, one step up, then across.
  EXPECT_EQ(Count(svg, "stroke=\"#d62728\" stroke-width=\"2\""),
            2);  // + legend
  EXPECT_NE(svg.find(" H "), std::string::npos);
  EXPECT_NE(svg.find(">by hand</text>"), std::string::npos);
  EXPECT_NE(svg.find(">hand-designed</text>"), std::string::npos);
  // Text is escaped; the cost spans more than a decade: a log axis.
  EXPECT_NE(svg.find("job-1 &lt;test&gt;"), std::string::npos);
  EXPECT_NE(svg.find("Parameters (count), log scale"), std::string::npos);
  EXPECT_NE(svg.find(">10k</text>"), std::string::npos);
  EXPECT_NE(svg.find("Validation accuracy (%)"), std::string::npos);
}

TEST(PlotSvg, ANarrowRangeGetsALinearAxis) {
  PlotData data = Sample();
  data.references.clear();
  for (PlotPoint& p : data.points) p.x = 1 + p.x / 24000;  // 1.08 .. 2 ms.
  data.x_label = "Latency, batch 1 (ms)";
  const std::string svg = PlotSvg(data);
  EXPECT_EQ(svg.find("log scale"), std::string::npos);
  EXPECT_NE(svg.find(">Latency, batch 1 (ms)</text>"), std::string::npos);
  EXPECT_EQ(svg.find("hand-designed"), std::string::npos);
}

TEST(PlotSvg, OnePointIsEnough) {
  PlotData data = Sample();
  data.points.resize(1);
  data.references.clear();
  const std::string svg = PlotSvg(data);
  EXPECT_EQ(svg.find("nan"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("inf"), std::string::npos) << svg;
}

}  // namespace
}  // namespace nasprune::cli
