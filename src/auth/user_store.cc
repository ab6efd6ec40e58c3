#include "auth/user_store.h"

#include <fmt/format.h>

#include "auth/password_hash.h"
#include "auth/permission.h"
#include "db/pg_connection.h"
#include "db/pg_uri.h"
#include "db/sqlite_connection.h"

namespace orchard {
namespace {

Status NoUser(const std::string& username) {
  return Status::NotFound(fmt::format("User with username={} not found", username));
}

Status CheckUsername(const std::string& username) {
  if (username.empty()) return Status::InvalidParameter("Username cannot be empty.");
  return Status::Ok();
}

Status CheckPassword(const std::string& password) {
  if (password.empty()) return Status::InvalidParameter("Password cannot be empty.");
  return Status::Ok();
}

StatusOr<int64_t> UserId(SqlSession& session, const std::string& username) {
  ORCHARD_ASSIGN_OR_RETURN(SqlRows rows,
                           session.Query("SELECT id FROM users WHERE username = ?", {username}));
  if (rows.rows() == 0) return NoUser(username);
  return rows.Int(0, 0);
}

}  // namespace

StatusOr<std::unique_ptr<UserStore>> UserStore::Open(const std::string& database_uri) {
  std::unique_ptr<SqlDatabase> db;
  if (database_uri.starts_with("sqlite:///")) {
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> connection,
                             SqliteConnection::Open(database_uri.substr(10)));
    db = MakeSqliteDatabase(std::move(connection));
  } else if (database_uri.starts_with("postgresql://") || database_uri.starts_with("postgres://") ||
             database_uri.starts_with("postgresql+psycopg2://")) {
    ORCHARD_ASSIGN_OR_RETURN(PgUri parsed, ParsePostgresUri(database_uri));
    ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<PgPool> pool, PgPool::Open(parsed, 2));
    db = MakePgDatabase(std::move(pool));
  } else {
    return Status::InvalidParameter(fmt::format(
        "database_uri '{}' of the auth configuration must be sqlite:///PATH or postgresql://...",
        database_uri));
  }
  auto store = std::unique_ptr<UserStore>(new UserStore(std::move(db)));
  ORCHARD_RETURN_IF_ERROR(store->CreateTables());
  return store;
}

Status UserStore::CreateTables() {
  return db_->Write([](SqlSession& session) -> Status {
    for (const char* sql :
         {"CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, username VARCHAR(255) NOT "
          "NULL UNIQUE, password_hash VARCHAR(255) NOT NULL, is_admin INTEGER NOT NULL DEFAULT 0)",
          "CREATE TABLE IF NOT EXISTS experiment_permissions (experiment_id VARCHAR(255) NOT "
          "NULL, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, permission "
          "VARCHAR(255) NOT NULL, PRIMARY KEY (experiment_id, user_id))",
          "CREATE TABLE IF NOT EXISTS registered_model_permissions (name VARCHAR(255) NOT NULL, "
          "user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, permission "
          "VARCHAR(255) NOT NULL, PRIMARY KEY (name, user_id))"}) {
      ORCHARD_RETURN_IF_ERROR(session.Query(sql).status());
    }
    return Status::Ok();
  });
}

StatusOr<AuthUser> UserStore::CreateUser(const std::string& username, const std::string& password,
                                         bool is_admin) {
  ORCHARD_RETURN_IF_ERROR(CheckUsername(username));
  ORCHARD_RETURN_IF_ERROR(CheckPassword(password));
  ORCHARD_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  AuthUser user{.username = username, .is_admin = is_admin, .password_hash = hash};
  ORCHARD_RETURN_IF_ERROR(db_->Write([&](SqlSession& session) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(SqlRows taken,
                             session.Query("SELECT 1 FROM users WHERE username = ?", {username}));
    if (taken.rows() > 0) {
      return Status::AlreadyExists(fmt::format("User (username={}) already exists.", username));
    }
    ORCHARD_ASSIGN_OR_RETURN(SqlRows next,
                             session.Query("SELECT COALESCE(MAX(id), 0) + 1 FROM users"));
    user.id = next.Int(0, 0);
    return session
        .Query("INSERT INTO users (id, username, password_hash, is_admin) VALUES (?, ?, ?, ?)",
               {user.id, username, hash, int64_t{is_admin ? 1 : 0}})
        .status();
  }));
  return user;
}

StatusOr<AuthUser> UserStore::GetUser(const std::string& username) {
  AuthUser user;
  ORCHARD_RETURN_IF_ERROR(db_->Read([&](SqlSession& session) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows rows,
        session.Query("SELECT id, username, password_hash, is_admin FROM users WHERE username = ?",
                      {username}));
    if (rows.rows() == 0) return NoUser(username);
    user = {.id = rows.Int(0, 0),
            .username = rows.Text(0, 1),
            .is_admin = rows.Bool(0, 3),
            .password_hash = rows.Text(0, 2)};
    return Status::Ok();
  }));
  return user;
}

