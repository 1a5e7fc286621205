#include "rpc/methods.h"

#include <array>

namespace tikv::rpc {
namespace {

// Pointers to the constants, so callers compare methods by identity if they wish.
constexpr std::array<const RpcMethod*, 83> kAllMethods = {
    &kKvGet,
    &kKvScan,
    &kKvPrewrite,
    &kKvPessimisticLock,
    &kKvPessimisticRollback,
    &kKvTxnHeartBeat,
    &kKvCheckTxnStatus,
    &kKvCheckSecondaryLocks,
    &kKvCommit,
    &kKvCleanup,
    &kKvBatchGet,
    &kKvBatchRollback,
    &kKvScanLock,
    &kKvResolveLock,
    &kKvGc,
    &kKvDeleteRange,
    &kKvPrepareFlashbackToVersion,
    &kKvFlashbackToVersion,
    &kKvFlush,
    &kKvBufferBatchGet,
    &kRawGet,
    &kRawBatchGet,
    &kRawPut,
    &kRawBatchPut,
    &kRawDelete,
    &kRawBatchDelete,
    &kRawScan,
    &kRawDeleteRange,
    &kRawBatchScan,
    &kRawGetKeyTtl,
    &kRawCompareAndSwap,
    &kRawChecksum,
    &kUnsafeDestroyRange,
    &kCoprocessor,
    &kSplitRegion,
    &kMvccGetByKey,
    &kMvccGetByStartTs,
    &kBatchCommands,
    &kGetStoreSafeTs,
    &kGetLockWaitInfo,
    &kGetHealthFeedback,
    &kBroadcastTxnStatus,
    &kPdGetClusterInfo,
    &kPdGetMembers,
    &kPdTso,
    &kPdAllocID,
    &kPdGetStore,
    &kPdGetAllStores,
    &kPdGetRegion,
    &kPdGetPrevRegion,
    &kPdGetRegionById,
    &kPdQueryRegion,
    &kPdScanRegions,
    &kPdBatchScanRegions,
    &kPdScatterRegion,
    &kPdGetGcSafePoint,
    &kPdUpdateGcSafePoint,
    &kPdUpdateServiceGcSafePoint,
    &kPdGetGcSafePointV2,
    &kPdUpdateGcSafePointV2,
    &kPdUpdateServiceSafePointV2,
    &kPdAdvanceGcSafePoint,
    &kPdAdvanceTxnSafePoint,
    &kPdSetGcBarrier,
    &kPdDeleteGcBarrier,
    &kPdGetGcState,
    &kPdGetAllKeyspacesGcStates,
    &kPdGetOperator,
    &kPdSplitRegions,
    &kPdSetExternalTimestamp,
    &kPdGetExternalTimestamp,
    &kPdGetMinTs,
    &kKeyspaceLoadKeyspace,
    &kKeyspaceLoadKeyspaceById,
    &kKeyspaceGetAllKeyspaces,
    &kHealthCheck,
    &kHealthWatch,
    &kResourceManagerListResourceGroups,
    &kResourceManagerGetResourceGroup,
    &kResourceManagerAddResourceGroup,
    &kResourceManagerModifyResourceGroup,
    &kResourceManagerDeleteResourceGroup,
    &kResourceManagerAcquireTokenBuckets,
};

}  // namespace

std::span<const RpcMethod* const> AllMethods() { return kAllMethods; }

const RpcMethod* FindMethod(std::string_view full_name) {
  // A linear scan: the table is small and lookups happen at registration, not per request.
  for (const RpcMethod* method : kAllMethods) {
    if (method->full_name == full_name) return method;
  }
  return nullptr;
}

}  // namespace tikv::rpc
