#include "store/registry/sql_registry_store.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "base/clock.h"
#include "db/pg_connection.h"
#include "db/sqlite_connection.h"

namespace orchard {
namespace {

Status NoModel(const std::string& name) {
  return Status::NotFound(fmt::format("Registered Model with name={} not found", name));
}

Status NoVersion(const std::string& name, const std::string& version) {
  return Status::NotFound(
      fmt::format("Model Version (name={}, version={}) not found", name, version));
}

Status ModelExists(const std::string& name) {
  return Status::AlreadyExists(fmt::format("Registered Model (name={}) already exists.", name));
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

Status CheckTagKeys(const std::vector<Tag>& tags) {
  for (const Tag& tag : tags) {
    if (tag.key.empty()) return Status::InvalidParameter("A tag needs a key");
  }
  return Status::Ok();
}

Status RequireModel(SqlSession& db, const std::string& name) {
  ORCHARD_ASSIGN_OR_RETURN(SqlRows found,
                           db.Query("SELECT 1 FROM registered_models WHERE name = ?", {name}));
  return found.rows() > 0 ? Status::Ok() : NoModel(name);
}

// Locks the model's row until the transaction ends (and touches its update time): the writes
// that follow are serialised with every other transaction on the model. NOT_FOUND when missing.
Status LockModel(SqlSession& db, const std::string& name) {
  ORCHARD_ASSIGN_OR_RETURN(
      SqlRows touched,
      db.Query("UPDATE registered_models SET last_updated_timestamp = ? WHERE name = ?",
               {NowMillis(), name}));
  return touched.affected > 0 ? Status::Ok() : NoModel(name);
}

// The model's versions, newest first; `where_extra` (" AND ...") with one more bound value.
StatusOr<std::vector<ModelVersion>> LoadVersions(SqlSession& db, const std::string& name,
                                                 const std::string& where_extra = "",
                                                 const SqlArg& extra = {}) {
  std::vector<SqlArg> args = {name};
  if (!where_extra.empty()) args.push_back(extra);
  ORCHARD_ASSIGN_OR_RETURN(
      SqlRows found,
      db.Query("SELECT version, creation_timestamp, last_updated_timestamp, user_id, "
               "current_stage, description, source, run_id, status, storage_location FROM "
               "model_versions WHERE name = ?" +
                   where_extra + " ORDER BY version DESC",
               args));
  std::vector<ModelVersion> versions;
  for (int r = 0; r < found.rows(); ++r) {
    ModelVersion v;
    v.name = name;
    v.version = found.Text(r, 0);
    v.creation_timestamp = found.Int(r, 1);
    v.last_updated_timestamp = found.Int(r, 2);
    v.user_id = found.Text(r, 3);
    v.current_stage = found.Text(r, 4);
    v.description = found.Text(r, 5);
    v.source = found.Text(r, 6);
    v.run_id = found.Text(r, 7);
    v.status = found.Text(r, 8);
    v.storage_location = found.Text(r, 9);
    versions.push_back(std::move(v));
  }
  auto find = [&](const std::string& version) -> ModelVersion* {
    for (ModelVersion& v : versions) {
      if (v.version == version) return &v;
    }
    return nullptr;
  };
  ORCHARD_ASSIGN_OR_RETURN(
      SqlRows tags,
      db.Query("SELECT version, key, value FROM model_version_tags WHERE name = ? ORDER BY key",
               {name}));
  for (int r = 0; r < tags.rows(); ++r) {
    if (ModelVersion* v = find(tags.Text(r, 0)))
      v->tags.push_back({tags.Text(r, 1), tags.Text(r, 2)});
  }
  ORCHARD_ASSIGN_OR_RETURN(
      SqlRows aliases,
      db.Query("SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias",
               {name}));
  for (int r = 0; r < aliases.rows(); ++r) {
    if (ModelVersion* v = find(aliases.Text(r, 1))) v->aliases.push_back(aliases.Text(r, 0));
  }
  return versions;
}

StatusOr<ModelVersion> LoadVersion(SqlSession& db, const std::string& name, int64_t number) {
  ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions,
                           LoadVersions(db, name, " AND version = ?", number));
  if (versions.empty()) return NoVersion(name, std::to_string(number));
  return versions.front();
}

StatusOr<RegisteredModel> LoadModel(SqlSession& db, const std::string& name) {
  ORCHARD_ASSIGN_OR_RETURN(
      SqlRows found,
      db.Query("SELECT creation_timestamp, last_updated_timestamp, user_id, description FROM "
               "registered_models WHERE name = ?",
               {name}));
  if (found.rows() == 0) return NoModel(name);
  RegisteredModel model;
  model.name = name;
  model.creation_timestamp = found.Int(0, 0);
  model.last_updated_timestamp = found.Int(0, 1);
  model.user_id = found.Text(0, 2);
  model.description = found.Text(0, 3);
  ORCHARD_ASSIGN_OR_RETURN(
      SqlRows tags,
      db.Query("SELECT key, value FROM registered_model_tags WHERE name = ? ORDER BY key", {name}));
  for (int r = 0; r < tags.rows(); ++r) model.tags.push_back({tags.Text(r, 0), tags.Text(r, 1)});
  ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions, LoadVersions(db, name));
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

StatusOr<std::unique_ptr<SqlRegistryStore>> SqlRegistryStore::OpenSqlite(const std::string& db_path,
                                                                         Durability durability) {
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> db,
                           SqliteConnection::Open(db_path, durability));
  return std::unique_ptr<SqlRegistryStore>(new SqlRegistryStore(MakeSqliteDatabase(std::move(db))));
}

StatusOr<std::unique_ptr<SqlRegistryStore>> SqlRegistryStore::OpenPostgres(const std::string& uri,
                                                                           int connections,
                                                                           Durability durability) {
  ORCHARD_ASSIGN_OR_RETURN(PgUri parsed, ParsePostgresUri(uri));
  parsed.durability = durability;
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<PgPool> pool, PgPool::Open(parsed, connections));
  return std::unique_ptr<SqlRegistryStore>(new SqlRegistryStore(MakePgDatabase(std::move(pool))));
}

