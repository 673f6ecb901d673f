/*
 * keras-ts's MPI binding: the collectives keras.distribution.DataParallel needs, over libmpi, as a
 * Node-API module in plain C. Exposes
 *
 *   init(timeoutSeconds: number): {rank, size, processorName, threadLevel, sharedBytes}
 *                             (once; synchronous; sharedBytes: the shared window's slot, 0 when off)
 *   allreduce(x: Float32Array | Float64Array | Int32Array, background?: boolean): Promise<void>
 *                                                                           sum, in place
 *   allreduceStart(x: Float32Array | Float64Array | Int32Array): number     the same, started in the
 *                                                  background; returns its id for wait()
 *   reduceScatterStart(x: Float32Array | Float64Array): number     the ring's first half: rank r ends
 *                             with the sum of segment shardOf(r) of x (the other segments: partial sums)
 *   allgatherStart(pieces: (Float32Array | Float64Array)[]): number the ring's second half over the
 *                             concatenation of `pieces` (one dtype): rank r's segment shardOf(r) to
 *                             every rank, received straight into the pieces (no packing)
 *   wait(id: number): void    blocks the JS thread until collective `id` (and every earlier one) is
 *                             done; throws its error (code ETIMEDOUT or EMPI) if it failed
 *   bcast(x: TypedArray, root: number): Promise<void>                       in place, as bytes
 *   barrier(): Promise<void>
 *   sharedArray(bytes: number): ArrayBuffer | null   memory in this rank's part of the shared window
 *                             that the all-reduce and reduce-scatter read and write in place (no copy
 *                             in); null where the window is off or has no room
 *   awaitAll(): void          JavaScript now awaits every collective started so far (see Waiting)
 *   finalize(): void          abort(code: number): never
 *
 * Off the JS thread: every MPI call after init is made by ONE communication thread that this module
 * owns (as Horovod's background thread), fed by a FIFO queue. One thread keeps the collectives in the
 * order JavaScript issued them on every rank (a pool of threads would not), so MPI_THREAD_FUNNELED
 * suffices. Results come back to the JS thread through a thread-safe function that settles the
 * Promise. The event loop therefore keeps running while a collective waits (timers, I/O, the rest of
 * the backward pass).
 *
 * Waiting: each collective is started non-blocking (MPI_Iallreduce/Ibcast/Ibarrier) and completed by
 * calling MPI_Test, which is also what moves Open MPI's shared-memory protocol on (no progress thread).
 * How often depends on what the JS thread does meanwhile:
 *  - a collective JavaScript awaits at once (the default; also every collective queued before one)
 *    is tested in a loop for 0.2 ms (KERAS_MPI_SPIN_US), yielding the core between tests (where
 *    ranks fill the machine's cores, the rank this one waits for may need it; 2 ranks on 2 cores at
 *    load 5-7: 0-10 % less CPU per sample, within the noise of such a machine), then every 20 us,
 *    every 0.1 ms after 2 ms, every 0.25 ms after 20 ms: the JS thread is idle, so the loop takes no
 *    core that compute needs; between balanced ranks each round of the protocol follows the last at
 *    once, and a rank that waits for a slower one costs a few per cent of a core while it waits.
 *  - a collective started in the background (allreduceStart, or allreduce(x, true): a gradient bucket
 *    sent while the backward pass goes on) is tested every 0.5 ms (KERAS_MPI_POLL_US), the
 *    communication thread sleeping on a condition variable meanwhile, until JavaScript waits for it
 *    (wait, awaitAll, or a collective it awaits at once queued behind it), which wakes the thread at
 *    once. (Every 50 us, as before, took 1-4 ms of CPU per training step from the cores the ranks
 *    compute on, for little progress: a ring step completes only once the other rank has posted it.)
 * (A backoff counted from the start of a collective, as before, let a bucket sent early wait 1 ms per
 * protocol round: 2 ranks ran slower than one process.)
 *
 * Algorithm: an all-reduce of at least KERAS_MPI_RING_BYTES (default 32 KiB) is a ring of
 * point-to-point messages (reduce-scatter, then all-gather: Baidu's and Horovod's ring all-reduce),
 * summed here; a smaller one is MPI_Iallreduce. Open MPI's MPI_Iallreduce (libnbc) reduces the whole
 * buffer on one rank and sends it back, which between 2 ranks took 0.79 ms for 2.7 MB where the ring
 * takes 0.35 ms (measured with a C loop, both ranks calling together). Each element's sum is made on
 * one rank, in ring order, and copied to the others: every rank gets the same bits. The two halves
 * also run alone (reduceScatterStart, allgatherStart: DataParallel's sharded optimizer update, which
 * updates its segment between them): with p ranks, segment s is [floor(n s / p), floor(n (s+1) / p))
 * and rank r owns segment (r + 1) mod p after the reduce-scatter; the sums are those of the full ring.
 *
 * Shared memory: when every rank runs on one machine (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED) holds
 * them all), the all-reduce and the reduce-scatter of arrays up to KERAS_MPI_SHM_BYTES (default 64 MiB
 * per rank; KERAS_MPI_SHM=0 or KERAS_MPI_SHM_BYTES=0: the ring and MPI_Iallreduce as above) go through
 * an MPI-3 shared window instead (see "Shared-memory collectives" below): between 2 ranks on 2 cores
 * the ring spent 0.43-0.49 ms of communication-thread CPU on a 2.7 MB all-reduce, copying every byte
 * through Open MPI's FIFOs in 2 (p - 1) rounds that each wait for the other rank to be scheduled, on
 * the cores the ranks compute on; the window costs ~0.1 ms for an array in it (sharedArray: the
 * gradient buckets): each rank sums its own segment of the vector straight from the other ranks'
 * arrays, in rank order, so every rank gets the same bits. The all-gather stays on the ring.
 * A collective that has not completed after `timeoutSeconds` fails with code ETIMEDOUT (another rank
 * hung or died); errors are returned, not fatal (MPI_ERRORS_RETURN), and reported with MPI's own
 * error string.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <mpi.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

typedef enum { OP_ALLREDUCE, OP_BCAST, OP_BARRIER, OP_FINALIZE } op_kind;

/* Which steps of the ring an all-reduce runs: both halves, the reduce-scatter only, the all-gather only. */
enum { RING_ALL = 0, RING_REDUCE_SCATTER = 1, RING_ALLGATHER = 2 };

/* One array of an all-gather over several (the concatenation is the ring's buffer). */
typedef struct {
  char* ptr;
  int count;
} piece_t;

