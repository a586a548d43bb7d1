// SystemC elaborates once per context. A guard gives a run (or a test) a fresh context and
// deletes it when it goes; declare it before the run's modules, so that they are destroyed first.
#pragma once
#include <systemc>

#include <cstdlib>

namespace cimsim {

class ScContext {
 public:
  ScContext() : m_context(new sc_core::sc_simcontext()) {
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    sc_core::sc_curr_simcontext = m_context;
    sc_core::sc_default_global_context = m_context;
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);  // no "timescale set" notes
  }
  ~ScContext() {
    delete m_context;
    sc_core::sc_curr_simcontext = nullptr;
    sc_core::sc_default_global_context = nullptr;
  }
  ScContext(const ScContext&) = delete;
  ScContext& operator=(const ScContext&) = delete;

 private:
  sc_core::sc_simcontext* m_context;
};

}  // namespace cimsim
