/* pr_mp.c - runs the PageRank ring kernels on a runtime (see pr_mp.h). */
#include "pr_mp.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pr_kernels.h"
#include "pr_plan.h"

#define PR_POLL_NS 100000000ull /* 100 ms between health checks */
#define PR_LEAF_EDGES 32768u     /* CPU: edges that pay for a pr_go leaf */
#define PR_PART_EDGES 131072u    /* CPU: edges that pay for a partition */
#define PR_GPU_BLOCK_EDGES 256u  /* CUDA: edges a (p, q) block should have, at least */
/* CUDA: the sender's and the aggregators' blocks and threads, and the most
 * partitions: a warp walks a leaf (kernels with lanes), and an iteration
 * is cut into as many leaves as there are sender warps (leaf_count), 512
 * for 128 blocks of 4 warps and, from PR_GPU_BIG_EDGES edges, 1024 for 128
 * blocks of 8. 128 blocks of 4 warps against 64 (H200, ms an iteration,
 * two rounds): R-MAT 18 0.179-0.180 against 0.233-0.234, R-MAT 16
 * 0.085-0.086 against 0.094, p2p-Gnutella31 0.070-0.071 against
 * 0.074-0.075, the other SNAP graphs within 0.001 ms. When a leaf was a
 * (p, q) block, 16 x 16 or 32 x 32 of them, on an H200 (ms an iteration,
 * tol 1e-10, median of 3),
 * R-MAT 14 / 16 / 18 / 20 / 22 took 0.21 / 0.35 / 1.12 / 3.72 / 15.9 at 16
 * partitions and 64 x 128, 3.30 at R-MAT 20 and 11.5 at 22 with 32 and
 * 132 x 256, where the earlier shape, up to 256 partitions of a thread a
 * leaf, took 0.97 / 2.37 / 5.05 / 15.5 / 42.7 (and 8 partitions 0.23 /
 * 0.68 at R-MAT 14 / 16). */
#define PR_GPU_WORKERS 128u
#define PR_GPU_THREADS 128u
#define PR_GPU_PARTS 32u
#define PR_GPU_PART_NODES 2048u
#define PR_GPU_BIG_EDGES (1ull << 24)
#define PR_GPU_BIG_WORKERS 128u
#define PR_GPU_BIG_THREADS 256u
/* Entries a contribution batch carries. On an H100, 256 against 64 took
 * R-MAT 22 from 68 to 52 ms an iteration and the SNAP graphs down by 30-60 %
 * (fewer messages through the aggregator's inbox), but R-MAT 14-16, with
 * lane-parallel kernels and fewer leaves, from 1.2 to 1.3 and 2.5 to 3.2 ms
 * (fewer, longer messages for the aggregator's lanes). On the 2-core CPU
 * (three interleaved rounds, tol 1e-10, ratio to the reference) 128 against
 * 64 took ca-GrQc from 2.12-2.13x to 1.89-2.06x, p2p-Gnutella31 from
 * 1.79-1.87x to 1.66-1.73x and R-MAT 14 from 0.99-1.06x to 0.89-0.95x, the
 * other graphs under 2^21 edges within their noise or better, but R-MAT 18
 * from 8.5-8.8 to 9.0-10.3 ms an iteration: 128 below PR_CPU_BIG_EDGES. */
#define PR_CPU_BATCH 64u
#define PR_CPU_SMALL_BATCH 128u
#define PR_CPU_BIG_EDGES (1ull << 21)
#define PR_GPU_BATCH 256u
/* CUDA: sources a segment holds at most: a warp's lanes walk a segment
 * each, and a hub's in-edges in one segment kept 31 lanes waiting. */
#define PR_GPU_SEG_MAX 32u
/* Source partitions, on both backends: one, so that an entry sums all of
 * a target's in-edges (up to seg_max) instead of those from one of nparts
 * source ranges. On an H200 (ms an iteration, tol 1e-10, median of 3),
 * against as many as partitions (32): R-MAT 20 0.58 against 1.31, R-MAT
 * 22 1.90 against 3.96 (14,363 batches an iteration against 63,809), with
 * 4 and 8 between; R-MAT 24 8.47 against 16.67 (another run). The gathers
 * of y then range over all nodes, which cost less than the entries saved.
 * On the 2-core CPU, R-MAT 16-18 took 0.69-1.18x and 0.58-0.71x the
 * reference against 1.20-1.63x and 0.85-0.87x. */
#define PR_SRC_PARTS 1u
/* CUDA: nodes of a partition one worker finishes at most (pr_finish). */
#define PR_GPU_FIN_PIECE 4096u
#define PR_GPU_SMALL_BATCH 64u
/* Below PR_GPU_SMALL_EDGES, batches of the warp-wide kernels. On an H200
 * (one source partition, tol 1e-10, median of 3, two interleaved rounds),
 * 128 against 256 took the ring kernels' iteration of email-Eu-core from
 * 0.061-0.063 to 0.051-0.053 ms, p2p-Gnutella08 0.081-0.082 to
 * 0.073-0.078, ca-GrQc 0.062-0.064 to 0.058-0.060, wiki-Vote 0.099-0.105
 * to 0.090-0.093 and R-MAT 16 0.171-0.177 to 0.155-0.156; p2p-Gnutella31
 * and R-MAT 14 within their noise, R-MAT 18 (2^22 edges) 3-6 % slower. */