typedef struct op {
  op_kind kind;
  void* data;
  int count;
  MPI_Datatype type;
  int root;
  int background; /* JavaScript goes on computing while it runs */
  int sync;       /* started by allreduceStart: completed by wait(), no Promise */
  int phase;      /* RING_*: an all-reduce, or one half of the ring */
  int npieces;    /* an all-gather over several arrays: their memory and references */
  piece_t* pieces;
  napi_ref* keeps;
  long seq;       /* position in the queue (1, 2, ...) */
  napi_deferred deferred;
  napi_ref keep; /* keeps the typed array alive while the communication thread uses its memory */
  int ok;
  int timed_out;
  char err[600];
  struct op* next;
} op_t;

static pthread_t comm_thread;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static op_t* q_head = NULL;
static op_t* q_tail = NULL;
static int started = 0, init_done = 0, init_rc = 0, finalized = 0, broken = 0;
static char init_err[600];
static int world_rank = 0, world_size = 1, thread_level = 0;
static char proc_name[MPI_MAX_PROCESSOR_NAME + 1];
static double timeout_s = 300;
static long poll_ns = 500000;  /* background collectives: KERAS_MPI_POLL_US */
static double spin_s = 2e-4;   /* awaited collectives: KERAS_MPI_SPIN_US of tight testing */
static long next_seq = 0;      /* JS thread only */
static atomic_long awaited_seq = 0; /* the last collective JavaScript awaits (every earlier one too) */
static napi_threadsafe_function tsfn = NULL;
static int pending = 0; /* JS thread only */
static long ring_min_bytes = 32768; /* KERAS_MPI_RING_BYTES */
static MPI_Comm ring_comm;          /* a duplicate of MPI_COMM_WORLD for the ring's messages */
static void* ring_tmp = NULL;       /* the ring's receive buffer (one segment), grown as needed */
static size_t ring_tmp_bytes = 0;
/* allreduceStart/wait: completion of the collectives in queue order, and the finished ones whose
 * references the JS thread releases (under mu) */
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t urgent_cv = PTHREAD_COND_INITIALIZER; /* JavaScript now waits for a collective */
static long done_seq = 0;
static op_t* finished = NULL;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void mpi_error(int rc, const char* what, char* out, size_t n) {
  char s[MPI_MAX_ERROR_STRING + 1];
  int len = 0;
  if (MPI_Error_string(rc, s, &len) != MPI_SUCCESS) snprintf(s, sizeof s, "error code %d", rc);
  snprintf(out, n, "MPI %s failed on rank %d: %s", what, world_rank, s);
}

static const char* op_name(op_kind k) {
  return k == OP_ALLREDUCE ? "MPI_Allreduce" : k == OP_BCAST ? "MPI_Bcast" : k == OP_BARRIER ? "MPI_Barrier" : "MPI_Finalize";
}

/* One ring all-reduce in progress: 2 (p - 1) steps, each a send to the right and a receive from
 * the left of one of p segments; in the first p - 1 the received segment is added to ours. */
typedef struct {
  char* data;
  piece_t* pieces; /* the all-gather's destination when it is several arrays (else data) */
  int npieces;
  int count, elem, p, rank, step, end, posted, nreq;
  MPI_Datatype type;
  MPI_Request req_small[2];
  MPI_Request* req; /* req_small, or 2 per piece */
} ring_t;

static void seg_bounds(const ring_t* r, int seg, int* lo, int* n) {
  seg = ((seg % r->p) + r->p) % r->p;
  const long a = (long)r->count * seg / r->p, b = (long)r->count * (seg + 1) / r->p;
  *lo = (int)a;
  *n = (int)(b - a);
}

/* x[lo, lo + n) += the received segment; vectorized (-O3, restrict: the two never overlap): summing
 * 0.8 MB of floats took 65 us as a scalar loop, half a reduce-scatter of the MLP's first Dense */
static void add_into(const ring_t* r, int lo, int n) {
  if (r->type == MPI_FLOAT) {
    float* __restrict x = (float*)r->data + lo;
    const float* __restrict y = (const float*)ring_tmp;
    for (int i = 0; i < n; i++) x[i] += y[i];
  } else if (r->type == MPI_DOUBLE) {
    double* __restrict x = (double*)r->data + lo;
    const double* __restrict y = (const double*)ring_tmp;
    for (int i = 0; i < n; i++) x[i] += y[i];
  } else {
    int* __restrict x = (int*)r->data + lo;
    const int* __restrict y = (const int*)ring_tmp;
    for (int i = 0; i < n; i++) x[i] += y[i];
  }
}

/* Posts the messages that send (or receive) elements [lo, lo + n) of the pieces' concatenation: one
 * per piece it overlaps, in piece order on both sides (MPI keeps messages between two ranks with one
 * tag in order, and every rank splits a segment alike). */
static int post_pieces(ring_t* r, int lo, int n, int recv, int peer) {
  long off = 0;
  for (int k = 0; k < r->npieces && n > 0; k++) {
    const long a = off, b = off + r->pieces[k].count;
    off = b;
    const long s = lo > a ? lo : a, e = (long)lo + n < b ? (long)lo + n : b;
    if (e <= s) continue;
    char* at = r->pieces[k].ptr + (size_t)(s - a) * r->elem;
    MPI_Request* q = &r->req[r->nreq++];
    const int rc = recv ? MPI_Irecv(at, (int)(e - s), r->type, peer, r->step, ring_comm, q)
                        : MPI_Isend(at, (int)(e - s), r->type, peer, r->step, ring_comm, q);
    if (rc != MPI_SUCCESS) return rc;
  }
  return MPI_SUCCESS;
}

/* Posts the messages of the current step. */
static int ring_post(ring_t* r) {
  const int right = (r->rank + 1) % r->p, left = (r->rank + r->p - 1) % r->p;
  const int p1 = r->p - 1;
  int slo, sn, rlo, rn;
  if (r->step < p1) { /* reduce-scatter */
    seg_bounds(r, r->rank - r->step, &slo, &sn);
    seg_bounds(r, r->rank - r->step - 1, &rlo, &rn);
  } else { /* all-gather */
    const int k = r->step - p1;
    seg_bounds(r, r->rank + 1 - k, &slo, &sn);
    seg_bounds(r, r->rank - k, &rlo, &rn);
  }
  r->posted = 1;
  if (r->pieces) { /* an all-gather straight into several arrays */
    r->nreq = 0;
    const int rc = post_pieces(r, rlo, rn, 1, left);
    return rc == MPI_SUCCESS ? post_pieces(r, slo, sn, 0, right) : rc;
  }
  r->nreq = 2;
  void* into = r->step < p1 ? ring_tmp : r->data + (size_t)rlo * r->elem;
  int rc = MPI_Irecv(into, rn, r->type, left, r->step, ring_comm, &r->req[0]);
  if (rc == MPI_SUCCESS) rc = MPI_Isend(r->data + (size_t)slo * r->elem, sn, r->type, right, r->step, ring_comm, &r->req[1]);
  return rc;
}

