# A monthly AWS Budget for the environment: the costs of everything tagged environment=<env> (the
# eksctl stacks, the nodes, the data services). The tag must be activated once as a cost allocation
# tag in the Billing console (cluster/README.md).
resource "aws_budgets_budget" "environment" {
  name         = "${local.name}-monthly"
  budget_type  = "COST"
  limit_amount = tostring(var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  cost_filter {
    name   = "TagKeyValue"
    # AWS Budgets names a tag as user:<key>$<value>.
    values = [format("user:environment$%s", var.environment)]
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 80
    threshold_type             = "PERCENTAGE"
    notification_type          = "FORECASTED"
    subscriber_email_addresses = var.budget_alert_emails
  }

  notification {
    comparison_operator        = "GREATER_THAN"
    threshold                  = 100
    threshold_type             = "PERCENTAGE"
    notification_type          = "ACTUAL"
    subscriber_email_addresses = var.budget_alert_emails
  }
}
