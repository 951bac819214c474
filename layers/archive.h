// Archive import through libarchive: tar (ustar, pax, GNU) optionally
// compressed with gzip, bzip2, xz, lzma or zstd, and zip. Other formats
// libarchive knows (mtree, cpio, iso9660, ...) are deliberately not enabled:
// mtree, for one, can name host files and must never be read from input.
//
// Member names are normalised (layers/path.h); absolute names, ".."
// components, non-UTF-8 names, over-long paths, writes through symlinks and
// hard links to members not earlier in the archive are errors. Devices,
// FIFOs and sockets are skipped with a warning.
#pragma once

#include <string>

#include "layers/builder.h"
#include "layers/import.h"
#include "store/batch.h"

namespace wimg::layers {

Status read_archive(const std::string& path, store::Batch& batch, LayerBuilder& builder, const ImportOptions& opts);
// The same over bytes in memory; `name` stands for the archive in messages.
Status read_archive_memory(std::string_view bytes, const std::string& name, store::Batch& batch, LayerBuilder& builder,
                           const ImportOptions& opts);

// True if the file starts like an archive format read_archive accepts.
bool looks_like_archive(const std::string& path);

}  // namespace wimg::layers