StatusOr<RegisteredModel> SqlRegistryStore::CreateRegisteredModel(const std::string& name,
                                                                  const std::string& description,
                                                                  const std::vector<Tag>& tags) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_RETURN_IF_ERROR(CheckTagKeys(tags));
  RegisteredModel model;
  ORCHARD_RETURN_IF_ERROR(db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(SqlRows taken,
                             db.Query("SELECT 1 FROM registered_models WHERE name = ?", {name}));
    if (taken.rows() > 0) return ModelExists(name);
    const int64_t now = NowMillis();
    StatusOr<SqlRows> inserted = db.Query(
        "INSERT INTO registered_models (name, creation_timestamp, "
        "last_updated_timestamp, user_id, description, next_version) VALUES (?, ?, ?, "
        "'', ?, 1)",
        {name, now, now, description});
    // Another server may have taken the name since the look above.
    if (!inserted.ok() && inserted.status().code() == ErrorCode::kResourceAlreadyExists) {
      return ModelExists(name);
    }
    ORCHARD_RETURN_IF_ERROR(inserted.status());
    for (const Tag& tag : tags) {
      ORCHARD_RETURN_IF_ERROR(db.Query("INSERT INTO registered_model_tags (name, key, value) "
                                       "VALUES (?, ?, ?) ON CONFLICT (name, key) DO UPDATE SET "
                                       "value = excluded.value",
                                       {name, tag.key, tag.value})
                                  .status());
    }
    ORCHARD_ASSIGN_OR_RETURN(model, LoadModel(db, name));
    return Status::Ok();
  }));
  return model;
}

StatusOr<RegisteredModel> SqlRegistryStore::GetRegisteredModel(const std::string& name) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  RegisteredModel model;
  ORCHARD_RETURN_IF_ERROR(db_->Read([&](SqlSession& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(model, LoadModel(db, name));
    return Status::Ok();
  }));
  return model;
}

StatusOr<std::vector<RegisteredModel>> SqlRegistryStore::ListRegisteredModels() {
  std::vector<RegisteredModel> models;
  ORCHARD_RETURN_IF_ERROR(db_->Read([&](SqlSession& db) -> Status {
    models.clear();
    ORCHARD_ASSIGN_OR_RETURN(SqlRows names,
                             db.Query("SELECT name FROM registered_models ORDER BY name"));
    for (int r = 0; r < names.rows(); ++r) {
      ORCHARD_ASSIGN_OR_RETURN(RegisteredModel model, LoadModel(db, names.Text(r, 0)));
      models.push_back(std::move(model));
    }
    return Status::Ok();
  }));
  return models;
}

