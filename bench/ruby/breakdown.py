#!/usr/bin/env python3
"""Where the bytes of bench/ruby.sh's column (a) go, next to (b).

breakdown.py --a A.wasm --prepared PREPARED.wasm --base ruby.wasm --b ruby+stdlib.wasm
             --inspect INSPECT.json --stdlib DIR --out BREAKDOWN.json

Section payload sizes come from `wasm-objdump -h`; the slots (passive data
segments first_slot.. of `wimg inspect --json`) are read from (a)'s data
section and split with the view and layer segment layouts of
docs/FORMATS.md and runtime/guest/wimg_abi.h. Prints a table and writes the
figures as JSON.
"""
import argparse
import hashlib
import json
import os
import re
import struct
import subprocess
import sys

p = argparse.ArgumentParser()
for k in ("a", "prepared", "base", "b", "inspect", "stdlib", "out"):
    p.add_argument("--" + k, required=True)
args = p.parse_args()


def sections(path):
    """[(name, payload size)] from wasm-objdump -h (custom sections by their name)."""
    out = subprocess.run(["wasm-objdump", "-h", path], check=True, capture_output=True, text=True).stdout
    secs = []
    for line in out.splitlines():
        m = re.match(r'\s*(\w+) start=0x[0-9a-f]+ end=0x[0-9a-f]+ \(size=0x([0-9a-f]+)\)(?:.*"(.*)")?', line)
        if m:
            secs.append((m.group(3) if m.group(1) == "Custom" else m.group(1), int(m.group(2), 16)))
    if not secs:
        sys.exit(f"breakdown: wasm-objdump -h {path} listed no sections")
    return secs


def uleb(buf, pos):
    result = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, pos


def data_segments(path):
    """Every data segment's (offset, length) of the payload in the file."""
    buf = open(path, "rb").read()
    pos = 8
    while pos < len(buf):
        sid = buf[pos]
        size, pos = uleb(buf, pos + 1)
        if sid != 11:
            pos += size
            continue
        count, q = uleb(buf, pos)
        segs = []
        for _ in range(count):
            flag, q = uleb(buf, q)
            if flag == 2:
                _, q = uleb(buf, q)
            if flag in (0, 2):  # an offset expression: one constant instruction, then end
                op = buf[q]
                q += 1
                if op in (0x41, 0x42, 0x23):
                    while buf[q] & 0x80:
                        q += 1
                    q += 1
                else:
                    sys.exit(f"breakdown: {path}: unexpected offset expression opcode {op:#x}")
                if buf[q] != 0x0B:
                    sys.exit(f"breakdown: {path}: offset expression not ended")
                q += 1
            n, q = uleb(buf, q)
            segs.append((q, n))
            q += n
        return buf, segs
    sys.exit(f"breakdown: {path} has no data section")


def leb_len(n):
    k = 1
    while n >= 0x80:
        n >>= 7
        k += 1
    return k


insp = json.load(open(args.inspect))
first = insp["runtime"]["first_slot"]
slot_sizes = insp["slots"]
buf, segs = data_segments(args.a)
slots = [bytes(buf[o:o + n]) for o, n in segs[first:first + len(slot_sizes)]]
if [len(s) for s in slots] != slot_sizes:
    sys.exit(f"breakdown: slot sizes {[len(s) for s in slots]} differ from wimg inspect's {slot_sizes}")

# The view (slot 0): a 64-byte header, then its regions.
view = slots[0]
if view[:8] != b"WIMGVIEW":
    sys.exit("breakdown: slot 0 is not a view")
(_ver, slot_count, node_count, bucket_count, nodes_off, buckets_off, children_off, strings_off, strings_len,
 config_off, config_len, slot_sizes_off) = struct.unpack_from("<12I", view, 8)
view_parts = {
    "header": 64,
    f"nodes ({node_count} x 64)": node_count * 64,
    f"bucket starts ({bucket_count} + 1 x 4)": (bucket_count + 1) * 4,
    "children (u32 per node)": strings_off - children_off,
    "names": strings_len,
    "config": config_len,
    "slot sizes": slot_count * 4,
}
view_parts["alignment padding"] = len(view) - sum(view_parts.values())

# The layer segments (slots 1..n).
layers = []
for i, seg in enumerate(slots[1:], start=1):
    if seg[:8] != b"WIMGLSEG":
        sys.exit(f"breakdown: slot {i} is not a layer segment")
    (index_len,) = struct.unpack_from("<I", seg, 12)
    (rows,) = struct.unpack_from("<I", seg, 16 + index_len)
    (entries,) = struct.unpack_from("<Q", seg, 16 + 12)  # the index's count (after magic + version)
    table = 48 * rows  # segment version 2 (docs/FORMATS.md): 48-byte rows
    blobs = len(seg) - (16 + index_len + 4 + table)
    layers.append({
        "slot": i, "bytes": len(seg),
        "parts": {
            "magic, version, lengths": 16 + 4,
            f"layer index ({entries} entries, host-side)": index_len,
            f"content table ({rows} rows x 48, host-side)": table,
            "file contents (each distinct content once, LZ4 chunks where it pays)": blobs,
        },
    })

