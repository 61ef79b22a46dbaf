// The one user-assigned managed identity the gateway uses for everything: host storage, the deployment
// package, Portico's tables, Application Insights ingestion and Key Vault. A user-assigned identity (rather
// than the system-assigned one) exists before the app does, so its role assignments can be granted first.

@description('Name of the user-assigned managed identity.')
param name string

@description('Azure region.')
param location string

@description('Tags applied to the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

@description('Resource id of the identity.')
output id string = identity.id

@description('Client (application) id of the identity, used by DefaultAzureCredential and identity-based connections.')
output clientId string = identity.properties.clientId

@description('Object (principal) id of the identity, used in role assignments.')
output principalId string = identity.properties.principalId

@description('Name of the identity.')
output name string = identity.name
