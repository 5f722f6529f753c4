/*
 * keystore2_keys.c - keystore2's key management: generate, import, delete, and the deletions the
 * system makes on its own.
 *
 * keystore2 asks KeyMint for the blob and stores it with the key's parameters and public key
 * (security_level.rs generateKey/importKey, database.rs store_new_key), refusing auth-bound keys before
 * the first unlock since boot (super_key.rs: no AfterFirstUnlock super key to encrypt them with). When
 * the lock screen goes,
 * every key bound to user authentication is deleted (LockSettingsService -> keystore2 maintenance):
 * here the key's material goes and a tombstone remembers why.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keystore2/keystore2.h"
#include "secure/keymint_attestation.h"

/* R-REBOOT-NO-AUTH-KEYGEN-BEFORE-UNLOCK: no auth-bound key before the first unlock.
 * AOSP: super_key.rs handle_super_encryption_on_key_init */
static kssim_result store_new_key(sim_keystore2 *ks, const kssim_key_spec *spec, const sim_auth_list *auth,
                                  sim_key_blob *blob, uint8_t *public_key, size_t public_key_len,
                                  uint8_t *attestation_chain, size_t attestation_chain_len)
{
    /* super_key.rs handle_super_encryption_on_key_init: an auth-bound key's blob is encrypted with the
     * user's AfterFirstUnlock super key, which is only in memory after the first unlock since boot. */
    if (!auth->no_auth_required && !ks->unlocked_since_boot) {
        sim_key_blob_free(blob);
        free(public_key); /* kssim_free is the framework's (above); this layer frees with free */
        free(attestation_chain);
        return sim_refuse(ks->env, KSSIM_LOCKED,
                          "the phone has not been unlocked since it booted, and a key that requires user "
                          "authentication is encrypted with the user's super key, which only the first unlock "
                          "brings into memory: unlock the device, then generate or import the key");
    }
    sim_key_entry entry;
    memset(&entry, 0, sizeof(entry));
    memcpy(entry.alias, spec->alias, sizeof(entry.alias));
    entry.alias[sizeof(entry.alias) - 1] = '\0';
    entry.spec = *spec;
    entry.auth = *auth;
    entry.blob = *blob;
    entry.public_key = public_key;
    entry.public_key_len = public_key_len;
    entry.attestation_chain = attestation_chain;
    entry.attestation_chain_len = attestation_chain_len;
    entry.uses_remaining = auth->usage_count_limit;
    kssim_result r = sim_key_database_store(&ks->db, &entry);
    if (r != KSSIM_OK) {
        sim_key_blob_free(blob);
        free(public_key);
        free(attestation_chain);
        return sim_refuse(ks->env, r, "the key database could not grow (out of memory)");
    }
    return KSSIM_OK;
}

/* KeyMint attests the new key inside generateKey; keystore2 adds ATTESTATION_APPLICATION_ID, the calling
 * package (security_level.rs add_required_parameters), and stores the chain with the key. The chain is
 * concatenated DER, leaf first. */
static kssim_result attest_new_key(sim_keystore2 *ks, const kssim_key_spec *spec, const sim_key_blob *blob,
                                   uint8_t **chain_out, size_t *chain_len_out)
{
    const char *package =
        spec->attestation_application_id[0] != '\0' ? spec->attestation_application_id : KSSIM_DEFAULT_APPLICATION_ID;
    sim_attestation_request request = {.challenge = spec->attestation_challenge,
                                       .challenge_len = spec->attestation_challenge_len,
                                       .application_id = (const uint8_t *)package,
                                       .application_id_len = strlen(package),
                                       .creation_ms = ks->env->clock.wall_ms};
    /* The package manager's digest of the package's signing certificate; the simulator installs no
     * packages, so by default a fixed text names the package's test certificate (docs/attestation.md). */
    if (spec->attestation_app_signature_digest_len == sizeof(request.application_signature_digest)) {
        memcpy(request.application_signature_digest, spec->attestation_app_signature_digest,
               sizeof(request.application_signature_digest));
    } else {
        char certificate[sizeof(KSSIM_DEFAULT_APP_SIGNATURE_DIGEST_PREFIX) + KSSIM_ALIAS_MAX];
        int n = snprintf(certificate, sizeof(certificate), "%s%s", KSSIM_DEFAULT_APP_SIGNATURE_DIGEST_PREFIX, package);
        if (n < 0 || sim_sha256(&ks->env->crypto, (const uint8_t *)certificate, (size_t)n,
                                request.application_signature_digest) != 0)
            return sim_refuse(ks->env, KSSIM_SYSTEM_ERROR, "the application's signature digest could not be made");
    }
    sim_attestation_chain chain;
    kssim_result r = sim_keymint_attest_key(ks->sw, blob, &request, &chain);
    if (r != KSSIM_OK)
        return r;
    size_t total = 0;
    for (size_t i = 0; i < SIM_ATTESTATION_CHAIN_LENGTH; i++)
        total += chain.lengths[i];
    uint8_t *joined = malloc(total);
    if (joined == NULL) {
        sim_attestation_chain_free(&chain);
        return sim_refuse(ks->env, KSSIM_SYSTEM_ERROR, "out of memory for the attestation chain");
    }
    size_t at = 0;
    for (size_t i = 0; i < SIM_ATTESTATION_CHAIN_LENGTH; i++) {
        memcpy(joined + at, chain.certificates[i], chain.lengths[i]);
        at += chain.lengths[i];
    }
    sim_attestation_chain_free(&chain);
    *chain_out = joined;
    *chain_len_out = total;
    return KSSIM_OK;
}

