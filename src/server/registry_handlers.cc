#include "server/registry_handlers.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include <fmt/format.h>

#include "base/ids.h"
#include "base/json_writer.h"
#include "server/artifact_handlers.h"
#include "server/mlflow_reply.h"
#include "server/mlflow_route.h"
#include "server/request_fields.h"
#include "server/version_source.h"
#include "store/artifact/local_artifact_repo.h"
#include "store/registry/stored_copy.h"
#include "store/tracking/page_token.h"
#include "store/tracking/search_filter_parser.h"

namespace fs = std::filesystem;

namespace orchard {
namespace {

void Route(Router& router, const std::string& method, const std::string& path,
           FieldsHandler handler) {
  AddMlflowRoute(router, method, path, std::move(handler));
}

// MLflow lists aliases on a single version (get, get by alias), not in lists of versions.
void WriteVersion(JsonWriter& json, const ModelVersion& v, bool with_aliases) {
  json.BeginObject()
      .Field("name", v.name)
      .Field("version", v.version)
      .Field("creation_timestamp", v.creation_timestamp)
      .Field("last_updated_timestamp", v.last_updated_timestamp)
      .Field("current_stage", v.current_stage)
      .Field("description", v.description)
      .Field("source", v.source)
      .Field("run_id", v.run_id)
      .Field("status", v.status)
      .Field("run_link", "");
  if (!v.tags.empty()) {
    json.Key("tags").BeginArray();
    for (const Tag& tag : v.tags) {
      json.BeginObject().Field("key", tag.key).Field("value", tag.value).EndObject();
    }
    json.EndArray();
  }
  if (with_aliases && !v.aliases.empty()) {
    json.Key("aliases").BeginArray();
    for (const std::string& alias : v.aliases) json.String(alias);
    json.EndArray();
  }
  json.EndObject();
}

std::string VersionReply(const ModelVersion& v) {
  JsonWriter json;
  json.BeginObject().Key("model_version");
  WriteVersion(json, v, /*with_aliases=*/true);
  return json.EndObject().Take();
}

std::string VersionsReply(const std::vector<ModelVersion>& versions) {
  JsonWriter json;
  json.BeginObject();
  if (!versions.empty()) {
    json.Key("model_versions").BeginArray();
    for (const ModelVersion& v : versions) WriteVersion(json, v, /*with_aliases=*/false);
    json.EndArray();
  }
  return json.EndObject().Take();
}

void WriteModel(JsonWriter& json, const RegisteredModel& model) {
  json.BeginObject();
  json.Field("name", model.name)
      .Field("creation_timestamp", model.creation_timestamp)
      .Field("last_updated_timestamp", model.last_updated_timestamp);
  if (!model.description.empty()) json.Field("description", model.description);
  if (!model.latest_versions.empty()) {
    json.Key("latest_versions").BeginArray();
    for (const ModelVersion& v : model.latest_versions) {
      WriteVersion(json, v, /*with_aliases=*/false);
    }
    json.EndArray();
  }
  if (!model.tags.empty()) {
    json.Key("tags").BeginArray();
    for (const Tag& tag : model.tags) {
      json.BeginObject().Field("key", tag.key).Field("value", tag.value).EndObject();
    }
    json.EndArray();
  }
  if (!model.aliases.empty()) {
    json.Key("aliases").BeginArray();
    for (const auto& [alias, version] : model.aliases) {
      json.BeginObject().Field("alias", alias).Field("version", version).EndObject();
    }
    json.EndArray();
  }
  json.EndObject();
}

std::string ModelReply(const RegisteredModel& model) {
  JsonWriter json;
  json.BeginObject().Key("registered_model");
  WriteModel(json, model);
  return json.EndObject().Take();
}

StatusOr<std::vector<Tag>> TagsOf(const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::vector<RequestFields> items, fields.ObjectList("tags"));
  std::vector<Tag> tags;
  for (const RequestFields& item : items) {
    ORCHARD_ASSIGN_OR_RETURN(std::string key, item.RequiredString("key"));
    ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> value, item.String("value"));
    tags.push_back({key, value.value_or("")});
  }
  return tags;
}

