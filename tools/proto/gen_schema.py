#!/usr/bin/env python3
"""Writes the project's wire-schema files (proto/*.proto) from the pinned kvproto manifest.

The manifest (proto/kvproto-manifest.tsv) lists every field, enum value and RPC of the kvproto
files at the pinned commit. This script keeps the RPCs the client and the simulator use (the KEEP_*
tables below), takes the transitive closure of the messages and enums they reach, and writes each
kept message whole (every manifest field, same name, number, label, type and oneof), each kept enum
whole, and each service trimmed to the kept RPCs. Options (gogoproto, rustproto, deprecated) are
not written: none changes the wire format.

Run it when the pin moves or a new RPC is kept:
    tools/proto/gen_schema.py            # rewrites proto/<file>.proto
    tools/proto/gen_schema.py --check    # exits 1 if the committed files differ

The build never runs it; the generated .proto files are committed, and
tests/proto/exactness_test.cc checks them against the manifest on every test run.
"""

import argparse
import collections
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MANIFEST = os.path.join(ROOT, "proto", "kvproto-manifest.tsv")
OUT_DIR = os.path.join(ROOT, "proto")

# RPCs kept per service. protocol.md section 1 says which the client and the simulator need.
KEEP_RPCS = {
    "tikvpb.Tikv": [
        "KvGet", "KvScan", "KvPrewrite", "KvPessimisticLock", "KVPessimisticRollback",
        "KvTxnHeartBeat", "KvCheckTxnStatus", "KvCheckSecondaryLocks", "KvCommit", "KvCleanup",
        "KvBatchGet", "KvBatchRollback", "KvScanLock", "KvResolveLock", "KvGC", "KvDeleteRange",
        "KvPrepareFlashbackToVersion", "KvFlashbackToVersion", "KvFlush", "KvBufferBatchGet",
        "RawGet", "RawBatchGet", "RawPut", "RawBatchPut", "RawDelete", "RawBatchDelete", "RawScan",
        "RawDeleteRange", "RawBatchScan", "RawGetKeyTTL", "RawCompareAndSwap", "RawChecksum",
        "UnsafeDestroyRange", "Coprocessor", "SplitRegion", "MvccGetByKey", "MvccGetByStartTs",
        "BatchCommands", "GetStoreSafeTS", "GetLockWaitInfo", "GetHealthFeedback",
        "BroadcastTxnStatus",
    ],
    "pdpb.PD": [
        "GetClusterInfo", "GetMembers", "Tso", "AllocID", "GetStore", "GetAllStores", "GetRegion",
        "GetPrevRegion", "GetRegionByID", "QueryRegion", "ScanRegions", "BatchScanRegions",
        "ScatterRegion", "GetOperator", "SplitRegions", "GetGCSafePoint", "UpdateGCSafePoint",
        "UpdateServiceGCSafePoint", "GetGCSafePointV2", "UpdateGCSafePointV2",
        "UpdateServiceSafePointV2", "AdvanceGCSafePoint", "AdvanceTxnSafePoint", "SetGCBarrier",
        "DeleteGCBarrier", "GetGCState", "GetAllKeyspacesGCStates", "GetMinTS",
        "SetExternalTimestamp", "GetExternalTimestamp",
    ],
    "keyspacepb.Keyspace": ["LoadKeyspace", "LoadKeyspaceByID", "GetAllKeyspaces"],
    "deadlock.Deadlock": ["GetWaitForEntries", "Detect"],
    "resource_manager.ResourceManager": [
        "ListResourceGroups", "GetResourceGroup", "AddResourceGroup", "ModifyResourceGroup",
        "DeleteResourceGroup", "AcquireTokenBuckets",
    ],
}

SCALARS = {
    "double", "float", "int64", "uint64", "int32", "fixed64", "fixed32", "bool", "string",
    "bytes", "uint32", "sfixed32", "sfixed64", "sint32", "sint64",
}

# One line per kept file: what it is for.
FILE_NOTES = {
    "apipb.proto": "API V3 keyspace identity; only referenced by kvrpcpb.Context.",
    "coprocessor.proto": "Coprocessor messages, kept because BatchCommands has a coprocessor arm.",
    "deadlock.proto": "TiKV's deadlock detector service and the wait-for entries in Deadlock errors.",
    "encryptionpb.proto": "Encryption metadata carried by metapb.Region.",
    "errorpb.proto": "Region errors (errorpb.Error) and their payloads; see protocol.md section 4.2.",
    "keyspacepb.proto": "Keyspace metadata served by PD for API V2 (protocol.md section 3.16.5).",
    "kvrpcpb.proto": "Requests, responses and errors of TiKV's key-value RPCs (protocol.md section 3).",
    "metapb.proto": "Cluster metadata: regions, epochs, peers, stores.",
    "pdpb.proto": "PD's service: members, TSO, routing, stores, GC state (protocol.md section 3.16).",
    "resource_manager.proto": "Resource groups and token buckets of PD's resource manager.",
    "tikvpb.proto": "TiKV's gRPC service and the BatchCommands envelope (protocol.md section 1.3).",
    "tracepb.proto": "Trace context propagated in kvrpcpb.Context.",
}

