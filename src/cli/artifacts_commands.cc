// orchard artifacts log | list | download
#include <filesystem>

#include <fmt/format.h>

#include "base/json_writer.h"
#include "cli/cli_app.h"
#include "cli/output.h"
#include "client/http_artifact_repo.h"

namespace orchard {

void AddArtifactsCommands(CLI::App& app, CliContext& context) {
  CLI::App* group = app.add_subcommand("artifacts", "Log, list and download run artifacts");
  group->require_subcommand(1);

  {
    struct Options {
      std::string run_id, local_path, artifact_path;
    };
    auto options = std::make_shared<Options>();
    auto* cmd = group->add_subcommand("log", "Copy a file, or a folder's contents, into a run");
    AddRunIdOption(cmd, options->run_id);
    cmd->add_option("local_path", options->local_path, "File or folder to log")->required();
    cmd->add_option("--artifact-path", options->artifact_path,
                    "Folder inside the run's artifacts (default: the root)");
    cmd->callback([&context, options] {
      context.action = [&context, options]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<ArtifactRepo> repo,
                                 client->ArtifactsFor(options->run_id));
        std::error_code ec;
        if (std::filesystem::is_directory(options->local_path, ec)) {
          return repo->LogDir(options->local_path, options->artifact_path);
        }
        if (!std::filesystem::exists(options->local_path, ec)) {
          return Status::InvalidParameter(fmt::format(
              "'{}' does not exist; give a file or a folder to log", options->local_path));
        }
        return repo->LogFile(options->local_path, options->artifact_path);
      };
    });
  }
  {
    struct Options {
      std::string run_id, path;
    };
    auto options = std::make_shared<Options>();
    auto* cmd = group->add_subcommand("list", "List the artifacts directly under a path");
    AddRunIdOption(cmd, options->run_id);
    cmd->add_option("--path", options->path, "Folder inside the run's artifacts (default: root)");
    cmd->callback([&context, options] {
      context.action = [&context, options]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        ORCHARD_ASSIGN_OR_RETURN(Run run, client->store().GetRun(options->run_id));
        ORCHARD_ASSIGN_OR_RETURN(
            std::unique_ptr<ArtifactRepo> repo,
            OpenArtifactRepoForRun(run.info.artifact_uri, client->tracking_uri()));
        ORCHARD_ASSIGN_OR_RETURN(std::vector<FileInfo> files, repo->List(options->path));
        if (context.json()) {
          JsonWriter json;
          json.BeginObject().Field("root_uri", run.info.artifact_uri);
          if (!files.empty()) {
            json.Key("files").BeginArray();
            for (const FileInfo& f : files) {
              json.BeginObject().Field("path", f.path).Key("is_dir").Bool(f.is_dir);
              if (!f.is_dir) json.Field("file_size", f.file_size);
              json.EndObject();
            }
            json.EndArray();
          }
          context.out() << json.EndObject().str() << '\n';
          return Status::Ok();
        }
        Table table({"PATH", "TYPE", "SIZE"});
        for (const FileInfo& f : files) {
          table.AddRow(
              {f.path, f.is_dir ? "dir" : "file", f.is_dir ? "-" : std::to_string(f.file_size)});
        }
        table.Print(context.out());
        return Status::Ok();
      };
    });
  }
  {
    struct Options {
      std::string run_id, path, dst = ".";
    };
    auto options = std::make_shared<Options>();
    auto* cmd = group->add_subcommand("download",
                                      "Copy a run's artifact (file or folder) to a local folder");
    AddRunIdOption(cmd, options->run_id);
    cmd->add_option("--path", options->path, "Artifact path (default: everything)");
    cmd->add_option("-d,--dst,--dst-path", options->dst, "Local destination folder (default: .)");
    cmd->callback([&context, options] {
      context.action = [&context, options]() -> Status {
        ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
        ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<ArtifactRepo> repo,
                                 client->ArtifactsFor(options->run_id));
        ORCHARD_ASSIGN_OR_RETURN(std::string local, repo->Download(options->path, options->dst));
        context.out() << local << '\n';
        return Status::Ok();
      };
    });
  }
}

}  // namespace orchard
