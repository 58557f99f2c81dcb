// Federated identity credentials, made by `wi-transform federated-credential --format bicep`.
// Deploy it into the identities' resource group:
//   az deployment group create --subscription 11111111-2222-3333-4444-555555555555 --resource-group rg-demo --template-file federated-credentials.bicep
// Azure rejects concurrent writes under one identity: @batchSize(1) writes them one at a time.

var issuer = 'https://evil.example/a\'b"c\$(touch pwned)`touch pwned2`\${HOME}\nnext line\\ \t%s/'
var audiences = [
  'api://AzureADTokenExchange'
]

resource identity1 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: 'id-team-a'
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
  name: 'id-team-b'
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