Field = collections.namedtuple("Field", "name number label type type_name oneof")


class Schema:
    def __init__(self, path):
        self.fields = collections.OrderedDict()  # message -> [Field]
        self.enums = collections.OrderedDict()   # enum -> [(name, number)]
        self.rpcs = collections.OrderedDict()    # service -> [(name, req, resp)]
        self.file_of = {}
        self.pin = ""
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("#"):
                    if "commit" in line and not self.pin:
                        self.pin = line.split("commit", 1)[1].split()[0]
                    continue
                cols = line.split("\t")
                cols += [""] * (9 - len(cols))
                kind, file, owner, name, number, label, typ, type_name, oneof = cols[:9]
                self.file_of.setdefault(owner, file)
                if kind == "field":
                    self.fields.setdefault(owner, []).append(
                        Field(name, int(number), label, typ, type_name, oneof))
                elif kind == "enum":
                    self.enums.setdefault(owner, []).append((name, int(number)))
                elif kind == "rpc":
                    self.rpcs.setdefault(owner, []).append((name, label, typ))
        self.packages = {}
        for owner, file in self.file_of.items():
            self.packages[file] = owner.split(".")[0]

    def is_message(self, name):
        return name in self.fields or (name not in self.enums and name in self.message_refs())

    def message_refs(self):
        if not hasattr(self, "_refs"):
            refs = set()
            for fl in self.fields.values():
                for f in fl:
                    if f.type == "message":
                        refs.add(f.type_name)
            for rl in self.rpcs.values():
                for _, req, resp in rl:
                    refs.add(req.replace("stream ", ""))
                    refs.add(resp.replace("stream ", ""))
            self._refs = refs
        return self._refs

    def file_for(self, name):
        if name in self.file_of:
            return self.file_of[name]
        parent = name.rsplit(".", 1)[0]
        if parent in self.file_of:
            return self.file_of[parent]
        pkg = name.split(".")[0]
        for file, p in self.packages.items():
            if p == pkg:
                return file
        raise KeyError(name)

    def parent_type(self, name):
        """The enclosing message of a nested type, or None for a top-level one."""
        parts = name.split(".")
        if len(parts) <= 2:
            return None
        return ".".join(parts[:-1])


def closure(schema):
    keep_msgs, keep_enums = set(), set()
    todo = []
    for service, names in KEEP_RPCS.items():
        by_name = {r[0]: r for r in schema.rpcs[service]}
        for n in names:
            _, req, resp = by_name[n]
            todo += [req.replace("stream ", ""), resp.replace("stream ", "")]
    while todo:
        t = todo.pop()
        if t in schema.enums:
            if t in keep_enums:
                continue
            keep_enums.add(t)
        else:
            if t in keep_msgs:
                continue
            keep_msgs.add(t)
            for f in schema.fields.get(t, []):
                if f.type in ("message", "enum"):
                    todo.append(f.type_name)
        parent = schema.parent_type(t)
        if parent:
            todo.append(parent)
    return keep_msgs, keep_enums


def type_ref(f):
    return "." + f.type_name if f.type in ("message", "enum") else f.type


