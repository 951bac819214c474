// files.cpp (C++, libc++ for wasm32-wasi: Debian's libc++-19-dev-wasm32):
// tests/e2e/test_wasi_corpus.sh packs it with a tree and compares its
// output with the unpacked module's on a host directory.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>
#include <dirent.h>
#include <sys/stat.h>
// Reads a file from the image, counts its words in a
// std::map, lists a directory sorted and makes a virtual call.
int main(int argc, char** argv) {
  if (argc < 3) return 2;
  // Debian's libc++ for wasm32 has no <fstream> (no filesystem): stdio.
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(argv[1], "r"), std::fclose);
  if (!f) { std::cerr << "cannot open " << argv[1] << "\n"; return 3; }
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f.get())) > 0;) text.append(buf, n);
  std::cout << "c++: " << argv[1] << ": " << text.size() << " bytes: " << text;
  std::map<std::string, int> words;
  std::istringstream ws(text);
  for (std::string w; ws >> w;) ++words[w];
  for (const auto& [w, n] : words) std::cout << "c++: word " << w << " " << n << "\n";
  std::vector<std::string> names;
  if (DIR* d = opendir(argv[2])) {
    while (dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") names.push_back(n);
    }
    closedir(d);
  }
  std::sort(names.begin(), names.end());
  for (const auto& n : names) {
    struct stat st;
    std::string p = std::string(argv[2]) + "/" + n;
    if (stat(p.c_str(), &st) != 0) return 5;
    std::cout << "c++: " << n << (S_ISDIR(st.st_mode) ? " dir" : " file") << "\n";
  }
  // No exceptions in wasm32-wasi (-fno-exceptions): a virtual call instead.
  struct Shape { virtual ~Shape() = default; virtual const char* name() const = 0; };
  struct Square : Shape { const char* name() const override { return "square"; } };
  std::unique_ptr<Shape> s = std::make_unique<Square>();
  std::cout << "c++: virtual " << s->name() << "\n";
  return 0;
}
