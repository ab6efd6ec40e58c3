// orchard runs sync-slurm: brings the runs that Slurm jobs execute up to date with their jobs.
#include <fmt/format.h>

#include "cli/cli_app.h"
#include "slurm/slurm_runs.h"

namespace orchard {

void AddRunsSyncSlurmCommand(CLI::App& runs, CliContext& context) {
  auto* cmd = runs.add_subcommand(
      "sync-slurm",
      "Bring every run that a Slurm job executes up to date with its job (status, end time, "
      "output), as `orchard run --backend slurm` does while it waits; for --no-wait runs");
  cmd->callback([&context] {
    context.action = [&context]() -> Status {
      ORCHARD_ASSIGN_OR_RETURN(Client * client, context.client());
      ORCHARD_ASSIGN_OR_RETURN(int changed, SyncSlurmRuns(*client, context.err()));
      context.out() << fmt::format("{} run{} brought up to date\n", changed,
                                   changed == 1 ? "" : "s");
      return Status::Ok();
    };
  });
}

}  // namespace orchard
