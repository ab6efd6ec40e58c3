#include "store/registry/sqlite_registry_store.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "base/clock.h"

namespace orchard {
namespace {

Status NoModel(const std::string& name) {
  return Status::NotFound(fmt::format("Registered Model with name={} not found", name));
}

Status NoVersion(const std::string& name, const std::string& version) {
  return Status::NotFound(
      fmt::format("Model Version (name={}, version={}) not found", name, version));
}

StatusOr<int64_t> VersionNumber(const std::string& version) {
  if (version.empty() || version.size() > 18 ||
      !std::all_of(version.begin(), version.end(),
                   [](unsigned char c) { return std::isdigit(c); })) {
    return Status::InvalidParameter(
        fmt::format("Model version must be a positive integer, got '{}'", version));
  }
  return int64_t{std::stoll(version)};
}

Status ValidateAlias(const std::string& alias) {
  if (alias.empty() || alias.size() > 255 ||
      !std::all_of(alias.begin(), alias.end(),
                   [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; })) {
    return Status::InvalidParameter(
        fmt::format("Invalid alias '{}': use letters, digits, '_' and '-' (up to 255)", alias));
  }
  if (alias.size() > 1 && (alias[0] == 'v' || alias[0] == 'V') &&
      std::all_of(alias.begin() + 1, alias.end(),
                  [](unsigned char c) { return std::isdigit(c); })) {
    return Status::InvalidParameter(
        fmt::format("Invalid alias '{}': v<number> is reserved for versions", alias));
  }
  if (alias == "latest") return Status::InvalidParameter("'latest' is a reserved alias");
  return Status::Ok();
}

}  // namespace

std::optional<std::string> CanonicalStage(std::string_view stage) {
  for (std::string_view known : kStages) {
    if (known.size() == stage.size() &&
        std::equal(known.begin(), known.end(), stage.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return std::string(known);
    }
  }
  return std::nullopt;
}

Status ValidateModelName(const std::string& name) {
  if (name.empty()) return Status::InvalidParameter("Registered model name cannot be empty");
  if (name.size() > 256 || name.find_first_of("/:") != std::string::npos) {
    return Status::InvalidParameter(
        fmt::format("Invalid model name '{}': at most 256 characters, without '/' or ':'", name));
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<SqliteRegistryStore>> SqliteRegistryStore::Open(
    const std::string& db_path) {
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db, SqliteConnection::Open(db_path));
  return std::unique_ptr<SqliteRegistryStore>(new SqliteRegistryStore(std::move(db)));
}

Status SqliteRegistryStore::RequireModel(const std::string& name) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_ASSIGN_OR_RETURN(SqliteStatement select,
                           db_->Prepare("SELECT 1 FROM registered_models WHERE name = ?"));
  select.Bind(1, name);
  ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
  return found ? Status::Ok() : NoModel(name);
}

StatusOr<std::vector<ModelVersion>> SqliteRegistryStore::LoadVersions(
    const std::string& name, const std::string& where_extra, const std::string& bind_extra) {
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement select,
      db_->PrepareUncached(
          "SELECT version, creation_timestamp, last_updated_timestamp, user_id, current_stage, "
          "description, source, run_id, status, storage_location FROM model_versions WHERE "
          "name = ? " +
          where_extra + " ORDER BY version DESC"));
  select.Bind(1, name);
  if (!where_extra.empty()) select.Bind(2, bind_extra);
  std::vector<ModelVersion> versions;
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    ModelVersion v;
    v.name = name;
    v.version = std::to_string(select.ColumnInt(0));
    v.creation_timestamp = select.ColumnInt(1);
    v.last_updated_timestamp = select.ColumnInt(2);
    v.user_id = select.ColumnText(3);
    v.current_stage = select.ColumnText(4);
    v.description = select.ColumnText(5);
    v.source = select.ColumnText(6);
    v.run_id = select.ColumnText(7);
    v.status = select.ColumnText(8);
    v.storage_location = select.ColumnText(9);
    versions.push_back(std::move(v));
  }
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement version_tags,
      db_->Prepare("SELECT version, key, value FROM model_version_tags WHERE name = ? ORDER BY "
                   "key"));
  version_tags.Bind(1, name);
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(bool row, version_tags.Step());
    if (!row) break;
    std::string version = std::to_string(version_tags.ColumnInt(0));
    for (ModelVersion& v : versions) {
      if (v.version == version)
        v.tags.push_back({version_tags.ColumnText(1), version_tags.ColumnText(2)});
    }
  }
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement aliases,
      db_->Prepare("SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY "
                   "alias"));
  aliases.Bind(1, name);
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(bool row, aliases.Step());
    if (!row) break;
    std::string version = std::to_string(aliases.ColumnInt(1));
    for (ModelVersion& v : versions) {
      if (v.version == version) v.aliases.push_back(aliases.ColumnText(0));
    }
  }
  return versions;
}