static int ring_start(ring_t* r, const op_t* op) {
  r->data = (char*)op->data;
  r->pieces = op->pieces;
  r->npieces = op->npieces;
  r->req = r->req_small;
  r->count = op->count;
  r->type = op->type;
  r->elem = op->type == MPI_DOUBLE ? 8 : 4;
  r->p = world_size;
  r->rank = world_rank;
  r->step = op->phase == RING_ALLGATHER ? world_size - 1 : 0;
  r->end = op->phase == RING_REDUCE_SCATTER ? world_size - 1 : 2 * (world_size - 1);
  const int count = op->count;
  if (r->pieces) {
    r->req = (MPI_Request*)malloc(sizeof(MPI_Request) * (size_t)(2 * r->npieces));
    if (!r->req) return MPI_ERR_NO_MEM;
  }
  const size_t need = ((size_t)count / (size_t)world_size + 1) * (size_t)r->elem;
  if (need > ring_tmp_bytes) {
    free(ring_tmp);
    ring_tmp = malloc(need);
    ring_tmp_bytes = ring_tmp ? need : 0;
    if (!ring_tmp) return MPI_ERR_NO_MEM;
  }
  return ring_post(r);
}

/* Moves the ring on; *flag = 1 once every step is done. */
static int ring_test(ring_t* r, int* flag) {
  *flag = 0;
  for (;;) {
    int done = 0;
    int rc = MPI_Testall(r->nreq, r->req, &done, MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS || !done) return rc;
    if (r->step < r->p - 1) {
      int lo, n;
      seg_bounds(r, r->rank - r->step - 1, &lo, &n);
      add_into(r, lo, n);
    }
    if (++r->step >= r->end) {
      *flag = 1;
      return MPI_SUCCESS;
    }
    rc = ring_post(r);
    if (rc != MPI_SUCCESS) return rc;
  }
}

/* ---- Shared-memory collectives ---------------------------------------------------------------
 *
 * One MPI-3 shared window over the node's ranks. Each rank's part of it, mapped by every rank:
 *
 *   [header: shm_hdr_t, SHM_HDR bytes][staging: S bytes][arena: S bytes]
 *
 * (S = KERAS_MPI_SHM_BYTES, the same on every rank: the smallest asked for.) An all-reduce of `count`
 * elements (count * elem <= S) on rank r:
 *   1. its array goes to its staging area (copied), unless it already lives in its arena (sharedArray:
 *      a gradient bucket the backward pass wrote there); its header says where;
 *   2. barrier: every rank's array is in place;
 *   3. rank r sums segment (r + 1) mod p of the vector (the segment the ring leaves on it, so that
 *      the communicator's shardOf holds either way) over the p arrays in rank order 0, 1, ..., p - 1,
 *      and writes the sums into every rank's array (a reduce-scatter: into its own only). Each segment
 *      is read and written by its one rank alone, so the arrays are inputs and outputs at once, and
 *      every rank gets the same bits;
 *   4. barrier: every segment is summed; a staged array is copied back out.
 * Nothing is copied for an array in the arena: each rank reads p segments and writes p, the least
 * traffic an all-reduce can make (2.7 MB between 2 ranks: 0.10 ms of CPU, where the ring, which copies
 * every segment through Open MPI's buffers, takes 0.44 ms). An ordinary array pays a copy in and out
 * (0.48 ms: about the ring's; an earlier version that also summed into a separate result area and
 * copied out of it was slower than the ring).
 * No third barrier: after step 4 no rank touches another's part until the next collective's step 2,
 * which waits for every rank, so a rank may refill its array (the next backward pass may write its
 * bucket) as soon as its collective is done.
 *
 * The barrier is a generation counter in rank 0's header: the last rank to arrive bumps it; the
 * others spin briefly (a while longer, yielding the core, when JavaScript already waits for this
 * collective), then sleep on a futex on it that the last one wakes. It waits inside the collective's
 * timeout like every other one: a rank that died or hung ends the job with ETIMEDOUT, not a hang.
 */
#define SHM_HDR 4096

typedef struct {
  _Atomic unsigned arrived; /* ranks at the barrier now */
  char pad0[60];            /* the counter the ranks bump apart from the one they wait on */
  _Atomic unsigned generation;
  _Atomic unsigned sleepers; /* ranks asleep on the futex: the last one to arrive wakes them only then */
  char pad1[56];
  long in_off; /* this rank's input of the current collective: bytes from the start of its part */
} shm_hdr_t;

static long shm_bytes = 64L << 20; /* KERAS_MPI_SHM_BYTES: S above; 0 when off */
static MPI_Comm node_comm = MPI_COMM_NULL;
static MPI_Win shm_win = MPI_WIN_NULL;
static char** shm_part = NULL;      /* each rank's part of the window, as mapped in this process */
static char** shm_io = NULL;        /* the current collective's inputs (and outputs), by rank */
static unsigned shm_passed = 0;     /* barriers this rank passed (the generation it waits to leave) */
static char shm_note[300];          /* why the window is off although it was asked for (rank 0 prints it) */

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ volatile("yield");
#endif
}

