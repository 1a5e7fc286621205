// The PD RPC methods the PD client calls.  Private to src/pd/ until the shared method table
// (src/rpc/methods.h) lists them.  Immutable.

#pragma once

#include "tikv/env.h"

namespace tikv::pd {

inline constexpr RpcMethod kGetMembers{"/pdpb.PD/GetMembers", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetClusterInfo{"/pdpb.PD/GetClusterInfo", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kTso{"/pdpb.PD/Tso", RpcMethod::Kind::kBidiStream};
inline constexpr RpcMethod kGetRegion{"/pdpb.PD/GetRegion", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetPrevRegion{"/pdpb.PD/GetPrevRegion", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetRegionById{"/pdpb.PD/GetRegionByID", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kScanRegions{"/pdpb.PD/ScanRegions", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kBatchScanRegions{"/pdpb.PD/BatchScanRegions",
                                             RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetStore{"/pdpb.PD/GetStore", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetAllStores{"/pdpb.PD/GetAllStores", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetGcState{"/pdpb.PD/GetGCState", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kAdvanceTxnSafePoint{"/pdpb.PD/AdvanceTxnSafePoint",
                                                RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kUpdateGcSafePoint{"/pdpb.PD/UpdateGCSafePoint",
                                              RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kUpdateServiceGcSafePoint{"/pdpb.PD/UpdateServiceGCSafePoint",
                                                     RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kGetMinTs{"/pdpb.PD/GetMinTS", RpcMethod::Kind::kUnary};
inline constexpr RpcMethod kLoadKeyspace{"/keyspacepb.Keyspace/LoadKeyspace",
                                         RpcMethod::Kind::kUnary};

}  // namespace tikv::pd
