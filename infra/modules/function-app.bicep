// The gateway: a Flex Consumption plan and the Functions app that runs Portico's isolated worker. Every
// connection is identity-based through the user-assigned identity; no app setting holds a key, SAS or password.

@description('Name of the Function app.')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region.')
param location string

@description('Tags applied to the plan and the app.')
param tags object

@description('azd service name; azd finds the app to deploy to by this tag.')
param serviceName string

@description('Resource id of the user-assigned identity.')
param identityId string

@description('Client id of the user-assigned identity.')
param identityClientId string

@description('Blob service endpoint of the storage account (ends with a slash).')
param blobEndpoint string

@description('Blob container of transcoding descriptor sets.')
param descriptorContainerName string

@description('Queue service endpoint of the storage account.')
param queueEndpoint string

@description('Table service endpoint of the storage account.')
param tableEndpoint string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string.')
param applicationInsightsConnectionString string

@description('Key Vault URI.')
param keyVaultUri string

@description('Memory per instance in MB; CPU and network bandwidth scale with it.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('Upper bound on instances, and so on cost under load or attack.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int

@description('Concurrent HTTP requests one instance takes before the platform adds another.')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int

@description('Instances kept warm for the HTTP trigger group. 0 scales to zero; each warm instance is billed while idle.')
@minValue(0)
param alwaysReadyInstances int

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-11-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // An affinity cookie would be added to every proxied response; Portico keeps no per-instance client state.
    clientAffinityEnabled: false
    publicNetworkAccess: 'Enabled'
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      remoteDebuggingEnabled: false
      http20Enabled: true
      // Flex Consumption takes the runtime from functionAppConfig, not from FUNCTIONS_WORKER_RUNTIME or
      // FUNCTIONS_EXTENSION_VERSION (the platform rejects those settings on this plan).
      appSettings: [
        // Functions host storage, reached with the identity (no AzureWebJobsStorage connection string).
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        {
          name: 'AzureWebJobsStorage__blobServiceUri'
          value: blobEndpoint
        }
        // The endpoint grants nothing by itself; queue access also needs a role (see main.bicep, useQueues).
        {
          name: 'AzureWebJobsStorage__queueServiceUri'
          value: queueEndpoint
        }
        {
          name: 'AzureWebJobsStorage__tableServiceUri'
          value: tableEndpoint
        }
        // Telemetry: the connection string names the resource; the authentication string makes the SDK
        // and the host sign in with the identity, which local-auth-disabled Application Insights requires.
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: applicationInsightsConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        // Portico's own settings (src/Portico/Hosting/StorageOptions.cs and friends).
        {
          name: 'Portico__Storage__TableServiceUri'
          value: tableEndpoint
        }
        {
          name: 'Portico__Storage__ClientId'
          value: identityClientId
        }
        {
          name: 'Portico__KeyVault__Uri'
          value: keyVaultUri
        }
        // Descriptor sets of transcoding routes (descriptorSetBlob), read with the identity.
        {
          name: 'Portico__Transcoding__DescriptorSets__ServiceUri'
          value: blobEndpoint
        }
        {
          name: 'Portico__Transcoding__DescriptorSets__ClientId'
          value: identityClientId
        }
        {
          name: 'Portico__Transcoding__DescriptorSets__Container'
          value: descriptorContainerName
        }
        // DefaultAzureCredential picks the user-assigned identity by this variable.
        {
          name: 'AZURE_CLIENT_ID'
          value: identityClientId
        }
      ]
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        alwaysReady: alwaysReadyInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyInstances
              }
            ]
          : []
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

// No basic (user name and password) publishing credentials: deployments authenticate with Entra ID. Two
// resources rather than a loop: the policy name selects the resource type, so it must be a literal.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'ftp'
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: site
  name: 'scm'
  properties: {
    allow: false
  }
}

@description('Name of the Function app.')
output name string = site.name

@description('Default host name of the app.')
output defaultHostName string = site.properties.defaultHostName

@description('The gateway\'s public https URL.')
output uri string = 'https://${site.properties.defaultHostName}'