/* keystore2 stores the characteristics KeyMint returns for a new key, not the ones it asked for
 * (security_level.rs store_new_key), and with them the attestation chain when one was asked for. Takes
 * the blob and the public key: freed here on failure. */
static kssim_result store_key_with_its_characteristics(sim_keystore2 *ks, const kssim_key_spec *spec,
                                                       sim_key_blob *blob, uint8_t *public_key, size_t public_key_len,
                                                       bool attest)
{
    sim_auth_list characteristics;
    kssim_result r = sim_keymint_get_key_characteristics(ks->sw, blob, &characteristics);
    uint8_t *chain = NULL;
    size_t chain_len = 0;
    if (r == KSSIM_OK && attest)
        r = attest_new_key(ks, spec, blob, &chain, &chain_len);
    if (r != KSSIM_OK) {
        sim_key_blob_free(blob);
        free(public_key);
        return r;
    }
    return store_new_key(ks, spec, &characteristics, blob, public_key, public_key_len, chain, chain_len);
}

kssim_result sim_keystore2_generate_key(sim_keystore2 *ks, const kssim_key_spec *spec, const sim_auth_list *auth)
{
    sim_key_blob blob = {0};
    uint8_t *public_key = NULL;
    size_t public_key_len = 0;
    kssim_result r = sim_keymint_generate_key(ks->sw, auth, &blob, &public_key, &public_key_len);
    if (r != KSSIM_OK)
        return r;
    /* The size the request left to its default is the key's own from here on. */
    return store_key_with_its_characteristics(ks, spec, &blob, public_key, public_key_len, spec->attestation_requested);
}

kssim_result sim_keystore2_import_key(sim_keystore2 *ks, const kssim_key_spec *spec, const sim_auth_list *auth,
                                      const uint8_t *key, size_t key_len)
{
    sim_key_blob blob = {0};
    uint8_t *public_key = NULL;
    size_t public_key_len = 0;
    kssim_result r = sim_keymint_import_key(ks->sw, auth, key, key_len, &blob, &public_key, &public_key_len);
    if (r != KSSIM_OK)
        return r;
    /* For an import, the size is the key's own; attesting an imported key is not modelled. */
    return store_key_with_its_characteristics(ks, spec, &blob, public_key, public_key_len, false);
}

/* R-KEY-DELETED-NOT-FOUND: a key the app deleted is gone: its alias answers KEY_NOT_FOUND from then on.
 * AOSP: keystore2 service.rs delete_key, database.rs unbind_key */
kssim_result sim_keystore2_delete_key(sim_keystore2 *ks, const char *alias)
{
    if (sim_key_database_find(&ks->db, alias) == NULL)
        return ks->db.load_failure != KSSIM_OK
                   ? ks->db.load_failure
                   : sim_refuse(ks->env, KSSIM_KEY_NOT_FOUND, "there is no key named '%s' to delete", alias);
    sim_key_database_remove(&ks->db, alias);
    return KSSIM_OK;
}

kssim_result sim_keystore2_tamper_key_blob(sim_keystore2 *ks, const char *alias, kssim_blob_field field)
{
    sim_key_entry *entry = sim_key_database_load_live(&ks->db, alias);
    if (entry == NULL)
        return sim_refuse(ks->env, KSSIM_KEY_NOT_FOUND, "there is no stored key blob for '%s' to tamper with", alias);
    kssim_result r = sim_key_blob_tamper(&entry->blob, field);
    sim_key_database_mark_changed(&ks->db, entry, entry->spec.rollback_resistant);
    return r;
}

/* R-LOCKSCREEN-REMOVED-DELETES: no lock screen: auth-bound keys go.
 * AOSP: database.rs unbind_auth_bound_keys_for_user */
void sim_keystore2_delete_auth_bound_keys(sim_keystore2 *ks)
{
    /* A row that cannot be read fails the command's commit (sim_key_database.load_failure). */
    (void)sim_key_database_load_all(&ks->db);
    for (size_t i = 0; i < ks->db.count; i++) {
        sim_key_entry *entry = ks->db.entries[i];
        if (entry->deleted_because == KSSIM_REASON_NONE && !entry->auth.no_auth_required)
            sim_key_database_tombstone(&ks->db, entry, KSSIM_REASON_LOCK_SCREEN_REMOVED);
    }
}

kssim_result sim_keystore2_inject_blob_fault(sim_keystore2 *ks, const char *alias, kssim_result answer)
{
    if (alias != NULL) {
        sim_key_entry *entry = sim_key_database_load_live(&ks->db, alias);
        if (entry == NULL || entry->blob.data == NULL)
            return sim_refuse(ks->env, KSSIM_KEY_NOT_FOUND,
                              "there is no key named '%s' whose blob could fail: generate or import it first", alias);
        return sim_keymint_inject_blob_fault(ks->sw, &entry->blob, answer);
    }
    kssim_result loaded = sim_key_database_load_all(&ks->db);
    if (loaded != KSSIM_OK)
        return loaded;
    for (size_t i = 0; i < ks->db.count; i++) {
        sim_key_entry *entry = ks->db.entries[i];
        if (entry->deleted_because != KSSIM_REASON_NONE || entry->blob.data == NULL)
            continue;
        kssim_result r = sim_keymint_inject_blob_fault(ks->sw, &entry->blob, answer);
        if (r != KSSIM_OK)
            return r;
    }
    return KSSIM_OK;
}
