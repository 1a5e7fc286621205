# Every dependency comes from Debian bookworm packages (tools/dev setup installs them).
find_package(Threads REQUIRED)
find_package(Protobuf 3.21 REQUIRED)        # module mode: Debian ships no protobuf-config.cmake
find_package(gRPC 1.51 CONFIG REQUIRED)     # needs protobuf-compiler-grpc installed (P2)
find_package(absl CONFIG REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS context)
find_package(GTest CONFIG REQUIRED)
find_package(rapidcheck CONFIG REQUIRED)
find_package(benchmark CONFIG REQUIRED)