StatusOr<std::optional<AuthUser>> UserStore::Authenticate(const std::string& username,
                                                          const std::string& password) {
  StatusOr<AuthUser> user = GetUser(username);
  if (!user.ok()) {
    if (user.status().code() == ErrorCode::kResourceDoesNotExist) return std::optional<AuthUser>();
    return user.status();
  }
  if (!VerifyPassword(password, user->password_hash)) return std::optional<AuthUser>();
  return std::optional<AuthUser>(*user);
}

Status UserStore::UpdatePassword(const std::string& username, const std::string& password) {
  ORCHARD_RETURN_IF_ERROR(CheckPassword(password));
  ORCHARD_ASSIGN_OR_RETURN(std::string hash, HashPassword(password));
  return db_->Write([&](SqlSession& session) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(SqlRows rows, session.Query("UPDATE users SET password_hash = ? "
                                                         "WHERE username = ?",
                                                         {hash, username}));
    return rows.affected == 0 ? NoUser(username) : Status::Ok();
  });
}

Status UserStore::UpdateAdmin(const std::string& username, bool is_admin) {
  return db_->Write([&](SqlSession& session) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(SqlRows rows,
                             session.Query("UPDATE users SET is_admin = ? WHERE username = ?",
                                           {int64_t{is_admin ? 1 : 0}, username}));
    return rows.affected == 0 ? NoUser(username) : Status::Ok();
  });
}

Status UserStore::DeleteUser(const std::string& username) {
  return db_->Write([&](SqlSession& session) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(int64_t id, UserId(session, username));
    for (const char* sql : {"DELETE FROM experiment_permissions WHERE user_id = ?",
                            "DELETE FROM registered_model_permissions WHERE user_id = ?",
                            "DELETE FROM users WHERE id = ?"}) {
      ORCHARD_RETURN_IF_ERROR(session.Query(sql, {id}).status());
    }
    return Status::Ok();
  });
}

// ----- permissions: one implementation for both kinds, by table and key column -----

namespace {

struct PermissionTable {
  const char* table;
  const char* key;   // experiment_id or name
  const char* what;  // for messages
};

constexpr PermissionTable kExperiments{"experiment_permissions", "experiment_id",
                                       "Experiment permission"};
constexpr PermissionTable kModels{"registered_model_permissions", "name",
                                  "Registered model permission"};

Status NoPermission(const PermissionTable& table, const std::string& key,
                    const std::string& username) {
  return Status::NotFound(
      fmt::format("{} with {}={} and username={} not found", table.what, table.key, key, username));
}

Status CreatePermission(SqlDatabase& db, const PermissionTable& table, const std::string& key,
                        const std::string& username, const std::string& permission,
                        int64_t& user_id) {
  ORCHARD_RETURN_IF_ERROR(ParsePermission(permission).status());
  return db.Write([&](SqlSession& session) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(user_id, UserId(session, username));
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows existing, session.Query(fmt::format("SELECT 1 FROM {} WHERE {} = ? AND user_id = ?",
                                                    table.table, table.key),
                                        {key, user_id}));
    if (existing.rows() > 0) {
      return Status::AlreadyExists(fmt::format("{} ({}={}, username={}) already exists.",
                                               table.what, table.key, key, username));
    }
    return session
        .Query(fmt::format("INSERT INTO {} ({}, user_id, permission) VALUES (?, ?, ?)", table.table,
                           table.key),
               {key, user_id, permission})
        .status();
  });
}

Status GetPermission(SqlDatabase& db, const PermissionTable& table, const std::string& key,
                     const std::string& username, int64_t& user_id, std::string& permission) {
  return db.Read([&](SqlSession& session) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(user_id, UserId(session, username));
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows rows,
        session.Query(fmt::format("SELECT permission FROM {} WHERE {} = ? AND user_id = ?",
                                  table.table, table.key),
                      {key, user_id}));
    if (rows.rows() == 0) return NoPermission(table, key, username);
    permission = rows.Text(0, 0);
    return Status::Ok();
  });
}

Status ChangePermission(SqlDatabase& db, const PermissionTable& table, const std::string& key,
                        const std::string& username, const std::string* permission) {
  if (permission != nullptr) ORCHARD_RETURN_IF_ERROR(ParsePermission(*permission).status());
  return db.Write([&](SqlSession& session) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(int64_t user_id, UserId(session, username));
    const std::string sql =
        permission != nullptr
            ? fmt::format("UPDATE {} SET permission = ? WHERE {} = ? AND user_id = ?", table.table,
                          table.key)
            : fmt::format("DELETE FROM {} WHERE {} = ? AND user_id = ?", table.table, table.key);
    std::vector<SqlArg> args;
    if (permission != nullptr) args.emplace_back(*permission);
    args.emplace_back(key);
    args.emplace_back(user_id);
    ORCHARD_ASSIGN_OR_RETURN(SqlRows rows, session.Query(sql, args));
    return rows.affected == 0 ? NoPermission(table, key, username) : Status::Ok();
  });
}

