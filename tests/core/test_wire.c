/* test_wire.c - the wire format: header layout and validation, RK_MESSAGE
 * codecs (round trips, every encode and decode error, schema evolution both
 * ways), error names, and a randomized decoder run over mutated bytes.
 *
 * Every buffer handed to a decoder is allocated at exactly the length the
 * decoder is told, so an out-of-bounds read is an ASan report, not luck. */
#include <float.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "ringk/schema.h"
#include "testutil.h"

/* ---- message types under test ------------------------------------------ */

#define WT_SCALARS_FIELDS(F, A)                                               \
  F(uint8_t, u8, 7)                                                           \
  F(uint16_t, u16, 0)                                                         \
  F(int32_t, i32, -5)                                                         \
  F(uint64_t, u64, 0)                                                         \
  F(float, f32, 1.5f)                                                         \
  F(double, f64, 0.25)
RK_MESSAGE(wt_scalars, 0x0F01, 1, WT_SCALARS_FIELDS);

#define WT_ARRAYS_FIELDS(F, A)                                                \
  F(uint32_t, id, 0)                                                          \
  A(uint32_t, nbr, 8)                                                         \
  A(double, w, 4)                                                             \
  F(uint16_t, tail, 0)
RK_MESSAGE(wt_arrays, 0x0F02, 1, WT_ARRAYS_FIELDS);

/* Two versions of one message: v2 appends a scalar, an array, a scalar. */
#define WT_POINT_V1_FIELDS(F, A)                                              \
  F(uint32_t, x, 0)                                                           \
  A(uint16_t, tags, 4)
RK_MESSAGE(wt_point_v1, 0x0F03, 1, WT_POINT_V1_FIELDS);

#define WT_POINT_V2_FIELDS(F, A)                                              \
  F(uint32_t, x, 0)                                                           \
  A(uint16_t, tags, 4)                                                        \
  F(double, weight, 2.5, 2)                                                   \
  A(uint32_t, extra, 3, 2)                                                    \
  F(int16_t, z, -9, 2)
RK_MESSAGE(wt_point_v2, 0x0F03, 2, WT_POINT_V2_FIELDS);

/* ---- helpers ------------------------------------------------------------ */

/* A heap copy of n bytes, sized exactly, so ASan sees any overread. */
static uint8_t *exact_copy(const void *src, size_t n) {
  uint8_t *p = malloc(n ? n : 1);
  if (p == NULL) abort();
  if (n) memcpy(p, src, n);
  return p;
}

static uint32_t get_u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static void put_u32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* A valid header of the given type with every field set to a distinct
 * value, so that a misplaced field shows up in a byte comparison. */
static rk_msg_header sample_header(uint16_t type_id, uint16_t version, uint32_t plen) {
  rk_msg_header h;
  rk_header_init(&h, type_id, version, plen);
  h.flags = RK_FLAG_REPLY;
  h.sender = 0x11223344u;
  h.receiver = RK_ADDR_HOST;
  h.seq = 0x0102030405060708ull;
  h.corr_id = 0xA1A2A3A4A5A6A7A8ull;
  h.timestamp_ns = 0xF0E0D0C0B0A09080ull;
  return h;
}

/* Writes a header and n payload bytes to buf; returns the message length. */
static size_t build_msg(uint8_t *buf, uint16_t type_id, uint16_t version,
                        const uint8_t *payload, uint32_t n) {
  rk_msg_header h = sample_header(type_id, version, n);
  rk_header_encode(&h, buf);
  memcpy(buf + RK_HEADER_SIZE, payload, n);
  return RK_HEADER_SIZE + n;
}

/* rk_header_decode on an exact-size heap copy of n bytes of buf. */
static int decode_header_exact(const uint8_t *buf, size_t n, rk_msg_header *h) {
  uint8_t *p = exact_copy(buf, n);
  int rc = rk_header_decode(p, n, h);
  free(p);
  return rc;
}

/* ---- header ------------------------------------------------------------- */

