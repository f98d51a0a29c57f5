# The external gateway's TLS certificate: gateway.<domain> (agents, MCP servers, sandboxes, LLM
# backends) and keycloak.<domain> (token issuance), validated by DNS in the environment's hosted
# zone. The gateway's Network Load Balancer terminates TLS with it (charts/platform/constructs/
# central-gateway.ts); its ARN reaches synth through the platform output.
resource "aws_acm_certificate" "gateway" {
  domain_name               = "gateway.${var.domain}"
  subject_alternative_names = ["keycloak.${var.domain}"]
  validation_method         = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "gateway_certificate_validation" {
  for_each = {
    for o in aws_acm_certificate.gateway.domain_validation_options : o.domain_name => {
      name   = o.resource_record_name
      type   = o.resource_record_type
      record = o.resource_record_value
    }
  }
  zone_id         = var.hosted_zone_id
  name            = each.value.name
  type            = each.value.type
  records         = [each.value.record]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "gateway" {
  certificate_arn         = aws_acm_certificate.gateway.arn
  validation_record_fqdns = [for r in aws_route53_record.gateway_certificate_validation : r.fqdn]
}
