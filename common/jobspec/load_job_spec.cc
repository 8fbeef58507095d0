#include "common/jobspec/load_job_spec.h"

#include <algorithm>
#include <climits>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/jobspec/job_spec.h"
#include "common/jobspec/yaml_proto.h"

namespace nasprune::jobspec {
namespace {

using v1::JobSpec;

// Whether `scope` is `field` or encloses it ("objectives" encloses
// "objectives[0].metric", "recipe" encloses "recipe.epochs").
bool Within(absl::string_view field, absl::string_view scope) {
  return absl::StartsWith(field, scope) &&
         (field.size() == scope.size() || field[scope.size()] == '.' ||
          field[scope.size()] == '[');
}

// Checks that read another field than their own: a malformed value of the
// first (left at its default) makes the second's problem a guess.
constexpr std::pair<absl::string_view, absl::string_view> kReadsAlso[] = {
    {"recipe.epochs", "recipe.warmup_epochs"},
    {"recipe.epochs", "multi_fidelity"},
    {"mode", "base_architecture"},
    {"mode", "space"},
    {"strategy", "objectives"},
};

// Whether a whole-spec problem of `field` only follows from a value already
// reported as malformed: a field under it, the list holding it
// ("objectives: must include accuracy" for a malformed
// "objectives[0].metric"), the target of a malformed metric, a field whose
// check reads it (kReadsAlso), or the field an unknown key was likely meant
// to be ("dataset.name" for "dataset.nmae").
bool HiddenByMalformed(const std::string& field,
                       const std::vector<ParseProblem>& problems) {
  for (const ParseProblem& p : problems) {
    for (const std::string& bad : {p.path, p.suggested_path}) {
      if (bad.empty()) continue;
      if (Within(field, bad)) return true;
      if (absl::StartsWith(bad, field) && bad.size() > field.size() &&
          bad[field.size()] == '[') {
        return true;
      }
      if (absl::EndsWith(bad, ".metric") &&
          field == absl::StrCat(bad.substr(0, bad.size() - 7), ".target")) {
        return true;
      }
      for (const auto& [read, check] : kReadsAlso) {
        if (Within(bad, read) && Within(field, check)) return true;
      }
    }
  }
  return false;
}

}  // namespace

absl::StatusOr<JobSpec> LoadJobSpec(const std::string& path,
                                    const LoadOptions& options) {
  absl::StatusOr<std::string> text = ReadTextFile(path);
  if (!text.ok()) return text.status();
  JobSpec spec;
  const ParseReport report = ParseYamlKeepGoing(*text, path, &spec);
  struct Line {
    TextPosition at;
    std::string text;
  };
  std::vector<Line> lines;
  for (const ParseProblem& p : report.problems) lines.push_back({p.at, p.text});
  if (!report.syntax_ok) {
    std::vector<std::string> texts;
    for (const Line& line : lines) texts.push_back(line.text);
    return absl::InvalidArgumentError(absl::StrJoin(texts, "\n"));
  }

  // What was well-formed is checked too, so one run reports everything; a
  // value already reported as malformed is not reported again as missing.
  FieldErrors semantic;
  if (options.complete_dataset) {
    options.complete_dataset(spec.mutable_dataset(), &semantic);
  }
  const size_t probe_errors = semantic.errors().size();
  ApplyJobDefaults(&spec);
  ValidateJobSpecInto(spec, &semantic);
  // The probe's own problems make "must be set" for what it would have
  // filled a repetition.
  auto unfilled = [&](size_t i) {
    const std::string& field = semantic.paths()[i];
    return i >= probe_errors && probe_errors > 0 &&
           (field == "dataset.format" || field == "dataset.shape" ||
            field == "dataset.num_classes") &&
           absl::StrContains(semantic.errors()[i], "must be set");
  };
  for (size_t i = 0; i < semantic.errors().size(); ++i) {
    const std::string& field = semantic.paths()[i];
    if (HiddenByMalformed(field, report.problems) || unfilled(i)) continue;
    const TextPosition at = report.PositionOf(field);
    lines.push_back(
        {at, absl::StrCat(Where(path, at), ": ", semantic.errors()[i])});
  }
  if (lines.empty()) return spec;
  // In the order of the file; problems of fields it does not set last.
  std::stable_sort(lines.begin(), lines.end(),
                   [](const Line& a, const Line& b) {
                     const int la = a.at.line > 0 ? a.at.line : INT_MAX;
                     const int lb = b.at.line > 0 ? b.at.line : INT_MAX;
                     return la != lb ? la < lb : a.at.column < b.at.column;
                   });
  std::vector<std::string> texts;
  for (Line& line : lines) texts.push_back(std::move(line.text));
  return absl::InvalidArgumentError(absl::StrJoin(texts, "\n"));
}

}  // namespace nasprune::jobspec