static void test_header_round_trip(void) {
  rk_msg_header h = sample_header(0xBEEF, 0x0203, 5), d;
  uint8_t buf[RK_HEADER_SIZE + 5] = {0};
  rk_header_encode(&h, buf);
  CHECK_OK(decode_header_exact(buf, sizeof buf, &d));
  CHECK(memcmp(&h, &d, sizeof h) == 0);

  /* The byte layout is the contract with other builds and the GPU. */
  static const uint8_t expect[RK_HEADER_SIZE] = {
      0x52, 0x4B, 1, RK_FLAG_REPLY, 0xEF, 0xBE, 0x03, 0x02,     /* magic ver flags type schema */
      0x44, 0x33, 0x22, 0x11, 0xFF, 0xFF, 0xFF, 0xFF,           /* sender receiver */
      5, 0, 0, 0, 0, 0, 0, 0,                                   /* payload_len reserved */
      8, 7, 6, 5, 4, 3, 2, 1,                                   /* seq */
      0xA8, 0xA7, 0xA6, 0xA5, 0xA4, 0xA3, 0xA2, 0xA1,           /* corr_id */
      0x80, 0x90, 0xA0, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0};          /* timestamp */
  CHECK(memcmp(buf, expect, sizeof expect) == 0);

  rk_msg m;
  CHECK_OK(rk_msg_decode(buf, sizeof buf, &m));
  CHECK(m.payload == buf + RK_HEADER_SIZE);
  CHECK_EQ_INT(m.hdr.payload_len, 5);
}

static void test_header_errors(void) {
  uint8_t buf[RK_HEADER_SIZE + 16];
  rk_msg_header good = sample_header(1, 1, 16), h;
  rk_header_encode(&good, buf);
  memset(buf + RK_HEADER_SIZE, 0xAB, 16);

  CHECK_EQ_INT(rk_header_decode(NULL, sizeof buf, &h), RK_E_INVAL);
  CHECK_EQ_INT(rk_header_decode(buf, sizeof buf, NULL), RK_E_INVAL);
  for (size_t n = 0; n < RK_HEADER_SIZE; n++)
    CHECK_EQ_INT(decode_header_exact(buf, n, &h), RK_E_TRUNCATED);

  uint8_t bad[sizeof buf];
  for (int i = 0; i < 2; i++) { /* either magic byte wrong */
    memcpy(bad, buf, sizeof buf);
    bad[i] ^= 0x20;
    CHECK_EQ_INT(decode_header_exact(bad, sizeof bad, &h), RK_E_MAGIC);
  }
  static const uint8_t versions[] = {0, 2, 0x7F, 0xFF};
  for (size_t i = 0; i < sizeof versions; i++) {
    memcpy(bad, buf, sizeof buf);
    bad[2] = versions[i];
    CHECK_EQ_INT(decode_header_exact(bad, sizeof bad, &h), RK_E_VERSION);
    bad[0] = 0; /* magic is checked first */
    CHECK_EQ_INT(decode_header_exact(bad, sizeof bad, &h), RK_E_MAGIC);
  }
  static const uint8_t flags[] = {0x02, 0x03, 0x80, 0xFF};
  for (size_t i = 0; i < sizeof flags; i++) {
    memcpy(bad, buf, sizeof buf);
    bad[3] = flags[i];
    CHECK_EQ_INT(decode_header_exact(bad, sizeof bad, &h), RK_E_MALFORMED);
  }
  for (int i = 0; i < 4; i++) { /* any nonzero byte of reserved */
    memcpy(bad, buf, sizeof buf);
    bad[offsetof(rk_msg_header, reserved) + (size_t)i] = 1;
    CHECK_EQ_INT(decode_header_exact(bad, sizeof bad, &h), RK_E_MALFORMED);
  }

  /* payload_len against the bytes present, up to values that would wrap
   * a 32-bit "header + payload" sum. */
  static const uint32_t lens[] = {17, 64, 0x7FFFFFFFu, 0x80000000u,
                                  UINT32_MAX - RK_HEADER_SIZE,
                                  UINT32_MAX - RK_HEADER_SIZE + 1, UINT32_MAX};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    memcpy(bad, buf, sizeof buf);
    put_u32(bad + offsetof(rk_msg_header, payload_len), lens[i]);
    CHECK_EQ_INT(decode_header_exact(bad, sizeof bad, &h), RK_E_TRUNCATED);
  }
  for (uint32_t n = 0; n <= 16; n++) { /* shorter payloads are fine */
    memcpy(bad, buf, sizeof buf);
    put_u32(bad + offsetof(rk_msg_header, payload_len), n);
    CHECK_OK(decode_header_exact(bad, RK_HEADER_SIZE + n, &h));
  }
  /* A short buffer: the header claims 16 bytes, 15 are there. */
  CHECK_EQ_INT(decode_header_exact(buf, sizeof buf - 1, &h), RK_E_TRUNCATED);

  rk_msg m;
  memcpy(bad, buf, sizeof buf);
  bad[2] = 9;
  CHECK_EQ_INT(rk_msg_decode(bad, sizeof bad, &m), RK_E_VERSION);
  CHECK(m.payload == NULL);
}

