// Env::Log: stamps a record with the Env's time and the calling fiber.

#include "env/this_fiber.h"
#include "tikv/env.h"

namespace tikv {

void Env::Log(LogSeverity severity, std::string_view component, std::string_view message) {
  LogRecord record;
  record.severity = severity;
  record.component = component;
  record.message = message;
  record.time = clock().Now();
  record.fiber_id = env::this_fiber::Id();
  log().Write(record);
}

}  // namespace tikv
