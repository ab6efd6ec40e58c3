// The scoring server's request bodies: JSON in every MLflow form (dataframe_split,
// dataframe_records, instances, inputs) and CSV, read into cells for a fixed set of columns.
// The first byte picks JSON or CSV.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "serve/scoring_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const orchard::InputSchema schema({"Loan Amount", "Grade", "Term", "a", "b"});
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  orchard::InputTable table;
  if (data[0] % 2 == 0) {
    (void)orchard::ParseJsonInput(body, schema, table);
  } else {
    (void)orchard::ParseCsvInput(body, schema, table);
  }
  return 0;
}