/* ---- scalar and array messages ------------------------------------------ */

static void test_scalars_round_trip(void) {
  CHECK_EQ_INT(wt_scalars_max_payload, 1 + 2 + 4 + 8 + 4 + 8);
  CHECK_EQ_INT(wt_scalars_max_size, RK_HEADER_SIZE + 27);
  wt_scalars in = {0xFE, 0xBEEF, INT32_MIN, UINT64_MAX, -FLT_MAX, DBL_MIN / 4};
  uint8_t buf[27];
  CHECK_EQ_INT(wt_scalars_encode(&in, buf, sizeof buf), 27);
  /* Declaration order, little-endian, no padding. */
  CHECK_EQ_INT(buf[0], 0xFE);
  CHECK_EQ_INT(buf[1], 0xEF);
  CHECK_EQ_INT(buf[2], 0xBE);
  CHECK_EQ_INT(get_u32(buf + 3), 0x80000000u);
  CHECK_EQ_INT(buf[7], 0xFF);
  CHECK_EQ_INT(buf[14], 0xFF);

  uint8_t *p = exact_copy(buf, sizeof buf);
  wt_scalars out;
  memset(&out, 0x5A, sizeof out);
  CHECK_OK(wt_scalars_decode(p, sizeof buf, 1, &out));
  free(p);
  CHECK_EQ_INT(out.u8, in.u8);
  CHECK_EQ_INT(out.u16, in.u16);
  CHECK_EQ_INT(out.i32, in.i32);
  CHECK(out.u64 == in.u64);
  CHECK(out.f32 == in.f32);
  CHECK(out.f64 == in.f64);

  /* A version-0 message has none of the fields: all take their defaults. */
  CHECK_OK(wt_scalars_decode(NULL, 0, 0, &out));
  CHECK_EQ_INT(out.u8, 7);
  CHECK_EQ_INT(out.i32, -5);
  CHECK(out.f32 == 1.5f && out.f64 == 0.25);
  CHECK_EQ_INT(wt_scalars_decode(NULL, 1, 1, &out), RK_E_INVAL);
  CHECK_EQ_INT(wt_scalars_decode(NULL, 0, 1, &out), RK_E_MALFORMED);
}

static wt_arrays sample_arrays(uint32_t nnbr, uint32_t nw) {
  wt_arrays m;
  memset(&m, 0, sizeof m);
  m.id = 0xCAFEF00Du;
  m.nbr_count = nnbr;
  for (uint32_t i = 0; i < nnbr; i++) m.nbr[i] = 1000u + i;
  m.w_count = nw;
  for (uint32_t i = 0; i < nw; i++) m.w[i] = 0.5 * i - 1.0;
  m.tail = 0x7E57;
  return m;
}

static int arrays_equal(const wt_arrays *a, const wt_arrays *b) {
  return a->id == b->id && a->tail == b->tail && a->nbr_count == b->nbr_count &&
         a->w_count == b->w_count &&
         memcmp(a->nbr, b->nbr, a->nbr_count * sizeof a->nbr[0]) == 0 &&
         memcmp(a->w, b->w, a->w_count * sizeof a->w[0]) == 0;
}

/* Size of an encoded wt_arrays with the given counts. */
static uint32_t arrays_len(uint32_t nnbr, uint32_t nw) { return 4 + 4 + 4 * nnbr + 4 + 8 * nw + 2; }

