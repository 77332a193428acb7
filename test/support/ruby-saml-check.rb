# Validates one SAML Response with Debian's ruby-saml (the SAML library Terraform Enterprise
# uses), as a TFE-like SP configured with the IdP's certificate would. Reads a JSON object on
# stdin: response (base64 SAMLResponse), idp_cert (PEM), idp_entity_id, sp_entity_id, acs_url,
# and optionally sp_key/sp_cert (PEM) to decrypt an EncryptedAssertion and request_id to check
# InResponseTo. Prints one JSON object: valid, errors, name_id, name_id_format, attributes,
# session_index, session_expires_at.
require 'json'
require 'onelogin/ruby-saml'

input = JSON.parse($stdin.read)
settings = OneLogin::RubySaml::Settings.new
settings.idp_entity_id = input.fetch('idp_entity_id')
settings.idp_cert = input.fetch('idp_cert')
settings.sp_entity_id = input.fetch('sp_entity_id')
settings.assertion_consumer_service_url = input.fetch('acs_url')
settings.private_key = input['sp_key'] if input['sp_key']
settings.certificate = input['sp_cert'] if input['sp_cert']
settings.soft = true
settings.security[:want_assertions_signed] = true
settings.security[:strict_audience_validation] = true

options = { settings: settings }
options[:matches_request_id] = input['request_id'] if input['request_id']
response = OneLogin::RubySaml::Response.new(input.fetch('response'), options)
valid = response.is_valid?
attributes = {}
if valid
  response.attributes.each { |name, values| attributes[name] = values }
end
puts JSON.generate(
  valid: valid,
  errors: response.errors,
  name_id: valid ? response.name_id : nil,
  name_id_format: valid ? response.name_id_format : nil,
  attributes: attributes,
  session_index: valid ? response.sessionindex : nil,
  session_expires_at: valid && response.session_expires_at ? response.session_expires_at.utc.iso8601 : nil
)
