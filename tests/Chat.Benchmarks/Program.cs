using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project tests/Chat.Benchmarks -- --filter '*'
// (or a subset: --filter '*Parser*'; --job short for a quick look).
// Reports go beside the binaries, not into the working folder.
var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
BenchmarkSwitcher.FromAssembly(typeof(Chat.Benchmarks.ParserBenchmarks).Assembly).Run(args, config);
