// One role assignment, scoped to exactly one of the deployment's resources. main.bicep calls this module in a
// single loop over its role map. The resources below are a dispatch on `target`, not several assignments:
// Bicep must know a resource's scope at compile time (BCP420), so the target cannot be chosen by an expression,
// and exactly one of them is deployed per call.

@description('Which resource the role is scoped to.')
@allowed([
  'storage'
  'applicationInsights'
  'keyVault'
  'webPubSub'
])
param target string

@description('Built-in role definition id (a GUID).')
param roleDefinitionId string

@description('Object id of the principal receiving the role.')
param principalId string

@description('Kind of principal: the gateway\'s managed identity (ServicePrincipal) or the deploying developer (User).')
@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param principalType string

@description('Why the principal needs the role; shown in the portal.')
param roleDescription string

@description('Name of the storage account.')
param storageAccountName string

@description('Name of the Application Insights component.')
param applicationInsightsName string

@description('Name of the Key Vault.')
param keyVaultName string

@description('Name of the Web PubSub resource (assigned to only when the deployment has one).')
param webPubSubName string

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' existing = {
  name: keyVaultName
}

resource webPubSub 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = {
  name: webPubSubName
}

var roleDefinitionResourceId = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleDefinitionId)

// Shared by the dispatch targets below, which differ only in scope (and so in name).
var assignment = {
  roleDefinitionId: roleDefinitionResourceId
  principalId: principalId
  principalType: principalType
  description: roleDescription
}

resource onStorage 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (target == 'storage') {
  name: guid(storage.id, principalId, roleDefinitionResourceId)
  scope: storage
  properties: assignment
}

resource onApplicationInsights 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (target == 'applicationInsights') {
  name: guid(applicationInsights.id, principalId, roleDefinitionResourceId)
  scope: applicationInsights
  properties: assignment
}

resource onKeyVault 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (target == 'keyVault') {
  name: guid(vault.id, principalId, roleDefinitionResourceId)
  scope: vault
  properties: assignment
}

resource onWebPubSub 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (target == 'webPubSub') {
  name: guid(webPubSub.id, principalId, roleDefinitionResourceId)
  scope: webPubSub
  properties: assignment
}
