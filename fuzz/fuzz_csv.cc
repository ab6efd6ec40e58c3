// The CSV reader on arbitrary bytes, with inferred types and with every column forced one way.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "data/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)orchard::ParseCsv(text);
  orchard::CsvOptions forced;
  forced.categorical = {"a", "b"};
  forced.numeric = {"c", "x"};
  (void)orchard::ParseCsv(text, forced, "fuzz.csv");
  return 0;
}