/* 0 once every rank arrived, -1 when the collective's timeout passed first. */
static int shm_barrier(const op_t* op, double start) {
  shm_hdr_t* h = (shm_hdr_t*)shm_part[0];
  const unsigned g = shm_passed++;
  if (atomic_fetch_add(&h->arrived, 1) == (unsigned)world_size - 1) {
    atomic_store(&h->arrived, 0); /* before the generation: a rank that leaves may arrive at the next barrier at once */
    atomic_store(&h->generation, g + 1);
    if (atomic_load(&h->sleepers)) syscall(SYS_futex, (unsigned*)&h->generation, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    return 0;
  }
  for (int i = 0; i < 200; i++) { /* a few microseconds: the other ranks are often right behind */
    if (atomic_load(&h->generation) != g) return 0;
    cpu_relax();
  }
  const double t0 = now_s();
  for (;;) {
    if (atomic_load(&h->generation) != g) return 0;
    const double t = now_s();
    if (timeout_s > 0 && t - start > timeout_s) return -1;
    /* JavaScript waits for this collective: its core is free, and waking from the futex costs more
     * than a short yield loop; a collective in the background sleeps at once (JavaScript computes) */
    if ((!op->background || atomic_load(&awaited_seq) >= op->seq) && t - t0 < spin_s) {
      sched_yield();
      continue;
    }
    atomic_fetch_add(&h->sleepers, 1);
    struct timespec ts = {0, 20000000L}; /* wake now and then to check the timeout */
    syscall(SYS_futex, (unsigned*)&h->generation, FUTEX_WAIT, g, &ts, NULL, 0);
    atomic_fetch_sub(&h->sleepers, 1);
  }
}

/* Sums elements [lo, lo + n) of the p inputs, added in rank order, and writes the sums back into
 * `nout` of them (all of them: an all-reduce; the first: this rank's, a reduce-scatter). In blocks
 * summed in a local buffer: the outputs are inputs too, which would keep the compiler from
 * vectorizing one loop over them. Integers wrap as unsigned (no undefined overflow). */
#define SHM_BLOCK 1024
#define SHM_SUM(T)                                                                    \
  do {                                                                                \
    T acc[SHM_BLOCK];                                                                 \
    for (long b0 = lo; b0 < lo + n; b0 += SHM_BLOCK) {                                \
      const long m = lo + n - b0 < SHM_BLOCK ? lo + n - b0 : SHM_BLOCK;               \
      const T* __restrict x = (const T*)in[0] + b0;                                   \
      const T* __restrict y = (const T*)in[1] + b0;                                   \
      for (long i = 0; i < m; i++) acc[i] = x[i] + y[i];                              \
      for (int k = 2; k < world_size; k++) {                                          \
        const T* __restrict z = (const T*)in[k] + b0;                                 \
        for (long i = 0; i < m; i++) acc[i] += z[i];                                  \
      }                                                                               \
      for (int k = 0; k < nout; k++) memcpy(out[k] + b0 * (long)sizeof(T), acc, (size_t)m * sizeof(T)); \
    }                                                                                 \
  } while (0)

static void shm_sum(MPI_Datatype type, char* const* in, char* const* out, int nout, long lo, long n) {
  if (type == MPI_FLOAT) SHM_SUM(float);
  else if (type == MPI_DOUBLE) SHM_SUM(double);
  else SHM_SUM(unsigned);
}

/* Whether this all-reduce (or reduce-scatter) goes through the window: the same answer on every rank,
 * which sees the same count and the same S. */
static int shm_fits(const op_t* op) {
  const long elem = op->type == MPI_DOUBLE ? 8 : 4;
  return shm_bytes > 0 && op->kind == OP_ALLREDUCE && op->phase != RING_ALLGATHER && (long)op->count * elem <= shm_bytes;
}

/* Steps 1-4 above; 0, or -1 when a barrier timed out. */
static int shm_allreduce(const op_t* op, double start) {
  const long elem = op->type == MPI_DOUBLE ? 8 : 4, bytes = (long)op->count * elem;
  char* mine = shm_part[world_rank];
  char* data = (char*)op->data;
  shm_hdr_t* h = (shm_hdr_t*)mine;
  char* arena = mine + SHM_HDR + shm_bytes;
  const int in_place = data >= arena && data + bytes <= arena + shm_bytes;
  if (in_place) {
    h->in_off = data - mine;
  } else {
    h->in_off = SHM_HDR;
    memcpy(mine + SHM_HDR, data, (size_t)bytes);
  }
  if (shm_barrier(op, start)) return -1;
  for (int k = 0; k < world_size; k++) shm_io[k] = shm_part[k] + ((shm_hdr_t*)shm_part[k])->in_off;
  const int seg = (world_rank + 1) % world_size;
  const long lo = (long)op->count * seg / world_size, hi = (long)op->count * (seg + 1) / world_size;
  if (op->phase == RING_REDUCE_SCATTER) {
    char* own = shm_io[world_rank];
    shm_sum(op->type, shm_io, &own, 1, lo, hi - lo);
  } else {
    shm_sum(op->type, shm_io, shm_io, world_size, lo, hi - lo);
  }
  if (shm_barrier(op, start)) return -1;
  if (!in_place) {
    if (op->phase == RING_REDUCE_SCATTER) memcpy(data + lo * elem, mine + SHM_HDR + lo * elem, (size_t)((hi - lo) * elem));
    else memcpy(data, mine + SHM_HDR, (size_t)bytes);
  }
  return 0;
}

/* On the communication thread after MPI_Init: the window, where every rank is on this node and every
 * rank asked for one (KERAS_MPI_SHM_BYTES > 0); else shm_bytes = 0 (the ring). Collective. */
static void shm_setup(void) {
  int node_size = 0;
  long want = shm_bytes;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node_comm) != MPI_SUCCESS) {
    node_comm = MPI_COMM_NULL;
    want = 0;
  } else {
    MPI_Comm_set_errhandler(node_comm, MPI_ERRORS_RETURN);
    MPI_Comm_size(node_comm, &node_size);
    if (node_size != world_size) want = 0; /* ranks on several machines: the ring over the network */
  }
  if (world_size < 2) want = 0;
  /* the smallest slot asked for, 0 where a rank turned it off: every rank decides alike */
  MPI_Allreduce(MPI_IN_PLACE, &want, 1, MPI_LONG, MPI_MIN, MPI_COMM_WORLD);
  shm_bytes = want;
  if (shm_bytes == 0) return;
  MPI_Info info;
  MPI_Info_create(&info);
  MPI_Info_set(info, "alloc_shared_noncontig", "true"); /* each rank's part on its own pages */
  const MPI_Aint size = SHM_HDR + 2 * (MPI_Aint)shm_bytes;
  char* base = NULL;
  int rc = MPI_Win_allocate_shared(size, 1, info, node_comm, &base, &shm_win);
  MPI_Info_free(&info);
  shm_part = (char**)calloc((size_t)world_size, sizeof(char*));
  shm_io = (char**)calloc((size_t)world_size, sizeof(char*));
  int ok = rc == MPI_SUCCESS && shm_part && shm_io;
  if (rc == MPI_SUCCESS) {
    MPI_Win_set_errhandler(shm_win, MPI_ERRORS_RETURN);
    for (int k = 0; k < world_size && ok; k++) {
      MPI_Aint sz;
      int disp;
      void* p = NULL;
      ok = MPI_Win_shared_query(shm_win, k, &sz, &disp, &p) == MPI_SUCCESS && p;
      if (ok) shm_part[k] = (char*)p;
    }
  }
  MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (!ok) {
    if (rc == MPI_SUCCESS) MPI_Win_free(&shm_win);
    else mpi_error(rc, "MPI_Win_allocate_shared", shm_note, sizeof shm_note);
    if (!shm_note[0]) snprintf(shm_note, sizeof shm_note, "the shared window could not be set up on every rank");
    shm_win = MPI_WIN_NULL;
    shm_bytes = 0;
    return;
  }
  MPI_Win_lock_all(MPI_MODE_NOCHECK, shm_win); /* one passive epoch for the whole job: plain loads and stores */
  memset(base, 0, SHM_HDR);
  MPI_Barrier(MPI_COMM_WORLD); /* every header zeroed before any rank uses the barrier */
}