StatusOr<RegisteredModel> SqliteRegistryStore::LoadModel(const std::string& name) {
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement select,
      db_->Prepare("SELECT creation_timestamp, last_updated_timestamp, user_id, description FROM "
                   "registered_models WHERE name = ?"));
  select.Bind(1, name);
  ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
  if (!found) return NoModel(name);
  RegisteredModel model;
  model.name = name;
  model.creation_timestamp = select.ColumnInt(0);
  model.last_updated_timestamp = select.ColumnInt(1);
  model.user_id = select.ColumnText(2);
  model.description = select.ColumnText(3);
  ORCHARD_ASSIGN_OR_RETURN(
      SqliteStatement tags,
      db_->Prepare("SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key"));
  tags.Bind(1, name);
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(bool row, tags.Step());
    if (!row) break;
    model.tags.push_back({tags.ColumnText(0), tags.ColumnText(1)});
  }
  ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions, LoadVersions(name, "", ""));
  for (const ModelVersion& v : versions) {
    for (const std::string& alias : v.aliases) model.aliases.emplace_back(alias, v.version);
    // Newest first: the first seen per stage is its latest.
    bool seen =
        std::any_of(model.latest_versions.begin(), model.latest_versions.end(),
                    [&](const ModelVersion& l) { return l.current_stage == v.current_stage; });
    if (!seen) model.latest_versions.push_back(v);
  }
  std::sort(model.aliases.begin(), model.aliases.end());
  // Oldest version first, as MLflow lists them.
  std::sort(model.latest_versions.begin(), model.latest_versions.end(),
            [](const ModelVersion& a, const ModelVersion& b) {
              return std::stoll(a.version) < std::stoll(b.version);
            });
  return model;
}

StatusOr<RegisteredModel> SqliteRegistryStore::CreateRegisteredModel(const std::string& name,
                                                                     const std::string& description,
                                                                     const std::vector<Tag>& tags) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  std::lock_guard lock(mutex_);
  Status written = db_->WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement exists,
                             db_->Prepare("SELECT 1 FROM registered_models WHERE name = ?"));
    exists.Bind(1, name);
    ORCHARD_ASSIGN_OR_RETURN(bool taken, exists.Step());
    if (taken) {
      return Status::AlreadyExists(fmt::format("Registered Model (name={}) already exists.", name));
    }
    const int64_t now = NowMillis();
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement insert,
        db_->Prepare("INSERT INTO registered_models (name, creation_timestamp, "
                     "last_updated_timestamp, user_id, description, next_version) VALUES (?, ?, "
                     "?, '', ?, 1)"));
    ORCHARD_RETURN_IF_ERROR(
        insert.Bind(1, name).Bind(2, now).Bind(3, now).Bind(4, description).Run());
    for (const Tag& tag : tags) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement tag_insert,
          db_->Prepare("INSERT OR REPLACE INTO registered_model_tags (name, key, value) VALUES "
                       "(?, ?, ?)"));
      ORCHARD_RETURN_IF_ERROR(tag_insert.Bind(1, name).Bind(2, tag.key).Bind(3, tag.value).Run());
    }
    return Status::Ok();
  });
  ORCHARD_RETURN_IF_ERROR(written);
  return LoadModel(name);
}

