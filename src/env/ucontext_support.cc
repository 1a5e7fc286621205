// Only in builds that select Boost.Context's ucontext back end (-DTIKV_FIBER_UCONTEXT=ON, used
// with ASan).  Debian's libboost_context is built for fcontext only and lacks this symbol, so
// the project defines it (toolchain.md P10).  Fibers never migrate between threads, so the
// per-thread record is sound.

#if defined(BOOST_USE_UCONTEXT)
#include <boost/context/fiber.hpp>

namespace boost::context::detail {

fiber_activation_record*& fiber_activation_record::current() noexcept {
  thread_local fiber_activation_record native_context;  // lint: allow(Boost's per-thread record of the native stack)
  thread_local fiber_activation_record* running = &native_context;  // lint: allow(Boost's per-thread running record)
  return running;
}

}  // namespace boost::context::detail
#endif
