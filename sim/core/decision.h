/*
 * decision.h - the decision record behind --explain: the lines the deciding functions write while an
 * operation is judged (which rule decided, the tokens considered, the key's policy, the lock state).
 *
 * It lives in sim_env beside the refusal sentence and, like the rules, is pure: appending formats text into
 * a bounded buffer, nothing more. With explain off (the default) every append returns at once, so the
 * rules pay one branch. The record is not part of the device's image: it belongs to the caller that asked.
 *
 * Unlike the message it is not cleared at every public call: one app action (a sign step: begin, update,
 * finish) is several calls, and its decision path is all of theirs. The caller clears it
 * (kssim_device_decision_clear) before the action it wants explained.
 */
#ifndef SIM_CORE_DECISION_H
#define SIM_CORE_DECISION_H

#include <stdbool.h>
#include <stddef.h>

#include <kssim/kssim.h>

#define SIM_DECISION_MAX 8192

typedef struct sim_decision {
    bool enabled;
    bool truncated; /* a line did not fit: the record ends with a marker saying so */
    size_t length;
    char text[SIM_DECISION_MAX];
} sim_decision;

struct sim_env;

/* Appends one line (a newline is added) when explain is on; nothing otherwise. */
void sim_explain(struct sim_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether explain is on, for callers that would do work only to describe (listing a cache). */
bool sim_explaining(const struct sim_env *env);
void sim_decision_clear(struct sim_env *env);
/* Turning explain on or off also clears the record. */
void sim_decision_enable(struct sim_env *env, bool enabled);
const char *sim_decision_text(const struct sim_env *env);
/* One auth token as the record shows it: "fingerprint user 0x... authenticator 0x... challenge 0x... issued
 * 12.000 s ago". */
void sim_explain_token_text(const kssim_auth_token *token, unsigned long long now_ms, char *out, size_t size);

#endif
