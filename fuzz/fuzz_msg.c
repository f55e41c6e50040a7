/* fuzz_msg.c - message decoding from arbitrary bytes.
 *
 * The input is taken as one received message: the 48-byte header, then a
 * payload. Decoding must never read out of bounds (ASan) and, whenever it
 * succeeds, the result must obey the wire contract, checked here:
 *
 *  - the payload lies inside the input, counts never exceed their maxima;
 *  - a message decoded at its own schema version re-encodes to the very
 *    bytes it came from (decoding is exact, not approximate);
 *  - schema evolution holds both ways: a message of version 2 or newer
 *    that the newer reader (fuzz_v2) accepts, the older reader (fuzz_v1)
 *    accepts too, with equal leading fields; what the older reader accepts
 *    at or below its own version the newer one accepts with the appended
 *    fields at their defaults. (Below version 2 the newer reader may accept
 *    more: fields carry no version of their own, so it takes any missing
 *    trailing field at its default; see docs/RELIABILITY.md.)
 *  - the same bytes delivered through a queue slot to a kernel worker are
 *    counted exactly once, as processed or as an error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_msg_types.h"

#define FUZZ_ASSERT(cond) \
  do {                    \
    if (!(cond)) abort(); \
  } while (0)

static int v1_equal(const fuzz_v1 *x, const fuzz_v2 *y) {
  return x->a == y->a && memcmp(&x->b, &y->b, sizeof x->b) == 0 &&
         x->arr_count == y->arr_count &&
         memcmp(x->arr, y->arr, x->arr_count * sizeof x->arr[0]) == 0;
}

/* Re-encodes a message decoded at its own version: the bytes must match. */
static void check_reencode_v2(const fuzz_v2 *m, const rk_msg *msg) {
  uint8_t out[fuzz_v2_max_payload];
  int64_t n = fuzz_v2_encode(m, out, sizeof out);
  FUZZ_ASSERT(n == (int64_t)msg->hdr.payload_len);
  FUZZ_ASSERT(memcmp(out, msg->payload, (size_t)n) == 0);
}

static void check_reencode_v1(const fuzz_v1 *m, const rk_msg *msg) {
  uint8_t out[fuzz_v1_max_payload];
  int64_t n = fuzz_v1_encode(m, out, sizeof out);
  FUZZ_ASSERT(n == (int64_t)msg->hdr.payload_len);
  FUZZ_ASSERT(memcmp(out, msg->payload, (size_t)n) == 0);
}

static void check_schema(const rk_msg *msg) {
  fuzz_v1 m1;
  fuzz_v2 m2;
  memset(&m1, 0, sizeof m1);
  memset(&m2, 0, sizeof m2);
  int rc1 = fuzz_v1_decode_msg(msg, &m1);
  int rc2 = fuzz_v2_decode_msg(msg, &m2);
  FUZZ_ASSERT(rc1 == RK_OK || rc1 == RK_E_MALFORMED || rc1 == RK_E_UNKNOWN_TYPE);
  FUZZ_ASSERT(rc2 == RK_OK || rc2 == RK_E_MALFORMED || rc2 == RK_E_UNKNOWN_TYPE);
  if (rc1 == RK_OK) FUZZ_ASSERT(m1.arr_count <= 8);
  if (rc2 == RK_OK) FUZZ_ASSERT(m2.arr_count <= 8 && m2.tail_count <= 16);
  uint16_t ver = msg->hdr.schema_version;
  if (rc2 == RK_OK && ver >= fuzz_v2_schema) {
    FUZZ_ASSERT(rc1 == RK_OK && v1_equal(&m1, &m2));
    if (ver == fuzz_v2_schema) check_reencode_v2(&m2, msg);
  }
  if (rc1 == RK_OK && ver <= fuzz_v1_schema) {
    FUZZ_ASSERT(rc2 == RK_OK && v1_equal(&m1, &m2));
    FUZZ_ASSERT(m2.c == 42 && m2.tail_count == 0);
    if (ver == fuzz_v1_schema) check_reencode_v1(&m1, msg);
  }
}

/* A kernel handler that decodes what it is given with the newer reader. */
static int fuzz_handler(rk_ctx *ctx, const rk_msg *msg) {
  fuzz_v2 m;
  (void)ctx;
  return fuzz_v2_decode_msg(msg, &m);
}

/* Delivers the bytes through a queue slot to a worker context, the way a
 * CPU worker takes them from its inbox. */
static void check_dispatch(const uint8_t *data, size_t size) {
  static rk_queue *q;
  static const uint16_t accept[] = {fuzz_v2_type_id};
  enum { SLOT = RK_HEADER_SIZE + fuzz_v2_max_payload + 64 };
  if (size > SLOT) return;
  if (q == NULL && rk_queue_create(&q, 2, SLOT) != RK_OK) abort();
  rk_worker_stats stats;
  rk_kernel_control ctl;
  memset(&stats, 0, sizeof stats);
  memset(&ctl, 0, sizeof ctl);
  rk_ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.routes = &q;
  ctx.stats = &stats;
  ctx.ctl = &ctl;
  ctx.nkernels = 1;
  ctx.nworkers = 1;
  ctx.lanes = 1;
  ctx.accept = accept;
  ctx.naccept = 1;
  FUZZ_ASSERT(rk_queue_enqueue(q, data, (uint32_t)size, 0) == RK_OK);
  FUZZ_ASSERT(rk_dispatch_one(&ctx, q, fuzz_handler, 1) == RK_OK);
  FUZZ_ASSERT(stats.processed + stats.errors == 1);
  FUZZ_ASSERT(rk_queue_depth(q) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  /* A private copy sized exactly: ASan then flags any read past its end. */
  uint8_t *buf = malloc(size ? size : 1);
  if (buf == NULL) return 0;
  memcpy(buf, data, size);
  rk_msg msg;
  int rc = rk_msg_decode(buf, size, &msg);
  if (rc == RK_OK) {
    FUZZ_ASSERT(size >= RK_HEADER_SIZE);
    FUZZ_ASSERT(msg.hdr.payload_len <= size - RK_HEADER_SIZE);
    check_schema(&msg);
  } else {
    FUZZ_ASSERT(msg.payload == NULL);
    FUZZ_ASSERT(rc == RK_E_TRUNCATED || rc == RK_E_MAGIC || rc == RK_E_VERSION ||
                rc == RK_E_MALFORMED);
  }
  check_dispatch(buf, size);
  free(buf);
  return 0;
}
