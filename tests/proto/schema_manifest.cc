#include "tests/proto/schema_manifest.h"

#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

namespace tikv::testing {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;

std::string Label(const FieldDescriptor& f) {
  if (f.containing_type()->options().map_entry()) return "map_entry_optional";
  if (f.is_repeated()) return "repeated";
  if (f.has_optional_keyword()) return "proto3_optional";
  return "optional";
}

std::string TypeName(const FieldDescriptor& f) {
  if (f.message_type() != nullptr) return f.message_type()->full_name();
  if (f.enum_type() != nullptr) return f.enum_type()->full_name();
  return "";
}

void AddEnum(const EnumDescriptor& e, SchemaFacts* facts) {
  for (int i = 0; i < e.value_count(); ++i) {
    (*facts)[{"enum", e.full_name(), e.value(i)->name()}] = absl::StrCat(e.value(i)->number());
  }
}

void AddMessage(const Descriptor& m, SchemaFacts* facts) {
  for (int i = 0; i < m.field_count(); ++i) {
    const FieldDescriptor& f = *m.field(i);
    const google::protobuf::OneofDescriptor* oneof = f.real_containing_oneof();
    (*facts)[{"field", m.full_name(), f.name()}] =
        absl::StrJoin({absl::StrCat(f.number()), Label(f), std::string(f.type_name()),
                       TypeName(f), oneof ? oneof->name() : std::string()},
                      "|");
  }
  for (int i = 0; i < m.nested_type_count(); ++i) AddMessage(*m.nested_type(i), facts);
  for (int i = 0; i < m.enum_type_count(); ++i) AddEnum(*m.enum_type(i), facts);
}

}  // namespace

bool LoadManifest(const std::string& path, SchemaFacts* facts, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = absl::StrCat("cannot read ", path);
    return false;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> c = absl::StrSplit(line, '\t');
    c.resize(9);
    const std::string& kind = c[0];
    if (kind == "field") {
      (*facts)[{kind, c[2], c[3]}] = absl::StrJoin({c[4], c[5], c[6], c[7], c[8]}, "|");
    } else if (kind == "enum") {
      (*facts)[{kind, c[2], c[3]}] = c[4];
    } else if (kind == "rpc") {
      (*facts)[{kind, c[2], c[3]}] = absl::StrCat(c[5], "|", c[6]);
    }
  }
  return true;
}

SchemaFacts FactsOf(const google::protobuf::FileDescriptor& file) {
  SchemaFacts facts;
  for (int i = 0; i < file.message_type_count(); ++i) AddMessage(*file.message_type(i), &facts);
  for (int i = 0; i < file.enum_type_count(); ++i) AddEnum(*file.enum_type(i), &facts);
  for (int i = 0; i < file.service_count(); ++i) {
    const google::protobuf::ServiceDescriptor& s = *file.service(i);
    for (int j = 0; j < s.method_count(); ++j) {
      const google::protobuf::MethodDescriptor& m = *s.method(j);
      facts[{"rpc", s.full_name(), m.name()}] =
          absl::StrCat(m.client_streaming() ? "stream " : "", m.input_type()->full_name(), "|",
                       m.server_streaming() ? "stream " : "", m.output_type()->full_name());
    }
  }
  return facts;
}

std::vector<std::string> Compare(const SchemaFacts& ours, const SchemaFacts& manifest) {
  std::vector<std::string> problems;
  std::set<std::pair<std::string, std::string>> owners;  // (kind, owner) we define
  for (const auto& [key, value] : ours) {
    const auto& [kind, owner, name] = key;
    owners.insert({kind, owner});
    auto it = manifest.find(key);
    if (it == manifest.end()) {
      problems.push_back(absl::StrCat(kind, " ", owner, ".", name, " (", value,
                                      ") is not in the pinned manifest"));
    } else if (it->second != value) {
      problems.push_back(absl::StrCat(kind, " ", owner, ".", name, " is ", value,
                                      " but the pinned manifest says ", it->second));
    }
  }
  for (const auto& [key, value] : manifest) {
    const auto& [kind, owner, name] = key;
    if (kind == "rpc" || !owners.count({kind, owner}) || ours.count(key)) continue;
    problems.push_back(absl::StrCat(kind, " ", owner, ".", name, " (", value,
                                    ") is missing from our copy"));
  }
  return problems;
}

}  // namespace tikv::testing