StatusOr<std::vector<std::pair<std::string, std::string>>> PermissionsOf(
    SqlDatabase& db, const PermissionTable& table, int64_t user_id) {
  std::vector<std::pair<std::string, std::string>> found;
  ORCHARD_RETURN_IF_ERROR(db.Read([&](SqlSession& session) -> Status {
    ORCHARD_ASSIGN_OR_RETURN(
        SqlRows rows,
        session.Query(fmt::format("SELECT {}, permission FROM {} WHERE user_id = ? ORDER BY {}",
                                  table.key, table.table, table.key),
                      {user_id}));
    for (int r = 0; r < rows.rows(); ++r) found.emplace_back(rows.Text(r, 0), rows.Text(r, 1));
    return Status::Ok();
  }));
  return found;
}

}  // namespace

StatusOr<ExperimentPermissionRecord> UserStore::CreateExperimentPermission(
    const std::string& experiment_id, const std::string& username, const std::string& permission) {
  ExperimentPermissionRecord record{.experiment_id = experiment_id, .permission = permission};
  ORCHARD_RETURN_IF_ERROR(
      CreatePermission(*db_, kExperiments, experiment_id, username, permission, record.user_id));
  return record;
}

StatusOr<ExperimentPermissionRecord> UserStore::GetExperimentPermission(
    const std::string& experiment_id, const std::string& username) {
  ExperimentPermissionRecord record{.experiment_id = experiment_id};
  ORCHARD_RETURN_IF_ERROR(GetPermission(*db_, kExperiments, experiment_id, username, record.user_id,
                                        record.permission));
  return record;
}

Status UserStore::UpdateExperimentPermission(const std::string& experiment_id,
                                             const std::string& username,
                                             const std::string& permission) {
  return ChangePermission(*db_, kExperiments, experiment_id, username, &permission);
}

Status UserStore::DeleteExperimentPermission(const std::string& experiment_id,
                                             const std::string& username) {
  return ChangePermission(*db_, kExperiments, experiment_id, username, nullptr);
}

StatusOr<std::vector<ExperimentPermissionRecord>> UserStore::ExperimentPermissionsOf(
    int64_t user_id) {
  ORCHARD_ASSIGN_OR_RETURN(auto found, PermissionsOf(*db_, kExperiments, user_id));
  std::vector<ExperimentPermissionRecord> records;
  for (auto& [key, permission] : found) records.push_back({key, user_id, permission});
  return records;
}

StatusOr<ModelPermissionRecord> UserStore::CreateModelPermission(const std::string& name,
                                                                 const std::string& username,
                                                                 const std::string& permission) {
  ModelPermissionRecord record{.name = name, .permission = permission};
  ORCHARD_RETURN_IF_ERROR(
      CreatePermission(*db_, kModels, name, username, permission, record.user_id));
  return record;
}

StatusOr<ModelPermissionRecord> UserStore::GetModelPermission(const std::string& name,
                                                              const std::string& username) {
  ModelPermissionRecord record{.name = name};
  ORCHARD_RETURN_IF_ERROR(
      GetPermission(*db_, kModels, name, username, record.user_id, record.permission));
  return record;
}

Status UserStore::UpdateModelPermission(const std::string& name, const std::string& username,
                                        const std::string& permission) {
  return ChangePermission(*db_, kModels, name, username, &permission);
}

Status UserStore::DeleteModelPermission(const std::string& name, const std::string& username) {
  return ChangePermission(*db_, kModels, name, username, nullptr);
}

StatusOr<std::vector<ModelPermissionRecord>> UserStore::ModelPermissionsOf(int64_t user_id) {
  ORCHARD_ASSIGN_OR_RETURN(auto found, PermissionsOf(*db_, kModels, user_id));
  std::vector<ModelPermissionRecord> records;
  for (auto& [key, permission] : found) records.push_back({key, user_id, permission});
  return records;
}

Status UserStore::RenameModelPermissions(const std::string& old_name, const std::string& new_name) {
  return db_->Write([&](SqlSession& session) -> Status {
    return session
        .Query("UPDATE registered_model_permissions SET name = ? WHERE name = ?",
               {new_name, old_name})
        .status();
  });
}

Status UserStore::DeleteModelPermissions(const std::string& name) {
  return db_->Write([&](SqlSession& session) -> Status {
    return session.Query("DELETE FROM registered_model_permissions WHERE name = ?", {name})
        .status();
  });
}

}  // namespace orchard
