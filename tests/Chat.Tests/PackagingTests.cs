using Chat.Tests.Shared;

namespace Chat.Tests;

/// <summary>The NuGet tool package: pack it, install it with `dotnet tool install`, run it.</summary>
public sealed class PackagingTests
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task The_packed_tool_installs_and_runs()
    {
        using var temp = new TempFolder();
        string version = "0.1.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + Environment.ProcessId;
        string packages = Path.Combine(temp.Path, "pkg");
        string tools = Path.Combine(temp.Path, "tools");
        string project = Path.Combine(RepoRoot(), "src", "Chat", "Chat.csproj");

        // No build servers or reused nodes: they would outlive the step and hold its output open.
        await RunAsync("dotnet", ["pack", project, "-c", "Release", "-o", packages, $"-p:Version={version}", "-nodeReuse:false", "-p:UseSharedCompilation=false"]);
        Assert.True(File.Exists(Path.Combine(packages, $"chat-tool.{version}.nupkg")), $"No chat-tool.{version}.nupkg in {packages}.");

        await RunAsync("dotnet", ["tool", "install", "chat-tool", "--tool-path", tools, "--add-source", packages, "--version", version]);

        string output = await RunAsync(Path.Combine(tools, "chat"), ["--version"]);
        Assert.Equal(version, output.Trim());

        // The installed tool tiers its hot code up at once (docs/PERFORMANCE.md): the setting travels in its runtimeconfig.
        var configs = Directory.GetFiles(tools, "chat.runtimeconfig.json", SearchOption.AllDirectories);
        Assert.NotEmpty(configs);
        foreach (var config in configs)
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(config));
            var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
            Assert.True(properties.TryGetProperty("System.Runtime.TieredCompilation.CallCountingDelayMs", out var delay), $"No call-counting delay in {config}.");
            Assert.Equal(0, delay.GetInt32());
        }
    }

    /// <summary>The folder holding chat-tool.sln, above the test output folder.</summary>
    private static string RepoRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "chat-tool.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No chat-tool.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Runs a step to its end; fails with its output unless it exits 0. Returns its stdout.</summary>
    private static async Task<string> RunAsync(string fileName, string[] args)
    {
        using var step = ChatProcess.Start(fileName, args);
        step.CloseInput();
        int code = await step.WaitForExitAsync(StepTimeout);
        Assert.True(code == 0, $"Exit code {code}.\n{step.Transcript}");
        return string.Join('\n', step.Output);
    }
}
