// THE method table: one tikv::RpcMethod per RPC the client may call, shared by the engine (which
// passes them to Transport::Call / OpenStream), the production gRPC transport and the
// simulator (which registers handlers under the same full names).  Names are exactly
// "/<package>.<Service>/<Rpc>" as in the .proto files (note "/tikvpb.Tikv/KVPessimisticRollback"
// with a capital V); tests/rpc/methods_test.cc checks every entry against the compiled service
// descriptors for name and streaming kind.
//
// Thread-safety: immutable constants.

#pragma once

#include <span>
#include <string_view>

#include "tikv/env.h"

namespace tikv::rpc {

// TiKV (tikvpb.Tikv): every unary RPC of the schema plus the BatchCommands stream.
inline constexpr RpcMethod kKvGet{"/tikvpb.Tikv/KvGet", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvScan{"/tikvpb.Tikv/KvScan", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvPrewrite{"/tikvpb.Tikv/KvPrewrite", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvPessimisticLock{"/tikvpb.Tikv/KvPessimisticLock",
                                              RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvPessimisticRollback{"/tikvpb.Tikv/KVPessimisticRollback",
                                                  RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvTxnHeartBeat{"/tikvpb.Tikv/KvTxnHeartBeat", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvCheckTxnStatus{"/tikvpb.Tikv/KvCheckTxnStatus",
                                             RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvCheckSecondaryLocks{"/tikvpb.Tikv/KvCheckSecondaryLocks",
                                                  RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvCommit{"/tikvpb.Tikv/KvCommit", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvCleanup{"/tikvpb.Tikv/KvCleanup", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvBatchGet{"/tikvpb.Tikv/KvBatchGet", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvBatchRollback{"/tikvpb.Tikv/KvBatchRollback",
                                            RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvScanLock{"/tikvpb.Tikv/KvScanLock", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvResolveLock{"/tikvpb.Tikv/KvResolveLock", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvGc{"/tikvpb.Tikv/KvGC", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvDeleteRange{"/tikvpb.Tikv/KvDeleteRange", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvPrepareFlashbackToVersion{"/tikvpb.Tikv/KvPrepareFlashbackToVersion",
                                                        RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvFlashbackToVersion{"/tikvpb.Tikv/KvFlashbackToVersion",
                                                 RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvFlush{"/tikvpb.Tikv/KvFlush", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKvBufferBatchGet{"/tikvpb.Tikv/KvBufferBatchGet",
                                             RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawGet{"/tikvpb.Tikv/RawGet", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawBatchGet{"/tikvpb.Tikv/RawBatchGet", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawPut{"/tikvpb.Tikv/RawPut", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawBatchPut{"/tikvpb.Tikv/RawBatchPut", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawDelete{"/tikvpb.Tikv/RawDelete", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawBatchDelete{"/tikvpb.Tikv/RawBatchDelete", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawScan{"/tikvpb.Tikv/RawScan", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawDeleteRange{"/tikvpb.Tikv/RawDeleteRange", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawBatchScan{"/tikvpb.Tikv/RawBatchScan", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawGetKeyTtl{"/tikvpb.Tikv/RawGetKeyTTL", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawCompareAndSwap{"/tikvpb.Tikv/RawCompareAndSwap",
                                              RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kRawChecksum{"/tikvpb.Tikv/RawChecksum", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kUnsafeDestroyRange{"/tikvpb.Tikv/UnsafeDestroyRange",
                                               RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kCoprocessor{"/tikvpb.Tikv/Coprocessor", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kSplitRegion{"/tikvpb.Tikv/SplitRegion", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kMvccGetByKey{"/tikvpb.Tikv/MvccGetByKey", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kMvccGetByStartTs{"/tikvpb.Tikv/MvccGetByStartTs",
                                             RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kBatchCommands{"/tikvpb.Tikv/BatchCommands",
                                          RpcMethod::Kind::kBidiStream};
inline constexpr RpcMethod kGetStoreSafeTs{"/tikvpb.Tikv/GetStoreSafeTS", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetLockWaitInfo{"/tikvpb.Tikv/GetLockWaitInfo",
                                            RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetHealthFeedback{"/tikvpb.Tikv/GetHealthFeedback",
                                              RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kBroadcastTxnStatus{"/tikvpb.Tikv/BroadcastTxnStatus",
                                               RpcMethod::Kind::kUnary};

// PD (pdpb.PD), including the Tso and QueryRegion streams.
inline constexpr RpcMethod kPdGetClusterInfo{"/pdpb.PD/GetClusterInfo", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetMembers{"/pdpb.PD/GetMembers", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdTso{"/pdpb.PD/Tso", RpcMethod::Kind::kBidiStream};
inline constexpr RpcMethod kPdAllocID{"/pdpb.PD/AllocID", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetStore{"/pdpb.PD/GetStore", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetAllStores{"/pdpb.PD/GetAllStores", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetRegion{"/pdpb.PD/GetRegion", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetPrevRegion{"/pdpb.PD/GetPrevRegion", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetRegionById{"/pdpb.PD/GetRegionByID", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdQueryRegion{"/pdpb.PD/QueryRegion", RpcMethod::Kind::kBidiStream};
inline constexpr RpcMethod kPdScanRegions{"/pdpb.PD/ScanRegions", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdBatchScanRegions{"/pdpb.PD/BatchScanRegions",
                                               RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdScatterRegion{"/pdpb.PD/ScatterRegion", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetGcSafePoint{"/pdpb.PD/GetGCSafePoint", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdUpdateGcSafePoint{"/pdpb.PD/UpdateGCSafePoint",
                                                RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdUpdateServiceGcSafePoint{"/pdpb.PD/UpdateServiceGCSafePoint",
                                                       RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetGcSafePointV2{"/pdpb.PD/GetGCSafePointV2",
                                               RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdUpdateGcSafePointV2{"/pdpb.PD/UpdateGCSafePointV2",
                                                  RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdUpdateServiceSafePointV2{"/pdpb.PD/UpdateServiceSafePointV2",
                                                       RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdAdvanceGcSafePoint{"/pdpb.PD/AdvanceGCSafePoint",
                                                 RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdAdvanceTxnSafePoint{"/pdpb.PD/AdvanceTxnSafePoint",
                                                  RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdSetGcBarrier{"/pdpb.PD/SetGCBarrier", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdDeleteGcBarrier{"/pdpb.PD/DeleteGCBarrier", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetGcState{"/pdpb.PD/GetGCState", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetAllKeyspacesGcStates{"/pdpb.PD/GetAllKeyspacesGCStates",
                                                      RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetOperator{"/pdpb.PD/GetOperator", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdSplitRegions{"/pdpb.PD/SplitRegions", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdSetExternalTimestamp{"/pdpb.PD/SetExternalTimestamp",
                                                   RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetExternalTimestamp{"/pdpb.PD/GetExternalTimestamp",
                                                   RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kPdGetMinTs{"/pdpb.PD/GetMinTS", RpcMethod::Kind::kUnary};

// PD keyspace service (keyspacepb.Keyspace).
inline constexpr RpcMethod kKeyspaceLoadKeyspace{"/keyspacepb.Keyspace/LoadKeyspace",
                                                 RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKeyspaceLoadKeyspaceById{"/keyspacepb.Keyspace/LoadKeyspaceByID",
                                                     RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kKeyspaceGetAllKeyspaces{"/keyspacepb.Keyspace/GetAllKeyspaces",
                                                    RpcMethod::Kind::kUnary};

// gRPC health checking (grpc.health.v1.Health).
inline constexpr RpcMethod kHealthCheck{"/grpc.health.v1.Health/Check", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kHealthWatch{"/grpc.health.v1.Health/Watch",
                                        RpcMethod::Kind::kServerStream};

// PD resource manager (resource_manager.ResourceManager).
inline constexpr RpcMethod kResourceManagerListResourceGroups{
    "/resource_manager.ResourceManager/ListResourceGroups", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kResourceManagerGetResourceGroup{
    "/resource_manager.ResourceManager/GetResourceGroup", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kResourceManagerAddResourceGroup{
    "/resource_manager.ResourceManager/AddResourceGroup", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kResourceManagerModifyResourceGroup{
    "/resource_manager.ResourceManager/ModifyResourceGroup", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kResourceManagerDeleteResourceGroup{
    "/resource_manager.ResourceManager/DeleteResourceGroup", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kResourceManagerAcquireTokenBuckets{
    "/resource_manager.ResourceManager/AcquireTokenBuckets", RpcMethod::Kind::kBidiStream};

// Every method above, in declaration order.  Never suspends.
std::span<const RpcMethod* const> AllMethods();

// The method whose full name is `full_name`, or nullptr.  Never suspends.
const RpcMethod* FindMethod(std::string_view full_name);

}  // namespace tikv::rpc
