/*
 * gatekeeper_throttle.h - Gatekeeper's failure record, shared by enrollment and verification
 * (private to gatekeeper.c and gatekeeper_throttle.c).
 */
#ifndef SIM_SECURE_GATEKEEPER_THROTTLE_H
#define SIM_SECURE_GATEKEEPER_THROTTLE_H

#include "secure/secure_world.h"

/* Decides whether an attempt may be checked now. KSSIM_OK: the attempt is counted (failure_count
 * incremented, last_checked_ms = now) before the secret is compared, as gatekeeper.cpp does so that
 * cutting the power mid-check cannot buy a free guess. KSSIM_RETRY_TIMEOUT: a wait is pending and the
 * attempt is not counted. */
kssim_result sim_gatekeeper_admit_attempt(sim_secure_world *sw);

/* Counts the attempt as sim_gatekeeper_admit_attempt does and makes that count durable
 * (sim_env_persist_now) before the secret may be compared: the one place that decides whether an
 * attempt gets an answer. KSSIM_OK: the attempt is counted on the storage and may be compared now.
 * KSSIM_RETRY_TIMEOUT: a wait is pending, nothing counted. Any other refusal is the storage's (the
 * attempt cannot be recorded, so it gets no answer) or KSSIM_NO_CREDENTIAL (the credential was removed
 * by another process while the attempt was recorded). */
kssim_result sim_gatekeeper_charge_attempt(sim_secure_world *sw);

/* The answer to a counted attempt whose secret was wrong: RETRY_TIMEOUT when the failure count now
 * imposes a wait, WRONG_CREDENTIAL otherwise; the message says how many attempts are left. */
kssim_result sim_gatekeeper_refuse_wrong_secret(sim_secure_world *sw);

void sim_gatekeeper_clear_failures(sim_gatekeeper *gatekeeper);

#endif
