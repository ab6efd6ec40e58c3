// UploadStaging: where a server writes uploads before renaming them into the artifact folder.
// Outside the users' artifact namespace, so an upload cut short (a crash, a dropped client) never
// shows up as a partial artifact, and no user file name is reserved for it.
//
// The staging folder is a sibling of the artifact root: "<parent>/.<root name>.staging", when that
// is on the root's filesystem (a rename must not cross filesystems). Otherwise (the root is a
// mount point) it is ".orchard-staging" inside the root, a name the artifact endpoints refuse and
// hide. Each server process works in a subfolder of its own, locked (flock) while it runs; Open()
// removes the subfolders of processes that are gone, so several servers may share one root.
#pragma once

#include <memory>
#include <string>

#include "base/owned_folder.h"
#include "base/status.h"

namespace orchard {

class UploadStaging {
 public:
  // The reserved name used when the staging folder lives inside the artifact root.
  static constexpr const char* kInsideRootName = ".orchard-staging";

  // Creates this process's staging subfolder for `artifact_root` (an existing absolute folder)
  // and removes what servers that stopped or crashed left behind. INVALID_STATE when the folder
  // cannot be created.
  static StatusOr<std::unique_ptr<UploadStaging>> Open(const std::string& artifact_root);
  ~UploadStaging();  // removes this process's subfolder
  UploadStaging(const UploadStaging&) = delete;
  UploadStaging& operator=(const UploadStaging&) = delete;

  // A new file path in this process's subfolder (not created).
  std::string NewFilePath() const;
  const std::string& folder() const { return own_folder_; }
  // What Open() removed: subfolders of processes that are gone.
  int removed_leftovers() const { return removed_leftovers_; }

 private:
  UploadStaging() = default;

  std::unique_ptr<OwnedFolder> own_;  // this process's subfolder, locked while it runs
  std::string own_folder_;
  int removed_leftovers_ = 0;
};

}  // namespace orchard
