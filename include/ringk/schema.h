/* schema.h - declare a message type once; get its struct, id, size and codec.
 *
 *   #define PING_FIELDS(F, A)        \
 *     F(uint32_t, round, 0)          \   scalar: type, name, default
 *     F(double,   value, 0.0)        \
 *     A(uint32_t, hops, 16)              bounded array: type, name, max count
 *   RK_MESSAGE(ping, 0x0101, 1, PING_FIELDS)
 *
 * yields `typedef struct ping {uint32_t round; double value;
 * uint32_t hops_count; uint32_t hops[16];} ping;`, the constants
 * ping_type_id, ping_schema, ping_max_payload and ping_max_size, the
 * functions ping_payload_size / ping_encode / ping_decode / ping_decode_msg
 * (RK_HD: the same code runs on the host and in CUDA device code), the host
 * codec ping_codec for the runtime's generic calls, and ping_send() for use
 * inside handlers. A kernel defined with lanes (kernel.h) has its warp's
 * lanes share the work with ping_decode_msg_lanes() and ping_send_lanes().
 *
 * Payload encoding: fields in declaration order, little-endian, no padding;
 * an array is a u32 count then count elements. Schema evolution: fields are
 * only ever appended, and a field added after version 1 names its version
 * as a last argument: F(double, weight, 0.0, 2), A(uint32_t, more, 8, 3).
 * A reader given an older message takes exactly the fields that message's
 * version has and gives the newer ones their defaults (an array: count 0);
 * given a newer message, it reads the fields it knows and skips the
 * trailing bytes. Anything else that does not add up (a field of the
 * message's version missing or cut, bytes left over in a message that is
 * not newer) is RK_E_MALFORMED. */
#ifndef RINGK_SCHEMA_H
#define RINGK_SCHEMA_H

#include "ringk/kernel.h"

/* Generic view of a message type, for host-side calls that take any type. */
typedef struct rk_msg_codec {
  uint16_t type_id;
  uint16_t schema_version;
  uint32_t max_payload;
  const char *name;
  int64_t (*payload_size)(const void *msg); /* < 0: a count exceeds its max */
  void (*write)(const void *msg, uint8_t *dst); /* after payload_size */
} rk_msg_codec;

/* A field's arguments after its name: the default (scalar) or maximum count
 * (array), then optionally the version that added it (default 1). */
#define RK_ARG1_(a, ...) a
#define RK_ARG2_(a, b, ...) b
#define RK_FIRST_(...) RK_ARG1_(__VA_ARGS__, 0)
#define RK_SINCE_(...) RK_ARG2_(__VA_ARGS__, 1, 1)

