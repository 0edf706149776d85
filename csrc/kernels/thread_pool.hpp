// A persistent pool of worker threads for the kernels (csrc/kernels/thread_pool.cpp).
//
// parallel_for(n, f) runs f(0) .. f(n-1) on the calling thread and the workers, each index
// exactly once, and returns when all are done. Workers spin briefly after each job (so the
// next dispatch costs well under a microsecond), then sleep on a condition variable.
// Kernels decide how to split work so that results never depend on the thread count.
//
// Calls from inside a task, or from a second thread while a job is running, run serially
// on the caller: correct, never deadlocking, just not parallel.
#pragma once

#include <cstdint>
#include <type_traits>

namespace fk::threads {

// Threads the kernels may use, caller included (>= 1).
int num_threads();
// n >= 1: use n threads; n <= 0: back to the default, FASTKERAS_NUM_THREADS if set, else
// the CPUs this process may run on. Call while no kernel is running.
void set_num_threads(int n);

using TaskFn = void (*)(void* ctx, int index);
void parallel_for(int n, TaskFn fn, void* ctx);

// A callable taking the task index, as a TaskFn and its context.
template <class Fn>
void call_task(void* ctx, int i) {
  (*static_cast<Fn*>(ctx))(i);
}
template <class F>
void* task_context(F& f) {
  return const_cast<void*>(static_cast<const void*>(&f));
}

// Same with any callable taking the task index.
template <class F>
void parallel_for(int n, F&& f) {
  parallel_for(n, &call_task<std::remove_reference_t<F>>, task_context(f));
}

// Like parallel_for, but task i runs on thread i (the caller is thread 0, pool workers are
// 1 .. num_threads() - 1) whenever that thread takes it up in time: a kernel that always
// splits its data the same way then finds each part in the cache of the core that used it
// last (batch-1 inference: each core keeps its slice of the weights in its own L2). A task
// whose thread has not started it when the caller is done with its own is run by the caller
// (a sleeping or descheduled worker never stalls the job). n <= min(num_threads(), 32).
void parallel_for_affine(int n, TaskFn fn, void* ctx);

template <class F>
void parallel_for_affine(int n, F&& f) {
  parallel_for_affine(n, &call_task<std::remove_reference_t<F>>, task_context(f));
}

// Chunk bounds that split [0, total) into `parts` near-equal runs of whole `align`-sized
// units (the last run takes the ragged end): run `part` is [*lo, *hi).
void split(int64_t total, int64_t align, int parts, int part, int64_t* lo, int64_t* hi);

}  // namespace fk::threads
