// Catch2 runner. Debian's libsystemc provides main(), which calls sc_main.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>
#include <systemc>  // declares extern "C" sc_main

// SystemC prints its banner from main() before sc_main runs; static initialisation comes first.
static const bool kNoBanner = [] { return ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0) == 0; }();

int sc_main(int argc, char** argv) { return Catch::Session().run(argc, argv); }