StatusOr<RegisteredModel> SqliteRegistryStore::GetRegisteredModel(const std::string& name) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  std::lock_guard lock(mutex_);
  return LoadModel(name);
}

StatusOr<std::vector<RegisteredModel>> SqliteRegistryStore::ListRegisteredModels() {
  std::lock_guard lock(mutex_);
  ORCHARD_ASSIGN_OR_RETURN(SqliteStatement select,
                           db_->Prepare("SELECT name FROM registered_models ORDER BY name"));
  std::vector<std::string> names;
  while (true) {
    ORCHARD_ASSIGN_OR_RETURN(bool row, select.Step());
    if (!row) break;
    names.push_back(select.ColumnText(0));
  }
  std::vector<RegisteredModel> models;
  for (const std::string& name : names) {
    ORCHARD_ASSIGN_OR_RETURN(RegisteredModel model, LoadModel(name));
    models.push_back(std::move(model));
  }
  return models;
}

Status SqliteRegistryStore::DeleteRegisteredModel(const std::string& name) {
  std::lock_guard lock(mutex_);
  ORCHARD_RETURN_IF_ERROR(RequireModel(name));
  return db_->WriteTransaction([&]() -> Status {
    for (const char* table : {"registered_model_aliases", "model_version_tags", "model_versions",
                              "registered_model_tags", "registered_models"}) {
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement remove,
                               db_->Prepare(fmt::format("DELETE FROM {} WHERE name = ?", table)));
      ORCHARD_RETURN_IF_ERROR(remove.Bind(1, name).Run());
    }
    return Status::Ok();
  });
}

StatusOr<ModelVersion> SqliteRegistryStore::CreateModelVersion(const std::string& name,
                                                               const NewModelVersion& version) {
  for (const Tag& tag : version.tags) {
    if (tag.key.empty()) return Status::InvalidParameter("A tag needs a key");
  }
  std::lock_guard lock(mutex_);
  ORCHARD_RETURN_IF_ERROR(RequireModel(name));
  int64_t number = 0;
  Status written = db_->WriteTransaction([&]() -> Status {
    // Numbers are never reused, even after a version is deleted: a counter per model.
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement next,
        db_->Prepare("UPDATE registered_models SET next_version = next_version + 1, "
                     "last_updated_timestamp = ? WHERE name = ? RETURNING next_version - 1"));
    next.Bind(1, NowMillis()).Bind(2, name);
    ORCHARD_ASSIGN_OR_RETURN(bool row, next.Step());
    if (!row) return NoModel(name);
    number = next.ColumnInt(0);
    const int64_t now = NowMillis();
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement insert,
        db_->Prepare("INSERT INTO model_versions (name, version, creation_timestamp, "
                     "last_updated_timestamp, user_id, current_stage, description, source, "
                     "run_id, status, storage_location) VALUES (?, ?, ?, ?, ?, 'None', ?, ?, ?, "
                     "'READY', ?)"));
    ORCHARD_RETURN_IF_ERROR(insert.Bind(1, name)
                                .Bind(2, number)
                                .Bind(3, now)
                                .Bind(4, now)
                                .Bind(5, version.user_id)
                                .Bind(6, version.description)
                                .Bind(7, version.source)
                                .Bind(8, version.run_id)
                                .Bind(9, version.storage_location)
                                .Run());
    for (const Tag& tag : version.tags) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement tag_insert,
          db_->Prepare("INSERT OR REPLACE INTO model_version_tags (name, version, key, value) "
                       "VALUES (?, ?, ?, ?)"));
      ORCHARD_RETURN_IF_ERROR(
          tag_insert.Bind(1, name).Bind(2, number).Bind(3, tag.key).Bind(4, tag.value).Run());
    }
    return Status::Ok();
  });
  ORCHARD_RETURN_IF_ERROR(written);
  ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions,
                           LoadVersions(name, "AND version = ?", std::to_string(number)));
  return versions.at(0);
}

