// Portico on Azure: a Flex Consumption Functions app, its user-assigned identity, one storage account (host,
// deployment package and Portico's tables), Log Analytics with Application Insights, a Key Vault, and, when a hub
// is named, Azure Web PubSub for WebSocket clients. No key,
// SAS or password is created or stored anywhere: every connection uses Microsoft Entra ID and a role
// assignment from the role map below. Deployed by `azd up` (see docs/deployment.md).

targetScope = 'subscription'

// ---------------------------------------------------------------------------------------------------------
// Parameters. azd supplies the first three (infra/main.parameters.json); the rest have defaults.
// ---------------------------------------------------------------------------------------------------------

@description('azd environment name; part of the resource group name and of the resource token.')
@minLength(1)
@maxLength(64)
param environmentName string

@description('Azure region for every resource.')
@minLength(1)
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user (AZURE_PRINCIPAL_ID). When set, that user gets the storage and Key Vault data roles, so `portico config import` works with their Azure login. Empty: no developer access.')
param principalId string = ''

@description('Kind of principalId: User for a developer, ServicePrincipal for a CI pipeline that deploys.')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Extra tags for the resource group and every resource.')
param tags object = {}

// Resource names: empty means "abbreviation + resource token" (infra/abbreviations.json).

@description('Resource group name. Default: rg-<environmentName>.')
param resourceGroupName string = ''

@description('User-assigned managed identity name.')
param identityName string = ''

@description('Storage account name (3-24 lower-case letters and digits, globally unique).')
param storageAccountName string = ''

@description('Flex Consumption plan name.')
param planName string = ''

@description('Function app name (globally unique; part of the gateway\'s host name).')
param functionAppName string = ''

@description('Log Analytics workspace name.')
param logAnalyticsName string = ''

@description('Application Insights name.')
param applicationInsightsName string = ''

@description('Key Vault name (3-24 characters, globally unique).')
param keyVaultName string = ''

// Scale.

@description('Memory per instance in MB (512, 2048 or 4096); CPU and network bandwidth are allocated in proportion.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Most instances the app scales out to (40-1000): the ceiling on cost under load or under attack.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

// Portico is an I/O-bound proxy: an in-flight request mostly waits on a backend, holding a socket and a few
// small buffers, not a CPU. The platform's default for 2 GB instances (16) would add an instance (and a cold
// start) for every 16 slow backend calls while CPU sits idle. 100 keeps one instance busy on ordinary
// backends; lower it if CPU-heavy routes (token validation, aggregation, large transforms) push instance CPU
// high or p99 latency up under load, raise it if instances scale out while CPU stays low. See docs/deployment.md.
@description('Concurrent HTTP requests per instance before the platform adds another (1-1000).')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 100

@description('Always-ready (pre-warmed) instances for HTTP. 0 lets the app scale to zero; each warm instance is billed while idle.')
@minValue(0)
@maxValue(20)
param alwaysReadyInstances int = 0

// Data and secrets.

@description('Storage redundancy.')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
param storageSkuName string = 'Standard_LRS'

@description('Grant the Storage Queue Data Contributor role to the app. Off: Portico uses no queues, and the Flex Consumption host needs none for HTTP and timer triggers (timers coordinate through blob leases).')
param useQueues bool = false

@description('Days Log Analytics keeps data (30-730).')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('Key Vault purge protection. Irreversible once on; turn it on for production environments.')
param keyVaultEnablePurgeProtection bool = false

@description('Days a deleted Key Vault or secret stays recoverable (7-90).')
@minValue(7)
@maxValue(90)
param keyVaultSoftDeleteRetentionInDays int = 7

// Azure Web PubSub (docs/deployment.md#azure-web-pubsub).

@description('Hub of an Azure Web PubSub resource for WebSocket clients, bridged by the gateway\'s webPubSub routes. Empty: no Web PubSub resource.')
param webPubSubHub string = ''

@description('Path of the gateway\'s webPubSub events route, where the service delivers the hub\'s events.')
param webPubSubEventPath string = '/realtime/events'

@description('Web PubSub pricing tier: Free_F1 for trials, Standard_S1 or Premium_P1 for production.')
@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
param webPubSubSku string = 'Standard_S1'

@description('Web PubSub resource name (globally unique).')
param webPubSubName string = ''

// ---------------------------------------------------------------------------------------------------------
// Names.
// ---------------------------------------------------------------------------------------------------------

var abbrs = loadJsonContent('abbreviations.json')

// Stable per subscription, environment and region: redeploying the same environment updates in place.
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))