static void shm_teardown(void) {
  if (shm_win != MPI_WIN_NULL) {
    MPI_Win_unlock_all(shm_win);
    MPI_Win_free(&shm_win);
  }
  if (node_comm != MPI_COMM_NULL) MPI_Comm_free(&node_comm);
}

/* Runs one collective to completion (or timeout) on the communication thread. */
static void run_op_with(op_t* op, ring_t* ringp);

static void run_op(op_t* op) {
  ring_t ring;
  ring.req = ring.req_small;
  run_op_with(op, &ring);
  if (ring.req != ring.req_small) free(ring.req);
}

static void set_timed_out(op_t* op) {
  op->ok = 0;
  op->timed_out = 1;
  snprintf(op->err, sizeof op->err,
           "%s on rank %d of %d did not complete within %g s: another rank stopped, hung or died "
           "(KERAS_MPI_TIMEOUT sets the limit in seconds)",
           op_name(op->kind), world_rank, world_size, timeout_s);
  broken = 1;
}

static void run_op_with(op_t* op, ring_t* ringp) {
  MPI_Request req;
  int rc;
  if (!broken && world_size > 1 && shm_fits(op)) {
    if (shm_allreduce(op, now_s()) != 0) set_timed_out(op);
    else op->ok = 1;
    return;
  }
  /* the halves run as the ring only; an all-reduce as the ring from KERAS_MPI_RING_BYTES */
  const int use_ring = op->kind == OP_ALLREDUCE && world_size > 1 &&
                       (op->phase != RING_ALL || (op->count >= world_size && (long)op->count * (op->type == MPI_DOUBLE ? 8 : 4) >= ring_min_bytes));
  if (broken) {
    op->ok = 0;
    snprintf(op->err, sizeof op->err, "%s not started on rank %d: an earlier collective failed or timed out", op_name(op->kind), world_rank);
    return;
  }
  switch (op->kind) {
    case OP_ALLREDUCE:
      if (op->phase != RING_ALL && world_size == 1) {
        op->ok = 1;
        return;
      }
      rc = use_ring ? ring_start(ringp, op)
                    : MPI_Iallreduce(MPI_IN_PLACE, op->data, op->count, op->type, MPI_SUM, MPI_COMM_WORLD, &req);
      break;
    case OP_BCAST:
      rc = MPI_Ibcast(op->data, op->count, MPI_BYTE, op->root, MPI_COMM_WORLD, &req);
      break;
    default:
      rc = MPI_Ibarrier(MPI_COMM_WORLD, &req);
      break;
  }
  if (rc != MPI_SUCCESS) {
    op->ok = 0;
    mpi_error(rc, op_name(op->kind), op->err, sizeof op->err);
    broken = 1;
    return;
  }
  const double start = now_s();
  double urgent_since = -1; /* when this collective became one that JavaScript awaits */
  int flag = 0;
  for (;;) {
    rc = use_ring ? ring_test(ringp, &flag) : MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) {
      op->ok = 0;
      mpi_error(rc, op_name(op->kind), op->err, sizeof op->err);
      broken = 1;
      return;
    }
    if (flag) break;
    const double t = now_s();
    if (timeout_s > 0 && t - start > timeout_s) {
      set_timed_out(op);
      return;
    }
    long sleep_ns;
    if (op->background && atomic_load_explicit(&awaited_seq, memory_order_relaxed) < op->seq) {
      /* JavaScript computes: test now and then, until it waits for this collective (it wakes us then) */
      struct timespec dl;
      clock_gettime(CLOCK_REALTIME, &dl);
      long ns = dl.tv_nsec + (t - start < 1e-2 ? poll_ns : 4 * poll_ns);
      dl.tv_sec += ns / 1000000000L;
      dl.tv_nsec = ns % 1000000000L;
      pthread_mutex_lock(&mu);
      if (atomic_load(&awaited_seq) < op->seq) pthread_cond_timedwait(&urgent_cv, &mu, &dl);
      pthread_mutex_unlock(&mu);
      continue;
    } else {
      if (urgent_since < 0) urgent_since = t;
      const double waited = t - urgent_since;
      if (waited < spin_s) { /* JavaScript waits: test again at once */
        sched_yield();
        continue;
      }
      sleep_ns = waited < 2e-3 ? 20000L : waited < 2e-2 ? 100000L : 250000L; /* the other ranks are behind */
    }
    struct timespec ts = {0, sleep_ns};
    nanosleep(&ts, NULL);
  }
  op->ok = 1;
}

static void* comm_main(void* arg) {
  (void)arg;
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0); /* short polling sleeps stay short */
  prctl(PR_SET_NAME, "keras-mpi", 0, 0, 0);  /* as top, perf and /proc name it */
  /* libmpi loaded by a dlopen'ed addon is private to it; Open MPI's plugins need its symbols global */
  Dl_info info;
  if (dladdr((void*)&MPI_Init_thread, &info) && info.dli_fname) dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  int provided = 0;
  int rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
  pthread_mutex_lock(&mu);
  if (rc != MPI_SUCCESS) {
    init_rc = rc;
    snprintf(init_err, sizeof init_err, "MPI_Init_thread failed (error code %d)", rc);
  } else {
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_dup(MPI_COMM_WORLD, &ring_comm);
    MPI_Comm_set_errhandler(ring_comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world_size);
    int len = 0;
    MPI_Get_processor_name(proc_name, &len);
    proc_name[len] = 0;
    thread_level = provided;
    shm_setup();
  }
  init_done = 1;
  pthread_cond_broadcast(&cv);
  pthread_mutex_unlock(&mu);
  if (rc != MPI_SUCCESS) return NULL;
  for (;;) {
    pthread_mutex_lock(&mu);
    while (!q_head) pthread_cond_wait(&cv, &mu);
    op_t* op = q_head;
    q_head = op->next;
    if (!q_head) q_tail = NULL;
    pthread_mutex_unlock(&mu);
    if (op->kind == OP_FINALIZE) {
      shm_teardown();
      MPI_Comm_free(&ring_comm);
      MPI_Finalize();
      free(op);
      return NULL;
    }
    run_op(op);
    const int sync = op->sync;
    pthread_mutex_lock(&mu);
    done_seq = op->seq;
    if (sync) { /* wait() releases it on the JS thread */
      op->next = finished;
      finished = op;
    }
    pthread_cond_broadcast(&done_cv);
    pthread_mutex_unlock(&mu);
    if (!sync) napi_call_threadsafe_function(tsfn, op, napi_tsfn_nonblocking);
  }
}