Status SqlRegistryStore::DeleteRegisteredModel(const std::string& name) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  return db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(LockModel(db, name));
    for (const char* table : {"registered_model_aliases", "model_version_tags", "model_versions",
                              "registered_model_tags", "registered_models"}) {
      ORCHARD_RETURN_IF_ERROR(
          db.Query(fmt::format("DELETE FROM {} WHERE name = ?", table), {name}).status());
    }
    return Status::Ok();
  });
}

StatusOr<ModelVersion> SqlRegistryStore::CreateModelVersion(const std::string& name,
                                                            const NewModelVersion& version) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_RETURN_IF_ERROR(CheckTagKeys(version.tags));
  ModelVersion created;
  ORCHARD_RETURN_IF_ERROR(db_->Write([&](SqlSession& db) -> Status {
    // Numbers are never reused, even after a version is deleted: a counter per model, whose row
    // lock makes concurrent registrations (from any server) take turns.
    const int64_t now = NowMillis();
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows next,
        db.Query("UPDATE registered_models SET next_version = next_version + 1, "
                 "last_updated_timestamp = ? WHERE name = ? RETURNING next_version - 1",
                 {now, name}));
    if (next.rows() == 0) return NoModel(name);
    const int64_t number = next.Int(0, 0);
    ORCHARD_RETURN_IF_ERROR(
        db.Query("INSERT INTO model_versions (name, version, creation_timestamp, "
                 "last_updated_timestamp, user_id, current_stage, description, source, run_id, "
                 "status, storage_location) VALUES (?, ?, ?, ?, ?, 'None', ?, ?, ?, 'READY', ?)",
                 {name, number, now, now, version.user_id, version.description, version.source,
                  version.run_id, version.storage_location})
            .status());
    for (const Tag& tag : version.tags) {
      ORCHARD_RETURN_IF_ERROR(
          db.Query("INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, "
                   "?) ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value",
                   {name, number, tag.key, tag.value})
              .status());
    }
    ORCHARD_ASSIGN_OR_RETURN(created, LoadVersion(db, name, number));
    return Status::Ok();
  }));
  return created;
}

StatusOr<ModelVersion> SqlRegistryStore::GetModelVersion(const std::string& name,
                                                         const std::string& version) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_ASSIGN_OR_RETURN(int64_t number, VersionNumber(version));
  ModelVersion found;
  ORCHARD_RETURN_IF_ERROR(db_->Read([&](SqlSession& db) -> Status {
    StatusOr<ModelVersion> loaded = LoadVersion(db, name, number);
    if (!loaded.ok()) return NoVersion(name, version);  // the version as the caller wrote it
    found = std::move(loaded).value();
    return Status::Ok();
  }));
  return found;
}

StatusOr<std::vector<ModelVersion>> SqlRegistryStore::ListModelVersions(const std::string& name) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  std::vector<ModelVersion> versions;
  ORCHARD_RETURN_IF_ERROR(db_->Read([&](SqlSession& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(RequireModel(db, name));
    ORCHARD_ASSIGN_OR_RETURN(versions, LoadVersions(db, name));
    return Status::Ok();
  }));
  return versions;
}

StatusOr<ModelVersion> SqlRegistryStore::TransitionStage(const std::string& name,
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
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_ASSIGN_OR_RETURN(int64_t number, VersionNumber(version));
  ModelVersion moved;
  ORCHARD_RETURN_IF_ERROR(db_->Write([&](SqlSession& db) -> Status {
    // A transition changes the model too (its latest versions), as MLflow records it; the lock
    // makes two transitions of one model take turns, so "archive existing" leaves one version.
    ORCHARD_RETURN_IF_ERROR(LockModel(db, name));
    const int64_t now = NowMillis();
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows updated,
        db.Query("UPDATE model_versions SET current_stage = ?, last_updated_timestamp = ? WHERE "
                 "name = ? AND version = ?",
                 {*canonical, now, name, number}));
    if (updated.affected == 0) return NoVersion(name, version);
    if (archive_existing && (*canonical == "Staging" || *canonical == "Production")) {
      ORCHARD_RETURN_IF_ERROR(
          db.Query("UPDATE model_versions SET current_stage = 'Archived', "
                   "last_updated_timestamp = ? WHERE name = ? AND current_stage = ? AND version "
                   "!= ?",
                   {now, name, *canonical, number})
              .status());
    }
    ORCHARD_ASSIGN_OR_RETURN(moved, LoadVersion(db, name, number));
    return Status::Ok();
  }));
  return moved;
}