static void test_arrays_round_trip(void) {
  CHECK_EQ_INT(wt_arrays_max_payload, (int)arrays_len(8, 4));
  static const uint32_t counts[][2] = {{0, 0}, {1, 0}, {0, 1}, {3, 2}, {8, 4}};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
    wt_arrays in = sample_arrays(counts[i][0], counts[i][1]), out;
    uint32_t n = arrays_len(counts[i][0], counts[i][1]);
    uint8_t buf[wt_arrays_max_payload];
    CHECK_EQ_INT(wt_arrays_payload_size(&in), n);
    CHECK_EQ_INT(wt_arrays_encode(&in, buf, sizeof buf), n);
    CHECK_EQ_INT(get_u32(buf + 4), counts[i][0]); /* count precedes elements */
    uint8_t *p = exact_copy(buf, n);
    memset(&out, 0x5A, sizeof out);
    CHECK_OK(wt_arrays_decode(p, n, 1, &out));
    CHECK(arrays_equal(&in, &out));
    free(p);
  }

  /* The codec is the same functions seen through the generic table. */
  wt_arrays in = sample_arrays(5, 3);
  uint8_t a[wt_arrays_max_payload], b[wt_arrays_max_payload];
  CHECK_EQ_INT(wt_arrays_codec.type_id, 0x0F02);
  CHECK_EQ_INT(wt_arrays_codec.schema_version, 1);
  CHECK_EQ_INT(wt_arrays_codec.max_payload, wt_arrays_max_payload);
  CHECK(strcmp(wt_arrays_codec.name, "wt_arrays") == 0);
  CHECK_EQ_INT(wt_arrays_codec.payload_size(&in), arrays_len(5, 3));
  wt_arrays_codec.write(&in, a);
  CHECK_EQ_INT(wt_arrays_encode(&in, b, sizeof b), arrays_len(5, 3));
  CHECK(memcmp(a, b, arrays_len(5, 3)) == 0);
}

static void test_encode_errors(void) {
  uint8_t buf[wt_arrays_max_payload + 8];
  wt_arrays m = sample_arrays(8, 4);
  m.nbr_count = 9;
  CHECK_EQ_INT(wt_arrays_payload_size(&m), RK_E_RANGE);
  CHECK_EQ_INT(wt_arrays_encode(&m, buf, sizeof buf), RK_E_RANGE);
  m.nbr_count = UINT32_MAX;
  CHECK_EQ_INT(wt_arrays_encode(&m, buf, sizeof buf), RK_E_RANGE);
  m = sample_arrays(8, 4);
  m.w_count = 5;
  CHECK_EQ_INT(wt_arrays_encode(&m, buf, sizeof buf), RK_E_RANGE);
  CHECK_EQ_INT(wt_arrays_codec.payload_size(&m), RK_E_RANGE);

  /* cap one short: refused, and nothing is written. */
  m = sample_arrays(3, 1);
  uint32_t n = arrays_len(3, 1);
  memset(buf, 0xEE, sizeof buf);
  CHECK_EQ_INT(wt_arrays_encode(&m, buf, n - 1), RK_E_OVERSIZE);
  CHECK_EQ_INT(wt_arrays_encode(&m, buf, 0), RK_E_OVERSIZE);
  CHECK(buf[0] == 0xEE && buf[n - 1] == 0xEE);
  CHECK_EQ_INT(wt_arrays_encode(&m, buf, n), n);
  CHECK(buf[n] == 0xEE);
}

