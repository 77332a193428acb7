# TFE reads SAML attributes through ruby-saml (OneLogin::RubySaml). This oracle prints what
# ruby-saml hands its caller for the response on stdin: every attribute name with all its
# values (Attributes#all), and the single value TFE's `attributes[name]` returns (the first).
# Used by test/security/ruby-saml-fidelity.test.ts; no signature check (the gateway's own
# tests cover signatures), only the reading of the signed assertion.
require 'json'
require 'onelogin/ruby-saml'

response = OneLogin::RubySaml::Response.new($stdin.read, skip_conditions: true, skip_subject_confirmation: true, skip_audience: true, skip_recipient_check: true, skip_destination: true)
attributes = response.attributes
all = attributes.all
puts JSON.generate({
  'all' => all,
  'single' => all.keys.to_h { |k| [k, attributes[k]] },
  'nameid' => response.nameid,
})