StatusOr<ModelVersion> SqliteRegistryStore::GetModelVersion(const std::string& name,
                                                            const std::string& version) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_ASSIGN_OR_RETURN(int64_t number, VersionNumber(version));
  std::lock_guard lock(mutex_);
  ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions,
                           LoadVersions(name, "AND version = ?", std::to_string(number)));
  if (versions.empty()) return NoVersion(name, version);
  return versions.front();
}

StatusOr<std::vector<ModelVersion>> SqliteRegistryStore::ListModelVersions(
    const std::string& name) {
  std::lock_guard lock(mutex_);
  ORCHARD_RETURN_IF_ERROR(RequireModel(name));
  return LoadVersions(name, "", "");
}

StatusOr<ModelVersion> SqliteRegistryStore::TransitionStage(const std::string& name,
                                                            const std::string& version,
                                                            const std::string& stage,
                                                            bool archive_existing) {
  std::optional<std::string> canonical = CanonicalStage(stage);
  if (!canonical) {
    return Status::InvalidParameter(fmt::format(
        "Invalid Model Version stage: {}. Value must be one of None, Staging, Production, "
        "Archived.",
        stage));
  }
  ORCHARD_ASSIGN_OR_RETURN(ModelVersion current, GetModelVersion(name, version));
  std::lock_guard lock(mutex_);
  Status written = db_->WriteTransaction([&]() -> Status {
    const int64_t now = NowMillis();
    if (archive_existing && (*canonical == "Staging" || *canonical == "Production")) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement archive,
          db_->Prepare("UPDATE model_versions SET current_stage = 'Archived', "
                       "last_updated_timestamp = ? WHERE name = ? AND current_stage = ? AND "
                       "version != ?"));
      ORCHARD_RETURN_IF_ERROR(archive.Bind(1, now)
                                  .Bind(2, name)
                                  .Bind(3, *canonical)
                                  .Bind(4, int64_t{std::stoll(version)})
                                  .Run());
    }
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement update,
        db_->Prepare("UPDATE model_versions SET current_stage = ?, last_updated_timestamp = ? "
                     "WHERE name = ? AND version = ?"));
    ORCHARD_RETURN_IF_ERROR(update.Bind(1, *canonical)
                                .Bind(2, now)
                                .Bind(3, name)
                                .Bind(4, int64_t{std::stoll(version)})
                                .Run());
    // A transition changes the model too (its latest versions), as MLflow records it.
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement touch,
        db_->Prepare("UPDATE registered_models SET last_updated_timestamp = ? WHERE name = ?"));
    return touch.Bind(1, now).Bind(2, name).Run();
  });
  ORCHARD_RETURN_IF_ERROR(written);
  ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions,
                           LoadVersions(name, "AND version = ?", current.version));
  return versions.at(0);
}

StatusOr<ModelVersion> SqliteRegistryStore::LatestInStage(const std::string& name,
                                                          const std::string& stage) {
  std::optional<std::string> canonical = CanonicalStage(stage);
  if (!canonical) {
    return Status::InvalidParameter(
        fmt::format("Invalid stage '{}': use None, Staging, Production or Archived", stage));
  }
  std::lock_guard lock(mutex_);
  ORCHARD_RETURN_IF_ERROR(RequireModel(name));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions,
                           LoadVersions(name, "AND current_stage = ?", *canonical));
  if (versions.empty()) {
    return Status::NotFound(
        fmt::format("Registered model {} has no version in stage {}", name, *canonical));
  }
  return versions.front();
}

