// The one libcurl loader: libcurl is opened with dlopen when the first
// transfer starts (npm downloads in base/, registries in dist/), never at
// start-up. Linked into wimg, it and the two dozen libraries it needs were
// loaded by every command (4 ms of CPU, +45%, for `wimg images`), though
// only import, push, pull, login and FROM a registry use them
// (tests/e2e/test_dist_registry.sh checks `wimg --version` loads none of them).
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>

#include "support/result.h"

namespace wimg::net {

// The libcurl functions wimg calls. Loaded once, process-wide (dlopen is
// itself process-wide); curl_global_init has run before this is returned.
struct Curl {
  CURL* (*easy_init)();
  void (*easy_cleanup)(CURL*);
  void (*easy_reset)(CURL*);
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...);
  CURLcode (*easy_perform)(CURL*);
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...);
  const char* (*easy_strerror)(CURLcode);
  char* (*easy_escape)(CURL*, const char*, int);
  void (*free)(void*);
  curl_slist* (*slist_append)(curl_slist*, const char*);
  void (*slist_free_all)(curl_slist*);
};

// NotFound with an install hint when libcurl.so.4 is missing.
Result<const Curl*> curl();

// An easy handle that cleans itself up.
struct EasyDeleter {
  const Curl* api;
  void operator()(CURL* h) const { api->easy_cleanup(h); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
Result<Easy> easy();

// Percent-encodes s for a query string.
std::string escape(const Curl& api, CURL* h, const std::string& s);

}  // namespace wimg::net
