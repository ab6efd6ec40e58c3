// orchard datasets make-loan
#include <chrono>

#include <fmt/format.h>

#include "cli/cli_app.h"
#include "data/csv_reader.h"
#include "data/loan_generator.h"
#include "store/artifact/local_artifact_repo.h"

namespace orchard {

namespace {

void AddFetchCommand(CLI::App* group, CliContext& context) {
  struct Options {
    std::string source, output;
  };
  auto options = std::make_shared<Options>();
  auto* cmd = group->add_subcommand(
      "fetch",
      "Download a data source into the cache (or a file) and print its local path: an "
      "http(s):// URL or kaggle:owner/dataset[/file.csv]");
  cmd->add_option("source", options->source, "The source")->required();
  cmd->add_option("-o,--output", options->output, "Also copy the file here");
  cmd->callback([&context, options] {
    context.action = [&context, options]() -> Status {
      ORCHARD_ASSIGN_OR_RETURN(SourceOptions sources, context.DataSources());
      ORCHARD_ASSIGN_OR_RETURN(std::string path, ResolveDataSource(options->source, sources));
      if (!options->output.empty()) {
        ORCHARD_RETURN_IF_ERROR(CopyFileAtomic(path, options->output));
        path = options->output;
      }
      context.out() << path << '\n';
      return Status::Ok();
    };
  });
}

}  // namespace

void AddDatasetsCommands(CLI::App& app, CliContext& context) {
  CLI::App* group = app.add_subcommand("datasets", "Make and fetch data sets");
  group->require_subcommand(1);
  AddFetchCommand(group, context);
  struct Options {
    size_t rows = 67463;
    uint64_t seed = 42;
    std::string output = "loan.csv";
  };
  auto options = std::make_shared<Options>();
  auto* cmd = group->add_subcommand(
      "make-loan",
      "Write a synthetic loan-default CSV with the Kaggle data's schema (35 columns, target "
      "'Loan Status', about 9% defaults). Synthetic: no row is a real loan");
  cmd->add_option("--rows", options->rows, "Rows to write")->check(CLI::Range(2, 100000000));
  cmd->add_option("--seed", options->seed, "Random seed (the same seed writes the same file)");
  cmd->add_option("-o,--output", options->output, "CSV file to write");
  cmd->callback([&context, options] {
    context.action = [&context, options]() -> Status {
      auto start = std::chrono::steady_clock::now();
      Frame frame = MakeLoanFrame(options->rows, options->seed);
      ORCHARD_RETURN_IF_ERROR(WriteCsv(frame, options->output));
      size_t positives = 0;
      for (double value : frame.columns.back().numbers) positives += value == 1.0;
      context.out()
          << fmt::format(
                 "wrote {} rows x {} columns to {} ({:.1f}% defaults) in {:.2f} s", frame.rows,
                 frame.columns.size(), options->output,
                 100.0 * static_cast<double>(positives) / static_cast<double>(frame.rows),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count())
          << '\n';
      return Status::Ok();
    };
  });
}

}  // namespace orchard