#define PR_GPU_WIDE_SMALL_BATCH 128u
#define PR_GPU_SMALL_EDGES (1ull << 22) /* below this: smaller batches */
/* Children of a split pr_go: a kernel with lanes sends them from several
 * lanes at once, others one after another. On an H200 (ms an iteration,
 * median of 3), the SNAP graphs with lanes took 1.39 summed at 16 against
 * 1.44-1.45 at 8 and 32 and 1.72 at 2 (binary splits); lane-parallel R-MAT
 * 14-22 took 1.29 / 2.98 / 5.96 / 15.5 / 49.2 at 4 against 1.49 / 2.73 /
 * 5.90 / 16.7 / 52.6 at 2, and 8 was slower at every scale. */
#define PR_FANOUT_LANES 16u
#define PR_FANOUT 4u

#define PR_AGG_INBOX_MAX 4096u
/* With finish pieces an inbox must hold an iteration's messages to it
 * (fin_piece_for): up to this many, 192 MiB of 3 KiB slots. */
#define PR_AGG_INBOX_PIECES_MAX 65536u
#define PR_GPU_AGGREGATORS 32u /* CUDA: one a partition up to this, the most measured */

/* Kernel-memory copies of the plan and the vectors. */
typedef struct pr_mem {
  void *p[17];
  int n;
} pr_mem;

static int mem_put(rk_runtime *rt, pr_mem *m, const void *src, size_t bytes, void **out) {
  int rc = rk_mem_alloc(rt, bytes ? bytes : 8, out);
  if (rc != RK_OK) return rc;
  m->p[m->n++] = *out;
  return src ? rk_mem_copy_in(rt, *out, src, bytes) : RK_OK;
}

static void mem_release(rk_runtime *rt, pr_mem *m) {
  for (int i = 0; i < m->n; i++) rk_mem_free(rt, m->p[i]);
  m->n = 0;
}

static uint32_t pow2_at_least(uint64_t x) {
  uint32_t c = 16;
  while (c < x && c < RK_QUEUE_MAX_CAPACITY) c <<= 1;
  return c;
}

RK_STATIC_ASSERT(PR_MP_STEPS == PR_STEPS - 1, "an interval between each two steps");

/* Bytes of pr_state.steps: PR_STEPS readings for each iteration 0..max_iter. */
static size_t steps_bytes(const pr_state *st) {
  return ((size_t)st->max_iter + 1) * PR_STEPS * sizeof(uint64_t);
}

/* Copies the plan into kernel memory and fills st, with room for the
 * vectors (start_vectors writes them); with steps, zeroed room for the
 * steps of each iteration. */
static int place(rk_runtime *rt, const rk_graph *g, const pr_plan *pl, pr_mem *m,
                 pr_state *st, int steps) {
  size_t n = g->n;
  int rc = RK_OK;
  void *p;
#define PUT(field, src, bytes) \
  if (rc == RK_OK && (rc = mem_put(rt, m, src, bytes, &p)) == RK_OK) st->field = p
  PUT(blk_seg, pl->blk_seg, (pl->nblocks + 1) * sizeof *pl->blk_seg);
  PUT(seg_node, pl->seg_node, pl->nsegs * sizeof *pl->seg_node);
  PUT(seg_src, pl->seg_src, (pl->nsegs + 1) * sizeof *pl->seg_src);
  PUT(src, pl->src, g->m * sizeof *pl->src);
  PUT(leaf_seg, pl->leaf_seg, (pl->nleaves + 1) * sizeof *pl->leaf_seg);
  PUT(leaf_blk, pl->leaf_blk, pl->nleaves * sizeof *pl->leaf_blk);
  PUT(part_lo, pl->part_lo, (pl->nparts + 1) * sizeof *pl->part_lo);
  PUT(expected, pl->expected, pl->nparts * sizeof *pl->expected);
  PUT(idle, pl->idle, pl->nparts * sizeof *pl->idle);
  PUT(inv_deg, pl->inv_deg, n * sizeof *pl->inv_deg);
  PUT(x, NULL, n * sizeof(double));
  PUT(y[0], NULL, n * sizeof(double));
  PUT(y[1], NULL, n * sizeof(double));
  PUT(acc, NULL, n * sizeof(double));
#undef PUT
  /* received and sums start at zero, and a run leaves them so: each
   * partition's count and the iteration's sums are cleared as they
   * complete. */
  uint32_t *no_counts = calloc(pl->nparts, sizeof *no_counts);
  if (rc == RK_OK && no_counts == NULL) rc = RK_E_NOMEM;
  if (rc == RK_OK && (rc = mem_put(rt, m, no_counts, pl->nparts * sizeof *no_counts, &p)) == RK_OK)
    st->received = p;
  free(no_counts);
  const pr_sums no_sums = {0, 0, 0.0, 0.0};
  if (rc == RK_OK && (rc = mem_put(rt, m, &no_sums, sizeof no_sums, &p)) == RK_OK) st->sums = p;
  uint64_t *no_steps = steps && rc == RK_OK ? calloc(1, steps_bytes(st)) : NULL;
  if (steps && rc == RK_OK && no_steps == NULL) rc = RK_E_NOMEM;
  if (no_steps && (rc = mem_put(rt, m, no_steps, steps_bytes(st), &p)) == RK_OK) st->steps = p;
  free(no_steps);
  return rc;
}