Status SqliteRegistryStore::SetAlias(const std::string& name, const std::string& alias,
                                     const std::string& version) {
  ORCHARD_RETURN_IF_ERROR(ValidateAlias(alias));
  ORCHARD_ASSIGN_OR_RETURN(ModelVersion target, GetModelVersion(name, version));
  std::lock_guard lock(mutex_);
  return db_->WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement upsert,
        db_->Prepare("INSERT OR REPLACE INTO registered_model_aliases (name, alias, version) "
                     "VALUES (?, ?, ?)"));
    return upsert.Bind(1, name).Bind(2, alias).Bind(3, int64_t{std::stoll(target.version)}).Run();
  });
}

Status SqliteRegistryStore::DeleteAlias(const std::string& name, const std::string& alias) {
  std::lock_guard lock(mutex_);
  ORCHARD_RETURN_IF_ERROR(RequireModel(name));
  return db_->WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement remove,
        db_->Prepare("DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?"));
    // MLflow's delete_registered_model_alias: deleting a missing alias succeeds.
    return remove.Bind(1, name).Bind(2, alias).Run();
  });
}

StatusOr<ModelVersion> SqliteRegistryStore::GetByAlias(const std::string& name,
                                                       const std::string& alias) {
  int64_t version = 0;
  {
    std::lock_guard lock(mutex_);
    ORCHARD_ASSIGN_OR_RETURN(
        SqliteStatement select,
        db_->Prepare("SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?"));
    select.Bind(1, name).Bind(2, alias);
    ORCHARD_ASSIGN_OR_RETURN(bool found, select.Step());
    if (!found) {
      // MLflow's get_model_version_by_alias, for a missing model too.
      return Status::InvalidParameter(fmt::format("Registered model alias {} not found.", alias));
    }
    version = select.ColumnInt(0);
  }
  return GetModelVersion(name, std::to_string(version));
}

Status SqliteRegistryStore::WriteRow(const std::string& sql, const std::vector<std::string>& values,
                                     const Status& missing) {
  return db_->WriteTransaction([&]() -> Status {
    ORCHARD_ASSIGN_OR_RETURN(SqliteStatement statement, db_->Prepare(sql));
    for (size_t i = 0; i < values.size(); ++i) statement.Bind(static_cast<int>(i) + 1, values[i]);
    ORCHARD_RETURN_IF_ERROR(statement.Run());
    return db_->Changes() == 0 ? missing : Status::Ok();
  });
}

StatusOr<RegisteredModel> SqliteRegistryStore::RenameRegisteredModel(const std::string& name,
                                                                     const std::string& new_name) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(new_name));
  {
    std::lock_guard lock(mutex_);
    ORCHARD_RETURN_IF_ERROR(RequireModel(name));
    Status written = db_->WriteTransaction([&]() -> Status {
      ORCHARD_ASSIGN_OR_RETURN(SqliteStatement exists,
                               db_->Prepare("SELECT 1 FROM registered_models WHERE name = ?"));
      exists.Bind(1, new_name);
      ORCHARD_ASSIGN_OR_RETURN(bool taken, exists.Step());
      if (taken) {
        return Status::AlreadyExists(
            fmt::format("Registered Model (name={}) already exists.", new_name));
      }
      for (const char* table : {"registered_models", "registered_model_tags", "model_versions",
                                "model_version_tags", "registered_model_aliases"}) {
        ORCHARD_ASSIGN_OR_RETURN(
            SqliteStatement rename,
            db_->Prepare(fmt::format("UPDATE {} SET name = ? WHERE name = ?", table)));
        ORCHARD_RETURN_IF_ERROR(rename.Bind(1, new_name).Bind(2, name).Run());
      }
      return Status::Ok();
    });
    ORCHARD_RETURN_IF_ERROR(written);
  }
  return GetRegisteredModel(new_name);
}

StatusOr<RegisteredModel> SqliteRegistryStore::UpdateRegisteredModel(
    const std::string& name, const std::string& description) {
  {
    std::lock_guard lock(mutex_);
    ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
    ORCHARD_RETURN_IF_ERROR(WriteRow(
        "UPDATE registered_models SET description = ?, last_updated_timestamp = ? WHERE name = ?",
        {description, std::to_string(NowMillis()), name}, NoModel(name)));
  }
  return GetRegisteredModel(name);
}