def render(schema, keep_msgs, keep_enums):
    by_file = collections.defaultdict(lambda: {"msgs": [], "enums": []})
    for m in keep_msgs:
        if schema.parent_type(m) is None:
            by_file[schema.file_for(m)]["msgs"].append(m)
    for e in keep_enums:
        if schema.parent_type(e) is None:
            by_file[schema.file_for(e)]["enums"].append(e)
    services = {s: n for s, n in KEEP_RPCS.items()}
    for s in services:
        by_file[schema.file_for(s)]

    # Children of each message (nested messages and enums), in manifest order.
    order = {n: i for i, n in enumerate(list(schema.fields) + list(schema.enums))}
    children = collections.defaultdict(list)
    for n in keep_msgs | keep_enums:
        p = schema.parent_type(n)
        if p:
            children[p].append(n)

    outputs = {}
    for file, content in by_file.items():
        pkg = schema.packages[file]
        deps = set()

        def note_dep(type_name):
            df = schema.file_for(type_name)
            if df != file:
                deps.add(df)

        body = []

        def emit_enum(name, indent):
            values = sorted(schema.enums[name], key=lambda v: (v[1] != 0,))
            numbers = [v[1] for v in values]
            short = name.rsplit(".", 1)[1]
            body.append(f"{indent}enum {short} {{")
            if len(set(numbers)) != len(numbers):
                body.append(f"{indent}  option allow_alias = true;")
            for vname, num in values:
                body.append(f"{indent}  {vname} = {num};")
            body.append(f"{indent}}}")

        def emit_message(name, indent):
            short = name.rsplit(".", 1)[1]
            body.append(f"{indent}message {short} {{")
            inner = indent + "  "
            kids = sorted(children.get(name, []), key=lambda n: order.get(n, 1 << 30))
            for k in kids:
                if k in schema.enums:
                    emit_enum(k, inner)
                elif not k.endswith("Entry") or not is_map_entry(k):
                    emit_message(k, inner)
            done_oneofs = set()
            fields = schema.fields.get(name, [])
            for f in fields:
                if f.oneof:
                    if f.oneof in done_oneofs:
                        continue
                    done_oneofs.add(f.oneof)
                    body.append(f"{inner}oneof {f.oneof} {{")
                    for g in fields:
                        if g.oneof == f.oneof:
                            if g.type in ("message", "enum"):
                                note_dep(g.type_name)
                            body.append(f"{inner}  {type_ref(g)} {g.name} = {g.number};")
                    body.append(f"{inner}}}")
                    continue
                if f.type == "message" and is_map_entry(f.type_name):
                    kf, vf = schema.fields[f.type_name]
                    if vf.type in ("message", "enum"):
                        note_dep(vf.type_name)
                    body.append(f"{inner}map<{type_ref(kf)}, {type_ref(vf)}> {f.name} = {f.number};")
                    continue
                if f.type in ("message", "enum"):
                    note_dep(f.type_name)
                label = "repeated " if f.label == "repeated" else ""
                body.append(f"{inner}{label}{type_ref(f)} {f.name} = {f.number};")
            body.append(f"{indent}}}")

        def is_map_entry(name):
            fl = schema.fields.get(name, [])
            return bool(fl) and all(f.label.startswith("map_entry") for f in fl)

        top = sorted(content["enums"] + content["msgs"], key=lambda n: order.get(n, 1 << 30))
        for n in top:
            body.append("")
            if n in schema.enums:
                emit_enum(n, "")
            else:
                emit_message(n, "")
        for service, names in KEEP_RPCS.items():
            if schema.file_for(service) != file:
                continue
            body.append("")
            body.append(f"service {service.split('.', 1)[1]} {{")
            rpcs = {r[0]: r for r in schema.rpcs[service]}
            for n in [r[0] for r in schema.rpcs[service] if r[0] in names]:
                _, req, resp = rpcs[n]
                for t in (req, resp):
                    note_dep(t.replace("stream ", ""))
                req = req.replace("stream ", "stream .") if req.startswith("stream ") else "." + req
                resp = resp.replace("stream ", "stream .") if resp.startswith("stream ") else "." + resp
                body.append(f"  rpc {n}({req}) returns ({resp});")
            body.append("}")

        head = [
            "// Generated by tools/proto/gen_schema.py from proto/kvproto-manifest.tsv; do not edit.",
            f"// Wire schema at pingcap/kvproto {schema.pin},",
            "// trimmed to what the client and the simulator use. Kept messages and enums are whole;",
            "// services keep only the used RPCs.",
            f"// {FILE_NOTES.get(file, '')}".rstrip(),
            "",
            'syntax = "proto3";',
            f"package {pkg};",
        ]
        if deps:
            head.append("")
            head += [f'import "{d}";' for d in sorted(deps)]
        outputs[file] = "\n".join(head + body) + "\n"
    return outputs


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare instead of writing")
    args = ap.parse_args()
    schema = Schema(MANIFEST)
    msgs, enums = closure(schema)
    outputs = render(schema, msgs, enums)
    stale = []
    for file, text in sorted(outputs.items()):
        path = os.path.join(OUT_DIR, file)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(file)
            if not args.check:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
    print(f"{len(outputs)} files, {len(msgs)} messages, {len(enums)} enums;"
          f" {'differ' if args.check else 'rewritten'}: {', '.join(stale) or 'none'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
