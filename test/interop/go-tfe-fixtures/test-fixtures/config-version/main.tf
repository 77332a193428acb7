# One resource: the gateway's synthetic plan counts it ("1 to add").
resource "null_resource" "foo" {
  triggers = {
    greeting = "hello from samlgate's interop fixtures"
  }
}

output "greeting" {
  value = null_resource.foo.triggers.greeting
}
