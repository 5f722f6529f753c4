#!/usr/bin/env python3
"""device_model_seeds.py - writes the seed corpus of fuzz_device_model (test/fuzz/corpus/fuzz_device_model/).

Each seed is a short program in the target's byte language (see fuzz_device_model.c: a header byte, a
seed byte, then opcode and argument bytes), written here by name so that a reader can see which state
it reaches: a per-operation biometric login, timeout windows, reboots, invalidation by enrollment,
credential reset and lock-screen removal, usage limits, the system prompt, forged and replayed tokens.
They mirror scenarios of scenarios/, but none of them is an attack that works: the fuzzer has to find
those by combining them.

Usage: python3 test/fuzz/device_model_seeds.py [OUTPUT_DIR]   (default: the corpus directory)
"""
import os
import sys

# Opcodes, in the order of fuzz_device_model.c's enum opcode.
(SET_CREDENTIAL, CHANGE_CREDENTIAL, RESET_CREDENTIAL, REMOVE_CREDENTIAL, VERIFY_CREDENTIAL, UNLOCK, LOCK,
 ENROLL_BIOMETRIC, REMOVE_BIOMETRIC, AUTHENTICATE_BIOMETRIC, ADVANCE, REBOOT, GENERATE_KEY, DELETE_KEY, BEGIN,
 UPDATE, FINISH, ABORT, ONE_SHOT, PROMPT_ARM, FORGE_TOKEN, REPLAY_TOKEN, TAMPER, CALLBACK_WITHOUT_CRYPTO) = range(24)

ADVANCES_MS = [1, 500, 999, 1000, 1001, 4999, 5000, 5001, 29999, 30000, 30001, 60000, 61000, 600000, 3600000,
               86400000]
TIMEOUTS = {0: 0, 1: 3, 5: 4, 30: 5, 60: 6, 2: 7}
TYPES = {"biometric": 0, "credential": 1, "both": 2}
ALGORITHMS = {"hmac": 0, "aes": 1, "ed25519": 2, "ec": 3}
LIMITS = {0: 0, 1: 2, 2: 3}
NO_CHALLENGE, STRAY_CHALLENGE = 0, 5
DETERMINISM, API30 = 1, 2


def op_challenge(slot):
    """The challenge of the operation in a slot, as the target's choose_challenge reads it."""
    return 1 + slot


class Program:
    def __init__(self, flags=0, seed=0):
        self.data = bytearray([flags, seed])

    def emit(self, *values):
        self.data.extend(values)
        return self

    def set_credential(self, secret=0, kind=1):
        return self.emit(SET_CREDENTIAL, kind - 1, secret)

    def change_credential(self, old, new):
        return self.emit(CHANGE_CREDENTIAL, old, new)

    def reset_credential(self, new):
        return self.emit(RESET_CREDENTIAL, new)

    def remove_credential(self, secret=0):
        return self.emit(REMOVE_CREDENTIAL, secret)

    def verify_credential(self, secret=0, challenge=NO_CHALLENGE):
        return self.emit(VERIFY_CREDENTIAL, secret, challenge)

    def unlock(self, secret=0):
        return self.emit(UNLOCK, 3 if secret is None else secret)

    def lock(self):
        return self.emit(LOCK)

    def enroll(self, ident, face=False, weak=False):
        return self.emit(ENROLL_BIOMETRIC, ident - 1, (1 if face else 0) | (6 if weak else 0))

    def remove_biometric(self, ident):
        return self.emit(REMOVE_BIOMETRIC, ident - 1)

    def authenticate(self, ident, challenge=NO_CHALLENGE):
        return self.emit(AUTHENTICATE_BIOMETRIC, ident - 1, challenge)

    def advance(self, ms):
        return self.emit(ADVANCE, ADVANCES_MS.index(ms))

    def reboot(self):
        return self.emit(REBOOT)

    def generate(self, alias, algorithm="hmac", auth=None, timeout=0, types="biometric", invalidate=True,
                 unlocked_device=False, limit=0, per_boot=0, min_seconds=False):
        a = alias | ALGORITHMS[algorithm] << 2 | (1 if auth else 0) << 4 | (1 if unlocked_device else 0) << 6
        a |= (0 if invalidate else 1) << 7
        b = TIMEOUTS[timeout] | TYPES[types] << 3 | LIMITS[limit] << 5
        c = LIMITS[per_boot] | (3 if min_seconds else 0) << 2
        return self.emit(GENERATE_KEY, a, b, c)

    def delete(self, alias):
        return self.emit(DELETE_KEY, alias)

    def begin(self, alias, slot=0, purpose=0):
        return self.emit(BEGIN, alias | slot << 2 | purpose << 4)

    def update(self, slot=0):
        return self.emit(UPDATE, slot)

    def finish(self, slot=0):
        return self.emit(FINISH, slot)

    def abort(self, slot=0):
        return self.emit(ABORT, slot)

    def one_shot(self, alias):
        return self.emit(ONE_SHOT, alias)

    def prompt(self, response, ident=1, secret=0, count=1):
        """response: 0 none, 1 biometric, 2 credential."""
        return self.emit(PROMPT_ARM, response | (ident - 1) << 2 | secret << 4 | (count - 1) << 6)

    def forge(self, fingerprint=False, sid=0, face=False, mac=0, challenge=NO_CHALLENGE, age=0):
        """sid: 0 root, 1 biometric (face picks the modality), 2 the last retired ID, 3 a stray one;
        mac: 0 valid, 1 corrupt, 2 previous boot; age: index into the target's forged_ages_ms."""
        a = (1 if fingerprint else 0) | sid << 1 | (1 if face else 0) << 3 | mac << 4
        return self.emit(FORGE_TOKEN, a, challenge | age << 3)

    def replay(self, newest=0):
        return self.emit(REPLAY_TOKEN, newest)

    def tamper(self, alias, field=0):
        return self.emit(TAMPER, alias | field << 2)

    def callback_without_crypto(self):
        return self.emit(CALLBACK_WITHOUT_CRYPTO)


