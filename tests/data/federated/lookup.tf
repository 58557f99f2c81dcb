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

variable "identity_1_id" {
  description = "Resource id of the user-assigned identity with client id 6e7b3bd1-1d4c-4f1e-8c7e-0a1b2c3d4e5f"
  type        = string
}

variable "identity_2_id" {
  description = "Resource id of the user-assigned identity with client id 0f1e2d3c-4b5a-4987-8654-3210fedcba98"
  type        = string
}

locals {
  issuer    = "https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0c6a1b5e-0000-4000-8000-000000000001/"
  audiences = ["api://AzureADTokenExchange"]
}

resource "azurerm_federated_identity_credential" "team_a_api" {
  name                = "team-a-api"
  resource_group_name = split("/", var.identity_1_id)[4]
  parent_id           = var.identity_1_id
  issuer              = local.issuer
  subject             = "system:serviceaccount:team-a:api"
  audience            = local.audiences
}

resource "azurerm_federated_identity_credential" "team_a_worker_v2_735191a5" {
  name                = "team-a-worker-v2-735191a5"
  resource_group_name = split("/", var.identity_1_id)[4]
  parent_id           = var.identity_1_id
  issuer              = local.issuer
  subject             = "system:serviceaccount:team-a:worker.v2"
  audience            = local.audiences
  depends_on          = [azurerm_federated_identity_credential.team_a_api]
}

resource "azurerm_federated_identity_credential" "team_b_reports" {
  name                = "team-b-reports"
  resource_group_name = split("/", var.identity_2_id)[4]
  parent_id           = var.identity_2_id
  issuer              = local.issuer
  subject             = "system:serviceaccount:team-b:reports"
  audience            = local.audiences
}
