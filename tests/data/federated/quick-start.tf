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

locals {
  issuer    = "https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0c6a1b5e-0000-4000-8000-000000000001/"
  audiences = ["api://AzureADTokenExchange"]
}

resource "azurerm_federated_identity_credential" "demo_workload_identity_sa" {
  name                = "demo-workload-identity-sa"
  resource_group_name = "rg-demo"
  parent_id           = "/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-demo/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-demo"
  issuer              = local.issuer
  subject             = "system:serviceaccount:demo:workload-identity-sa"
  audience            = local.audiences
}
