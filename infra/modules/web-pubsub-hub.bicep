// The Web PubSub hub the gateway bridges (docs/protocols.md#azure-web-pubsub), on the resource web-pubsub.bicep creates.
// Its event handler is the gateway's events route at the function app's real default host name (an output of
// function-app.bicep): Flex Consumption apps and apps with unique default host names are not at <name>.azurewebsites.net,
// so the name is read from the app, never written out.

@description('Name of the Web PubSub resource the hub belongs to.')
param webPubSubName string

@description('The hub the gateway bridges.')
param hubName string

@description('The events route\'s URL on the gateway: https://<the app\'s default host name><the events route\'s path>.')
param eventHandlerUrl string

@description('Audience of the tokens the service sends with each event: the client id of the gateway\'s identity, which the events route\'s jwt policy checks.')
param eventHandlerAudience string

resource webPubSub 'Microsoft.SignalRService/webPubSub@2024-03-01' existing = {
  name: webPubSubName
}

resource hub 'Microsoft.SignalRService/webPubSub/hubs@2024-03-01' = {
  parent: webPubSub
  name: hubName
  properties: {
    // Clients need a token from the gateway's negotiate route.
    anonymousConnectPolicy: 'Deny'
    eventHandlers: [
      {
        urlTemplate: eventHandlerUrl
        userEventPattern: '*'
        systemEvents: [
          'connect'
          'connected'
          'disconnected'
        ]
        auth: {
          type: 'ManagedIdentity'
          managedIdentity: {
            resource: eventHandlerAudience
          }
        }
      }
    ]
  }
}

@description('The hub name.')
output hubName string = hub.name