/* A run's start, on the host: uniform ranks x, their shares y of the
 * first iteration (y[1]: iteration 1's parity), and zeros for y[0] and
 * acc. Made once, before the kernel memory, and copied in for each run:
 * made after it, for each run, these blocks took the heap room a previous
 * runtime's inbox had freed, and test_soak's heap grew by an inbox (RSS
 * 52 -> 64.6 MiB, against a flat 27.5). */
typedef struct pr_start_vec {
  double *x, *y, *zeros;
} pr_start_vec;

static int start_vec_init(pr_start_vec *sv, const rk_graph *g, const pr_plan *pl) {
  size_t n = g->n;
  sv->x = malloc(n * sizeof *sv->x);
  sv->y = malloc(n * sizeof *sv->y);
  sv->zeros = calloc(n, sizeof *sv->zeros);
  if (!sv->x || !sv->y || !sv->zeros) return RK_E_NOMEM;
  for (size_t v = 0; v < n; v++) {
    sv->x[v] = 1.0 / (double)n;
    sv->y[v] = sv->x[v] * pl->inv_deg[v];
  }
  return RK_OK;
}

static void start_vec_free(pr_start_vec *sv) {
  free(sv->x);
  free(sv->y);
  free(sv->zeros);
}

/* Writes a run's start into the kernels' vectors. Between runs the kernels
 * are idle: the previous run's last writes reach the host through its
 * pr_done, these reach the kernels through the next pr_start. */
static int start_vectors(rk_runtime *rt, const pr_start_vec *sv, const pr_state *st) {
  size_t bytes = st->n * sizeof(double);
  int rc = rk_mem_copy_in(rt, st->x, sv->x, bytes);
  if (rc == RK_OK) rc = rk_mem_copy_in(rt, st->y[1], sv->y, bytes);
  if (rc == RK_OK) rc = rk_mem_copy_in(rt, st->y[0], sv->zeros, bytes);
  if (rc == RK_OK) rc = rk_mem_copy_in(rt, st->acc, sv->zeros, bytes);
  return rc;
}

static rk_kernel_opts kernel_opts(const pr_state *st, uint32_t workers, uint32_t threads,
                                  uint32_t capacity) {
  rk_kernel_opts o;
  memset(&o, 0, sizeof o);
  o.inbox_capacity = capacity;
  o.workers = workers;
  o.threads_per_worker = threads;
  o.state = st;
  o.state_size = sizeof *st;
  return o;
}

static int add_kernel(rk_runtime *rt, const rk_kernel_def *def, const pr_state *st,
                      uint32_t workers, uint32_t threads, uint32_t capacity) {
  rk_kernel_opts o = kernel_opts(st, workers, threads, capacity);
  return rk_kernel_add(rt, def, &o, NULL);
}

/* The first error any of the nkernels kernels reported, or a device fault. */
static int kernels_health(rk_runtime *rt, uint32_t nkernels) {
  for (uint32_t k = 0; k < nkernels; k++) {
    rk_kernel_telemetry t;
    int rc = rk_kernel_telemetry_get(rt, k, &t);
    if (rc != RK_OK) return rc;
    if (t.errors || t.send_failed) return t.last_error ? t.last_error : RK_E_HANDLER;
  }
  return rk_runtime_fault(rt, NULL);
}

static int wait_done(rk_runtime *rt, uint32_t nkernels, uint64_t timeout_ns, pr_done *done) {
  uint8_t *buf = malloc(rk_host_slot_size(rt));
  if (buf == NULL) return RK_E_NOMEM;
  uint64_t deadline = rk_now_ns() + timeout_ns;
  int rc;
  for (;;) {
    rk_msg msg;
    rc = rk_host_recv(rt, &msg, buf, rk_host_slot_size(rt), PR_POLL_NS);
    if (rc == RK_OK) {
      rc = pr_done_decode_msg(&msg, done);
      break;
    }
    if (rc != RK_E_TIMEOUT) break;
    if ((rc = kernels_health(rt, nkernels)) != RK_OK) break;
    if (rk_now_ns() >= deadline) {
      rc = RK_E_TIMEOUT;
      break;
    }
  }
  free(buf);
  return rc;
}

/* GPU: by size. CPU: a worker a core, but one on a graph of fewer edges
 * than a partition pays for (PR_PART_EDGES): there a second sender thread
 * shares the cores with the aggregator's for a walk of 100-200 us, and
 * one worker lets the three kernels run as a group on one thread
 * (cpu_trio). wiki-Vote (103,689 edges, three leaves) on the 2-core VM,
 * tol 1e-10: 0.84-1.12x the reference in four rounds against 1.15-2.13x
 * with two, and in 60 runs of each, three times over, 112-116 us an
 * iteration at the median against 116-125 (90th percentile 160-171
 * against 207-239). */