// Must equal the service name in azure.yaml: azd deploys to the resource carrying this tag.
var serviceName = 'gateway'

var allTags = union(tags, { 'azd-env-name': environmentName })

var names = {
  resourceGroup: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  identity: !empty(identityName) ? identityName : '${abbrs.managedIdentityUserAssignedIdentities}${resourceToken}'
  storage: !empty(storageAccountName) ? storageAccountName : '${abbrs.storageStorageAccounts}${resourceToken}'
  plan: !empty(planName) ? planName : '${abbrs.webServerFarms}${resourceToken}'
  functionApp: !empty(functionAppName) ? functionAppName : '${abbrs.webSitesFunctions}${resourceToken}'
  logAnalytics: !empty(logAnalyticsName) ? logAnalyticsName : '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: !empty(applicationInsightsName)
    ? applicationInsightsName
    : '${abbrs.insightsComponents}${resourceToken}'
  keyVault: !empty(keyVaultName) ? keyVaultName : '${abbrs.keyVaultVaults}${resourceToken}'
  webPubSub: !empty(webPubSubName) ? webPubSubName : '${abbrs.signalRServiceWebPubSub}${resourceToken}'
}

var useWebPubSub = !empty(webPubSubHub)

// Tables Portico reads and writes: the registry (routes, backends, consumers, policies), API keys made with
// `portico keys create --storage`, shared rate-limit counters, circuit breaker state and traffic analytics. Created here so the app
// needs no management rights, only table data access. A test keeps this list equal to the code's defaults.
var porticoTables = [
  'PorticoRegistry'
  'PorticoApiKeys'
  'PorticoRateCounters'
  'PorticoCircuitBreakers'
  'PorticoAnalytics'
]

var deploymentContainerName = 'app-package'

// ---------------------------------------------------------------------------------------------------------
// Role map: the only source of role assignments in this deployment, expanded by the one loop at the end.
//   id        built-in role definition GUID
//   target    the resource the role is scoped to: the narrowest one that holds the data
//   developer also granted to the deploying user (principalId), when one is given; the gateway's managed
//             identity gets every enabled row
//   enabled   whether the row applies to this deployment
// ---------------------------------------------------------------------------------------------------------

var roleMap = [
  {
    role: 'Storage Blob Data Owner'
    id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
    target: 'storage'
    developer: true
    enabled: true
    why: 'Functions host storage (keys, timer leases) and the deployment package container'
  }
  {
    role: 'Storage Table Data Contributor'
    id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
    target: 'storage'
    developer: true
    enabled: true
    why: 'Portico registry, rate counters and circuit breaker tables'
  }
  {
    role: 'Storage Queue Data Contributor'
    id: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
    target: 'storage'
    developer: false
    enabled: useQueues
    why: 'Queue triggers and bindings (off unless useQueues is set)'
  }
  {
    role: 'Monitoring Metrics Publisher'
    id: '3913510d-42f4-4e42-8a64-420c390055eb'
    target: 'applicationInsights'
    developer: false
    enabled: true
    why: 'Identity-based telemetry ingestion into Application Insights'
  }
  {
    role: 'Key Vault Secrets User'
    id: '4633458b-17de-408a-b874-0445c86b69e6'
    target: 'keyVault'
    developer: true
    enabled: true
    why: 'Reading Portico secrets (signing keys, introspection client secrets)'
  }
  {
    role: 'Web PubSub Service Owner'
    id: '12cf5a90-567b-43ae-8102-96cf46c7d9b4'
    target: 'webPubSub'
    developer: false
    enabled: useWebPubSub
    why: 'Client access tokens, sends and group membership through the Web PubSub REST API (webPubSub routes)'
  }
]

