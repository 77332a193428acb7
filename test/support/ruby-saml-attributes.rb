# TFE reads SAML attributes through ruby-saml (OneLogin::RubySaml). This oracle prints what
# ruby-saml hands its caller for the response on stdin: every attribute name with all its
# values (Attributes#all), and the single value TFE's `attributes[name]` returns (the first).
# Used by test/security/ruby-saml-fidelity.test.ts; no signature check (the gateway's own
# tests cover signatures), only the reading of the signed assertion.
require 'json'
require 'onelogin/ruby-saml'

# One response on stdin, or a JSON array of responses (one ruby start for a whole table of
# cases: a start is ~0.3 s of CPU) answered by a JSON array in the same order.
def read_attributes(xml)
  response = OneLogin::RubySaml::Response.new(xml, skip_conditions: true, skip_subject_confirmation: true, skip_audience: true, skip_recipient_check: true, skip_destination: true)
  attributes = response.attributes
  all = attributes.all
  {
    'all' => all,
    'single' => all.keys.to_h { |k| [k, attributes[k]] },
    'nameid' => response.nameid,
  }
end

input = $stdin.read
if input.lstrip.start_with?('[')
  puts JSON.generate(JSON.parse(input).map { |xml| read_attributes(xml) })
else
  puts JSON.generate(read_attributes(input))
end