static uint32_t default_workers(int cuda, uint64_t m) {
  if (cuda) return m >= PR_GPU_BIG_EDGES ? PR_GPU_BIG_WORKERS : PR_GPU_WORKERS;
  if (m < PR_PART_EDGES) return 1;
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus < 1 ? 1 : cpus > 16 ? 16 : (uint32_t)cpus;
}

/* GPU: with fewer leaves than about two a warp, a warp runs each message
 * with all its lanes (a leaf's walk is then 32 times shorter); with more,
 * each lane runs its own (more messages in flight). The default shapes
 * (gpu_parts) always give the warp form; the lane form is there for many
 * partitions asked for. On an H100 the warp form took the SNAP graphs
 * (64-256 leaves) from 0.4-6.2 to 0.3-2.8 ms an iteration; at R-MAT 22
 * with 65536 leaves the lane form was faster (64 against 400 ms), but 1024
 * leaves of the warp form beat both (PR_GPU_PARTS). */
static int gpu_wide(uint64_t leaves, uint32_t workers, uint32_t threads) {
  return leaves <= 2ull * workers * (threads / 32);
}

static uint32_t default_batch(int cuda, uint64_t m, uint64_t leaves, uint32_t workers,
                              uint32_t threads) {
  if (!cuda) return m < PR_CPU_BIG_EDGES ? PR_CPU_SMALL_BATCH : PR_CPU_BATCH;
  if (m >= PR_GPU_SMALL_EDGES) return PR_GPU_BATCH;
  return gpu_wide(leaves, workers, threads) ? PR_GPU_WIDE_SMALL_BATCH : PR_GPU_SMALL_BATCH;
}

static uint32_t default_fanout(int wide) { return wide ? PR_FANOUT_LANES : PR_FANOUT; }

/* Aggregator kernels: as asked (at most one a partition), else on the GPU
 * one a partition up to PR_GPU_AGGREGATORS, each an inbox of its own, and
 * on the CPU one. On an H200 (ms an iteration, median of 3) R-MAT 20 / 22
 * with 32 partitions took 3.48 / 12.1 with 8 aggregators, 2.54 / 8.77 with
 * 16 and 2.00 / 6.13 with 32; graphs of 8 or 16 partitions ran within 3 %
 * with 8 or 16. */
static uint32_t default_aggregators(int cuda, uint32_t asked, uint32_t nparts) {
  uint32_t n = asked ? asked : cuda ? PR_GPU_AGGREGATORS : 1;
  return n < nparts ? n : nparts;
}

/* Sender kernels: as asked, else on the GPU one a partition (a sender
 * kernel's inbox then holds about nparts leaves an iteration, claimed by
 * its share of the warps), and on the CPU one; never more than leaves or
 * workers (each kernel needs one). With one sender kernel on the GPU
 * every leaf of an iteration was claimed from one inbox by every sender
 * warp, one message a CAS, and an iteration of the SNAP graphs took about
 * 1.2 us a leaf. */
static uint32_t default_senders(int cuda, uint32_t asked, uint32_t nparts, uint64_t leaves,
                                uint32_t workers) {
  uint64_t n = asked ? asked : cuda ? nparts : 1;
  if (n > leaves) n = leaves;
  if (n > workers) n = workers;
  return n ? (uint32_t)n : 1;
}

/* Contribution messages an iteration sends to aggregator k of naggs (0
 * for a zeroed plan); with k 0 of 1, all of them. */
static uint64_t batches_to(const pr_plan *pl, uint32_t k, uint32_t naggs) {
  uint64_t batches = 0;
  for (uint32_t q = k; q < pl->nparts; q += naggs) batches += pl->expected[q];
  return batches;
}

/* Finish pieces of aggregator k's partitions (pr_fin to itself); with k
 * 0 of 1, all of them. */
static uint64_t pieces_of(const pr_plan *pl, uint32_t fin_piece, uint32_t k, uint32_t naggs) {
  uint64_t pieces = 0;
  for (uint32_t q = k; q < pl->nparts; q += naggs)
    pieces += pr_fin_pieces(pl->part_lo[q + 1] - pl->part_lo[q], fin_piece);
  return pieces;
}

/* Messages aggregator k gets an iteration. */
static uint64_t messages_to(const pr_plan *pl, uint32_t fin_piece, uint32_t k, uint32_t naggs) {
  return batches_to(pl, k, naggs) + (fin_piece ? pieces_of(pl, fin_piece, k, naggs) : 0);
}

/* An aggregator's inbox holds its share of an iteration's messages, up to
 * PR_AGG_INBOX_MAX (PR_AGG_INBOX_PIECES_MAX with finish pieces): senders
 * then rarely wait on it, and a ring no larger than that keeps its slots
 * (3 KiB each) warm in the caches; 4096 of them for a graph that sends 80
 * batches an iteration cycled through 12 MiB. */
static uint32_t aggregator_capacity(const pr_plan *pl, uint32_t fin_piece, uint32_t k,
                                    uint32_t naggs) {
  uint32_t c = pow2_at_least(messages_to(pl, fin_piece, k, naggs) + 16);
  uint32_t most = fin_piece ? PR_AGG_INBOX_PIECES_MAX : PR_AGG_INBOX_MAX;
  return c < most ? c : most;
}