/* On the JS thread: settles the Promise of a finished collective. */
static void on_done(napi_env env, napi_value js_cb, void* context, void* data) {
  (void)js_cb;
  (void)context;
  op_t* op = (op_t*)data;
  if (env) {
    if (op->ok) {
      napi_value undef;
      napi_get_undefined(env, &undef);
      napi_resolve_deferred(env, op->deferred, undef);
    } else {
      napi_value msg, code, err;
      napi_create_string_utf8(env, op->err, NAPI_AUTO_LENGTH, &msg);
      napi_create_string_utf8(env, op->timed_out ? "ETIMEDOUT" : "EMPI", NAPI_AUTO_LENGTH, &code);
      napi_create_error(env, code, msg, &err);
      napi_reject_deferred(env, op->deferred, err);
    }
    if (op->keep) napi_delete_reference(env, op->keep);
    if (--pending == 0 && tsfn) napi_unref_threadsafe_function(env, tsfn);
  }
  free(op);
}

static napi_value throw_error(napi_env env, const char* msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

#define CHECK(call, msg)                                 \
  do {                                                   \
    if ((call) != napi_ok) return throw_error(env, msg); \
  } while (0)

/* KERAS_MPI_SHM (0 or 1) and KERAS_MPI_SHM_BYTES (the slot S per rank): 0, or a message naming the
 * variable, what it must be and what it was. */
static int shm_env(char* msg, size_t n) {
  const char* on = getenv("KERAS_MPI_SHM");
  if (on && *on && strcmp(on, "0") != 0 && strcmp(on, "1") != 0) {
    snprintf(msg, n, "KERAS_MPI_SHM must be 1 (sum through a shared-memory window where all ranks share a machine, the default) or 0 (the ring of messages). Received: KERAS_MPI_SHM=%.100s", on);
    return -1;
  }
  const char* b = getenv("KERAS_MPI_SHM_BYTES");
  if (b && *b) {
    char* end = NULL;
    errno = 0;
    const long long v = strtoll(b, &end, 10);
    if (errno || *end || v < 0 || v > INT_MAX || !(*b >= '0' && *b <= '9')) {
      snprintf(msg, n, "KERAS_MPI_SHM_BYTES must be a whole number of bytes from 0 to %d (the shared window's slot per rank; 0 turns it off). Received: KERAS_MPI_SHM_BYTES=%.100s", INT_MAX, b);
      return -1;
    }
    shm_bytes = (long)v & ~63L; /* whole cache lines: the parts after the first stay aligned */
  }
  if (on && strcmp(on, "0") == 0) shm_bytes = 0;
  return 0;
}

/* sharedArray's blocks in this rank's arena, by offset (JS thread only: allocated there, freed by the
 * ArrayBuffers' finalizers there). First fit; a bucket layout is allocated once per training. */
typedef struct {
  long off, len;
} block_t;
static block_t* blocks = NULL;
static int nblocks = 0, cap_blocks = 0;

static void arena_free(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  if (!shm_part) return;
  const long off = (char*)data - (shm_part[world_rank] + SHM_HDR + shm_bytes);
  for (int i = 0; i < nblocks; i++) {
    if (blocks[i].off != off) continue;
    memmove(&blocks[i], &blocks[i + 1], sizeof(block_t) * (size_t)(nblocks - i - 1));
    nblocks--;
    return;
  }
}

static napi_value js_shared_array(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  double want = -1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_double(env, argv[0], &want) != napi_ok ||
      !(want >= 0) || want != (double)(long)want) {
    return throw_error(env, "mpi sharedArray: expected a whole number of bytes");
  }
  napi_get_null(env, &out);
  if (!started || init_rc != 0 || finalized || shm_bytes == 0 || want == 0 || want > (double)shm_bytes) return out;
  const long len = ((long)want + 63) & ~63L;
  long at = 0;
  int i = 0;
  for (; i < nblocks; i++) { /* the first gap that holds it */
    if (blocks[i].off - at >= len) break;
    at = blocks[i].off + blocks[i].len;
  }
  if (at + len > shm_bytes) return out;
  if (nblocks == cap_blocks) {
    block_t* more = (block_t*)realloc(blocks, sizeof(block_t) * (size_t)(cap_blocks ? 2 * cap_blocks : 16));
    if (!more) return out;
    blocks = more;
    cap_blocks = cap_blocks ? 2 * cap_blocks : 16;
  }
  char* p = shm_part[world_rank] + SHM_HDR + shm_bytes + at;
  if (napi_create_external_arraybuffer(env, p, (size_t)want, arena_free, NULL, &out) != napi_ok) {
    napi_get_null(env, &out); /* a runtime without external buffers: an ordinary array then */
    return out;
  }
  memset(p, 0, (size_t)want);
  memmove(&blocks[i + 1], &blocks[i], sizeof(block_t) * (size_t)(nblocks - i));
  blocks[i] = (block_t){at, len};
  nblocks++;
  return out;
}

static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "mpi init: cannot read arguments");
  if (argc >= 1) {
    double t;
    if (napi_get_value_double(env, argv[0], &t) == napi_ok && t >= 0) timeout_s = t;
  }
  const char* p = getenv("KERAS_MPI_POLL_US");
  if (p && atol(p) > 0 && atol(p) < 1000000) poll_ns = atol(p) * 1000L;
  p = getenv("KERAS_MPI_SPIN_US");
  if (p && atol(p) >= 0) spin_s = 1e-6 * (double)atol(p);
  p = getenv("KERAS_MPI_RING_BYTES");
  if (p && *p) ring_min_bytes = atol(p);
  if (!started) {
    char msg[400];
    if (shm_env(msg, sizeof msg) != 0) return throw_error(env, msg);
    napi_value name;
    CHECK(napi_create_string_utf8(env, "keras_mpi", NAPI_AUTO_LENGTH, &name), "mpi init: napi");
    CHECK(napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, on_done, &tsfn),
          "mpi init: cannot create the completion callback");
    napi_unref_threadsafe_function(env, tsfn); /* referenced only while collectives are pending */
    started = 1;
    if (pthread_create(&comm_thread, NULL, comm_main, NULL) != 0) return throw_error(env, "mpi init: cannot start the communication thread");
  }
  pthread_mutex_lock(&mu);
  while (!init_done) pthread_cond_wait(&cv, &mu);
  pthread_mutex_unlock(&mu);
  if (init_rc != 0) return throw_error(env, init_err);
  napi_value out, v;
  CHECK(napi_create_object(env, &out), "mpi init: napi");
  napi_create_int32(env, world_rank, &v);
  napi_set_named_property(env, out, "rank", v);
  napi_create_int32(env, world_size, &v);
  napi_set_named_property(env, out, "size", v);
  napi_create_string_utf8(env, proc_name, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, out, "processorName", v);
  napi_create_int32(env, thread_level, &v);
  napi_set_named_property(env, out, "threadLevel", v);
  napi_create_double(env, (double)shm_bytes, &v);
  napi_set_named_property(env, out, "sharedBytes", v);
  if (world_rank == 0 && shm_note[0]) fprintf(stderr, "keras-ts: the shared-memory collectives are off (%s); gradients are summed by the ring.\n", shm_note);
  return out;
}