#define RK_SF_MEMBER_(T, f, ...) T f;
#define RK_SA_MEMBER_(T, f, ...) uint32_t f##_count; T f[RK_FIRST_(__VA_ARGS__)];
#define RK_SF_MAX_(T, f, ...) +sizeof(T)
#define RK_SA_MAX_(T, f, ...) +4u + (RK_FIRST_(__VA_ARGS__)) * sizeof(T)
#define RK_SF_SIZE_(T, f, ...) n += sizeof(T);
#define RK_SA_SIZE_(T, f, ...)                                                \
  if (m->f##_count > (RK_FIRST_(__VA_ARGS__))) return RK_E_RANGE;             \
  n += 4u + (int64_t)m->f##_count * (int64_t)sizeof(T);
/* Writers and readers run in functions with `lane_` and `lanes_` in scope:
 * lane 0 of 1 for the plain forms; in the lanes forms each of a warp's
 * lanes moves every lanes_-th element of each array and lane 0 the rest. */
#define RK_COPY_ELEMS_(T, dst, src, count)                                    \
  if (lanes_ == 1) {                                                          \
    rk_copy_bytes(dst, src, (size_t)(count) * sizeof(T));                     \
  } else {                                                                    \
    for (uint32_t i_ = lane_; i_ < (count); i_ += lanes_)                     \
      memcpy((uint8_t *)(dst) + (size_t)i_ * sizeof(T),                       \
             (const uint8_t *)(src) + (size_t)i_ * sizeof(T), sizeof(T));     \
  }
#define RK_SF_WRITE_(T, f, ...)                                               \
  if (lane_ == 0) memcpy(p, &m->f, sizeof(T));                                \
  p += sizeof(T);
#define RK_SA_WRITE_(T, f, ...)                                               \
  if (lane_ == 0) memcpy(p, &m->f##_count, 4);                                \
  p += 4;                                                                     \
  RK_COPY_ELEMS_(T, p, m->f, m->f##_count)                                    \
  p += (size_t)m->f##_count * sizeof(T);
/* Readers: len - off is never negative. A field newer than the message
 * takes its default and must be absent (the end check sees to that). */
#define RK_SF_READ_(T, f, ...)                                                \
  if (RK_SINCE_(__VA_ARGS__) > schema_version) {                              \
    if (lane_ == 0) out->f = (RK_FIRST_(__VA_ARGS__));                        \
  } else if (len - off >= sizeof(T)) {                                        \
    if (lane_ == 0) memcpy(&out->f, src + off, sizeof(T));                    \
    off += sizeof(T);                                                         \
  } else {                                                                    \
    return RK_E_MALFORMED;                                                    \
  }
#define RK_SA_READ_(T, f, ...)                                                \
  if (RK_SINCE_(__VA_ARGS__) > schema_version) {                              \
    if (lane_ == 0) out->f##_count = 0;                                       \
  } else {                                                                    \
    uint32_t c_;                                                              \
    if (len - off < 4) return RK_E_MALFORMED;                                 \
    memcpy(&c_, src + off, 4); off += 4;                                      \
    if (c_ > (RK_FIRST_(__VA_ARGS__)) ||                                      \
        (uint64_t)(len - off) < (uint64_t)c_ * sizeof(T))                     \
      return RK_E_MALFORMED;                                                  \
    RK_COPY_ELEMS_(T, out->f, src + off, c_)                                  \
    if (lane_ == 0) out->f##_count = c_;                                      \
    off += c_ * (uint32_t)sizeof(T);                                          \
  }

/* The generated functions are marked unused: a file declaring a message
 * rarely calls all of them, and clang's -Wunused-function flags unused
 * static inline functions defined in a .c file (GCC only in headers). */
#define RK_MSG_FN_ RK_INLINE RK_UNUSED

#define RK_MESSAGE(name, type_id_, version_, FIELDS)                          \
  typedef struct name { FIELDS(RK_SF_MEMBER_, RK_SA_MEMBER_) } name;          \
  enum {                                                                      \
    name##_type_id = (type_id_),                                              \
    name##_schema = (version_),                                               \
    name##_max_payload = (int)(0 FIELDS(RK_SF_MAX_, RK_SA_MAX_)),             \
    name##_max_size = (int)RK_HEADER_SIZE + name##_max_payload                \
  };                                                                          \
  /* Exact encoded payload size, or RK_E_RANGE if an array count > max. */    \
  RK_MSG_FN_ int64_t name##_payload_size(const name *m) {                      \
    int64_t n = 0;                                                            \
    (void)m; /* unused when every field is a scalar */                        \
    FIELDS(RK_SF_SIZE_, RK_SA_SIZE_)                                          \
    return n;                                                                 \
  }                                                                           \
  /* Writes the payload (lane_ of lanes_ does its share); the caller       \
   * checked name##_payload_size first. */                                  \
  RK_MSG_FN_ void name##_write_lanes_(const name *m, uint8_t *p, uint32_t lane_,\
                                      uint32_t lanes_) {                      \
    (void)lane_;                                                              \
    (void)lanes_;                                                             \
    FIELDS(RK_SF_WRITE_, RK_SA_WRITE_)                                        \
    (void)p;                                                                  \
  }                                                                           \
  RK_MSG_FN_ void name##_write(const name *m, uint8_t *p) {                   \
    name##_write_lanes_(m, p, 0, 1);                                          \
  }                                                                           \
  /* Encodes into dst (cap bytes); returns the payload length or an error. */ \
  RK_MSG_FN_ int64_t name##_encode(const name *m, uint8_t *dst, uint32_t cap) {\
    int64_t n = name##_payload_size(m);                                       \
    if (n < 0) return n;                                                      \
    if (n > (int64_t)cap) return RK_E_OVERSIZE;                               \
    name##_write(m, dst);                                                     \
    return n;                                                                 \
  }                                                                           \
  RK_MSG_FN_ int name##_decode_lanes_(const uint8_t *src, uint32_t len,       \
                                     uint16_t schema_version, name *out,      \
                                     uint32_t lane_, uint32_t lanes_) {       \
    uint32_t off = 0;                                                         \
    (void)lane_;                                                              \
    (void)lanes_;                                                             \
    if (src == NULL && len != 0) return RK_E_INVAL;                           \
    FIELDS(RK_SF_READ_, RK_SA_READ_)                                          \
    if (off != len && schema_version <= (version_)) return RK_E_MALFORMED;    \
    return RK_OK;                                                             \
  }                                                                           \
  /* Decodes len untrusted payload bytes written with schema_version. */      \
  RK_MSG_FN_ int name##_decode(const uint8_t *src, uint32_t len,              \
                              uint16_t schema_version, name *out) {           \
    return name##_decode_lanes_(src, len, schema_version, out, 0, 1);         \
  }                                                                           \
  /* Decodes a received message, checking that it is of this type. */        \
  RK_MSG_FN_ int name##_decode_msg(const rk_msg *msg, name *out) {            \
    if (msg->hdr.type_id != (type_id_)) return RK_E_UNKNOWN_TYPE;             \
    return name##_decode(msg->payload, msg->hdr.payload_len,                  \
                         msg->hdr.schema_version, out);                       \
  }                                                                           \
  /* The same, by every lane of a kernel with lanes into out in memory they  \
   * share (ctx->scratch), each lane copying a share of the arrays; out is   \
   * complete on every lane when it returns. Elsewhere name##_decode_msg. */ \
  RK_MSG_FN_ int name##_decode_msg_lanes(const rk_ctx *ctx, const rk_msg *msg,\
                                         name *out) {                         \
    if (rk_lanes(ctx) == 1) return name##_decode_msg(msg, out);               \
    if (msg->hdr.type_id != (type_id_)) return RK_E_UNKNOWN_TYPE;             \
    int rc = name##_decode_lanes_(msg->payload, msg->hdr.payload_len,         \
                                  msg->hdr.schema_version, out, rk_lane(ctx), \
                                  rk_lanes(ctx));                             \
    rk_lanes_sync(ctx);                                                       \
    return rc;                                                                \
  }                                                                           \
  /* Sends m to kernel `target` (or RK_ADDR_HOST) from inside a handler,     \
   * encoding it straight into the receiver's queue slot. */                 \
  RK_MSG_FN_ int name##_send(rk_ctx *ctx, uint32_t target, const name *m) {   \
    int64_t n = name##_payload_size(m);                                       \
    rk_send_ref ref;                                                          \
    int rc = n < 0 ? (int)n                                                   \
                   : rk_send_begin(ctx, target, (type_id_), (version_),       \
                                   (uint64_t)n, &ref);                        \
    if (rc != RK_OK) return rc;                                               \
    name##_write(m, ref.payload);                                             \
    rk_send_commit(ctx, &ref);                                                \
    return RK_OK;                                                             \
  }                                                                           \
  /* The same, by every lane of a kernel with lanes, m in memory they share: \
   * one message, lane 0 claiming the slot and every lane writing a share of \
   * the arrays into it. The same result on every lane. */                  \
  RK_MSG_FN_ int name##_send_lanes(rk_ctx *ctx, uint32_t target, const name *m) {\
    if (rk_lanes(ctx) == 1) return name##_send(ctx, target, m);               \
    int64_t n = name##_payload_size(m);                                       \
    rk_send_ref ref;                                                          \
    memset(&ref, 0, sizeof ref);                                             \
    int rc = n < 0 ? (int)n : RK_OK;                                          \
    if (rc == RK_OK && rk_lane(ctx) == 0)                                     \
      rc = rk_send_begin(ctx, target, (type_id_), (version_), (uint64_t)n, &ref);\
    rc = rk_lanes_first_i32(ctx, rc);                                         \
    if (rc != RK_OK) return rc;                                               \
    name##_write_lanes_(m, (uint8_t *)rk_lanes_first_ptr(ctx, ref.payload),   \
                        rk_lane(ctx), rk_lanes(ctx));                         \
    rk_lanes_release(ctx);                                                    \
    if (rk_lane(ctx) == 0) rk_send_commit(ctx, &ref);                         \
    return RK_OK;                                                             \
  }                                                                           \
  static inline int64_t name##_size_any_(const void *m) {                     \
    return name##_payload_size((const name *)m);                              \
  }                                                                           \
  static inline void name##_write_any_(const void *m, uint8_t *p) {           \
    name##_write((const name *)m, p);                                         \
  }                                                                           \
  static const rk_msg_codec name##_codec RK_UNUSED = {                        \
      (type_id_), (version_), (uint32_t)name##_max_payload, #name,            \
      name##_size_any_, name##_write_any_}

#endif /* RINGK_SCHEMA_H */