/* Nodes a worker finishes at most: as asked, else PR_GPU_FIN_PIECE on the
 * GPU and whole partitions on the CPU (one worker an aggregator there).
 * A worker sends the pieces to its own kernel's inbox while it holds
 * slots of that inbox unreleased (its claimed messages), and a full ring
 * waits on the oldest slot: it could wait on itself. So pieces are cut
 * only when every aggregator's inbox holds all its messages of an
 * iteration (the next iteration's come after the checker heard of all of
 * them); else partitions go whole. On CUDA, with pieces allowed
 * whatever the inbox, test_pagerank_mp hung so, its 4100 pieces an
 * iteration to one aggregator in a ring of 4096. */
static uint32_t fin_piece_for(const pr_plan *pl, uint32_t asked, int cuda, uint32_t naggs) {
  uint32_t piece = asked ? asked : cuda ? PR_GPU_FIN_PIECE : 0;
  for (uint32_t k = 0; piece && k < naggs; k++)
    if (aggregator_capacity(pl, piece, k, naggs) < messages_to(pl, piece, k, naggs)) piece = 0;
  return piece;
}

/* Leaves an iteration's pr_go tree ends in (the plan cuts about as many,
 * of equal weight). On the GPU one a sender warp; on the CPU a leaf is
 * worth a message hop only with enough edges in it: about PR_LEAF_EDGES
 * each, at most 8 per worker. */
static uint64_t leaf_count(int cuda, const rk_graph *g, uint32_t workers, uint32_t threads) {
  uint64_t leaves = cuda ? (uint64_t)workers * (threads / 32) : g->m / PR_LEAF_EDGES;
  if (!cuda && leaves > 8ull * workers) leaves = 8ull * workers;
  return leaves ? leaves : 1;
}

/* Sender workers: the workers, but on the CPU no more than leaves; an idle
 * one's thread only takes a core from the busy ones. 2-core VM, tol 1e-10,
 * median ratio to the reference over seven interleaved pairs of runs, on
 * the graphs of one leaf: p2p-Gnutella08 1.82 -> 1.47x, ca-GrQc 2.20 ->
 * 2.11x, email-Eu-core 1.79 -> 1.73x (the last two within the noise,
 * which moved graphs of several leaves by up to 8 %). With waiters
 * spinning 256 pauses, before 89c176d, it was slower. */
static uint32_t sender_workers(int cuda, uint64_t leaves, uint32_t workers) {
  return !cuda && leaves < workers ? (uint32_t)leaves : workers;
}

/* Kernels of a run: the checker, the aggregators, the senders. */
static uint32_t kernel_count(const pr_state *st) {
  return PR_AGGREGATOR0 + st->naggs + st->nsenders;
}

/* CPU, a run of one sender worker and one aggregator: the three kernels
 * as a group, on one thread (cpu_backend.c), so that no y or x line
 * crosses between cores and no hop wakes another thread. On the 2-core
 * VM, in interleaved runs, the one-leaf SNAP graphs went from 1.3-4.5x
 * the reference to 0.85-1.5x (docs/BENCH-PAGERANK.md). Only where the
 * aggregator's inbox holds all of an iteration's messages, since the
 * sender then never waits on the inbox its own thread drains. */
static const rk_kernel_def *const pr_trio_members[] = {&pr_checker, &pr_aggregator, &pr_sender};
static const rk_group_def pr_trio = {"pr_trio", pr_trio_members, 3, NULL};

static int cpu_trio(const pr_plan *pl, const pr_state *st, uint32_t workers, int cuda) {
  return !cuda && workers == 1 && st->naggs == 1 && st->nsenders == 1 &&
         messages_to(pl, st->fin_piece, 0, 1) + 16 <= aggregator_capacity(pl, st->fin_piece, 0, 1);
}

/* The run's kernels: the checker, the aggregators, the senders (ids in
 * that order), as a group where cpu_trio says so. workers: the sender's;
 * on the GPU the aggregators share them, on the CPU each aggregator has
 * one, which owns its partitions' entries of acc. */
static int add_kernels(rk_runtime *rt, const pr_plan *pl, const pr_state *st, uint32_t workers,
                       uint32_t threads, int cuda) {
  int wide = cuda && gpu_wide(pl->nleaves, workers, threads);
  /* the checker's inbox holds the start, or an iteration's one pr_partial */
  rk_kernel_opts checker = kernel_opts(st, 1, 0, 16);
  /* A sender's inbox holds its share of an iteration's pr_go tree, and
   * more, so a sender never waits on itself. */
  uint32_t sender_capacity = pow2_at_least(2ull * pl->nleaves / st->nsenders + 32);
  if (cpu_trio(pl, st, workers, cuda)) {
    rk_kernel_opts o[3] = {checker,
                           kernel_opts(st, 1, 0, aggregator_capacity(pl, st->fin_piece, 0, 1)),
                           kernel_opts(st, 1, 0, sender_capacity)};
    return rk_group_add(rt, &pr_trio, o, NULL);
  }
  int rc = rk_kernel_add(rt, &pr_checker, &checker, NULL);
  uint32_t agg_workers = !cuda ? 1 : workers / st->naggs ? workers / st->naggs : 1;
  for (uint32_t k = 0; rc == RK_OK && k < st->naggs; k++)
    rc = add_kernel(rt, wide ? &pr_aggregator_lanes : &pr_aggregator, st, agg_workers, threads,
                    aggregator_capacity(pl, st->fin_piece, k, st->naggs));
  uint32_t per_sender = workers / st->nsenders;
  for (uint32_t k = 0; rc == RK_OK && k < st->nsenders; k++)
    rc = add_kernel(rt, wide ? &pr_sender_lanes : &pr_sender, st,
                    per_sender + (k < workers % st->nsenders), threads, sender_capacity);
  return rc;
}

