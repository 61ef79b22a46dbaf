using Microsoft.AspNetCore.Http;

namespace Portico.Admin;

/// <summary>An endpoint with what the matcher precomputes for it: its methods and its <c>Allow</c> header.</summary>
internal sealed class RegisteredEndpoint
{
    private readonly string[] _methods;

    public RegisteredEndpoint(IPorticoEndpoint endpoint)
    {
        Endpoint = endpoint;
        Access = endpoint.Access;
        IsSubtree = endpoint.IsSubtree;
        _methods = [.. endpoint.Methods.Select(m => HttpMethods.GetCanonicalizedValue(m))];
        // RFC 9110 §9.3.2: a server that answers GET answers HEAD the same way, without the body.
        var allowed = _methods.Contains(HttpMethods.Get) && !_methods.Contains(HttpMethods.Head) ? [.. _methods, HttpMethods.Head] : _methods;
        Allow = string.Join(", ", allowed);
        _methods = allowed;
    }

    public IPorticoEndpoint Endpoint { get; }

    public PorticoEndpointAccess Access { get; }

    public bool IsSubtree { get; }

    /// <summary>The value of <c>Allow</c> on a 405.</summary>
    public string Allow { get; }

    /// <summary>Whether the endpoint answers <paramref name="method"/>.</summary>
    public bool Accepts(string method)
    {
        foreach (var accepted in _methods)
        {
            if (HttpMethods.Equals(accepted, method))
            {
                return true;
            }
        }

        return false;
    }
}
