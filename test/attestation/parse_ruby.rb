# parse_ruby.rb - an outside parser of Android key attestations for test/shell/attestation_parsers.sh:
# Debian's ruby-android-key-attestation (the android_key_attestation gem, written by others) verifies a
# chain against a given root and decodes its KeyDescription; this prints what it read as JSON.
#
# Usage: ruby parse_ruby.rb CHAIN.pem ROOT.pem [EPOCH_SECONDS]
#   EPOCH_SECONDS is the verification time (old samples have expired intermediates); default now.
# Output: one JSON object: challenge (hex), the versions and security levels, and tee_enforced with the
# fields the gem names (purpose, origin) plus the integer and flag tags a backend's policy reads, found
# with the gem's find_by_tag. Exit status: 0 verified and decoded; 1 the gem refused (its error class
# and message on standard error).
require "json"
require "openssl"
require "android_key_attestation"

chain_path, root_path, at = ARGV
abort "usage: ruby parse_ruby.rb CHAIN.pem ROOT.pem [EPOCH_SECONDS]" unless chain_path && root_path

def certificates(path)
  File.read(path).scan(/-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----/m)
      .map { |pem| OpenSSL::X509::Certificate.new(pem) }
end

# The tags read beyond the gem's named accessors: INTEGER fields and NULL (present = true) fields.
INTEGER_TAGS = { "algorithm" => 2, "key_size" => 3, "ec_curve" => 10, "user_auth_type" => 504,
                 "auth_timeout" => 505, "os_version" => 705, "os_patch_level" => 706,
                 "vendor_patch_level" => 718, "boot_patch_level" => 719 }.freeze
FLAG_TAGS = { "no_auth_required" => 503, "trusted_user_presence_required" => 507,
              "unlocked_device_required" => 509 }.freeze

def authorization_list_json(list)
  out = { "purpose" => list.purpose&.map(&:to_s), "origin" => list.origin&.to_s }
  INTEGER_TAGS.each do |name, tag|
    field = list.find_by_tag(tag)
    out[name] = field.value.first.value.to_i if field
  end
  FLAG_TAGS.each { |name, tag| out[name] = true if list.find_by_tag(tag) }
  out.compact
end

# The tag numbers whose list placement the test checks (compare_fields.py TAG_NAMES), looked up in each
# list with the gem's own find_by_tag.
PLACED_TAGS = [1, 2, 3, 5, 6, 10, 200, 303, 400, 401, 402, 405, 503, 504, 505, 509, 701, 702, 704, 705, 706,
               709, 718, 719].freeze

def tags_in(list)
  PLACED_TAGS.select { |tag| list.find_by_tag(tag) }
end

# AttestationApplicationId ::= SEQUENCE { SET OF SEQUENCE { packageName OCTET STRING, version INTEGER },
# SET OF OCTET STRING } inside [709]'s OCTET STRING, which the gem hands over undecoded.
def application_id_json(list)
  field = list.find_by_tag(709)
  return nil unless field

  id = OpenSSL::ASN1.decode(field.value.first.value)
  { "package_names" => id.value[0].value.map { |info| info.value[0].value },
    "signature_digests" => id.value[1].value.map { |digest| digest.value.unpack1("H*") } }
end

begin
  statement = AndroidKeyAttestation::Statement.new(*certificates(chain_path))
  time = at ? Time.at(Integer(at)) : Time.now
  statement.verify_certificate_chain(root_certificates: certificates(root_path), time: time)
  puts JSON.generate(
    "challenge" => statement.key_description.attestation_challenge.unpack1("H*"),
    "attestation_version" => statement.attestation_version,
    "attestation_security_level" => statement.attestation_security_level.to_s,
    "keymaster_version" => statement.keymaster_version,
    "keymaster_security_level" => statement.keymaster_security_level.to_s,
    "tee_enforced" => authorization_list_json(statement.tee_enforced),
    "tee_tags" => tags_in(statement.tee_enforced),
    "software_tags" => tags_in(statement.key_description.software_enforced),
    "attestation_application_id" => application_id_json(statement.key_description.software_enforced)
  )
rescue AndroidKeyAttestation::Error, OpenSSL::OpenSSLError => e
  warn "#{e.class}: #{e.message}"
  exit 1
end
