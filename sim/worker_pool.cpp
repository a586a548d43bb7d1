#include "sim/worker_pool.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <map>

#include "arch/stop.hpp"
#include "workloads/errors.hpp"

namespace cimsim {

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

class Pool {
 public:
  Pool(const std::vector<WorkerTask>& tasks, std::atomic<std::size_t>* done)
      : m_tasks(tasks), m_out(tasks.size()), m_done(done) {}
  ~Pool() { stop_all(); }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  std::vector<std::string> run(int limit) {
    while (m_next < m_tasks.size() || !m_running.empty()) {
      if (stop_requested()) break;
      while (m_next < m_tasks.size() && int(m_running.size()) < limit && !stop_requested()) launch(m_next++);
      reap();
    }
    if (stop_requested()) {
      stop_all();
      throw Interrupted("interrupted before the simulation finished; no results were written");
    }
    return std::move(m_out);
  }

 private:
  struct Job {
    std::size_t task;
    int fd;
    std::string data;
  };

  void launch(std::size_t i) {
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
      const std::string msg = run_one(m_tasks[i]);
      for (std::size_t at = 0; at < msg.size();) {
        const ssize_t k = ::write(fds[1], msg.data() + at, msg.size() - at);
        if (k <= 0) ::_exit(1);
        at += std::size_t(k);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    m_running[pid] = {i, fds[0], {}};
  }

  // Reads from the workers until one closes its pipe, then takes its result (or fails).
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
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      int st = 0;
      ::waitpid(pids[k], &st, 0);
      ::close(job.fd);
      Job finished = std::move(job);
      m_running.erase(pids[k]);
      if (n < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        stop_all();
        if (stop_requested()) throw Interrupted("interrupted before the simulation finished; no results were written");
        throw SimulationError(fmt::format("a worker process ({}) did not finish: {}", finished.task,
                                          WIFSIGNALED(st) ? fmt::format("killed by signal {}", WTERMSIG(st))
                                                          : fmt::format("exit status {}", WEXITSTATUS(st))));
      }
      try {
        m_out[finished.task] = unwrap(std::move(finished.data));
      } catch (...) {
        stop_all();
        throw;
      }
      if (m_done) ++*m_done;
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
  std::atomic<std::size_t>* m_done;
  std::map<pid_t, Job> m_running;
  std::size_t m_next = 0;
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
