#!/bin/sh
# Regenerates weights-converter's committed Java for the Caffe .proto subset (CaffeProto.java) with the
# distribution's protoc (Debian protobuf-compiler 3.21.12 made the committed file). Leaves out any other
# generated language; the Python fixture script compiles its own copy at run time.
set -eu
cd "$(dirname "$0")/.."
SRC=weights-converter/src/main/proto
OUT=weights-converter/src/main/java
protoc --proto_path="$SRC" --java_out="$OUT" "$SRC/caffe_subset.proto"
F="$OUT/nst/convert/caffe/CaffeProto.java"
{
  echo "// Generated Java for weights-converter/src/main/proto/caffe_subset.proto (Caffe's weight-holding messages),"
  echo "// made by tools/gen_caffe_proto.sh with $(protoc --version). Do not edit; leaves out every other Caffe message."
  cat "$F"
} > "$F.tmp" && mv "$F.tmp" "$F"
echo "wrote $F"
