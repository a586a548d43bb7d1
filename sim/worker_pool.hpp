// Worker processes for the parts of a run that are independent of each other (sample chunks,
// chip instances): forked children (SystemC is not thread-safe), each forked once, take task
// after task and send each result back as bytes through a pipe. Results are kept by task index,
// whatever order the workers finish in, so what the caller builds from them does not depend on
// how many run at once.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>
#include <new>
#include <string>
#include <vector>

namespace cimsim {

using WorkerTask = std::function<std::string()>;

// Anonymous memory shared with the processes this one forks after mapping it (MAP_SHARED); throws
// SimulationError when it cannot be had.
void* shared_map(std::size_t bytes);
void shared_unmap(void* p, std::size_t bytes);

// A T (atomics only, e.g. the counter the workers take tasks from) built in such memory.
template <class T>
class SharedWithWorkers {
 public:
  SharedWithWorkers() : m_p(new (shared_map(sizeof(T))) T()) {}
  ~SharedWithWorkers() {
    m_p->~T();
    shared_unmap(m_p, sizeof(T));
  }
  SharedWithWorkers(const SharedWithWorkers&) = delete;
  SharedWithWorkers& operator=(const SharedWithWorkers&) = delete;
  T* operator->() const { return m_p; }
  T& operator*() const { return *m_p; }

 private:
  T* m_p;
};

// Runs every task, at most `limit` at a time, and returns their results by index. With
// `limit` 1 (or a single task) the tasks run one after another in this process. `done` (when
// given) counts the tasks finished, for a progress display. An exception in a task is thrown
// again here with its message (InputError stays InputError, anything else becomes a
// SimulationError); a stop request (SIGINT/SIGTERM) kills the workers and throws Interrupted.
std::vector<std::string> run_tasks(const std::vector<WorkerTask>& tasks, int limit, std::atomic<std::size_t>* done = nullptr);

// Little binary writer and reader for the results workers send back. The reader throws
// SimulationError when the bytes end early (a damaged result).
class ByteWriter {
 public:
  template <class T>
  ByteWriter& pod(const T& v) {
    m_b.append(reinterpret_cast<const char*>(&v), sizeof v);
    return *this;
  }
  ByteWriter& str(const std::string& s) {
    pod(uint64_t(s.size()));
    m_b.append(s);
    return *this;
  }
  template <class T>
  ByteWriter& vec(const std::vector<T>& v) {
    pod(uint64_t(v.size()));
    if (!v.empty()) m_b.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    return *this;
  }
  std::string take() { return std::move(m_b); }

 private:
  std::string m_b;
};

class ByteReader {
 public:
  explicit ByteReader(const std::string& b) : m_b(b) {}
  template <class T>
  T pod() {
    T v;
    need(sizeof v);
    std::memcpy(&v, m_b.data() + m_at, sizeof v);
    m_at += sizeof v;
    return v;
  }
  std::string str() {
    const uint64_t n = pod<uint64_t>();
    need(n);
    std::string s = m_b.substr(m_at, std::size_t(n));
    m_at += std::size_t(n);
    return s;
  }
  template <class T>
  std::vector<T> vec() {
    const uint64_t n = pod<uint64_t>();
    if (n > (m_b.size() - m_at) / sizeof(T)) fail();
    std::vector<T> v(static_cast<std::size_t>(n));
    if (n > 0) std::memcpy(v.data(), m_b.data() + m_at, std::size_t(n) * sizeof(T));
    m_at += std::size_t(n) * sizeof(T);
    return v;
  }
  bool at_end() const { return m_at == m_b.size(); }

 private:
  void need(uint64_t n) const {
    if (n > m_b.size() - m_at) fail();
  }
  [[noreturn]] static void fail();
  const std::string& m_b;
  std::size_t m_at = 0;
};

}  // namespace cimsim