static void enqueue(op_t* op) {
  op->next = NULL;
  pthread_mutex_lock(&mu);
  if (q_tail) q_tail->next = op;
  else q_head = op;
  q_tail = op;
  pthread_cond_signal(&cv);
  pthread_cond_signal(&urgent_cv); /* a collective JavaScript awaits may now be queued behind a background one */
  pthread_mutex_unlock(&mu);
}

/* Shared by allreduce / bcast / barrier: validates, keeps the array alive, queues, returns a Promise
 * (an id for wait() when `sync`). `phase`: an all-reduce's RING_* half. */
static napi_value start_op(napi_env env, napi_callback_info info, op_kind kind, int sync, int phase) {
  if (!started || init_rc != 0) return throw_error(env, "mpi: call init() first");
  if (finalized) return throw_error(env, "mpi: MPI was finalized");
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL), "mpi: cannot read arguments");
  op_t* op = (op_t*)calloc(1, sizeof(op_t));
  if (!op) return throw_error(env, "mpi: out of memory");
  op->kind = kind;
  if (kind != OP_BARRIER) {
    bool is_ta = false;
    if (argc < 1 || napi_is_typedarray(env, argv[0], &is_ta) != napi_ok || !is_ta) {
      free(op);
      return throw_error(env, "mpi: expected a typed array");
    }
    napi_typedarray_type type;
    size_t length;
    void* data;
    napi_value ab;
    size_t offset;
    if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &offset) != napi_ok) {
      free(op);
      return throw_error(env, "mpi: cannot read the typed array");
    }
    size_t elem = type == napi_float64_array ? 8 : (type == napi_float32_array || type == napi_int32_array || type == napi_uint32_array) ? 4 : type == napi_int16_array || type == napi_uint16_array ? 2 : 1;
    if (kind == OP_ALLREDUCE) {
      op->phase = phase;
      if (type == napi_float32_array) op->type = MPI_FLOAT;
      else if (type == napi_float64_array) op->type = MPI_DOUBLE;
      else if (type == napi_int32_array && phase == RING_ALL) op->type = MPI_INT;
      else {
        free(op);
        return throw_error(env, phase == RING_ALL ? "mpi allreduce: expected a Float32Array, Float64Array or Int32Array"
                                                  : "mpi reduceScatterStart: expected a Float32Array or Float64Array");
      }
      op->count = (int)length;
      bool bg = sync;
      if (!sync && argc >= 2) napi_get_value_bool(env, argv[1], &bg);
      op->background = bg;
      op->sync = sync;
    } else {
      op->count = (int)(length * elem);
      int32_t root = 0;
      if (argc < 2 || napi_get_value_int32(env, argv[1], &root) != napi_ok || root < 0 || root >= world_size) {
        free(op);
        return throw_error(env, "mpi bcast: root must be a rank (an integer in [0, size))");
      }
      op->root = root;
    }
    if (length * elem > (size_t)0x7fffffff) {
      free(op);
      return throw_error(env, "mpi: a buffer of more than 2^31-1 bytes cannot be sent in one call");
    }
    op->data = data;
    if (napi_create_reference(env, argv[0], 1, &op->keep) != napi_ok) {
      free(op);
      return throw_error(env, "mpi: cannot reference the typed array");
    }
  }
  if (sync) {
    napi_value id;
    op->seq = ++next_seq;
    napi_create_int64(env, op->seq, &id);
    enqueue(op);
    return id;
  }
  napi_value promise;
  if (napi_create_promise(env, &op->deferred, &promise) != napi_ok) {
    if (op->keep) napi_delete_reference(env, op->keep);
    free(op);
    return throw_error(env, "mpi: cannot create a Promise");
  }
  if (pending++ == 0) napi_ref_threadsafe_function(env, tsfn); /* keep the process alive until it settles */
  op->seq = ++next_seq;
  if (!op->background) atomic_store(&awaited_seq, op->seq);
  enqueue(op);
  return promise;
}

static napi_value js_allreduce(napi_env env, napi_callback_info info) { return start_op(env, info, OP_ALLREDUCE, 0, RING_ALL); }
static napi_value js_allreduce_start(napi_env env, napi_callback_info info) { return start_op(env, info, OP_ALLREDUCE, 1, RING_ALL); }
static napi_value js_reduce_scatter_start(napi_env env, napi_callback_info info) { return start_op(env, info, OP_ALLREDUCE, 1, RING_REDUCE_SCATTER); }
static napi_value js_bcast(napi_env env, napi_callback_info info) { return start_op(env, info, OP_BCAST, 0, RING_ALL); }
static napi_value js_barrier(napi_env env, napi_callback_info info) { return start_op(env, info, OP_BARRIER, 0, RING_ALL); }

/* Drops the references an op holds to JavaScript arrays and frees it (on the JS thread). */
static void release_op(napi_env env, op_t* op) {
  if (op->keep) napi_delete_reference(env, op->keep);
  for (int k = 0; k < op->npieces; k++) if (op->keeps && op->keeps[k]) napi_delete_reference(env, op->keeps[k]);
  free(op->pieces);
  free(op->keeps);
  free(op);
}

/* allgatherStart(pieces): the ring's all-gather over the concatenation of `pieces` (Float32Arrays, or
 * Float64Arrays), received straight into them; returns its id for wait(). */
