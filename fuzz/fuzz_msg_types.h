/* fuzz_msg_types.h - the message type fuzz_msg decodes, in two schema
 * versions, shared with the tests that replay its findings. Version 2 only
 * appends fields to version 1, as schema evolution requires. */
#ifndef RK_FUZZ_MSG_TYPES_H
#define RK_FUZZ_MSG_TYPES_H

#include "ringk/schema.h"

/* Version 1 of a message type: scalars of several widths and an array. */
#define FUZZ_V1_FIELDS(F, A)  \
  F(uint32_t, a, 7)           \
  F(double, b, 1.5)           \
  A(uint16_t, arr, 8)
RK_MESSAGE(fuzz_v1, 0x0F01, 1, FUZZ_V1_FIELDS);

/* Version 2 of the same type: version 1's fields, then two appended. */
#define FUZZ_V2_FIELDS(F, A)  \
  FUZZ_V1_FIELDS(F, A)        \
  F(uint64_t, c, 42, 2)       \
  A(uint8_t, tail, 16, 2)
RK_MESSAGE(fuzz_v2, 0x0F01, 2, FUZZ_V2_FIELDS);

#endif
