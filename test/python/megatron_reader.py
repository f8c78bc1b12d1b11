"""An independent reader of the Megatron-LM indexed dataset format (MMapIndexedDataset), written
from the format description, with numpy, to check the shards apertus-ts writes.

    python megatron_reader.py PREFIX

prints one JSON object: dtype, sequence and document counts, the index arrays, and the tokens of
every document (document i = sequences document_indices[i] .. document_indices[i + 1]).

Layout of PREFIX.idx (little-endian): 9-byte magic b"MMIDIDX\\x00\\x00", uint64 version (1), uint8
dtype code, uint64 sequence count n, uint64 document index count d, int32[n] sequence lengths,
int64[n] sequence pointers (byte offsets into PREFIX.bin), int64[d] document indices.
"""

import json
import os
import struct
import sys

import numpy as np

MAGIC = b"MMIDIDX\x00\x00"
# Megatron's DType enum.
CODES = {1: np.uint8, 2: np.int8, 3: np.int16, 4: np.int32, 5: np.int64, 6: np.float64, 7: np.float32, 8: np.uint16}


def read(prefix):
    idx_path, bin_path = prefix + ".idx", prefix + ".bin"
    with open(idx_path, "rb") as f:
        if f.read(9) != MAGIC:
            raise SystemExit(f"{idx_path}: bad magic")
        (version,) = struct.unpack("<Q", f.read(8))
        if version != 1:
            raise SystemExit(f"{idx_path}: version {version}")
        (code,) = struct.unpack("<B", f.read(1))
        (n,) = struct.unpack("<Q", f.read(8))
        (d,) = struct.unpack("<Q", f.read(8))
        offset = f.tell()
    dtype = np.dtype(CODES[code]).newbyteorder("<")
    index = np.memmap(idx_path, mode="r", dtype=np.uint8)
    lengths = np.frombuffer(index, dtype="<i4", count=n, offset=offset)
    pointers = np.frombuffer(index, dtype="<i8", count=n, offset=offset + 4 * n)
    doc_idx = np.frombuffer(index, dtype="<i8", count=d, offset=offset + 12 * n)
    if offset + 12 * n + 8 * d != os.path.getsize(idx_path):
        raise SystemExit(f"{idx_path}: size does not match the counts")
    data = np.memmap(bin_path, mode="r", dtype=np.uint8) if os.path.getsize(bin_path) > 0 else np.zeros(0, np.uint8)
    documents = []
    for i in range(d - 1):
        tokens = []
        for s in range(int(doc_idx[i]), int(doc_idx[i + 1])):
            if lengths[s] == 0:
                continue
            tokens.extend(np.frombuffer(data, dtype=dtype, count=int(lengths[s]), offset=int(pointers[s])).tolist())
        documents.append(tokens)
    return {
        "dtype": np.dtype(CODES[code]).name,
        "dtype_code": code,
        "sequence_count": n,
        "document_count": d,
        "sequence_lengths": lengths.tolist(),
        "sequence_pointers": pointers.tolist(),
        "document_indices": doc_idx.tolist(),
        "documents": documents,
    }


if __name__ == "__main__":
    json.dump(read(sys.argv[1]), sys.stdout)
    sys.stdout.write("\n")
