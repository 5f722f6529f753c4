/*
 * secure_world_image.c - the secure world as a stored device keeps it: the shared secret, Gatekeeper's
 * record, the biometric TA's state, and the authorization lists keystore2 stores beside key blobs.
 *
 * On a phone these live in the TEE's secure storage (the device key, Gatekeeper's failure record and
 * handle, the biometric templates) or in its RAM for the length of a boot (the per-boot HMAC key, the
 * biometric lockout counters); a stored device keeps both so that a command run in a new process finds
 * the phone exactly as the last one left it. Every enum is checked on the way back in: a value the rules
 * do not know would otherwise reach a switch that assumes it cannot happen.
 */
#include <string.h>

#include <openssl/crypto.h>

#include "core/invariant.h"
#include "secure/secure_world.h"

static const uint32_t security_levels[] = {KSSIM_SECURITY_SOFTWARE, KSSIM_SECURITY_TEE, KSSIM_SECURITY_STRONGBOX};
static const uint32_t algorithms[] = {KSSIM_ALGORITHM_RSA, KSSIM_ALGORITHM_EC, KSSIM_ALGORITHM_ED25519,
                                      KSSIM_ALGORITHM_AES, KSSIM_ALGORITHM_HMAC};
static const uint32_t credential_types[] = {KSSIM_CREDENTIAL_NONE, KSSIM_CREDENTIAL_PIN, KSSIM_CREDENTIAL_PASSWORD,
                                            KSSIM_CREDENTIAL_PATTERN};
static const uint32_t modalities[] = {KSSIM_MODALITY_FINGERPRINT, KSSIM_MODALITY_FACE};
static const uint32_t biometric_classes[] = {KSSIM_BIOMETRIC_STRONG, KSSIM_BIOMETRIC_WEAK};

#define COUNT_OF(array) (sizeof(array) / sizeof((array)[0]))

kssim_security_level sim_security_level_image_decode(sim_reader *r)
{
    return (kssim_security_level)sim_read_enum(r, security_levels, COUNT_OF(security_levels),
                                               "a security level is unknown");
}

kssim_algorithm sim_algorithm_image_decode(sim_reader *r)
{
    return (kssim_algorithm)sim_read_enum(r, algorithms, COUNT_OF(algorithms), "a key's algorithm is unknown");
}

static void encode_gatekeeper(const sim_gatekeeper *gk, sim_writer *w)
{
    sim_write_bool(w, gk->enrolled);
    sim_write_u32(w, (uint32_t)gk->type);
    sim_write_u64(w, gk->sid);
    sim_write_raw(w, gk->salt, sizeof(gk->salt));
    sim_write_raw(w, gk->hash, sizeof(gk->hash));
    sim_write_u32(w, gk->failure_count);
    sim_write_u64(w, gk->last_checked_ms);
}

static void decode_gatekeeper(sim_reader *r, sim_gatekeeper *gk)
{
    gk->enrolled = sim_read_bool(r);
    gk->type = (kssim_credential_type)sim_read_enum(r, credential_types, COUNT_OF(credential_types),
                                                    "the lock screen's credential type is unknown");
    gk->sid = sim_read_u64(r);
    sim_read_raw(r, gk->salt, sizeof(gk->salt));
    sim_read_raw(r, gk->hash, sizeof(gk->hash));
    gk->failure_count = sim_read_u32(r);
    gk->last_checked_ms = sim_read_u64(r);
    if (gk->enrolled && gk->type == KSSIM_CREDENTIAL_NONE)
        sim_reader_fail(r, "Gatekeeper has an enrollment without a credential type");
    /* What the invariants of gatekeeper.c and gatekeeper_throttle.c rely on: an enrolled credential has a
     * SID (tokens carry it), and the failure counter can still count (a day's wait each from the 140th). */
    if (gk->enrolled && gk->sid == 0)
        sim_reader_fail(r, "Gatekeeper has an enrollment without a secure ID");
    if (gk->failure_count == UINT32_MAX)
        sim_reader_fail(r, "Gatekeeper records more failed attempts than a lock screen can have been given");
}