def seeds():
    s = {}
    # scenarios/per-operation-biometric-key, cryptoobject-biometric-login
    s["per-operation-biometric-login"] = (
        Program(DETERMINISM).set_credential().enroll(1).generate(0, "hmac", auth=True, timeout=0)
        .begin(0, 0).finish(0).authenticate(1, op_challenge(0)).update(0).finish(0)
        .begin(0, 1).verify_credential(0, op_challenge(1)).finish(1).authenticate(1, op_challenge(1)).finish(1))
    # scenarios/per-operation-challenge-mismatch, per-operation-device-credential
    s["per-operation-challenge-mismatch"] = (
        Program().set_credential(1).generate(1, "ec", auth=True, timeout=0, types="credential")
        .begin(1, 0).begin(1, 1).verify_credential(1, op_challenge(0)).finish(1).finish(0)
        .verify_credential(1, STRAY_CHALLENGE).finish(1).abort(1).finish(1))
    # scenarios/timeout-window-edge, timeout-uses-boot-clock
    s["timeout-window-edge"] = (
        Program().set_credential().generate(0, "hmac", auth=True, timeout=5, types="credential")
        .begin(0, 0).verify_credential().begin(0, 0).finish(0).advance(5000).begin(0, 1).finish(1)
        .advance(1).begin(0, 2).advance(30000).verify_credential().one_shot(0))
    # scenarios/reboot-locks-auth-keys with a biometric timeout key
    s["reboot-locks-auth-keys"] = (
        Program(DETERMINISM).set_credential().enroll(1)
        .generate(0, "hmac", auth=True, timeout=30, types="biometric").generate(1, "ed25519")
        .authenticate(1).begin(0, 0).finish(0).reboot().begin(1, 1).finish(1).begin(0, 2).unlock(2).unlock()
        .begin(0, 2).authenticate(1).begin(0, 2).finish(2))
    # scenarios/new-fingerprint-invalidates-biometric-keys, remove-last-fingerprint
    s["new-enrollment-invalidates"] = (
        Program().set_credential().enroll(1).generate(0, "hmac", auth=True, timeout=0)
        .generate(1, "hmac", auth=True, timeout=30).authenticate(1).begin(1, 0).finish(0).enroll(2)
        .begin(1, 1).finish(1).begin(0, 2).advance(30001).authenticate(2).begin(1, 3).remove_biometric(2)
        .remove_biometric(1).enroll(3).begin(0, 0))
    # A fingerprint-bound key while a face comes and goes: refused, then usable again (Android's
    # canUserAuthorizationSucceed is not monotone), then dead when the fingerprint changes.
    s["face-comes-and-goes"] = (
        Program().set_credential().enroll(1).generate(2, "aes", auth=True, timeout=0).enroll(2, face=True)
        .begin(2, 0).remove_biometric(2).begin(2, 0).authenticate(1, op_challenge(0)).finish(0)
        .enroll(4).begin(2, 1).one_shot(2))
    # scenarios/untrusted-credential-reset, trusted-credential-change-keeps-keys
    s["credential-reset"] = (
        Program().set_credential().generate(1, "hmac", auth=True, timeout=30, types="both")
        .generate(2, "hmac", auth=True, timeout=0, types="credential").verify_credential().begin(1, 0).finish(0)
        .change_credential(0, 1).begin(1, 1).finish(1).reset_credential(2).begin(1, 2).advance(30001)
        .verify_credential(2).begin(1, 3).begin(2, 0))
    # scenarios/remove-lock-screen
    s["remove-lock-screen"] = (
        Program(DETERMINISM).set_credential().enroll(1).generate(0, "hmac", auth=True, timeout=60, types="both")
        .generate(1, "ed25519", unlocked_device=True).generate(2, "aes", auth=True, timeout=0).verify_credential()
        .begin(0, 0).remove_credential().finish(0).begin(0, 1).begin(1, 2).finish(2).one_shot(2)
        .set_credential(1).unlock(1).begin(0, 1))
    # scenarios/usage-count-limit, with operations in flight
    s["usage-count-limit"] = (
        Program().generate(0, "hmac", limit=2).begin(0, 0).finish(0).one_shot(0).begin(0, 1).finish(1)
        .begin(0, 2).generate(1, "aes", limit=1).begin(1, 0).begin(1, 1).finish(0).finish(1).one_shot(1))
    # scenarios/max-uses-per-boot, min-seconds-between-ops
    s["per-boot-and-rate-limits"] = (
        Program().generate(0, "ed25519", per_boot=1).generate(1, "hmac", min_seconds=True)
        .begin(0, 0).begin(0, 1).finish(0).begin(1, 2).begin(1, 3).advance(1000).begin(1, 3).advance(1000)
        .begin(1, 3).reboot().unlock(None).begin(0, 0).begin(1, 1))
    # scenarios/forged-tokens (within one boot; no forged MAC but a valid one may work)
    s["forged-tokens"] = (
        Program().set_credential().enroll(1).generate(0, "hmac", auth=True, timeout=30)
        .generate(1, "hmac", auth=True, timeout=0, types="both").forge(True, 1, mac=1).begin(0, 0)
        .forge(True, 1, mac=2).begin(0, 0).forge(True, 1, mac=0, age=5).begin(0, 0).begin(1, 1)
        .forge(False, 0, mac=1, challenge=op_challenge(1)).finish(1).forge(False, 3, mac=0, challenge=op_challenge(1))
        .finish(1).forge(True, 1, mac=0, challenge=op_challenge(1)).finish(1))
    # scenarios/token-replay, first two parts (the same boot)
    s["token-replay-same-boot"] = (
        Program().set_credential().generate(0, "hmac", auth=True, timeout=5, types="credential")
        .generate(1, "hmac", auth=True, timeout=0, types="credential").verify_credential().begin(0, 0).finish(0)
        .advance(5001).replay().begin(0, 0).begin(1, 1).verify_credential(0, op_challenge(1)).finish(1)
        .begin(1, 2).replay().finish(2))
    # scenarios/system-prompt-answers-per-operation-keys
    s["system-prompt"] = (
        Program().set_credential().enroll(1).generate(0, "aes", auth=True, timeout=0)
        .generate(1, "hmac", auth=True, timeout=0, types="credential").prompt(1, 1, count=2).begin(0, 0).finish(0)
        .one_shot(0).prompt(2, secret=0, count=1).change_credential(0, 1).begin(1, 1).finish(1)
        .prompt(2, secret=1, count=2).one_shot(1).begin(1, 2).finish(2))
    # scenarios/unlocked-device-required, event-bound-bypass
    s["unlocked-device-required"] = (
        Program().set_credential().generate(0, "hmac", unlocked_device=True).lock().begin(0, 0).one_shot(0)
        .callback_without_crypto().unlock(1).unlock(0).begin(0, 0).lock().finish(0))
    # scenarios/hmac-sign-verify, tampered-key-blob, alias-replacement
    s["sign-verify-tamper-replace"] = (
        Program(DETERMINISM).generate(0, "hmac").begin(0, 0).update(0).finish(0).one_shot(0).begin(0, 1, purpose=2)
        .finish(1).tamper(0, 2).begin(0, 2).generate(3, "ec").begin(3, 0).generate(3, "ec", limit=1).finish(0)
        .delete(3).one_shot(3))
    # scenarios/legacy-api30-enrollment-invalidation
    s["api30-enrollment-invalidation"] = (
        Program(API30).set_credential().enroll(1).generate(0, "hmac", auth=True, timeout=30).authenticate(1)
        .begin(0, 0).enroll(2).begin(0, 1).remove_biometric(1).begin(0, 2))
    # scenarios/weak-biometric-gives-no-token, biometric lockout
    s["weak-biometric-and-lockout"] = (
        Program().set_credential().enroll(1, weak=True).enroll(2).generate(0, "hmac", auth=True, timeout=30)
        .authenticate(1).begin(0, 0).authenticate(5).authenticate(5).authenticate(5).authenticate(5)
        .authenticate(5).authenticate(2).advance(30000).authenticate(2).begin(0, 0))
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "fuzz_device_model")
    os.makedirs(out, exist_ok=True)
    for name, program in sorted(seeds().items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(bytes(program.data))
    print(f"wrote {len(seeds())} seeds to {out}")


if __name__ == "__main__":
    main()
