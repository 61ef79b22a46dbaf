using Portico.Problems;

namespace Portico.Discovery.Sources;

/// <summary>The answers of the instance registration API (docs/problems.md, docs/discovery.md#registration).</summary>
internal static class DiscoveryProblems
{
    /// <summary>A registration the admin API cannot read; <c>detail</c> says what is wrong.</summary>
    public static readonly Problem InvalidRegistration = new(400, "invalid-registration", "The instance registration is not valid");

    /// <summary>The instance's address is outside what the backend lets registrants point the gateway at; <c>field</c> names the registry field that decides it.</summary>
    public static readonly Problem AddressNotAllowed = new(403, "registration-address-not-allowed", "The instance's address may not be registered for this backend");

    /// <summary>The backend has as many live registrations as it allows; <c>field</c> names the limit.</summary>
    public static readonly Problem TooManyInstances = new(403, "too-many-instances", "The backend has as many registered instances as it allows");

    /// <summary>The backend has no <c>discovery</c> of type <c>registration</c>.</summary>
    public static readonly Problem RegistrationNotEnabled = new(409, "registration-not-enabled", "The backend does not take instance registrations");

    /// <summary>A deregistration of an address that is not registered.</summary>
    public static readonly Problem InstanceNotFound = new(404, "instance-not-found", "No instance is registered at this address");

    /// <summary>The registration store (Table storage) could not be reached (<c>Retry-After</c>).</summary>
    public static readonly Problem RegistrationUnavailable = new(503, "registration-unavailable", "The registration could not be stored or read");
}
