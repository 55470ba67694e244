#!/usr/bin/env bash
# Regenerates Sources/KaopingWire/Generated/*.pb.swift from proto/kaoping/v1/*.proto.
# Needs protoc (Debian: apt-get install -y protobuf-compiler, 3.21 known to work) and protoc-gen-swift built from
# swift-protobuf 1.39.0 (the version Package.swift names):
#   git clone https://github.com/apple/swift-protobuf && cd swift-protobuf && git checkout 1.39.0 \
#     && swift build -c release --product protoc-gen-swift
# then run with PROTOC_GEN_SWIFT=/path/to/.build/release/protoc-gen-swift (or put it on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
plugin=${PROTOC_GEN_SWIFT:-$(command -v protoc-gen-swift || true)}
if [ -z "$plugin" ] || [ ! -x "$plugin" ]; then
    echo "generate.sh: protoc-gen-swift not found; build it (see the comment at the top) and set PROTOC_GEN_SWIFT" >&2
    exit 1
fi
command -v protoc >/dev/null || { echo "generate.sh: protoc not found; apt-get install -y protobuf-compiler" >&2; exit 1; }
out=Sources/KaopingWire/Generated
mkdir -p "$out"
rm -f "$out"/*.pb.swift
protoc --plugin=protoc-gen-swift="$plugin" --proto_path=proto \
    --swift_out="$out" --swift_opt=Visibility=Public --swift_opt=FileNaming=DropPath \
    proto/kaoping/v1/*.proto
# A descriptor set for tools and tests that load the schema at run time (Tests/protocol/).
protoc --proto_path=proto --include_imports --descriptor_set_out=proto/kaoping-v1.desc proto/kaoping/v1/*.proto
echo "generate.sh: wrote $(ls "$out" | wc -l) files to $out and proto/kaoping-v1.desc"
