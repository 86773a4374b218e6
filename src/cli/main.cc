#include "cli/app.h"

int main(int argc, char** argv) {
  return snapkeep::cli::run(argc, argv);
}