/* When a run's steps happened, on the host's clock. */
typedef struct pr_times {
  uint64_t first_start; /* the first run's pr_start sent: set-up ends */
  uint64_t start;       /* the last run's pr_start sent */
  uint64_t done;        /* the last run's pr_done received */
} pr_times;

/* Adds the kernels, launches and starts them, then runs PageRank `runs`
 * times on them, each from the start vectors (the first run's written
 * before the launch), waiting for its pr_done. */
static int run_kernels(rk_runtime *rt, const rk_graph *g, const pr_plan *pl, pr_state *st,
                       const pr_start_vec *sv, uint32_t workers, uint32_t threads, uint32_t runs,
                       uint64_t timeout_ns, pr_done *done, pr_times *at) {
  int cuda = strcmp(rk_runtime_backend(rt), "cuda") == 0;
  int rc = add_kernels(rt, pl, st, workers, threads, cuda);
  uint32_t nkernels = kernel_count(st);
  if (rc == RK_OK) rc = rk_runtime_launch(rt);
  for (uint32_t k = 0; rc == RK_OK && k < nkernels; k++) rc = rk_kernel_activate(rt, k);
  uint64_t ndangling = 0;
  for (uint32_t v = 0; v < g->n; v++) ndangling += pl->inv_deg[v] == 0.0;
  pr_start start = {(double)ndangling / g->n};
  for (uint32_t r = 0; rc == RK_OK && r < runs; r++) {
    if (r > 0) rc = start_vectors(rt, sv, st);
    at->start = rk_now_ns();
    if (r == 0) at->first_start = at->start;
    if (rc == RK_OK) rc = RK_HOST_SEND(rt, PR_CHECKER, pr_start, &start, timeout_ns);
    if (rc == RK_OK) rc = wait_done(rt, nkernels, timeout_ns, done);
    at->done = rk_now_ns();
  }
  return rc;
}

/* Messages a run sent: the host's pr_start and every kernel's sends, as
 * their telemetry counts them, divided among the runs (each sends the
 * same). Read once the workers are joined: a worker counts a send after
 * its commit, and a GPU block publishes its counts every few rounds, so a
 * read at pr_done could miss the last ones (on an H200 by 1 to 17 of
 * 175-416). Reading every kernel's telemetry took 0.2-0.4 ms on a GPU
 * (17-33 kernels), no part of the iterations. */
static uint64_t messages_sent(rk_runtime *rt, const pr_state *st, uint32_t runs) {
  uint64_t sent = 0;
  for (uint32_t k = 0; k < kernel_count(st); k++) {
    rk_kernel_telemetry t;
    if (rk_kernel_telemetry_get(rt, k, &t) == RK_OK) sent += t.sent;
  }
  return 1 + sent / runs;
}

/* CUDA: as many partitions as nparts^2 blocks of at least
 * PR_GPU_BLOCK_EDGES edges each would make (the rule was measured with as
 * many source partitions as partitions): small graphs get few partitions
 * (each partition adds messages to every iteration), large ones
 * PR_GPU_PARTS; and, up to PR_GPU_PARTS, partitions of at most
 * PR_GPU_PART_NODES nodes, since one warp finishes each (p2p-Gnutella31,
 * 62,586 nodes: 3,900 a partition at 16, a 13 us finish; 0.093-0.095 ms
 * an iteration at 16 partitions, 0.074-0.075 at 32, H200). Since the
 * aggregators send one pr_partial an iteration, not one a partition, 32
 * partitions also took R-MAT 16 from 0.107 to 0.093 ms and R-MAT 18 from
 * 0.233 to 0.227; wiki-Vote, which the rules keep at 16, went from 0.050
 * to 0.079 at 32 (docs/GPU-RESULTS.md, the twelfth round). */
static uint32_t gpu_parts(uint64_t m, uint64_t n) {
  uint32_t p = 1;
  while (p < PR_GPU_PARTS && (uint64_t)(2 * p) * (2 * p) * PR_GPU_BLOCK_EDGES <= m) p *= 2;
  while (p < PR_GPU_PARTS && n > (uint64_t)p * PR_GPU_PART_NODES) p *= 2;
  return p;
}

/* The mean, over iterations 1..iters, of each interval between two steps
 * the kernels recorded in st->steps (pr_kernels.h), and the time from
 * pr_go to the checker's pr_partial of the first iteration and, on
 * average, of the others. */
