// The typed request/response envelope around kvrpcpb messages: which command it is, the
// message itself, the request context, and the routing extras client-go keeps beside them
// (replica-read type, forwarded host, request source...).  Also the conversions to and from
// the BatchCommands arms, and the pre-encoding of a request into its arm's wire bytes so the
// batch loop only concatenates bytes.  Port of client-go tikvrpc/tikvrpc.go (Request,
// Response, NewRequest, AttachContext, SetContextNoAttach, ToBatchCommandsRequest,
// FromBatchCommandsResponse, GenRegionErrorResp and the predicates).
//
// Thread-safety: Request and Response are values, fiber-confined.  A Request must not be
// mutated while a send of it may still be in flight (tidb#51921); senders encode a copy.

#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "errorpb.pb.h"
#include "google/protobuf/message.h"
#include "kvrpcpb.pb.h"
#include "metapb.pb.h"
#include "rpc/cmd_type.h"
#include "tikvpb.pb.h"

namespace tikv::rpc {

// Which replicas a read may use.  Port of client-go kv/replica_read.go, ReplicaReadType.
enum class ReplicaReadType : uint8_t {
  kLeader = 0,
  kFollower,
  kMixed,
  kLearner,
  kPreferLeader,
};
// True for the types that read from a non-leader (sets Context.replica_read).  Never suspends.
bool IsFollowerRead(ReplicaReadType type);

// Where the request goes.  Port of client-go tikvrpc/endpoint.go, EndpointType.
enum class EndpointType : uint8_t { kTiKv = 0, kTiFlash, kTiDb, kTiFlashCompute };

class Request {
 public:
  // Wraps `message` (the command's request type; checked by Validate()) with `context`.
  // Like client-go NewRequest, an unset request origin takes `default_origin`.
  // Never suspends.
  Request(CmdType type, std::unique_ptr<google::protobuf::Message> message,
          kvrpcpb::Context context = {},
          kvrpcpb::RequestOrigin default_origin = kvrpcpb::RequestOriginUnknown);

  // Convenience: Request::Of(CmdType::kGet, get_request).  Never suspends.
  template <typename M>
  static Request Of(CmdType type, M message, kvrpcpb::Context context = {}) {
    return Request(type, std::make_unique<M>(std::move(message)), std::move(context));
  }

  // A deep copy (message included).  Never suspends.
  Request Clone() const;

  Request(Request&&) = default;
  Request& operator=(Request&&) = default;

  CmdType type() const { return type_; }
  const google::protobuf::Message& message() const { return *message_; }
  google::protobuf::Message* mutable_message() { return message_.get(); }

  // The typed message.  Requires: the message is an M (TIKV_CHECK-style abort otherwise is
  // avoided: returns nullptr).  Never suspends.
  template <typename M>
  const M* As() const {
    return message_->GetDescriptor() == M::descriptor() ? static_cast<const M*>(message_.get())
                                                        : nullptr;
  }
  template <typename M>
  M* MutableAs() {
    return message_->GetDescriptor() == M::descriptor() ? static_cast<M*>(message_.get())
                                                        : nullptr;
  }

  // The request context kept beside the message (client-go's embedded kvrpcpb.Context).
  // AttachContext() copies it into the message.
  const kvrpcpb::Context& context() const { return context_; }
  kvrpcpb::Context* mutable_context() { return &context_; }

  // OK when the message type matches the command (kInvalidArgument otherwise).  Never suspends.
  absl::Status Validate() const;

  // Replaces the context with `context` (filling an unset origin with the request's default)
  // and writes it into the message's context field.  Returns false when the message has no
  // context field and the command is not one that needs none (Empty, StoreSafeTS).
  // Port of client-go tikvrpc.AttachContext().  Never suspends.
  bool AttachContext(const kvrpcpb::Context& context);
  // AttachContext(context()).  Never suspends.
  bool AttachOwnContext() { return AttachContext(context_); }

  // Region id, epoch and peer into context() (not the message).
  // Port of client-go tikvrpc.SetContextNoAttach().  Never suspends.
  void SetRegionContext(const metapb::Region& region, const metapb::Peer& peer);
  void SetRegionContext(uint64_t region_id, const metapb::RegionEpoch& epoch,
                        const metapb::Peer& peer);

  // Replica read: sets the type and Context.replica_read.  Port of SetReplicaReadType().
  void SetReplicaReadType(ReplicaReadType type);
  ReplicaReadType replica_read_type() const { return replica_read_type_; }
  // Stale read served by any replica (Context.stale_read, mixed replicas, replica_read off).
  // Port of EnableStaleWithMixedReplicaRead().
  void EnableStaleWithMixedReplicaRead();
  // Back to a leader read after a stale read met a lock.  Port of DisableStaleReadMeetLock().
  void DisableStaleReadMeetLock();

