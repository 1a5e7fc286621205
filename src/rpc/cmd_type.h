// The command catalogue: one CmdType per TiKV command the client can send, with its unary RPC
// (src/rpc/methods.h) and its arm number in BatchCommandsRequest.Request /
// BatchCommandsResponse.Response (0 when the command cannot ride a BatchCommands stream).
// Port of client-go tikvrpc/tikvrpc.go, CmdType.  The numeric values follow client-go's blocks
// (1.., 256.., 512.., 1024.., 3072..) but are never sent on the wire.  TiFlash/MPP commands and
// the retired green-GC commands are not part of this client.
//
// Thread-safety: immutable.

#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "tikv/env.h"

namespace tikv::rpc {

enum class CmdType : uint16_t {
  kGet = 1,
  kScan,
  kPrewrite,
  kCommit,
  kCleanup,
  kBatchGet,
  kBatchRollback,
  kScanLock,
  kResolveLock,
  kGc,
  kDeleteRange,
  kPessimisticLock,
  kPessimisticRollback,
  kTxnHeartBeat,
  kCheckTxnStatus,
  kCheckSecondaryLocks,
  kFlashbackToVersion,
  kPrepareFlashbackToVersion,
  kFlush,
  kBufferBatchGet,

  kRawGet = 256,
  kRawBatchGet,
  kRawPut,
  kRawBatchPut,
  kRawDelete,
  kRawBatchDelete,
  kRawDeleteRange,
  kRawScan,
  kRawGetKeyTtl,
  kRawCompareAndSwap,
  kRawChecksum,
  kRawBatchScan,
  kUnsafeDestroyRange,
  kStoreSafeTs,
  kLockWaitInfo,
  kGetHealthFeedback,
  kBroadcastTxnStatus,

  kCop = 512,

  kMvccGetByKey = 1024,
  kMvccGetByStartTs,
  kSplitRegion,

  kEmpty = 3072,
};

// What the transport needs to know about one command.
struct CmdInfo {
  CmdType type;
  std::string_view name;     // client-go's CmdType.String()
  const RpcMethod* method;   // the unary RPC; nullptr for Empty (stream only)
  int batch_arm;             // oneof field number in BatchCommands; 0 = unary only
};

// The catalogue entry of `type`, or nullptr for a value outside the enum.  Never suspends.
const CmdInfo* FindCmdInfo(CmdType type);

// Every entry, in enum order.  Never suspends.
std::span<const CmdInfo> AllCmdInfos();

// client-go's name of `type` ("Get", "RawCompareAndSwap", ...; "Unknown" outside the enum).
// Never suspends.
std::string_view CmdTypeName(CmdType type);

// True when `type` may travel in a BatchCommands stream.  Never suspends.
bool IsBatchable(CmdType type);

}  // namespace tikv::rpc
