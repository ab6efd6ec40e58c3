#include "client/rest_registry_store.h"

#include <fmt/format.h>

#include "base/json_writer.h"
#include "client/http_error.h"
#include "client/reply_fields.h"
#include "client/tracking_credentials.h"

namespace orchard {
namespace {

using namespace reply_fields;

constexpr char kApi[] = "/api/2.0/mlflow/";

ModelVersion ParseVersion(element object) {
  ModelVersion v;
  v.name = Str(object, "name");
  v.version = Str(object, "version");
  v.creation_timestamp = Int(object, "creation_timestamp").value_or(0);
  v.last_updated_timestamp = Int(object, "last_updated_timestamp").value_or(0);
  v.user_id = Str(object, "user_id");
  v.current_stage = Str(object, "current_stage");
  if (v.current_stage.empty()) v.current_stage = "None";
  v.description = Str(object, "description");
  v.source = Str(object, "source");
  v.run_id = Str(object, "run_id");
  v.status = Str(object, "status");
  v.tags = Tags(object, "tags");
  ForEach(object, "aliases", [&](element alias) {
    std::string_view text;
    if (alias.get(text) == simdjson::SUCCESS) v.aliases.emplace_back(text);
  });
  return v;
}

RegisteredModel ParseModel(element object) {
  RegisteredModel model;
  model.name = Str(object, "name");
  model.creation_timestamp = Int(object, "creation_timestamp").value_or(0);
  model.last_updated_timestamp = Int(object, "last_updated_timestamp").value_or(0);
  model.user_id = Str(object, "user_id");
  model.description = Str(object, "description");
  model.tags = Tags(object, "tags");
  ForEach(object, "aliases", [&](element item) {
    model.aliases.emplace_back(Str(item, "alias"), Str(item, "version"));
  });
  ForEach(object, "latest_versions",
          [&](element item) { model.latest_versions.push_back(ParseVersion(item)); });
  return model;
}

std::vector<ModelVersion> ParseVersions(element root) {
  std::vector<ModelVersion> versions;
  ForEach(root, "model_versions", [&](element item) { versions.push_back(ParseVersion(item)); });
  return versions;
}

// A request body: {"name": ..., more fields}.
class Body {
 public:
  explicit Body(const std::string& name) { json_.BeginObject().Field("name", name); }
  Body& Field(std::string_view key, std::string_view value) {
    json_.Field(key, value);
    return *this;
  }
  Body& Flag(std::string_view key, bool value) {
    json_.Key(key).Bool(value);
    return *this;
  }
  Body& Tags(const std::vector<Tag>& tags) {
    json_.Key("tags").BeginArray();
    for (const Tag& tag : tags) {
      json_.BeginObject().Field("key", tag.key).Field("value", tag.value).EndObject();
    }
    json_.EndArray();
    return *this;
  }
  JsonWriter& json() { return json_; }
  std::string Take() { return json_.EndObject().Take(); }

 private:
  JsonWriter json_;
};

std::string Query(const std::string& name) { return "?name=" + UrlEncode(name); }

}  // namespace

StatusOr<std::unique_ptr<RestRegistryStore>> RestRegistryStore::Open(const std::string& base_url) {
  ORCHARD_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, OpenTrackingHttpClient(base_url));
  return std::unique_ptr<RestRegistryStore>(new RestRegistryStore(std::move(client)));
}

StatusOr<std::string> RestRegistryStore::Call(const std::string& method,
                                              const std::string& endpoint,
                                              const std::string& body) {
  ORCHARD_ASSIGN_OR_RETURN(HttpResponse reply, client_->Send(method, kApi + endpoint, body));
  if (reply.status == 200) return std::move(reply.body);
  return StatusOfErrorReply(reply, endpoint);
}

StatusOr<ModelVersion> RestRegistryStore::VersionCall(const std::string& method,
                                                      const std::string& endpoint,
                                                      const std::string& body) {
  ORCHARD_ASSIGN_OR_RETURN(std::string reply, Call(method, endpoint, body));
  simdjson::dom::parser parser;
  ORCHARD_ASSIGN_OR_RETURN(element version, Unwrap(parser, reply, "model_version"));
  return ParseVersion(version);
}

