#include "rpc/request.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"

namespace tikv::rpc {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::MessageFactory;

// The request and response message types of a command: from its unary RPC when it has one,
// else from its BatchCommands arm.
const Descriptor* MessageType(CmdType type, bool response) {
  const CmdInfo* info = FindCmdInfo(type);
  if (info == nullptr) return nullptr;
  if (info->method != nullptr) {
    // "/tikvpb.Tikv/KvGet" -> "tikvpb.Tikv.KvGet"
    std::string name(info->method->full_name.substr(1));
    name[name.find('/')] = '.';
    const google::protobuf::MethodDescriptor* method =
        DescriptorPool::generated_pool()->FindMethodByName(name);
    if (method == nullptr) return nullptr;
    return response ? method->output_type() : method->input_type();
  }
  const Descriptor* arms = response ? tikvpb::BatchCommandsResponse::Response::descriptor()
                                    : tikvpb::BatchCommandsRequest::Request::descriptor();
  const FieldDescriptor* arm = arms->FindFieldByNumber(info->batch_arm);
  return arm == nullptr ? nullptr : arm->message_type();
}

const FieldDescriptor* ContextField(const Message& message) {
  const FieldDescriptor* field = message.GetDescriptor()->FindFieldByName("context");
  if (field == nullptr || field->type() != FieldDescriptor::TYPE_MESSAGE ||
      field->message_type() != kvrpcpb::Context::descriptor()) {
    return nullptr;
  }
  return field;
}

void FillDefaultOrigin(kvrpcpb::Context* context, kvrpcpb::RequestOrigin origin) {
  if (context->request_origin() == kvrpcpb::RequestOriginUnknown) {
    context->set_request_origin(origin);
  }
}

// The field holding a command's start timestamp (client-go GetStartTS).
std::string_view StartTsField(CmdType type) {
  switch (type) {
    case CmdType::kGet:
    case CmdType::kScan:
    case CmdType::kBatchGet:
    case CmdType::kBufferBatchGet:
      return "version";
    case CmdType::kPrewrite:
    case CmdType::kCommit:
    case CmdType::kCleanup:
    case CmdType::kBatchRollback:
    case CmdType::kResolveLock:
    case CmdType::kPessimisticLock:
    case CmdType::kPessimisticRollback:
    case CmdType::kTxnHeartBeat:
    case CmdType::kCheckSecondaryLocks:
      return "start_version";
    case CmdType::kScanLock:
      return "max_version";
    case CmdType::kCheckTxnStatus:
      return "lock_ts";
    case CmdType::kFlashbackToVersion:
    case CmdType::kPrepareFlashbackToVersion:
    case CmdType::kFlush:
    case CmdType::kCop:
    case CmdType::kMvccGetByStartTs:
      return "start_ts";
    default:
      return {};
  }
}

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

}  // namespace

bool IsFollowerRead(ReplicaReadType type) { return type != ReplicaReadType::kLeader; }

Request::Request(CmdType type, std::unique_ptr<Message> message, kvrpcpb::Context context,
                 kvrpcpb::RequestOrigin default_origin)
    : type_(type),
      message_(std::move(message)),
      context_(std::move(context)),
      default_origin_(default_origin) {
  FillDefaultOrigin(&context_, default_origin_);
}

Request Request::Clone() const {
  std::unique_ptr<Message> copy(message_->New());
  copy->CopyFrom(*message_);
  Request r(type_, std::move(copy), context_, default_origin_);
  r.forwarded_host = forwarded_host;
  r.store_type = store_type;
  r.read_replica_scope = read_replica_scope;
  r.txn_scope = txn_scope;
  r.input_request_source = input_request_source;
  r.predicted_read_bytes = predicted_read_bytes;
  r.replica_read_seed = replica_read_seed;
  r.replica_read_type_ = replica_read_type_;
  return r;
}

absl::Status Request::Validate() const {
  const Descriptor* want = MessageType(type_, /*response=*/false);
  if (want == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command type ", static_cast<int>(type_)));
  }
  if (message_ == nullptr || message_->GetDescriptor() != want) {
    return absl::InvalidArgumentError(absl::StrCat(
        "command ", std::string(CmdTypeName(type_)), " needs a ", want->full_name(), ", got ",
        message_ == nullptr ? std::string("nothing") : message_->GetDescriptor()->full_name()));
  }
  return absl::OkStatus();
}

