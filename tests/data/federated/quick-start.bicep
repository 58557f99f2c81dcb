// Federated identity credentials, made by `wi-transform federated-credential --format bicep`.
// Deploy it into the identities' resource group:
//   az deployment group create --subscription 11111111-2222-3333-4444-555555555555 --resource-group rg-demo --template-file federated-credentials.bicep
// Azure rejects concurrent writes under one identity: @batchSize(1) writes them one at a time.

var issuer = 'https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0c6a1b5e-0000-4000-8000-000000000001/'
var audiences = [
  'api://AzureADTokenExchange'
]

resource identity1 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: 'id-demo'
}

var identity1Credentials = [
  {
    name: 'demo-workload-identity-sa'
    subject: 'system:serviceaccount:demo:workload-identity-sa'
  }
]

@batchSize(1)
resource identity1FederatedCredentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [for credential in identity1Credentials: {
  parent: identity1
  name: credential.name
  properties: {
    issuer: issuer
    subject: credential.subject
    audiences: audiences
  }
}]