StatusOr<RegisteredModel> RestRegistryStore::ModelCall(const std::string& method,
                                                       const std::string& endpoint,
                                                       const std::string& body) {
  ORCHARD_ASSIGN_OR_RETURN(std::string reply, Call(method, endpoint, body));
  simdjson::dom::parser parser;
  ORCHARD_ASSIGN_OR_RETURN(element model, Unwrap(parser, reply, "registered_model"));
  return ParseModel(model);
}

StatusOr<RegisteredModel> RestRegistryStore::CreateRegisteredModel(const std::string& name,
                                                                   const std::string& description,
                                                                   const std::vector<Tag>& tags) {
  Body body(name);
  if (!description.empty()) body.Field("description", description);
  if (!tags.empty()) body.Tags(tags);
  return ModelCall("POST", "registered-models/create", body.Take());
}

StatusOr<RegisteredModel> RestRegistryStore::GetRegisteredModel(const std::string& name) {
  return ModelCall("GET", "registered-models/get" + Query(name), "");
}

StatusOr<std::vector<RegisteredModel>> RestRegistryStore::ListRegisteredModels() {
  std::vector<RegisteredModel> models;
  std::string token;
  do {
    std::string target = "registered-models/search?max_results=1000";
    if (!token.empty()) target += "&page_token=" + UrlEncode(token);
    ORCHARD_ASSIGN_OR_RETURN(std::string reply, Call("GET", target, ""));
    simdjson::dom::parser parser;
    element root;
    ORCHARD_RETURN_IF_ERROR(ParseReply(parser, reply, root));
    ForEach(root, "registered_models", [&](element item) { models.push_back(ParseModel(item)); });
    token = Str(root, "next_page_token");
  } while (!token.empty());
  return models;
}

Status RestRegistryStore::DeleteRegisteredModel(const std::string& name) {
  return Call("DELETE", "registered-models/delete", Body(name).Take()).status();
}

StatusOr<ModelVersion> RestRegistryStore::CreateModelVersion(const std::string& name,
                                                             const NewModelVersion& version) {
  // The server copies the files from the source and records the user itself.
  Body body(name);
  body.Field("source", version.source);
  if (!version.run_id.empty()) body.Field("run_id", version.run_id);
  if (!version.description.empty()) body.Field("description", version.description);
  if (!version.tags.empty()) body.Tags(version.tags);
  return VersionCall("POST", "model-versions/create", body.Take());
}

StatusOr<ModelVersion> RestRegistryStore::GetModelVersion(const std::string& name,
                                                          const std::string& version) {
  return VersionCall("GET", "model-versions/get" + Query(name) + "&version=" + UrlEncode(version),
                     "");
}

StatusOr<std::vector<ModelVersion>> RestRegistryStore::ListModelVersions(const std::string& name) {
  // Only a known model has versions to list (the search alone would answer empty).
  ORCHARD_ASSIGN_OR_RETURN(RegisteredModel model, GetRegisteredModel(name));
  // The name quoted for the filter language: inside double quotes, nothing needs escaping
  // unless the name holds one.
  std::string quoted = name.find('\'') == std::string::npos ? "'" + name + "'" : '"' + name + '"';
  ORCHARD_ASSIGN_OR_RETURN(
      std::string reply,
      Call("GET", "model-versions/search?filter=" + UrlEncode("name = " + quoted), ""));
  simdjson::dom::parser parser;
  element root;
  ORCHARD_RETURN_IF_ERROR(ParseReply(parser, reply, root));
  std::vector<ModelVersion> versions = ParseVersions(root);
  std::sort(versions.begin(), versions.end(), [](const ModelVersion& a, const ModelVersion& b) {
    return std::stoll(a.version) > std::stoll(b.version);
  });
  // Lists of versions carry no aliases in MLflow's replies; the model's list has them.
  for (ModelVersion& v : versions) {
    for (const auto& [alias, version] : model.aliases) {
      if (version == v.version) v.aliases.push_back(alias);
    }
  }
  return versions;
}

StatusOr<ModelVersion> RestRegistryStore::TransitionStage(const std::string& name,
                                                          const std::string& version,
                                                          const std::string& stage,
                                                          bool archive_existing) {
  return VersionCall("POST", "model-versions/transition-stage",
                     Body(name)
                         .Field("version", version)
                         .Field("stage", stage)
                         .Flag("archive_existing_versions", archive_existing)
                         .Take());
}

