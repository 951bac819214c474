// Image references, Docker's grammar (simplified to what a local store and
// an OCI registry need):
//
//   reference  = name [ ":" tag ]
//   name       = [ domain "/" ] component *( "/" component )
//   domain     = host [ ":" port ]     ; only when the first part has "." or ":" or is "localhost"
//   component  = alnum *( separator alnum ) ; lower case; separator = "." / "_" / "__" / 1*"-"
//   tag        = ( ALPHA / DIGIT / "_" ) *127( ALPHA / DIGIT / "_" / "." / "-" )
//
// A missing tag means "latest". The canonical string is "name:tag".
#pragma once

#include <string>
#include <string_view>

#include "support/result.h"

namespace wimg::image {

struct Reference {
  std::string name;
  std::string tag;
  std::string str() const { return name + ":" + tag; }
};

Result<Reference> parse_reference(std::string_view text);

}  // namespace wimg::image