static void test_decode_errors(void) {
  wt_arrays in = sample_arrays(3, 2), out;
  uint32_t n = arrays_len(3, 2);
  uint8_t buf[wt_arrays_max_payload + 4];
  CHECK_EQ_INT(wt_arrays_encode(&in, buf, sizeof buf), n);

  /* Every strict prefix of a same-version message is malformed: it ends
   * mid-field or before a field the writer's version has. */
  for (uint32_t len = 0; len < n; len++) {
    uint8_t *p = exact_copy(buf, len);
    CHECK_EQ_INT(wt_arrays_decode(p, len, 1, &out), RK_E_MALFORMED);
    free(p);
  }
  /* Trailing bytes in a message of the reader's own version. */
  buf[n] = 0;
  uint8_t *p = exact_copy(buf, n + 1);
  CHECK_EQ_INT(wt_arrays_decode(p, n + 1, 1, &out), RK_E_MALFORMED);
  free(p);

  /* Array counts over the maximum, including ones whose byte size wraps
   * 32 bits (0x20000000 * 8 == 0 mod 2^32) and 64-bit-looking sizes. */
  static const uint32_t bad_counts[] = {9, 0x10000u, 0x20000000u, 0x40000001u,
                                        0x80000000u, UINT32_MAX - 1, UINT32_MAX};
  for (size_t i = 0; i < sizeof bad_counts / sizeof bad_counts[0]; i++) {
    uint8_t tmp[sizeof buf];
    memcpy(tmp, buf, n);
    put_u32(tmp + 4, bad_counts[i]); /* nbr_count */
    p = exact_copy(tmp, n);
    CHECK_EQ_INT(wt_arrays_decode(p, n, 1, &out), RK_E_MALFORMED);
    free(p);
    memcpy(tmp, buf, n);
    put_u32(tmp + 4 + 4 + 4 * 3, bad_counts[i]); /* w_count */
    p = exact_copy(tmp, n);
    CHECK_EQ_INT(wt_arrays_decode(p, n, 1, &out), RK_E_MALFORMED);
    free(p);
  }
  /* A count within the maximum whose elements run past the buffer. */
  uint8_t tmp[sizeof buf];
  memcpy(tmp, buf, n);
  put_u32(tmp + 4, 8);
  p = exact_copy(tmp, n);
  CHECK_EQ_INT(wt_arrays_decode(p, n, 1, &out), RK_E_MALFORMED);
  free(p);

  /* decode_msg checks the type before anything else. */
  uint8_t msg[RK_HEADER_SIZE + wt_arrays_max_payload];
  size_t mlen = build_msg(msg, wt_scalars_type_id, 1, buf, n);
  rk_msg m;
  CHECK_OK(rk_msg_decode(msg, mlen, &m));
  CHECK_EQ_INT(wt_arrays_decode_msg(&m, &out), RK_E_UNKNOWN_TYPE);
  mlen = build_msg(msg, wt_arrays_type_id, 1, buf, n);
  CHECK_OK(rk_msg_decode(msg, mlen, &m));
  CHECK_OK(wt_arrays_decode_msg(&m, &out));
  CHECK(arrays_equal(&in, &out));
}

/* ---- schema evolution ---------------------------------------------------- */

static void test_new_reader_old_message(void) {
  wt_point_v1 old = {0x01020304u, 2, {11, 22, 0, 0}};
  uint8_t buf[wt_point_v1_max_payload];
  int64_t n = wt_point_v1_encode(&old, buf, sizeof buf);
  CHECK_EQ_INT(n, 4 + 4 + 2 * 2);

  uint8_t msg[RK_HEADER_SIZE + wt_point_v1_max_payload];
  size_t mlen = build_msg(msg, wt_point_v1_type_id, wt_point_v1_schema, buf, (uint32_t)n);
  uint8_t *p = exact_copy(msg, mlen);
  rk_msg m;
  wt_point_v2 out;
  memset(&out, 0x5A, sizeof out);
  CHECK_OK(rk_msg_decode(p, mlen, &m));
  CHECK_OK(wt_point_v2_decode_msg(&m, &out));
  CHECK_EQ_INT(out.x, 0x01020304u);
  CHECK_EQ_INT(out.tags_count, 2);
  CHECK(out.tags[0] == 11 && out.tags[1] == 22);
  CHECK(out.weight == 2.5);   /* defaults for the fields v1 lacks */
  CHECK_EQ_INT(out.extra_count, 0);
  CHECK_EQ_INT(out.z, -9);
  free(p);

  /* An old message that ends inside a field is still malformed, and an old
   * message with bytes beyond the new reader's last field too. */
  uint8_t longer[sizeof buf + 5];
  memcpy(longer, buf, (size_t)n);
  memset(longer + n, 0, 5);
  for (uint32_t extra = 1; extra <= 5; extra++) {
    p = exact_copy(longer, (size_t)n + extra);
    CHECK_EQ_INT(wt_point_v2_decode(p, (uint32_t)n + extra, 1, &out), RK_E_MALFORMED);
    free(p);
  }
  /* A v1 message that lacks fields v1 has, even cut at a field boundary
   * (here: no tags array; nothing at all), is malformed for both readers:
   * only fields newer than the message take defaults. */
  wt_point_v1 out1;
  uint32_t cuts[] = {4, 0};
  for (int i = 0; i < 2; i++) {
    p = exact_copy(buf, cuts[i]);
    CHECK_EQ_INT(wt_point_v2_decode(p, cuts[i], 1, &out), RK_E_MALFORMED);
    CHECK_EQ_INT(wt_point_v1_decode(p, cuts[i], 1, &out1), RK_E_MALFORMED);
    free(p);
  }
  /* A message of version 0 predates every field: empty, all defaults. */
  CHECK_OK(wt_point_v2_decode(NULL, 0, 0, &out));
  CHECK_EQ_INT(out.x, 0);
  CHECK_EQ_INT(out.tags_count, 0);
  CHECK_EQ_INT(out.z, -9);
}

