// UserStore: the basic-auth app's users and their permissions, in a database of their own
// (AuthConfig::database_uri: SQLite, or PostgreSQL for a team's servers), with MLflow's tables
// and messages (mlflow/server/auth/sqlalchemy_store.py). Passwords are kept as argon2id hashes
// only. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "db/sql_database.h"

namespace orchard {

struct AuthUser {
  int64_t id = 0;
  std::string username;
  bool is_admin = false;
  std::string password_hash;
};

struct ExperimentPermissionRecord {
  std::string experiment_id;
  int64_t user_id = 0;
  std::string permission;
};

struct ModelPermissionRecord {
  std::string name;
  int64_t user_id = 0;
  std::string permission;
};

class UserStore {
 public:
  // "sqlite:///path" (relative to the working folder, as SQLAlchemy reads it) or
  // "postgresql://...". The tables are created when missing.
  static StatusOr<std::unique_ptr<UserStore>> Open(const std::string& database_uri);

  StatusOr<AuthUser> CreateUser(const std::string& username, const std::string& password,
                                bool is_admin = false);
  StatusOr<AuthUser> GetUser(const std::string& username);
  // The user whose name and password these are, or nullopt.
  StatusOr<std::optional<AuthUser>> Authenticate(const std::string& username,
                                                 const std::string& password);
  Status UpdatePassword(const std::string& username, const std::string& password);
  Status UpdateAdmin(const std::string& username, bool is_admin);
  Status DeleteUser(const std::string& username);

  StatusOr<ExperimentPermissionRecord> CreateExperimentPermission(const std::string& experiment_id,
                                                                  const std::string& username,
                                                                  const std::string& permission);
  StatusOr<ExperimentPermissionRecord> GetExperimentPermission(const std::string& experiment_id,
                                                               const std::string& username);
  Status UpdateExperimentPermission(const std::string& experiment_id, const std::string& username,
                                    const std::string& permission);
  Status DeleteExperimentPermission(const std::string& experiment_id, const std::string& username);
  StatusOr<std::vector<ExperimentPermissionRecord>> ExperimentPermissionsOf(int64_t user_id);

  StatusOr<ModelPermissionRecord> CreateModelPermission(const std::string& name,
                                                        const std::string& username,
                                                        const std::string& permission);
  StatusOr<ModelPermissionRecord> GetModelPermission(const std::string& name,
                                                     const std::string& username);
  Status UpdateModelPermission(const std::string& name, const std::string& username,
                               const std::string& permission);
  Status DeleteModelPermission(const std::string& name, const std::string& username);
  StatusOr<std::vector<ModelPermissionRecord>> ModelPermissionsOf(int64_t user_id);
  // Every user's permissions on a model follow it to its new name, or go with it.
  Status RenameModelPermissions(const std::string& old_name, const std::string& new_name);
  Status DeleteModelPermissions(const std::string& name);

 private:
  explicit UserStore(std::unique_ptr<SqlDatabase> db) : db_(std::move(db)) {}
  Status CreateTables();

  std::unique_ptr<SqlDatabase> db_;
};

}  // namespace orchard
