using System.Runtime.CompilerServices;

// The benchmarks compare the binding with a bare loop over the same native function pointers.
[assembly: InternalsVisibleTo("ModelBuild.Benchmarks")]