static void test_old_reader_new_message(void) {
  wt_point_v2 nu = {7, 3, {1, 2, 3, 0}, -0.75, 2, {100, 200, 0}, 4321};
  uint8_t buf[wt_point_v2_max_payload + 4];
  int64_t n = wt_point_v2_encode(&nu, buf, sizeof buf);
  CHECK_EQ_INT(n, 4 + 4 + 3 * 2 + 8 + 4 + 2 * 4 + 2);

  uint8_t msg[RK_HEADER_SIZE + sizeof buf];
  size_t mlen = build_msg(msg, wt_point_v2_type_id, wt_point_v2_schema, buf, (uint32_t)n);
  uint8_t *p = exact_copy(msg, mlen);
  rk_msg m;
  wt_point_v1 out;
  CHECK_OK(rk_msg_decode(p, mlen, &m));
  CHECK_OK(wt_point_v1_decode_msg(&m, &out)); /* skips weight, extra, z */
  CHECK_EQ_INT(out.x, 7);
  CHECK_EQ_INT(out.tags_count, 3);
  CHECK(out.tags[0] == 1 && out.tags[1] == 2 && out.tags[2] == 3);
  free(p);

  /* A newer message that ends inside one of the reader's fields. */
  for (uint32_t len = 0; len < 4 + 4 + 3 * 2; len++) {
    p = exact_copy(buf, len);
    CHECK_EQ_INT(wt_point_v1_decode(p, len, 2, &out), RK_E_MALFORMED);
    free(p);
  }
  /* v2 reading a v3 message: skips what it does not know. */
  buf[n] = 0x99;
  wt_point_v2 out2;
  p = exact_copy(buf, (size_t)n + 1);
  CHECK_OK(wt_point_v2_decode(p, (uint32_t)n + 1, 3, &out2));
  CHECK_EQ_INT(out2.z, 4321);
  CHECK_EQ_INT(wt_point_v2_decode(p, (uint32_t)n + 1, 2, &out2), RK_E_MALFORMED);
  free(p);
}

/* ---- error names ---------------------------------------------------------- */