StatusOr<ModelVersion> SqlRegistryStore::LatestInStage(const std::string& name,
                                                       const std::string& stage) {
  std::optional<std::string> canonical = CanonicalStage(stage);
  if (!canonical) {
    return Status::InvalidParameter(
        fmt::format("Invalid stage '{}': use None, Staging, Production or Archived", stage));
  }
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ModelVersion latest;
  ORCHARD_RETURN_IF_ERROR(db_->Read([&](SqlSession& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(RequireModel(db, name));
    ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions,
                             LoadVersions(db, name, " AND current_stage = ?", *canonical));
    if (versions.empty()) {
      return Status::NotFound(
          fmt::format("Registered model {} has no version in stage {}", name, *canonical));
    }
    latest = std::move(versions.front());
    return Status::Ok();
  }));
  return latest;
}

Status SqlRegistryStore::SetAlias(const std::string& name, const std::string& alias,
                                  const std::string& version) {
  ORCHARD_RETURN_IF_ERROR(ValidateAlias(alias));
  ORCHARD_ASSIGN_OR_RETURN(ModelVersion target, GetModelVersion(name, version));
  return db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(LockModel(db, name));
    // The version may have been deleted since the look above.
    ORCHARD_RETURN_IF_ERROR(LoadVersion(db, name, std::stoll(target.version)).status());
    return db
        .Query(
            "INSERT INTO registered_model_aliases (name, alias, version) VALUES (?, ?, ?) ON "
            "CONFLICT (name, alias) DO UPDATE SET version = excluded.version",
            {name, alias, int64_t{std::stoll(target.version)}})
        .status();
  });
}

Status SqlRegistryStore::DeleteAlias(const std::string& name, const std::string& alias) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  return db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(RequireModel(db, name));
    // MLflow's delete_registered_model_alias: deleting a missing alias succeeds.
    return db
        .Query("DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?", {name, alias})
        .status();
  });
}

StatusOr<ModelVersion> SqlRegistryStore::GetByAlias(const std::string& name,
                                                    const std::string& alias) {
  ModelVersion found;
  ORCHARD_RETURN_IF_ERROR(db_->Read([&](SqlSession& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows target,
        db.Query("SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ?",
                 {name, alias}));
    if (target.rows() == 0) {
      // MLflow's get_model_version_by_alias, for a missing model too.
      return Status::InvalidParameter(fmt::format("Registered model alias {} not found.", alias));
    }
    ORCHARD_ASSIGN_OR_RETURN(found, LoadVersion(db, name, target.Int(0, 0)));
    return Status::Ok();
  }));
  return found;
}

StatusOr<RegisteredModel> SqlRegistryStore::RenameRegisteredModel(const std::string& name,
                                                                  const std::string& new_name) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(new_name));
  RegisteredModel renamed;
  ORCHARD_RETURN_IF_ERROR(db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(LockModel(db, name));
    ORCHARD_ASSIGN_OR_RETURN(SqlRows taken, db.Query("SELECT 1 FROM registered_models WHERE name "
                                                     "= ?",
                                                     {new_name}));
    if (taken.rows() > 0) return ModelExists(new_name);
    for (const char* table : {"registered_models", "registered_model_tags", "model_versions",
                              "model_version_tags", "registered_model_aliases"}) {
      StatusOr<SqlRows> moved =
          db.Query(fmt::format("UPDATE {} SET name = ? WHERE name = ?", table), {new_name, name});
      if (!moved.ok() && moved.status().code() == ErrorCode::kResourceAlreadyExists) {
        return ModelExists(new_name);  // taken by another server since the look above
      }
      ORCHARD_RETURN_IF_ERROR(moved.status());
    }
    ORCHARD_ASSIGN_OR_RETURN(renamed, LoadModel(db, new_name));
    return Status::Ok();
  }));
  return renamed;
}