StatusOr<ModelVersion> RestRegistryStore::LatestInStage(const std::string& name,
                                                        const std::string& stage) {
  Body body(name);
  body.json().Key("stages").BeginArray().String(stage).EndArray();
  ORCHARD_ASSIGN_OR_RETURN(std::string reply,
                           Call("POST", "registered-models/get-latest-versions", body.Take()));
  simdjson::dom::parser parser;
  element root;
  ORCHARD_RETURN_IF_ERROR(ParseReply(parser, reply, root));
  std::vector<ModelVersion> versions = ParseVersions(root);
  if (versions.empty()) {
    return Status::NotFound(fmt::format("Registered model {} has no version in stage {}", name,
                                        CanonicalStage(stage).value_or(stage)));
  }
  return *std::max_element(versions.begin(), versions.end(),
                           [](const ModelVersion& a, const ModelVersion& b) {
                             return std::stoll(a.version) < std::stoll(b.version);
                           });
}

Status RestRegistryStore::SetAlias(const std::string& name, const std::string& alias,
                                   const std::string& version) {
  return Call("POST", "registered-models/alias",
              Body(name).Field("alias", alias).Field("version", version).Take())
      .status();
}

Status RestRegistryStore::DeleteAlias(const std::string& name, const std::string& alias) {
  return Call("DELETE", "registered-models/alias", Body(name).Field("alias", alias).Take())
      .status();
}

StatusOr<ModelVersion> RestRegistryStore::GetByAlias(const std::string& name,
                                                     const std::string& alias) {
  return VersionCall("GET", "registered-models/alias" + Query(name) + "&alias=" + UrlEncode(alias),
                     "");
}

StatusOr<RegisteredModel> RestRegistryStore::RenameRegisteredModel(const std::string& name,
                                                                   const std::string& new_name) {
  return ModelCall("POST", "registered-models/rename",
                   Body(name).Field("new_name", new_name).Take());
}

StatusOr<RegisteredModel> RestRegistryStore::UpdateRegisteredModel(const std::string& name,
                                                                   const std::string& description) {
  return ModelCall("PATCH", "registered-models/update",
                   Body(name).Field("description", description).Take());
}

Status RestRegistryStore::SetRegisteredModelTag(const std::string& name, const Tag& tag) {
  return Call("POST", "registered-models/set-tag",
              Body(name).Field("key", tag.key).Field("value", tag.value).Take())
      .status();
}

Status RestRegistryStore::DeleteRegisteredModelTag(const std::string& name,
                                                   const std::string& key) {
  return Call("DELETE", "registered-models/delete-tag", Body(name).Field("key", key).Take())
      .status();
}

StatusOr<ModelVersion> RestRegistryStore::UpdateModelVersion(const std::string& name,
                                                             const std::string& version,
                                                             const std::string& description) {
  return VersionCall("PATCH", "model-versions/update",
                     Body(name).Field("version", version).Field("description", description).Take());
}

Status RestRegistryStore::DeleteModelVersion(const std::string& name, const std::string& version) {
  return Call("DELETE", "model-versions/delete", Body(name).Field("version", version).Take())
      .status();
}

Status RestRegistryStore::SetModelVersionTag(const std::string& name, const std::string& version,
                                             const Tag& tag) {
  return Call("POST", "model-versions/set-tag",
              Body(name)
                  .Field("version", version)
                  .Field("key", tag.key)
                  .Field("value", tag.value)
                  .Take())
      .status();
}

Status RestRegistryStore::DeleteModelVersionTag(const std::string& name, const std::string& version,
                                                const std::string& key) {
  return Call("DELETE", "model-versions/delete-tag",
              Body(name).Field("version", version).Field("key", key).Take())
      .status();
}

StatusOr<std::string> RestRegistryStore::GetDownloadUri(const std::string& name,
                                                        const std::string& version) {
  ORCHARD_ASSIGN_OR_RETURN(
      std::string reply,
      Call("GET",
           "model-versions/get-download-uri" + Query(name) + "&version=" + UrlEncode(version), ""));
  simdjson::dom::parser parser;
  element root;
  ORCHARD_RETURN_IF_ERROR(ParseReply(parser, reply, root));
  std::string uri = Str(root, "artifact_uri");
  if (uri.empty()) return Malformed("no artifact_uri");
  return uri;
}

}  // namespace orchard