static int step_means(rk_runtime *rt, const pr_state *st, uint32_t iters, pr_mp_stats *out) {
  uint64_t *t = malloc(steps_bytes(st));
  int rc = t ? rk_mem_copy_out(rt, t, st->steps, steps_bytes(st)) : RK_E_NOMEM;
  double *mean = out->step_ns;
  for (int i = 0; i < PR_MP_STEPS; i++) mean[i] = 0.0;
  out->first_ns = out->later_ns = 0.0;
  for (uint32_t k = 1; rc == RK_OK && k <= iters; k++) {
    uint64_t at[PR_STEPS];
    memcpy(at, t + (size_t)k * PR_STEPS, sizeof at);
    at[PR_STEP_LEAF_FIRST] = ~at[PR_STEP_LEAF_FIRST];
    for (int i = 0; i < PR_MP_STEPS; i++)
      mean[i] += (double)(int64_t)(at[i + 1] - at[i]) / iters;
    double whole = (double)(int64_t)(at[PR_STEP_CHECKED] - at[PR_STEP_GO]);
    if (k == 1) out->first_ns = whole;
    else out->later_ns += whole / (iters - 1);
  }
  free(t);
  return rc;
}

/* CPU: whether to ask for a stream plan (pr_plan.h), in which the
 * aggregator finishes each node as its entry arrives, while the senders
 * walk, instead of a partition after its last batch. A node with no
 * in-edges then costs an empty entry an iteration, so it pays where such
 * nodes are few. On the 2-core VM (tol 1e-10, ms an iteration, median of
 * eight interleaved rounds) it took p2p-Gnutella08 (1 % of its nodes
 * without in-edges) from 0.082 to 0.056, ca-GrQc (none) from 0.068 to
 * 0.049, email-Eu-core (1 %) from 0.034 to 0.029 and p2p-Gnutella31
 * (0.5 %) from 1.04 to 0.77, but in three rounds R-MAT 16 (38 %) from
 * 1.10-1.28 to 1.46-1.73; wiki-Vote (67 %) moved within its noise. Not on
 * the GPU, whose segments hold at most seg_max sources (a hub's sum
 * arrives in several entries) and whose partitions are finished in
 * pieces. */
#define PR_STREAM_EMPTY_MAX 0.10 /* share of nodes without in-edges */
static int stream_pays(const rk_graph *g) {
  uint64_t empty = 0;
  for (uint32_t v = 0; v < g->n; v++) empty += g->in_off[v] == g->in_off[v + 1];
  return (double)empty <= PR_STREAM_EMPTY_MAX * g->n;
}

