#if NETFRAMEWORK
namespace System.Runtime.CompilerServices;

/// <summary>Lets the protocol's records (init accessors) compile for .NET Framework, which lacks this marker type.</summary>
internal static class IsExternalInit;
#endif