bool Request::AttachContext(const kvrpcpb::Context& context) {
  if (&context != &context_) context_ = context;
  FillDefaultOrigin(&context_, default_origin_);
  const FieldDescriptor* field = ContextField(*message_);
  if (field == nullptr) {
    // Empty and StoreSafeTS are store-level: they have no region context to fill.
    return type_ == CmdType::kEmpty || type_ == CmdType::kStoreSafeTs;
  }
  message_->GetReflection()->MutableMessage(message_.get(), field)->CopyFrom(context_);
  return true;
}

void Request::SetRegionContext(const metapb::Region& region, const metapb::Peer& peer) {
  SetRegionContext(region.id(), region.region_epoch(), peer);
}

void Request::SetRegionContext(uint64_t region_id, const metapb::RegionEpoch& epoch,
                               const metapb::Peer& peer) {
  context_.set_region_id(region_id);
  *context_.mutable_region_epoch() = epoch;
  *context_.mutable_peer() = peer;
}

void Request::SetReplicaReadType(ReplicaReadType type) {
  replica_read_type_ = type;
  context_.set_replica_read(IsFollowerRead(type));
}

void Request::EnableStaleWithMixedReplicaRead() {
  context_.set_stale_read(true);
  replica_read_type_ = ReplicaReadType::kMixed;
  context_.set_replica_read(false);
}

void Request::DisableStaleReadMeetLock() {
  context_.set_stale_read(false);
  replica_read_type_ = ReplicaReadType::kLeader;
}

bool Request::IsTxnWriteRequest() const {
  switch (type_) {
    case CmdType::kPessimisticLock:
    case CmdType::kPrewrite:
    case CmdType::kCommit:
    case CmdType::kBatchRollback:
    case CmdType::kPessimisticRollback:
    case CmdType::kCheckTxnStatus:
    case CmdType::kCheckSecondaryLocks:
    case CmdType::kCleanup:
    case CmdType::kTxnHeartBeat:
    case CmdType::kResolveLock:
    case CmdType::kFlashbackToVersion:
    case CmdType::kPrepareFlashbackToVersion:
    case CmdType::kFlush:
      return true;
    default:
      return false;
  }
}

bool Request::IsRawWriteRequest() const {
  // As client-go: RawBatchDelete and RawDeleteRange are not counted.
  return type_ == CmdType::kRawPut || type_ == CmdType::kRawBatchPut ||
         type_ == CmdType::kRawDelete;
}

bool Request::IsInterruptible() const {
  // Rollbacks and commits must reach TiKV even when the caller gives up (killing them would
  // leave locks behind).
  return !(type_ == CmdType::kPessimisticRollback || type_ == CmdType::kBatchRollback ||
           type_ == CmdType::kCommit);
}

uint64_t Request::StartTs() const {
  std::string_view name = StartTsField(type_);
  if (name.empty()) return 0;
  const FieldDescriptor* field =
      message_->GetDescriptor()->FindFieldByName(std::string(name));
  if (field == nullptr || field->cpp_type() != FieldDescriptor::CPPTYPE_UINT64) return 0;
  return message_->GetReflection()->GetUInt64(*message_, field);
}

const errorpb::Error* Response::region_error() const {
  if (message_ == nullptr) return nullptr;
  const FieldDescriptor* field = message_->GetDescriptor()->FindFieldByName("region_error");
  if (field == nullptr || field->message_type() != errorpb::Error::descriptor()) return nullptr;
  if (!message_->GetReflection()->HasField(*message_, field)) return nullptr;
  return static_cast<const errorpb::Error*>(
      &message_->GetReflection()->GetMessage(*message_, field));
}

std::unique_ptr<Message> NewResponseMessage(CmdType type) {
  const Descriptor* desc = MessageType(type, /*response=*/true);
  if (desc == nullptr) return nullptr;
  return std::unique_ptr<Message>(MessageFactory::generated_factory()->GetPrototype(desc)->New());
}