/* One run with the given shape; *workers_used tells the caller what ran. */
static int mp_attempt(const rk_graph *g, rk_pagerank_params prm, pr_mp_opts o,
                      rk_pagerank_result *result, pr_mp_stats *stats, uint32_t *workers_used) {
  int rc;
  uint64_t t0 = rk_now_ns();
  rk_runtime rt;
  rk_runtime_opts ro;
  memset(&ro, 0, sizeof ro);
  ro.backend = o.backend;
  /* A sender whose aggregator's inbox is full waits for it, however long
   * (an iteration may hold more messages than an inbox): the aggregator
   * never waits on the sender, so this cannot deadlock, and terminate still
   * ends the wait. */
  ro.full_spins = UINT32_MAX;
  if ((rc = rk_runtime_init(&rt, &ro)) != RK_OK) return rc;
  int cuda = strcmp(rk_runtime_backend(&rt), "cuda") == 0;
  uint32_t runs = o.runs ? o.runs : 1;
  /* pr_mp_run refused CUDA by name; this is the auto backend that found it */
  if (cuda && runs > 1) {
    rk_runtime_close(&rt);
    return RK_E_INVAL;
  }
  uint32_t workers = o.workers ? o.workers : default_workers(cuda, g->m);
  uint32_t threads = !cuda        ? 0
                     : o.threads  ? o.threads
                     : g->m >= PR_GPU_BIG_EDGES ? PR_GPU_BIG_THREADS
                                                : PR_GPU_THREADS;
  *workers_used = workers;
  uint32_t senders = workers; /* sender_workers(), once the plan is known */
  /* CPU: two partitions a worker, fewer on small graphs, where every
   * partition adds messages to an iteration that has little work. */
  uint64_t by_edges = g->m / PR_PART_EDGES ? g->m / PR_PART_EDGES : 1;
  uint32_t nparts = o.nparts ? o.nparts
                    : cuda   ? gpu_parts(g->m, g->n)
                    : by_edges < 2ull * workers ? (uint32_t)by_edges : 2 * workers;
  uint64_t leaves = o.leaves ? o.leaves : leaf_count(cuda, g, workers, threads);
  uint32_t batch = o.batch ? o.batch : default_batch(cuda, g->m, leaves, workers, threads);
  uint32_t seg_max = o.seg_max ? o.seg_max : cuda ? PR_GPU_SEG_MAX : 0;
  uint64_t timeout = o.timeout_ns ? o.timeout_ns : 60000000000ull + g->m * 2000ull;
  pr_plan pl;
  pr_mem mem = {{0}, 0};
  pr_state st;
  memset(&st, 0, sizeof st);
  st.n = g->n;
  st.alpha = prm.alpha;
  st.tol = prm.tol;
  st.max_iter = prm.max_iter;
  pr_done done = {0, 0, 0.0};
  pr_times at = {0, 0, 0};
  pr_plan_shape shape = {nparts, batch, seg_max, leaves < UINT32_MAX ? (uint32_t)leaves : UINT32_MAX,
                         o.src_parts ? o.src_parts : PR_SRC_PARTS,
                         !cuda && o.fin_piece == 0 && stream_pays(g)};
  rc = pr_plan_build(g, shape, &pl);
  pr_start_vec sv = {NULL, NULL, NULL};
  if (rc == RK_OK) rc = start_vec_init(&sv, g, &pl);
  if (rc == RK_OK) {
    st.batch = pl.batch;
    int wide = cuda && gpu_wide(pl.nleaves, workers, threads);
    st.fanout = o.fanout ? o.fanout : default_fanout(wide);
    st.nparts = pl.nparts;
    st.nleaves = pl.nleaves;
    st.seg_max = pl.seg_max;
    st.naggs = default_aggregators(cuda, o.aggregators, pl.nparts);
    senders = sender_workers(cuda, pl.nleaves, workers);
    st.nsenders = default_senders(cuda, o.senders, pl.nparts, pl.nleaves, senders);
    st.fin_piece = fin_piece_for(&pl, o.fin_piece, cuda, st.naggs);
    st.npieces = (uint32_t)pieces_of(&pl, st.fin_piece, 0, 1);
    st.stream = pl.stream;
    rc = place(&rt, g, &pl, &mem, &st, o.steps != 0);
    if (rc == RK_OK) rc = start_vectors(&rt, &sv, &st);
    if (rc == RK_OK)
      rc = run_kernels(&rt, g, &pl, &st, &sv, senders, threads, runs, timeout, &done, &at);
  }
  if (rc == RK_OK) {
    result->ranks = malloc(g->n * sizeof *result->ranks);
    rc = result->ranks ? rk_mem_copy_out(&rt, result->ranks, st.x, g->n * sizeof(double)) : RK_E_NOMEM;
    result->n = g->n;
    result->iterations = done.iter;
    result->l1_change = done.l1;
  }
  if (stats) {
    stats->setup_ns = at.first_start ? at.first_start - t0 : 0;
    stats->iterate_ns = at.start ? at.done - at.start : 0;
    stats->nparts = pl.nparts;
    stats->src_parts = pl.nsrc_parts;
    stats->workers = senders;
    stats->threads = threads;
    stats->batch = batch;
    stats->fanout = st.fanout;
    stats->batches = batches_to(&pl, 0, 1);
    stats->aggregators = st.naggs;
    stats->senders = st.nsenders;
    stats->leaves = st.nleaves;
    stats->seg_max = seg_max;
    stats->fin_piece = st.fin_piece;
    stats->stream = st.stream;
    stats->backend = cuda ? "cuda" : "cpu";
    memset(stats->step_ns, 0, sizeof stats->step_ns);
    stats->first_ns = stats->later_ns = 0.0;
  }
  /* A worker records some steps after the message that hands its part on
   * (a leaf's last batch, a partial), so the steps are read once the
   * workers are joined: before, a read could race with such a write. */
  int joined = rk_runtime_terminate(&rt, 5000000000ull) == RK_OK;
  if (rc == RK_OK) result->messages = messages_sent(&rt, &st, runs);
  if (rc == RK_OK && stats && st.steps && joined)
    rc = step_means(&rt, &st, done.iter, stats);
  mem_release(&rt, &mem);
  rk_runtime_close(&rt);
  start_vec_free(&sv);
  pr_plan_free(&pl);
  if (rc != RK_OK) {
    rk_pagerank_result_free(result);
    return rc;
  }
  return done.converged ? RK_OK : RK_E_NOT_CONVERGED;
}

int pr_mp_run(const rk_graph *g, const rk_pagerank_params *params, const pr_mp_opts *opts,
              rk_pagerank_result *result, pr_mp_stats *stats) {
  rk_pagerank_params prm = RK_PAGERANK_PARAMS_DEFAULT;
  pr_mp_opts o;
  memset(&o, 0, sizeof o);
  if (params) prm = *params;
  if (opts) o = *opts;
  if (result == NULL || g == NULL || g->n == 0) return RK_E_INVAL;
  memset(result, 0, sizeof *result);
  if (o.fanout == 1 || o.fanout > PR_FANOUT_MAX) return RK_E_INVAL;
  if (o.aggregators > PR_AGGREGATORS_MAX || o.senders > PR_SENDERS_MAX) return RK_E_INVAL;
  if (o.runs > 1 && (o.steps || o.backend == RK_BACKEND_CUDA)) return RK_E_INVAL;
  int rc = rk_pagerank_params_check(&prm);
  if (rc != RK_OK) return rc;
  /* The default GPU shape is sized for an H100; on a smaller device the
   * kernels do not fit, so the run is retried with half the workers. A
   * shape the caller chose is refused as it is. */
  uint32_t used = 0;
  for (;;) {
    rc = mp_attempt(g, prm, o, result, stats, &used);
    if (rc != RK_E_OCCUPANCY || (opts && opts->workers) || used <= 1) return rc;
    o.workers = used / 2;
  }
}