static void encode_biometric(const sim_biometric *bio, sim_writer *w)
{
    sim_write_u32(w, bio->count);
    for (uint32_t i = 0; i < bio->count && i < SIM_MAX_BIOMETRIC_TEMPLATES; i++) {
        sim_write_u32(w, bio->templates[i].id);
        sim_write_u32(w, (uint32_t)bio->templates[i].modality);
        sim_write_u32(w, (uint32_t)bio->templates[i].biometric_class);
    }
    for (int m = 0; m < KSSIM_MODALITY_COUNT; m++)
        sim_write_u64(w, bio->authenticator_ids[m]);
    sim_write_u32(w, bio->failed_attempts);
    sim_write_u64(w, bio->lockout_until_ms);
    sim_write_bool(w, bio->permanent_lockout);
}

static void decode_biometric(sim_reader *r, sim_biometric *bio)
{
    bio->count = sim_read_count(r, SIM_MAX_BIOMETRIC_TEMPLATES, 12,
                                "the biometric TA holds more templates than it has room for");
    for (uint32_t i = 0; i < bio->count; i++) {
        bio->templates[i].id = sim_read_u32(r);
        bio->templates[i].modality = (kssim_modality)sim_read_enum(r, modalities, COUNT_OF(modalities),
                                                                   "a biometric template's modality is unknown");
        bio->templates[i].biometric_class = (kssim_biometric_class)sim_read_enum(
            r, biometric_classes, COUNT_OF(biometric_classes), "a biometric template's class is unknown");
    }
    for (int m = 0; m < KSSIM_MODALITY_COUNT; m++)
        bio->authenticator_ids[m] = sim_read_u64(r);
    bio->failed_attempts = sim_read_u32(r);
    bio->lockout_until_ms = sim_read_u64(r);
    bio->permanent_lockout = sim_read_bool(r);
    /* biometric.c checks this after every change; a stored image must meet it too. */
    if (!sim_reader_failed(r) && !sim_biometric_is_consistent(bio))
        sim_reader_fail(r, "a biometric modality's authenticator ID disagrees with its strong templates");
}

void sim_secure_world_image_encode(const sim_secure_world *sw, sim_writer *w)
{
    sim_write_u32(w, (uint32_t)sw->security_level);
    sim_write_raw(w, sw->device_key, sizeof(sw->device_key));
    sim_write_raw(w, sw->hmac_key, sizeof(sw->hmac_key));
    sim_write_raw(w, sw->previous_hmac_key, sizeof(sw->previous_hmac_key));
    sim_write_bool(w, sw->has_previous_hmac_key);
    sim_write_u32(w, sw->boot_count);
    encode_gatekeeper(&sw->gatekeeper, w);
    encode_biometric(&sw->biometric, w);
    sim_keymint_image_encode(sw->keymint, w);
}

void sim_secure_world_image_decode(sim_reader *r, sim_secure_world *decoded)
{
    memset(decoded, 0, sizeof(*decoded));
    decoded->security_level = sim_security_level_image_decode(r);
    sim_read_raw(r, decoded->device_key, sizeof(decoded->device_key));
    sim_read_raw(r, decoded->hmac_key, sizeof(decoded->hmac_key));
    sim_read_raw(r, decoded->previous_hmac_key, sizeof(decoded->previous_hmac_key));
    decoded->has_previous_hmac_key = sim_read_bool(r);
    decoded->boot_count = sim_read_u32(r);
    if (decoded->boot_count == 0)
        sim_reader_fail(r, "the boot count is 0, and a device has booted at least once");
    decode_gatekeeper(r, &decoded->gatekeeper);
    decode_biometric(r, &decoded->biometric);
    if (!sim_reader_failed(r))
        decoded->keymint = sim_keymint_image_decode(r);
}