StatusOr<RegisteredModel> SqlRegistryStore::UpdateRegisteredModel(const std::string& name,
                                                                  const std::string& description) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  RegisteredModel updated;
  ORCHARD_RETURN_IF_ERROR(db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows changed,
        db.Query("UPDATE registered_models SET description = ?, last_updated_timestamp = ? WHERE "
                 "name = ?",
                 {description, NowMillis(), name}));
    if (changed.affected == 0) return NoModel(name);
    ORCHARD_ASSIGN_OR_RETURN(updated, LoadModel(db, name));
    return Status::Ok();
  }));
  return updated;
}

Status SqlRegistryStore::SetRegisteredModelTag(const std::string& name, const Tag& tag) {
  if (tag.key.empty()) return Status::InvalidParameter("A tag needs a key");
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  return db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(RequireModel(db, name));
    return db
        .Query(
            "INSERT INTO registered_model_tags (name, key, value) VALUES (?, ?, ?) ON "
            "CONFLICT (name, key) DO UPDATE SET value = excluded.value",
            {name, tag.key, tag.value})
        .status();
  });
}

Status SqlRegistryStore::DeleteRegisteredModelTag(const std::string& name, const std::string& key) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  return db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(RequireModel(db, name));
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows removed,
        db.Query("DELETE FROM registered_model_tags WHERE name = ? AND key = ?", {name, key}));
    if (removed.affected == 0) {
      return Status::NotFound(fmt::format("Registered model {} has no tag {}", name, key));
    }
    return Status::Ok();
  });
}

StatusOr<ModelVersion> SqlRegistryStore::UpdateModelVersion(const std::string& name,
                                                            const std::string& version,
                                                            const std::string& description) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_ASSIGN_OR_RETURN(int64_t number, VersionNumber(version));
  ModelVersion updated;
  ORCHARD_RETURN_IF_ERROR(db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows changed,
        db.Query("UPDATE model_versions SET description = ?, last_updated_timestamp = ? WHERE "
                 "name = ? AND version = ?",
                 {description, NowMillis(), name, number}));
    if (changed.affected == 0) return NoVersion(name, version);
    ORCHARD_ASSIGN_OR_RETURN(updated, LoadVersion(db, name, number));
    return Status::Ok();
  }));
  return updated;
}

Status SqlRegistryStore::DeleteModelVersion(const std::string& name, const std::string& version) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_ASSIGN_OR_RETURN(int64_t number, VersionNumber(version));
  return db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows removed,
        db.Query("DELETE FROM model_versions WHERE name = ? AND version = ?", {name, number}));
    if (removed.affected == 0) return NoVersion(name, version);
    for (const char* table : {"model_version_tags", "registered_model_aliases"}) {
      ORCHARD_RETURN_IF_ERROR(
          db.Query(fmt::format("DELETE FROM {} WHERE name = ? AND version = ?", table),
                   {name, number})
              .status());
    }
    return Status::Ok();
  });
}

Status SqlRegistryStore::SetModelVersionTag(const std::string& name, const std::string& version,
                                            const Tag& tag) {
  if (tag.key.empty()) return Status::InvalidParameter("A tag needs a key");
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_ASSIGN_OR_RETURN(int64_t number, VersionNumber(version));
  return db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(LoadVersion(db, name, number).status());
    return db
        .Query(
            "INSERT INTO model_version_tags (name, version, key, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name, version, key) DO UPDATE SET value = excluded.value",
            {name, number, tag.key, tag.value})
        .status();
  });
}

Status SqlRegistryStore::DeleteModelVersionTag(const std::string& name, const std::string& version,
                                               const std::string& key) {
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_ASSIGN_OR_RETURN(int64_t number, VersionNumber(version));
  return db_->Write([&](SqlSession& db) -> Status {
    ORCHARD_RETURN_IF_ERROR(LoadVersion(db, name, number).status());
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows removed,
        db.Query("DELETE FROM model_version_tags WHERE name = ? AND version = ? AND key = ?",
                 {name, number, key}));
    if (removed.affected == 0) {
      return Status::NotFound(fmt::format("Model version {}/{} has no tag {}", name, version, key));
    }
    return Status::Ok();
  });
}

StatusOr<std::string> SqlRegistryStore::GetDownloadUri(const std::string& name,
                                                       const std::string& version) {
  ORCHARD_ASSIGN_OR_RETURN(ModelVersion found, GetModelVersion(name, version));
  return found.storage_location;
}

}  // namespace orchard