  // Predicates.  Port of IsTxnWriteRequest, IsRawWriteRequest, IsInterruptible, IsDebugReq,
  // GetStartTS.  Never suspend.
  bool IsTxnWriteRequest() const;
  bool IsRawWriteRequest() const;
  bool IsInterruptible() const;
  bool IsDebugRequest() const { return false; }  // no debug service commands in this client
  uint64_t StartTs() const;

  // Routing extras (client-go Request fields).
  std::string forwarded_host;           // proxy through another store (tikv-forwarded-host)
  EndpointType store_type = EndpointType::kTiKv;
  std::string read_replica_scope;
  std::string txn_scope;
  std::string input_request_source;
  uint64_t predicted_read_bytes = 0;
  uint32_t replica_read_seed = 0;

 private:
  CmdType type_;
  std::unique_ptr<google::protobuf::Message> message_;
  kvrpcpb::Context context_;
  kvrpcpb::RequestOrigin default_origin_;
  ReplicaReadType replica_read_type_ = ReplicaReadType::kLeader;
};

class Response {
 public:
  Response() = default;
  explicit Response(std::unique_ptr<google::protobuf::Message> message)
      : message_(std::move(message)) {}
  Response(Response&&) = default;
  Response& operator=(Response&&) = default;

  bool has_message() const { return message_ != nullptr; }
  const google::protobuf::Message& message() const { return *message_; }
  google::protobuf::Message* mutable_message() { return message_.get(); }
  template <typename M>
  const M* As() const {
    return message_ != nullptr && message_->GetDescriptor() == M::descriptor()
               ? static_cast<const M*>(message_.get())
               : nullptr;
  }

  // The response's region error, or nullptr when it has none (or the type cannot carry one).
  // Port of client-go Response.GetRegionError().  Never suspends.
  const errorpb::Error* region_error() const;

 private:
  std::unique_ptr<google::protobuf::Message> message_;
};

// A new, empty response message of the command's response type (nullptr for an unknown
// command).  Never suspends.
std::unique_ptr<google::protobuf::Message> NewResponseMessage(CmdType type);

// A response of `request`'s type carrying region error `error`.
// Port of client-go tikvrpc.GenRegionErrorResp().  kInvalidArgument when the response type
// has no region_error field.  Never suspends.
absl::StatusOr<Response> GenRegionErrorResponse(const Request& request, const errorpb::Error& error);

// The request as one BatchCommands arm (a copy of the message).  kInvalidArgument for a
// command without an arm.  Port of Request.ToBatchCommandsRequest().  Never suspends.
absl::StatusOr<tikvpb::BatchCommandsRequest::Request> ToBatchCommandsRequest(const Request& request);

// The serialized BatchCommandsRequest.Request of `request`, produced without copying the
// message into an arm: the oneof tag and length followed by the message bytes.  Errors as
// ToBatchCommandsRequest.  Port of client-go client_batch.go encodeRequestCmd (pre-encoding).
// Never suspends.
absl::StatusOr<std::string> EncodeBatchCommandsRequest(const Request& request);

// Takes the arm out of `response`.  kInternal ("Unknown command response") when no arm is set
// (a server that did not understand the command).  Port of FromBatchCommandsResponse().
// Never suspends.
absl::StatusOr<Response> FromBatchCommandsResponse(tikvpb::BatchCommandsResponse::Response* response);

// Options a caller fills into a request's context (client-go spreads these over the snapshot,
// transaction, replica selector and trace code; here they are one struct).
struct ContextOptions {
  kvrpcpb::IsolationLevel isolation_level = kvrpcpb::SI;
  kvrpcpb::CommandPri priority = kvrpcpb::Normal;
  bool not_fill_cache = false;
  bool sync_log = false;
  bool record_time_stat = false;
  bool record_scan_stat = false;
  std::string resource_group_name;     // ResourceControlContext.resource_group_name
  std::string resource_group_tag;      // opaque TopSQL tag
  std::string request_source;          // util.RequestSource.GetRequestSource()
  kvrpcpb::RequestOrigin request_origin = kvrpcpb::RequestOriginUnknown;
  uint64_t txn_source = 0;
  uint32_t busy_threshold_ms = 0;
  uint64_t max_execution_duration_ms = 0;
  uint64_t cluster_id = 0;
  std::string trace_id;
  uint64_t trace_control_flags = 0;
};

// Writes `options` into *context (leaves fields the options do not cover alone).
// Never suspends.
void ApplyContextOptions(const ContextOptions& options, kvrpcpb::Context* context);

}  // namespace tikv::rpc