# The stdlib tree itself.
file_bytes = files = 0
unique = {}
for dp, _dns, fns in os.walk(args.stdlib):
    for n in fns:
        fp = os.path.join(dp, n)
        if os.path.islink(fp) or not os.path.isfile(fp):
            continue
        data = open(fp, "rb").read()
        files += 1
        file_bytes += len(data)
        unique[hashlib.sha256(data).digest()] = len(data)
unique_bytes = sum(unique.values())

secs = {k: sections(v) for k, v in (("base", args.base), ("prepared", args.prepared), ("a", args.a), ("b", args.b))}
size = {k: os.path.getsize(getattr(args, k)) for k in ("base", "prepared", "a", "b")}


def payload(which, name):
    return sum(s for n, s in secs[which] if n == name)


manifest_sec = payload("a", "wimg.manifest")
slot_total = sum(slot_sizes)
# What the filled slots add to the prepared base: their bytes and their longer
# length prefixes (an empty slot's length is one byte), the data section's
# own longer length, and the wimg.manifest section with its header.
framing = size["a"] - size["prepared"] - slot_total - manifest_sec
vfs_data = payload("b", "Data") - payload("base", "Data")
other_b = size["b"] - size["base"] - vfs_data

rows = [
    ("ruby.wasm (npm, the base of (a) and (c))", size["base"]),
    ("+ wimg runtime injected (prepared base - ruby.wasm)", size["prepared"] - size["base"]),
    ("+ view (slot 0)", len(slots[0])),
]
rows += [(f"+ layer segment (slot {l['slot']}, the stdlib)", l["bytes"]) for l in layers]
rows += [
    ("+ wimg.manifest section payload", manifest_sec),
    ("+ framing (slot length prefixes, section headers)", framing),
]

print(f"stdlib tree: {files} files, {file_bytes:,} bytes ({len(unique)} distinct contents, {unique_bytes:,} bytes)")
print()
print(f"{'(a) ' + os.path.basename(args.a) + ' = ':<56}{'bytes':>14}")
for label, n in rows:
    print(f"  {label:<54}{n:>14,}")
print(f"  {'= (a)':<54}{size['a']:>14,}")
print()
print("  runtime injected, per section (prepared - ruby.wasm payload bytes):")
names = []
for n, _ in secs["prepared"] + secs["base"]:
    if n not in names:
        names.append(n)
for n in names:
    d = payload("prepared", n) - payload("base", n)
    if d:
        print(f"    {n:<52}{d:>+14,}")
hdr = (size["prepared"] - size["base"]) - sum(payload("prepared", n) - payload("base", n) for n in names)
if hdr:
    print(f"    {'section headers':<52}{hdr:>+14,}")
print("  view (slot 0):")
for k, v in view_parts.items():
    print(f"    {k:<52}{v:>14,}")
for l in layers:
    print(f"  layer segment (slot {l['slot']}):")
    for k, v in l["parts"].items():
        print(f"    {k:<52}{v:>14,}")
print()
print(f"{'(b) ' + os.path.basename(args.b) + ' = ':<56}{'bytes':>14}")
print(f"  {'ruby.wasm':<54}{size['base']:>14,}")
print(f"  {'+ wasi-vfs data (Data section growth)':<54}{vfs_data:>14,}")
if other_b:
    print(f"  {'+ other (section headers)':<54}{other_b:>14,}")
print(f"  {'= (b)':<54}{size['b']:>14,}")
print()
a_over = size["a"] - size["base"] - file_bytes
b_over = size["b"] - size["base"] - file_bytes
print(f"bytes beyond ruby.wasm + the stdlib's {file_bytes:,} file bytes: (a) {a_over:+,}, (b) {b_over:+,};"
      f" (a) - (b) = {size['a'] - size['b']:+,}")

json.dump({
    "sizes": size, "stdlib": {"files": files, "bytes": file_bytes, "distinct": len(unique), "distinct_bytes": unique_bytes},
    "a": dict(rows), "view": view_parts, "layers": layers,
    "runtime_per_section": {n: payload("prepared", n) - payload("base", n) for n in names},
    "b": {"ruby.wasm": size["base"], "wasi-vfs data": vfs_data, "other": other_b},
    "overhead_beyond_files": {"a": a_over, "b": b_over},
    "sections": secs,
}, open(args.out, "w"), indent=1)
