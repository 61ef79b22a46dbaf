using System.Runtime.CompilerServices;

namespace Portico.RateLimiting;

/// <summary>One value per <see cref="QuotaPeriod"/>, inline (no array allocation), indexed by the period.</summary>
/// <typeparam name="T">The value type.</typeparam>
[InlineArray(QuotaWindow.PeriodCount)]
internal struct PerPeriod<T>
    where T : struct
{
    private T _element;
}
