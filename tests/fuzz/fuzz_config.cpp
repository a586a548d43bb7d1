// libFuzzer target: see entries.hpp.
#include "entries.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cimsim::fuzz::config(data, size);
  return 0;
}

// libsystemc.so's own main() refers to sc_main; here libFuzzer supplies main(), so the linker
// needs the symbol but nothing calls it.
extern "C" int sc_main(int, char**) { return 0; }