// model-versions/create: the source's files copied into registry storage first, then the
// version recorded with its description and tags in one write.
StatusOr<std::string> CreateVersion(const RegistryServiceConfig& config,
                                    const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
  ORCHARD_ASSIGN_OR_RETURN(std::string source, fields.RequiredString("source"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> run_id, fields.String("run_id"));
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> description, fields.String("description"));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<Tag> tags, TagsOf(fields));
  ORCHARD_RETURN_IF_ERROR(ValidateModelName(name));
  ORCHARD_RETURN_IF_ERROR(config.registry->GetRegisteredModel(name).status());
  ORCHARD_ASSIGN_OR_RETURN(
      SourceFolder from,
      ResolveVersionSource({.tracking = config.tracking,
                            .registry = config.registry,
                            .artifacts_destination = config.artifacts_destination},
                           source, run_id.value_or("")));
  const std::string storage = NewStoredCopyPath(
      (fs::path(config.artifacts_destination) / "models").string(), name, from.folder);
  // Links in the source must stay inside it: a registry copy never picks up other files.
  ORCHARD_RETURN_IF_ERROR(CopyTreeConfined(from.folder, storage));
  // MLflow records the run_id the client sent (none for a models:/ source).
  StatusOr<ModelVersion> version =
      config.registry->CreateModelVersion(name, {.source = source,
                                                 .run_id = run_id.value_or(""),
                                                 .storage_location = storage,
                                                 .description = description.value_or(""),
                                                 .tags = std::move(tags)});
  if (!version.ok()) {
    RemoveStoredCopy(storage);
    return version.status();
  }
  return VersionReply(*version);
}

StatusOr<std::string> DownloadUri(const RegistryServiceConfig& config,
                                  const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
  ORCHARD_ASSIGN_OR_RETURN(std::string number, fields.RequiredString("version"));
  ORCHARD_ASSIGN_OR_RETURN(ModelVersion version, config.registry->GetModelVersion(name, number));
  std::string uri = version.storage_location;
  // Through the proxy when the copy is under the artifacts destination, so remote clients can
  // download it.
  fs::path relative = fs::path(uri).lexically_relative(fs::path(config.artifacts_destination));
  if (config.serve_artifacts && !relative.empty() && !relative.string().starts_with("..")) {
    uri = "mlflow-artifacts:/" + relative.generic_string();
  }
  JsonWriter json;
  return json.BeginObject().Field("artifact_uri", uri).EndObject().Take();
}

// MLflow's LIKE: % any run, _ one character; ILIKE ignores case.
bool Like(std::string_view text, std::string_view pattern, bool ignore_case) {
  auto same = [ignore_case](char a, char b) {
    return ignore_case ? std::tolower(static_cast<unsigned char>(a)) ==
                             std::tolower(static_cast<unsigned char>(b))
                       : a == b;
  };
  if (pattern.empty()) return text.empty();
  if (pattern[0] == '%') {
    for (size_t skip = 0; skip <= text.size(); ++skip) {
      if (Like(text.substr(skip), pattern.substr(1), ignore_case)) return true;
    }
    return false;
  }
  if (text.empty()) return false;
  if (pattern[0] != '_' && !same(pattern[0], text[0])) return false;
  return Like(text.substr(1), pattern.substr(1), ignore_case);
}

// A value of a registry entity that a filter clause names: an attribute or a tag; nullopt when
// the entity lacks it (the clause then never holds, as in MLflow's searches).
using FieldLookup = std::function<StatusOr<std::optional<std::string>>(const FilterClause&)>;

// Evaluates a parsed filter (the shared search language, src/store/tracking) on one entity:
// =, !=, LIKE, ILIKE, IN and NOT IN; AND, and OR with parentheses.
StatusOr<bool> Matches(const Filter& filter, const FieldLookup& lookup) {
  for (const FilterClause& clause : filter.clauses) {
    if (!clause.any_of.empty()) {
      bool any = false;
      for (const Filter& alternative : clause.any_of) {
        ORCHARD_ASSIGN_OR_RETURN(bool holds, Matches(alternative, lookup));
        any = any || holds;
      }
      if (!any) return false;
      continue;
    }
    ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> field, lookup(clause));
    if (!field) return false;
    std::string value;
    if (const double* number = std::get_if<double>(&clause.value)) {
      value = fmt::format("{}", *number);
    } else if (const std::string* text = std::get_if<std::string>(&clause.value)) {
      value = *text;
    }
    const auto* list = std::get_if<std::vector<std::string>>(&clause.value);
    bool holds = false;
    switch (clause.op) {
      case Comparator::kEq:
        holds = *field == value;
        break;
      case Comparator::kNe:
        holds = *field != value;
        break;
      case Comparator::kLike:
        holds = Like(*field, value, false);
        break;
      case Comparator::kILike:
        holds = Like(*field, value, true);
        break;
      case Comparator::kIn:
      case Comparator::kNotIn:
        holds = list != nullptr && std::find(list->begin(), list->end(), *field) != list->end();
        if (clause.op == Comparator::kNotIn) holds = !holds;
        break;
      default:
        return Status::InvalidParameter(
            fmt::format("'{}' does not apply to {}; use =, !=, LIKE, ILIKE, IN or NOT IN",
                        ComparatorName(clause.op), clause.key));
    }
    if (!holds) return false;
  }
  return true;
}

