# forge_leaf.rb - forged attestations for test/shell/attestation_parsers.sh: a fresh root and a fresh
# leaf key, the leaf carrying the KeyDescription copied from a real chain's leaf COPIES times (1 or 2),
# signed by that root. With its own root pinned the copy verifies as a chain, which is why a backend
# pins the maker's root; with the extension twice the verifier must refuse it whatever the root.
#
# Usage: ruby forge_leaf.rb SOURCE_CHAIN.pem COPIES OUT_CHAIN.pem OUT_ROOT.pem
require "openssl"

source, copies, out_chain, out_root = ARGV
abort "usage: ruby forge_leaf.rb SOURCE_CHAIN.pem COPIES OUT_CHAIN.pem OUT_ROOT.pem" unless out_root
real_leaf = OpenSSL::X509::Certificate.new(File.read(source)[/-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----/m])
key_description = real_leaf.extensions.find { |e| e.oid == "1.3.6.1.4.1.11129.2.1.17" } or abort "no KeyDescription"

def certificate(subject, issuer, key, signer, serial)
  cert = OpenSSL::X509::Certificate.new
  cert.version = 2
  cert.serial = serial
  cert.subject = OpenSSL::X509::Name.parse(subject)
  cert.issuer = OpenSSL::X509::Name.parse(issuer)
  cert.public_key = key
  cert.not_before = Time.utc(2020, 1, 1)
  cert.not_after = Time.utc(2040, 1, 1)
  yield cert if block_given?
  cert.sign(signer, OpenSSL::Digest.new("SHA256"))
  cert
end

root_key = OpenSSL::PKey::EC.generate("prime256v1")
leaf_key = OpenSSL::PKey::EC.generate("prime256v1")
root = certificate("/CN=forger root", "/CN=forger root", root_key, root_key, 1) do |cert|
  factory = OpenSSL::X509::ExtensionFactory.new(cert, cert)
  cert.add_extension(factory.create_extension("basicConstraints", "CA:TRUE", true))
  cert.add_extension(factory.create_extension("keyUsage", "keyCertSign", true))
end
leaf = certificate("/CN=Android Keystore Key", "/CN=forger root", leaf_key, root_key, 2) do |cert|
  Integer(copies).times { cert.add_extension(key_description) }
end
File.write(out_chain, leaf.to_pem + root.to_pem)
File.write(out_root, root.to_pem)
