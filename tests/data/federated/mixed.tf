# Federated identity credentials, made by `wi-transform federated-credential --format terraform`.
# Azure rejects concurrent writes under one identity: depends_on makes them one at a time.

terraform {
  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.0"
    }
  }
}

data "azurerm_user_assigned_identity" "identity_2" {
  name                = "id-team-b"
  resource_group_name = "rg-demo"
}

locals {
  issuer    = "https://evil.example/a'b\"c$(touch pwned)`touch pwned2`$${HOME}\nnext line\\ \t%s/"
  audiences = ["api://AzureADTokenExchange"]
}

resource "azurerm_federated_identity_credential" "team_a_api" {
  name                = "team-a-api"
  resource_group_name = "rg-demo"
  parent_id           = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-demo/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-team-a"
  issuer              = local.issuer
  subject             = "system:serviceaccount:team-a:api"
  audience            = local.audiences
}

resource "azurerm_federated_identity_credential" "team_a_worker_v2_735191a5" {
  name                = "team-a-worker-v2-735191a5"
  resource_group_name = "rg-demo"
  parent_id           = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-demo/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-team-a"
  issuer              = local.issuer
  subject             = "system:serviceaccount:team-a:worker.v2"
  audience            = local.audiences
  depends_on          = [azurerm_federated_identity_credential.team_a_api]
}

resource "azurerm_federated_identity_credential" "team_b_reports" {
  name                = "team-b-reports"
  resource_group_name = data.azurerm_user_assigned_identity.identity_2.resource_group_name
  parent_id           = data.azurerm_user_assigned_identity.identity_2.id
  issuer              = local.issuer
  subject             = "system:serviceaccount:team-b:reports"
  audience            = local.audiences
}