std::optional<std::string> TagValue(const std::vector<Tag>& tags, const std::string& key) {
  for (const Tag& tag : tags) {
    if (tag.key == key) return tag.value;
  }
  return std::nullopt;
}

// Registered models: name and tags.<key>, as MLflow's grammar allows.
StatusOr<std::optional<std::string>> ModelField(const RegisteredModel& model,
                                                const FilterClause& clause) {
  if (clause.entity == FilterEntity::kTag) return TagValue(model.tags, clause.key);
  if (clause.entity == FilterEntity::kAttribute && clause.key == "name") {
    return std::optional<std::string>(model.name);
  }
  return Status::InvalidParameter(fmt::format(
      "Invalid registered model search key '{}': valid keys are name and tags.<key>", clause.key));
}

// Model versions: name, version_number, run_id, source_path and tags.<key>.
StatusOr<std::optional<std::string>> VersionField(const ModelVersion& version,
                                                  const FilterClause& clause) {
  if (clause.entity == FilterEntity::kTag) return TagValue(version.tags, clause.key);
  if (clause.entity == FilterEntity::kAttribute) {
    if (clause.key == "name") return std::optional<std::string>(version.name);
    if (clause.key == "version_number") return std::optional<std::string>(version.version);
    if (clause.key == "run_id") return std::optional<std::string>(version.run_id);
    if (clause.key == "source_path") return std::optional<std::string>(version.source);
  }
  return Status::InvalidParameter(fmt::format(
      "Invalid model version search key '{}': valid keys are name, version_number, run_id, "
      "source_path and tags.<key>",
      clause.key));
}

StatusOr<Filter> FilterOf(const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> text, fields.String("filter"));
  if (!text || text->empty()) return Filter{};
  return ParseSearchFilter(*text);
}

// The offset a page token carries (MLflow's base64 of {"offset": N}; "" is the start).
StatusOr<int64_t> OffsetOf(const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> token, fields.String("page_token"));
  ORCHARD_ASSIGN_OR_RETURN(PageToken page, DecodePageToken(token.value_or("")));
  if (page.offset < 0) return Status::InvalidParameter("Invalid page token");
  return page.offset;
}

// One page of `items` from `offset`, written under `key` with a next_page_token when more
// follow, as MLflow's registry searches answer.
template <typename T, typename Write>
std::string PageReply(const std::vector<T>& items, int64_t offset, int64_t limit, const char* key,
                      Write write) {
  JsonWriter json;
  json.BeginObject();
  const int64_t total = static_cast<int64_t>(items.size());
  const int64_t end = std::min(offset + limit, total);
  if (offset < end) {
    json.Key(key).BeginArray();
    for (int64_t i = offset; i < end; ++i) write(json, items[static_cast<size_t>(i)]);
    json.EndArray();
  }
  if (end < total) json.Field("next_page_token", EncodePageToken({.offset = end}));
  return json.EndObject().Take();
}

StatusOr<int64_t> MaxResultsOf(const RequestFields& fields, int64_t fallback, int64_t most) {
  ORCHARD_ASSIGN_OR_RETURN(std::optional<int64_t> max_results, fields.Int64("max_results"));
  const int64_t limit = max_results.value_or(fallback);
  if (limit < 1 || limit > most) {
    return Status::InvalidParameter(fmt::format(
        "Invalid value {} for parameter 'max_results': it must be between 1 and {}", limit, most));
  }
  return limit;
}

// One order_by clause: "key", "key ASC" or "key DESC" (`timestamp` is last_updated_timestamp,
// as MLflow reads it), checked against the keys the endpoint allows.
struct OrderKey {
  std::string key;
  bool ascending = true;
};

