// Sample chunks: a run's samples go to the chip `run.chunk` at a time, each chunk finished
// before the next one's inputs arrive (the host's batch). The chunks are simulated apart, one
// SystemC elaboration each, in worker processes when `--jobs` allows, and joined in chunk order:
// counts add, a chunk's cycles follow the ones before it, outputs are concatenated. Because the
// chunks are fixed by run.chunk alone, the joined results are the same for any number of workers,
// and the memory a run needs grows with the chunk, not with the samples.
#pragma once
#include <string>
#include <vector>

#include "arch/params.hpp"
#include "arch/ttfs_array.hpp"
#include "sim/driver.hpp"

namespace cimsim {

struct SampleChunk {
  int64_t index = 0, s0 = 0, s1 = 0;  // samples [s0, s1)
  int64_t size() const { return s1 - s0; }
};

// Chunks of `size` samples (0: all in one) over `samples` samples.
std::vector<SampleChunk> sample_chunks(int64_t samples, int64_t size);

// The chip that simulates chunk k of a run of `chip`: a later chunk finds resident weights in
// their cells, draws its own conversion noise, and records the binary outputs of the run's
// first `chip.record_samples` samples that fall in it.
ChipParams chunk_chip(const ChipParams& chip, const SampleChunk& k);

// Appends chunk `b` (the chunk after those in `a`) to `a`; `a` empty (no layers) takes `b` whole.
void append_chunk(ChipOutcome& a, ChipOutcome&& b);
void append_chunk(TtfsRun& a, TtfsRun&& b);

std::string encode_outcome(const ChipOutcome& o);
ChipOutcome decode_outcome(const std::string& bytes);
std::string encode_ttfs(const TtfsRun& r);
TtfsRun decode_ttfs(const std::string& bytes);

}  // namespace cimsim
