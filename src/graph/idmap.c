/* idmap.c - original 64-bit node ids -> dense indices, in order of first
 * appearance. Linear probing, kept at most half full; each slot holds its id
 * so that a lookup, the loaders' hot path, costs one cache miss. */
#include <stdlib.h>
#include <string.h>
#include "graph/graph_int.h"

enum { INITIAL_SLOTS = 1024 };

int rk_id_map_init(struct rk_id_map *map) {
  memset(map, 0, sizeof *map);
  map->slots = calloc(INITIAL_SLOTS, sizeof *map->slots);
  map->mask = INITIAL_SLOTS - 1;
  return map->slots ? RK_OK : RK_E_NOMEM;
}

/* The slot holding id, or the empty slot where it belongs. */
static uint64_t probe(const struct rk_id_map *map, uint64_t id) {
  uint64_t s = rk_mix64(id) & map->mask;
  while (map->slots[s].index1 && map->slots[s].id != id)
    s = (s + 1) & map->mask;
  return s;
}

static int grow_slots(struct rk_id_map *map) {
  uint64_t cap = (map->mask + 1) * 2;
  if (cap > SIZE_MAX / sizeof *map->slots) return RK_E_NOMEM;
  struct rk_id_slot *old = map->slots;
  uint64_t old_cap = map->mask + 1;
  map->slots = calloc((size_t)cap, sizeof *map->slots);
  if (!map->slots) {
    map->slots = old;
    return RK_E_NOMEM;
  }
  map->mask = cap - 1;
  for (uint64_t s = 0; s < old_cap; s++)
    if (old[s].index1) map->slots[probe(map, old[s].id)] = old[s];
  free(old);
  return RK_OK;
}

static int grow_ids(struct rk_id_map *map) {
  uint64_t cap = map->ids_cap ? (uint64_t)map->ids_cap * 2 : 1024;
  if (cap > RK_GRAPH_MAX_NODES) cap = RK_GRAPH_MAX_NODES;
  uint64_t *ids = realloc(map->ids, (size_t)cap * sizeof *ids);
  if (!ids) return RK_E_NOMEM;
  map->ids = ids;
  map->ids_cap = (uint32_t)cap;
  return RK_OK;
}

int rk_id_map_intern(struct rk_id_map *map, uint64_t id, uint32_t *index) {
  uint64_t s = probe(map, id);
  if (map->slots[s].index1) {
    *index = map->slots[s].index1 - 1;
    return RK_OK;
  }
  if (map->count == RK_GRAPH_MAX_NODES) return RK_E_RANGE;
  if (map->count == map->ids_cap) {
    int rc = grow_ids(map);
    if (rc) return rc;
  }
  map->ids[map->count] = id;
  map->slots[s] = (struct rk_id_slot){id, ++map->count};
  *index = map->count - 1;
  if ((uint64_t)map->count * 2 > map->mask + 1) return grow_slots(map);
  return RK_OK;
}

int rk_id_map_find(const struct rk_id_map *map, uint64_t id, uint32_t *index) {
  uint64_t s = probe(map, id);
  if (!map->slots[s].index1) return RK_E_RANGE;
  *index = map->slots[s].index1 - 1;
  return RK_OK;
}

void rk_id_map_free(struct rk_id_map *map) {
  free(map->ids);
  free(map->slots);
  memset(map, 0, sizeof *map);
}
