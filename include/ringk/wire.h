/* wire.h - the fixed message header every ringk message starts with.
 *
 * A message is a 48-byte little-endian header followed by payload_len bytes
 * of payload encoded by the type's schema (schema.h). The header layout is
 * pinned with static asserts because the CPU, the GPU and files written by
 * other builds must agree on it byte for byte. Decoding treats its input as
 * untrusted: every length is checked before it is used. */
#ifndef RINGK_WIRE_H
#define RINGK_WIRE_H

#include "ringk/error.h"
#include "ringk/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RK_WIRE_MAGIC 0x4B52u     /* "RK" read as a little-endian u16 */
#define RK_WIRE_VERSION 1u
#define RK_HEADER_SIZE 48u
#define RK_ADDR_HOST 0xFFFFFFFFu  /* sender/receiver id of the host */

/* Header flags. Unknown bits are rejected so that a future meaning cannot be
 * silently ignored by an old reader. */
#define RK_FLAG_REPLY 0x01u       /* corr_id names the message this answers */
#define RK_FLAG_KNOWN_MASK 0x01u

typedef struct rk_msg_header {
  uint16_t magic;          /* RK_WIRE_MAGIC */
  uint8_t version;         /* RK_WIRE_VERSION */
  uint8_t flags;           /* RK_FLAG_* */
  uint16_t type_id;        /* message type, from the schema */
  uint16_t schema_version; /* version of that type's field list */
  uint32_t sender;         /* kernel id or RK_ADDR_HOST */
  uint32_t receiver;       /* kernel id or RK_ADDR_HOST */
  uint32_t payload_len;    /* bytes after the header */
  uint32_t reserved;       /* zero on the wire */
  uint64_t seq;            /* per-producer sequence: (worker << 48) | count */
  uint64_t corr_id;        /* correlation id chosen by the application */
  uint64_t timestamp_ns;   /* sender's clock, 0 when not stamped */
} rk_msg_header;

RK_STATIC_ASSERT(sizeof(rk_msg_header) == RK_HEADER_SIZE, "header is 48 bytes");
RK_STATIC_ASSERT(offsetof(rk_msg_header, type_id) == 4, "type_id at 4");
RK_STATIC_ASSERT(offsetof(rk_msg_header, sender) == 8, "sender at 8");
RK_STATIC_ASSERT(offsetof(rk_msg_header, payload_len) == 16, "payload_len at 16");
RK_STATIC_ASSERT(offsetof(rk_msg_header, seq) == 24, "seq at 24");
RK_STATIC_ASSERT(offsetof(rk_msg_header, timestamp_ns) == 40, "timestamp at 40");

/* A decoded message as handlers and host receivers see it: the header by
 * value and the payload in place (inside the queue slot). */
typedef struct rk_msg {
  rk_msg_header hdr;
  const uint8_t *payload;
} rk_msg;

RK_INLINE void rk_header_init(rk_msg_header *h, uint16_t type_id,
                              uint16_t schema_version, uint32_t payload_len) {
  memset(h, 0, sizeof *h);
  h->magic = RK_WIRE_MAGIC;
  h->version = RK_WIRE_VERSION;
  h->type_id = type_id;
  h->schema_version = schema_version;
  h->payload_len = payload_len;
}

/* Copies a header's 48 bytes. On the GPU, slots are 16-byte aligned and a
 * header struct 8-byte: six 8-byte moves, all loads in flight at once (one
 * round trip to wherever the bytes are). */
RK_INLINE void rk_header_copy(void *dst, const void *src) {
#if defined(__CUDA_ARCH__)
  if ((((uintptr_t)dst | (uintptr_t)src) & 7u) == 0) {
    uint64_t v[RK_HEADER_SIZE / 8];
    for (unsigned i = 0; i < RK_HEADER_SIZE / 8; i++) v[i] = ((const uint64_t *)src)[i];
    for (unsigned i = 0; i < RK_HEADER_SIZE / 8; i++) ((uint64_t *)dst)[i] = v[i];
    return;
  }
#endif
  memcpy(dst, src, RK_HEADER_SIZE);
}

RK_INLINE void rk_header_encode(const rk_msg_header *h, uint8_t *dst) {
  rk_header_copy(dst, h);
}

/* Validates and decodes the header at buf, which holds len readable bytes.
 * On success the payload is buf[RK_HEADER_SIZE .. RK_HEADER_SIZE+payload_len). */
RK_INLINE int rk_header_decode(const uint8_t *buf, size_t len, rk_msg_header *h) {
  if (buf == NULL || h == NULL) return RK_E_INVAL;
  if (len < RK_HEADER_SIZE) return RK_E_TRUNCATED;
  rk_header_copy(h, buf);
  if (h->magic != RK_WIRE_MAGIC) return RK_E_MAGIC;
  if (h->version != RK_WIRE_VERSION) return RK_E_VERSION;
  if ((h->flags & ~RK_FLAG_KNOWN_MASK) != 0 || h->reserved != 0) return RK_E_MALFORMED;
  /* len >= RK_HEADER_SIZE here, so the subtraction cannot wrap. */
  if (h->payload_len > len - RK_HEADER_SIZE) return RK_E_TRUNCATED;
  return RK_OK;
}

/* Decodes a whole message in place: header checked, payload pointed to. */
RK_INLINE int rk_msg_decode(const uint8_t *buf, size_t len, rk_msg *m) {
  int rc = rk_header_decode(buf, len, &m->hdr);
  m->payload = rc == RK_OK ? buf + RK_HEADER_SIZE : NULL;
  return rc;
}

#ifdef __cplusplus
}
#endif
#endif /* RINGK_WIRE_H */