static void test_error_names(void) {
  CHECK(strcmp(rk_err_name(RK_OK), "RK_OK") == 0);
  CHECK(strcmp(rk_strerror(RK_OK), "success") == 0);
  int count = 0;
#define RK_CHECK_NAME(name, code, text)                                         \
  CHECK(strcmp(rk_err_name(code), "RK_E_" #name) == 0);                       \
  CHECK(strcmp(rk_strerror(code), text) == 0);                                \
  CHECK_EQ_INT(RK_E_##name, -(++count)); /* dense, stable numbering */
  RK_ERRNO_MAP(RK_CHECK_NAME)
#undef RK_CHECK_NAME
  CHECK_EQ_INT(RK_E_LAST_, -(count + 1));
  /* Texts are distinct, so a printed error names one code. */
  for (int a = 1; a <= count; a++)
    for (int b = a + 1; b <= count; b++)
      CHECK(strcmp(rk_strerror(-a), rk_strerror(-b)) != 0);
  static const int unknown[] = {1, 42, RK_E_LAST_, -1000, INT_MIN, INT_MAX};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
    CHECK(strcmp(rk_err_name(unknown[i]), "RK_E_UNKNOWN") == 0);
    CHECK(strcmp(rk_strerror(unknown[i]), "unknown error") == 0);
  }
}

/* ---- randomized decoding --------------------------------------------------- */

/* fuzz_<type>(payload, len, version): decodes untrusted bytes. On success
 * the counts must be within bounds, and when the bytes are of the reader's
 * own version, re-encoding must give them back exactly (the decoder
 * accepted nothing it cannot represent). The lanes forms, run here lane
 * after lane (WT_LANES of them, as a GPU warp would run them together),
 * must give the same result, the same struct and the same bytes. */
#define WT_LANES 5u
#define WT_FUZZ_FN(name)                                                        \
  static void fuzz_##name(const uint8_t *p, uint32_t len, uint16_t version) {  \
    name out, lanes_out;                                                        \
    memset(&out, 0, sizeof out);                                                \
    memset(&lanes_out, 0, sizeof lanes_out);                                    \
    int rc = name##_decode(p, len, version, &out);                              \
    for (uint32_t l = 0; l < WT_LANES; l++)                                     \
      CHECK_EQ_INT(name##_decode_lanes_(p, len, version, &lanes_out, l, WT_LANES), rc); \
    if (rc != RK_OK) {                                                          \
      CHECK(rc == RK_E_MALFORMED || rc == RK_E_INVAL);                          \
      return;                                                                   \
    }                                                                           \
    uint8_t re[name##_max_payload + 1], lanes_re[name##_max_payload + 1];       \
    int64_t n = name##_encode(&out, re, sizeof re);                             \
    CHECK(n >= 0 && n <= name##_max_payload);                                   \
    CHECK(name##_encode(&lanes_out, lanes_re, sizeof lanes_re) == n);           \
    CHECK(memcmp(re, lanes_re, (size_t)n) == 0);                                \
    memset(lanes_re, 0xA5, sizeof lanes_re);                                    \
    for (uint32_t l = 0; l < WT_LANES; l++) name##_write_lanes_(&out, lanes_re, l, WT_LANES); \
    CHECK(memcmp(re, lanes_re, (size_t)n) == 0 && lanes_re[n] == 0xA5);         \
    if (version == name##_schema)                                               \
      CHECK(n == (int64_t)len && memcmp(re, p, len) == 0);                      \
  }
WT_FUZZ_FN(wt_scalars)
WT_FUZZ_FN(wt_arrays)
WT_FUZZ_FN(wt_point_v1)
WT_FUZZ_FN(wt_point_v2)

/* A valid random encoding of one of the types, as the mutation's seed. */
static uint32_t random_payload(uint64_t *rng, uint8_t *buf, uint16_t *type_id) {
  uint32_t pick = tu_rand_below(rng, 3);
  if (pick == 0) {
    wt_scalars m;
    tu_rand_fill(rng, &m, sizeof m);
    *type_id = wt_scalars_type_id;
    return (uint32_t)wt_scalars_encode(&m, buf, wt_scalars_max_payload);
  }
  if (pick == 1) {
    wt_arrays m = sample_arrays(tu_rand_below(rng, 9), tu_rand_below(rng, 5));
    *type_id = wt_arrays_type_id;
    return (uint32_t)wt_arrays_encode(&m, buf, wt_arrays_max_payload);
  }
  wt_point_v2 m;
  tu_rand_fill(rng, &m, sizeof m);
  m.tags_count = tu_rand_below(rng, 5);
  m.extra_count = tu_rand_below(rng, 4);
  *type_id = wt_point_v2_type_id;
  return (uint32_t)wt_point_v2_encode(&m, buf, wt_point_v2_max_payload);
}

/* Damages a message in one of several ways; returns its new length. */
static size_t mutate(uint64_t *rng, uint8_t *msg, size_t len, size_t cap) {
  static const uint32_t extremes[] = {0, 1, 4, 8, 9, 0x7FFFFFFFu, 0x80000000u,
                                      0x20000000u, UINT32_MAX - 3, UINT32_MAX};
  switch (tu_rand_below(rng, 6)) {
  case 0: /* flip a few bytes anywhere */
    if (len == 0) return len;
    for (uint32_t k = 1 + tu_rand_below(rng, 4); k > 0; k--)
      msg[tu_rand_below(rng, (uint32_t)len)] ^= (uint8_t)(1 + tu_rand_below(rng, 255));
    return len;
  case 1: /* cut it short */
    return tu_rand_below(rng, (uint32_t)len + 1);
  case 2: /* an extreme u32 somewhere in the payload (counts live there) */
    if (len >= RK_HEADER_SIZE + 4)
      put_u32(msg + RK_HEADER_SIZE + tu_rand_below(rng, (uint32_t)(len - RK_HEADER_SIZE - 3)),
              extremes[tu_rand_below(rng, sizeof extremes / sizeof extremes[0])]);
    return len;
  case 3: /* a random payload under a valid header */
    len = RK_HEADER_SIZE + tu_rand_below(rng, (uint32_t)(cap - RK_HEADER_SIZE));
    tu_rand_fill(rng, msg + RK_HEADER_SIZE, len - RK_HEADER_SIZE);
    put_u32(msg + offsetof(rk_msg_header, payload_len), (uint32_t)(len - RK_HEADER_SIZE));
    return len;
  case 4: /* another schema version claimed */
    msg[offsetof(rk_msg_header, schema_version)] = (uint8_t)tu_rand_below(rng, 4);
    return len;
  default: /* a payload length that may not match */
    put_u32(msg + offsetof(rk_msg_header, payload_len),
            tu_rand_below(rng, 2) ? tu_rand_below(rng, (uint32_t)cap)
                                  : extremes[tu_rand_below(rng, 10)]);
    return len;
  }
}

static void test_random_decode(void) {
  uint64_t rng = tu_seed(0x5EED0001);
  enum { ROUNDS = 20000, CAP = RK_HEADER_SIZE + wt_arrays_max_payload + 16 };
  unsigned accepted = 0;
  for (int round = 0; round < ROUNDS; round++) {
    uint8_t msg[CAP];
    uint16_t type_id;
    uint32_t plen = random_payload(&rng, msg + RK_HEADER_SIZE, &type_id);
    rk_msg_header h = sample_header(type_id, (uint16_t)(type_id == wt_point_v2_type_id ? 2 : 1), plen);
    rk_header_encode(&h, msg);
    size_t len = RK_HEADER_SIZE + plen;
    for (uint32_t k = tu_rand_below(&rng, 3); k > 0; k--) len = mutate(&rng, msg, len, CAP);

    uint8_t *p = exact_copy(msg, len);
    rk_msg m;
    int rc = rk_msg_decode(p, len, &m);
    if (rc == RK_OK) {
      /* Every decoder on every accepted payload, whatever its type id. */
      accepted++;
      uint16_t v = m.hdr.schema_version;
      fuzz_wt_scalars(m.payload, m.hdr.payload_len, v);
      fuzz_wt_arrays(m.payload, m.hdr.payload_len, v);
      fuzz_wt_point_v1(m.payload, m.hdr.payload_len, v);
      fuzz_wt_point_v2(m.payload, m.hdr.payload_len, v);
    } else {
      CHECK(rc == RK_E_TRUNCATED || rc == RK_E_MAGIC || rc == RK_E_VERSION ||
            rc == RK_E_MALFORMED);
    }
    free(p);
  }
  /* The mutations must leave enough valid headers to reach the decoders. */
  CHECK(accepted > ROUNDS / 4);
  printf("random decode: %d messages, %u with a valid header\n", ROUNDS, accepted);
}

int main(void) {
  test_header_round_trip();
  test_header_errors();
  test_scalars_round_trip();
  test_arrays_round_trip();
  test_encode_errors();
  test_decode_errors();
  test_new_reader_old_message();
  test_old_reader_new_message();
  test_error_names();
  test_random_decode();
  return CHECK_DONE("test_wire");
}
