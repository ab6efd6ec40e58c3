#!/usr/bin/env bash
# Writes the command reference (docs/cli.md) from the binary's own --help texts, so the document
# cannot drift from the code. Usage: scripts/gen-cli-doc.sh [ORCHARD_BINARY] > docs/cli.md
# (A test checks that docs/cli.md is current.)
set -euo pipefail
orchard=${1:-build/orchard}

subcommands() {  # the names listed under "Subcommands:" in a help text
  "$orchard" "$@" --help | awk '/^Subcommands:/ { on = 1; next } on && NF { print $1 }'
}

echo "# Command reference"
echo
echo "Generated from \`orchard ... --help\` by \`scripts/gen-cli-doc.sh\`; do not edit by hand."
echo
echo '```'
"$orchard" --help
echo '```'
for group in $(subcommands); do
  echo
  echo "## orchard $group"
  if [ -z "$(subcommands "$group")" ]; then  # a command without subcommands of its own
    echo
    echo '```'
    "$orchard" "$group" --help
    echo '```'
  fi
  for command in $(subcommands "$group"); do
    echo
    echo "### orchard $group $command"
    echo
    echo '```'
    "$orchard" "$group" "$command" --help
    echo '```'
  done
done
