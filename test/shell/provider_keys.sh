#!/usr/bin/env bash
# provider_keys.sh BUILD_DIR SOURCE_DIR - key generation through the provider (the contract's genpkey
# command and every algorithm and size it names), the key-reference files genpkey writes, the public
# half (pkey -pubout, -text_pub) equal to what the device exports, the private half refused, the
# keystore: URI and storeutl.
source "$2/test/provider/provider_common.bash" "$@"
cd "$work" || exit 1
setup_phone

ok "openssl list shows the provider" openssl list -providers "${PROV[@]}"
grep -q "keystore" "$work/out" || fail "keystore missing from openssl list -providers"

# The contract's command, verbatim.
ok "genpkey EC P-256 with the contract's pkeyopts" \
    openssl genpkey -provider-path "$build" -provider keystore -provider default -propquery '?provider=keystore' \
    -algorithm EC -pkeyopt group:P-256 -pkeyopt alias:login -pkeyopt user-auth:biometric_strong \
    -pkeyopt auth-timeout:30 -out login.pem
ok "genpkey EC P-384" genkey p384.pem -algorithm EC -pkeyopt group:P-384 -pkeyopt alias:p384
ok "genpkey EC P-521" genkey p521.pem -algorithm EC -pkeyopt group:P-521 -pkeyopt alias:p521
ok "genpkey RSA 2048" genkey rsa2048.pem -algorithm RSA -pkeyopt bits:2048 -pkeyopt alias:rsa2048
ok "genpkey RSA 3072" genkey rsa3072.pem -algorithm RSA -pkeyopt bits:3072 -pkeyopt alias:rsa3072
ok "genpkey RSA-PSS 2048" genkey pss.pem -algorithm RSA-PSS -pkeyopt bits:2048 -pkeyopt alias:pss
ok "genpkey ED25519" genkey ed.pem -algorithm ED25519 -pkeyopt alias:ed
ok "genpkey with every policy pkeyopt" genkey policy.pem -algorithm EC -pkeyopt alias:policy \
    -pkeyopt user-auth:biometric_strong,device_credential -pkeyopt auth-timeout:60 \
    -pkeyopt invalidated-by-biometric-enrollment:no -pkeyopt unlocked-device-required:yes \
    -pkeyopt usage-count-limit:5 -pkeyopt max-uses-per-boot:3 -pkeyopt security-level:tee

ok "kssim keys lists them" "$kssim" keys
for alias in login p384 p521 rsa2048 rsa3072 pss ed policy; do
    grep -q "^$alias " "$work/out" || fail "kssim keys does not list $alias"
done
grep "^login " "$work/out" | grep -q "biometric_strong 30s" || fail "login's policy: $(grep '^login ' "$work/out")"
grep "^policy " "$work/out" | grep -q "biometric_strong+device_credential 60s" || fail "policy's auth types"
grep -q "^rsa3072 *rsa-3072" "$work/out" || fail "rsa3072 is not a 3072-bit RSA key"
grep -q "^p521 *ec-521" "$work/out" || fail "p521 is not a P-521 key"

# The file is a reference: alias and device, no key material.
checks=$((checks + 1))
if grep -q "BEGIN KSSIM KEY REFERENCE" login.pem && ! grep -q "PRIVATE KEY" login.pem; then
    echo "ok - genpkey writes a key reference, not a private key"
else
    fail "login.pem is not a key reference: $(cat login.pem)"
fi

# The public half equals what the device exports, through the file and through the URI.
for alias in login p384 p521 rsa2048 rsa3072 pss ed; do
    ok "pkey -pubout of $alias.pem" openssl pkey "${PROV[@]}" -in "$alias.pem" -pubout -out "$alias.pub"
    ok "kssim export-public $alias" sh -c "'$kssim' export-public $alias > $alias.device.pub"
    if [ "$alias" = pss ]; then
        # OpenSSL writes an RSA-PSS key's SubjectPublicKeyInfo with the RSASSA-PSS OID, the device with
        # rsaEncryption: the modulus is what must be the same.
        ok "modulus of pss.pub" sh -c "openssl rsa -pubin -in pss.pub -noout -modulus > pss.modulus"
        ok "modulus of the device's" sh -c "openssl rsa -pubin -in pss.device.pub -noout -modulus > pss.device.modulus"
        same_file "pss: the exported public key is the device's" pss.modulus pss.device.modulus
    else
        same_file "$alias: the exported public key is the device's" "$alias.pub" "$alias.device.pub"
    fi
    ok "pkey -pubout of keystore:$alias" openssl pkey "${PROV[@]}" -in "keystore:$alias" -pubout -out "$alias.uri.pub"
    same_file "$alias: the URI gives the same public key" "$alias.pub" "$alias.uri.pub"
    ok "the default provider alone reads $alias.pub" openssl pkey -pubin -in "$alias.pub" -noout
done
ok "pkey -text_pub prints the public half" openssl pkey "${PROV[@]}" -in login.pem -text_pub -noout
grep -q "prime256v1" "$work/out" || fail "-text_pub does not name the curve: $(cat "$work/out")"
ok "pkey rewrites the reference" openssl pkey "${PROV[@]}" -in login.pem -out login-copy.pem
same_file "the rewritten reference is the same file" login.pem login-copy.pem

# The private half never leaves the device. pkey -text gets the public half only (the export a legacy
# EC_KEY is made from, provider/keymgmt_core.c), and OpenSSL's text encoder finds no private key in it.
checks=$((checks + 1))
if openssl pkey "${PROV[@]}" -in login.pem -text -noout >"$work/out" 2>"$work/err"; then
    fail "pkey -text (private) printed a private key: $(cat "$work/out")"
elif grep -q 'not a private key' "$work/err" && ! grep -qi '^priv' "$work/out"; then
    echo "ok - pkey -text (private) finds no private key to print"
else
    fail "pkey -text (private): $(cat "$work/err")"
fi
ok "pkey -outform DER writes the reference as DER" openssl pkey "${PROV[@]}" -in login.pem -outform DER -out login.der
ok "the DER reference reads back" openssl pkey "${PROV[@]}" -inform DER -in login.der -pubout -out login.der.pub
same_file "the DER reference names the same key" login.pub login.der.pub

ok "storeutl lists the key behind a URI" openssl storeutl "${PROV[@]}" -noout keystore:login
grep -q "Total found: 1" "$work/out" || fail "storeutl: $(cat "$work/out" "$work/err")"
ok "storeutl -text prints the key's public half" openssl storeutl "${PROV[@]}" -keys -text keystore:ed

# Generation refusals come from the device (sizes) or name the missing piece.
refused ALIAS_REQUIRED "genpkey without an alias" genkey noalias.pem -algorithm EC
refused UNSUPPORTED_KEY_SIZE "RSA 1000 bits" genkey small.pem -algorithm RSA -pkeyopt bits:1000 -pkeyopt alias:small
refused UNSUPPORTED_PARAMETER "a curve the device lacks" genkey k1.pem -algorithm EC -pkeyopt group:secp256k1 \
    -pkeyopt alias:k1
finish