static napi_value js_allgather_start(napi_env env, napi_callback_info info) {
  if (!started || init_rc != 0) return throw_error(env, "mpi: call init() first");
  if (finalized) return throw_error(env, "mpi: MPI was finalized");
  size_t argc = 1;
  napi_value argv[1];
  bool is_array = false;
  uint32_t n = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_is_array(env, argv[0], &is_array) != napi_ok ||
      !is_array || napi_get_array_length(env, argv[0], &n) != napi_ok || n == 0 || n > 65536) {
    return throw_error(env, "mpi allgatherStart: expected a non-empty array of typed arrays");
  }
  op_t* op = (op_t*)calloc(1, sizeof(op_t));
  if (!op) return throw_error(env, "mpi: out of memory");
  op->kind = OP_ALLREDUCE;
  op->phase = RING_ALLGATHER;
  op->sync = 1;
  op->background = 1;
  op->pieces = (piece_t*)calloc(n, sizeof(piece_t));
  op->keeps = (napi_ref*)calloc(n, sizeof(napi_ref));
  if (!op->pieces || !op->keeps) {
    release_op(env, op);
    return throw_error(env, "mpi: out of memory");
  }
  long total = 0;
  for (uint32_t k = 0; k < n; k++) {
    napi_value a, ab;
    bool is_ta = false;
    napi_typedarray_type type;
    size_t length, offset;
    void* data;
    if (napi_get_element(env, argv[0], k, &a) != napi_ok || napi_is_typedarray(env, a, &is_ta) != napi_ok || !is_ta ||
        napi_get_typedarray_info(env, a, &type, &length, &data, &ab, &offset) != napi_ok ||
        (type != napi_float32_array && type != napi_float64_array)) {
      release_op(env, op);
      return throw_error(env, "mpi allgatherStart: expected Float32Arrays or Float64Arrays");
    }
    const MPI_Datatype t = type == napi_float64_array ? MPI_DOUBLE : MPI_FLOAT;
    if (k > 0 && t != op->type) {
      release_op(env, op);
      return throw_error(env, "mpi allgatherStart: the arrays must all be of one type");
    }
    op->type = t;
    total += (long)length;
    if (total * (t == MPI_DOUBLE ? 8 : 4) > 0x7fffffffL) {
      release_op(env, op);
      return throw_error(env, "mpi: a buffer of more than 2^31-1 bytes cannot be sent in one call");
    }
    op->pieces[k].ptr = (char*)data;
    op->pieces[k].count = (int)length;
    op->npieces = (int)k + 1;
    if (napi_create_reference(env, a, 1, &op->keeps[k]) != napi_ok) {
      release_op(env, op);
      return throw_error(env, "mpi: cannot reference a typed array");
    }
  }
  op->count = (int)total;
  napi_value id;
  op->seq = ++next_seq;
  napi_create_int64(env, op->seq, &id);
  enqueue(op);
  return id;
}

/* Blocks until collective `id` is done (the JS thread has nothing to do meanwhile: a compiled step
 * waits for its gradients), releases the finished allreduceStart collectives and throws the first
 * error among them. */
static napi_value js_wait(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int64_t id = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int64(env, argv[0], &id) != napi_ok || id < 1 || id > next_seq) {
    return throw_error(env, "mpi wait: expected the id allreduceStart returned");
  }
  pthread_mutex_lock(&mu);
  if (atomic_load(&awaited_seq) < id) atomic_store(&awaited_seq, id);
  pthread_cond_signal(&urgent_cv);
  while (done_seq < id) pthread_cond_wait(&done_cv, &mu);
  op_t* list = finished;
  finished = NULL;
  pthread_mutex_unlock(&mu);
  op_t* failed = NULL;
  while (list) {
    op_t* op = list;
    list = op->next;
    if (op->keep) napi_delete_reference(env, op->keep);
    op->keep = NULL;
    if (!op->ok && (!failed || op->seq < failed->seq)) {
      if (failed) release_op(env, failed);
      failed = op;
    } else release_op(env, op);
  }
  if (failed) {
    napi_value msg, code, err;
    napi_create_string_utf8(env, failed->err, NAPI_AUTO_LENGTH, &msg);
    napi_create_string_utf8(env, failed->timed_out ? "ETIMEDOUT" : "EMPI", NAPI_AUTO_LENGTH, &code);
    napi_create_error(env, code, msg, &err);
    release_op(env, failed);
    napi_throw(env, err);
  }
  return NULL;
}
static napi_value js_await_all(napi_env env, napi_callback_info info) {
  (void)env;
  (void)info;
  pthread_mutex_lock(&mu);
  atomic_store(&awaited_seq, next_seq);
  pthread_cond_signal(&urgent_cv);
  pthread_mutex_unlock(&mu);
  return NULL;
}

/* Finalizes MPI after the queued collectives (a clean exit); a no-op when MPI was never started. */
static napi_value js_finalize(napi_env env, napi_callback_info info) {
  (void)info;
  if (started && init_rc == 0 && !finalized) {
    finalized = 1;
    op_t* op = (op_t*)calloc(1, sizeof(op_t));
    if (!op) return throw_error(env, "mpi finalize: out of memory");
    op->kind = OP_FINALIZE;
    enqueue(op);
    pthread_join(comm_thread, NULL);
  }
  return NULL;
}

/* Ends every rank of the job (a failed or timed-out rank calls it so that none waits forever). */
static napi_value js_abort(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t code = 1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 1) napi_get_value_int32(env, argv[0], &code);
  fflush(stdout);
  fflush(stderr);
  if (started && init_rc == 0 && !finalized) MPI_Abort(MPI_COMM_WORLD, code ? code : 1);
  _exit(code ? code : 1);
  return NULL;
}

static napi_value init_module(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"init", NULL, js_init, NULL, NULL, NULL, napi_default, NULL},
      {"allreduce", NULL, js_allreduce, NULL, NULL, NULL, napi_default, NULL},
      {"allreduceStart", NULL, js_allreduce_start, NULL, NULL, NULL, napi_default, NULL},
      {"reduceScatterStart", NULL, js_reduce_scatter_start, NULL, NULL, NULL, napi_default, NULL},
      {"allgatherStart", NULL, js_allgather_start, NULL, NULL, NULL, napi_default, NULL},
      {"wait", NULL, js_wait, NULL, NULL, NULL, napi_default, NULL},
      {"bcast", NULL, js_bcast, NULL, NULL, NULL, napi_default, NULL},
      {"barrier", NULL, js_barrier, NULL, NULL, NULL, napi_default, NULL},
      {"sharedArray", NULL, js_shared_array, NULL, NULL, NULL, napi_default, NULL},
      {"awaitAll", NULL, js_await_all, NULL, NULL, NULL, napi_default, NULL},
      {"finalize", NULL, js_finalize, NULL, NULL, NULL, napi_default, NULL},
      {"abort", NULL, js_abort, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init_module)