absl::StatusOr<Response> GenRegionErrorResponse(const Request& request,
                                                const errorpb::Error& error) {
  std::unique_ptr<Message> message = NewResponseMessage(request.type());
  if (message == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown command type ", static_cast<int>(request.type())));
  }
  const FieldDescriptor* field = message->GetDescriptor()->FindFieldByName("region_error");
  if (field == nullptr || field->message_type() != errorpb::Error::descriptor()) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(CmdTypeName(request.type())), " responses carry no region error"));
  }
  message->GetReflection()->MutableMessage(message.get(), field)->CopyFrom(error);
  return Response(std::move(message));
}

absl::StatusOr<tikvpb::BatchCommandsRequest::Request> ToBatchCommandsRequest(
    const Request& request) {
  const CmdInfo* info = FindCmdInfo(request.type());
  if (info == nullptr || info->batch_arm == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(CmdTypeName(request.type())), " cannot be sent in BatchCommands"));
  }
  tikvpb::BatchCommandsRequest::Request out;
  const FieldDescriptor* arm = out.GetDescriptor()->FindFieldByNumber(info->batch_arm);
  if (arm == nullptr || arm->message_type() != request.message().GetDescriptor()) {
    return absl::InvalidArgumentError(
        absl::StrCat("message type does not match the ", std::string(CmdTypeName(request.type())), " arm"));
  }
  out.GetReflection()->MutableMessage(&out, arm)->CopyFrom(request.message());
  return out;
}

absl::StatusOr<std::string> EncodeBatchCommandsRequest(const Request& request) {
  const CmdInfo* info = FindCmdInfo(request.type());
  if (info == nullptr || info->batch_arm == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(CmdTypeName(request.type())), " cannot be sent in BatchCommands"));
  }
  const FieldDescriptor* arm =
      tikvpb::BatchCommandsRequest::Request::descriptor()->FindFieldByNumber(info->batch_arm);
  if (arm == nullptr || arm->message_type() != request.message().GetDescriptor()) {
    return absl::InvalidArgumentError(
        absl::StrCat("message type does not match the ", std::string(CmdTypeName(request.type())), " arm"));
  }
  // A oneof arm on the wire is just a length-delimited field: tag, length, message bytes.
  const size_t size = request.message().ByteSizeLong();
  std::string out;
  out.reserve(size + 8);
  AppendVarint(&out, (static_cast<uint64_t>(info->batch_arm) << 3) | 2);
  AppendVarint(&out, size);
  if (!request.message().AppendToString(&out)) {
    return absl::InternalError("failed to serialize request");
  }
  return out;
}

absl::StatusOr<Response> FromBatchCommandsResponse(
    tikvpb::BatchCommandsResponse::Response* response) {
  const google::protobuf::Reflection* reflection = response->GetReflection();
  const google::protobuf::OneofDescriptor* oneof = response->GetDescriptor()->FindOneofByName("cmd");
  const FieldDescriptor* arm =
      oneof == nullptr ? nullptr : reflection->GetOneofFieldDescriptor(*response, oneof);
  if (arm == nullptr) return absl::InternalError("Unknown command response");
  return Response(std::unique_ptr<Message>(reflection->ReleaseMessage(response, arm)));
}

void ApplyContextOptions(const ContextOptions& o, kvrpcpb::Context* c) {
  c->set_isolation_level(o.isolation_level);
  c->set_priority(o.priority);
  c->set_not_fill_cache(o.not_fill_cache);
  c->set_sync_log(o.sync_log);
  c->set_record_time_stat(o.record_time_stat);
  c->set_record_scan_stat(o.record_scan_stat);
  if (!o.resource_group_name.empty()) {
    c->mutable_resource_control_context()->set_resource_group_name(o.resource_group_name);
  }
  c->set_resource_group_tag(o.resource_group_tag);
  c->set_request_source(o.request_source);
  if (o.request_origin != kvrpcpb::RequestOriginUnknown) c->set_request_origin(o.request_origin);
  c->set_txn_source(o.txn_source);
  c->set_busy_threshold_ms(o.busy_threshold_ms);
  c->set_max_execution_duration_ms(o.max_execution_duration_ms);
  if (o.cluster_id != 0) c->set_cluster_id(o.cluster_id);
  c->set_trace_id(o.trace_id);
  c->set_trace_control_flags(o.trace_control_flags);
}

}  // namespace tikv::rpc
