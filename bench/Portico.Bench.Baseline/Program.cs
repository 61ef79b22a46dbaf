using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

// The reference Portico is measured against: YARP's direct forwarding (IHttpForwarder) behind one catch-all
// endpoint, with the HttpMessageInvoker YARP's documentation recommends, and nothing else: no routing table,
// no header hygiene, no logging, no metrics. Portico's overhead is whatever it costs on top of this.
var urls = args.Length > 0 ? args[0] : "http://127.0.0.1:19081";
var destination = args.Length > 1 ? args[1] : "http://127.0.0.1:19080";

var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
builder.WebHost.UseUrls(urls);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
builder.Logging.ClearProviders();
builder.Services.AddHttpForwarder();
var app = builder.Build();

var invoker = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    EnableMultipleHttp2Connections = true,
    ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
    ConnectTimeout = TimeSpan.FromSeconds(15),
});
var requestConfig = new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(100) };
var forwarder = app.Services.GetRequiredService<IHttpForwarder>();

app.Run(async context =>
{
    var error = await forwarder.SendAsync(context, destination, invoker, requestConfig, HttpTransformer.Default);
    if (error != ForwarderError.None && !context.Response.HasStarted)
    {
        context.Response.StatusCode = error == ForwarderError.RequestTimedOut ? 504 : 502;
    }
});

app.Run();
