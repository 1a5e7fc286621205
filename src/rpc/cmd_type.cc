#include "rpc/cmd_type.h"

#include <array>

#include "rpc/methods.h"

namespace tikv::rpc {
namespace {

// Arm numbers are those of tikvpb.BatchCommandsRequest.Request (tests/rpc/request_test.cc
// checks each against the descriptor).
constexpr std::array kCmdInfos = {
    CmdInfo{CmdType::kGet, "Get", &kKvGet, 1},
    CmdInfo{CmdType::kScan, "Scan", &kKvScan, 2},
    CmdInfo{CmdType::kPrewrite, "Prewrite", &kKvPrewrite, 3},
    CmdInfo{CmdType::kCommit, "Commit", &kKvCommit, 4},
    CmdInfo{CmdType::kCleanup, "Cleanup", &kKvCleanup, 6},
    CmdInfo{CmdType::kBatchGet, "BatchGet", &kKvBatchGet, 7},
    CmdInfo{CmdType::kBatchRollback, "BatchRollback", &kKvBatchRollback, 8},
    CmdInfo{CmdType::kScanLock, "ScanLock", &kKvScanLock, 9},
    CmdInfo{CmdType::kResolveLock, "ResolveLock", &kKvResolveLock, 10},
    CmdInfo{CmdType::kGc, "GC", &kKvGc, 11},
    CmdInfo{CmdType::kDeleteRange, "DeleteRange", &kKvDeleteRange, 12},
    CmdInfo{CmdType::kPessimisticLock, "PessimisticLock", &kKvPessimisticLock, 23},
    CmdInfo{CmdType::kPessimisticRollback, "PessimisticRollback", &kKvPessimisticRollback, 24},
    CmdInfo{CmdType::kTxnHeartBeat, "TxnHeartBeat", &kKvTxnHeartBeat, 26},
    CmdInfo{CmdType::kCheckTxnStatus, "CheckTxnStatus", &kKvCheckTxnStatus, 25},
    CmdInfo{CmdType::kCheckSecondaryLocks, "CheckSecondaryLocks", &kKvCheckSecondaryLocks, 33},
    CmdInfo{CmdType::kFlashbackToVersion, "FlashbackToVersion", &kKvFlashbackToVersion, 35},
    CmdInfo{CmdType::kPrepareFlashbackToVersion, "PrepareFlashbackToVersion",
            &kKvPrepareFlashbackToVersion, 36},
    CmdInfo{CmdType::kFlush, "Flush", &kKvFlush, 37},
    CmdInfo{CmdType::kBufferBatchGet, "BufferBatchGet", &kKvBufferBatchGet, 38},
    CmdInfo{CmdType::kRawGet, "RawGet", &kRawGet, 13},
    CmdInfo{CmdType::kRawBatchGet, "RawBatchGet", &kRawBatchGet, 14},
    CmdInfo{CmdType::kRawPut, "RawPut", &kRawPut, 15},
    CmdInfo{CmdType::kRawBatchPut, "RawBatchPut", &kRawBatchPut, 16},
    CmdInfo{CmdType::kRawDelete, "RawDelete", &kRawDelete, 17},
    CmdInfo{CmdType::kRawBatchDelete, "RawBatchDelete", &kRawBatchDelete, 18},
    CmdInfo{CmdType::kRawDeleteRange, "RawDeleteRange", &kRawDeleteRange, 20},
    CmdInfo{CmdType::kRawScan, "RawScan", &kRawScan, 19},
    // No BatchCommands arm: always unary (protocol.md 1.1).
    CmdInfo{CmdType::kRawGetKeyTtl, "RawGetKeyTTL", &kRawGetKeyTtl, 0},
    CmdInfo{CmdType::kRawCompareAndSwap, "RawCompareAndSwap", &kRawCompareAndSwap, 0},
    CmdInfo{CmdType::kRawChecksum, "RawChecksum", &kRawChecksum, 0},
    CmdInfo{CmdType::kRawBatchScan, "RawBatchScan", &kRawBatchScan, 21},
    CmdInfo{CmdType::kUnsafeDestroyRange, "UnsafeDestroyRange", &kUnsafeDestroyRange, 0},
    CmdInfo{CmdType::kStoreSafeTs, "StoreSafeTS", &kGetStoreSafeTs, 0},
    CmdInfo{CmdType::kLockWaitInfo, "LockWaitInfo", &kGetLockWaitInfo, 0},
    CmdInfo{CmdType::kGetHealthFeedback, "GetHealthFeedback", &kGetHealthFeedback, 39},
    CmdInfo{CmdType::kBroadcastTxnStatus, "BroadcastTxnStatus", &kBroadcastTxnStatus, 40},
    CmdInfo{CmdType::kCop, "Cop", &kCoprocessor, 22},
    CmdInfo{CmdType::kMvccGetByKey, "MvccGetByKey", &kMvccGetByKey, 0},
    CmdInfo{CmdType::kMvccGetByStartTs, "MvccGetByStartTS", &kMvccGetByStartTs, 0},
    CmdInfo{CmdType::kSplitRegion, "SplitRegion", &kSplitRegion, 0},
    CmdInfo{CmdType::kEmpty, "Empty", nullptr, 255},
};

}  // namespace

const CmdInfo* FindCmdInfo(CmdType type) {
  for (const CmdInfo& info : kCmdInfos) {
    if (info.type == type) return &info;
  }
  return nullptr;
}

std::span<const CmdInfo> AllCmdInfos() { return kCmdInfos; }

std::string_view CmdTypeName(CmdType type) {
  const CmdInfo* info = FindCmdInfo(type);
  return info == nullptr ? std::string_view("Unknown") : info->name;
}

bool IsBatchable(CmdType type) {
  const CmdInfo* info = FindCmdInfo(type);
  return info != nullptr && info->batch_arm != 0;
}

}  // namespace tikv::rpc
