// Azure Web PubSub for the gateway's WebSocket clients (docs/protocols.md#azure-web-pubsub): the service holds the
// connections, the gateway stays a stateless HTTP app. Local auth is disabled, so no access key works anywhere: the
// gateway calls the service with its managed identity (Web PubSub Service Owner, granted by main.bicep's role map),
// and the service calls the gateway's events route with its own system-assigned identity, for the audience the
// gateway's events route checks. The hub, whose event handler is the gateway's URL, is web-pubsub-hub.bicep: it is
// deployed after the app, whose host name it needs, while this resource comes before the app's role assignments.

@description('Name of the Web PubSub resource (3-63 letters, digits and hyphens, globally unique).')
@minLength(3)
@maxLength(63)
param name string

@description('Azure region.')
param location string

@description('Tags applied to the resource.')
param tags object

@description('Pricing tier: Free_F1 (20 connections, no SLA) for trials, Standard_S1 for production.')
@allowed([
  'Free_F1'
  'Standard_S1'
  'Premium_P1'
])
param skuName string = 'Standard_S1'

@description('Units (1000 connections each on Standard); Free_F1 has exactly one.')
@minValue(1)
@maxValue(100)
param capacity int = 1

resource webPubSub 'Microsoft.SignalRService/webPubSub@2024-03-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: skuName
    capacity: skuName == 'Free_F1' ? 1 : capacity
  }
  // The service's own identity, used only to sign in to the gateway's events route.
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    // Microsoft Entra ID only: access keys and connection strings are refused by the service.
    disableLocalAuth: true
    disableAadAuth: false
    publicNetworkAccess: 'Enabled'
    tls: {
      clientCertEnabled: false
    }
  }
}

@description('Name of the Web PubSub resource.')
output name string = webPubSub.name

@description('The endpoint the gateway\'s webPubSub routes name, for example https://NAME.webpubsub.azure.com.')
output endpoint string = 'https://${webPubSub.properties.hostName}'

@description('Object id of the service\'s identity: the subject of the tokens it sends to the events route.')
output principalId string = webPubSub.identity.principalId
