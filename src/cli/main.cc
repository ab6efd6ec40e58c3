// The orchard executable: everything is in the CLI library, so tests can drive it in-process.
#include <iostream>

#include "cli/cli_app.h"

int main(int argc, char** argv) { return orchard::RunCli(argc, argv, std::cout, std::cerr); }
