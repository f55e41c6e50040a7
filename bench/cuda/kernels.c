/* kernels.c - the ring kernels rk_bench_cuda measures (see bench_cuda.h).
 *
 * Listed through rk_kernel_sources, so nvcc compiles it and RK_KERNEL_DEFINE
 * emits each kernel's persistent GPU loop. Handlers keep small frames: the
 * stack of every resident grid is reserved at launch, so a 4 KiB message is
 * written straight into its slot (rk_send_begin/rk_send_commit), never built
 * in a struct, and the sink checks a message without decoding it whole. */
#include "bench_cuda.h"

/* Answers a kernel's ping to that kernel (the header's sender) and the
 * host's to the state's peer. The state, in device memory, is read only
 * for the host's ping and written after the send: a handler that read it
 * first would put a round trip to L2 into every hop, and one that stored
 * first would make the send's release wait for the store, which is the
 * handler's cost and not the runtime's that this kernel is here to time. */
RK_HD static int bk_bounce_handler(rk_ctx *ctx, const rk_msg *msg) {
  bk_ping m;
  int rc = bk_ping_decode_msg(msg, &m);
  if (rc != RK_OK) return rc;
  bk_stamp at;
  bk_stamp_now(&at);
  bk_bounce_state *s = RK_STATE(ctx, bk_bounce_state);
  uint64_t hop = m.hop++;
  uint32_t to = m.hop >= m.last ? RK_ADDR_HOST
              : msg->hdr.sender < ctx->nkernels ? msg->hdr.sender : s->peer;
  rc = bk_ping_send(ctx, to, &m);
  if (s->stamps != NULL && hop / 2 < s->nstamps) s->stamps[hop / 2] = at;
  s->smid = bk_smid();
  return rc;
}

/* Writes a bk_m<N> payload of len bytes (a multiple of 16) at p: the u32
 * count, then bytes. p is 16-byte aligned (slots are RK_SLOT_ALIGN-aligned
 * and the header is 48 bytes), so the GPU stores 16 bytes at a time. */
RK_HD static void bk_fill(uint8_t *p, uint32_t len, uint32_t word) {
  for (uint32_t off = 0; off < len; off += 16) {
    uint32_t first = off == 0 ? len - 4 : word;
#if defined(__CUDA_ARCH__)
    *(uint4 *)(p + off) = make_uint4(first, word, word, word);
#else
    uint32_t v[4] = {first, word, word, word};
    memcpy(p + off, v, sizeof v);
#endif
  }
}

RK_HD static int bk_burst(rk_ctx *ctx, const bk_go *g) {
  for (uint32_t i = 0; i < g->burst; i++) {
    rk_send_ref ref;
    int rc = rk_send_begin(ctx, g->target, (uint16_t)g->type_id, 1, g->payload, &ref);
    if (rc != RK_OK) return rc;
    bk_fill(ref.payload, g->payload, (uint32_t)ctx->next_seq);
    rk_send_commit(ctx, &ref);
  }
  return RK_OK;
}

RK_HD static int bk_source_handler(rk_ctx *ctx, const rk_msg *msg) {
  bk_go g;
  int rc = bk_go_decode_msg(msg, &g);
  if (rc != RK_OK) return rc;
  /* A refused send (counted by the runtime) ends the burst, not the token. */
  rc = bk_burst(ctx, &g);
  /* The token goes back through the inbox rather than looping here, so that
   * whichever warp is idle picks it up. The inbox has room for twice the
   * tokens (a token's own slot is freed only after this handler returns),
   * so this send is never refused for want of room. */
  int again = bk_go_send(ctx, ctx->kernel_id, &g);
  return rc != RK_OK ? rc : again;
}

/* Checks that the payload's count matches its length: reads the slot, as a
 * consumer would, without copying 4 KiB into a struct on the stack. */
RK_HD static int bk_sink_handler(rk_ctx *ctx, const rk_msg *msg) {
  (void)ctx;
  uint32_t count;
  if (msg->hdr.payload_len < sizeof count) return RK_E_MALFORMED;
  memcpy(&count, msg->payload, sizeof count);
  return count + sizeof count == msg->hdr.payload_len ? RK_OK : RK_E_MALFORMED;
}

RK_KERNEL_DEFINE(bk_bounce, bk_bounce_handler, &bk_ping_codec);
RK_GROUP_DEFINE(bk_pair, bk_bounce, bk_bounce);
RK_KERNEL_DEFINE(bk_source, bk_source_handler, &bk_go_codec);
RK_KERNEL_DEFINE(bk_sink16, bk_sink_handler, &bk_m16_codec);
RK_KERNEL_DEFINE(bk_sink64, bk_sink_handler, &bk_m64_codec);
RK_KERNEL_DEFINE(bk_sink256, bk_sink_handler, &bk_m256_codec);
RK_KERNEL_DEFINE(bk_sink1k, bk_sink_handler, &bk_m1k_codec);
RK_KERNEL_DEFINE(bk_sink4k, bk_sink_handler, &bk_m4k_codec);