// One entry per (row, grantee): every enabled row for the app, the developer rows for principalId. Only
// parameters decide the count, so the loop's length is known before deployment starts.
var enabledRoles = filter(roleMap, row => row.enabled)
var roleAssignments = concat(
  map(enabledRoles, row => union(row, { grantee: 'app' })),
  empty(principalId) ? [] : map(filter(enabledRoles, row => row.developer), row => union(row, { grantee: 'developer' }))
)

// ---------------------------------------------------------------------------------------------------------
// Resources.
// ---------------------------------------------------------------------------------------------------------

resource rg 'Microsoft.Resources/resourceGroups@2024-11-01' = {
  name: names.resourceGroup
  location: location
  tags: allTags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: allTags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: allTags
    skuName: storageSkuName
    deploymentContainerName: deploymentContainerName
    tableNames: porticoTables
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: allTags
    retentionInDays: logRetentionInDays
  }
}

module keyVault 'modules/key-vault.bicep' = {
  name: 'key-vault'
  scope: rg
  params: {
    name: names.keyVault
    location: location
    tags: allTags
    enablePurgeProtection: keyVaultEnablePurgeProtection
    softDeleteRetentionInDays: keyVaultSoftDeleteRetentionInDays
  }
}

// The single role assignment loop.
module roles 'modules/role-assignment.bicep' = [
  for assignment in roleAssignments: {
    name: 'role-${assignment.grantee}-${uniqueString(assignment.id, assignment.target)}'
    scope: rg
    params: {
      target: assignment.target
      roleDefinitionId: assignment.id
      // The identity's object id exists only once it is created; it is part of the assignment's name on
      // purpose, so a re-created identity gets a new assignment instead of a conflict with the old one.
      #disable-next-line what-if-short-circuiting
      principalId: assignment.grantee == 'app' ? identity.outputs.principalId : principalId
      principalType: assignment.grantee == 'app' ? 'ServicePrincipal' : principalType
      roleDescription: '${assignment.role}: ${assignment.why}'
      storageAccountName: names.storage
      applicationInsightsName: names.applicationInsights
      keyVaultName: names.keyVault
      webPubSubName: names.webPubSub
    }
    dependsOn: [
      storage
      monitoring
      keyVault
      webPubSub
    ]
  }
]

// The resource comes before the role assignments (the gateway's identity is its Service Owner); its hub, whose event
// handler is the gateway's events route, comes after the app (webPubSubHubEvents below), whose host name it reads.
module webPubSub 'modules/web-pubsub.bicep' = if (useWebPubSub) {
  name: 'web-pubsub'
  scope: rg
  params: {
    name: names.webPubSub
    location: location
    tags: allTags
    skuName: webPubSubSku
  }
}

module gateway 'modules/function-app.bicep' = {
  name: 'gateway'
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: allTags
    serviceName: serviceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    descriptorContainerName: storage.outputs.descriptorContainerName
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.connectionString
    keyVaultUri: keyVault.outputs.uri
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    alwaysReadyInstances: alwaysReadyInstances
  }
  // Start the app only once it may read its storage, so its first start does not fail on access.
  dependsOn: [
    roles
  ]
}

// The hub's event handler: the events route at the app's real default host name, an output of the app's module.
module webPubSubHubEvents 'modules/web-pubsub-hub.bicep' = if (useWebPubSub) {
  name: 'web-pubsub-hub'
  scope: rg
  params: {
    webPubSubName: names.webPubSub
    hubName: webPubSubHub
    eventHandlerUrl: 'https://${gateway.outputs.defaultHostName}${webPubSubEventPath}'
    eventHandlerAudience: identity.outputs.clientId
  }
  dependsOn: [
    webPubSub
  ]
}

// ---------------------------------------------------------------------------------------------------------
// Outputs: azd stores these in the environment (.azure/<env>/.env).
// ---------------------------------------------------------------------------------------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = gateway.outputs.name
output SERVICE_GATEWAY_NAME string = gateway.outputs.name
output SERVICE_GATEWAY_URI string = gateway.outputs.uri
output PORTICO_GATEWAY_URL string = gateway.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output WEB_PUBSUB_ENDPOINT string = useWebPubSub ? webPubSub!.outputs.endpoint : ''
output WEB_PUBSUB_HUB string = webPubSubHub
output WEB_PUBSUB_PRINCIPAL_ID string = useWebPubSub ? webPubSub!.outputs.principalId : ''