StatusOr<std::vector<OrderKey>> OrderByOf(const RequestFields& fields,
                                          const std::vector<std::string>& allowed) {
  ORCHARD_ASSIGN_OR_RETURN(std::vector<std::string> clauses, fields.StringList("order_by"));
  std::vector<OrderKey> keys;
  for (const std::string& clause : clauses) {
    std::istringstream words(clause);
    std::string key, direction, extra;
    words >> key >> direction >> extra;
    if (key.size() > 2 && key.front() == '`' && key.back() == '`') {
      key = key.substr(1, key.size() - 2);
    }
    if (key == "timestamp") key = "last_updated_timestamp";
    for (char& c : direction) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const bool known = std::find(allowed.begin(), allowed.end(), key) != allowed.end();
    if (!known && !key.empty()) {
      // MLflow's SearchUtils._get_identifier, which prints the keys as a Python set.
      std::vector<std::string> quoted;
      for (const std::string& name : allowed) quoted.push_back("'" + name + "'");
      return Status::InvalidParameter(
          fmt::format("Invalid attribute key '{}' specified. Valid keys are '{{{}}}'", key,
                      fmt::join(quoted, ", ")));
    }
    if (!known || !extra.empty() ||
        (direction != "" && direction != "ASC" && direction != "DESC")) {
      return Status::InvalidParameter(fmt::format(
          "Invalid order_by clause '{}'. Valid keys are {}, each optionally followed by ASC or "
          "DESC",
          clause, fmt::join(allowed, ", ")));
    }
    keys.push_back({key, direction != "DESC"});
  }
  return keys;
}

// Sorts by the keys in order; `compare(a, b, key)` is <0, 0 or >0. Ties keep the order given.
template <typename T, typename Compare>
void SortBy(std::vector<T>& items, const std::vector<OrderKey>& keys, Compare compare) {
  if (keys.empty()) return;
  std::stable_sort(items.begin(), items.end(), [&](const T& a, const T& b) {
    for (const OrderKey& key : keys) {
      int order = compare(a, b, key.key);
      if (order != 0) return key.ascending ? order < 0 : order > 0;
    }
    return false;
  });
}