void sim_secure_world_image_apply(sim_secure_world *sw, sim_secure_world *decoded, bool keep_operations)
{
    /* The operations in flight were begun in this process; an image from a later boot means another
     * process rebooted the phone since, and the reboot ended them (their records go too, replaced
     * below by the image's). */
    if (!keep_operations)
        sim_keymint_reboot(sw);
    sim_keymint_image_apply(sw->keymint, decoded->keymint);
    decoded->keymint = NULL;
    sw->security_level = decoded->security_level;
    memcpy(sw->device_key, decoded->device_key, sizeof(sw->device_key));
    memcpy(sw->hmac_key, decoded->hmac_key, sizeof(sw->hmac_key));
    memcpy(sw->previous_hmac_key, decoded->previous_hmac_key, sizeof(sw->previous_hmac_key));
    sw->has_previous_hmac_key = decoded->has_previous_hmac_key;
    sw->boot_count = decoded->boot_count;
    sw->gatekeeper = decoded->gatekeeper;
    sw->biometric = decoded->biometric;
    OPENSSL_cleanse(decoded, sizeof(*decoded));
}

void sim_auth_list_image_encode(const sim_auth_list *auth, sim_writer *w)
{
    sim_write_u32(w, (uint32_t)auth->algorithm);
    sim_write_u32(w, auth->key_size);
    sim_write_u32(w, auth->purposes);
    sim_write_u32(w, auth->digests);
    sim_write_u32(w, auth->block_modes);
    sim_write_u32(w, auth->paddings);
    sim_write_bool(w, auth->no_auth_required);
    /* The decoder reads sid_count IDs: a count above the array would misalign everything after it. */
    KSSIM_INVARIANT(auth->sid_count <= SIM_MAX_KEY_SIDS, "a stored key has no more secure IDs than the array holds");
    sim_write_u32(w, auth->sid_count);
    for (uint32_t i = 0; i < auth->sid_count && i < SIM_MAX_KEY_SIDS; i++)
        sim_write_u64(w, auth->sids[i]);
    sim_write_u32(w, auth->user_auth_types);
    sim_write_bool(w, auth->has_auth_timeout);
    sim_write_u32(w, auth->auth_timeout_s);
    sim_write_bool(w, auth->unlocked_device_required);
    sim_write_u32(w, auth->max_uses_per_boot);
    sim_write_u32(w, auth->usage_count_limit);
    sim_write_u32(w, auth->min_seconds_between_ops);
    sim_write_bool(w, auth->has_active);
    sim_write_bool(w, auth->has_origination_expire);
    sim_write_bool(w, auth->has_usage_expire);
    sim_write_i64(w, auth->active_ms);
    sim_write_i64(w, auth->origination_expire_ms);
    sim_write_i64(w, auth->usage_expire_ms);
    sim_write_u32(w, (uint32_t)auth->security_level);
    sim_write_bool(w, auth->imported);
}

void sim_auth_list_image_decode(sim_reader *r, sim_auth_list *auth)
{
    /* Bit sets (purposes, digests...) are taken as they are: the rules test single bits, so an unknown
     * one only ever means "not allowed", as it would in a blob's authorization list. */
    memset(auth, 0, sizeof(*auth));
    auth->algorithm = sim_algorithm_image_decode(r);
    auth->key_size = sim_read_u32(r);
    auth->purposes = sim_read_u32(r);
    auth->digests = sim_read_u32(r);
    auth->block_modes = sim_read_u32(r);
    auth->paddings = sim_read_u32(r);
    auth->no_auth_required = sim_read_bool(r);
    auth->sid_count = sim_read_count(r, SIM_MAX_KEY_SIDS, 8, "a key is bound to more secure IDs than a key can hold");
    for (uint32_t i = 0; i < auth->sid_count; i++)
        auth->sids[i] = sim_read_u64(r);
    auth->user_auth_types = sim_read_u32(r);
    auth->has_auth_timeout = sim_read_bool(r);
    auth->auth_timeout_s = sim_read_u32(r);
    auth->unlocked_device_required = sim_read_bool(r);
    auth->max_uses_per_boot = sim_read_u32(r);
    auth->usage_count_limit = sim_read_u32(r);
    auth->min_seconds_between_ops = sim_read_u32(r);
    auth->has_active = sim_read_bool(r);
    auth->has_origination_expire = sim_read_bool(r);
    auth->has_usage_expire = sim_read_bool(r);
    auth->active_ms = sim_read_i64(r);
    auth->origination_expire_ms = sim_read_i64(r);
    auth->usage_expire_ms = sim_read_i64(r);
    auth->security_level = sim_security_level_image_decode(r);
    auth->imported = sim_read_bool(r);
}
