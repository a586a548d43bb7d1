#include "sim/worker_pool.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <csignal>
#include <cstdio>
#include <map>

#include "arch/stop.hpp"
#include "workloads/errors.hpp"

namespace cimsim {

void* shared_map(std::size_t bytes) {
  void* mem = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) throw SimulationError("cannot share memory with worker processes (mmap failed)");
  return mem;
}

void shared_unmap(void* p, std::size_t bytes) { ::munmap(p, bytes); }

void ByteReader::fail() { throw SimulationError("a worker process sent back a damaged result"); }

namespace {

// A worker's message: 'o' and the result, or 'i' (an input error) / 's' (anything else) and the
// error's text.
std::string run_one(const WorkerTask& task) {
  try {
    return "o" + task();
  } catch (const InputError& e) {
    return std::string("i") + e.what();
  } catch (const Interrupted& e) {
    return std::string("x") + e.what();
  } catch (const std::exception& e) {
    return std::string("s") + e.what();
  }
}

std::string unwrap(std::string msg) {
  if (msg.empty()) throw SimulationError("a worker process ended without a result");
  const char kind = msg[0];
  msg.erase(0, 1);
  if (kind == 'o') return msg;
  if (kind == 'i') throw InputError(msg);
  if (kind == 'x' || stop_requested()) throw Interrupted("interrupted before the simulation finished; no results were written");
  throw SimulationError(msg);
}

// `limit` worker processes, forked once each, take task after task from a counter they share
// with this process, and send each result back as a frame: the task's index, the message's
// length, the message. A worker that dies leaves its pipe closed with the task it was on
// unanswered, which fails the run with the task named.
class Pool {
 public:
  Pool(const std::vector<WorkerTask>& tasks, std::atomic<std::size_t>* done)
      : m_tasks(tasks), m_out(tasks.size()), m_got(tasks.size(), false), m_done(done) {}
  ~Pool() { stop_all(); }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  std::vector<std::string> run(int limit) {
    const int workers = int(std::min<std::size_t>(std::size_t(limit), m_tasks.size()));
    for (int k = 0; k < workers && !stop_requested(); ++k) launch();
    while (!m_running.empty() && !stop_requested()) reap();
    if (stop_requested()) {
      stop_all();
      throw Interrupted("interrupted before the simulation finished; no results were written");
    }
    for (std::size_t i = 0; i < m_got.size(); ++i)
      if (!m_got[i]) throw SimulationError(fmt::format("a worker process ended without the result of task {}", i));
    return std::move(m_out);
  }

 private:
  struct Job {
    int fd;
    std::string data;  // bytes received and not yet parsed into frames
  };

  static void write_all(int fd, const char* p, std::size_t n) {
    for (std::size_t at = 0; at < n;) {
      const ssize_t k = ::write(fd, p + at, n - at);
      if (k <= 0) ::_exit(1);
      at += std::size_t(k);
    }
  }

  void launch() {
    int fds[2];
    if (::pipe(fds) != 0) fail_start("pipe");
    std::fflush(nullptr);
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      fail_start("fork");
    }
    if (pid == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);  // the parent died before the death signal was set
      ::close(fds[0]);
      while (!stop_requested()) {
        const std::size_t i = (*m_next)++;
        if (i >= m_tasks.size()) break;
        const std::string msg = run_one(m_tasks[i]);
        const uint64_t head[2] = {uint64_t(i), uint64_t(msg.size())};
        write_all(fds[1], reinterpret_cast<const char*>(head), sizeof head);
        write_all(fds[1], msg.data(), msg.size());
        if (msg[0] != 'o') break;  // an error ends the run: no more tasks
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    m_running[pid] = {fds[0], {}};
  }

  // Takes the complete frames out of a worker's bytes.
  void frames(Job& job) {
    std::size_t at = 0;
    while (job.data.size() - at >= 16) {
      uint64_t head[2];
      std::memcpy(head, job.data.data() + at, sizeof head);
      if (job.data.size() - at - 16 < head[1]) break;
      if (head[0] >= m_out.size() || m_got[head[0]]) throw SimulationError("a worker process sent back a damaged result");
      std::string msg = job.data.substr(at + 16, head[1]);
      at += 16 + head[1];
      m_out[head[0]] = unwrap(std::move(msg));  // throws a worker's error here
      m_got[head[0]] = true;
      if (m_done) ++*m_done;
    }
    job.data.erase(0, at);
  }

  // Reads from the workers; a worker that closes its pipe is reaped (and fails the run unless it
  // exited cleanly).
  void reap() {
    std::vector<pollfd> fds;
    std::vector<pid_t> pids;
    for (const auto& [pid, job] : m_running) {
      fds.push_back({job.fd, POLLIN, 0});
      pids.push_back(pid);
    }
    if (::poll(fds.data(), fds.size(), 200) <= 0) return;  // a timeout or a signal: the caller looks again
    for (std::size_t k = 0; k < fds.size(); ++k) {
      if (fds[k].revents == 0) continue;
      Job& job = m_running[pids[k]];
      char buf[1 << 16];
      const ssize_t n = ::read(job.fd, buf, sizeof buf);
      if (n > 0) {
        job.data.append(buf, std::size_t(n));
        try {
          frames(job);
        } catch (...) {
          stop_all();
          throw;
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      int st = 0;
      ::waitpid(pids[k], &st, 0);
      ::close(job.fd);
      const bool leftover = !job.data.empty();
      m_running.erase(pids[k]);
      if (n < 0 || leftover || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        stop_all();
        if (stop_requested()) throw Interrupted("interrupted before the simulation finished; no results were written");
        std::size_t pending = 0;
        while (pending < m_got.size() && m_got[pending]) ++pending;
        throw SimulationError(fmt::format("a worker process did not finish (working on task {} or later): {}", pending,
                                          WIFSIGNALED(st) ? fmt::format("killed by signal {}", WTERMSIG(st))
                                                          : fmt::format("exit status {}", WEXITSTATUS(st))));
      }
    }
  }

  void stop_all() {
    for (const auto& [pid, job] : m_running) ::kill(pid, SIGKILL);
    for (const auto& [pid, job] : m_running) {
      int st = 0;
      ::waitpid(pid, &st, 0);
      ::close(job.fd);
    }
    m_running.clear();
  }

  [[noreturn]] void fail_start(const char* what) {
    stop_all();
    throw SimulationError(fmt::format("cannot start a worker process ({} failed)", what));
  }

  const std::vector<WorkerTask>& m_tasks;
  std::vector<std::string> m_out;
  std::vector<bool> m_got;
  std::atomic<std::size_t>* m_done;
  SharedWithWorkers<std::atomic<std::size_t>> m_next;  // the next task to take
  std::map<pid_t, Job> m_running;
};

}  // namespace

std::vector<std::string> run_tasks(const std::vector<WorkerTask>& tasks, int limit, std::atomic<std::size_t>* done) {
  if (limit <= 1 || tasks.size() <= 1) {
    std::vector<std::string> out;
    out.reserve(tasks.size());
    for (const auto& t : tasks) {
      if (stop_requested()) throw Interrupted("interrupted before the simulation finished; no results were written");
      out.push_back(t());
      if (done) ++*done;
    }
    return out;
  }
  return Pool(tasks, done).run(limit);
}

}  // namespace cimsim
