// Large buffers (a 16 MB base read, a 30 MB packed module) are touched
// once, page by page: with 4 KiB pages that is thousands of page faults,
// most of a cached `wimg build -o`'s time. Asking for transparent huge
// pages on the buffer makes it a few dozen. Advisory only: a kernel
// without THP, or with THP disabled, ignores it.
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <string>

namespace wimg {

// Call after reserve() and before the bytes are written.
inline void advise_huge_pages(std::string& s) {
  constexpr std::uintptr_t kHuge = 2u << 20;
  if (s.capacity() < 2 * kHuge) return;
  auto begin = reinterpret_cast<std::uintptr_t>(s.data());
  std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  std::uintptr_t last = (begin + s.capacity()) & ~(kHuge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

}  // namespace wimg