template <typename T>
int Compare3(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// registered-models/search: the shared search language over name and tags, ordered by name
// (or order_by: name, creation_timestamp, last_updated_timestamp), with offset page tokens.
StatusOr<std::string> SearchModels(RegistryStore& registry, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(Filter filter, FilterOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(int64_t limit, MaxResultsOf(fields, 100, 1000));
  ORCHARD_ASSIGN_OR_RETURN(int64_t offset, OffsetOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(
      std::vector<OrderKey> order,
      OrderByOf(fields, {"name", "creation_timestamp", "last_updated_timestamp"}));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<RegisteredModel> models, registry.ListRegisteredModels());
  std::vector<RegisteredModel> matching;
  for (RegisteredModel& model : models) {
    ORCHARD_ASSIGN_OR_RETURN(bool keep, Matches(filter, [&](const FilterClause& clause) {
                               return ModelField(model, clause);
                             }));
    if (keep) matching.push_back(std::move(model));
  }
  SortBy(matching, order,
         [](const RegisteredModel& a, const RegisteredModel& b, const std::string& key) {
           if (key == "name") return Compare3(a.name, b.name);
           if (key == "creation_timestamp") {
             return Compare3(a.creation_timestamp, b.creation_timestamp);
           }
           return Compare3(a.last_updated_timestamp, b.last_updated_timestamp);
         });
  return PageReply(matching, offset, limit, "registered_models", WriteModel);
}

// model-versions/search: the shared search language over name, version_number, run_id,
// source_path and tags, in MLflow's order (order_by, default last_updated_timestamp DESC, then
// name ASC and version_number DESC unless given), paged by max_results and page_token.
StatusOr<std::string> SearchVersions(RegistryStore& registry, const RequestFields& fields) {
  ORCHARD_ASSIGN_OR_RETURN(Filter filter, FilterOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(int64_t limit, MaxResultsOf(fields, 200000, 200000));
  ORCHARD_ASSIGN_OR_RETURN(int64_t offset, OffsetOf(fields));
  ORCHARD_ASSIGN_OR_RETURN(std::vector<OrderKey> order,
                           OrderByOf(fields, {"name", "version_number", "creation_timestamp",
                                              "last_updated_timestamp"}));
  if (order.empty()) order.push_back({"last_updated_timestamp", false});
  auto has = [&order](const char* key) {
    return std::any_of(order.begin(), order.end(), [&](const OrderKey& k) { return k.key == key; });
  };
  if (!has("name")) order.push_back({"name", true});
  if (!has("version_number")) order.push_back({"version_number", false});
  ORCHARD_ASSIGN_OR_RETURN(std::vector<RegisteredModel> models, registry.ListRegisteredModels());
  std::vector<ModelVersion> versions;
  for (const RegisteredModel& model : models) {
    ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> found,
                             registry.ListModelVersions(model.name));
    for (ModelVersion& v : found) {
      ORCHARD_ASSIGN_OR_RETURN(bool keep, Matches(filter, [&](const FilterClause& clause) {
                                 return VersionField(v, clause);
                               }));
      if (keep) versions.push_back(std::move(v));
    }
  }
  SortBy(versions, order, [](const ModelVersion& a, const ModelVersion& b, const std::string& key) {
    if (key == "name") return Compare3(a.name, b.name);
    if (key == "version_number") return Compare3(std::stoll(a.version), std::stoll(b.version));
    if (key == "creation_timestamp") return Compare3(a.creation_timestamp, b.creation_timestamp);
    return Compare3(a.last_updated_timestamp, b.last_updated_timestamp);
  });
  return PageReply(versions, offset, limit, "model_versions",
                   [](JsonWriter& json, const ModelVersion& v) {
                     WriteVersion(json, v, /*with_aliases=*/false);
                   });
}

}  // namespace

void AddRegistryRoutes(Router& router, const RegistryServiceConfig& config) {
  RegistryStore* registry = config.registry;
  Route(router, "POST", "registered-models/create",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> description,
                                   fields.String("description"));
          ORCHARD_ASSIGN_OR_RETURN(std::vector<Tag> tags, TagsOf(fields));
          ORCHARD_ASSIGN_OR_RETURN(
              RegisteredModel model,
              registry->CreateRegisteredModel(name, description.value_or(""), tags));
          return ModelReply(model);
        });
  Route(router, "GET", "registered-models/get",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(RegisteredModel model, registry->GetRegisteredModel(name));
          return ModelReply(model);
        });
  Route(router, "DELETE", "registered-models/delete",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::vector<ModelVersion> versions,
                                   registry->ListModelVersions(name));
          ORCHARD_RETURN_IF_ERROR(registry->DeleteRegisteredModel(name));
          for (const ModelVersion& v : versions) RemoveStoredCopy(v.storage_location);
          return std::string("{}");
        });
  auto latest = [registry](const RequestFields& fields) -> StatusOr<std::string> {
    ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
    ORCHARD_ASSIGN_OR_RETURN(std::vector<std::string> stages, fields.StringList("stages"));
    ORCHARD_ASSIGN_OR_RETURN(RegisteredModel model, registry->GetRegisteredModel(name));
    std::vector<ModelVersion> versions;
    for (ModelVersion& v : model.latest_versions) {
      bool wanted = stages.empty();
      for (const std::string& stage : stages) {
        std::optional<std::string> canonical = CanonicalStage(stage);
        if (!canonical) {
          return Status::InvalidParameter(fmt::format("Invalid Model Version stage: {}", stage));
        }
        wanted = wanted || *canonical == v.current_stage;
      }
      if (wanted) versions.push_back(std::move(v));
    }
    // MLflow lists them oldest version first.
    std::sort(versions.begin(), versions.end(), [](const ModelVersion& a, const ModelVersion& b) {
      return std::stoll(a.version) < std::stoll(b.version);
    });
    return VersionsReply(versions);
  };
  Route(router, "POST", "registered-models/get-latest-versions", latest);
  Route(router, "GET", "registered-models/get-latest-versions", latest);
  Route(router, "POST", "registered-models/alias",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string alias, fields.RequiredString("alias"));
          ORCHARD_ASSIGN_OR_RETURN(std::string version, fields.RequiredString("version"));
          ORCHARD_RETURN_IF_ERROR(registry->SetAlias(name, alias, version));
          return std::string("{}");
        });
  Route(router, "DELETE", "registered-models/alias",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string alias, fields.RequiredString("alias"));
          ORCHARD_RETURN_IF_ERROR(registry->DeleteAlias(name, alias));
          return std::string("{}");
        });
  Route(router, "GET", "registered-models/alias",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string alias, fields.RequiredString("alias"));
          ORCHARD_ASSIGN_OR_RETURN(ModelVersion version, registry->GetByAlias(name, alias));
          return VersionReply(version);
        });
  Route(router, "POST", "model-versions/create",
        [config](const RequestFields& fields) { return CreateVersion(config, fields); });
  Route(router, "GET", "model-versions/get",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string version, fields.RequiredString("version"));
          ORCHARD_ASSIGN_OR_RETURN(ModelVersion found, registry->GetModelVersion(name, version));
          return VersionReply(found);
        });
  Route(router, "POST", "model-versions/transition-stage",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string version, fields.RequiredString("version"));
          ORCHARD_ASSIGN_OR_RETURN(std::string stage, fields.RequiredString("stage"));
          ORCHARD_ASSIGN_OR_RETURN(std::optional<bool> archive,
                                   fields.Bool("archive_existing_versions"));
          ORCHARD_ASSIGN_OR_RETURN(
              ModelVersion moved,
              registry->TransitionStage(name, version, stage, archive.value_or(false)));
          return VersionReply(moved);
        });
  Route(router, "GET", "model-versions/search",
        [registry](const RequestFields& fields) { return SearchVersions(*registry, fields); });
  Route(router, "GET", "model-versions/get-download-uri",
        [config](const RequestFields& fields) { return DownloadUri(config, fields); });
  auto search = [registry](const RequestFields& fields) { return SearchModels(*registry, fields); };
  Route(router, "GET", "registered-models/search", search);
  Route(router, "POST", "registered-models/search", search);
  Route(router, "POST", "registered-models/rename",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string new_name, fields.RequiredString("new_name"));
          ORCHARD_ASSIGN_OR_RETURN(RegisteredModel model,
                                   registry->RenameRegisteredModel(name, new_name));
          return ModelReply(model);
        });
  Route(router, "PATCH", "registered-models/update",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> description,
                                   fields.String("description"));
          ORCHARD_ASSIGN_OR_RETURN(RegisteredModel model,
                                   registry->UpdateRegisteredModel(name, description.value_or("")));
          return ModelReply(model);
        });
  Route(router, "POST", "registered-models/set-tag",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString("key"));
          ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> value, fields.String("value"));
          ORCHARD_RETURN_IF_ERROR(registry->SetRegisteredModelTag(name, {key, value.value_or("")}));
          return std::string("{}");
        });
  Route(router, "DELETE", "registered-models/delete-tag",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString("key"));
          ORCHARD_RETURN_IF_ERROR(registry->DeleteRegisteredModelTag(name, key));
          return std::string("{}");
        });
  Route(router, "PATCH", "model-versions/update",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string version, fields.RequiredString("version"));
          ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> description,
                                   fields.String("description"));
          ORCHARD_ASSIGN_OR_RETURN(
              ModelVersion updated,
              registry->UpdateModelVersion(name, version, description.value_or("")));
          return VersionReply(updated);
        });
  Route(router, "DELETE", "model-versions/delete",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string version, fields.RequiredString("version"));
          ORCHARD_ASSIGN_OR_RETURN(ModelVersion found, registry->GetModelVersion(name, version));
          ORCHARD_RETURN_IF_ERROR(registry->DeleteModelVersion(name, version));
          RemoveStoredCopy(found.storage_location);  // the registry's own copy
          return std::string("{}");
        });
  Route(router, "POST", "model-versions/set-tag",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string version, fields.RequiredString("version"));
          ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString("key"));
          ORCHARD_ASSIGN_OR_RETURN(std::optional<std::string> value, fields.String("value"));
          ORCHARD_RETURN_IF_ERROR(
              registry->SetModelVersionTag(name, version, {key, value.value_or("")}));
          return std::string("{}");
        });
  Route(router, "DELETE", "model-versions/delete-tag",
        [registry](const RequestFields& fields) -> StatusOr<std::string> {
          ORCHARD_ASSIGN_OR_RETURN(std::string name, fields.RequiredString("name"));
          ORCHARD_ASSIGN_OR_RETURN(std::string version, fields.RequiredString("version"));
          ORCHARD_ASSIGN_OR_RETURN(std::string key, fields.RequiredString("key"));
          ORCHARD_RETURN_IF_ERROR(registry->DeleteModelVersionTag(name, version, key));
          return std::string("{}");
        });
}

}  // namespace orchard