Status SqliteRegistryStore::SetRegisteredModelTag(const std::string& name, const Tag& tag) {
  if (tag.key.empty()) return Status::InvalidParameter("A tag needs a key");
  std::lock_guard lock(mutex_);
  ORCHARD_RETURN_IF_ERROR(RequireModel(name));
  return WriteRow(
      "INSERT OR REPLACE INTO registered_model_tags (name, key, value) VALUES (?, ?, ?)",
      {name, tag.key, tag.value}, Status::Ok());
}

Status SqliteRegistryStore::DeleteRegisteredModelTag(const std::string& name,
                                                     const std::string& key) {
  std::lock_guard lock(mutex_);
  ORCHARD_RETURN_IF_ERROR(RequireModel(name));
  return WriteRow("DELETE FROM registered_model_tags WHERE name = ? AND key = ?", {name, key},
                  Status::NotFound(fmt::format("Registered model {} has no tag {}", name, key)));
}

StatusOr<ModelVersion> SqliteRegistryStore::UpdateModelVersion(const std::string& name,
                                                               const std::string& version,
                                                               const std::string& description) {
  ORCHARD_ASSIGN_OR_RETURN(ModelVersion current, GetModelVersion(name, version));
  {
    std::lock_guard lock(mutex_);
    ORCHARD_RETURN_IF_ERROR(WriteRow(
        "UPDATE model_versions SET description = ?, last_updated_timestamp = ? WHERE name = ? "
        "AND version = ?",
        {description, std::to_string(NowMillis()), name, current.version},
        NoVersion(name, version)));
  }
  return GetModelVersion(name, version);
}

Status SqliteRegistryStore::DeleteModelVersion(const std::string& name,
                                               const std::string& version) {
  ORCHARD_ASSIGN_OR_RETURN(ModelVersion current, GetModelVersion(name, version));
  std::lock_guard lock(mutex_);
  return db_->WriteTransaction([&]() -> Status {
    for (const char* table : {"model_versions", "model_version_tags", "registered_model_aliases"}) {
      ORCHARD_ASSIGN_OR_RETURN(
          SqliteStatement remove,
          db_->Prepare(fmt::format("DELETE FROM {} WHERE name = ? AND version = ?", table)));
      ORCHARD_RETURN_IF_ERROR(
          remove.Bind(1, name).Bind(2, int64_t{std::stoll(current.version)}).Run());
    }
    return Status::Ok();
  });
}

Status SqliteRegistryStore::SetModelVersionTag(const std::string& name, const std::string& version,
                                               const Tag& tag) {
  if (tag.key.empty()) return Status::InvalidParameter("A tag needs a key");
  ORCHARD_ASSIGN_OR_RETURN(ModelVersion current, GetModelVersion(name, version));
  std::lock_guard lock(mutex_);
  return WriteRow(
      "INSERT OR REPLACE INTO model_version_tags (name, version, key, value) VALUES (?, "
      "CAST(? AS INTEGER), ?, ?)",
      {name, current.version, tag.key, tag.value}, Status::Ok());
}

Status SqliteRegistryStore::DeleteModelVersionTag(const std::string& name,
                                                  const std::string& version,
                                                  const std::string& key) {
  ORCHARD_ASSIGN_OR_RETURN(ModelVersion current, GetModelVersion(name, version));
  std::lock_guard lock(mutex_);
  return WriteRow(
      "DELETE FROM model_version_tags WHERE name = ? AND version = CAST(? AS INTEGER) AND key = ?",
      {name, current.version, key},
      Status::NotFound(fmt::format("Model version {}/{} has no tag {}", name, version, key)));
}

StatusOr<std::string> SqliteRegistryStore::GetDownloadUri(const std::string& name,
                                                          const std::string& version) {
  ORCHARD_ASSIGN_OR_RETURN(ModelVersion found, GetModelVersion(name, version));
  return found.storage_location;
}

}  // namespace orchard
