// Packed bit vectors: the operand format of the macros (64 bits per word, bit i of the vector is
// bit (i % 64) of word (i / 64)).
#pragma once
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <vector>

namespace cimsim {

inline constexpr std::size_t words_for(std::size_t bits) { return (bits + 63) / 64; }

class BitVec {
 public:
  BitVec() = default;
  explicit BitVec(std::size_t nbits) : m_bits(nbits), m_words(words_for(nbits), 0) {}

  std::size_t size() const { return m_bits; }
  bool get(std::size_t i) const { return (m_words[i >> 6] >> (i & 63)) & 1u; }
  void set(std::size_t i, bool v) {
    const uint64_t m = uint64_t{1} << (i & 63);
    if (v) m_words[i >> 6] |= m; else m_words[i >> 6] &= ~m;
  }
  const uint64_t* data() const { return m_words.data(); }
  uint64_t* data() { return m_words.data(); }
  std::size_t word_count() const { return m_words.size(); }
  void clear() { std::fill(m_words.begin(), m_words.end(), 0); }

 private:
  std::size_t m_bits = 0;
  std::vector<uint64_t> m_words;
};

// A tile of stored bits, column-major and packed: column c's rows are bits 0 .. rows - 1 of
// words [c x words, (c + 1) x words). The operand of a macro's weight write.
struct PackedColumns {
  int64_t rows = 0, cols = 0;
  std::size_t words = 0;  // per column
  std::vector<uint64_t> bits;
  PackedColumns() = default;
  PackedColumns(int64_t r, int64_t c) : rows(r), cols(c), words(words_for(std::size_t(r))), bits(words * std::size_t(c), 0) {}
  void set(int64_t c, int64_t r) { bits[std::size_t(c) * words + std::size_t(r >> 6)] |= uint64_t{1} << (r & 63); }
  void put(int64_t c, int64_t r, uint64_t bit) { bits[std::size_t(c) * words + std::size_t(r >> 6)] |= bit << (r & 63); }  // bit: 0 or 1
  bool get(int64_t c, int64_t r) const { return (bits[std::size_t(c) * words + std::size_t(r >> 6)] >> (r & 63)) & 1u; }
  const uint64_t* column(int64_t c) const { return &bits[std::size_t(c) * words]; }
};

// bytes[c x rows + r] (one byte a bit, nonzero = 1), packed.
inline PackedColumns pack_columns(const std::vector<uint8_t>& bytes, int64_t rows, int64_t cols) {
  PackedColumns p(rows, cols);
  for (int64_t c = 0; c < cols; ++c)
    for (int64_t r = 0; r < rows; ++r)
      if (bytes[std::size_t(c * rows + r)]) p.set(c, r);
  return p;
}

// Number of set bits of `words` in bit range [lo, hi).
inline int popcount_range(const uint64_t* words, std::size_t lo, std::size_t hi) {
  int n = 0;
  while (lo < hi) {
    const std::size_t w = lo >> 6, b = lo & 63;
    const std::size_t take = std::min<std::size_t>(64 - b, hi - lo);
    uint64_t v = words[w] >> b;
    if (take < 64) v &= (uint64_t{1} << take) - 1;
    n += __builtin_popcountll(v);
    lo += take;
  }
  return n;
}

inline bool any_in_range(const uint64_t* words, std::size_t lo, std::size_t hi) {
  while (lo < hi) {
    const std::size_t w = lo >> 6, b = lo & 63;
    const std::size_t take = std::min<std::size_t>(64 - b, hi - lo);
    uint64_t v = words[w] >> b;
    if (take < 64) v &= (uint64_t{1} << take) - 1;
    if (v) return true;
    lo += take;
  }
  return false;
}

// dst bits [dst_off, dst_off + n) |= src bits [src_off, src_off + n); dst must hold them.
inline void or_bits_at(BitVec& dst, std::size_t dst_off, const BitVec& src, std::size_t src_off, std::size_t n) {
  const uint64_t* s = src.data();
  uint64_t* d = dst.data();
  const std::size_t nsrc = src.word_count(), ndst = dst.word_count();
  while (n > 0) {
    const std::size_t take = std::min<std::size_t>(64, n);
    const std::size_t w = src_off >> 6, b = src_off & 63;
    uint64_t v = s[w] >> b;
    if (b && w + 1 < nsrc) v |= s[w + 1] << (64 - b);
    if (take < 64) v &= (uint64_t{1} << take) - 1;
    const std::size_t dw = dst_off >> 6, db = dst_off & 63;
    d[dw] |= v << db;
    if (db && dw + 1 < ndst) d[dw + 1] |= v >> (64 - db);
    src_off += take;
    dst_off += take;
    n -= take;
  }
}

}  // namespace cimsim
