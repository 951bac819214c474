// The canonical layer index: the bytes a layer digest is computed over.
// Digest recipe v1: layer digest = SHA-256(encode(entries)).
//
//   index    = magic version count *entry        ; no trailing bytes
//   magic    = "WIMGLAYR"                        ; 8 bytes
//   version  = u32le(1)
//   count    = u64le                             ; number of entries
//   entry    = kind:u8 path:str mode:u32le size:u64le payload
//   payload  = digest:32*OCTET                   ; kind = 2 (file)
//            / target:str                        ; kind = 3 (symlink)
//            / ""                                ; kind = 1, 4, 5
//   str      = len:u32le len*OCTET
//
// Canonical form (decode rejects anything else, so one set of entries has
// exactly one encoding and one digest):
//   - entries sorted by path, bytewise (memcmp), no duplicates;
//   - paths canonical (layers/path.h); every entry's parent directory is
//     itself an entry of kind dir or opaque;
//   - mode <= 0777; whiteouts have mode 0; size is the file size, the
//     target length for symlinks, 0 otherwise;
//   - symlink targets are 1..4095 bytes without NUL, kept verbatim.
// mtimes, owners and the source of the layer are not part of the index.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "layers/entry.h"
#include "support/result.h"

namespace wimg::layers {

constexpr std::uint32_t kIndexVersion = 1;

// Entries must already be canonical (Status error otherwise).
Result<std::string> encode_index(const std::vector<Entry>& entries);
// `shown` names the source in errors (a digest or a file).
Result<std::vector<Entry>> decode_index(std::string_view bytes, std::string_view shown);
// Checks the canonical-form rules on decoded or freshly built entries.
Status check_canonical(const std::vector<Entry>& entries, std::string_view shown);

}  // namespace wimg::layers
