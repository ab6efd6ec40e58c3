#include "data/zip_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include <fmt/format.h>

namespace orchard {
namespace {

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

StatusOr<ArchivePtr> OpenZip(const std::string& path) {
  ArchivePtr reader(archive_read_new(), archive_read_free);
  archive_read_support_format_zip(reader.get());
  if (archive_read_open_filename(reader.get(), path.c_str(), 1 << 16) != ARCHIVE_OK) {
    return Status::InvalidParameter(fmt::format("'{}' is not a zip archive that can be read: {}",
                                                path, archive_error_string(reader.get())));
  }
  return reader;
}

Status Corrupt(const std::string& path, archive* reader) {
  const char* why = archive_error_string(reader);
  return Status::InvalidParameter(fmt::format(
      "the archive '{}' is corrupt ({}); delete it from the cache and download it again", path,
      why != nullptr ? why : "unreadable"));
}

}  // namespace

bool LooksLikeZip(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
}

StatusOr<std::vector<std::string>> ListZip(const std::string& zip_path) {
  ORCHARD_ASSIGN_OR_RETURN(ArchivePtr reader, OpenZip(zip_path));
  std::vector<std::string> names;
  archive_entry* entry = nullptr;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) == AE_IFREG)
      names.emplace_back(archive_entry_pathname(entry));
    // Reading the data checks each entry's CRC: a corrupt archive fails here, not later.
    if (archive_read_data_skip(reader.get()) != ARCHIVE_OK) return Corrupt(zip_path, reader.get());
  }
  if (rc != ARCHIVE_EOF) return Corrupt(zip_path, reader.get());
  return names;
}

Status ExtractZipEntry(const std::string& zip_path, const std::string& wanted,
                       const std::string& destination) {
  ORCHARD_ASSIGN_OR_RETURN(ArchivePtr reader, OpenZip(zip_path));
  archive_entry* entry = nullptr;
  int rc = ARCHIVE_OK;
  while ((rc = archive_read_next_header(reader.get(), &entry)) == ARCHIVE_OK) {
    if (archive_entry_pathname(entry) != wanted) continue;
    std::string temp = destination + ".tmp";
    {
      std::ofstream out(temp, std::ios::binary | std::ios::trunc);
      char buffer[1 << 16];
      la_ssize_t read = 0;
      while ((read = archive_read_data(reader.get(), buffer, sizeof(buffer))) > 0) {
        out.write(buffer, read);
      }
      if (read < 0) {
        out.close();
        std::filesystem::remove(temp);
        return Corrupt(zip_path, reader.get());
      }
      out.close();
      if (!out) {
        return Status(ErrorCode::kInvalidState, fmt::format("cannot write '{}'", destination));
      }
    }
    std::error_code ec;
    std::filesystem::rename(temp, destination, ec);
    if (ec) {
      return Status(ErrorCode::kInvalidState,
                    fmt::format("cannot write '{}': {}", destination, ec.message()));
    }
    return Status::Ok();
  }
  if (rc != ARCHIVE_EOF) return Corrupt(zip_path, reader.get());
  return Status::NotFound(fmt::format("the archive '{}' holds no file '{}'", zip_path, wanted));
}

}  // namespace orchard
