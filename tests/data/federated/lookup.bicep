// Federated identity credentials, made by `wi-transform federated-credential --format bicep`.
// Deploy it into the identities' resource group:
//   az deployment group create --resource-group <resource group of the identities> --template-file federated-credentials.bicep
// Azure rejects concurrent writes under one identity: @batchSize(1) writes them one at a time.

@description('Name of the user-assigned identity with client id 6e7b3bd1-1d4c-4f1e-8c7e-0a1b2c3d4e5f, in the resource group deployed to.')
param identity1Name string

@description('Name of the user-assigned identity with client id 0f1e2d3c-4b5a-4987-8654-3210fedcba98, in the resource group deployed to.')
param identity2Name string

var issuer = 'https://eastus.oic.prod-aks.azure.com/72f988bf-86f1-41af-91ab-2d7cd011db47/0c6a1b5e-0000-4000-8000-000000000001/'
var audiences = [
  'api://AzureADTokenExchange'
]

resource identity1 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identity1Name
}

var identity1Credentials = [
  {
    name: 'team-a-api'
    subject: 'system:serviceaccount:team-a:api'
  }
  {
    name: 'team-a-worker-v2-735191a5'
    subject: 'system:serviceaccount:team-a:worker.v2'
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

resource identity2 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: identity2Name
}

var identity2Credentials = [
  {
    name: 'team-b-reports'
    subject: 'system:serviceaccount:team-b:reports'
  }
]

@batchSize(1)
resource identity2FederatedCredentials 'Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials@2023-01-31' = [for credential in identity2Credentials: {
  parent: identity2
  name: credential.name
  properties: {
    issuer: issuer
    subject: credential.subject
    audiences: audiences
  }
}]
