/*
 * operation_pruning.c - which operation keystore aborts when KeyMint has no room for a new one.
 *
 * Pure choices over a list of operations (owner, last use); keystore2_operation.c gathers the list,
 * aborts the chosen operation in KeyMint and marks it pruned, so that its next call answers
 * INVALID_OPERATION_HANDLE.
 */
#include "keystore2/keystore2.h"

/* floor(log6(n)) for n >= 1, in integers: the number of times n can be divided by 6 before it drops
 * below 6. keystore2 computes ((age + 1) as f64).log(6.0).floor(), which agrees at every power of 6. */
static uint64_t floor_log6(uint64_t n)
{
    uint64_t k = 0;
    while (n >= 6) {
        n /= 6;
        k++;
    }
    return k;
}

static uint64_t operations_of(const sim_prune_candidate *ops, size_t count, uint32_t owner_uid)
{
    uint64_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (ops[i].owner_uid == owner_uid)
            n++;
    return n;
}

/* Whether a was used before b: by the clock, then by the order of calls within one millisecond (the real
 * clock would tell them apart; the virtual one often cannot). */
static bool used_before(const sim_prune_candidate *a, const sim_prune_candidate *b)
{
    if (a->last_used_ms != b->last_used_ms)
        return a->last_used_ms < b->last_used_ms;
    return a->last_used_seq < b->last_used_seq;
}

/* keystore2 prunes the operation with the highest malus (operations of its owner + floor(log6(seconds
 * since last use + 1))) if that is above the caller's own (1 + the caller's operations), the least
 * recently used winning ties; failing that, the caller's own least recently used operation; failing that,
 * nothing (BACKEND_BUSY). With one app owning every operation, that is always the app's least recently
 * used one. */
/* R-OP-SLOTS-PRUNE-MALUS: prune the highest-malus operation above the caller's malus, else the caller's own LRU one,
 * else none. AOSP: keystore2 operation.rs OperationDb::prune */
long sim_operation_prune_choice(const sim_prune_candidate *ops, size_t count, uint32_t caller_uid, uint64_t now_ms)
{
    uint64_t caller_malus = 1 + operations_of(ops, count, caller_uid);
    long candidate = -1, oldest_own = -1;
    uint64_t candidate_malus = 0;
    for (size_t i = 0; i < count; i++) {
        const sim_prune_candidate *op = &ops[i];
        if (op->owner_uid == caller_uid && (oldest_own < 0 || used_before(op, &ops[oldest_own])))
            oldest_own = (long)i;
        uint64_t age_s = now_ms > op->last_used_ms ? (now_ms - op->last_used_ms) / 1000 : 0;
        uint64_t malus = operations_of(ops, count, op->owner_uid) + floor_log6(age_s + 1);
        if (candidate < 0) {
            if (caller_malus < malus) {
                candidate = (long)i;
                candidate_malus = malus;
            }
        } else if (malus > candidate_malus || (malus == candidate_malus && used_before(op, &ops[candidate]))) {
            candidate = (long)i;
            candidate_malus = malus;
        }
    }
    return candidate >= 0 ? candidate : oldest_own;
}

/* keystore1 aborts the least recently used operation of the device (every app operation is pruneable):
 * the front of its LRU list, which updateLru reorders at each use. */
/* R-OP-SLOTS-PRUNE-OLDEST-KEYSTORE1: Android <= 11 prunes the least recently used operation. AOSP: system/security
 * keystore/operation.cpp OperationMap::getOldestPruneableOperation */
long sim_operation_least_recently_used(const sim_prune_candidate *ops, size_t count)
{
    long oldest = -1;
    for (size_t i = 0; i < count; i++)
        if (oldest < 0 || used_before(&ops[i], &ops[oldest]))
            oldest = (long)i;
    return oldest;
}
